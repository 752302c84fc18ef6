// SPDX-License-Identifier: Apache-2.0
// The query executor's page sizes: rows up to the configured count or MaxRows, and no page larger
// than Timestream's ~1 MB (facts 4.2).

import { DuckDBConnection, DuckDBInstance, DuckDBResult } from '@duckdb/node-api';
import { StoreError } from '../../../lambda/local-store/errors';
import {
  MAX_PAGE_BYTES,
  MAX_RESULT_BYTES,
  QUERY_TIMEOUT_MS,
  QueryExecutor,
  queryTimedOut,
  type RenderLimits,
  type QueryRequest,
  type SqlDialect,
} from '../../../lambda/local-store/query-executor';
import { SQL_DIALECT } from '../../../lambda/local-store/sql-dialect';
import { passThroughDialect } from './pass-through-dialect';
import type { Catalog } from '../../../lambda/local-store/schema';

let instance: DuckDBInstance;
let executor: QueryExecutor;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  executor = new QueryExecutor({
    instance,
    catalog: {} as Catalog,
    pageSize: 1000,
    nowMs: () => Date.UTC(2026, 0, 1),
    sql: passThroughDialect,
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
  ).toEqual([0, 4, 4, 2]);
  expect((await pages({ QueryString: 'SELECT 1 FROM range(2500)' })).map((p) => p.rows)).toEqual([
    1000, 1000, 500,
  ]);
});

test.each([
  // The model's MaxRows doc: the first call with MaxRows answers the result only when it has fewer
  // rows than MaxRows and is under 1 MB, otherwise only a NextToken (amazon-timestream-tools#56).
  { name: '3 rows with MaxRows 4', query: 'SELECT 1 FROM range(3)', maxRows: 4, pages: [3] },
  { name: '3 rows with MaxRows 3', query: 'SELECT 1 FROM range(3)', maxRows: 3, pages: [0, 3] },
  { name: '3 rows with MaxRows 2', query: 'SELECT 1 FROM range(3)', maxRows: 2, pages: [0, 2, 1] },
  { name: 'no rows with MaxRows 1', query: 'SELECT 1 WHERE false', maxRows: 1, pages: [0] },
  {
    name: 'rows past 1 MB with MaxRows 1000',
    query: "SELECT repeat('x', 99990) FROM range(25)",
    maxRows: 1000,
    pages: [0, 9, 9, 7],
  },
])('a first call with MaxRows pages $name as $pages rows', async ({ query, maxRows, pages: expected }) => {
  expect((await pages({ QueryString: query, MaxRows: maxRows })).map((p) => p.rows)).toEqual(expected);
});

test.each([
  // A response is counted as 512 bytes of frame, its ColumnInfo (46 bytes here) and each row with
  // its comma: 10 rows of 99 944 bytes and 2 more in the first fill 999 442 = 1 000 000 - 558.
  { name: 'rows that fill the page to the byte all go on it', first: 99_916, pages: [10, 1] },
  { name: 'rows one byte more than the page go on two', first: 99_917, pages: [9, 2] },
])('$name', async ({ first, pages: expected }) => {
  const rows = await pages({
    QueryString: `SELECT repeat('x', CASE WHEN i = 0 THEN ${first} ELSE 99914 END) FROM range(11) t(i) ORDER BY i`,
  });
  expect(rows.map((p) => p.rows)).toEqual(expected);
});

test.each([
  { maxRows: 1, refused: false },
  { maxRows: 1000, refused: false },
  { maxRows: 0, refused: true },
  { maxRows: 1001, refused: true },
  { maxRows: 2.5, refused: true },
])('MaxRows $maxRows is refused: $refused', async ({ maxRows, refused }) => {
  const answer = executor.query({ QueryString: 'SELECT 1 WHERE false', MaxRows: maxRows });
  if (refused) {
    await expect(answer).rejects.toThrow(
      new StoreError(
        'ValidationException',
        `1 validation error detected: Value '${maxRows}' at 'maxRows' failed to satisfy constraint: Member must have value between 1 and 1000`,
      ),
    );
  } else {
    expect((await answer).Rows).toEqual([]);
  }
});

