// SPDX-License-Identifier: Apache-2.0
// Where to cut the ordered records into WriteRecords calls: the cuts that minimise Timestream's
// metered write units (reference/timestream-facts.md section 10) for the given order, found by
// dynamic programming over chunk ends.

import type { SeriesToWrite } from './batches';
import { MEASURE_NAME_ID as ORDER_MEASURE_NAME_ID, type SeriesOrder } from './batch-order';

/** Module-local copy of a value read per record (see records.ts). */
const MEASURE_NAME_ID = ORDER_MEASURE_NAME_ID;

/** Bytes of one metering unit: writes are billed per started KiB per request. */
export const WRITE_UNIT_BYTES = 1024;
/** Metered sizes of a timestamp and a DOUBLE measure value. */
export const TIME_BYTES = 8;
export const DOUBLE_BYTES = 8;

/**
 * What one more WriteRecords call is worth, in write units, when choosing cuts: a call costs no
 * units by itself, but CPU (signing and an HTTP exchange, tens of µs on the fast path of
 * write-sender.ts) and a connection slot. Measured on the scripts/bench-records.ts payload (2000
 * samples): 0.25 gives 0.326x the reference's units in 71 calls, 0.5 gives 0.333x in 62, 1 gives
 * 0.342x in 56, 3 gives 0.434x in 28 (the reference makes 20). Only 0.25 keeps `npm run bench`
 * figure 2 under its 1/3 target with a margin; the write concurrency default (settings.ts) is
 * sized so that these calls still go out in one wave.
 */
export const CALL_PENALTY_UNITS = 0.25;

/** Records in write order: record r is a sample of series recordSeries[r]. */
export interface RecordOrder {
  recordSeries: Int32Array;
  /** The sample's timestamp and value, copied so that planning and emitting read them in order. */
  recordTime: Float64Array;
  recordValue: Float64Array;
}

/**
 * Returns the chunk boundaries (record indices, ascending, ending with the record count) that
 * minimise the write units plus `callPenaltyUnits` per call, with at most `maxRecords` per chunk.
 *
 * A chunk [j, i) hoists every attribute (dimension, measure name, time) constant over it, so its
 * size is the sum of the records' full sizes minus (i - j - 1) times the hoisted bytes. Walking i
 * forward, each attribute of record i - 1 knows where its run of equal values started; the
 * hoisted bytes of [j, i) are those of the attributes whose run started at or before j. That
 * makes every candidate chunk O(1) after a sort of at most (dimensions + 2) run starts, and only
 * the lowest j of each unit step is a candidate, found by binary search between run starts: the
 * plan is O(records · (dimensions + steps · log maxRecords)). It is the plan a walk over every j
 * would choose (test/lambda/timestream/chunk-plan.test.ts checks the cost against every cut).
 */
