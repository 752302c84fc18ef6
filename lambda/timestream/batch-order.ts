// SPDX-License-Identifier: Apache-2.0
// The write order of valid series: records that share dimension values, measure name and time
// end up adjacent, so that batches.ts can hoist what a chunk shares into CommonAttributes.

import type { SeriesToWrite } from './batches';
import { LabelInterner, labelInterner } from './label-interner';
import { ROW_HEADER as SERIES_ROW_HEADER, ROW_SLOTS_PER_DIMENSION as SERIES_ROW_SLOTS } from './series-cache';

// NOTE: module-local copies of values used in per-dimension loops (see records.ts).
const ROW_HEADER = SERIES_ROW_HEADER;
const ROW_SLOTS_PER_DIMENSION = SERIES_ROW_SLOTS;

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
/**
 * Largest packed sort key (leading key columns and the series index, mixed radix): below 2^50 a
 * float64 holds it exactly and `%` recovers the index exactly.
 */
const MAX_PACKED_KEY = 2 ** 50;
/** Runs of equal packed keys up to this length are finished by insertion sort. */
const INSERTION_SORT_RUN = 16;

/** Series in write order, with the interned key rows that tell what neighbours share. */
export interface SeriesOrder {
  /** Series indices (into the input) in write order. */
  order: Int32Array;
  /**
   * Row per input series, `columns` wide, in rank order: value id per name (0 = absent). Scratch
   * shared between calls (keyScratch): valid until the next orderSeries.
   */
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
  /** UTF-8 bytes of each dimension's name and value together, parallel to dimNames. */
  dimBytes: Int32Array;
  /** Value id of each series' measure name, and its UTF-8 bytes. */
  measureValues: Int32Array;
  measureBytes: Int32Array;
}

/**
 * Orders `input` for batching. Each name (label, measure name, time) is scored by the bytes its
 * value groups would share if each group were written together: for every value held by two or
 * more records, (records - 1) times the bytes of all pairs its first and last series agree on.
 * That ranks a name that identifies the scrape target (instance, pod: all target labels and the
 * scrape time come along) above one whose groups share little beyond themselves (`le`, a
 * histogram's metric name across many pods). Series are then sorted by their value ids in that
 * rank order (ties by input index). O(D + S log S · K) for D labels, S series and K distinct names.
 *
 * Value ids are dense per name in order of first appearance in `input`, so the order depends on
 * the request only, never on what the process saw before.
 */