test('reads a null NextToken, MaxRows or ClientToken as absent: the first page, no row cap', async () => {
  const answer = await executor.query({
    QueryString: 'SELECT 1 FROM range(3)',
    NextToken: null,
    MaxRows: null,
    ClientToken: null,
  });
  expect([answer.Rows.length, answer.NextToken]).toEqual([3, undefined]);
});

test.each([
  // reference/timestream-facts.md 4.1: ClientToken 32 to 128 characters, NextToken 1 to 2048; the
  // model marks ClientToken sensitive, so its refusal does not repeat it.
  { name: 'a ClientToken of 32 characters', input: { ClientToken: 'c'.repeat(32) }, refusal: undefined },
  { name: 'a ClientToken of 128 characters', input: { ClientToken: 'c'.repeat(128) }, refusal: undefined },
  {
    name: 'a ClientToken of 31 characters',
    input: { ClientToken: 'c'.repeat(31) },
    refusal:
      "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must have length greater than or equal to 32",
  },
  {
    name: 'a ClientToken of 129 characters',
    input: { ClientToken: 'c'.repeat(129) },
    refusal:
      "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must have length less than or equal to 128",
  },
  {
    name: 'an empty NextToken',
    input: { NextToken: '' },
    refusal:
      "1 validation error detected: Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
  },
  {
    name: 'a NextToken of 2049 characters',
    input: { NextToken: 'n'.repeat(2049) },
    refusal: `1 validation error detected: Value '${'n'.repeat(2049)}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 2048`,
  },
  {
    name: 'an unknown NextToken of 2048 characters',
    input: { NextToken: 'n'.repeat(2048) },
    refusal: 'Invalid pagination token',
  },
])('$name is refused or answered as the model bounds it', async ({ input, refusal }) => {
  const answer = executor.query({ QueryString: 'SELECT 1', ...input });
  if (refusal === undefined) expect((await answer).Rows).toEqual([{ Data: [{ ScalarValue: '1' }] }]);
  else await expect(answer).rejects.toThrow(new StoreError('ValidationException', refusal));
});

test.each([
  // botocore 1.43's model: QueryInsights {Mode (required): ENABLED_WITH_RATE_CONTROL | DISABLED}.
  { name: 'Mode DISABLED', insights: { Mode: 'DISABLED' }, refusal: undefined },
  {
    name: 'Mode ENABLED_WITH_RATE_CONTROL',
    insights: { Mode: 'ENABLED_WITH_RATE_CONTROL' },
    refusal: undefined,
  },
  { name: 'a null QueryInsights', insights: null, refusal: undefined },
  {
    name: 'no Mode',
    insights: {},
    refusal:
      "1 validation error detected: Value null at 'queryInsights.mode' failed to satisfy constraint: Member must not be null",
  },
  {
    name: 'Mode ENABLED',
    insights: { Mode: 'ENABLED' },
    refusal:
      "1 validation error detected: Value 'ENABLED' at 'queryInsights.mode' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED_WITH_RATE_CONTROL, DISABLED]",
  },
])('QueryInsights with $name is answered or refused as the model allows', async ({ insights, refusal }) => {
  const answer = executor.query({ QueryString: 'SELECT 1', QueryInsights: insights });
  if (refusal === undefined) expect((await answer).Rows).toEqual([{ Data: [{ ScalarValue: '1' }] }]);
  else await expect(answer).rejects.toThrow(new StoreError('ValidationException', refusal));
});

test.each([
  // reference/timestream-facts.md 4.1: QueryString is required, 1 to 262144 characters, sensitive.
  {
    name: 'no QueryString',
    request: {},
    refusal:
      "1 validation error detected: Value null at 'queryString' failed to satisfy constraint: Member must not be null",
  },
  {
    name: 'a null QueryString',
    request: { QueryString: null },
    refusal:
      "1 validation error detected: Value null at 'queryString' failed to satisfy constraint: Member must not be null",
  },
  {
    name: 'an empty QueryString',
    request: { QueryString: '' },
    refusal:
      "1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length greater than or equal to 1",
  },
  {
    name: 'a QueryString of 262145 characters',
    request: { QueryString: 'SELECT 1 --'.padEnd(262_145, 'x') },
    refusal:
      "1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length less than or equal to 262144",
  },
])('refuses $name in the words of the service', async ({ request, refusal }) => {
  await expect(executor.query(request)).rejects.toThrow(new StoreError('ValidationException', refusal));
});

