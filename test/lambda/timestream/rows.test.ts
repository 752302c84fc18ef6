// SPDX-License-Identifier: Apache-2.0
import type { ColumnInfo, Datum } from '@aws-sdk/client-timestream-query';
import { ConnectorError, ErrorKind } from '../../../lambda/core/errors';
import type { TimeSeries } from '../../../lambda/prompb/types';
import fc from 'fast-check';
import { formatJavaDouble } from '../../../lambda/local-store/sql/java-double';
import {
  type QueryPage,
  SeriesAssembler,
  dimensionColumnsOf,
  doubleAt,
  parseDouble,
  parseTimestampMs,
  timestampAt,
} from '../../../lambda/timestream/rows';
import { scanQueryPage } from '../../../lambda/timestream/page-scan';

const NULL = Symbol('null');
type Cell = string | symbol;

/** Builds a page from named columns so tests can shuffle column order freely. */
function page(columns: string[], rows: Partial<Record<string, Cell>>[]): QueryPage {
  const ColumnInfo: ColumnInfo[] = columns.map((Name) => ({
    Name,
    Type: { ScalarType: Name === 'time' ? 'TIMESTAMP' : 'VARCHAR' },
  }));
  const Rows = rows.map((row) => ({
    Data: columns.map((c): Datum =>
      row[c] === undefined || row[c] === NULL ? { NullValue: true } : { ScalarValue: row[c] as string },
    ),
  }));
  return { ColumnInfo, Rows };
}

const COLUMNS = ['job', 'instance', 'measure_name', 'time', 'measure_value::double'];
const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '000000');

/** The assembled series with their samples as objects. */
function finish(assembler: SeriesAssembler): TimeSeries[] {
  return assembler.finishColumns().map(({ labels, timestamps, values }) => ({
    labels: [...labels],
    samples: Array.from(timestamps, (timestamp, i) => ({ timestamp, value: values[i]! })),
  }));
}

/** Assembles parsed pages, and checks that the same pages scanned (as the reader gets them) agree. */
function assemble(...pages: QueryPage[]): TimeSeries[] {
  const assembler = new SeriesAssembler();
  for (const p of pages) assembler.addPage(p);
  const series = finish(assembler);
  const fromText = new SeriesAssembler();
  for (const p of pages) {
    const scanned = scanQueryPage(
      Buffer.from(JSON.stringify({ QueryId: 'Q', Rows: p.Rows, ColumnInfo: p.ColumnInfo })),
    );
    if (scanned === undefined)
      fromText.addPage(p); // escapes: the reader parses such a page too
    else fromText.addScannedPage(scanned);
  }
  expect(finish(fromText)).toEqual(series);
  return series;
}