export function orderSeries(
  input: readonly SeriesToWrite[],
  interner: LabelInterner = labelInterner,
): SeriesOrder {
  const seriesCount = input.length;
  let dimCount = 0;
  const persistent = interner.arena.data;
  const scratchRows = interner.scratch.data;
  for (let s = 0; s < seriesCount; s++) {
    const { persistent: cached, row } = input[s].series;
    dimCount += (cached ? persistent : scratchRows)[row];
  }
  const dimOffsets = new Int32Array(seriesCount + 1);
  const dimNames = new Int32Array(dimCount);
  const dimValues = new Int32Array(dimCount);
  const dimBytes = new Int32Array(dimCount);
  const measureValues = new Int32Array(seriesCount);
  const measureBytes = new Int32Array(seriesCount);
  const timeValues = new Int32Array(seriesCount);

  // Intern. The series carry process-wide ids (series-cache.ts); this request's values are
  // "local pairs", found through epoch-stamped arrays indexed by the global ids.
  const pairCapacity = dimCount + 2 * seriesCount;
  const { pairName, pairWeight, pairFirst, pairLast, pairValue } = pairArrays(pairCapacity);
  let pairs = 0;
  const valueCount: number[] = [0, 0];
  const times = new Map<number, number>();
  let lastTime = NaN;
  let lastTimePair = -1;

  const { epoch, nameStamp, nameLocal, pairStamp, pairLocal } = localIds(interner);
  let at = 0;
  for (let s = 0; s < seriesCount; s++) {
    const { series, samples } = input[s];
    const weight = samples.length;
    const row = series.row;
    const arena = series.persistent ? persistent : scratchRows;
    let p = arena[row + 1];
    if (pairStamp[p] !== epoch) {
      pairStamp[p] = epoch;
      pairLocal[p] = pairs;
      pairName[pairs] = MEASURE_NAME_ID;
      pairValue[pairs] = ++valueCount[MEASURE_NAME_ID];
      pairFirst[pairs++] = s;
    }
    let q = pairLocal[p];
    pairWeight[q] += weight;
    pairLast[q] = s;
    measureValues[s] = pairValue[q];
    measureBytes[s] = arena[row + 2];

    const time = samples[0].timestamp;
    if (time !== lastTime) {
      let found = times.get(time);
      if (found === undefined) {
        found = pairs;
        times.set(time, found);
        pairName[pairs] = TIME_ID;
        pairValue[pairs] = ++valueCount[TIME_ID];
        pairFirst[pairs++] = s;
      }
      lastTime = time;
      lastTimePair = found;
    }
    pairWeight[lastTimePair] += weight;
    pairLast[lastTimePair] = s;
    timeValues[s] = pairValue[lastTimePair];

    dimOffsets[s] = at;
    const end = row + ROW_HEADER + ROW_SLOTS_PER_DIMENSION * arena[row];
    for (let k = row + ROW_HEADER; k < end; k += ROW_SLOTS_PER_DIMENSION, at++) {
      const global = arena[k];
      if (nameStamp[global] !== epoch) {
        nameStamp[global] = epoch;
        nameLocal[global] = valueCount.length;
        valueCount.push(0);
      }
      const name = nameLocal[global];
      p = arena[k + 1];
      if (pairStamp[p] !== epoch) {
        pairStamp[p] = epoch;
        pairLocal[p] = pairs;
        pairName[pairs] = name;
        pairValue[pairs] = ++valueCount[name];
        pairFirst[pairs++] = s;
      }
      q = pairLocal[p];
      pairWeight[q] += weight;
      pairLast[q] = s;
      dimNames[at] = name;
      dimValues[at] = pairValue[q];
      dimBytes[at] = arena[k + 2];
    }
  }
  dimOffsets[seriesCount] = at;

  // Score names.
  const nameCount = valueCount.length;
  const scratch = new Int32Array(nameCount);
  const rows: Rows = { measureValues, measureBytes, timeValues, dimOffsets, dimNames, dimValues, dimBytes };
  // NOTE: every term is an integer far below 2^53, so the sums are exact whatever their order.
  const score = new Float64Array(nameCount);
  for (let q = 0; q < pairs; q++)
    if (pairWeight[q] > 1)
      score[pairName[q]] += (pairWeight[q] - 1) * sharedBytes(rows, scratch, pairFirst[q], pairLast[q]);
  const byScore = Array.from({ length: nameCount }, (_, n) => n).sort((a, b) => score[b] - score[a] || a - b);
  const rank = new Int32Array(nameCount);
  for (let r = 0; r < nameCount; r++) rank[byScore[r]] = r;

  // Key rows and the sort.
  const columns = Math.min(nameCount, Math.max(MIN_KEY_COLUMNS, Math.floor(MAX_KEY_CELLS / seriesCount)));
  const keys = keyScratch(seriesCount * columns);
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
  const radix: number[] = [];
  for (let c = 0; c < columns; c++) radix.push(valueCount[byScore[c]] + 1);
  return {
    order: sortRows(keys, columns, seriesCount, radix),
    keys,
    columns,
    rank,
    dimOffsets,
    dimNames,
    dimValues,
    dimBytes,
    measureValues,
    measureBytes,
  };
}

/**
 * Returns the row indices sorted by their key rows, lexicographically, ties by index. Hand-written
 * because a comparator sort was a third of orderSeries on the scripts/bench-records.ts payload:
 * the leading columns (`radix[c]` distinct values each) are packed with the index into one float64
 * and sorted natively; only rows that tie on all packed columns compare the rest.
 */
