// SPDX-License-Identifier: Apache-2.0
import type { DuckDBResult } from '@duckdb/node-api';
import { PAGE_EXCEEDED_MESSAGE } from '../../../../lambda/local-store/query-executor';
import { renderTimestreamResult } from '../../../../lambda/local-store/sql/row-text';
import { toTimestreamResult } from '../../../../lambda/local-store/sql/results';
import { translateQuery } from '../../../../lambda/local-store/sql/translate';
import { createFixture, NOW_MS, type Fixture } from './duck-fixture';

let fixture: Fixture;
beforeAll(async () => {
  fixture = await createFixture();
  await fixture.createTable('db', 't', ['host', 'zone'], ['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN']);
  const rows = Array.from({ length: 2500 }, (_, i) => ({
    host: i % 7 === 0 ? null : `host-${i % 13}-with-a-long-name`,
    zone: ['a', 'Zürich "☃"', 'tab\there', 'back\\slash', '𝄞'][i % 5]!,
    measure_name: 'm',
    time: BigInt(i - 1200) * 1_234_567_891_011n,
    'measure_value::double': [1e-9, 0.1 + 0.2, -0, 40, 1e7, 5e-324, NaN, -Infinity, i / 7][i % 9]!,
    'measure_value::bigint': i % 3 === 0 ? null : BigInt(i) * 3_000_000_000_000n,
    'measure_value::varchar': i % 4 === 0 ? null : `v${i}`,
    'measure_value::boolean': i % 5 === 0 ? null : i % 2 === 0,
  }));
  await fixture.insert('db', 't', rows);
}, 60_000);
afterAll(() => fixture.close());

function sqlOf(queryString: string): string {
  const translated = translateQuery(queryString, fixture.catalog, NOW_MS);
  if (translated.kind !== 'select') throw new Error('expected a SELECT');
  return translated.sql;
}

describe('renderTimestreamResult', () => {
  test.each([
    {
      name: 'every column of the table, NULLs and several chunks',
      query: 'SELECT * FROM db.t ORDER BY time',
      duckdb: undefined,
    },
    {
      name: 'rarer DuckDB types, lists and structs',
      query: '',
      duckdb:
        'SELECT CAST(1.5 AS REAL) AS r, 1.25 AS d, CAST(2 AS SMALLINT) AS s, CAST(7 AS HUGEINT) AS h, ' +
        "DATE '2020-08-08' AS dt, TIME '01:00:00' AS tm, TIMESTAMP '1969-12-31 23:59:59.5' AS ts, " +
        'INTERVAL 1 DAY + INTERVAL 21 HOUR AS ds, INTERVAL 2 YEAR + INTERVAL 7 MONTH AS ym, ' +
        "[1.0e-9, 2.5, NULL] AS l, {'x': 'a\"b', 'y': 1} AS st, true AS b, NULL AS n",
    },
    { name: 'an empty result', query: "SELECT * FROM db.t WHERE host = 'none'", duckdb: undefined },
    {
      // NULL runs at the start, middle and end of rows, a column without a value in the first
      // chunks only, and a last chunk whose row count is not a multiple of 8, with a column whose
      // only value is in that chunk's last row (past its last whole byte of validity bits).
      name: 'wide rows of mostly NULL cells',
      query: '',
      duckdb:
        "SELECT CASE WHEN i % 3 = 0 THEN NULL ELSE 'h' || i END AS first, NULL::VARCHAR AS n1, " +
        'NULL::VARCHAR AS n2, i / 7 AS v, NULL::VARCHAR AS n3, ' +
        "CASE WHEN i >= 4100 THEN 'late' END AS late, NULL::BIGINT AS n4, " +
        "CASE WHEN i = 5002 THEN 'tail' END AS tail, NULL::VARCHAR AS last " +
        'FROM range(5003) t(i) ORDER BY i',
    },
    {
      // Values in the first byte of validity bits only, the rest of each chunk NULL.
      name: "a column whose only values are in its chunks' first rows",
      query: '',
      duckdb: "SELECT i, CASE WHEN i % 2048 = 0 THEN 'head' END AS head FROM range(2100) t(i) ORDER BY i",
    },
    {
      // Runs of NULL cells as long as the row, before and after a value: their texts take memory
      // in proportion to the row (20 000 columns squared would be 7.6 GB), at any run length.
      name: 'a row of 20 000 columns, nearly all NULL',
      query: '',
      duckdb: `SELECT ${Array.from({ length: 20_000 }, (_, k) => (k === 10_000 ? 'i' : 'NULL') + ` AS c${k}`).join(', ')} FROM range(1) t(i)`,
    },
  ])('renders $name as JSON.stringify of toTimestreamResult', async ({ query, duckdb }) => {
    const sql = duckdb ?? sqlOf(query);
    const rendered = await renderTimestreamResult(await fixture.connection.stream(sql));
    const converted = toTimestreamResult(await fixture.connection.run(sql));
    expect(rendered.columnInfo).toEqual(converted.columnInfo);
    const texts = Array.from({ length: rendered.rows.length }, (_, i) => rendered.rows.rangeText(i, i + 1));
    expect(texts).toEqual(converted.rows.map((row) => JSON.stringify(row)));
  });
});

