// SPDX-License-Identifier: Apache-2.0
// Valid series -> WriteRecords batches: records ordered so that neighbours share (batch-order.ts),
// cut where the metered write units are lowest (chunk-plan.ts), and each chunk's shared
// dimensions, measure name and time hoisted into CommonAttributes, which Timestream meters once
// per request (reference/timestream-facts.md section 10).

import type { Dimension, _Record } from '@aws-sdk/client-timestream-write';
import type { Sample } from '../prompb/types';
import { formatMeasureValue as formatValue } from './values';
import type { InternedSeries, KeptDimensions } from './series-cache';
import { BatchText, attachBatchText } from './write-json';
import { MEASURE_NAME_ID as ORDER_MEASURE_NAME_ID, orderSeries, type SeriesOrder } from './batch-order';
import { planChunks, type RecordOrder } from './chunk-plan';

// NOTE: module-local copies of what is used per record (see records.ts).
const formatMeasureValue = formatValue;
const MEASURE_NAME_ID = ORDER_MEASURE_NAME_ID;

/**
 * Most records per WriteRecords call: the service quota and the model's `Records` max of 100
 * (https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html; facts 3.1, 3.3).
 */
export const MAX_RECORDS_PER_WRITE = 100;

/** One WriteRecords call's worth of records. */
export interface WriteBatch {
  /** Always carries MeasureValueType and TimeUnit; plus whatever every record of the batch shares. */
  commonAttributes: _Record;
  /** 1..MAX_RECORDS_PER_WRITE records; none repeats a dimension of commonAttributes. */
  records: _Record[];
  /** Samples in this batch (one record each). */
  sampleCount: number;
}

/** A valid series with its finite samples (at least one). */
export interface SeriesToWrite {
  series: InternedSeries;
  samples: readonly Sample[];
}

/**
 * Builds the batches for `input`: every sample exactly once, at most MAX_RECORDS_PER_WRITE per
 * batch, in the order and cuts that minimise metered write units (plus a small price per call,
 * CALL_PENALTY_UNITS in chunk-plan.ts). The batches share Dimension
 * objects and arrays with each other and with `input`; treat them as read-only.
 */
export function buildBatches(input: readonly SeriesToWrite[]): WriteBatch[] {
  if (input.length === 0) return [];
  const order = orderSeries(input);
  const records = flattenRecords(input, order.order);
  const cuts = planChunks(input, order, records, MAX_RECORDS_PER_WRITE);
  const scratch: EmitScratch = {
    commonMask: new Uint8Array(order.rank.length),
    lastTime: NaN,
    lastTimeText: '',
  };
  const batches: WriteBatch[] = new Array(cuts.length);
  let from = 0;
  for (let c = 0; c < cuts.length; c++) {
    batches[c] = emitChunk(input, order, records, from, cuts[c], scratch);
    from = cuts[c];
  }
  return batches;
}

interface EmitScratch {
  /** 1 at the rank of each name hoisted into the current chunk's CommonAttributes. */
  commonMask: Uint8Array;
  lastTime: number;
  lastTimeText: string;
}

function flattenRecords(input: readonly SeriesToWrite[], order: Int32Array): RecordOrder {
  let count = 0;
  for (const entry of input) count += entry.samples.length;
  const recordSeries = new Int32Array(count);
  const recordTime = new Float64Array(count);
  const recordValue = new Float64Array(count);
  let r = 0;
  for (const s of order) {
    const samples = input[s].samples;
    for (let k = 0; k < samples.length; k++, r++) {
      recordSeries[r] = s;
      recordTime[r] = samples[k].timestamp;
      recordValue[r] = samples[k].value;
    }
  }
  return { recordSeries, recordTime, recordValue };
}

