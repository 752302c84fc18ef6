// SPDX-License-Identifier: Apache-2.0
import type { ColumnInfo, Row } from '@aws-sdk/client-timestream-query';
import fc from 'fast-check';
import { scanQueryPage, type ScannedPage } from '../../../lambda/timestream/page-scan';

/** The text of cell `k` of `page`, undefined for a NullValue. */
function cellText(page: ScannedPage, k: number): string | undefined {
  const start = page.cellStart[k]!;
  return start < 0 ? undefined : page.bytes.toString('utf8', start, page.cellEnd[k]);
}

const COLUMNS: ColumnInfo[] = [
  { Name: 'job', Type: { ScalarType: 'VARCHAR' } },
  { Name: 'time', Type: { ScalarType: 'TIMESTAMP' } },
];

/** A scanned page with its cells decoded, for comparison. */
interface ReadPage {
  columnInfo: ColumnInfo[];
  nextToken?: string;
  rowCount: number;
  rowStarts: Int32Array;
  cells: (string | undefined)[];
}

/** Scans the UTF-8 bytes of `text` and decodes every cell. */
function scan(text: string): ReadPage | undefined {
  const page: ScannedPage | undefined = scanQueryPage(Buffer.from(text));
  if (page === undefined) return undefined;
  const cellCount = page.rowStarts[page.rowCount]!;
  return {
    columnInfo: page.columnInfo,
    ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    rowCount: page.rowCount,
    rowStarts: Int32Array.from(page.rowStarts),
    cells: Array.from({ length: cellCount }, (_, k) => cellText(page, k)),
  };
}

/** What a scan must give for a page JSON.parse reads as `page`. */
function expected(page: { Rows: Row[]; ColumnInfo: unknown[]; NextToken?: string }): ReadPage {
  const cells: (string | undefined)[] = [];
  const starts = [0];
  for (const row of page.Rows) {
    for (const datum of row.Data ?? []) cells.push(datum.NullValue === true ? undefined : datum.ScalarValue);
    starts.push(cells.length);
  }
  return {
    columnInfo: page.ColumnInfo as ColumnInfo[],
    ...(page.NextToken === undefined ? {} : { nextToken: page.NextToken }),
    rowCount: page.Rows.length,
    rowStarts: Int32Array.from(starts),
    cells,
  };
}

