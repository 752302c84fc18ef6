// SPDX-License-Identifier: Apache-2.0
// Machine-wide CPU time from /proc/stat (Linux), for figure 4's window: how much of all cores sat
// idle and how much ran in the kernel while a receiver was measured. A receiver that keeps both
// cores busy is bound by its CPU per sample; one that leaves cores idle is also waiting on itself
// (bench/NOTES.md: the connector's path left 6-18% idle where Prometheus left 0-1%).

import { readFileSync } from 'node:fs';

/** Cumulative CPU time of all cores, in the kernel's clock ticks. */
export interface CpuTimes {
  total: number;
  /** idle + iowait. */
  idle: number;
  /** system + irq + softirq. */
  kernel: number;
}

/** Shares of all cores' time between two readings, 0..1. */
export interface CpuShares {
  idle: number;
  kernel: number;
}

/** A reading taken at `at` (`performance.now()`). */
export interface CpuReading {
  at: number;
  times: CpuTimes;
}

/**
 * Parses the aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal
 * (guest time is already counted in user and nice, so it is not added). Undefined for anything else.
 */
export function parseProcStat(text: string): CpuTimes | undefined {
  const fields = text.split('\n', 1)[0].trim().split(/\s+/);
  if (fields[0] !== 'cpu' || fields.length < 8) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = fields.slice(1, 9).map(Number);
  const counted = [user, nice, system, idle, iowait, irq, softirq, steal];
  if (!counted.every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
  return {
    total: counted.reduce((a, b) => a + b, 0),
    idle: idle + iowait,
    kernel: system + irq + softirq,
  };
}

/** This machine's CPU times now, or undefined where /proc/stat cannot be read (not Linux). */
export function readCpuTimes(): CpuTimes | undefined {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'latin1'));
  } catch {
    return undefined;
  }
}

/** Least time between the two readings a share is computed from (the kernel counts in 10 ms ticks). */
export const MIN_SPAN_MS = 1000;

/**
 * The shares between the first reading at or after `from` and the last at or before `to`
 * (readings in time order), or undefined when they span less than MIN_SPAN_MS.
 */
export function sharesWithin(
  readings: readonly CpuReading[],
  from: number,
  to: number,
): CpuShares | undefined {
  const first = readings.find((r) => r.at >= from);
  const last = readings.findLast((r) => r.at <= to);
  if (first === undefined || last === undefined || last.at - first.at < MIN_SPAN_MS) return undefined;
  const total = last.times.total - first.times.total;
  if (!(total > 0)) return undefined;
  return {
    idle: (last.times.idle - first.times.idle) / total,
    kernel: (last.times.kernel - first.times.kernel) / total,
  };
}
