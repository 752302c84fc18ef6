// SPDX-License-Identifier: Apache-2.0
import type { TimeSeries } from '../../../lambda/prompb/types';
import {
  LAST_EPOCH,
  MEASURE_NAME_ID,
  TIME_ID,
  orderSeries,
  setEpochForTests,
  sortRows,
} from '../../../lambda/timestream/batch-order';
import type { SeriesToWrite } from '../../../lambda/timestream/batches';
import { LabelInterner } from '../../../lambda/timestream/label-interner';
import { lookupSeries, newRequestScope, type InternedSeries } from '../../../lambda/timestream/series-cache';
import { TIMESTREAM_RECORD_LIMITS } from '../../../lambda/timestream/validate-series';
import { realisticRequest } from '../../../scripts/bench-records';
import { seededRandom } from '../../support/payloads';

/** The plain comparator sort sortRows replaces: lexicographic over all columns, ties by index. */
function reference(keys: Int32Array, columns: number, rows: number): number[] {
  return Array.from({ length: rows }, (_, s) => s).sort((a, b) => {
    for (let c = 0; c < columns; c++) {
      const d = keys[a * columns + c] - keys[b * columns + c];
      if (d !== 0) return d;
    }
    return a - b;
  });
}

describe('sortRows', () => {
  test.each([
    { name: 'no rows', rows: 0, columns: 3, values: 4 },
    { name: 'one row', rows: 1, columns: 2, values: 4 },
    { name: 'few values: every column packed', rows: 500, columns: 4, values: 3 },
    { name: 'many columns: most compared after packing', rows: 2000, columns: 30, values: 6 },
    { name: 'many values: even the first column not packed', rows: 300, columns: 3, values: 2 ** 26 },
    { name: 'long runs of equal packed keys', rows: 3000, columns: 40, values: 2 },
  ])('orders $name like the comparator sort', ({ rows, columns, values }) => {
    const random = seededRandom(rows * 31 + columns);
    const keys = new Int32Array(rows * columns);
    // Low columns vary little, so rows tie on them and later columns decide.
    for (let i = 0; i < keys.length; i++)
      keys[i] = Math.floor(random() * values * (i % columns < 3 ? 0.01 : 1) + 0.5);
    const radix = Array.from({ length: columns }, (_, c) => {
      let max = 0;
      for (let s = 0; s < rows; s++) max = Math.max(max, keys[s * columns + c]);
      return max + 1;
    });
    expect(Array.from(sortRows(keys, columns, rows, radix))).toStrictEqual(reference(keys, columns, rows));
  });

  // A first radix past MAX_PACKED_KEY packs no column: every row is compared, in one run.
  test.each([
    { name: 'a short run (insertion sort)', rows: 6 },
    { name: 'a long run (comparator sort)', rows: 40 },
  ])('orders rows equal in every column by index, in $name', ({ rows }) => {
    // Every row [5, 1] but the third, [2, 0].
    const keys = new Int32Array(rows * 2);
    for (let s = 0; s < rows; s++) keys.set(s === 2 ? [2, 0] : [5, 1], s * 2);
    const expected = [2, ...Array.from({ length: rows }, (_, s) => s).filter((s) => s !== 2)];
    expect(Array.from(sortRows(keys, 2, rows, [2 ** 49, 2]))).toStrictEqual(expected);
  });
});

