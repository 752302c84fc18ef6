// SPDX-License-Identifier: Apache-2.0
// Query through the real SDK over HTTP: result shapes of simple queries, NextToken paging with the
// SDK paginator, MaxRows, and pagination-token rules.

import { QueryCommand, paginateQuery, type QueryCommandOutput } from '@aws-sdk/client-timestream-query';
import { WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalStore } from '../../../lambda/local-store';
import { StoreEngine } from '../../../lambda/local-store/engine';
import { createStoreServer } from '../../../lambda/local-store/server';
import { passThroughDialect } from '../../lambda/local-store/pass-through-dialect';
import { clientsFor, doubleRecord, errorOf, NOW_MS, startTestStore, WELL_FORMED_AUTH } from './support';

const DB = 'querydb';
const TABLE = 'metrics';
const ROWS = 17;
const PAGE_SIZE = 3;

let store: LocalStore;
let query: ReturnType<typeof clientsFor>['query'];

beforeAll(async () => {
  store = await startTestStore({ pageSize: PAGE_SIZE });
  const clients = clientsFor(store);
  query = clients.query;
  await store.ensureTable(DB, TABLE);
  const records = Array.from({ length: ROWS }, (_, i) =>
    doubleRecord(i % 2 === 0 ? 'even' : 'odd', String(i), NOW_MS - (ROWS - i) * 1000),
  );
  await clients.write.send(new WriteRecordsCommand({ DatabaseName: DB, TableName: TABLE, Records: records }));
});
afterAll(() => store.close());

test('answers SELECT count() with one BIGINT column _col0', async () => {
  const result = await query.send(new QueryCommand({ QueryString: `SELECT count() FROM ${DB}.${TABLE}` }));
  expect(result.ColumnInfo).toEqual([{ Name: '_col0', Type: { ScalarType: 'BIGINT' } }]);
  expect(result.Rows).toEqual([{ Data: [{ ScalarValue: String(ROWS) }] }]);
  expect(result.QueryId).toMatch(/^[A-Za-z0-9]{1,64}$/);
  expect(result.NextToken).toBeUndefined();
  expect(result.QueryStatus?.ProgressPercentage).toBe(100);
});

test('divides integers with truncation, as Timestream does (count() / 2 over 17 rows is 8)', async () => {
  const result = await query.send(
    new QueryCommand({ QueryString: `SELECT count() / 2, count() / 2.0 FROM ${DB}.${TABLE}` }),
  );
  expect(result.Rows).toEqual([{ Data: [{ ScalarValue: '8' }, { ScalarValue: '8.5' }] }]);
});

test('answers SELECT * with dimensions, measure_name, time and the double column, filtered on a dimension', async () => {
  const result = await query.send(
    new QueryCommand({
      QueryString: `SELECT * FROM "${DB}"."${TABLE}" WHERE host = 'odd' AND time = from_milliseconds(${NOW_MS - 16_000})`,
    }),
  );
  expect(result.ColumnInfo?.map((c) => [c.Name, c.Type?.ScalarType])).toEqual([
    ['host', 'VARCHAR'],
    ['measure_name', 'VARCHAR'],
    ['time', 'TIMESTAMP'],
    ['measure_value::double', 'DOUBLE'],
  ]);
  expect(result.Rows).toEqual([
    {
      Data: [
        { ScalarValue: 'odd' },
        { ScalarValue: 'cpu' },
        { ScalarValue: '2025-12-31 23:59:44.000000000' },
        { ScalarValue: '1.0' },
      ],
    },
  ]);
});

test('pages a large result over six pages with the SDK paginator, each follow-up keyed on NextToken', async () => {
  const pages: QueryCommandOutput[] = [];
  for await (const page of paginateQuery(
    { client: query },
    { QueryString: `SELECT * FROM "${DB}"."${TABLE}" ORDER BY time` },
  ))
    pages.push(page);
  expect(pages.map((p) => p.Rows?.length)).toEqual([3, 3, 3, 3, 3, 2]);
  const values = pages.flatMap((p) => p.Rows ?? []).map((row) => row.Data?.[3].ScalarValue);
  expect(values).toEqual(Array.from({ length: ROWS }, (_, i) => `${i}.0`));
  expect(new Set(pages.map((p) => p.QueryId)).size).toBe(1);
});

