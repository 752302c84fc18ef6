// SPDX-License-Identifier: Apache-2.0
import { unstoredSamples } from '../../../bench/figures/ingest';

describe('unstoredSamples', () => {
  test.each([
    { name: 'every acknowledged sample stored', acked: 2000, stored: 2000, unstored: 0 },
    { name: 'some acknowledged samples missing', acked: 2000, stored: 1500, unstored: 500 },
    { name: 'more stored than acknowledged (a retried request)', acked: 2000, stored: 2400, unstored: 0 },
    { name: 'a target that keeps nothing', acked: 2000, stored: undefined, unstored: 0 },
  ])('$name: $unstored', ({ acked, stored, unstored }) => {
    expect(unstoredSamples({ acked, stored })).toBe(unstored);
  });
});