describe('SeriesAssembler', () => {
  test('groups rows into series with sorted labels, sorted series and ascending samples', () => {
    const rows = [
      { job: 'b', instance: 'i1', measure_name: 'up', time: at(3000), 'measure_value::double': '1.0' },
      { job: 'a', instance: 'i1', measure_name: 'up', time: at(2000), 'measure_value::double': '0.0' },
      { job: 'b', instance: 'i1', measure_name: 'up', time: at(1000), 'measure_value::double': '2.5' },
      { job: 'a', instance: NULL, measure_name: 'up', time: at(1000), 'measure_value::double': '7.0' },
    ];
    expect(assemble(page(COLUMNS, rows))).toEqual([
      {
        labels: [
          { name: '__name__', value: 'up' },
          { name: 'instance', value: 'i1' },
          { name: 'job', value: 'a' },
        ],
        samples: [{ timestamp: 2000, value: 0 }],
      },
      {
        labels: [
          { name: '__name__', value: 'up' },
          { name: 'instance', value: 'i1' },
          { name: 'job', value: 'b' },
        ],
        samples: [
          { timestamp: 1000, value: 2.5 },
          { timestamp: 3000, value: 1 },
        ],
      },
      {
        labels: [
          { name: '__name__', value: 'up' },
          { name: 'job', value: 'a' },
        ],
        samples: [{ timestamp: 1000, value: 7 }],
      },
    ]);
  });

  test.each([
    {
      name: 'dimensions first (current order)',
      columns: ['job', 'measure_name', 'time', 'measure_value::double'],
    },
    {
      name: 'values before name and time (2020 order)',
      columns: ['measure_value::double', 'job', 'measure_name', 'time'],
    },
    { name: 'reversed', columns: ['time', 'measure_value::double', 'measure_name', 'job'] },
    { name: 'name first', columns: ['measure_name', 'job', 'time', 'measure_value::double'] },
  ])('maps columns by name, never position: $name', ({ columns }) => {
    const rows = [{ job: 'api', measure_name: 'up', time: at(5), 'measure_value::double': '1.5' }];
    expect(assemble(page(columns, rows))).toEqual([
      {
        labels: [
          { name: '__name__', value: 'up' },
          { name: 'job', value: 'api' },
        ],
        samples: [{ timestamp: 5, value: 1.5 }],
      },
    ]);
  });

  test('merges a series across pages whose column order differs', () => {
    const p1 = page(COLUMNS, [
      { job: 'a', instance: 'x', measure_name: 'm', time: at(2), 'measure_value::double': '2.0' },
    ]);
    const p2 = page([...COLUMNS].reverse(), [
      { job: 'a', instance: 'x', measure_name: 'm', time: at(1), 'measure_value::double': '1.0' },
    ]);
    const empty = page(COLUMNS, []);
    const series = assemble(p1, empty, p2);
    expect(series).toHaveLength(1);
    expect(series[0]!.samples).toEqual([
      { timestamp: 1, value: 1 },
      { timestamp: 2, value: 2 },
    ]);
  });

  test.each([
    { name: 'the largest of three', values: ['1.0', '3.0', '2.0'], kept: 3 },
    { name: 'a negative and zero', values: ['-1.0', '0.0'], kept: 0 },
    { name: '+0 over -0', values: ['-0.0', '0.0'], kept: 0 },
    { name: 'NaN over any number', values: ['NaN', '1.0E300'], kept: NaN },
    { name: 'equal values', values: ['2.5', '2.5'], kept: 2.5 },
  ])('keeps one sample per repeated timestamp, whatever the row order: $name', ({ values, kept }) => {
    const row = (v: string) => ({ job: 'a', measure_name: 'm', time: at(10), 'measure_value::double': v });
    for (const order of [values, [...values].reverse()]) {
      for (let cut = 0; cut <= order.length; cut++) {
        const assembler = new SeriesAssembler();
        assembler.addPage(page(COLUMNS, order.slice(0, cut).map(row)));
        assembler.addPage(page(COLUMNS, order.slice(cut).map(row)));
        expect(finish(assembler)[0]!.samples).toEqual([{ timestamp: 10, value: kept }]);
        expect(assembler.duplicateSamples).toBe(values.length - 1);
        expect(Object.is(assemble(page(COLUMNS, order.map(row)))[0]!.samples[0]!.value, kept)).toBe(true);
      }
    }
  });

  test('truncates sub-millisecond digits, so two rows in one millisecond are one sample', () => {
    const rows = [
      { job: 'a', measure_name: 'm', time: '2024-01-01 00:00:00.001000001', 'measure_value::double': '2.0' },
      { job: 'a', measure_name: 'm', time: '2024-01-01 00:00:00.001999999', 'measure_value::double': '1.0' },
    ];
    expect(assemble(page(COLUMNS, rows))[0]!.samples).toEqual([{ timestamp: 1_704_067_200_001, value: 2 }]);
  });

  test('counts no duplicate when every series has one sample per millisecond', () => {
    const assembler = new SeriesAssembler();
    const row = (job: string, ms: number) => ({
      job,
      measure_name: 'm',
      time: at(ms),
      'measure_value::double': '1.0',
    });
    assembler.addPage(page(COLUMNS, [row('a', 2), row('b', 2), row('a', 1)]));
    expect(finish(assembler)).toHaveLength(2);
    expect(assembler.duplicateSamples).toBe(0);
  });

  test('counts the duplicates of every series, grouped or interleaved', () => {
    const row = (job: string) => ({ job, measure_name: 'm', time: at(1), 'measure_value::double': '1.0' });
    for (const jobs of [
      ['a', 'a', 'b', 'b', 'b'],
      ['a', 'b', 'a', 'b', 'b'],
    ]) {
      const assembler = new SeriesAssembler();
      assembler.addPage(page(COLUMNS, jobs.map(row)));
      expect(finish(assembler)).toHaveLength(2);
      expect(assembler.duplicateSamples).toBe(3);
    }
  });

  test('skips rows without a double value and drops series left without samples', () => {
    const columns = [...COLUMNS, 'measure_value::bigint', 'measure_value::varchar'];
    const rows = [
      {
        job: 'a',
        measure_name: 'count',
        time: at(1),
        'measure_value::double': NULL,
        'measure_value::bigint': '5',
      },
      {
        job: 'b',
        measure_name: 'text',
        time: at(1),
        'measure_value::double': NULL,
        'measure_value::varchar': 'x',
      },
      {
        job: 'c',
        measure_name: 'm',
        time: at(1),
        'measure_value::double': '1.0',
        'measure_value::bigint': NULL,
      },
    ];
    expect(assemble(page(columns, rows))).toEqual([
      {
        labels: [
          { name: '__name__', value: 'm' },
          { name: 'job', value: 'c' },
        ],
        samples: [{ timestamp: 1, value: 1 }],
      },
    ]);
  });

  test('keeps series apart when the next page has other label columns holding the same values', () => {
    const first = page(
      ['a', 'b', 'time', 'measure_value::double'],
      [{ a: 'x', b: 'y', time: at(1000), 'measure_value::double': '1.0' }],
    );
    const second = page(
      ['a', 'c', 'time', 'measure_value::double'],
      [{ a: 'x', c: 'y', time: at(2000), 'measure_value::double': '2.0' }],
    );
    expect(assemble(first, second).map((s) => s.labels)).toEqual([
      [
        { name: 'a', value: 'x' },
        { name: 'b', value: 'y' },
      ],
      [
        { name: 'a', value: 'x' },
        { name: 'c', value: 'y' },
      ],
    ]);
  });

  test('keeps a row apart from the last series when other label columns are all empty', () => {
    const first = page(
      ['a', 'time', 'measure_value::double'],
      [{ a: 'x', time: at(1000), 'measure_value::double': '1.0' }],
    );
    const second = page(
      ['b', 'time', 'measure_value::double'],
      [{ b: NULL, time: at(2000), 'measure_value::double': '2.0' }],
    );
    expect(assemble(first, second)).toEqual([
      { labels: [], samples: [{ timestamp: 2000, value: 2 }] },
      { labels: [{ name: 'a', value: 'x' }], samples: [{ timestamp: 1000, value: 1 }] },
    ]);
  });

  test.each([
    { name: 'a double column', columns: ['job', 'measure_name', 'time', 'measure_value::bigint'] },
    {
      name: 'a time column',
      columns: ['job', 'measure_name', 'measure_value::double', 'measure_value::bigint'],
    },
  ])('returns nothing for a table without $name, however many rows', ({ columns }) => {
    const row = (ms: number) => ({
      job: 'a',
      measure_name: 'm',
      time: at(ms),
      'measure_value::double': '2.0',
      'measure_value::bigint': '1',
    });
    expect(assemble(page(columns, [row(1)]))).toEqual([]);
    expect(assemble(page(columns, [row(1), row(2), row(3)]))).toEqual([]);
  });

  test('reads an empty label value as no label, and skips rows with an empty double or no time', () => {
    const rows = [
      { job: '', measure_name: 'm', time: at(1), 'measure_value::double': '1.0' },
      { job: NULL, measure_name: 'm', time: at(2), 'measure_value::double': '2.0' },
      { job: 'a', measure_name: 'm', time: at(3), 'measure_value::double': '' },
      { job: 'a', measure_name: 'm', time: NULL, 'measure_value::double': '4.0' },
    ];
    expect(assemble(page(['job', 'measure_name', 'time', 'measure_value::double'], rows))).toEqual([
      {
        labels: [{ name: '__name__', value: 'm' }],
        samples: [
          { timestamp: 1, value: 1 },
          { timestamp: 2, value: 2 },
        ],
      },
    ]);
  });

  test('skips rows cut short before their double or time; a cut-off label is absent', () => {
    const columns = ['measure_name', 'measure_value::double', 'time', 'job'];
    const full = page(columns, [
      { measure_name: 'm', 'measure_value::double': '1.0', time: at(1), job: 'a' },
      { measure_name: 'm', 'measure_value::double': '2.0', time: at(2), job: 'a' },
      { measure_name: 'm', 'measure_value::double': '3.0', time: at(3), job: 'a' },
      { measure_name: 'm', 'measure_value::double': '4.0', time: at(4), job: 'a' },
    ]);
    const [noDouble, noTime, noJob, whole] = full.Rows.map(({ Data }) => Data!);
    const short: QueryPage = {
      ColumnInfo: full.ColumnInfo,
      Rows: [
        { Data: noDouble!.slice(0, 1) },
        { Data: noTime!.slice(0, 2) },
        { Data: noJob!.slice(0, 3) },
        { Data: whole! },
      ],
    };
    expect(assemble(short)).toEqual([
      { labels: [{ name: '__name__', value: 'm' }], samples: [{ timestamp: 3, value: 3 }] },
      {
        labels: [
          { name: '__name__', value: 'm' },
          { name: 'job', value: 'a' },
        ],
        samples: [{ timestamp: 4, value: 4 }],
      },
    ]);
  });

  test('skips a row whose Data is null, as the SDK reads it (without Data)', () => {
    const columns = ['measure_name', 'measure_value::double', 'time'];
    const full = page(columns, [{ measure_name: 'm', 'measure_value::double': '1.0', time: at(1) }]);
    const withNull = {
      ColumnInfo: full.ColumnInfo,
      Rows: [{ Data: null }, ...full.Rows],
    } as unknown as QueryPage;
    const assembler = new SeriesAssembler();
    assembler.addPage(withNull);
    expect(finish(assembler)).toEqual(assemble(full));
  });

  test('keeps apart consecutive rows that differ in every label', () => {
    const columns = ['job', 'measure_name', 'time', 'measure_value::double'];
    const rows = [
      { job: 'a', measure_name: 'm', time: at(1), 'measure_value::double': '1.0' },
      { job: 'b', measure_name: 'n', time: at(2), 'measure_value::double': '2.0' },
    ];
    expect(assemble(page(columns, rows))).toEqual([
      {
        labels: [
          { name: '__name__', value: 'm' },
          { name: 'job', value: 'a' },
        ],
        samples: [{ timestamp: 1, value: 1 }],
      },
      {
        labels: [
          { name: '__name__', value: 'n' },
          { name: 'job', value: 'b' },
        ],
        samples: [{ timestamp: 2, value: 2 }],
      },
    ]);
  });

  test('ignores a result column without a name', () => {
    const named = page(COLUMNS, [
      { job: 'a', measure_name: 'm', time: at(1), 'measure_value::double': '1.0' },
    ]);
    const unnamed: QueryPage = {
      ColumnInfo: [{ Type: { ScalarType: 'VARCHAR' } }, ...named.ColumnInfo],
      Rows: named.Rows.map(({ Data }) => ({ Data: [{ ScalarValue: 'x' }, ...Data!] })),
    };
    expect(dimensionColumnsOf(unnamed.ColumnInfo)).toEqual(['job', 'instance']);
    expect(assemble(unnamed)).toEqual([
      {
        labels: [
          { name: '__name__', value: 'm' },
          { name: 'job', value: 'a' },
        ],
        samples: [{ timestamp: 1, value: 1 }],
      },
    ]);
  });

  // The reader checks these for columns a query did not expect; a measure of another type is none.
  test('lists no time, measure_name or measure_value column of any type as a dimension', () => {
    const columns = [...COLUMNS, 'measure_value::bigint', 'measure_value::varchar', 'measure_value::boolean'];
    expect(dimensionColumnsOf(page(columns, []).ColumnInfo)).toEqual(['job', 'instance']);
  });

  test('leaves the _no_labels dimension out of the labels', () => {
    const columns = ['_no_labels', 'job', 'measure_name', 'time', 'measure_value::double'];
    const rows = [
      { _no_labels: 'true', measure_name: 'm', time: at(1), 'measure_value::double': '1.0' },
      { job: 'j', measure_name: 'm', time: at(1), 'measure_value::double': '2.0' },
    ];
    expect(assemble(page(columns, rows))).toEqual([
      { labels: [{ name: '__name__', value: 'm' }], samples: [{ timestamp: 1, value: 1 }] },
      {
        labels: [
          { name: '__name__', value: 'm' },
          { name: 'job', value: 'j' },
        ],
        samples: [{ timestamp: 1, value: 2 }],
      },
    ]);
  });

  test('maps dimension names back to label names', () => {
    const columns = ['_time', '__private', 'measure_name', 'time', 'measure_value::double'];
    const rows = [
      { _time: 't', __private: 'p', measure_name: 'm', time: at(1), 'measure_value::double': '1.0' },
    ];
    expect(assemble(page(columns, rows))[0]!.labels).toEqual([
      { name: '__name__', value: 'm' },
      { name: '_private', value: 'p' },
      { name: 'time', value: 't' },
    ]);
  });

  test.each([
    {
      name: 'a row holding both job and _job keeps both',
      columns: ['_job', 'job'],
      rows: [{ _job: 'foreign', job: 'ours', v: '1.0' }],
      expected: [{ labels: { _job: 'foreign', job: 'ours' }, samples: [[1, 1]] }],
    },
    {
      name: '_job, _job with _z and job rows at one time stay three series (the audit case)',
      columns: ['job', 'z', '_job', '_z'],
      rows: [
        { _job: 'a', v: '2000.5' },
        { _job: 'a', v: '7.0', ms: 2 },
        { _job: 'a', _z: '1', v: '9.0' },
        { job: 'a', z: '1', v: '5.0' },
      ],
      expected: [
        {
          labels: { _job: 'a' },
          samples: [
            [1, 2000.5],
            [2, 7],
          ],
        },
        { labels: { _job: 'a', _z: '1' }, samples: [[1, 9]] },
        { labels: { job: 'a', z: '1' }, samples: [[1, 5]] },
      ],
    },
    {
      name: "__job (our label _job) keeps _job; another tool's _job reads as __job",
      columns: ['_job', '__job'],
      rows: [
        { _job: 'a', v: '1.0' },
        { __job: 'a', v: '2.0' },
      ],
      expected: [
        { labels: { __job: 'a' }, samples: [[1, 1]] },
        { labels: { _job: 'a' }, samples: [[1, 2]] },
      ],
    },
    {
      name: 'a ___name__ column never becomes a second __name__',
      columns: ['___name__'],
      rows: [{ ___name__: 'x', v: '1.0' }],
      expected: [{ labels: { ___name__: 'x' }, samples: [[1, 1]] }],
    },
  ])('keeps series of columns another tool wrote apart: $name', ({ columns, rows, expected }) => {
    const all = [...columns, 'measure_name', 'time', 'measure_value::double'];
    const cells = rows.map(({ v, ms, ...dims }: Record<string, string | number | undefined>) => ({
      ...dims,
      measure_name: 'm',
      time: at((ms as number | undefined) ?? 1),
      'measure_value::double': v as string,
    })) as Partial<Record<string, Cell>>[];
    const want = expected.map(({ labels, samples }) => ({
      labels: [
        { name: '__name__', value: 'm' },
        ...Object.entries(labels as Record<string, string>).map(([name, value]) => ({ name, value })),
      ].sort((a, b) => (a.name < b.name ? -1 : 1)),
      samples: samples.map(([timestamp, value]) => ({ timestamp, value })),
    }));
    for (const order of [cells, [...cells].reverse()]) {
      expect(assemble(page(all, order))).toEqual(want);
      expect(assemble(page([...all].reverse(), order))).toEqual(want);
    }
  });

  test('keeps label values with separators apart (the series key is unambiguous)', () => {
    const columns = ['a', 'b', 'measure_name', 'time', 'measure_value::double'];
    const rows = [
      { a: 'x1:', b: 'y', measure_name: 'm', time: at(1), 'measure_value::double': '1.0' },
      { a: 'x', b: '1:y', measure_name: 'm', time: at(1), 'measure_value::double': '2.0' },
      { a: NULL, b: 'x', measure_name: 'm', time: at(1), 'measure_value::double': '3.0' },
      { a: 'x', b: NULL, measure_name: 'm', time: at(1), 'measure_value::double': '4.0' },
    ];
    expect(assemble(page(columns, rows)).map((s) => s.samples[0]!.value)).toEqual([4, 2, 1, 3]);
  });

  // Label names may end in digits, so an unprefixed name followed by a value's length could read
  // `a1` + `1:v` + `b` + `7:abcdefg` as `a` + `11:vb7:abcdefg`.
  test('keeps apart series whose label names and values join into the same text', () => {
    const columns = ['a', 'a1', 'b', 'measure_name', 'time', 'measure_value::double'];
    const rows = [
      { a1: 'v', b: 'abcdefg', measure_name: 'm', time: at(1), 'measure_value::double': '1.0' },
      { a: 'vb7:abcdefg', measure_name: 'm', time: at(1), 'measure_value::double': '2.0' },
    ];
    expect(assemble(page(columns, rows)).map((s) => s.labels.slice(1))).toEqual([
      [{ name: 'a', value: 'vb7:abcdefg' }],
      [
        { name: 'a1', value: 'v' },
        { name: 'b', value: 'abcdefg' },
      ],
    ]);
  });

  test('sorts series byte-wise on UTF-8, not by UTF-16 code units', () => {
    const rows = ['😀', '\uFFFD', 'z'].map((job) => ({
      job,
      measure_name: 'm',
      time: at(1),
      'measure_value::double': '1.0',
    }));
    expect(assemble(page(COLUMNS, rows)).map((s) => s.labels[1]!.value)).toEqual(['z', '\uFFFD', '😀']);
  });

  test('sorts label names byte-wise, so upper-case names precede __name__', () => {
    const columns = ['Zone', 'job', 'measure_name', 'time', 'measure_value::double'];
    const rows = [{ Zone: 'z', job: 'j', measure_name: 'm', time: at(1), 'measure_value::double': '1.0' }];
    expect(assemble(page(columns, rows))[0]!.labels.map((l) => l.name)).toEqual(['Zone', '__name__', 'job']);
  });

  test('sorts label names byte-wise on UTF-8, not by UTF-16 code units', () => {
    const columns = ['😀', '\uFFFD', 'measure_name', 'time', 'measure_value::double'];
    const rows = [
      { '😀': 'a', '\uFFFD': 'b', measure_name: 'm', time: at(1), 'measure_value::double': '1.0' },
    ];
    expect(assemble(page(columns, rows))[0]!.labels).toEqual([
      { name: '__name__', value: 'm' },
      { name: '\uFFFD', value: 'b' },
      { name: '😀', value: 'a' },
    ]);
  });

  test('agrees with a plain model on any rows: grouped, sorted by time, the largest of each time kept', () => {
    const rowArb = fc.record({ job: fc.constantFrom('a', 'b', 'c'), ms: fc.nat(20), value: fc.nat(1000) });
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 60 }), fc.nat(60), (rows, cut) => {
        const texts = rows.map(({ job, ms, value }) => ({
          job,
          measure_name: 'm',
          time: at(ms),
          'measure_value::double': `${value}.0`,
        }));
        const model = new Map<string, Map<number, number>>();
        for (const { job, ms, value } of rows) {
          const samples = model.get(job) ?? new Map<number, number>();
          samples.set(ms, Math.max(value, samples.get(ms) ?? value));
          model.set(job, samples);
        }
        const expected = [...model.keys()].sort().map((job) => ({
          labels: [
            { name: '__name__', value: 'm' },
            { name: 'job', value: job },
          ],
          samples: [...model.get(job)!]
            .sort((x, y) => x[0] - y[0])
            .map(([timestamp, value]) => ({ timestamp, value })),
        }));
        expect(assemble(page(COLUMNS, texts.slice(0, cut)), page(COLUMNS, texts.slice(cut)))).toEqual(
          expected,
        );
      }),
      { numRuns: 300 },
    );
  });

  test('assembles many rows linearly into the expected series', () => {
    const rows = [];
    for (let i = 9999; i >= 0; i--)
      rows.push({ job: `j${i % 100}`, measure_name: 'm', time: at(i), 'measure_value::double': `${i}.0` });
    const series = assemble(page(COLUMNS, rows.slice(0, 5000)), page(COLUMNS, rows.slice(5000)));
    expect(series).toHaveLength(100);
    expect(series[0]!.labels[1]).toEqual({ name: 'job', value: 'j0' });
    expect(series[0]!.samples).toHaveLength(100);
    expect(series[0]!.samples.slice(0, 2)).toEqual([
      { timestamp: 0, value: 0 },
      { timestamp: 100, value: 100 },
    ]);
  });
});

