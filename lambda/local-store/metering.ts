// SPDX-License-Identifier: Apache-2.0
// Computes the 1 KiB write units a WriteRecords call would be billed (reference/timestream-facts.md
// section 10) and keeps running totals. Pure apart from the counters it owns.

import type { WireRecord } from './records';

/** Size of one billed write unit in bytes. */
export const WRITE_UNIT_BYTES = 1024;
/** Bytes billed for a record's timestamp. */
const TIME_BYTES = 8;
const VALUE_BYTES: Readonly<Record<string, number>> = { DOUBLE: 8, BIGINT: 8, BOOLEAN: 1 };

/** Running totals of metered WriteRecords calls. */
export interface MeteringTotals {
  calls: number;
  records: number;
  bytes: number;
  writeUnits: number;
}

/** The billing of one call. */
export interface CallMetering {
  records: number;
  bytes: number;
  writeUnits: number;
}

/**
 * Computes the billed size of one WriteRecords request: for every event 8 bytes of time plus the
 * UTF-8 bytes of dimension names and values, measure name and value (8 B DOUBLE/BIGINT, 1 B
 * BOOLEAN, UTF-8 length of VARCHAR); attributes in CommonAttributes are counted once per request.
 * Expects a request that normalizeRecords accepted. `ownDimensionBytes` (records read by
 * scanWriteRecords, whose dimensions are text) gives each record's dimension bytes.
 */
export function meterWriteRequest(
  records: readonly WireRecord[],
  common: WireRecord | undefined,
  ownDimensionBytes?: Int32Array,
): CallMetering {
  const commonType = typeof common?.MeasureValueType === 'string' ? common.MeasureValueType : undefined;
  let bytes = common ? attributeBytes(common, commonType ?? 'DOUBLE', dimensionBytes(common)) : 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const type =
      typeof record.MeasureValueType === 'string' ? record.MeasureValueType : (commonType ?? 'DOUBLE');
    bytes += attributeBytes(record, type, ownDimensionBytes?.[i] ?? dimensionBytes(record));
  }
  return { records: records.length, bytes, writeUnits: Math.ceil(bytes / WRITE_UNIT_BYTES) };
}

function dimensionBytes(record: WireRecord): number {
  let bytes = 0;
  for (const dimension of record.Dimensions ?? []) {
    bytes += utf8Length(dimension.Name) + utf8Length(dimension.Value);
  }
  return bytes;
}

/** Bytes of a record's attributes, its dimensions' `dimensionBytes` given. */
function attributeBytes(record: WireRecord, type: string, dimensions: number): number {
  let bytes = dimensions;
  bytes += utf8Length(record.MeasureName);
  if (typeof record.MeasureValue === 'string') bytes += VALUE_BYTES[type] ?? utf8Length(record.MeasureValue);
  // A JSON null is an absent member (records.ts): the record then takes the common Time, billed once.
  if ((record.Time ?? undefined) !== undefined) bytes += TIME_BYTES;
  return bytes;
}

function utf8Length(value: unknown): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : 0;
}

/** Accumulates metering totals across calls. */
export class Meter {
  private readonly totals: MeteringTotals = { calls: 0, records: 0, bytes: 0, writeUnits: 0 };

  /** Adds one call's billing to the totals. */
  add(call: CallMetering): void {
    this.totals.calls += 1;
    this.totals.records += call.records;
    this.totals.bytes += call.bytes;
    this.totals.writeUnits += call.writeUnits;
  }

  /** Returns a copy of the running totals. */
  snapshot(): MeteringTotals {
    return { ...this.totals };
  }
}
