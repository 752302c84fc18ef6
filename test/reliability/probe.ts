// SPDX-License-Identifier: Apache-2.0
// Probe writes whose every sample value names its series and time, and a check that reads them
// back with SQL: each acknowledged sample stored exactly once, with its exact value.

import type { WriteRequest } from '../../lambda/prompb/types';
import { DATABASE, TABLE, type Harness } from '../support/harness';

/** Base time of probe samples (a fixed instant inside the test table's retention). */
export const PROBE_START_MS = 1_763_000_000_000;
const STEP_MS = 1000;

/** Value of sample `k` of series `s`: unique per (series, time) and exact in float64. */
const valueOf = (series: number, k: number) => series * 1000 + k + 0.125;

/** A write of `series` × `samples` probe samples labelled `probe=<probe>`, one sample per TimeSeries. */
export function probeRequest(probe: string, series: number, samples: number, firstSample = 0): WriteRequest {
  const timeseries: WriteRequest['timeseries'] = [];
  for (let s = 0; s < series; s++) {
    const labels = [
      { name: '__name__', value: 'reliability_probe' },
      { name: 'probe', value: probe },
      { name: 'series', value: String(s) },
    ];
    for (let k = firstSample; k < firstSample + samples; k++) {
      timeseries.push({
        labels,
        samples: [{ value: valueOf(s, k), timestamp: PROBE_START_MS + k * STEP_MS }],
      });
    }
  }
  return { timeseries };
}

/** What the store holds for one probe. */
export interface ProbeRows {
  /** Rows stored (duplicates included). */
  rows: number;
  /** Distinct (series, time) keys. */
  keys: number;
  /** Keys stored more than once. */
  duplicates: string[];
  /** Keys whose value is not the exact value written there. */
  wrongValues: string[];
  /** Values present, by key, to check acknowledged samples. */
  present: Set<string>;
}

/** Key of one sample: `series@time-ms`. */
export const sampleKey = (series: number, timeMs: number): string => `${series}@${timeMs}`;

/** Reads every row of a probe and checks identity and exactness of each. */
export async function readProbe(h: Pick<Harness, 'sql'>, probe: string): Promise<ProbeRows> {
  const rows = await h.sql(
    `SELECT series, time, measure_value::double AS v FROM "${DATABASE}"."${TABLE}" WHERE probe = '${probe}'`,
  );
  const seen = new Map<string, number>();
  const wrongValues: string[] = [];
  for (const row of rows) {
    const series = Number(row.series);
    const timeMs = Date.parse(`${(row.time ?? '').replace(' ', 'T').slice(0, 23)}Z`);
    const key = sampleKey(series, timeMs);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    const k = (timeMs - PROBE_START_MS) / STEP_MS;
    if (!Object.is(Number(row.v), valueOf(series, k))) wrongValues.push(`${key}=${row.v}`);
  }
  return {
    rows: rows.length,
    keys: seen.size,
    duplicates: [...seen].filter(([, n]) => n > 1).map(([key]) => key),
    wrongValues,
    present: new Set(seen.keys()),
  };
}

/** Keys of every sample in a probe request. */
export function probeKeys(request: WriteRequest): string[] {
  return request.timeseries.map((ts) =>
    sampleKey(Number(ts.labels.find((l) => l.name === 'series')?.value), ts.samples[0].timestamp),
  );
}
