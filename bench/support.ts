// SPDX-License-Identifier: Apache-2.0
// Shared helpers of the benchmark figures: medians and percentiles, CPU timing of synchronous and
// asynchronous work, the realistic remote-write payloads, and the connector options the shipped
// configuration defaults give (so the figures measure what users run).

import { encodeWriteRequest } from '../lambda/prompb/codec';
import { snappyCompress } from '../lambda/codec/snappy';
import type { TimeSeries } from '../lambda/prompb/types';
import { SETTINGS } from '../lambda/config/settings';
import { realisticRequest } from '../scripts/bench-records';
import type { Measurement } from './types';

/** Samples per remote-write request in the write figures (issue 7). */
export const REQUEST_SAMPLES = 2000;

/** Returns the value at quantile q (0..1) of `values` (nearest rank on a sorted copy). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Builds a Measurement from per-run values: the median, with min and max as extras. */
export function measurement(
  name: string,
  values: readonly number[],
  unit: string,
  extra: Record<string, number> = {},
): Measurement {
  return {
    name,
    median: median(values),
    unit,
    runs: values.length,
    extra: { min: Math.min(...values), max: Math.max(...values), ...extra },
  };
}

/** Milliseconds elapsed since `start` (a performance.now() reading). */
export function since(start: number): number {
  return performance.now() - start;
}

/**
 * Runs `fn` `iterations` times and returns the process CPU time (user + system, all threads, so
 * GC helpers count) in µs per `unitsPerIteration` (e.g. per sample). CPU time, not wall time, so
 * other processes on a shared machine do not inflate it.
 */
export async function cpuMicrosPer(
  fn: () => unknown,
  iterations: number,
  unitsPerIteration: number,
): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) await fn();
  return (cpuMsSince(start) * 1000) / (iterations * unitsPerIteration);
}

/** Process CPU milliseconds (user and system, all threads) since `start`, a process.cpuUsage() reading. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

/** Deterministic realistic requests: one per seed, REQUEST_SAMPLES samples each (scripts/bench-records.ts). */
export function realisticRequests(count: number, samples = REQUEST_SAMPLES): TimeSeries[][] {
  return Array.from({ length: count }, (_, i) => realisticRequest(i + 1, samples));
}

/** A remote-write request body as Prometheus sends it: protobuf, snappy block compressed. */
export function writeBody(timeseries: TimeSeries[]): Uint8Array {
  return snappyCompress(encodeWriteRequest({ timeseries }));
}

/** Labels per series of `requests`: min, max and mean, to print next to the payload. */
export function labelStats(requests: readonly TimeSeries[][]): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = 0;
  let sum = 0;
  let n = 0;
  for (const request of requests)
    for (const { labels } of request) {
      min = Math.min(min, labels.length);
      max = Math.max(max, labels.length);
      sum += labels.length;
      n++;
    }
  return { min, max, mean: sum / n };
}

/** The shipped default of a setting (lambda/config/settings.ts), e.g. 'writeConcurrency'. */
export function settingDefault(key: string): unknown {
  const setting = SETTINGS.find((s) => s.key === key);
  if (setting === undefined) throw new Error(`no setting ${key}`);
  return setting.default;
}
