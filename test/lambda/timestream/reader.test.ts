// SPDX-License-Identifier: Apache-2.0
// The dimension catalog's shared DESCRIBE, when several reads need it at once.
import type { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { ConnectorError, ErrorKind } from '../../../lambda/core/errors';
import type { QuerySender } from '../../../lambda/timestream/query-sender';
import {
  DimensionCatalog,
  MAX_COLUMN_REBUILDS,
  MAX_UNCONFIRMED_REFUSALS,
  readQuery,
} from '../../../lambda/timestream/reader';
import { MatcherType } from '../../../lambda/prompb/types';

const TARGET = { database: 'db', table: 'tbl' };

/**
 * A client whose DESCRIBE reads the table's columns when it is sent and answers when `answer()` is
 * called, as a Timestream query does: it can finish after a write added a column. It fails with
 * the SDK's AbortError when its abortSignal aborts.
 */
function describingClient(table: Set<string>) {
  const sent: { signal?: AbortSignal; answer: () => void }[] = [];
  const client = {
    send: (command: QueryCommand, options?: { abortSignal?: AbortSignal }) =>
      new Promise((resolve, reject) => {
        expect(command.input.QueryString).toBe('DESCRIBE "db"."tbl"');
        const columns = [...table];
        const signal = options?.abortSignal;
        signal?.addEventListener('abort', () =>
          reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })),
        );
        sent.push({
          signal,
          answer: () =>
            resolve({
              ColumnInfo: ['Column', 'Type', 'Timestream attribute type'].map((Name) => ({ Name })),
              Rows: columns.map((c) => ({
                Data: [{ ScalarValue: c }, { ScalarValue: 'varchar' }, { ScalarValue: 'DIMENSION' }],
              })),
            }),
        });
      }),
  } as unknown as TimestreamQueryClient;
  return { client, sent };
}

describe('DimensionCatalog with reads at the same time', () => {
  test('a read that joins a DESCRIBE sent before it tries the columns it wants that the DESCRIBE lacks', async () => {
    const table = new Set(['job']);
    const { client, sent } = describingClient(table);
    const catalog = new DimensionCatalog();
    const first = catalog.columns(client, TARGET, ['tag']);
    expect(sent).toHaveLength(1);
    // A write adds `tag` and is acknowledged; a read begun after it joins the DESCRIBE under way.
    table.add('tag');
    const second = catalog.columns(client, TARGET, ['tag']);
    expect(sent).toHaveLength(1);
    sent[0].answer();
    expect(await first).toEqual({ columns: new Set(['job']), unconfirmed: [] });
    expect(await second).toEqual({ columns: new Set(['job']), unconfirmed: ['tag'] });
  });

  test('one read giving up (its client gone) does not fail the others waiting for the DESCRIBE it started', async () => {
    const { client, sent } = describingClient(new Set(['job']));
    const catalog = new DimensionCatalog();
    const gone = new AbortController();
    const first = catalog.columns(client, TARGET, [], gone.signal);
    const second = catalog.columns(client, TARGET, []).catch((e: unknown) => e);
    gone.abort();
    const failure = await first.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect((failure as ConnectorError).kind).toBe(ErrorKind.Retryable);
    expect((failure as ConnectorError).message).toBe(
      'Timestream DESCRIBE failed: AbortError: Request aborted',
    );
    sent[0].answer();
    expect(sent[0].signal?.aborted).toBe(false);
    expect(await second).toEqual({ columns: new Set(['job']), unconfirmed: [] });
  });

  test('the DESCRIBE stops once every read waiting for it gave up, and the next read sends a new one', async () => {
    const { client, sent } = describingClient(new Set(['job']));
    const catalog = new DimensionCatalog();
    const a = new AbortController();
    const b = new AbortController();
    const first = catalog.columns(client, TARGET, [], a.signal).catch((e: unknown) => e);
    const second = catalog.columns(client, TARGET, [], b.signal).catch((e: unknown) => e);
    a.abort();
    expect(sent[0].signal?.aborted).toBe(false);
    b.abort();
    expect(await first).toBeInstanceOf(ConnectorError);
    expect(await second).toBeInstanceOf(ConnectorError);
    expect(sent[0].signal?.aborted).toBe(true);
    const third = catalog.columns(client, TARGET, []);
    expect(sent).toHaveLength(2);
    sent[1].answer();
    expect(await third).toEqual({ columns: new Set(['job']), unconfirmed: [] });
  });
});