/** Builds the batch of records [from, to). */
function emitChunk(
  input: readonly SeriesToWrite[],
  order: SeriesOrder,
  { recordSeries, recordTime, recordValue }: RecordOrder,
  from: number,
  to: number,
  scratch: EmitScratch,
): WriteBatch {
  const { keys, columns, rank, dimOffsets, dimNames } = order;
  const head = recordSeries[from];
  const headSeries = input[head].series;

  const commonMask = scratch.commonMask;
  commonMask.fill(0);
  const commonDims: Dimension[] = [];
  let commonDimsJson = '';
  for (let j = 0; j < headSeries.dimensions.length; j++) {
    const column = rank[dimNames[dimOffsets[head] + j]];
    if (column < columns && isShared(keys, columns, recordSeries, from, to, column)) {
      commonMask[column] = 1;
      commonDims.push(headSeries.dimensions[j]);
      commonDimsJson += `${commonDimsJson === '' ? '' : ','}${headSeries.dimensionJson[j]}`;
    }
  }
  const measureColumn = rank[MEASURE_NAME_ID];
  const commonMeasure =
    measureColumn < columns && isShared(keys, columns, recordSeries, from, to, measureColumn);
  let commonTime: number | undefined = recordTime[from];
  for (let r = from + 1; r < to; r++) {
    if (recordTime[r] !== commonTime) {
      commonTime = undefined;
      break;
    }
  }

  // NOTE: no record objects here: the fast path sends JSON text made of these parts, and only
  // the SDK fallback reads `records`, which are built from them on first use (write-json.ts).
  // Making ~2000 record objects per request that were never read was ~0.15 µs per sample of
  // figure 1's mapping (bench/figures/write-cpu.ts).
  const count = to - from;
  const heads: string[] = new Array(count);
  const values: string[] = new Array(count);
  const times: string[] | undefined = commonTime === undefined ? new Array(count) : undefined;
  let previous = -1;
  let recordHead = '';
  for (let r = from; r < to; r++) {
    const s = recordSeries[r];
    if (s !== previous) {
      const series = input[s].series;
      const kept = keptDimensions(
        series,
        dimNames,
        dimOffsets[s],
        dimOffsets[s + 1],
        rank,
        commonMask,
        commonDims.length > 0,
      );
      recordHead = commonMeasure
        ? (kept.head ??= renderHead(kept, undefined))
        : (kept.headWithMeasure ??= renderHead(kept, series.measureNameJson));
      previous = s;
    }
    heads[r - from] = recordHead;
    values[r - from] = formatMeasureValue(recordValue[r]);
    if (times !== undefined) times[r - from] = timeText(scratch, recordTime[r]);
  }

  // CommonAttributes, and its JSON text from the same fragments as the records' (write-json.ts).
  // NOTE: an empty literal and stores, not `{ MeasureValueType, ... }`: V8 allocates the objects
  // of a literal straight into the old generation once enough of them outlive a young collection
  // (allocation-site pretenuring), as batches do while they are sent, and from then on every
  // string they hold is kept until a full collection. An empty literal has no allocation site.
  // Measured on figure 1 (bench/figures/write-cpu.ts) with --trace-gc.
  const commonAttributes: _Record = {};
  commonAttributes.MeasureValueType = 'DOUBLE';
  commonAttributes.TimeUnit = 'MILLISECONDS';
  let common = '{"MeasureValueType":"DOUBLE","TimeUnit":"MILLISECONDS"';
  if (commonDims.length > 0) {
    commonAttributes.Dimensions = commonDims;
    common += `,"Dimensions":[${commonDimsJson}]`;
  }
  if (commonMeasure) {
    commonAttributes.MeasureName = headSeries.measureName;
    common += `,"MeasureName":${headSeries.measureNameJson}`;
  }
  if (commonTime !== undefined) {
    const time = timeText(scratch, commonTime);
    commonAttributes.Time = time;
    common += `,"Time":"${time}"`;
  }
  const batch = {} as WriteBatch; // no allocation site: see the note on commonAttributes
  batch.commonAttributes = commonAttributes;
  batch.sampleCount = count;
  // NOTE: the request's recordSeries and an offset, not a slice: a typed array of a chunk's
  // length lives outside V8's heap, and one per chunk doubled the collector's share of figure 1.
  attachBatchText(
    batch,
    new BatchText(heads, values, times, `${common}}`, () =>
      buildRecords(input, recordSeries, from, commonAttributes, values, times),
    ),
  );
  return batch;
}

/** Whether records [from, to) all hold the same value in key column `column`. */
function isShared(
  keys: Int32Array,
  columns: number,
  recordSeries: Int32Array,
  from: number,
  to: number,
  column: number,
): boolean {
  const value = keys[recordSeries[from] * columns + column];
  for (let r = from + 1; r < to; r++) if (keys[recordSeries[r] * columns + column] !== value) return false;
  return true;
}

