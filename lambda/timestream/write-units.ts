// SPDX-License-Identifier: Apache-2.0
// Timestream's write metering, by the documented formula (reference/timestream-facts.md section 10),
// for our batches and for the reference connector's batching of the same samples. Used by the
// benchmark and tests to measure the cost of a batching strategy; the embedded store meters itself.

import type { _Record } from '@aws-sdk/client-timestream-write';
import type { TimeSeries } from '../prompb/types';
import { MAX_RECORDS_PER_WRITE, type WriteBatch } from './batches';
import { utf8ByteLength } from './validate-series';
import { DOUBLE_BYTES, TIME_BYTES, WRITE_UNIT_BYTES } from './chunk-plan';

/**
 * Returns the 1 KiB write units Timestream bills for `batch` as one WriteRecords call: the
 * CommonAttributes counted once (its dimensions, measure name, and 8 bytes if it carries Time),
 * plus per record 8 bytes of time (unless common), its dimension names and values, its measure
 * name (unless common) and 8 bytes of DOUBLE value, in UTF-8 bytes, rounded up to whole KiB.
 */
export function meteredWriteUnits(batch: WriteBatch): number {
  let bytes = attributeBytes(batch.commonAttributes);
  const timeCommon = batch.commonAttributes.Time !== undefined;
  for (const record of batch.records) {
    bytes += attributeBytes(record) + DOUBLE_BYTES;
    if (!timeCommon && record.Time === undefined) bytes += TIME_BYTES;
  }
  return Math.ceil(bytes / WRITE_UNIT_BYTES);
}

/**
 * Returns the write units the reference Go connector is billed for `timeseries`: one record per
 * finite sample in input order, every label but `__name__` a dimension under its own name, 100
 * records per WriteRecords call, no CommonAttributes.
 */
export function referenceWriteUnits(timeseries: readonly TimeSeries[]): number {
  let units = 0;
  let records = 0;
  let bytes = 0;
  for (const { labels, samples } of timeseries) {
    let recordBytes = TIME_BYTES + DOUBLE_BYTES;
    for (const { name, value } of labels)
      recordBytes += (name === '__name__' ? 0 : utf8ByteLength(name)) + utf8ByteLength(value);
    for (const { value } of samples) {
      if (!Number.isFinite(value)) continue; // the reference drops NaN and ±Inf before writing
      bytes += recordBytes;
      if (++records === MAX_RECORDS_PER_WRITE) {
        units += Math.ceil(bytes / WRITE_UNIT_BYTES);
        records = 0;
        bytes = 0;
      }
    }
  }
  return units + Math.ceil(bytes / WRITE_UNIT_BYTES);
}

/** Dimension names and values, the measure name and, when present, the time of `record`. */
function attributeBytes(record: _Record): number {
  let bytes = record.Time === undefined ? 0 : TIME_BYTES;
  if (record.MeasureName !== undefined) bytes += utf8ByteLength(record.MeasureName);
  if (record.Dimensions !== undefined) {
    for (const d of record.Dimensions) bytes += utf8ByteLength(d.Name ?? '') + utf8ByteLength(d.Value ?? '');
  }
  return bytes;
}