describe('DimensionCatalog counting the call of a DESCRIBE every read gave up on', () => {
  /** A client whose DESCRIBE fails with the SDK's AbortError only when `settle()` is called after its abort, as a socket's does. */
  function slowAbortClient() {
    const settles: (() => void)[] = [];
    const client = {
      send: (_command: QueryCommand, options?: { abortSignal?: AbortSignal }) =>
        new Promise((_resolve, reject) => {
          options?.abortSignal?.addEventListener('abort', () =>
            settles.push(() => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }))),
          );
        }),
    } as unknown as TimestreamQueryClient;
    return { client, settle: () => settles.forEach((s) => s()) };
  }
  const recorder = () => {
    const calls: string[] = [];
    const observe = (operation: string, _durationMs: number, outcome: string) =>
      calls.push(`${operation} ${outcome}`);
    return { calls, observe };
  };

  test('the read that stops it is told of the call before it fails, and nobody again once the call settles', async () => {
    const { client, settle } = slowAbortClient();
    const { calls, observe } = recorder();
    const gone = new AbortController();
    const read = new DimensionCatalog().columns(client, TARGET, [], gone.signal, observe).catch((e) => e);
    gone.abort();
    expect(await read).toBeInstanceOf(ConnectorError);
    expect(calls).toEqual(['Query(DESCRIBE) AbortError']);
    settle();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['Query(DESCRIBE) AbortError']);
  });

  test('of two reads sharing it, the last to give up is told, the first not', async () => {
    const { client, settle } = slowAbortClient();
    const [first, last] = [recorder(), recorder()];
    const [a, b] = [new AbortController(), new AbortController()];
    const catalog = new DimensionCatalog();
    const reads = [
      catalog.columns(client, TARGET, [], a.signal, first.observe).catch((e) => e),
      catalog.columns(client, TARGET, [], b.signal, last.observe).catch((e) => e),
    ];
    a.abort();
    b.abort();
    expect(await Promise.all(reads)).toEqual([expect.any(ConnectorError), expect.any(ConnectorError)]);
    settle();
    await new Promise((resolve) => setImmediate(resolve));
    expect([first.calls, last.calls]).toEqual([[], ['Query(DESCRIBE) AbortError']]);
  });
});

describe('DimensionCatalog with reads of two tables at once through one client', () => {
  test('each table gets a DESCRIBE and columns of its own', async () => {
    const tables: Record<string, string[]> = {
      'DESCRIBE "db"."a"': ['job'],
      'DESCRIBE "db"."b"': ['instance'],
    };
    const described: string[] = [];
    const client = {
      send: async (command: QueryCommand) => {
        const sql = command.input.QueryString ?? '';
        described.push(sql);
        return {
          ColumnInfo: ['Column', 'Type', 'Timestream attribute type'].map((Name) => ({ Name })),
          Rows: tables[sql].map((c) => ({
            Data: [{ ScalarValue: c }, { ScalarValue: 'varchar' }, { ScalarValue: 'DIMENSION' }],
          })),
        };
      },
    } as unknown as TimestreamQueryClient;
    const catalog = new DimensionCatalog();
    const read = await Promise.all([
      catalog.columns(client, { database: 'db', table: 'a' }, []),
      catalog.columns(client, { database: 'db', table: 'b' }, []),
    ]);
    expect([described, read]).toEqual([
      ['DESCRIBE "db"."a"', 'DESCRIBE "db"."b"'],
      [
        { columns: new Set(['job']), unconfirmed: [] },
        { columns: new Set(['instance']), unconfirmed: [] },
      ],
    ]);
  });
});