export function planChunks(
  input: readonly SeriesToWrite[],
  order: SeriesOrder,
  records: RecordOrder,
  maxRecords: number,
  callPenaltyUnits = CALL_PENALTY_UNITS,
): number[] {
  const { recordSeries, recordTime } = records;
  const count = recordSeries.length;
  const { rank, dimOffsets, dimNames, dimValues, dimBytes, measureValues, measureBytes } = order;

  // Full metered size of each series' records (time and value included), and its prefix sums.
  const seriesBytes = new Float64Array(input.length);
  let widest = 0;
  for (let s = 0; s < input.length; s++) {
    seriesBytes[s] = input[s].series.recordBytes;
    widest = Math.max(widest, dimOffsets[s + 1] - dimOffsets[s]);
  }
  const prefix = new Float64Array(count + 1);
  for (let r = 0; r < count; r++) prefix[r + 1] = prefix[r] + seriesBytes[recordSeries[r]];

  // Run bookkeeping per column: the last record that had it, its value there, and the run start.
  const columns = order.columns;
  const lastSeen = new Int32Array(columns).fill(-2);
  const lastValue = new Int32Array(columns);
  const runStart = new Int32Array(columns);
  let timeRunStart = 0;
  const starts = new Int32Array(widest + 2);
  const gains = new Float64Array(widest + 2);

  const best = new Float64Array(count + 1).fill(Infinity);
  const cutFrom = new Int32Array(count + 1);
  best[0] = 0;
  for (let i = 1; i <= count; i++) {
    const r = i - 1;
    // Runs starting at or before the lowest possible chunk start all behave alike: one entry.
    const lowest = Math.max(0, i - maxRecords);
    const s = recordSeries[r];
    // The attributes of record r (measure name, dimensions), then its time, by run start.
    let n = 0;
    const last = dimOffsets[s + 1];
    for (let k = dimOffsets[s] - 1; k < last; k++) {
      let column: number;
      let value: number;
      let bytes: number;
      if (k < dimOffsets[s]) {
        column = rank[MEASURE_NAME_ID];
        value = measureValues[s];
        bytes = measureBytes[s];
      } else {
        const name = dimNames[k];
        column = rank[name];
        value = dimValues[k];
        bytes = dimBytes[k];
      }
      if (column >= columns) continue; // not a key column: never hoisted (batch-order.ts)
      if (lastSeen[column] !== r - 1 || lastValue[column] !== value) runStart[column] = r;
      lastSeen[column] = r;
      lastValue[column] = value;
      n = insertByStart(starts, gains, n, Math.max(runStart[column], lowest), bytes);
    }
    if (r === 0 || recordTime[r - 1] !== recordTime[r]) timeRunStart = r;
    n = insertByStart(starts, gains, n, Math.max(timeRunStart, lowest), TIME_BYTES);

    let hoisted = 0;
    for (let q = 0; q < n; q++) hoisted += gains[q];
    // Chunk [j, i) costs ceil(bytes(j) / 1 KiB) units, a step function of j; bytes(j) grows
    // strictly as j falls (record j adds its size, at least 8 bytes more than it can hoist), and
    // within one step best[j] only falls as j falls, so only the lowest j of each step is a
    // candidate. best[] never decreases, so once the cheapest possible total of a step is no
    // better than the best found, no lower j can win. The hoisted bytes only change at run
    // starts, so the lowest j of a step is found by binary search between them, not record by
    // record (a walk over up to maxRecords records per i was most of the mapping's CPU).
    let q = 0;
    const floor = best[lowest];
    let bestHere = Infinity;
    let j = r;
    for (;;) {
      // Here hoisted covers the attributes whose run starts at or before j (starts[q ..]).
      const level = Math.ceil((prefix[i] - prefix[j] - (i - j - 1) * hoisted) / WRITE_UNIT_BYTES);
      if (floor + level + callPenaltyUnits >= bestHere) break;
      const levelBytes = level * WRITE_UNIT_BYTES;
      for (;;) {
        // bytes(k) = prefix[i] - prefix[k] - (i - k - 1) * hoisted for k in [low, j].
        const low = q < n && starts[q] > lowest ? starts[q] : lowest;
        const limit = prefix[i] - (i - 1) * hoisted - levelBytes; // bytes(k) <= levelBytes <=> prefix[k] - k * hoisted >= limit
        if (prefix[low] - low * hoisted >= limit) {
          j = low;
          if (low === lowest) break;
          const next = low - 1;
          let h = hoisted;
          let p = q;
          while (p < n && starts[p] > next) h -= gains[p++];
          if (prefix[i] - prefix[next] - (i - next - 1) * h > levelBytes) break;
          j = next;
          hoisted = h;
          q = p;
          continue;
        }
        let lo = low + 1;
        let hi = j;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (prefix[mid] - mid * hoisted >= limit) hi = mid;
          else lo = mid + 1;
        }
        j = lo;
        break;
      }
      const total = best[j] + level + callPenaltyUnits;
      if (total < bestHere) {
        bestHere = total;
        cutFrom[i] = j;
      }
      if (j === lowest) break;
      j--;
      while (q < n && starts[q] > j) hoisted -= gains[q++];
    }
    best[i] = bestHere;
  }

  const cuts: number[] = [];
  for (let i = count; i > 0; i = cutFrom[i]) cuts.push(i);
  return cuts.reverse();
}

/**
 * Adds gain at `start` to the first n entries, kept latest start first with distinct starts (the
 * attributes of a record mostly share a few run starts); returns the new count.
 */
function insertByStart(
  starts: Int32Array,
  gains: Float64Array,
  n: number,
  start: number,
  gain: number,
): number {
  let p = n;
  while (p > 0 && starts[p - 1] < start) p--;
  if (p > 0 && starts[p - 1] === start) {
    gains[p - 1] += gain;
    return n;
  }
  for (let k = n; k > p; k--) {
    starts[k] = starts[k - 1];
    gains[k] = gains[k - 1];
  }
  starts[p] = start;
  gains[p] = gain;
  return n + 1;
}
