// SPDX-License-Identifier: Apache-2.0
// Queries built to make the store's SQL front end or DuckDB work far more than their length, sent
// through the real SDK over HTTP at up to the longest QueryString: each is answered, or refused with
// Timestream's ValidationException naming the limit it passes. (Their time is measured by hand
// and reported with the change, never asserted: SPEC 9.)

import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import type { LocalStore } from '../../../lambda/local-store';
import { clientsFor, doubleRecord, errorOf, NOW_MS, startTestStore } from './support';

const DB = 'hostiledb';
const TABLE = 'metrics';
const LONGEST_QUERY = 262_144;
const PAGE_EXCEEDED = 'Query aborted as max page response size has been exceeded by the output result row';

// Each query costs by design: `*` written 6 000 times takes 1-3 s alone, longer beside other suites.
jest.setTimeout(30_000);

let store: LocalStore;
let query: ReturnType<typeof clientsFor>['query'];

beforeAll(async () => {
  store = await startTestStore();
  const clients = clientsFor(store);
  query = clients.query;
  await store.ensureTable(DB, TABLE);
  const records = [doubleRecord('a', '1', NOW_MS - 2000), doubleRecord('b', '2', NOW_MS - 1000)];
  await clients.write.send(new WriteRecordsCommand({ DatabaseName: DB, TableName: TABLE, Records: records }));
});
afterAll(() => store.close());

const nest = (open: string, inner: string, close: string, depth: number) =>
  open.repeat(depth) + inner + close.repeat(depth);
const tooDeep = (queryString: string, text: string, n: number) => {
  let at = -1;
  for (let k = 0; k < n; k++) at = queryString.indexOf(text, at + 1);
  return `line 1:${at + 1}: expressions nested more than 64 levels deep are not supported by the embedded store`;
};

test.each([
  {
    // Four columns a star: 24 000 columns fit the column limit, and make a row past a page.
    name: '* written 6 000 times',
    queryString: `SELECT ${Array(6000).fill('*').join(', ')} FROM ${DB}.${TABLE}`,
    message: () => PAGE_EXCEEDED,
  },
  {
    name: '* written 80 000 times',
    queryString: `SELECT ${Array(80_000).fill('*').join(', ')} FROM ${DB}.${TABLE}`,
    message: () => PAGE_EXCEEDED,
  },
  {
    name: 'a multiplication chain as long as a query can be',
    queryString: `SELECT 1${' * 1'.repeat((LONGEST_QUERY - 8) / 4)}`,
    message: (q: string) => tooDeep(q, '*', 65),
  },
  {
    name: 'abs() nested as deep as a query can hold',
    queryString: `SELECT ${nest('abs(', '1', ')', (LONGEST_QUERY - 8) / 5)}`,
    message: (q: string) => tooDeep(q, '(', 65),
  },
  {
    name: 'replace() nested, 200 characters by 5000 by 5000',
    queryString: `SELECT replace(replace('${'a'.repeat(200)}', 'a', '${'b'.repeat(5000)}'), 'b', '${'c'.repeat(5000)}')`,
    message: () => PAGE_EXCEEDED,
  },
  {
    name: 'lpad() to a page written as often as a query can hold',
    queryString: `SELECT ${Array(10_000).fill("lpad('', 1000000, 'a')").join(', ')}`,
    message: () =>
      `line 1:${7 + 64 * 24 + 1}: lpad() and rpad() building more than 64000064 characters in one query are not supported by the embedded store`,
  },
  {
    name: 'a lengthening replace() written as often as a query can hold',
    queryString: `SELECT ${Array(9300).fill("replace(host, 'a', 'bb')").join(', ')} FROM ${DB}.${TABLE}`,
    message: () =>
      'The query is too complex for the embedded store: it has more than 1024 calls of replace(), concat() or || that can lengthen strings, or of bin(), ceil(), greatest() and the like nested in one another',
  },
  {
    name: 'regexp_like() with groups nested as deep as a query can hold',
    queryString: `SELECT regexp_like(host, '${nest('(', 'a', ')', (LONGEST_QUERY - 60) / 2)}') FROM ${DB}.${TABLE}`,
    message: () =>
      'Invalid regular expression: Groups and classes nested more than 256 deep are not supported by the embedded store near index 256',
  },
])('refuses $name', async ({ queryString, message }) => {
  expect(queryString.length).toBeLessThanOrEqual(LONGEST_QUERY);
  const error = await errorOf(() => query.send(new QueryCommand({ QueryString: queryString })));
  expect([error.name, error.message, error.$metadata]).toEqual([
    'ValidationException',
    message(queryString),
    expect.objectContaining({ httpStatusCode: 400 }),
  ]);
});

test.each([
  {
    name: 'ceil() nested 62 deep',
    queryString: `SELECT ${nest('ceil(', 'CAST(-0.5 AS double)', ')', 62)}`,
    rows: [{ Data: [{ ScalarValue: '-0.0' }] }],
  },
  {
    // As a regex this backtracked for hours on a name of 60 characters.
    name: 'SHOW DATABASES LIKE with % and a literal part written 87 000 times',
    queryString: `SHOW DATABASES LIKE '${'%o'.repeat(87_000)}%'`,
    rows: [],
  },
])('answers $name', async ({ queryString, rows }) => {
  expect(queryString.length).toBeLessThanOrEqual(LONGEST_QUERY);
  expect((await query.send(new QueryCommand({ QueryString: queryString }))).Rows).toEqual(rows);
});