describe('DimensionCatalog around a DESCRIBE that every read gave up on', () => {
  /**
   * Starts a read that gives up at once, and another read from inside the abort of its DESCRIBE:
   * the moment that DESCRIBE is stopped but still listed as under way, until its failure settles.
   */
  async function readDuringAbort() {
    const { client, sent } = describingClient(new Set(['job']));
    const catalog = new DimensionCatalog();
    const gone = new AbortController();
    const first = catalog.columns(client, TARGET, [], gone.signal).catch((e: unknown) => e);
    let during: Promise<unknown> | undefined;
    sent[0].signal!.addEventListener('abort', () => {
      during = catalog.columns(client, TARGET, []).catch((e: unknown) => e);
    });
    gone.abort();
    expect(await first).toBeInstanceOf(ConnectorError);
    return { client, sent, catalog, during: during! };
  }

  test('a read arriving while it is still failing sends a DESCRIBE of its own instead of joining it', async () => {
    const { sent, during } = await readDuringAbort();
    expect(sent.map((s) => s.signal?.aborted)).toEqual([true, false]);
    sent[1].answer();
    expect(await during).toEqual({ columns: new Set(['job']), unconfirmed: [] });
  });

  test('its failure settling does not drop the newer DESCRIBE, which a later read then joins', async () => {
    const { client, sent, catalog, during } = await readDuringAbort();
    const later = catalog.columns(client, TARGET, []);
    expect(sent).toHaveLength(2);
    sent[1].answer();
    expect(await later).toEqual({ columns: new Set(['job']), unconfirmed: [] });
    expect(await during).toEqual({ columns: new Set(['job']), unconfirmed: [] });
  });
});

describe('readQuery when a label is written between DESCRIBE and the query', () => {
  test('a matcher taken as on an absent label is decided again on the columns the result lists', async () => {
    const table = new Set(['job']);
    const { client, sent } = describingClient(table);
    const queries: string[] = [];
    const cell = (v: string | null) => (v === null ? { NullValue: true } : { ScalarValue: v });
    const row = (tag: string | null) => ({
      Data: [cell('2026-01-01 00:00:00.000000000'), cell('m'), cell('1.0'), cell('j'), cell(tag)],
    });
    // DESCRIBE lists `job` only; by the time the SELECT runs, a write has added `tag`.
    const sender = {
      client,
      scannedPage: async (sql: string) => {
        queries.push(sql);
        return {
          ColumnInfo: ['time', 'measure_name', 'measure_value::double', 'job', 'tag'].map((Name) => ({
            Name,
          })),
          Rows: sql.includes('"tag" IS NULL') ? [row(null)] : [row(null), row('v')],
        };
      },
    } as unknown as QuerySender;
    const reading = readQuery(sender, new DimensionCatalog(), TARGET, {
      startTimestampMs: 0,
      endTimestampMs: Date.UTC(2027, 0, 1),
      matchers: [
        { type: MatcherType.EQ, name: '__name__', value: 'm' },
        { type: MatcherType.EQ, name: 'tag', value: '' },
      ],
    });
    await new Promise((resolve) => setImmediate(resolve));
    sent[0].answer();
    const series = await reading;
    expect(series.map((s) => s.labels.map((l) => `${l.name}=${l.value}`))).toEqual([['__name__=m', 'job=j']]);
    expect(queries).toHaveLength(2);
    expect(queries[1]).toContain('"tag" IS NULL');
  });
});

