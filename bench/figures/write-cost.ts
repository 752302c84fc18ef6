// SPDX-License-Identifier: Apache-2.0
// Figure 2: Timestream write units per 1 M samples, as the embedded store meters the calls the
// connector really sends, against the reference connector's batching of the same payloads (one
// record per sample, 100 per call, no CommonAttributes; computed by the same formula).

import { referenceWriteUnits } from '../../lambda/timestream/records';
import type { Figure, FigureResult } from '../types';
import { REQUEST_SAMPLES, measurement, realisticRequests } from '../support';
import { startDefaultHarness } from './write-store';

/** Target of issue 7: at most a third of the reference's units. */
const TARGET_RATIO = 1 / 3;

export const run: Figure = async ({ quick }): Promise<FigureResult> => {
  const requests = realisticRequests(quick ? 3 : 10);
  const harness = await startDefaultHarness();
  const ours: number[] = [];
  const reference: number[] = [];
  const calls: number[] = [];
  try {
    for (const timeseries of requests) {
      const before = harness.store.metering();
      const response = await harness.write('lambda', { timeseries });
      if (response.status !== 204) throw new Error(`bench write answered ${response.status}`);
      const after = harness.store.metering();
      ours.push(((after.writeUnits - before.writeUnits) / REQUEST_SAMPLES) * 1e6);
      calls.push(after.calls - before.calls);
      reference.push((referenceWriteUnits(timeseries) / REQUEST_SAMPLES) * 1e6);
    }
  } finally {
    await harness.close();
  }
  const ratios = ours.map((u, i) => u / reference[i]);
  const ratio = measurement('ratio to the reference', ratios, '×');
  return {
    id: 2,
    title: `Write cost: Timestream write units per 1 M samples (${requests.length} requests of ${REQUEST_SAMPLES} samples, metered by the store)`,
    measurements: [
      measurement('connector', ours, 'units/1M samples'),
      measurement('reference batching', reference, 'units/1M samples'),
      ratio,
      measurement('WriteRecords calls per request', calls, 'calls'),
    ],
    target: '≤ 0.333× the reference',
    headline: { name: 'ratio to the reference', value: ratio.median, unit: '×' },
    met: ratio.median <= TARGET_RATIO,
  };
};