test('honours a MaxRows smaller than the page size, after a first answer of only a NextToken', async () => {
  // The model's MaxRows doc: a first call with MaxRows whose result has that many rows or more
  // answers only a NextToken; the rows come on the calls that send it.
  const queryString = `SELECT * FROM ${DB}.${TABLE}`;
  const first = await query.send(new QueryCommand({ QueryString: queryString, MaxRows: 2 }));
  const second = await query.send(
    new QueryCommand({ QueryString: queryString, MaxRows: 2, NextToken: first.NextToken }),
  );
  expect([first.Rows, typeof first.NextToken, second.Rows?.length, typeof second.NextToken]).toEqual([
    [],
    'string',
    2,
    'string',
  ]);
});

test.each([
  {
    name: 'MaxRows 0',
    input: { MaxRows: 0 },
    message:
      "1 validation error detected: Value '0' at 'maxRows' failed to satisfy constraint: Member must have value between 1 and 1000",
  },
  {
    name: 'MaxRows 1001',
    input: { MaxRows: 1001 },
    message:
      "1 validation error detected: Value '1001' at 'maxRows' failed to satisfy constraint: Member must have value between 1 and 1000",
  },
  {
    name: 'an unknown NextToken',
    input: { NextToken: 'bm90LWEtdG9rZW4' },
    message: 'Invalid pagination token',
  },
])('refuses $name', async ({ input, message }) => {
  const error = await errorOf(() =>
    query.send(new QueryCommand({ QueryString: `SELECT * FROM ${DB}.${TABLE}`, ...input })),
  );
  expect([error.name, error.message, error.$metadata]).toEqual([
    'ValidationException',
    message,
    expect.objectContaining({ httpStatusCode: 400 }),
  ]);
});

test('refuses a NextToken sent with another QueryString, after five uses, and once a later token was used', async () => {
  const queryString = `SELECT * FROM ${DB}.${TABLE}`;
  const first = await query.send(new QueryCommand({ QueryString: queryString }));
  const other = await errorOf(() =>
    query.send(new QueryCommand({ QueryString: `${queryString} `, NextToken: first.NextToken })),
  );
  expect(other.message).toBe('Invalid pagination token');
  let second: QueryCommandOutput | undefined;
  for (let use = 0; use < 5; use += 1)
    second = await query.send(new QueryCommand({ QueryString: queryString, NextToken: first.NextToken }));
  const sixth = await errorOf(() =>
    query.send(new QueryCommand({ QueryString: queryString, NextToken: first.NextToken })),
  );
  expect(sixth.message).toBe('Invalid pagination token');
  await query.send(new QueryCommand({ QueryString: queryString, NextToken: second?.NextToken }));
  const stale = await query.send(new QueryCommand({ QueryString: queryString })).then((fresh) =>
    query
      .send(new QueryCommand({ QueryString: queryString, NextToken: fresh.NextToken }))
      .then(async (next) => {
        await query.send(new QueryCommand({ QueryString: queryString, NextToken: next.NextToken }));
        return errorOf(() =>
          query.send(new QueryCommand({ QueryString: queryString, NextToken: fresh.NextToken })),
        );
      }),
  );
  expect(stale.message).toBe('Invalid pagination token');
});

test.each([
  // reference/timestream-facts.md 4.2: 10 MB metered at least for a SELECT, even of constants,
  // which scan nothing (grafana fixture select-consts.json: 0 scanned, 10 000 000 metered);
  // nothing scanned or metered for SHOW and DESCRIBE (grafana fixtures show-tables.json, show-measures.json).
  { name: 'a constant SELECT', queryString: 'SELECT 1', scanned: 0, metered: 10_000_000 },
  {
    name: 'a SELECT over a table',
    queryString: `SELECT count() FROM ${DB}.${TABLE}`,
    scanned: expect.any(Number) as number,
    metered: 10_000_000,
  },
  { name: 'SHOW DATABASES', queryString: 'SHOW DATABASES', scanned: 0, metered: 0 },
  { name: 'SHOW TABLES', queryString: `SHOW TABLES FROM ${DB}`, scanned: 0, metered: 0 },
  { name: 'SHOW MEASURES', queryString: `SHOW MEASURES FROM ${DB}.${TABLE}`, scanned: 0, metered: 0 },
  { name: 'DESCRIBE', queryString: `DESCRIBE ${DB}.${TABLE}`, scanned: 0, metered: 0 },
])('meters $metered bytes for $name', async ({ queryString, scanned, metered }) => {
  const result = await query.send(new QueryCommand({ QueryString: queryString }));
  expect(result.QueryStatus).toEqual({
    ProgressPercentage: 100,
    CumulativeBytesScanned: scanned,
    CumulativeBytesMetered: metered,
  });
});