describe('parseDouble', () => {
  test.each([
    { name: 'Java exponent', text: '1.0E-9', bits: '3e112e0be826d695' },
    { name: 'negative zero', text: '-0.0', bits: '8000000000000000' },
    { name: 'smallest subnormal', text: '4.9E-324', bits: '0000000000000001' },
    { name: 'largest double', text: '1.7976931348623157E308', bits: '7fefffffffffffff' },
    { name: 'shortest round trip', text: '0.1', bits: '3fb999999999999a' },
    { name: 'big exponent', text: '1.6554878837710001E9', bits: '41d8ab2f62f15811' },
    { name: 'infinity', text: 'Infinity', bits: '7ff0000000000000' },
    { name: 'negative infinity', text: '-Infinity', bits: 'fff0000000000000' },
    { name: 'NaN', text: 'NaN', bits: '7ff8000000000000' },
  ])('$name: $text', ({ text, bits }) => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, parseDouble(text));
    expect(view.getBigUint64(0).toString(16).padStart(16, '0')).toBe(bits);
  });

  test('rejects text that is no double', () => {
    expect(() => parseDouble('1,5')).toThrow('unexpected double from Timestream: "1,5"');
  });
});

/** Dates of the right shape whose day is past the month's length, proleptic Gregorian. */
const DAYS_PAST_THE_MONTH = [
  { name: 'February 31', text: '2026-02-31 02:20:26.123456789' },
  { name: 'February 30 of a leap year', text: '2024-02-30 00:00:00.000000000' },
  { name: 'February 29 of a year not divisible by 4', text: '2026-02-29 00:00:00.000000000' },
  { name: 'February 29 of a year divisible by 100, not 400', text: '1900-02-29 00:00:00.000000000' },
  { name: 'February 29 of 2100', text: '2100-02-29 12:00:00.000000000' },
  { name: 'April 31', text: '2026-04-31 00:00:00.000000000' },
  { name: 'June 31', text: '2026-06-31 23:59:59.999999999' },
  { name: 'September 31', text: '2026-09-31 00:00:00.000000000' },
  { name: 'November 31', text: '2026-11-31 00:00:00.000000000' },
  { name: 'April 31 without a fraction', text: '2026-04-31 00:00:00' },
];