export function sortRows(
  keys: Int32Array,
  columns: number,
  rows: number,
  radix: readonly number[],
): Int32Array {
  let packed = 0;
  let span = Math.max(rows, 1);
  while (packed < columns && span * radix[packed] <= MAX_PACKED_KEY) span *= radix[packed++];
  const sorted = new Float64Array(rows);
  for (let s = 0; s < rows; s++) {
    const base = s * columns;
    let key = 0;
    for (let c = 0; c < packed; c++) key = key * radix[c] + keys[base + c];
    sorted[s] = key * rows + s;
  }
  sorted.sort();
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = sorted[i] % rows;
  if (packed === columns) return order;

  // Runs of rows equal on the packed columns: (packed value) = (sorted - index) / rows.
  for (let from = 0; from < rows;) {
    const lead = sorted[from] - order[from];
    let to = from + 1;
    while (to < rows && sorted[to] - order[to] === lead) to++;
    if (to - from > INSERTION_SORT_RUN) {
      const run = Array.from(order.subarray(from, to)).sort((a, b) =>
        compareRows(keys, columns, packed, a, b),
      );
      order.set(run, from);
    } else {
      for (let i = from + 1; i < to; i++) {
        const row = order[i];
        let j = i - 1;
        while (j >= from && compareRows(keys, columns, packed, order[j], row) > 0) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = row;
      }
    }
    from = to;
  }
  return order;
}

/** The per-series columns sharedBytes reads. */
interface Rows {
  measureValues: Int32Array;
  measureBytes: Int32Array;
  timeValues: Int32Array;
  dimOffsets: Int32Array;
  dimNames: Int32Array;
  dimValues: Int32Array;
  dimBytes: Int32Array;
}

/** Bytes of the attributes series a and b agree on; `scratch` (one slot per name) is left zeroed. */
function sharedBytes(rows: Rows, scratch: Int32Array, a: number, b: number): number {
  const { measureValues, measureBytes, timeValues, dimOffsets, dimNames, dimValues, dimBytes } = rows;
  let bytes = 0;
  if (measureValues[a] === measureValues[b]) bytes += measureBytes[a];
  if (timeValues[a] === timeValues[b]) bytes += TIME_BYTES;
  for (let k = dimOffsets[b]; k < dimOffsets[b + 1]; k++) scratch[dimNames[k]] = dimValues[k];
  for (let k = dimOffsets[a]; k < dimOffsets[a + 1]; k++)
    if (scratch[dimNames[k]] === dimValues[k]) bytes += dimBytes[k];
  for (let k = dimOffsets[b]; k < dimOffsets[b + 1]; k++) scratch[dimNames[k]] = 0;
  return bytes;
}

/** Compares rows a and b from column `from` on, ties by index. */
function compareRows(keys: Int32Array, columns: number, from: number, a: number, b: number): number {
  const ba = a * columns;
  const bb = b * columns;
  for (let c = from; c < columns; c++) {
    const d = keys[ba + c] - keys[bb + c];
    if (d !== 0) return d;
  }
  return a - b;
}

/** The per-pair scratch of orderSeries; only pairWeight is read before it is written. */
interface PairArrays {
  pairName: Int32Array;
  pairWeight: Float64Array;
  pairFirst: Int32Array;
  pairLast: Int32Array;
  pairValue: Int32Array;
}

/**
 * Largest pair scratch kept between calls (6 MiB): a larger request allocates its own, so one
 * huge request does not pin its memory for the life of the process.
 */
const MAX_KEPT_PAIRS = 1 << 18;
let keptPairs: PairArrays | undefined;

/**
 * Returns pair scratch of at least `capacity` slots with pairWeight zeroed, reused between calls
 * (batching is synchronous). NOTE: five fresh typed arrays per request (~600 KB for 2000 samples)
 * cost their allocation, zeroing and the collector's external-memory bookkeeping, a few hundredths
 * of a µs per sample of figure 1 (bench/figures/write-cpu.ts; allocation alone, process.cpuUsage).
 */