describe('DimensionCatalog over time', () => {
  /** A client answering DESCRIBE at once with `rows` ([column, attribute type]), counting its calls. */
  function answeringClient(
    rows: [string, string][],
    columnNames = ['Column', 'Type', 'Timestream attribute type'],
  ) {
    let calls = 0;
    const client = {
      send: () => {
        calls++;
        return Promise.resolve({
          ColumnInfo: columnNames.map((Name) => ({ Name })),
          Rows: rows.map(([name, kind]) => ({
            Data: columnNames.map((n) => ({
              ScalarValue: n === 'Column' ? name : n === 'Type' ? 'varchar' : kind,
            })),
          })),
        });
      },
    } as unknown as TimestreamQueryClient;
    return { client, calls: () => calls };
  }

  test.each([
    { name: 'fresh entry reused', wanted: [], ageMs: 59_999, describes: 1, unconfirmed: [] },
    {
      name: 'entry read again once the TTL is reached',
      wanted: [],
      ageMs: 60_000,
      describes: 2,
      unconfirmed: [],
    },
    {
      name: 'missing column not read again within the interval',
      wanted: ['tag'],
      ageMs: 999,
      describes: 1,
      unconfirmed: ['tag'],
    },
    {
      name: 'missing column read again at the interval',
      wanted: ['tag'],
      ageMs: 1_000,
      describes: 2,
      unconfirmed: [],
    },
  ])('$name', async ({ wanted, ageMs, describes, unconfirmed }) => {
    let now = 0;
    const { client, calls } = answeringClient([['job', 'DIMENSION']]);
    const catalog = new DimensionCatalog(() => now);
    await catalog.columns(client, TARGET, []);
    now = ageMs;
    expect(await catalog.columns(client, TARGET, wanted)).toEqual({ columns: new Set(['job']), unconfirmed });
    expect(calls()).toBe(describes);
  });

  test('keeps only DIMENSION rows, finding the columns by name in any order', async () => {
    const { client } = answeringClient(
      [
        ['time', 'TIMESTAMP'],
        ['measure_name', 'MEASURE_NAME'],
        ['measure_value::double', 'MEASURE_VALUE'],
        ['job', 'DIMENSION'],
      ],
      ['Timestream attribute type', 'Type', 'Column'],
    );
    expect(await new DimensionCatalog().columns(client, TARGET, [])).toEqual({
      columns: new Set(['job']),
      unconfirmed: [],
    });
  });
});

describe('DimensionCatalog given a DESCRIBE answer Timestream would not send', () => {
  const columnInfo = ['Column', 'Type', 'Timestream attribute type'].map((Name) => ({ Name }));
  const jobRow = { Data: [{ ScalarValue: 'job' }, { ScalarValue: 'varchar' }, { ScalarValue: 'DIMENSION' }] };
  test.each([
    {
      // Paged on, it was sent back as the token of the next call (or looped MAX_PAGES_PER_QUERY times).
      name: 'an empty NextToken',
      answer: { ColumnInfo: columnInfo, Rows: [jobRow], NextToken: '' },
      fault: 'NextToken is empty',
    },
    {
      name: 'a column of null',
      answer: { ColumnInfo: [null, ...columnInfo], Rows: [jobRow] },
      fault: 'ColumnInfo is not a list of columns',
    },
    {
      name: 'a row of null',
      answer: { ColumnInfo: columnInfo, Rows: [null, jobRow] },
      fault: 'Rows is not a list of rows',
    },
    {
      // Taken for a column name, it was a number among the table's dimension names.
      name: 'a cell whose ScalarValue is a number',
      answer: { ColumnInfo: columnInfo, Rows: [{ Data: [{ ScalarValue: 7 }, ...jobRow.Data.slice(1)] }] },
      fault: "a cell's ScalarValue is not a string",
    },
  ])('fails as retryable (503) on $name, after that one call', async ({ answer, fault }) => {
    const answers = [answer, { ColumnInfo: columnInfo, Rows: [jobRow] }];
    let calls = 0;
    const client = {
      send: () => Promise.resolve(answers[calls++]),
    } as unknown as TimestreamQueryClient;
    const failure = await new DimensionCatalog().columns(client, TARGET, []).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConnectorError);
    expect(failure).toMatchObject({
      kind: ErrorKind.Retryable,
      message: `Timestream DESCRIBE answered a malformed page: ${fault}`,
    });
    expect(calls).toBe(1);
  });
});

describe('DimensionCatalog after every read gave up on a DESCRIBE', () => {
  test('the next read sends a new DESCRIBE, which later reads share, and an answered one is not aborted', async () => {
    const { client, sent } = describingClient(new Set(['job']));
    const catalog = new DimensionCatalog();
    const gone = new AbortController();
    const first = catalog.columns(client, TARGET, [], gone.signal).catch((e: unknown) => e);
    gone.abort();
    expect(await first).toBeInstanceOf(ConnectorError);
    const second = catalog.columns(client, TARGET, []);
    expect(sent).toHaveLength(2);
    const third = catalog.columns(client, TARGET, []);
    expect(sent).toHaveLength(2);
    sent[1].answer();
    expect(await second).toEqual({ columns: new Set(['job']), unconfirmed: [] });
    expect(await third).toEqual({ columns: new Set(['job']), unconfirmed: [] });
    expect(sent[1].signal?.aborted).toBe(false);
  });
});