test.each([
  // reference/timestream-facts.md 4.1: QueryString is 1 to 262144 characters long
  { name: 'a QueryString of 262144 characters', length: 262_144, refused: false },
  { name: 'a QueryString of 262145 characters', length: 262_145, refused: true },
])('answers $name, refused: $refused', async ({ length, refused }) => {
  const queryString = `SELECT 1 --`.padEnd(length, 'x');
  const answer = query.send(new QueryCommand({ QueryString: queryString }));
  if (refused) {
    const error = await errorOf(() => answer);
    expect([error.name, error.$metadata]).toEqual([
      'ValidationException',
      expect.objectContaining({ httpStatusCode: 400 }),
    ]);
  } else {
    expect((await answer).Rows).toEqual([{ Data: [{ ScalarValue: '1' }] }]);
  }
});

test('pages on the NextToken whatever ClientToken each call carries, as the SDKs send a fresh one', async () => {
  const queryString = `SELECT * FROM ${DB}.${TABLE} ORDER BY time`;
  const first = await query.send(
    new QueryCommand({ QueryString: queryString, ClientToken: 'a'.repeat(32), MaxRows: 10 }),
  );
  const second = await query.send(
    new QueryCommand({
      QueryString: queryString,
      ClientToken: 'b'.repeat(32),
      NextToken: first.NextToken,
      MaxRows: 10,
    }),
  );
  expect([first.Rows?.length, second.Rows?.length, second.NextToken, second.QueryId]).toEqual([
    0,
    3,
    expect.any(String),
    first.QueryId,
  ]);
});

test('refuses a NextToken sent by another principal (access key) than the one that ran the query', async () => {
  // The Query reference: a result reader whose IAM principal is not the query initiator's gets
  // `Invalid pagination token`; the store knows principals by their access key ids.
  const queryString = `SELECT * FROM ${DB}.${TABLE}`;
  const first = await query.send(new QueryCommand({ QueryString: queryString }));
  const other = clientsFor(store, { accessKeyId: 'AKIDOTHERREADER', secretAccessKey: 'other' }).query;
  const refused = await errorOf(() =>
    other.send(new QueryCommand({ QueryString: queryString, NextToken: first.NextToken })),
  );
  expect([refused.name, refused.message, refused.$metadata]).toEqual([
    'ValidationException',
    'Invalid pagination token',
    expect.objectContaining({ httpStatusCode: 400 }),
  ]);
  const own = await query.send(new QueryCommand({ QueryString: queryString, NextToken: first.NextToken }));
  expect(own.Rows).toHaveLength(PAGE_SIZE);
});

test('answers a query sent with QueryInsights disabled as without it', async () => {
  const result = await query.send(
    new QueryCommand({
      QueryString: `SELECT count() FROM ${DB}.${TABLE}`,
      QueryInsights: { Mode: 'DISABLED' },
    }),
  );
  expect(result.Rows).toEqual([{ Data: [{ ScalarValue: String(ROWS) }] }]);
});

test('stops a query whose caller hangs up, rather than running it to its time limit', async () => {
  const lines: Record<string, unknown>[] = [];
  // A limit far past the hang-up: what ends the query must be the caller leaving, not the clock.
  // The pass-through dialect lets DuckDB's own SQL through: ten billion rows, far slower than the
  // test however fast the machine.
  const engine = await StoreEngine.open({
    dataDir: ':memory:',
    nowMs: () => NOW_MS,
    sql: passThroughDialect,
    queryTimeoutMs: 20_000,
  });
  const { server, close } = createStoreServer(engine, { log: (line) => lines.push(line) });
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const sent = request(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'Timestream_20181101.Query',
        'x-amz-date': '20260101T000000Z',
        authorization: WELL_FORMED_AUTH,
      },
    });
    sent.on('error', () => undefined);
    sent.end(
      JSON.stringify({
        QueryString:
          'SELECT count(*) FROM range(100000) a, range(100000) b WHERE (a.range * b.range) % 7 = 3',
      }),
    );
    setTimeout(() => sent.destroy(), 200);
    const deadline = Date.now() + 5000;
    while (lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(lines).toEqual([
      expect.objectContaining({ operation: 'Query', error: 'ClientClosedRequest', status: undefined }),
    ]);
  } finally {
    await close(0);
    await engine.close();
  }
}, 30_000);