function pairArrays(capacity: number): PairArrays {
  if (keptPairs !== undefined && keptPairs.pairWeight.length >= capacity) {
    keptPairs.pairWeight.fill(0, 0, capacity);
    return keptPairs;
  }
  const arrays: PairArrays = {
    pairName: new Int32Array(capacity),
    pairWeight: new Float64Array(capacity),
    pairFirst: new Int32Array(capacity),
    pairLast: new Int32Array(capacity),
    pairValue: new Int32Array(capacity),
  };
  if (capacity <= MAX_KEPT_PAIRS) keptPairs = arrays;
  return arrays;
}

/**
 * Largest key matrix kept between calls (4 MiB of Int32): a larger request allocates its own, so
 * one huge request does not pin its memory for the life of the process.
 */
const MAX_KEPT_KEY_CELLS = 1 << 20;
let keptKeys = new Int32Array(0);

/**
 * Returns a zeroed key matrix of `cells` cells, reused between calls (batching is synchronous).
 * NOTE: a fresh ~250 KB typed array per 2000-sample request (allocation, zeroing, external-memory
 * bookkeeping) showed in orderSeries' profile; reusing it gave figure 1's payload a mapping of
 * 1.36 and 1.24 µs per sample against 1.50 and 1.36 (medians of two sessions of 5 interleaved runs).
 */
function keyScratch(cells: number): Int32Array {
  if (cells > MAX_KEPT_KEY_CELLS) return new Int32Array(cells);
  if (keptKeys.length < cells)
    keptKeys = new Int32Array(Math.min(MAX_KEPT_KEY_CELLS, Math.max(cells, 2 * keptKeys.length)));
  const keys = keptKeys.subarray(0, cells);
  keys.fill(0);
  return keys;
}

/** Request-local ids of global name and pair ids: valid where the stamp equals `epoch`. */
interface LocalIds {
  epoch: number;
  nameStamp: Int32Array;
  nameLocal: Int32Array;
  pairStamp: Int32Array;
  pairLocal: Int32Array;
}

const localScratch: LocalIds = {
  epoch: 0,
  nameStamp: new Int32Array(0),
  nameLocal: new Int32Array(0),
  pairStamp: new Int32Array(0),
  pairLocal: new Int32Array(0),
};

/**
 * The last epoch the Int32Array stamps hold. The next request starts them over: a counter past it
 * would be stored wrapped, never match, and leave nothing shared (about 2^31 write requests into a
 * long-running server, ~3× the write units from then on).
 */
export const LAST_EPOCH = 0x7fffffff;

/** Sets the epoch the next request follows, as ~2^31 requests would (tests). */
export function setEpochForTests(epoch: number): void {
  localScratch.epoch = epoch;
}

/** Starts a new epoch of the shared scratch, grown to the interner's tables (batching is synchronous). */
function localIds(interner: LabelInterner): LocalIds {
  // New tables, or a counter at the last epoch the stamps hold: every stamp starts over at 0.
  let startOver = localScratch.epoch >= LAST_EPOCH;
  const names = interner.nameBytes.length;
  if (localScratch.nameStamp.length < names) {
    const size = Math.max(names, localScratch.nameStamp.length * 2, 256);
    localScratch.nameStamp = new Int32Array(size);
    localScratch.nameLocal = new Int32Array(size);
    startOver = true;
  }
  if (localScratch.pairStamp.length < interner.pairCount) {
    const size = Math.max(interner.pairCount, localScratch.pairStamp.length * 2, 4096);
    localScratch.pairStamp = new Int32Array(size);
    localScratch.pairLocal = new Int32Array(size);
    startOver = true;
  }
  if (startOver) {
    localScratch.nameStamp.fill(0);
    localScratch.pairStamp.fill(0);
    localScratch.epoch = 0;
  }
  localScratch.epoch++;
  return localScratch;
}
