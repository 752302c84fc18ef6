// SPDX-License-Identifier: Apache-2.0
// The JSON body of a WriteRecords call, rendered directly from a WriteBatch: the same document the
// SDK's schema-based serializer builds (awsJson1_0: members in the input, none undefined), at a
// fraction of its cost. Batches built by batches.ts come with the JSON text of each record's
// dimensions and measure name already made from per-series fragments (series-cache.ts), so a body
// is a concatenation; any other batch goes through JSON.stringify.

import type { _Record } from '@aws-sdk/client-timestream-write';
import type { WriteBatch } from './batches';

/** Where a batch goes: WriteRecords' DatabaseName and TableName. */
export interface WriteRecordsTarget {
  database: string;
  table: string;
}

/** The parts of a batch made by batches.ts that its body, and its records, are made of. */
export class BatchText {
  /** The records once someone read them (built from these parts), or assigned ones. */
  records: _Record[] | undefined = undefined;
  /** Whether `records` was assigned: the parts no longer describe the batch. */
  replaced = false;

  constructor(
    /** Per record, `{` plus its Dimensions and MeasureName members, each followed by a comma. */
    readonly heads: readonly string[],
    /** Per record, its MeasureValue. */
    readonly values: readonly string[],
    /** Per record, its Time; undefined when the time is in CommonAttributes. */
    readonly times: readonly string[] | undefined,
    /** JSON.stringify of the batch's CommonAttributes. */
    readonly common: string,
    /** Makes the records these parts describe, on first read of `records`. */
    readonly build: () => _Record[],
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

function textOf(batch: WriteBatch): BatchText | undefined {
  return (batch as { [BATCH_TEXT]?: BatchText })[BATCH_TEXT];
}

/**
 * The accessor pair of a batch's `records`. NOTE: one pair of functions shared by every batch:
 * closures made per batch gave every batch its own hidden class, which made figure 1's mapping
 * ~0.9 µs per sample slower (collector share 5% -> 20%, --cpu-prof).
 */
function readRecords(this: WriteBatch): _Record[] {
  const text = textOf(this)!;
  return (text.records ??= text.build());
}
function assignRecords(this: WriteBatch, records: _Record[]): void {
  const text = textOf(this)!;
  text.records = records;
  text.replaced = true;
}
const RECORDS_PROPERTY: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get: readRecords,
  set: assignRecords,
};

/**
 * Gives `batch` its parts and a `records` property (enumerable, like a plain member) built from
 * them on first read and kept. Only for batches whose MeasureValues are made of digits, `-` and
 * `.`, with a decimal Time or none (batches.ts). Assigning `records` replaces them and retires the
 * parts, so the body is then JSON.stringify's.
 */
export function attachBatchText(batch: WriteBatch, text: BatchText): void {
  Object.defineProperty(batch, BATCH_TEXT, { value: text });
  Object.defineProperty(batch, 'records', RECORDS_PROPERTY);
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
  const text = textOf(batch);
  if (
    text === undefined ||
    text.replaced ||
    (text.records !== undefined && text.records.length !== text.heads.length)
  ) {
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
  const { heads, values, times, common } = text;
  const count = heads.length;
  const parts: string[] = new Array(count * 2 + 2);
  parts[0] = `${lastOpening}${common},"Records":[`;
  let at = 1;
  for (let i = 0; i < count; i++) {
    parts[at++] = heads[i];
    parts[at++] =
      times === undefined
        ? `"MeasureValue":"${values[i]}"}${i + 1 < count ? ',' : ''}`
        : `"MeasureValue":"${values[i]}","Time":"${times[i]}"}${i + 1 < count ? ',' : ''}`;
  }
  parts[at] = ']}';
  return parts.join('');
}
