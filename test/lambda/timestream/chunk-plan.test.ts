// SPDX-License-Identifier: Apache-2.0
// planChunks skips most candidate cuts (steps of the unit function, binary search between run
// starts); a plain dynamic programme over every cut must find no cheaper plan.
import type { TimeSeries } from '../../../lambda/prompb/types';
import { MEASURE_NAME_ID, orderSeries, type SeriesOrder } from '../../../lambda/timestream/batch-order';
import type { SeriesToWrite } from '../../../lambda/timestream/batches';
import {
  CALL_PENALTY_UNITS,
  TIME_BYTES,
  WRITE_UNIT_BYTES,
  planChunks,
  type RecordOrder,
} from '../../../lambda/timestream/chunk-plan';
import { lookupSeries, newRequestScope, type InternedSeries } from '../../../lambda/timestream/series-cache';
import { TIMESTREAM_RECORD_LIMITS } from '../../../lambda/timestream/validate-series';
import { realisticRequest } from '../../../scripts/bench-records';
import { realisticWriteRequest, seededRandom } from '../../support/payloads';

function prepare(timeseries: TimeSeries[]): SeriesToWrite[] {
  const scope = newRequestScope();
  return timeseries.map(({ labels, samples }) => ({
    series: lookupSeries(labels, TIMESTREAM_RECORD_LIMITS, scope) as InternedSeries,
    samples,
  }));
}

function recordsOf(input: SeriesToWrite[], order: SeriesOrder): RecordOrder {
  const series: number[] = [];
  const times: number[] = [];
  for (const s of order.order)
    for (const sample of input[s].samples) {
      series.push(s);
      times.push(sample.timestamp);
    }
  return {
    recordSeries: Int32Array.from(series),
    recordTime: Float64Array.from(times),
    recordValue: new Float64Array(series.length),
  };
}

/** Metered bytes of records [j, i) written as one call, hoisting every key attribute they share. */
function chunkBytes(
  input: SeriesToWrite[],
  order: SeriesOrder,
  records: RecordOrder,
  j: number,
  i: number,
): number {
  const { keys, columns, rank, dimOffsets, dimNames, dimBytes, measureBytes } = order;
  const { recordSeries, recordTime } = records;
  let bytes = 0;
  for (let r = j; r < i; r++) bytes += input[recordSeries[r]].series.recordBytes;
  const head = recordSeries[j];
  const shared = (column: number) => {
    for (let r = j + 1; r < i; r++)
      if (keys[recordSeries[r] * columns + column] !== keys[head * columns + column]) return false;
    return true;
  };
  let hoisted = 0;
  if (rank[MEASURE_NAME_ID] < columns && shared(rank[MEASURE_NAME_ID])) hoisted += measureBytes[head];
  for (let k = dimOffsets[head]; k < dimOffsets[head + 1]; k++)
    if (rank[dimNames[k]] < columns && shared(rank[dimNames[k]])) hoisted += dimBytes[k];
  if (recordTime.subarray(j, i).every((t) => t === recordTime[j])) hoisted += TIME_BYTES;
  return bytes - (i - j - 1) * hoisted;
}

function cost(
  input: SeriesToWrite[],
  order: SeriesOrder,
  records: RecordOrder,
  j: number,
  i: number,
): number {
  return Math.ceil(chunkBytes(input, order, records, j, i) / WRITE_UNIT_BYTES) + CALL_PENALTY_UNITS;
}

describe('planChunks', () => {
  const random = seededRandom(11);
  test.each([
    { name: 'the realistic bench request (400 samples)', timeseries: () => realisticRequest(2, 400) },
    {
      name: 'series with 3 samples each',
      timeseries: () =>
        realisticWriteRequest({ series: 90, samplesPerSeries: 3, startMs: 1e12, externalLabels: { c: 'x' } })
          .timeseries,
    },
    {
      name: 'random label sets and sizes',
      timeseries: () =>
        Array.from({ length: 260 }, (_, s): TimeSeries => {
          const labels = [{ name: '__name__', value: `m${Math.floor(random() * 4)}` }];
          for (const name of ['a', 'b', 'c', 'd'])
            if (random() < 0.7)
              labels.push({ name, value: 'v'.repeat(1 + Math.floor(random() * 90)) + (s % 5) });
          return { labels, samples: [{ timestamp: 1000 * Math.floor(random() * 3), value: s }] };
        }),
    },
    {
      // 1500 names each on two neighbouring series of 3000: about 100 rank past the 1398 key
      // columns, and a run of equal values of such a name is never hoisted.
      name: 'more label names than key columns',
      timeseries: () =>
        Array.from({ length: 3000 }, (_, s): TimeSeries => ({
          labels: [
            { name: '__name__', value: `m${s}` },
            { name: `a${s >> 1}`, value: 'x'.repeat(40) },
            { name: 'job', value: `j${(s >> 1) % 3}` },
          ],
          samples: [{ timestamp: 1000, value: s }],
        })),
    },
  ])('finds a plan as cheap as trying every cut, for $name', ({ timeseries }) => {
    const input = prepare(timeseries());
    const order = orderSeries(input);
    const records = recordsOf(input, order);
    const count = records.recordSeries.length;
    const cuts = planChunks(input, order, records, 100);
    expect(cuts[cuts.length - 1]).toBe(count);
    let planned = 0;
    let from = 0;
    for (const to of cuts) {
      expect(to - from).toBeGreaterThanOrEqual(1);
      expect(to - from).toBeLessThanOrEqual(100);
      planned += cost(input, order, records, from, to);
      from = to;
    }
    const best = new Float64Array(count + 1).fill(Infinity);
    best[0] = 0;
    for (let i = 1; i <= count; i++)
      for (let j = Math.max(0, i - 100); j < i; j++)
        best[i] = Math.min(best[i], best[j] + cost(input, order, records, j, i));
    expect(planned).toBe(best[count]);
  });
});
