// SPDX-License-Identifier: Apache-2.0
// The JSON body of a WriteRecords call, rendered directly from a WriteBatch: the same document the
// SDK's schema-based serializer builds (awsJson1_0: members in the input, none undefined), at a
// fraction of its cost. Batches built by batches.ts come with the JSON text of each record's
// dimensions and measure name already made from per-series fragments (series-cache.ts), so a body
// is a concatenation; any other batch goes through JSON.stringify.

import type { WriteBatch } from './batches';

/** Where a batch goes: WriteRecords' DatabaseName and TableName. */
export interface WriteRecordsTarget {
  database: string;
  table: string;
}

// NOTE: keyed by the batch object, which batches.ts hands out read-only; the text of each record
// is what JSON.stringify gives for the record's Dimensions and MeasureName members, opening brace
// included, so the body below is byte-identical to JSON.stringify of the whole request (tested).
const recordHeads = new WeakMap<WriteBatch, readonly string[]>();

/**
 * Records, for each record of `batch`, the JSON text of `{` plus its Dimensions and MeasureName
 * members (each followed by a comma). Only for batches whose records hold a MeasureValue made of
 * digits, `-` and `.`, and a decimal Time or none (batches.ts).
 */
export function rememberRecordHeads(batch: WriteBatch, heads: readonly string[]): void {
  recordHeads.set(batch, heads);
}

/**
 * Returns the WriteRecords request body for `batch`: exactly the text of JSON.stringify on
 * `{DatabaseName, TableName, CommonAttributes, Records}`, which parses to the same value as the
 * SDK's body for the same input (tested): records hold only model members with JSON-native values,
 * and absent members are absent.
 */
export function renderWriteRecordsBody(target: WriteRecordsTarget, batch: WriteBatch): string {
  const heads = recordHeads.get(batch);
  if (heads === undefined || heads.length !== batch.records.length) {
    return JSON.stringify({
      DatabaseName: target.database,
      TableName: target.table,
      CommonAttributes: batch.commonAttributes,
      Records: batch.records,
    });
  }
  // Hand-written on the hot path: JSON.stringify of the records was ~1 µs per sample of figure 1
  // (bench/figures/write-cpu.ts), re-escaping the same dimension strings in every request.
  const records = batch.records;
  const parts: string[] = new Array(records.length * 2 + 2);
  parts[0] = `{"DatabaseName":${JSON.stringify(target.database)},"TableName":${JSON.stringify(target.table)},"CommonAttributes":${JSON.stringify(batch.commonAttributes)},"Records":[`;
  let at = 1;
  for (let i = 0; i < records.length; i++) {
    const { MeasureValue, Time } = records[i];
    parts[at++] = heads[i];
    parts[at++] =
      Time === undefined
        ? `"MeasureValue":"${MeasureValue}"}${i + 1 < records.length ? ',' : ''}`
        : `"MeasureValue":"${MeasureValue}","Time":"${Time}"}${i + 1 < records.length ? ',' : ''}`;
  }
  parts[at] = ']}';
  return parts.join('');
}
