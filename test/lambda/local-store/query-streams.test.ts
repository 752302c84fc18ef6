// SPDX-License-Identifier: Apache-2.0
// The query executor streams a result larger than its first page: DuckDB keeps the query open and
// each page renders only the rows it needs, so no result is held whole, and every page is what
// rendering the whole result first would have given.

import { DuckDBInstance, type DuckDBResult } from '@duckdb/node-api';
import {
  MAX_FAILED_TOKENS,
  MAX_OPEN_STREAMS,
  QueryExecutor,
  RENDER_LIMITS,
  STREAM_IDLE_MS,
  resultCutShort,
  type QueryRequest,
  type QueryResponseBody,
  type RenderLimits,
  type ResultRendering,
  type SqlDialect,
} from '../../../lambda/local-store/query-executor';
import { SQL_DIALECT } from '../../../lambda/local-store/sql-dialect';
import { renderTimestreamResult, startTimestreamRendering } from '../../../lambda/local-store/sql/row-text';
import type { Catalog } from '../../../lambda/local-store/schema';
import { passThroughDialect } from './pass-through-dialect';

/** The real renderer over SQL run as written. */
const STREAMING: SqlDialect = { ...SQL_DIALECT, translateQuery: passThroughDialect.translateQuery };
/** The same renderer, rendering every row (within `limits`) before the first page. */
function wholeWithin(limits: RenderLimits): SqlDialect {
  return {
    ...STREAMING,
    startTimestreamRendering: async (result: DuckDBResult) => ({
      ...(await renderTimestreamResult(result, limits)),
      next: async () => false,
    }),
  };
}
const WHOLE = wholeWithin(RENDER_LIMITS);

/** 20 000 rows of ~60 bytes: 20 pages of 1000 rows, ten DuckDB chunks. */
const WIDE = `SELECT range AS n, 'host-' || (range % 97) AS host, range / 7.0 AS v FROM range(20000) ORDER BY range`;

let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
});
afterAll(() => instance.closeSync());

let nowMs = Date.UTC(2026, 0, 1);
function executorWith(sql: SqlDialect, queryTimeoutMs?: number): QueryExecutor {
  return new QueryExecutor({
    instance,
    catalog: {} as Catalog,
    pageSize: 1000,
    nowMs: () => nowMs,
    sql,
    queryTimeoutMs,
  });
}