test.each([
  { member: 'QueryString', request: { QueryString: 1 } },
  { member: 'ClientToken', request: { QueryString: 'SELECT 1', ClientToken: 12345 } },
  { member: 'NextToken', request: { QueryString: 'SELECT 1', NextToken: 12345 } },
  { member: 'NextToken', request: { QueryString: 'SELECT 1', NextToken: { token: 'x' } } },
])('refuses a $member that is not a string as a malformed request', async ({ member, request }) => {
  const refusal = await executor.query(request).then(
    () => undefined,
    (error: StoreError) => [error.type, error.message],
  );
  expect(refusal).toEqual(['SerializationException', `Expected a string at '${member}'`]);
});

test.each([
  // reference/timestream-facts.md 4.1: a row that with the response's metadata exceeds 1 MB fails
  // the query. A page is counted as 512 bytes of frame, its ColumnInfo (46 bytes here) and each row
  // with its comma: `{"Data":[{"ScalarValue":"…"}]},` is 30 bytes besides the text.
  { name: 'a row one byte too large for a page alone', chars: 1_000_000 - 588 + 1, refused: true },
  { name: 'a row that fills a page alone to the byte', chars: 1_000_000 - 588, refused: false },
])('$name fails the query: $refused', async ({ chars, refused }) => {
  const answer = pages({ QueryString: `SELECT repeat('x', ${chars}) AS x FROM range(2)` });
  if (refused) {
    await expect(answer).rejects.toThrow(
      new StoreError(
        'ValidationException',
        'Query aborted as max page response size has been exceeded by the output result row',
      ),
    );
  } else {
    const result = await answer;
    expect(result.map((p) => p.rows)).toEqual([1, 1]);
    expect(result[0]!.bytes).toBeLessThanOrEqual(MAX_PAGE_BYTES);
  }
});