test.each([
  { name: 'above', value: '9223372036854775808' },
  { name: 'below', value: '-9223372036854775809' },
])('refuses a 128-bit integer $name the range of the BIGINT it is answered as', async ({ value }) => {
  // sum() of integers is a HUGEINT in DuckDB; rendered, its column is a BIGINT.
  const result = await fixture.connection.stream(`SELECT CAST('${value}' AS HUGEINT) AS h`);
  await expect(renderTimestreamResult(result)).rejects.toMatchObject({
    type: 'ValidationException',
    message: `bigint overflow: the result ${value} is out of the range of BIGINT`,
  });
});

describe('renderTimestreamResult within limits', () => {
  /** `result` with its fetchChunk calls counted in `fetched.chunks`. */
  const counting = (result: DuckDBResult, fetched: { chunks: number }): DuckDBResult => {
    const counted = Object.create(result) as DuckDBResult;
    counted.fetchChunk = () => {
      fetched.chunks += 1;
      return result.fetchChunk();
    };
    return counted;
  };
  // ColumnInfo `[{"Name":"_col0","Type":{"ScalarType":"VARCHAR"}}]` takes 51 bytes of a page.
  test.each([
    {
      name: 'a row too large for a page',
      sql: "SELECT CASE WHEN i = 0 THEN repeat('x', 2000) ELSE 'a' END AS _col0 FROM range(10000) t(i) ORDER BY i",
      limits: { pageBytes: 1051, resultBytes: Infinity },
      message: PAGE_EXCEEDED_MESSAGE,
    },
    {
      name: 'rows past the bytes of a result',
      sql: "SELECT repeat('x', 100) AS _col0 FROM range(10000)",
      limits: { pageBytes: 1_000_000, resultBytes: 50_000 },
      message: 'Query aborted as its result exceeds the 50000 bytes the embedded store holds for one query',
    },
  ])('stops at the first chunk holding $name', async ({ sql, limits, message }) => {
    const fetched = { chunks: 0 };
    const result = counting(await fixture.connection.stream(sql), fetched);
    await expect(renderTimestreamResult(result, limits)).rejects.toMatchObject({
      type: 'ValidationException',
      message,
    });
    expect(fetched.chunks).toBe(1);
  });

  test('renders a result that fits them whole, its longest row at the page', async () => {
    const sql = "SELECT repeat('x', 1000 - i) AS _col0 FROM range(3000) t(i) ORDER BY i";
    const rendered = await renderTimestreamResult(await fixture.connection.stream(sql), {
      pageBytes: 51 + '{"Data":[{"ScalarValue":""}]}'.length + 1000,
      resultBytes: 3000 * 1030,
    });
    expect(rendered.rows.length).toBe(3000);
    expect(rendered.rows.longestBytes).toBe('{"Data":[{"ScalarValue":""}]}'.length + 1000);
  });
});
