// SPDX-License-Identifier: Apache-2.0
// Which store a record's timestamp lands in for a table's settings, and why it is refused when it
// lands in none (reference/timestream-facts.md 3.3 "Late data"). Pure.

import {
  MEASURE_VALUE_COLUMNS,
  SERIES_COLUMN,
  SERIES_ID_COLUMN,
  VERSION_COLUMN,
  type CatalogTable,
} from './schema';

/** How far ahead of server time a record may be (facts 3.3 "future ingestion period"). */
export const FUTURE_INGESTION_MS = 15 * 60 * 1000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const NS_PER_MS = 1_000_000n;

/**
 * Physical columns a dimension could collide with in DuckDB's case-insensitive namespace: the
 * view's and `$series`' own (`ts_id` is in `$series` only, so `TS_ID` too would fail its ALTER).
 */
export const RESERVED_PHYSICAL_COLUMNS: readonly string[] = [
  'measure_name',
  'time',
  ...Object.values(MEASURE_VALUE_COLUMNS),
  VERSION_COLUMN,
  SERIES_COLUMN,
  SERIES_ID_COLUMN,
];

/** Where a record's time lands: `reason` set when it is rejected. */
export interface TimeClass {
  magnetic: boolean;
  reason?: string;
}

type Settings = Pick<
  CatalogTable,
  'memoryStoreRetentionHours' | 'magneticStoreRetentionDays' | 'enableMagneticStoreWrites'
>;

/**
 * Classifies a record time against the memory-store window [now - retention, now + 15 min] and,
 * with magnetic writes enabled, the magnetic window [now - magnetic retention, memory start).
 * UNCONFIRMED: the exact Reason wording; modelled on the service's "outside the time range" text.
 */
export function classifyTime(timeNs: bigint, nowMs: number, table: Settings): TimeClass {
  const endMs = nowMs + FUTURE_INGESTION_MS;
  const memoryStartMs = nowMs - table.memoryStoreRetentionHours * HOUR_MS;
  const outside = (startMs: number, store: string) =>
    `The record timestamp is outside the time range [${iso(startMs)}, ${iso(endMs)}) of the ${store}.`;
  if (timeNs > BigInt(endMs) * NS_PER_MS)
    return { magnetic: false, reason: outside(memoryStartMs, 'memory store') };
  if (timeNs >= BigInt(memoryStartMs) * NS_PER_MS) return { magnetic: false };
  if (!table.enableMagneticStoreWrites)
    return { magnetic: false, reason: outside(memoryStartMs, 'memory store') };
  const magneticStartMs = nowMs - table.magneticStoreRetentionDays * DAY_MS;
  if (timeNs >= BigInt(magneticStartMs) * NS_PER_MS) return { magnetic: true };
  return { magnetic: true, reason: outside(magneticStartMs, 'magnetic store') };
}

/**
 * Returns classifyTime for one `nowMs`, with the window bounds converted to nanoseconds once: a
 * write group classifies thousands of records against the same clock reading.
 */
export function timeClassifier(nowMs: number, table: Settings): (timeNs: bigint) => TimeClass {
  const endNs = BigInt(nowMs + FUTURE_INGESTION_MS) * NS_PER_MS;
  const memoryStartNs = BigInt(nowMs - table.memoryStoreRetentionHours * HOUR_MS) * NS_PER_MS;
  const memory: TimeClass = { magnetic: false };
  return (timeNs) =>
    timeNs <= endNs && timeNs >= memoryStartNs ? memory : classifyTime(timeNs, nowMs, table);
}

function iso(ms: number): string {
  return ms < 0 ? '1970-01-01T00:00:00.000Z' : new Date(ms).toISOString();
}