describe('readQuery against a fake Timestream', () => {
  function fakeSender(page: (sql: string) => Promise<unknown>) {
    let describes = 0;
    const queries: string[] = [];
    const client = {
      send: () => {
        describes++;
        return Promise.resolve({
          ColumnInfo: ['Column', 'Type', 'Timestream attribute type'].map((Name) => ({ Name })),
          Rows: [
            { Data: [{ ScalarValue: 'env' }, { ScalarValue: 'varchar' }, { ScalarValue: 'DIMENSION' }] },
          ],
        });
      },
    } as unknown as TimestreamQueryClient;
    const sender = {
      client,
      scannedPage: (sql: string) => {
        queries.push(sql);
        return page(sql);
      },
    } as unknown as QuerySender;
    return { sender, describes: () => describes, queries };
  }
  const QUERY = {
    startTimestampMs: 0,
    endTimestampMs: Date.UTC(2027, 0, 1),
    matchers: [{ type: MatcherType.EQ, name: 'env', value: 'prod' }],
  };

  test('a column Timestream keeps refusing though DESCRIBE lists it: columns read again, query built again, answer empty', async () => {
    const refusal = Object.assign(new Error("Column 'env' does not exist"), { name: 'ValidationException' });
    const { sender, describes, queries } = fakeSender(() => Promise.reject(refusal));
    expect(await readQuery(sender, new DimensionCatalog(), TARGET, QUERY)).toEqual([]);
    expect(describes()).toBe(2);
    expect(queries).toHaveLength(2);
  });

  test('a query with no matchers selects no series and sends nothing, as in Prometheus', async () => {
    const { sender, describes, queries } = fakeSender(() => Promise.reject(new Error('not to be sent')));
    expect(await readQuery(sender, new DimensionCatalog(), TARGET, { ...QUERY, matchers: [] })).toEqual([]);
    expect(describes()).toBe(0);
    expect(queries).toEqual([]);
  });

  test('tells onDuplicateSamples nothing when no sample was left out', async () => {
    const { sender } = fakeSender(() =>
      Promise.resolve({
        ColumnInfo: ['time', 'measure_name', 'measure_value::double', 'env'].map((Name) => ({ Name })),
        Rows: [
          {
            Data: ['2026-01-01 00:00:00.000000000', 'm', '1.0', 'prod'].map((ScalarValue) => ({
              ScalarValue,
            })),
          },
        ],
      }),
    );
    const onDuplicateSamples = jest.fn();
    const series = await readQuery(sender, new DimensionCatalog(), TARGET, QUERY, { onDuplicateSamples });
    expect(series.map((s) => s.labels)).toEqual([
      [
        { name: '__name__', value: 'm' },
        { name: 'env', value: 'prod' },
      ],
    ]);
    expect(onDuplicateSamples).not.toHaveBeenCalled();
  });
});

