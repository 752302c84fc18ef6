// SPDX-License-Identifier: Apache-2.0
// The write order of valid series: records that share dimension values, measure name and time
// end up adjacent, so that batches.ts can hoist what a chunk shares into CommonAttributes.

import type { SeriesToWrite } from './batches';
import { utf8ByteLength } from './validate-series';

/** Pseudo-name ids: the measure name and the time of a series' first sample sort like labels. */
export const MEASURE_NAME_ID = 0;
export const TIME_ID = 1;
/** Metered size of a timestamp (reference/timestream-facts.md section 10). */
const TIME_BYTES = 8;
/**
 * Most key cells (series x names) kept for sorting, 16 MiB of Int32: a request whose series carry
 * many distinct label names only sorts and hoists by its best-ranked names, never quadratic memory.
 */
export const MAX_KEY_CELLS = 1 << 22;
/** Names always kept as key columns, however many series. */
const MIN_KEY_COLUMNS = 16;

/** Series in write order, with the interned key rows that tell what neighbours share. */
export interface SeriesOrder {
  /** Series indices (into the input) in write order. */
  order: number[];
  /** Row per input series, `columns` wide, in rank order: value id per name (0 = absent). */
  keys: Int32Array;
  /** Names ranked at or past `columns` are neither sorted by nor hoisted. */
  columns: number;
  /** Rank (the key column when below `columns`) of each name id. */
  rank: Int32Array;
  /** Series s has its dimensions' name ids at dimNames[dimOffsets[s] .. dimOffsets[s + 1]). */
  dimOffsets: Int32Array;
  dimNames: Int32Array;
  /** Value id of each dimension, parallel to dimNames. */
  dimValues: Int32Array;
  /** Value id of each series' measure name. */
  measureValues: Int32Array;
  /** UTF-8 bytes of each name id (0 for the pseudo-names) and of each of its values by value id. */
  nameBytes: number[];
  valueBytes: number[][];
}

/** Per-name intern table: value -> id (ids from 1), with each value's records and size. */
interface NameTable {
  ids: Map<string | number, number>;
  /** Indexed by value id; slot 0 unused. */
  weight: number[];
  /** UTF-8 bytes of each value (8 for a time). */
  bytes: number[];
  first: number[];
  last: number[];
  /** The previous lookup, since neighbouring series usually repeat a value (one scrape). */
  lastValue: string | number | undefined;
  lastId: number;
}

/**
 * Orders `input` for batching. Each name (label, measure name, time) is scored by the bytes its
 * value groups would share if each group were written together: for every value held by two or
 * more records, (records - 1) times the bytes of all pairs its first and last series agree on.
 * That ranks a name that identifies the scrape target (instance, pod: all target labels and the
 * scrape time come along) above one whose groups share little beyond themselves (`le`, a
 * histogram's metric name across many pods). Series are then sorted by their value ids in that
 * rank order. O(D + S log S · K) for D labels, S series and K distinct names.
 */