describe('results held for their NextTokens', () => {
  const INVALID_TOKEN = new StoreError('ValidationException', 'Invalid pagination token');
  const HOUR_MS = 3_600_000;
  let nowMs = Date.UTC(2026, 0, 1);
  /**
   * An executor that holds at most `maxHeldBytes` of results, and `maxFinishedBytes` of results
   * whose last page was answered, on the test's clock.
   */
  function heldExecutor(maxHeldBytes: number, maxFinishedBytes?: number, pageSize = 1): QueryExecutor {
    return new QueryExecutor({
      instance,
      catalog: {} as Catalog,
      pageSize,
      nowMs: () => nowMs,
      sql: passThroughDialect,
      maxHeldBytes,
      maxFinishedBytes,
    });
  }
  /** Bytes a 3-row result holds: its first 8 KiB segment and 8 KiB of index (row-texts.ts). */
  const SMALL_RESULT = 16 * 1024;
  /** The first page of a 3-row query, one row per page: its rows and its NextToken. */
  async function start(held: QueryExecutor, queryString: string) {
    const page = await held.query({ QueryString: queryString });
    return { rows: page.Rows, nextToken: page.NextToken! };
  }
  async function next(held: QueryExecutor, queryString: string, nextToken: string) {
    const page = await held.query({ QueryString: queryString, NextToken: nextToken });
    return { rows: page.Rows, nextToken: page.NextToken };
  }
  const A = "SELECT 'a' || i FROM range(3) t(i)";
  const B = "SELECT 'b' || i FROM range(3) t(i)";

  test('past the limit, results idle for a minute are dropped and their tokens refused', async () => {
    const held = heldExecutor(1); // any unfinished result is over it
    const a = await start(held, A);
    const b = await start(held, B);
    // Over the limit, but neither is idle: both are served.
    const a2 = await next(held, A, a.nextToken);
    expect(a2.rows).toEqual([{ Data: [{ ScalarValue: 'a1' }] }]);
    nowMs += 30_000;
    const b2 = await next(held, B, b.nextToken);
    expect(b2.rows).toEqual([{ Data: [{ ScalarValue: 'b1' }] }]);
    // A minute after A's last page, B's 30 s: a new result drops A only.
    nowMs += 30_001;
    const c = await start(held, "SELECT 'c' || i FROM range(3) t(i)");
    await expect(next(held, A, a2.nextToken!)).rejects.toThrow(INVALID_TOKEN);
    expect(await next(held, B, b2.nextToken!)).toEqual({
      rows: [{ Data: [{ ScalarValue: 'b2' }] }],
      nextToken: undefined,
    });
    expect((await next(held, "SELECT 'c' || i FROM range(3) t(i)", c.nextToken)).rows).toEqual([
      { Data: [{ ScalarValue: 'c1' }] },
    ]);
    held.close();
  });

  test('under the limit every result is served, and a result stops being held when its tokens expire', async () => {
    const held = heldExecutor(64 * 1024 * 1024);
    const a = await start(held, A);
    const b = await start(held, B);
    expect(held.heldBytes).toBe(2 * SMALL_RESULT);
    const a2 = await next(held, A, a.nextToken);
    expect(a2.rows).toEqual([{ Data: [{ ScalarValue: 'a1' }] }]);
    expect((await next(held, B, b.nextToken)).rows).toEqual([{ Data: [{ ScalarValue: 'b1' }] }]);
    // Idle for an hour, under the limit: still served.
    nowMs += HOUR_MS - 1;
    expect((await next(held, A, a2.nextToken!)).rows).toEqual([{ Data: [{ ScalarValue: 'a2' }] }]);
    nowMs += HOUR_MS + 1;
    await held.query({ QueryString: 'SELECT 1' }); // any call prunes expired tokens
    expect(held.heldBytes).toBe(0);
    held.close();
  });

  test.each([
    { idleMs: 59_999, dropped: false },
    { idleMs: 60_000, dropped: true },
  ])('past the limit, a result idle for $idleMs ms is dropped: $dropped', async (row) => {
    const { idleMs, dropped } = row;
    const held = heldExecutor(1); // any unfinished result is over it
    const a = await start(held, A);
    nowMs += idleMs;
    await start(held, B); // a new result over the limit drops the results idle a minute
    const page = next(held, A, a.nextToken);
    if (dropped) {
      await expect(page).rejects.toThrow(INVALID_TOKEN);
    } else {
      expect((await page).rows).toEqual([{ Data: [{ ScalarValue: 'a1' }] }]);
    }
    held.close();
  });

  test('a last page lets go of the rows before it, and of the rest after five uses', async () => {
    const held = heldExecutor(64 * 1024 * 1024, undefined, 10);
    // Rows of 8029 bytes with their commas go in segments of 8, 16, 32, 64 and 128 KiB holding
    // rows 0, 1-2, 3-6, 7-14 and 15-19 (row-texts.ts), with 8 KiB of index.
    const query = "SELECT repeat('x', 8000) FROM range(20)";
    const first = await held.query({ QueryString: query });
    expect(held.heldBytes).toBe((8 + 16 + 32 + 64 + 128 + 8) * 1024);
    const last = { QueryString: query, NextToken: first.NextToken };
    for (let use = 1; use <= 5; use++) {
      const page = await held.query(last);
      expect([page.Rows.length, page.NextToken]).toEqual([10, undefined]);
      // Rows 0-9 can no longer be asked for: the segments holding only them are let go.
      expect(held.heldBytes).toBe((64 + 128 + 8) * 1024);
    }
    await expect(held.query(last)).rejects.toThrow(INVALID_TOKEN);
    expect(held.heldBytes).toBe(0);
    held.close();
  });

  test('a NextToken serves its page for an hour, then is refused', async () => {
    const held = heldExecutor(64 * 1024 * 1024);
    const a = await start(held, A);
    nowMs += HOUR_MS;
    expect((await next(held, A, a.nextToken)).rows).toEqual([{ Data: [{ ScalarValue: 'a1' }] }]);
    nowMs += 1;
    await expect(next(held, A, a.nextToken)).rejects.toThrow(INVALID_TOKEN);
    held.close();
  });

  test('a NextToken serves its page five times, then is refused', async () => {
    const held = heldExecutor(64 * 1024 * 1024);
    const a = await start(held, A);
    for (let use = 1; use <= 5; use++) {
      expect((await next(held, A, a.nextToken)).rows).toEqual([{ Data: [{ ScalarValue: 'a1' }] }]);
    }
    await expect(next(held, A, a.nextToken)).rejects.toThrow(INVALID_TOKEN);
    held.close();
  });

  test('a finished result larger than the finished limit alone still serves a retry of its last page', async () => {
    const held = heldExecutor(64 * 1024 * 1024, 1);
    const first = await start(held, A);
    const second = await next(held, A, first.nextToken);
    expect(await next(held, A, second.nextToken!)).toEqual({
      rows: [{ Data: [{ ScalarValue: 'a2' }] }],
      nextToken: undefined,
    });
    expect((await next(held, A, second.nextToken!)).rows).toEqual([{ Data: [{ ScalarValue: 'a2' }] }]);
    held.close();
  });

  test('finished results over their own limit are dropped oldest first, unfinished ones kept', async () => {
    const held = heldExecutor(64 * 1024 * 1024, 2 * SMALL_RESULT);
    const query = (name: string) => `SELECT '${name}' || i FROM range(3) t(i)`;
    /** Reads every page of `name`'s query; returns the token of its last page. */
    async function finish(name: string): Promise<string> {
      const first = await start(held, query(name));
      const second = await next(held, query(name), first.nextToken);
      const last = await next(held, query(name), second.nextToken!);
      expect(last).toEqual({ rows: [{ Data: [{ ScalarValue: `${name}2` }] }], nextToken: undefined });
      return second.nextToken!;
    }
    const d = await start(held, query('d')); // never finished
    const a = await finish('a');
    const b = await finish('b');
    expect(held.heldBytes).toBe(3 * SMALL_RESULT);
    // A retry of A's last page makes it the most recently finished.
    expect((await next(held, query('a'), a)).rows).toEqual([{ Data: [{ ScalarValue: 'a2' }] }]);
    const c = await finish('c'); // a third finished result: B, finished longest ago, goes
    expect(held.heldBytes).toBe(3 * SMALL_RESULT);
    await expect(next(held, query('b'), b)).rejects.toThrow(INVALID_TOKEN);
    expect((await next(held, query('a'), a)).rows).toEqual([{ Data: [{ ScalarValue: 'a2' }] }]);
    expect((await next(held, query('c'), c)).rows).toEqual([{ Data: [{ ScalarValue: 'c2' }] }]);
    expect((await next(held, query('d'), d.nextToken)).rows).toEqual([{ Data: [{ ScalarValue: 'd1' }] }]);
    held.close();
  });
});