describe('orderSeries', () => {
  function prepare(timeseries: TimeSeries[], interner: LabelInterner): SeriesToWrite[] {
    const scope = newRequestScope(interner);
    return timeseries.map(({ labels, samples }) => ({
      series: lookupSeries(labels, TIMESTREAM_RECORD_LIMITS, scope, interner) as InternedSeries,
      samples,
    }));
  }
  /** orderSeries of a fresh copy of its module: as in a process that never ordered anything. */
  function isolatedOrderSeries(): typeof orderSeries {
    let fresh: typeof orderSeries | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      fresh = (require('../../../lambda/timestream/batch-order') as { orderSeries: typeof orderSeries })
        .orderSeries;
    });
    return fresh!;
  }
  const snapshot = (input: SeriesToWrite[], interner: LabelInterner) => {
    const o = orderSeries(input, interner);
    return {
      order: Array.from(o.order),
      keys: Array.from(o.keys),
      rank: Array.from(o.rank),
      columns: o.columns,
    };
  };

  it('orders a request the same before and after larger and smaller ones (scratch reused between calls)', () => {
    const interner = new LabelInterner();
    const small = realisticRequest(2, 300);
    const large = realisticRequest(3, 2000);
    // Each request is prepared right before it is ordered: unfrozen labels live in the
    // interner's per-request rows.
    const first = snapshot(prepare(small, interner), interner);
    const largeFirst = snapshot(prepare(large, interner), interner);
    expect(snapshot(prepare(small, interner), interner)).toStrictEqual(first);
    expect(snapshot(prepare(large, interner), interner)).toStrictEqual(largeFirst);
    // A request of more distinct values than the scratch kept from the small one holds orders as
    // in a process that never ordered anything before (a fresh module: no scratch to reuse).
    const distinct = Array.from({ length: 3000 }, (_, s): TimeSeries => ({
      labels: [
        { name: '__name__', value: `m${s % 7}` },
        { name: 'id', value: `v${s}` },
      ],
      samples: [{ timestamp: s, value: 1 }],
    }));
    snapshot(prepare(small, interner), interner);
    const afterSmall = snapshot(prepare(distinct, interner), interner);
    const fresh = isolatedOrderSeries();
    expect(fresh).not.toBe(orderSeries);
    const o = fresh(prepare(distinct, interner), interner);
    expect({
      order: Array.from(o.order),
      keys: Array.from(o.keys),
      rank: Array.from(o.rank),
      columns: o.columns,
    }).toStrictEqual(afterSmall);
    expect(first.order).toHaveLength(300);
    expect([...first.order].sort((a, b) => a - b)).toStrictEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('orders a request the same on either side of the last epoch its stamps hold', () => {
    const interner = new LabelInterner();
    const request = realisticRequest(4, 100);
    const expected = snapshot(prepare(request, interner), interner);
    setEpochForTests(LAST_EPOCH - 2);
    // The epochs LAST_EPOCH - 1, LAST_EPOCH, then 1 and 2 after the stamps start over.
    for (let i = 0; i < 4; i++)
      expect(snapshot(prepare(request, interner), interner)).toStrictEqual(expected);
  });

  it('ranks a name by its values shared between series, (records - 1) times the bytes', () => {
    // One metric name and time throughout. `a`: one value on 3 series whose first and last share
    // 12 B (1 B name, 8 B time, 3 B of a="xx"), 2 * 12 = 24. `b`: two values on 2 series each,
    // sharing 11 B, 1 * 11 + 1 * 11 = 22. So `a` ranks first and the series without `a` (0,
    // absent) come first, in b order; counted per record instead, b (44) would outrank a (36).
    const interner = new LabelInterner();
    const labels: Array<Record<string, string>> = [{ a: 'xx' }, { a: 'xx' }, { a: 'xx' }];
    labels.push({ b: 'p' }, { b: 'p' }, { b: 'q' }, { b: 'q' });
    const timeseries = labels.map((set): TimeSeries => ({
      labels: [
        { name: '__name__', value: 'm' },
        ...Object.entries(set).map(([name, value]) => ({ name, value })),
      ],
      samples: [{ timestamp: 1000, value: 1 }],
    }));
    const o = orderSeries(prepare(timeseries, interner), interner);
    const rankOf = (s: number) => o.rank[o.dimNames[o.dimOffsets[s]]];
    expect(rankOf(0)).toBeLessThan(rankOf(3));
    expect(Array.from(o.order)).toStrictEqual([3, 4, 5, 6, 0, 1, 2]);
  });

  it('keeps in each key row its own value ids only, when the measure name ranks past the key columns', () => {
    // Metric names all distinct (no score), 1500 label names each shared by two series (some
    // score): the measure name ranks past the 1398 key columns of 3000 series, and has no cell.
    const interner = new LabelInterner();
    const timeseries = Array.from({ length: 3000 }, (_, s): TimeSeries => ({
      labels: [
        { name: '__name__', value: `m${s}` },
        { name: `a${s >> 1}`, value: 'x' },
        { name: 'job', value: `j${s % 3}` },
      ],
      samples: [{ timestamp: 1000 * (s % 2), value: 1 }],
    }));
    const o = orderSeries(prepare(timeseries, interner), interner);
    expect(o.rank[MEASURE_NAME_ID]).toBeGreaterThanOrEqual(o.columns);
    // Time value ids are dense in order of first appearance: 1000 * (s % 2) -> 1 + s % 2.
    const expected = new Int32Array(3000 * o.columns);
    for (let s = 0; s < 3000; s++) {
      if (o.rank[TIME_ID] < o.columns) expected[s * o.columns + o.rank[TIME_ID]] = 1 + (s % 2);
      for (let k = o.dimOffsets[s]; k < o.dimOffsets[s + 1]; k++)
        if (o.rank[o.dimNames[k]] < o.columns)
          expected[s * o.columns + o.rank[o.dimNames[k]]] = o.dimValues[k];
    }
    // NOTE: compared cell by cell here: toStrictEqual over these ~4 M cells took ~23 s.
    const mismatch = expected.findIndex((cell, i) => o.keys[i] !== cell);
    expect({
      cells: o.keys.length,
      mismatch,
      ...(mismatch < 0 ? {} : { got: o.keys[mismatch], wanted: expected[mismatch] }),
    }).toStrictEqual({ cells: expected.length, mismatch: -1 });
  });

  it('orders a request that grows the name table as a fresh process does (request-local ids restarted)', () => {
    const interner = new LabelInterner();
    const small = realisticRequest(4, 300);
    // 300 new label names, more than the 256 the request-local ids start with: they are restarted.
    const wide: TimeSeries[] = Array.from({ length: 300 }, (_, n) => ({
      labels: [
        { name: '__name__', value: 'wide' },
        { name: `n${n}`, value: 'x' },
      ],
      samples: [{ timestamp: 0, value: 1 }],
    }));
    const grown = [...small, ...wide];
    const used = isolatedOrderSeries();
    used(prepare(small, interner), interner);
    const afterSmall = used(prepare(grown, interner), interner);
    const fresh = isolatedOrderSeries()(prepare(grown, interner), interner);
    expect(Array.from(afterSmall.order)).toStrictEqual(Array.from(fresh.order));
    expect(Array.from(afterSmall.keys)).toStrictEqual(Array.from(fresh.keys));
    expect(Array.from(afterSmall.rank)).toStrictEqual(Array.from(fresh.rank));
  });
});
