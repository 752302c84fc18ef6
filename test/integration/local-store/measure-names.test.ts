// SPDX-License-Identifier: Apache-2.0
// Timestream's limit of 8192 unique measure names per table, through the real SDK over HTTP: a
// record bringing one name too many is rejected alone, names already in the table stay writable,
// the count survives a restart, and each table counts its own.

import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { WriteRecordsCommand, type _Record } from '@aws-sdk/client-timestream-write';
import type { LocalStore } from '../../../lambda/local-store';
import { MAX_MEASURE_NAMES_PER_TABLE } from '../../../lambda/local-store/write-records';
import { clientsFor, doubleRecord, errorOf, NOW_MS, startTestStore, tempDataDir } from './support';

const DB = 'namesdb';
const TABLE = 'metrics';
const OTHER_TABLE = 'other_metrics';
const REASON = 'The record would exceed the maximum of 8192 unique measure names per table.';
/** Names the table holds before each test's own: two short of the limit. */
const FILLED = MAX_MEASURE_NAMES_PER_TABLE - 2;

const dataDir = tempDataDir();
let store: LocalStore;

const record = (measureName: string, host: string, timeMs = NOW_MS - 1000): _Record =>
  doubleRecord(host, '1', timeMs, { MeasureName: measureName });

function send(Records: _Record[], tableName = TABLE) {
  return clientsFor(store).write.send(
    new WriteRecordsCommand({ DatabaseName: DB, TableName: tableName, Records }),
  );
}

async function series(names: readonly string[]): Promise<string[][]> {
  const list = names.map((n) => `'${n}'`).join(', ');
  const result = await clientsFor(store).query.send(
    new QueryCommand({
      QueryString: `SELECT measure_name, host FROM "${DB}"."${TABLE}" WHERE measure_name IN (${list}) ORDER BY measure_name, host`,
    }),
  );
  return (result.Rows ?? []).map((row) => (row.Data ?? []).map((d) => d.ScalarValue ?? ''));
}

beforeAll(async () => {
  store = await startTestStore({ dataDir });
  await store.ensureTable(DB, TABLE);
  await store.ensureTable(DB, OTHER_TABLE);
  const names = Array.from({ length: FILLED }, (_, i) => `m${String(i).padStart(4, '0')}`);
  for (let from = 0; from < names.length; from += 100)
    await send(names.slice(from, from + 100).map((name) => record(name, 'h')));
}, 60_000);
afterAll(() => store.close());

test('the names that fit are written and a record bringing one more is rejected alone', async () => {
  // Two new names fit (a and b, a on two series); c is one too many, on both of its series.
  const error = await errorOf(() =>
    send([
      record('a', 'x'),
      record('a', 'y'),
      record('b', 'x'),
      record('c', 'x'),
      record('c', 'y'),
      record('m0000', 'new'),
    ]),
  );
  expect(error.name).toBe('RejectedRecordsException');
  expect(error.RejectedRecords).toEqual([
    { RecordIndex: 3, Reason: REASON },
    { RecordIndex: 4, Reason: REASON },
  ]);
  expect(await series(['a', 'b', 'c', 'm0000'])).toEqual([
    ['a', 'x'],
    ['a', 'y'],
    ['b', 'x'],
    ['m0000', 'h'],
    ['m0000', 'new'],
  ]);
});

test('at the limit, known names take new series and samples while a new name is rejected', async () => {
  const accepted = await send([record('a', 'z'), record('m0001', 'h', NOW_MS - 500)]);
  expect(accepted.RecordsIngested).toEqual({ Total: 2, MemoryStore: 2, MagneticStore: 0 });
  const error = await errorOf(() => send([record('b', 'z'), record('d', 'x')]));
  expect(error.RejectedRecords).toEqual([{ RecordIndex: 1, Reason: REASON }]);
  expect(await series(['a', 'b', 'd'])).toEqual([
    ['a', 'x'],
    ['a', 'y'],
    ['a', 'z'],
    ['b', 'x'],
    ['b', 'z'],
  ]);
});

test('the count is the table’s own', async () => {
  const result = await send([record('d', 'x')], OTHER_TABLE);
  expect(result.RecordsIngested?.Total).toBe(1);
});

test('the count survives a restart of the store', async () => {
  await store.close();
  store = await startTestStore({ dataDir });
  const error = await errorOf(() => send([record('e', 'x'), record('b', 'w')]));
  expect(error.RejectedRecords).toEqual([{ RecordIndex: 0, Reason: REASON }]);
  expect(await series(['b', 'e'])).toEqual([
    ['b', 'w'],
    ['b', 'x'],
    ['b', 'z'],
  ]);
});