describe('scanQueryPage', () => {
  test.each([
    {
      name: 'a page as the store writes it',
      page: {
        QueryId: 'AB2',
        Rows: [
          { Data: [{ ScalarValue: 'node' }, { ScalarValue: '2026-01-01 00:00:00.000000000' }] },
          { Data: [{ NullValue: true }, { ScalarValue: '2026-01-01 00:00:15.000000000' }] },
        ],
        ColumnInfo: COLUMNS,
        QueryStatus: { ProgressPercentage: 100, CumulativeBytesScanned: 10, CumulativeBytesMetered: 1e7 },
        NextToken: 'tok-1',
      },
    },
    {
      name: 'keys in another order, no NextToken',
      page: { ColumnInfo: COLUMNS, QueryStatus: { ProgressPercentage: 100 }, Rows: [], QueryId: 'Q' },
    },
    {
      name: 'rows of different widths, an empty row and non-ASCII text',
      page: {
        Rows: [
          { Data: [] },
          { Data: [{ ScalarValue: 'zürich ☃ 𝄞' }] },
          { Data: [{ ScalarValue: '' }, { NullValue: true }] },
        ],
        ColumnInfo: COLUMNS,
      },
    },
    {
      name: 'escapes outside Rows',
      page: { QueryId: 'q"\\', Rows: [{ Data: [{ ScalarValue: 'a' }] }], ColumnInfo: [{ Name: 'a\\"b' }] },
    },
    // The smallest rows and cells, with Rows last: the arrays sized from the byte count must hold them.
    {
      name: 'a page of only empty rows, Rows last',
      page: { ColumnInfo: COLUMNS, Rows: Array.from({ length: 100 }, () => ({ Data: [] })) },
    },
    {
      name: 'a row of only NullValue cells, Rows last',
      page: {
        ColumnInfo: COLUMNS,
        Rows: [{ Data: Array.from({ length: 100 }, () => ({ NullValue: true })) }],
      },
    },
  ])('reads $name as JSON.parse does', ({ page }) => {
    expect(scan(JSON.stringify(page))).toEqual(expected(page));
  });

  test('reads bytes that are not valid UTF-8 as JSON.parse reads their decoded text', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"Rows":[{"Data":[{"ScalarValue":"a'),
      Buffer.from([0xe2, 0x82]), // a truncated three-byte sequence: one U+FFFD
      Buffer.from('"},{"ScalarValue":"'),
      Buffer.from([0xff]),
      Buffer.from(`"}]}],"ColumnInfo":${JSON.stringify(COLUMNS)}}`),
    ]);
    const page = scanQueryPage(bytes)!;
    const parsed = JSON.parse(bytes.toString('utf8')) as { Rows: Row[] };
    expect([cellText(page, 0), cellText(page, 1)]).toEqual(parsed.Rows[0]!.Data!.map((d) => d.ScalarValue));
    expect(cellText(page, 0)).toBe('a\uFFFD');
  });

  test('reads pages of more cells than its first arrays hold, NullValue cells as -1', () => {
    const Rows = Array.from({ length: 3000 }, (_, i) => ({
      Data: [{ ScalarValue: `v${i}` }, i % 7 === 0 ? { NullValue: true as const } : { ScalarValue: `${i}` }],
    }));
    const page = { QueryId: 'Q', Rows, ColumnInfo: COLUMNS };
    const scanned = scanQueryPage(Buffer.from(JSON.stringify(page)))!;
    expect(scan(JSON.stringify(page))).toEqual(expected(page));
    expect(scanned.cellStart[1]).toBe(-1); // row 0's NullValue
    expect(scanned.cellStart[3]).toBeGreaterThan(0);
    expect(scanned.rowStarts[3000]).toBe(6000);
  });

  const ROWS = '[{"Data":[{"ScalarValue":"a"}]}]';
  const COLUMN_INFO = '[{"Name":"job"}]';
  test.each([
    { name: 'whitespace', text: `{"Rows": ${ROWS},"ColumnInfo":${COLUMN_INFO}}` },
    {
      name: 'an escape in a cell',
      text: `{"Rows":[{"Data":[{"ScalarValue":"a\\"b"}]}],"ColumnInfo":${COLUMN_INFO}}`,
    },
    {
      name: 'a raw control character in a cell',
      text: `{"Rows":[{"Data":[{"ScalarValue":"a\u0001"}]}],"ColumnInfo":${COLUMN_INFO}}`,
    },
    {
      name: 'another Datum kind',
      text: `{"Rows":[{"Data":[{"ArrayValue":[]}]}],"ColumnInfo":${COLUMN_INFO}}`,
    },
    {
      name: 'a Datum with two members',
      text: `{"Rows":[{"Data":[{"ScalarValue":"a","NullValue":false}]}],"ColumnInfo":${COLUMN_INFO}}`,
    },
    {
      name: 'NullValue false',
      text: `{"Rows":[{"Data":[{"NullValue":false}]}],"ColumnInfo":${COLUMN_INFO}}`,
    },
    { name: 'a repeated key', text: `{"Rows":${ROWS},"Rows":${ROWS},"ColumnInfo":${COLUMN_INFO}}` },
    { name: 'an escaped key', text: `{"\\u0052ows":${ROWS},"ColumnInfo":${COLUMN_INFO}}` },
    { name: 'no ColumnInfo', text: `{"Rows":${ROWS}}` },
    { name: 'no Rows', text: `{"ColumnInfo":${COLUMN_INFO}}` },
    { name: 'trailing text', text: `{"Rows":${ROWS},"ColumnInfo":${COLUMN_INFO}}x` },
    { name: 'an invalid skipped value', text: `{"Rows":${ROWS},"ColumnInfo":${COLUMN_INFO},"QueryId":tru}` },
    {
      name: 'a NextToken that is not a string',
      text: `{"Rows":${ROWS},"ColumnInfo":${COLUMN_INFO},"NextToken":1}`,
    },
    {
      name: 'a NextToken of null',
      text: `{"Rows":${ROWS},"ColumnInfo":${COLUMN_INFO},"NextToken":null}`,
    },
    { name: 'a truncated page', text: `{"Rows":[{"Data":[{"ScalarValue":"a"}]},` },
    { name: 'an empty object', text: '{}' },
    // JSON.parse keeps the last of two keys, escaped or not.
    {
      name: 'an escaped key repeating Rows',
      text: `{"Rows":${ROWS},"ColumnInfo":${COLUMN_INFO},"\\u0052ows":[]}`,
    },
    {
      name: 'a raw control character in a key',
      text: `{"Rows":${ROWS},"ColumnInfo":${COLUMN_INFO},"Q\u0001":1}`,
    },
    { name: 'a ColumnInfo that is not an array', text: `{"Rows":${ROWS},"ColumnInfo":{}}` },
    // The caller refuses these (query-sender.ts); scanned, each was a TypeError or a read paging on.
    { name: 'a ColumnInfo holding null', text: `{"Rows":${ROWS},"ColumnInfo":[null]}` },
    { name: 'a ColumnInfo holding a string', text: `{"Rows":${ROWS},"ColumnInfo":["job"]}` },
    { name: 'a column whose Name is a number', text: `{"Rows":${ROWS},"ColumnInfo":[{"Name":5}]}` },
    { name: 'an empty NextToken', text: `{"Rows":${ROWS},"ColumnInfo":${COLUMN_INFO},"NextToken":""}` },
    { name: 'Rows holding null', text: `{"Rows":[null],"ColumnInfo":${COLUMN_INFO}}` },
    { name: 'Rows holding a number', text: `{"Rows":[1],"ColumnInfo":${COLUMN_INFO}}` },
    { name: 'a row whose Data is null', text: `{"Rows":[{"Data":null}],"ColumnInfo":${COLUMN_INFO}}` },
  ])('leaves $name to JSON.parse', ({ text }) => {
    expect(scan(text)).toBeUndefined();
  });

  // A page the scanner accepts but JSON.parse refuses would be read where the caller would ask again.
  test('reads a page with one byte changed, added or cut off as JSON.parse does, or leaves it', () => {
    const text = JSON.stringify({
      QueryId: 'Q',
      Rows: [{ Data: [{ ScalarValue: 'ab' }, { NullValue: true }] }, { Data: [] }],
      ColumnInfo: [{ Name: 'job' }],
      NextToken: 't',
    });
    const variants: string[] = [];
    for (let at = 0; at <= text.length; at++) {
      variants.push(text.slice(0, at));
      for (const byte of ['x', ' ', '"', ',', '{', '}', ']', '\\', '\u0001']) {
        variants.push(
          text.slice(0, at) + byte + text.slice(at + 1),
          text.slice(0, at) + byte + text.slice(at),
        );
      }
    }
    const parses = (variant: string): boolean => {
      try {
        JSON.parse(variant);
        return true;
      } catch {
        return false;
      }
    };
    const scanned = variants.filter((variant) => scan(variant) !== undefined);
    expect(scanned.filter((variant) => !parses(variant))).toEqual([]);
    for (const variant of scanned) {
      expect(scan(variant)).toEqual(expected(JSON.parse(variant) as Parameters<typeof expected>[0]));
    }
  });

  test('reads any page of plain scalars as JSON.parse does, and never misreads one with escapes', () => {
    const datum = fc.oneof(
      fc.record({ ScalarValue: fc.string({ unit: 'binary', maxLength: 12 }) }),
      fc.constant({ NullValue: true as const }),
    );
    const rows = fc.array(fc.record({ Data: fc.array(datum, { maxLength: 5 }) }), { maxLength: 20 });
    fc.assert(
      // An empty NextToken is left to JSON.parse (tested above).
      fc.property(rows, fc.option(fc.string({ minLength: 1 }), { nil: undefined }), (Rows, NextToken) => {
        const page = {
          QueryId: 'Q',
          Rows,
          ColumnInfo: COLUMNS,
          ...(NextToken === undefined ? {} : { NextToken }),
        };
        const text = JSON.stringify(page);
        const scanned = scan(text);
        const rowsText = JSON.stringify(Rows);
        if (scanned === undefined) return /[\\\u0000-\u001f]/.test(rowsText);
        expect(scanned).toEqual(expected(JSON.parse(text) as typeof page));
        return true;
      }),
      { numRuns: 500 },
    );
  });
});