/**
 * The records of a chunk, for whoever reads `batch.records` (the SDK fallback, tests): each with
 * only the members it needs, absent rather than undefined, sharing the series' Dimension objects.
 * Record i is a sample of series recordSeries[from + i]. A record keeps the dimensions whose names
 * are not hoisted into CommonAttributes; a hoisted name has the same value in every record of the
 * chunk (emitChunk).
 */
function buildRecords(
  input: readonly SeriesToWrite[],
  recordSeries: Int32Array,
  from: number,
  commonAttributes: _Record,
  values: readonly string[],
  times: readonly string[] | undefined,
): _Record[] {
  const hoisted = new Set((commonAttributes.Dimensions ?? []).map((d) => d.Name));
  const measureHoisted = commonAttributes.MeasureName !== undefined;
  const records: _Record[] = new Array(values.length);
  let previous = -1;
  let dims: Dimension[] = [];
  for (let i = 0; i < values.length; i++) {
    const s = recordSeries[from + i];
    const series = input[s].series;
    if (s !== previous) {
      dims = hoisted.size === 0 ? series.dimensions : series.dimensions.filter((d) => !hoisted.has(d.Name));
      previous = s;
    }
    const record: _Record = {};
    if (dims.length > 0) record.Dimensions = dims;
    if (!measureHoisted) record.MeasureName = series.measureName;
    record.MeasureValue = values[i];
    if (times !== undefined) record.Time = times[i];
    records[i] = record;
  }
  return records;
}

/** Largest dimension count whose kept subsets are cached on the series (as a 30-bit mask). */
const MAX_MASKED_DIMENSIONS = 30;

/**
 * The JSON text of the dimensions of `series` not hoisted into the chunk's CommonAttributes (the
 * same subset buildRecords keeps). Cached on the series
 * for the last subset, with the record heads made for it (recordHead): a series usually lands in
 * a chunk hoisting the same dimensions scrape after scrape.
 */
function keptDimensions(
  series: InternedSeries,
  dimNames: Int32Array,
  offset: number,
  end: number,
  rank: Int32Array,
  commonMask: Uint8Array,
  anyCommon: boolean,
): KeptDimensions {
  const n = end - offset;
  let mask = n > MAX_MASKED_DIMENSIONS ? -2 : 0;
  if (mask === 0) {
    for (let j = 0; j < n; j++)
      if (!anyCommon || commonMask[rank[dimNames[offset + j]]] === 0) mask |= 1 << j;
    if (series.kept !== undefined && series.kept.mask === mask) return series.kept;
  }
  let dimensionJson: string[];
  if (!anyCommon) dimensionJson = series.dimensionJson;
  else {
    dimensionJson = [];
    for (let j = 0; j < n; j++)
      if (commonMask[rank[dimNames[offset + j]]] === 0) dimensionJson.push(series.dimensionJson[j]);
  }
  const kept: KeptDimensions = {
    mask,
    dimensionJson,
    head: undefined,
    headWithMeasure: undefined,
  };
  // NOTE: cached from a series' second chunk on: a series seen once (churn, a cold start) then
  // keeps no heads alive, whose promotion to the old generation cost more than they save.
  if (mask >= 0 && series.seen) series.kept = kept;
  series.seen = true;
  return kept;
}

/**
 * Returns the JSON text starting each record of a series in a chunk (write-json.ts): `{`, its
 * kept dimensions and, unless hoisted, its measure name, each member followed by a comma.
 */
function renderHead(kept: KeptDimensions, measureNameJson: string | undefined): string {
  const parts: string[] = ['{'];
  if (kept.dimensionJson.length > 0) {
    parts.push('"Dimensions":[');
    for (let j = 0; j < kept.dimensionJson.length; j++) parts.push(j === 0 ? '' : ',', kept.dimensionJson[j]);
    parts.push('],');
  }
  if (measureNameJson !== undefined) parts.push('"MeasureName":', measureNameJson, ',');
  // NOTE: joined, so each head is one flat string: bodies concatenate heads, and a head built by
  // concatenation would be a tree walked again by every body containing it.
  return parts.join('');
}

/** Decimal milliseconds; records of one scrape share a timestamp, so one string is reused. */
function timeText(scratch: EmitScratch, timestampMs: number): string {
  if (timestampMs !== scratch.lastTime) {
    scratch.lastTime = timestampMs;
    scratch.lastTimeText = String(timestampMs);
  }
  return scratch.lastTimeText;
}