/** Every page of `request`, in order. */
async function allPages(executor: QueryExecutor, request: QueryRequest): Promise<QueryResponseBody[]> {
  const out: QueryResponseBody[] = [];
  let nextToken: string | undefined;
  do {
    const page = await executor.query({
      ...request,
      ...(nextToken === undefined ? {} : { NextToken: nextToken }),
    });
    out.push(page);
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return out;
}

test('answers every page as rendering the whole result first does, metering it page by page', async () => {
  const streamed = executorWith(STREAMING);
  const whole = executorWith(WHOLE);
  try {
    const pages = await allPages(streamed, { QueryString: WIDE });
    const expected = await allPages(whole, { QueryString: WIDE });
    expect(pages.map((p) => p.Rows)).toEqual(expected.map((p) => p.Rows));
    expect(pages.map((p) => p.Rows.length)).toEqual(Array(20).fill(1000));
    expect(pages[0]!.Rows[0]).toEqual({
      Data: [{ ScalarValue: '0' }, { ScalarValue: 'host-0' }, { ScalarValue: '0.0' }],
    });
    // The whole result's figures on its every page; the streamed one's grow to the same total.
    const total = expected[0]!.QueryStatus;
    expect(expected.every((p) => p.QueryStatus.CumulativeBytesScanned === total.CumulativeBytesScanned)).toBe(
      true,
    );
    const scanned = pages.map((p) => p.QueryStatus.CumulativeBytesScanned);
    expect(scanned[0]).toBeLessThan(total.CumulativeBytesScanned / 4);
    expect(scanned.every((bytes, i) => i === 0 || bytes >= scanned[i - 1]!)).toBe(true);
    expect(pages.at(-1)!.QueryStatus).toEqual(total);
  } finally {
    streamed.close();
    whole.close();
  }
});

test('holds only the pages not yet read, so a result past the bytes one query may hold is read to its end', async () => {
  // A hold limit of 600 kB against a 3 MB result: whole, it is refused; streamed, read in full.
  const limits = { pageBytes: RENDER_LIMITS.pageBytes, resultBytes: 600_000 };
  const small: SqlDialect = {
    ...STREAMING,
    startTimestreamRendering: (result: DuckDBResult) => startTimestreamRendering(result, limits),
  };
  const wholeSmall = wholeWithin(limits);
  const streamed = executorWith(small);
  const whole = executorWith(wholeSmall);
  const query = `SELECT range AS n, repeat('x', 100) AS pad FROM range(20000)`;
  try {
    const pages = await allPages(streamed, { QueryString: query });
    expect(pages.reduce((n, p) => n + p.Rows.length, 0)).toBe(20000);
    expect(pages.at(-1)!.Rows.at(-1)).toEqual({
      Data: [{ ScalarValue: '19999' }, { ScalarValue: 'x'.repeat(100) }],
    });
    await expect(whole.query({ QueryString: query })).rejects.toMatchObject({
      type: 'ValidationException',
      message: 'Query aborted as its result exceeds the 600000 bytes the embedded store holds for one query',
    });
  } finally {
    streamed.close();
    whole.close();
  }
});

/** A million rows whose 500 001st fails to convert: DuckDB has streamed ~250 000 by then. */
const FAILS_MIDWAY = `SELECT CAST(CASE WHEN range > 500000 THEN 'x' ELSE range::VARCHAR END AS BIGINT) AS n FROM range(1000000)`;

test('a result DuckDB ends with an error mid-way is refused on the page that meets it, never answered as whole', async () => {
  const executor = executorWith(STREAMING);
  try {
    const rows: string[] = [];
    let nextToken: string | undefined;
    let refusal: unknown;
    for (;;) {
      try {
        const page = await executor.query({
          QueryString: FAILS_MIDWAY,
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        });
        for (const row of page.Rows) rows.push(row.Data![0]!.ScalarValue!);
        nextToken = page.NextToken;
      } catch (error) {
        refusal = error;
        break;
      }
      // Without the check, the rows before the failure ended with a page without a NextToken.
      expect(nextToken).toBeDefined();
    }
    expect(refusal).toMatchObject({
      type: 'InternalServerException',
      status: 500,
      message: expect.stringMatching(
        /^Internal error in the embedded store: the query failed after \d+ rows of its result, for a reason DuckDB does not report; those rows are not answered as the result$/,
      ),
    });
    // Every row answered before the failure is the query's, in order.
    expect(rows.length).toBeGreaterThan(1000);
    expect(rows.length).toBeLessThanOrEqual(500001);
    expect(rows.every((n, i) => n === String(i))).toBe(true);
    // A retry of the failed page's token (the SDKs resend it after a 500) meets the same failure,
    // not an invalid token; the result itself is dropped, and the executor goes on answering.
    const retry = { QueryString: FAILS_MIDWAY, NextToken: nextToken };
    await expect(executor.query(retry)).rejects.toBe(refusal);
    await expect(executor.query(retry)).rejects.toBe(refusal);
    await expect(executor.query({ ...retry, QueryString: 'SELECT 1' })).rejects.toMatchObject({
      type: 'ValidationException',
      message: 'Invalid pagination token',
    });
    expect((await executor.query({ QueryString: 'SELECT 42' })).Rows).toEqual([
      { Data: [{ ScalarValue: '42' }] },
    ]);
  } finally {
    executor.close();
  }
});

/** The real renderer, whose every result fails at its second chunk, as one DuckDB ends with an error. */
const FAILS_AT_SECOND_CHUNK: SqlDialect = {
  ...STREAMING,
  startTimestreamRendering: async (result: DuckDBResult): Promise<ResultRendering> => {
    const rendering = await startTimestreamRendering(result, RENDER_LIMITS);
    let calls = 0;
    return {
      ...rendering,
      next: async () => {
        if (++calls === 2) throw resultCutShort(rendering.rows.length);
        return rendering.next();
      },
    };
  },
};

test(`remembers the failures of the last ${MAX_FAILED_TOKENS} failed pages' tokens, no more`, async () => {
  const executor = executorWith(FAILS_AT_SECOND_CHUNK);
  const query = 'SELECT range AS n FROM range(5000)';
  try {
    const tokens: string[] = [];
    for (let i = 0; i <= MAX_FAILED_TOKENS; i++) {
      const first = await executor.query({ QueryString: query });
      const second = await executor.query({ QueryString: query, NextToken: first.NextToken });
      const request = { QueryString: query, NextToken: second.NextToken };
      await expect(executor.query(request)).rejects.toMatchObject({ type: 'InternalServerException' });
      tokens.push(second.NextToken!);
    }
    await expect(executor.query({ QueryString: query, NextToken: tokens[0] })).rejects.toMatchObject({
      type: 'ValidationException',
      message: 'Invalid pagination token',
    });
    await expect(executor.query({ QueryString: query, NextToken: tokens[1] })).rejects.toMatchObject({
      type: 'InternalServerException',
      message:
        'Internal error in the embedded store: the query failed after 2048 rows of its result, for a reason DuckDB does not report; those rows are not answered as the result',
    });
  } finally {
    executor.close();
  }
});

test("a failed page's token is invalid to another principal, as its other tokens are", async () => {
  const executor = executorWith(FAILS_AT_SECOND_CHUNK);
  const query = { QueryString: 'SELECT range AS n FROM range(5000)' };
  try {
    const first = await executor.query(query, 'AKIDOWNER');
    const second = await executor.query({ ...query, NextToken: first.NextToken }, 'AKIDOWNER');
    const failed = { ...query, NextToken: second.NextToken };
    await expect(executor.query(failed, 'AKIDOWNER')).rejects.toMatchObject({
      type: 'InternalServerException',
    });
    await expect(executor.query(failed, 'AKIDOTHER')).rejects.toMatchObject({
      type: 'ValidationException',
      message: 'Invalid pagination token',
    });
    await expect(executor.query(failed)).rejects.toMatchObject({
      type: 'ValidationException',
      message: 'Invalid pagination token',
    });
    await expect(executor.query(failed, 'AKIDOWNER')).rejects.toMatchObject({
      type: 'InternalServerException',
    });
  } finally {
    executor.close();
  }
});

test("a failed page's token sent again while the page still rendered meets the same failure", async () => {
  const executor = executorWith(FAILS_AT_SECOND_CHUNK);
  const query = { QueryString: 'SELECT range AS n FROM range(5000)' };
  try {
    const first = await executor.query(query);
    const second = await executor.query({ ...query, NextToken: first.NextToken });
    const failed = { ...query, NextToken: second.NextToken };
    // An SDK resends a page's token when its own timeout ends the first call: the resend waits for
    // the rendering under way, which then fails.
    const outcomes = await Promise.allSettled([executor.query(failed), executor.query(failed)]);
    expect(outcomes.map((o) => o.status === 'rejected' && (o.reason as { type: string }).type)).toEqual([
      'InternalServerException',
      'InternalServerException',
    ]);
  } finally {
    executor.close();
  }
});

test('a result DuckDB ends with an error mid-way is refused when rendered whole too', async () => {
  const executor = executorWith(WHOLE);
  try {
    await expect(executor.query({ QueryString: FAILS_MIDWAY })).rejects.toMatchObject({
      type: 'InternalServerException',
      message: expect.stringContaining('for a reason DuckDB does not report'),
    });
  } finally {
    executor.close();
  }
});

test('a page whose rows do not come within the time limit fails, and the result is dropped: its token is then invalid', async () => {
  let calls = 0;
  // Its second chunk takes longer than the limit (a rendering that ignores the interrupt).
  const slow: SqlDialect = {
    ...STREAMING,
    startTimestreamRendering: async (result: DuckDBResult): Promise<ResultRendering> => {
      const rendering = await startTimestreamRendering(result, RENDER_LIMITS);
      return {
        ...rendering,
        next: async () => {
          if (++calls === 2) await new Promise((resolve) => setTimeout(resolve, 400));
          return rendering.next();
        },
      };
    },
  };
  const executor = executorWith(slow, 200);
  try {
    const first = await executor.query({ QueryString: WIDE });
    // The first chunk (2048 rows) holds the first two pages; the third needs the slow one.
    const second = await executor.query({ QueryString: WIDE, NextToken: first.NextToken });
    expect([first.Rows.length, second.Rows.length, calls]).toEqual([1000, 1000, 1]);
    const request = { QueryString: WIDE, NextToken: second.NextToken };
    await expect(executor.query(request)).rejects.toMatchObject({
      type: 'QueryExecutionException',
      message: 'Query aborted as it ran longer than the 0.2 seconds a query may take',
    });
    await expect(executor.query(request)).rejects.toMatchObject({
      type: 'ValidationException',
      message: 'Invalid pagination token',
    });
    // The executor goes on answering.
    expect((await executor.query({ QueryString: 'SELECT 42' })).Rows).toEqual([
      { Data: [{ ScalarValue: '42' }] },
    ]);
  } finally {
    executor.close();
  }
});

test('a page whose caller goes away stops rendering between chunks and keeps the result for a retry of its token', async () => {
  const executor = executorWith(STREAMING);
  try {
    const first = await executor.query({ QueryString: WIDE });
    const second = await executor.query({ QueryString: WIDE, NextToken: first.NextToken });
    const gone = new AbortController();
    gone.abort();
    // The third page needs the second chunk.
    const request = { QueryString: WIDE, NextToken: second.NextToken };
    await expect(executor.query(request, undefined, gone.signal)).rejects.toMatchObject({
      message: 'Query aborted as its caller closed the connection',
    });
    const third = await executor.query(request);
    expect([third.Rows.length, third.Rows[0]]).toEqual([
      1000,
      { Data: [{ ScalarValue: '2000' }, { ScalarValue: 'host-60' }, { ScalarValue: '285.7142857142857' }] },
    ]);
  } finally {
    executor.close();
  }
});

test(`streams at most ${MAX_OPEN_STREAMS} results at once; a query past them renders its whole result first`, async () => {
  const executor = executorWith(STREAMING);
  try {
    const firsts: QueryResponseBody[] = [];
    for (let i = 0; i < MAX_OPEN_STREAMS + 1; i++) firsts.push(await executor.query({ QueryString: WIDE }));
    const scanned = firsts.map((p) => p.QueryStatus.CumulativeBytesScanned);
    const total = (await allPages(executorWith(WHOLE), { QueryString: WIDE }))[0]!.QueryStatus
      .CumulativeBytesScanned;
    expect(scanned.map((bytes) => bytes === total)).toEqual([...Array(MAX_OPEN_STREAMS).fill(false), true]);
    // Read to its end, a stream makes room for the next query's.
    let page = firsts[0]!;
    while (page.NextToken !== undefined)
      page = await executor.query({ QueryString: WIDE, NextToken: page.NextToken });
    const next = await executor.query({ QueryString: WIDE });
    expect(next.QueryStatus.CumulativeBytesScanned).toBeLessThan(total);
  } finally {
    executor.close();
  }
});

test(`drops a result whose next page was not asked for in ${STREAM_IDLE_MS / 1000} s: its token is then invalid`, async () => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  const executor = executorWith(STREAMING);
  try {
    const first = await executor.query({ QueryString: WIDE });
    const kept = await executor.query({ QueryString: WIDE });
    nowMs += STREAM_IDLE_MS / 2;
    // Asked for within the minute, it stays; the one asked nothing since goes.
    const keptSecond = await executor.query({ QueryString: WIDE, NextToken: kept.NextToken });
    nowMs += STREAM_IDLE_MS / 2 + 1;
    await jest.advanceTimersByTimeAsync(STREAM_IDLE_MS / 4);
    await expect(executor.query({ QueryString: WIDE, NextToken: first.NextToken })).rejects.toMatchObject({
      type: 'ValidationException',
      message: 'Invalid pagination token',
    });
    const keptThird = await executor.query({ QueryString: WIDE, NextToken: keptSecond.NextToken });
    expect(keptThird.Rows[0]).toEqual({
      Data: [{ ScalarValue: '2000' }, { ScalarValue: 'host-60' }, { ScalarValue: '285.7142857142857' }],
    });
  } finally {
    executor.close();
    jest.useRealTimers();
  }
});