/** Answers one query with an executor of its own whose dialect is the pass-through one with `overrides`. */
function queryWith(overrides: Partial<SqlDialect>) {
  return async (request: QueryRequest) => {
    const executor = new QueryExecutor({
      instance,
      catalog: {} as Catalog,
      pageSize: 1000,
      nowMs: () => Date.UTC(2026, 0, 1),
      sql: { ...passThroughDialect, ...overrides },
    });
    try {
      return await executor.query(request);
    } finally {
      executor.close();
    }
  };
}

test('a query whose table was dropped while DuckDB ran is refused as a query sent afterwards is', async () => {
  // The first translation finds the table; by the time DuckDB runs the SQL it is gone, and the
  // catalog (the second translation) says so.
  const missing = new StoreError('ValidationException', "line 1:15: Table 'db.gone' does not exist");
  let translations = 0;
  const query = queryWith({
    translateQuery: () => {
      translations += 1;
      if (translations > 1) throw missing;
      return { kind: 'select', sql: 'SELECT * FROM gone' };
    },
  });
  await expect(query({ QueryString: 'SELECT * FROM "db"."gone"' })).rejects.toBe(missing);
});

test("a StoreError the dialect throws while rendering rows is the query's answer as it is", async () => {
  const refusal = new StoreError('ValidationException', 'Value out of range for TIMESTAMP');
  const query = queryWith({
    startTimestreamRendering: () => Promise.reject(refusal),
    mapDuckDbError: () => new StoreError('ValidationException', 'mapped'),
  });
  await expect(query({ QueryString: 'SELECT 1' })).rejects.toBe(refusal);
});

