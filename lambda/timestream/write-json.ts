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

/** The text of a batch made by batches.ts that its body is made of. */
class BatchText {
  constructor(
    /** Per record, `{` plus its Dimensions and MeasureName members, each followed by a comma. */
    readonly heads: readonly string[],
    /** JSON.stringify of the batch's CommonAttributes. */
    readonly common: string,
  ) {}
}

/**
 * Where a batch keeps its BatchText: a non-enumerable symbol property, invisible to JSON.stringify,
 * Object.keys and test equality, and gone with the batch. NOTE: not a WeakMap keyed by the batch:
 * with one such entry per WriteRecords call, the WeakMap's bookkeeping in V8's young-generation
 * collections and lookups made figure 1's mapping ~0.2 µs per sample slower (1.68 against 1.45,
 * bench/figures/write-cpu.ts payload, A/B with process.cpuUsage).
 */
const BATCH_TEXT = Symbol('batchText');

/**
 * Records, for each record of `batch`, the JSON text of `{` plus its Dimensions and MeasureName
 * members (each followed by a comma), and the JSON text of its CommonAttributes. Only for batches
 * whose records hold a MeasureValue made of digits, `-` and `.`, and a decimal Time or none
 * (batches.ts).
 */
export function rememberRecordHeads(batch: WriteBatch, heads: readonly string[], common: string): void {
  Object.defineProperty(batch, BATCH_TEXT, { value: new BatchText(heads, common) });
}

/** The body text before CommonAttributes' value, for the last target rendered. */
let lastDatabase: string | undefined;
let lastTable: string | undefined;
let lastOpening = '';

/**
 * Returns the WriteRecords request body for `batch`: exactly the text of JSON.stringify on
 * `{DatabaseName, TableName, CommonAttributes, Records}`, which parses to the same value as the
 * SDK's body for the same input (tested): records hold only model members with JSON-native values,
 * and absent members are absent.
 */
export function renderWriteRecordsBody(target: WriteRecordsTarget, batch: WriteBatch): string {
  const text = (batch as { [BATCH_TEXT]?: BatchText })[BATCH_TEXT];
  if (text === undefined || text.heads.length !== batch.records.length) {
    return JSON.stringify({
      DatabaseName: target.database,
      TableName: target.table,
      CommonAttributes: batch.commonAttributes,
      Records: batch.records,
    });
  }
  // Hand-written on the hot path: JSON.stringify of the records was ~1 µs per sample of figure 1
  // (bench/figures/write-cpu.ts), re-escaping the same dimension strings in every request; then
  // JSON.stringify of the target and CommonAttributes was a third of what was left (--cpu-prof).
  if (target.database !== lastDatabase || target.table !== lastTable) {
    lastOpening = `{"DatabaseName":${JSON.stringify(target.database)},"TableName":${JSON.stringify(target.table)},"CommonAttributes":`;
    lastDatabase = target.database;
    lastTable = target.table;
  }
  const { heads, common } = text;
  const records = batch.records;
  const parts: string[] = new Array(records.length * 2 + 2);
  parts[0] = `${lastOpening}${common},"Records":[`;
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