export function orderSeries(input: readonly SeriesToWrite[]): SeriesOrder {
  const seriesCount = input.length;
  const nameIds = new Map<string, number>();
  const tables: NameTable[] = [newTable(), newTable()];
  const nameBytes: number[] = [0, 0];
  let dimCount = 0;
  for (let s = 0; s < seriesCount; s++) dimCount += input[s].series.dimensions.length;
  const dimOffsets = new Int32Array(seriesCount + 1);
  const dimNames = new Int32Array(dimCount);
  const dimValues = new Int32Array(dimCount);
  const measureValues = new Int32Array(seriesCount);
  const timeValues = new Int32Array(seriesCount);

  // Intern. Label names are checked against the previous series' name at the same position first.
  let previousNames: { Name?: string }[] = [];
  let previousOffset = 0;
  let at = 0;
  for (let s = 0; s < seriesCount; s++) {
    const { series, samples } = input[s];
    const weight = samples.length;
    measureValues[s] = intern(tables[MEASURE_NAME_ID], series.measureName, weight, s);
    timeValues[s] = intern(tables[TIME_ID], samples[0].timestamp, weight, s);
    dimOffsets[s] = at;
    const dims = series.dimensions;
    for (let j = 0; j < dims.length; j++, at++) {
      const name = dims[j].Name!;
      let id: number | undefined;
      if (j < previousNames.length && previousNames[j].Name === name) id = dimNames[previousOffset + j];
      else {
        id = nameIds.get(name);
        if (id === undefined) {
          id = tables.length;
          nameIds.set(name, id);
          tables.push(newTable());
          nameBytes.push(utf8ByteLength(name));
        }
      }
      dimNames[at] = id;
      const value = dims[j].Value!;
      dimValues[at] = intern(tables[id], value, weight, s);
    }
    previousNames = dims;
    previousOffset = dimOffsets[s];
  }
  dimOffsets[seriesCount] = at;

  // Score names.
  const nameCount = tables.length;
  const scratch = new Int32Array(nameCount);
  const sharedBytes = (a: number, b: number): number => {
    let bytes = 0;
    if (measureValues[a] === measureValues[b]) bytes += tables[MEASURE_NAME_ID].bytes[measureValues[a]];
    if (timeValues[a] === timeValues[b]) bytes += TIME_BYTES;
    for (let k = dimOffsets[b]; k < dimOffsets[b + 1]; k++) scratch[dimNames[k]] = dimValues[k];
    for (let k = dimOffsets[a]; k < dimOffsets[a + 1]; k++) {
      const n = dimNames[k];
      if (scratch[n] === dimValues[k]) bytes += nameBytes[n] + tables[n].bytes[dimValues[k]];
    }
    for (let k = dimOffsets[b]; k < dimOffsets[b + 1]; k++) scratch[dimNames[k]] = 0;
    return bytes;
  };
  const score = new Float64Array(nameCount);
  for (let n = 0; n < nameCount; n++) {
    const { weight, first, last } = tables[n];
    let sum = 0;
    for (let v = 1; v < weight.length; v++)
      if (weight[v] > 1) sum += (weight[v] - 1) * sharedBytes(first[v], last[v]);
    score[n] = sum;
  }
  const byScore = Array.from({ length: nameCount }, (_, n) => n).sort((a, b) => score[b] - score[a] || a - b);
  const rank = new Int32Array(nameCount);
  for (let r = 0; r < nameCount; r++) rank[byScore[r]] = r;

  // Key rows and the sort.
  const columns = Math.min(nameCount, Math.max(MIN_KEY_COLUMNS, Math.floor(MAX_KEY_CELLS / seriesCount)));
  const keys = new Int32Array(seriesCount * columns);
  const measureColumn = rank[MEASURE_NAME_ID];
  const timeColumn = rank[TIME_ID];
  for (let s = 0; s < seriesCount; s++) {
    const base = s * columns;
    if (measureColumn < columns) keys[base + measureColumn] = measureValues[s];
    if (timeColumn < columns) keys[base + timeColumn] = timeValues[s];
    for (let k = dimOffsets[s]; k < dimOffsets[s + 1]; k++) {
      const column = rank[dimNames[k]];
      if (column < columns) keys[base + column] = dimValues[k];
    }
  }
  const order = Array.from({ length: seriesCount }, (_, s) => s);
  order.sort((a, b) => {
    const ba = a * columns;
    const bb = b * columns;
    for (let r = 0; r < columns; r++) {
      const d = keys[ba + r] - keys[bb + r];
      if (d !== 0) return d;
    }
    return a - b;
  });
  return {
    order,
    keys,
    columns,
    rank,
    dimOffsets,
    dimNames,
    dimValues,
    measureValues,
    nameBytes,
    valueBytes: tables.map((t) => t.bytes),
  };
}

function newTable(): NameTable {
  return { ids: new Map(), weight: [0], bytes: [0], first: [0], last: [0], lastValue: undefined, lastId: 0 };
}

function intern(table: NameTable, value: string | number, weight: number, series: number): number {
  let id: number | undefined;
  if (value === table.lastValue) id = table.lastId;
  else {
    id = table.ids.get(value);
    if (id === undefined) {
      id = table.weight.length;
      table.ids.set(value, id);
      table.weight.push(0);
      table.bytes.push(typeof value === 'number' ? TIME_BYTES : utf8ByteLength(value));
      table.first.push(series);
      table.last.push(series);
    }
    table.lastValue = value;
    table.lastId = id;
  }
  table.weight[id] += weight;
  table.last[id] = series;
  return id;
}