test('renders rows within a page for one row and MAX_RESULT_BYTES for all of them', async () => {
  const given: (RenderLimits | undefined)[] = [];
  const query = queryWith({
    startTimestreamRendering: (_result, limits) => {
      given.push(limits);
      return Promise.reject(new StoreError('ValidationException', 'seen'));
    },
  });
  await expect(query({ QueryString: 'SELECT 1' })).rejects.toMatchObject({ message: 'seen' });
  // A page's frame (QueryId, QueryStatus, NextToken) takes 512 bytes, the row's comma 1.
  expect(given).toEqual([{ pageBytes: MAX_PAGE_BYTES - 513, resultBytes: MAX_RESULT_BYTES }]);
  expect(MAX_RESULT_BYTES).toBe(512 * 1024 * 1024);
});

// Ten billion rows: far slower than any limit or test however fast the machine, yet small to set up;
// as one count (materialized) and as rows the store renders page by page (streamed).
const CROSS_JOIN = 'SELECT count(*) FROM range(100000) a, range(100000) b WHERE (a.range * b.range) % 7 = 3';
const SLOW_QUERIES = [
  { name: 'materialized', sql: passThroughDialect, query: CROSS_JOIN },
  {
    name: 'streamed and rendered',
    sql: { ...SQL_DIALECT, translateQuery: passThroughDialect.translateQuery },
    // An aggregate: its one row comes only once the whole join has run (a query whose rows come as
    // it runs answers its first page with them, the rest streamed as the pages after ask).
    query: `SELECT sum(a.range) FROM range(100000) a, range(100000) b WHERE (a.range * b.range) % 7 = 3`,
  },
];

describe('a query running past its time limit', () => {
  const LIMIT_MS = 200;

  test.each(SLOW_QUERIES)(
    'is refused as $name, and the store answers the next query',
    async ({ sql, query }) => {
      const limited = new QueryExecutor({
        instance,
        catalog: {} as Catalog,
        pageSize: 1000,
        nowMs: () => Date.UTC(2026, 0, 1),
        sql,
        queryTimeoutMs: LIMIT_MS,
      });
      try {
        const slow = limited.query({ QueryString: query });
        // Another query meanwhile has a connection of its own, which the interrupt leaves alone.
        const meanwhile = limited.query({ QueryString: 'SELECT 7' });
        const refusal = await slow.then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(refusal).toBeInstanceOf(StoreError);
        expect(refusal).toMatchObject({
          type: 'QueryExecutionException',
          status: 400,
          message: 'Query aborted as it ran longer than the 0.2 seconds a query may take',
        });
        expect((await meanwhile).Rows).toHaveLength(1);
        expect((await limited.query({ QueryString: 'SELECT 42' })).Rows).toHaveLength(1);
      } finally {
        limited.close();
      }
    },
  );

  test("the limit is Timestream's 60 seconds unless told otherwise", () => {
    expect(QUERY_TIMEOUT_MS).toBe(60_000);
    expect(queryTimedOut(QUERY_TIMEOUT_MS).message).toBe(
      'Query aborted as it ran longer than the 60 seconds a query may take',
    );
  });
});

