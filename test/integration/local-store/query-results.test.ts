// SPDX-License-Identifier: Apache-2.0
// Query results through the real SDK over HTTP, as reference/timestream-facts.md 4.2-4.6 gives
// them: each ScalarValue text format, NULL cells, empty results, DESCRIBE and SHOW, the refusals'
// messages, and DescribeEndpoints on the query client.

import { DescribeEndpointsCommand, QueryCommand, type ScalarType } from '@aws-sdk/client-timestream-query';
import { WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import type { LocalStore } from '../../../lambda/local-store';
import { clientsFor, doubleRecord, errorOf, NOW_MS, startTestStore } from './support';

const DB = 'resultsdb';
const TABLE = 'metrics';

let store: LocalStore;
let query: ReturnType<typeof clientsFor>['query'];

beforeAll(async () => {
  store = await startTestStore();
  const clients = clientsFor(store);
  query = clients.query;
  await store.ensureTable(DB, TABLE);
  await clients.write.send(
    new WriteRecordsCommand({
      DatabaseName: DB,
      TableName: TABLE,
      Records: [doubleRecord('h1', '1.5', NOW_MS - 1000), doubleRecord('h2', '40', NOW_MS - 2000)],
    }),
  );
});
afterAll(() => store.close());

const send = (queryString: string) => query.send(new QueryCommand({ QueryString: queryString }));

test.each([
  // facts 4.3, with the examples given there
  {
    name: 'TIMESTAMP with 9 fractional digits',
    expr: 'from_milliseconds(1)',
    type: 'TIMESTAMP',
    text: '1970-01-01 00:00:00.001000000',
  },
  {
    name: 'DOUBLE in Java notation',
    expr: 'to_unixtime(from_milliseconds(1655487883771))',
    type: 'DOUBLE',
    text: '1.6554878837710001E9',
  },
  { name: 'an integral DOUBLE with .0', expr: 'CAST(40 AS double)', type: 'DOUBLE', text: '40.0' },
  { name: 'BIGINT as a plain decimal', expr: 'to_milliseconds(1h)', type: 'BIGINT', text: '3600000' },
  { name: 'INTEGER as a plain decimal', expr: '1', type: 'INTEGER', text: '1' },
  { name: 'BOOLEAN in lower case', expr: '1 = 1', type: 'BOOLEAN', text: 'true' },
  { name: 'DATE', expr: "DATE '2020-08-08'", type: 'DATE', text: '2020-08-08' },
  { name: 'TIME', expr: "CAST('01:00:00' AS time)", type: 'TIME', text: '01:00:00.000000000' },
  {
    name: 'INTERVAL_DAY_TO_SECOND',
    expr: '1d + 21h',
    type: 'INTERVAL_DAY_TO_SECOND',
    text: '1 21:00:00.000000000',
  },
  { name: 'INTERVAL_YEAR_TO_MONTH', expr: '2y + 7month', type: 'INTERVAL_YEAR_TO_MONTH', text: '2-7' },
])('answers $name as its Timestream text', async ({ expr, type, text }) => {
  const result = await send(`SELECT ${expr}`);
  expect([result.ColumnInfo, result.Rows]).toEqual([
    [{ Name: '_col0', Type: { ScalarType: type as ScalarType } }],
    [{ Data: [{ ScalarValue: text }] }],
  ]);
});

test('answers a SQL NULL as {NullValue: true} with no ScalarValue', async () => {
  const result = await send('SELECT CAST(NULL AS varchar), 1');
  expect(result.Rows).toStrictEqual([{ Data: [{ NullValue: true }, { ScalarValue: '1' }] }]);
  expect(result.ColumnInfo?.[0]).toEqual({ Name: '_col0', Type: { ScalarType: 'VARCHAR' } });
});

test('answers an empty result with its ColumnInfo, no rows and no NextToken', async () => {
  const result = await send(`SELECT host FROM ${DB}.${TABLE} WHERE host = 'none'`);
  expect([result.ColumnInfo, result.Rows, result.NextToken]).toEqual([
    [{ Name: 'host', Type: { ScalarType: 'VARCHAR' } }],
    [],
    undefined,
  ]);
});

test('answers DESCRIBE with Column, Type and Timestream attribute type in SELECT * order', async () => {
  const result = await send(`DESCRIBE "${DB}"."${TABLE}"`);
  expect(result.ColumnInfo?.map((c) => [c.Name, c.Type?.ScalarType])).toEqual([
    ['Column', 'VARCHAR'],
    ['Type', 'VARCHAR'],
    ['Timestream attribute type', 'VARCHAR'],
  ]);
  expect(result.Rows?.map((row) => row.Data?.map((d) => d.ScalarValue))).toEqual([
    ['host', 'varchar', 'DIMENSION'],
    ['measure_name', 'varchar', 'MEASURE_NAME'],
    ['time', 'timestamp', 'TIMESTAMP'],
    ['measure_value::double', 'double', 'MEASURE_VALUE'],
  ]);
});

test.each([
  {
    name: 'SHOW DATABASES LIKE',
    queryString: "SHOW DATABASES LIKE 'results%'",
    column: 'Database',
    rows: [DB],
  },
  { name: 'SHOW TABLES FROM', queryString: `SHOW TABLES FROM ${DB}`, column: 'Table', rows: [TABLE] },
  { name: 'SHOW TABLES LIKE', queryString: `SHOW TABLES FROM ${DB} LIKE 'x%'`, column: 'Table', rows: [] },
])('answers $name with one VARCHAR column', async ({ queryString, column, rows }) => {
  const result = await send(queryString);
  expect([result.ColumnInfo, result.Rows]).toEqual([
    [{ Name: column, Type: { ScalarType: 'VARCHAR' } }],
    rows.map((name) => ({ Data: [{ ScalarValue: name }] })),
  ]);
});

test('answers SHOW MEASURES with an ARRAY of ROW(dimension_name, data_type), filtered by LIKE', async () => {
  const varchar = { ScalarType: 'VARCHAR' as const };
  const result = await send(`SHOW MEASURES FROM ${DB}.${TABLE} LIKE 'c%'`);
  expect(result.ColumnInfo).toEqual([
    { Name: 'measure_name', Type: varchar },
    { Name: 'data_type', Type: varchar },
    {
      Name: 'dimensions',
      Type: {
        ArrayColumnInfo: {
          Type: {
            RowColumnInfo: [
              { Name: 'dimension_name', Type: varchar },
              { Name: 'data_type', Type: varchar },
            ],
          },
        },
      },
    },
  ]);
  expect(result.ColumnInfo?.[2]?.Type?.ArrayColumnInfo).not.toHaveProperty('Name');
  expect(result.Rows).toEqual([
    {
      Data: [
        { ScalarValue: 'cpu' },
        { ScalarValue: 'double' },
        { ArrayValue: [{ RowValue: { Data: [{ ScalarValue: 'host' }, { ScalarValue: 'varchar' }] } }] },
      ],
    },
  ]);
  expect((await send(`SHOW MEASURES FROM ${DB}.${TABLE} LIKE 'x%'`)).Rows).toEqual([]);
});

test.each([
  // facts 4.6, with the real message shapes where they are known
  {
    name: 'an unknown column',
    queryString: `SELECT * FROM ${DB}.${TABLE} WHERE vehicleName = 'x'`,
    message: "line 1:39: Column 'vehicleName' does not exist",
  },
  {
    name: 'an unknown database',
    queryString: 'SELECT * FROM abc.sampleDB',
    message: "Requested database 'abc' not found for identifier 'abc.sampleDB' at line 1:15",
  },
  {
    name: 'a syntax error',
    queryString: `SELECT host FROM ${DB}.${TABLE} WHERE`,
    message: 'The query syntax is invalid at line 1:36: WHERE needs an argument',
  },
  {
    name: 'a regex Java cannot compile',
    queryString: `SELECT * FROM ${DB}.${TABLE} WHERE regexp_like(host, '(?P<n>h)')`,
    message: 'Invalid regular expression: Unknown inline modifier near index 2: (?P<n>h)',
  },
  {
    name: 'a row too large for a 1 MB page',
    // 200 x's each replaced by 5000 y's: a 1,000,000-character cell
    queryString: `SELECT replace('${'x'.repeat(200)}', 'x', '${'y'.repeat(5000)}')`,
    message: 'Query aborted as max page response size has been exceeded by the output result row',
  },
  {
    // The pad is cut to one character past a page, so the query fails as it would on Timestream
    // without the store building two gigabytes first (that took ~60 s and 2.3 GB of memory).
    name: 'a cell padded to two billion characters',
    queryString: "SELECT lpad('a', 2000000000, 'x')",
    message: 'Query aborted as max page response size has been exceeded by the output result row',
  },
])('refuses $name as a ValidationException (400)', async ({ queryString, message }) => {
  const error = await errorOf(() => send(queryString));
  expect([error.name, error.message, error.$metadata]).toEqual([
    'ValidationException',
    message,
    expect.objectContaining({ httpStatusCode: 400 }),
  ]);
});

test('answers DescribeEndpoints on the query client with the host:port and a 1440-minute cache period', async () => {
  const answer = await query.send(new DescribeEndpointsCommand({}));
  expect(answer.Endpoints).toEqual([{ Address: `127.0.0.1:${store.port}`, CachePeriodInMinutes: 1440 }]);
});
