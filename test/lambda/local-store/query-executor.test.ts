// SPDX-License-Identifier: Apache-2.0
// The query executor's page sizes: rows up to the configured count or MaxRows, and no page larger
// than Timestream's ~1 MB (facts 4.2).

import { DuckDBInstance } from '@duckdb/node-api';
import { StoreError } from '../../../lambda/local-store/errors';
import {
  MAX_PAGE_BYTES,
  QueryExecutor,
  type QueryRequest,
  type SqlDialect,
} from '../../../lambda/local-store/query-executor';
import type { Catalog } from '../../../lambda/local-store/schema';

/** Runs the query string as DuckDB SQL; every cell becomes its text. */
const passThrough: SqlDialect = {
  translateQuery: (queryString) => ({ kind: 'select', sql: queryString }),
  toTimestreamResult: (result) => {
    const rows = [];
    for (let c = 0; c < result.chunkCount; c += 1) {
      for (const row of result.getChunk(c).getRows())
        rows.push({ Data: row.map((v) => ({ ScalarValue: String(v) })) });
    }
    return { columnInfo: [{ Name: 'v', Type: { ScalarType: 'VARCHAR' } }], rows };
  },
  mapDuckDbError: (error) => new StoreError('ValidationException', (error as Error).message),
};

let instance: DuckDBInstance;
let executor: QueryExecutor;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  executor = new QueryExecutor({
    instance,
    catalog: {} as Catalog,
    pageSize: 1000,
    nowMs: () => Date.UTC(2026, 0, 1),
    sql: passThrough,
  });
});
afterAll(() => {
  executor.close();
  instance.closeSync();
});

/** The rendered byte size and row count of every page of `request`. */
async function pages(request: QueryRequest): Promise<{ bytes: number; rows: number }[]> {
  const out = [];
  let nextToken: string | undefined;
  do {
    const page = await executor.queryRendered({
      ...request,
      ...(nextToken === undefined ? {} : { NextToken: nextToken }),
    });
    const body = JSON.parse(page.bytes.toString('utf8')) as { Rows: unknown[] };
    out.push({ bytes: page.bytes.length, rows: body.Rows.length });
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return out;
}

/** A row of the `repeat` query below: `{"Data":[{"ScalarValue":"x…"}]}` and its comma. */
const ROW_BYTES = 99_990 + '{"Data":[{"ScalarValue":""}]},'.length;

test('fills pages with as many rows as fit in 1 MB', async () => {
  const result = await pages({ QueryString: "SELECT repeat('x', 99990) FROM range(25)" });
  // 9 rows take ~900 KB; a tenth would take the response past 1,000,000 bytes.
  expect(result.map((p) => p.rows)).toEqual([9, 9, 7]);
  for (const page of result) expect(page.bytes).toBeLessThanOrEqual(MAX_PAGE_BYTES);
  expect(result[0]!.bytes + ROW_BYTES).toBeGreaterThan(MAX_PAGE_BYTES);
});

test('ends pages at MaxRows or the configured count first when those come first', async () => {
  expect(
    (await pages({ QueryString: "SELECT repeat('x', 99990) FROM range(10)", MaxRows: 4 })).map((p) => p.rows),
  ).toEqual([4, 4, 2]);
  expect((await pages({ QueryString: 'SELECT 1 FROM range(2500)' })).map((p) => p.rows)).toEqual([
    1000, 1000, 500,
  ]);
});

test('puts a row larger than a page on a page of its own', async () => {
  const result = await pages({ QueryString: "SELECT repeat('x', 1500000) FROM range(2)" });
  expect(result.map((p) => p.rows)).toEqual([1, 1]);
  expect(result[0]!.bytes).toBeGreaterThan(MAX_PAGE_BYTES);
});