/** `instance` with the connections it opened and has not closed counted in `open.count`. */
function countingConnections(): { instance: DuckDBInstance; open: { count: number } } {
  const open = { count: 0 };
  const counting = {
    connect: async () => {
      const connection = await instance.connect();
      open.count += 1;
      const closeSync = connection.closeSync.bind(connection);
      connection.closeSync = () => {
        open.count -= 1;
        closeSync();
      };
      return connection;
    },
  } as unknown as DuckDBInstance;
  return { instance: counting, open };
}

test('a first page answered after close() leaves no connection open', async () => {
  const { instance: counting, open } = countingConnections();
  const executor = new QueryExecutor({
    instance: counting,
    catalog: {} as Catalog,
    pageSize: 1000,
    nowMs: () => nowMs,
    sql: STREAMING,
  });
  const first = executor.query({ QueryString: WIDE });
  // The query is under way (its connection open) when the executor closes.
  await new Promise((resolve) => setImmediate(resolve));
  executor.close();
  const page = await first;
  // Answered as before streaming: rendered whole, its connection closed.
  expect([page.Rows.length, open.count]).toEqual([1000, 0]);
});

test('a page of a token superseded while it rendered is refused, and the later token answered', async () => {
  const executor = new QueryExecutor({
    instance,
    catalog: {} as Catalog,
    pageSize: 5000,
    nowMs: () => nowMs,
    sql: STREAMING,
  });
  try {
    // With MaxRows the first page is empty: its token is for the rows from 0.
    const first = await executor.query({ QueryString: WIDE, MaxRows: 1000 });
    const early = await executor.query({ QueryString: WIDE, NextToken: first.NextToken, MaxRows: 10 });
    // The first token again, for a page that needs more chunks, while the token after it is used:
    // that one releases the rows the first page starts with while it renders.
    const [retry, later] = await Promise.allSettled([
      executor.query({ QueryString: WIDE, NextToken: first.NextToken }),
      executor.query({ QueryString: WIDE, NextToken: early.NextToken, MaxRows: 10 }),
    ]);
    expect(retry).toMatchObject({
      status: 'rejected',
      reason: { type: 'ValidationException', message: 'Invalid pagination token' },
    });
    expect(later.status).toBe('fulfilled');
    const page = (later as PromiseFulfilledResult<QueryResponseBody>).value;
    expect([page.Rows.length, page.Rows[0]]).toEqual([
      10,
      { Data: [{ ScalarValue: '10' }, { ScalarValue: 'host-10' }, { ScalarValue: '1.4285714285714286' }] },
    ]);
    // The result goes on to its end.
    let rows = page.Rows.length;
    let next = page.NextToken;
    while (next !== undefined) {
      const more = await executor.query({ QueryString: WIDE, NextToken: next });
      rows += more.Rows.length;
      next = more.NextToken;
    }
    expect(rows).toBe(20000 - 10);
  } finally {
    executor.close();
  }
});
