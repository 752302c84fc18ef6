// SPDX-License-Identifier: Apache-2.0
import { warmDecoded } from '../../../bench/figures/write-cpu-work';
import { realisticRequests, writeBody } from '../../../bench/support';

describe('warmDecoded', () => {
  // Seeds no other test of this file decodes, so the process-wide cache has not seen them.
  const requests = realisticRequests(2);
  const decoded = warmDecoded(requests.map(writeBody));

  test('every series, as a warm handler decodes it, carries the label section memo', () => {
    expect(decoded.map((series) => series.length)).toEqual([2000, 2000]);
    expect(decoded.flat().filter((series) => series.memo === undefined)).toHaveLength(0);
  });

  test('the series are the requests', () => {
    expect(decoded.map((r) => r.map(({ labels, samples }) => ({ labels, samples })))).toEqual(requests);
  });
});