describe('a query whose caller goes away', () => {
  test.each(SLOW_QUERIES)(
    'is stopped at once as $name, not left running to its time limit',
    async ({ sql, query }) => {
      // A limit far past the abort: what stops the query must be the caller leaving, not the clock.
      const limited = new QueryExecutor({
        instance,
        catalog: {} as Catalog,
        pageSize: 1000,
        nowMs: () => Date.UTC(2026, 0, 1),
        sql,
        queryTimeoutMs: 3000,
      });
      try {
        const gone = new AbortController();
        const started = performance.now();
        const slow = limited.queryRendered({ QueryString: query }, undefined, gone.signal);
        setTimeout(() => gone.abort(), 100);
        const refusal = await slow.then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(refusal).toBeInstanceOf(StoreError);
        expect(refusal).toMatchObject({
          type: 'QueryExecutionException',
          message: 'Query aborted as its caller closed the connection',
        });
        expect(performance.now() - started).toBeLessThan(2000);
        expect((await limited.query({ QueryString: 'SELECT 42' })).Rows).toHaveLength(1);
      } finally {
        limited.close();
      }
    },
  );

  test('one gone while DuckDB starts it renders no more than a few chunks', async () => {
    // stream() resolves only once the sort is done; an interrupt given meanwhile was lost, and
    // every row of the result was still rendered for a caller long gone.
    const streamed = new QueryExecutor({
      instance,
      catalog: {} as Catalog,
      pageSize: 1000,
      nowMs: () => Date.UTC(2026, 0, 1),
      sql: { ...SQL_DIALECT, translateQuery: passThroughDialect.translateQuery },
    });
    const gone = new AbortController();
    const stream = DuckDBConnection.prototype.stream;
    const startThenLeave = jest.spyOn(DuckDBConnection.prototype, 'stream').mockImplementation(function (
      this: DuckDBConnection,
      ...args: Parameters<typeof stream>
    ) {
      const pending = stream.apply(this, args);
      gone.abort();
      return pending;
    });
    const fetches = jest.spyOn(DuckDBResult.prototype, 'fetchChunk');
    try {
      await expect(
        streamed.queryRendered(
          { QueryString: 'SELECT range FROM range(1000000) ORDER BY range DESC' },
          undefined,
          gone.signal,
        ),
      ).rejects.toMatchObject({
        type: 'QueryExecutionException',
        message: 'Query aborted as its caller closed the connection',
      });
      // The whole result is 489 chunks of 2048 rows; DuckDB hands over what it already buffered.
      expect(fetches.mock.calls.length).toBeLessThan(50);
    } finally {
      startThenLeave.mockRestore();
      fetches.mockRestore();
      streamed.close();
    }
  });

  test('one gone while it waits for DuckDB to start it is stopped once it starts', async () => {
    // Under load the query waits in libuv's pool before DuckDB starts it, and DuckDB clears an
    // interrupt as a query starts: the one given at the hang-up was lost, and the aggregate ran
    // until its time limit (3 s), answered as timed out.
    const limited = new QueryExecutor({
      instance,
      catalog: {} as Catalog,
      pageSize: 1000,
      nowMs: () => Date.UTC(2026, 0, 1),
      sql: { ...SQL_DIALECT, translateQuery: passThroughDialect.translateQuery },
      queryTimeoutMs: 3000,
    });
    const gone = new AbortController();
    const stream = DuckDBConnection.prototype.stream;
    const startLate = jest.spyOn(DuckDBConnection.prototype, 'stream').mockImplementation(function (
      this: DuckDBConnection,
      ...args: Parameters<typeof stream>
    ) {
      gone.abort();
      return new Promise((resolve) => setTimeout(resolve, 200)).then(() => stream.apply(this, args));
    });
    try {
      const started = performance.now();
      await expect(
        limited.queryRendered({ QueryString: SLOW_QUERIES[1].query }, undefined, gone.signal),
      ).rejects.toMatchObject({
        type: 'QueryExecutionException',
        message: 'Query aborted as its caller closed the connection',
      });
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      startLate.mockRestore();
    }
    expect((await limited.query({ QueryString: 'SELECT 42' })).Rows).toEqual([
      { Data: [{ ScalarValue: '42' }] },
    ]);
    limited.close();
  });

  test('one gone before it starts is not run', async () => {
    const gone = new AbortController();
    gone.abort();
    await expect(executor.query({ QueryString: CROSS_JOIN }, undefined, gone.signal)).rejects.toMatchObject({
      type: 'QueryExecutionException',
      message: 'Query aborted as its caller closed the connection',
    });
  });
});