/** The class, kind, status and message of what `f` throws, or its value when it throws nothing. */
function refusal(f: () => number): unknown {
  try {
    return { value: f() };
  } catch (e) {
    const error = e as ConnectorError;
    return { error: error.constructor.name, kind: error.kind, status: error.status, message: error.message };
  }
}

/** What refusing a timestamp `text` from Timestream throws: retryable, so Prometheus tries the read again. */
const timestampRefusal = (text: string) => ({
  error: 'ConnectorError',
  kind: ErrorKind.Retryable,
  status: 503,
  message: `unexpected timestamp from Timestream: ${JSON.stringify(text)}`,
});

describe('parseTimestampMs', () => {
  test.each([
    { name: 'epoch', text: '1970-01-01 00:00:00.000000000', ms: 0 },
    { name: 'milliseconds', text: '1970-01-01 00:00:00.001000000', ms: 1 },
    { name: 'nanosecond digits truncated', text: '2020-06-05 15:15:51.123999999', ms: 1_591_370_151_123 },
    { name: 'leap day', text: '2024-02-29 23:59:59.999000000', ms: 1_709_251_199_999 },
    { name: 'no fraction', text: '2000-03-01 00:00:00', ms: 951_868_800_000 },
    { name: 'short fraction', text: '2000-03-01 00:00:00.5', ms: 951_868_800_500 },
    { name: 'last Timestream time', text: '2262-04-11 23:47:16.854775807', ms: 9_223_372_036_854 },
    { name: 'before the epoch', text: '1969-12-31 23:59:59.999000000', ms: -1 },
    // Proleptic Gregorian before year 1: its January is in era -1.
    { name: 'year zero', text: '0000-01-01 00:00:00', ms: -62_167_219_200_000 },
    { name: 'leap day of year zero', text: '0000-02-29 00:00:00.000000000', ms: -62_162_121_600_000 },
    {
      name: 'leap day of a year divisible by 400',
      text: '2000-02-29 00:00:00.000000000',
      ms: 951_782_400_000,
    },
    { name: 'day 30 of a 30-day month', text: '2026-04-30 00:00:00', ms: 1_777_507_200_000 },
    { name: 'day 31 of December', text: '2026-12-31 00:00:00.000000000', ms: 1_798_675_200_000 },
  ])('$name', ({ text, ms }) => {
    expect(parseTimestampMs(text)).toBe(ms);
    expect(parseTimestampMs(text)).toBe(Date.parse(`${text.replace(' ', 'T').slice(0, 23)}Z`));
  });

  test.each([
    { name: 'ISO T separator', text: '2020-06-05T15:15:51.000000000' },
    { name: 'letters', text: '2020-06-05 15:15:xx.000000000' },
    { name: 'month 13', text: '2020-13-05 15:15:51.000000000' },
    { name: 'month 0', text: '2020-00-05 15:15:51.000000000' },
    { name: 'day 0', text: '2020-06-00 15:15:51.000000000' },
    { name: 'day 32', text: '2020-06-32 15:15:51.000000000' },
    { name: 'hour 24', text: '2020-06-05 24:00:00.000000000' },
    { name: 'minute 60', text: '2020-06-05 15:60:00' },
    { name: 'second 60', text: '2020-06-05 15:15:60.5' },
    { name: 'a colon for a digit', text: '2020-06-05 1::15:51.000000000' },
    { name: 'a letter for the first dash', text: '2020x06-05 15:15:51.000000000' },
    { name: 'a letter for the second dash', text: '2020-06x05 15:15:51.000000000' },
    { name: 'a letter for the first colon', text: '2020-06-05 15x15:51.000000000' },
    { name: 'a letter for the second colon', text: '2020-06-05 15:15x51.000000000' },
    { name: 'a letter for the dot', text: '2020-06-05 15:15:51x000000000' },
    { name: 'ten fraction digits', text: '2020-06-05 15:15:51.0000000000' },
    { name: 'empty', text: '' },
    { name: 'trailing dot', text: '2020-06-05 15:15:51.' },
  ])('rejects $name as retryable', ({ text }) => {
    let caught: unknown;
    try {
      parseTimestampMs(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConnectorError);
    expect((caught as ConnectorError).kind).toBe(ErrorKind.Retryable);
  });

  test.each(DAYS_PAST_THE_MONTH)('refuses $name as retryable, naming the text', ({ text }) => {
    expect(refusal(() => parseTimestampMs(text))).toEqual(timestampRefusal(text));
  });
});

/** Runs `parse` on `text` placed inside other bytes, as a cell of a page is. */
function inBytes<T>(text: string, parse: (bytes: Buffer, start: number, end: number) => T): T {
  const bytes = Buffer.from(`"9${text}9"`);
  return parse(bytes, 2, bytes.length - 2);
}

/** The outcome of `f`: its value, or the class and message of what it threw. */
function outcome(f: () => number): unknown {
  try {
    return { bits: Buffer.from(new Float64Array([f()]).buffer).toString('hex') };
  } catch (e) {
    return { error: (e as Error).constructor.name, message: (e as Error).message };
  }
}

describe('doubleAt', () => {
  test.each([
    '0.0',
    '-0.0',
    '14.0',
    '-123.456',
    '0.001',
    '999999999999999',
    '9999999999999999',
    '0.30000000000000004',
    '123456789012.345',
    '1.0E-9',
    '4.9E-324',
    'NaN',
    'Infinity',
    '-Infinity',
    '00012.50',
    '5.',
    '.5',
    '-',
    '',
    '1,5',
    '+1.0',
    ' 1.0',
    '１.0',
  ])('reads %j as parseDouble does', (text) => {
    expect(outcome(() => inBytes(text, doubleAt))).toEqual(outcome(() => parseDouble(text)));
  });

  test('reads any double Timestream prints, and any short decimal, bit for bit as parseDouble does', () => {
    const texts = fc.oneof(
      fc.double().map(formatJavaDouble),
      fc
        .tuple(fc.boolean(), fc.stringMatching(/^[0-9]{1,9}$/), fc.stringMatching(/^[0-9]{0,9}$/))
        .map(
          ([minus, whole, fraction]) => `${minus ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`,
        ),
    );
    fc.assert(
      fc.property(texts, (text) => {
        expect(outcome(() => inBytes(text, doubleAt))).toEqual(outcome(() => parseDouble(text)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('timestampAt', () => {
  test.each([
    '1970-01-01 00:00:00.000000000',
    '2026-12-03 16:52:45.123999999',
    '2024-02-29 23:59:59.999000000',
    '2262-04-11 23:47:16.854775807',
    '1969-12-31 23:59:59.999000000',
    '2000-03-01 00:00:00',
    '2000-03-01 00:00:00.5',
    '2020-02-31 00:00:00.000000000',
    '2020-06-00 00:00:00.000000000',
    '2020-06-32 00:00:00.000000000',
    '2020-06-05 1::15:51.000000000',
    '2020-13-05 15:15:51.000000000',
    '2020-00-05 15:15:51.000000000',
    '2020-06-05 24:00:00.000000000',
    '2020-06-05 15:60:00.000000000',
    '2020-06-05 15:15:60.000000000',
    '2020-06-05 15:15:51.00000000x',
    '2020-06-05 15:15:51.x00000000',
    '2020-06-05T15:15:51.000000000',
    '2020-0x-05 15:15:51.000000000',
    '2020x06-05 15:15:51.000000000',
    '2020-06x05 15:15:51.000000000',
    '2020-06-05 15x15:51.000000000',
    '2020-06-05 15:15x51.000000000',
    '2020-06-05 15:15:51x000000000',
    '2020-06-05 15:15:51.0000000000',
    '',
    '0000-02-29 00:00:00.000000000',
    '2000-02-29 00:00:00.000000000',
    '2026-04-30 00:00:00.000000000',
  ])('reads %j as parseTimestampMs does', (text) => {
    expect(outcome(() => inBytes(text, timestampAt))).toEqual(outcome(() => parseTimestampMs(text)));
  });

  test.each(DAYS_PAST_THE_MONTH)('refuses $name as retryable, naming the text', ({ text }) => {
    expect(refusal(() => inBytes(text, timestampAt))).toEqual(timestampRefusal(text));
  });

  test('reads a date after an invalid one with the same digits as parseTimestampMs does', () => {
    const valid = '2020-06-05 15:15:51.000000000';
    expect(outcome(() => inBytes('2020-06-05 15:15:5x.000000000', timestampAt))).toEqual(
      outcome(() => parseTimestampMs('2020-06-05 15:15:5x.000000000')),
    );
    expect(inBytes(valid, timestampAt)).toBe(parseTimestampMs(valid));
    expect(inBytes('2020-06-06 00:00:00.000000000', timestampAt)).toBe(1_591_401_600_000);
  });
});