describe('readQuery when Timestream refuses what a query names', () => {
  const COLUMNS = ['Column', 'Type', 'Timestream attribute type'].map((Name) => ({ Name }));
  const dimensionRow = (name: string) => ({
    Data: [{ ScalarValue: name }, { ScalarValue: 'varchar' }, { ScalarValue: 'DIMENSION' }],
  });
  const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });
  const resultPage = (nextToken?: string) => ({
    ColumnInfo: ['time', 'measure_name', 'measure_value::double', 'env'].map((Name) => ({ Name })),
    Rows: [
      { Data: ['2026-01-01 00:00:00.000000000', 'm', '1.0', 'prod'].map((ScalarValue) => ({ ScalarValue })) },
    ],
    ...(nextToken === undefined ? {} : { NextToken: nextToken }),
  });
  /** A sender whose DESCRIBE lists `dimensions` (or fails with `describeError`) and whose pages are `pages`, in turn. */
  function sender(options: {
    dimensions?: string[];
    describeError?: Error;
    pages?: ((sql: string) => Promise<unknown>)[];
  }) {
    let describes = 0;
    const queries: string[] = [];
    const client = {
      send: () => {
        describes++;
        if (options.describeError) return Promise.reject(options.describeError);
        return Promise.resolve({
          ColumnInfo: COLUMNS,
          Rows: (options.dimensions ?? ['env']).map(dimensionRow),
        });
      },
    } as unknown as TimestreamQueryClient;
    const querySender = {
      client,
      scannedPage: (sql: string) => {
        queries.push(sql);
        const page = options.pages?.[queries.length - 1];
        return page ? page(sql) : Promise.resolve(resultPage());
      },
    } as unknown as QuerySender;
    return { sender: querySender, describes: () => describes, queries };
  }
  const QUERY = {
    startTimestampMs: 0,
    endTimestampMs: Date.UTC(2027, 0, 1),
    matchers: [{ type: MatcherType.EQ, name: 'env', value: 'prod' }],
  };
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (error: ConnectorError) => ({ kind: error.kind, message: error.message }),
    );

  test.each([
    {
      name: 'DESCRIBE answered ResourceNotFoundException: 404 naming the table',
      describeError: awsError('ResourceNotFoundException', 'The table tbl does not exist.'),
    },
    {
      name: 'DESCRIBE answered ValidationException (its well-formed SQL names a missing table): 404 naming the table',
      describeError: awsError('ValidationException', "Table 'tbl' does not exist"),
    },
  ])('$name', async ({ describeError }) => {
    const { sender: s, queries } = sender({ describeError });
    const failure = await failureOf(readQuery(s, new DimensionCatalog(), TARGET, QUERY));
    expect(failure.kind).toBe(ErrorKind.NotFound);
    expect(failure.message).toBe(
      `table "db"."tbl" not found: Timestream DESCRIBE failed: ${describeError.name}: ${describeError.message}`,
    );
    expect(queries).toEqual([]);
  });

  test.each([
    awsError('QueryExecutionException', 'Query aborted as max execution time exceeded'),
    awsError('ServiceQuotaExceededException', 'You have exceeded the maximum number of queries'),
  ])('DESCRIBE answered $name: that refusal (400), not a missing table', async (describeError) => {
    const { sender: s, queries } = sender({ describeError });
    const failure = await failureOf(readQuery(s, new DimensionCatalog(), TARGET, QUERY));
    expect(failure).toEqual({
      kind: ErrorKind.BadRequest,
      message: `Timestream DESCRIBE failed: ${describeError.name}: ${describeError.message}`,
    });
    expect(queries).toEqual([]);
  });

  test('a query refused for its table: 404, and the next query reads the columns again', async () => {
    const refusal = awsError('ValidationException', "Table 'tbl' does not exist");
    const { sender: s, describes, queries } = sender({ pages: [() => Promise.reject(refusal)] });
    const catalog = new DimensionCatalog();
    const failure = await failureOf(readQuery(s, catalog, TARGET, QUERY));
    expect(failure.kind).toBe(ErrorKind.NotFound);
    expect(failure.message).toBe(
      'table "db"."tbl" not found: Timestream Query failed: ValidationException: Table \'tbl\' does not exist',
    );
    expect(await readQuery(s, catalog, TARGET, QUERY)).toHaveLength(1);
    expect([describes(), queries.length]).toEqual([2, 2]);
  });

  test.each([
    {
      name: 'an unknown-column message under another error name is that error (400), not an absent column',
      pages: [() => Promise.reject(awsError('QueryExecutionException', "Column 'env' does not exist"))],
      error: 'QueryExecutionException',
      queries: 1,
    },
    {
      name: 'an unknown-column error on a later page is a 400, not an empty answer',
      pages: [
        () => Promise.resolve(resultPage('page-2')),
        () => Promise.reject(awsError('ValidationException', "Column 'env' does not exist")),
      ],
      error: 'ValidationException',
      queries: 2,
    },
  ])('$name', async ({ pages, error, queries: sent }) => {
    const { sender: s, describes, queries } = sender({ pages });
    const failure = await failureOf(readQuery(s, new DimensionCatalog(), TARGET, QUERY));
    expect(failure.kind).toBe(ErrorKind.BadRequest);
    expect(failure.message).toBe(`Timestream Query failed: ${error}: Column 'env' does not exist`);
    expect([describes(), queries.length]).toEqual([1, sent]);
  });

  test('an empty page with a NextToken is not the end: the next page is read (facts 4.2)', async () => {
    const { sender: s, queries } = sender({
      pages: [
        () => Promise.resolve({ ...resultPage('page-2'), Rows: [] }),
        () => Promise.resolve(resultPage()),
      ],
    });
    const series = await readQuery(s, new DimensionCatalog(), TARGET, QUERY);
    expect(series.map((one) => one.labels)).toEqual([
      [
        { name: '__name__', value: 'm' },
        { name: 'env', value: 'prod' },
      ],
    ]);
    expect(queries).toHaveLength(2);
  });

  test('leaves out refused unconfirmed columns one by one up to MAX_UNCONFIRMED_REFUSALS, then reads the columns again', async () => {
    // Ten labels the table lacks, each matching its absent label, so the query stays live as each
    // is refused; a catalog whose clock never moves keeps them unconfirmed until it is read again.
    const labels = Array.from({ length: 10 }, (_, k) => `l${k}`);
    const refuseFirstUnknown = (sql: string) => {
      const unknown = labels.find((label) => sql.includes(`"${label}"`));
      return unknown === undefined
        ? Promise.resolve(resultPage())
        : Promise.reject(awsError('ValidationException', `Column '${unknown}' does not exist`));
    };
    const { sender: s, describes, queries } = sender({ pages: Array(20).fill(refuseFirstUnknown) });
    const catalog = new DimensionCatalog(() => 0);
    expect(await readQuery(s, catalog, TARGET, QUERY)).toHaveLength(1);
    const query = {
      ...QUERY,
      matchers: [...QUERY.matchers, ...labels.map((name) => ({ type: MatcherType.NEQ, name, value: 'x' }))],
    };
    expect(await readQuery(s, catalog, TARGET, query)).toHaveLength(1);
    // The first read's query; this one's refused for l0, l1 and l2; then, the columns read again,
    // one without them.
    expect([describes(), queries.length]).toEqual([2, 2 + MAX_UNCONFIRMED_REFUSALS + 1]);
    expect(queries[queries.length - 1]).not.toContain('"l');
    expect(MAX_UNCONFIRMED_REFUSALS).toBe(2);
  });

  test('stops building the query again after MAX_COLUMN_REBUILDS, however many labels keep appearing', async () => {
    // Each query's result lists one more of the labels the query took to be absent.
    const withLabels = (count: number) => () =>
      Promise.resolve({
        ColumnInfo: ['time', 'measure_name', 'measure_value::double', 'env', 'l1', 'l2', 'l3', 'l4']
          .slice(0, 4 + count)
          .map((Name) => ({ Name })),
        Rows: [],
      });
    const { sender: s, queries } = sender({ pages: [1, 2, 3, 4, 4].map(withLabels) });
    const query = {
      ...QUERY,
      matchers: [
        QUERY.matchers[0],
        ...['l1', 'l2', 'l3', 'l4'].map((name) => ({ type: MatcherType.EQ, name, value: '' })),
      ],
    };
    expect(await readQuery(s, new DimensionCatalog(), TARGET, query)).toEqual([]);
    expect(queries).toHaveLength(1 + MAX_COLUMN_REBUILDS);
  });

  test.each([
    { name: '__name__ is no column to look for', matcher: '__name__', dimensions: ['env'] },
    {
      name: 'a label is looked for under the dimension it is stored as (time as _time)',
      matcher: 'time',
      dimensions: ['_time'],
    },
  ])(
    'a cached catalog is not read again for a matcher it answers: $name',
    async ({ matcher, dimensions }) => {
      let now = 0;
      const catalog = new DimensionCatalog(() => now);
      const { sender: s, describes } = sender({ dimensions });
      const query = { ...QUERY, matchers: [{ type: MatcherType.EQ, name: matcher, value: 'x' }] };
      await readQuery(s, catalog, TARGET, query);
      now = 2_000; // past the refresh interval, inside the cache's TTL
      await readQuery(s, catalog, TARGET, query);
      expect(describes()).toBe(1);
    },
  );
});
