// SPDX-License-Identifier: Apache-2.0
// The table writer's groups in-process (DuckDB in memory): a group that fails part way leaves no
// row in any of the table's physical tables, and the newest time it knows per series never goes
// back, so later duplicates are still found.

import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STORE_FILE_NAME, StoreEngine } from '../../../lambda/local-store/engine';
import { doublesTableName, seriesTableName } from '../../../lambda/local-store/schema';
import { TableWriter } from '../../../lambda/local-store/write-records';
import { passThroughDialect } from './pass-through-dialect';

const NOW = Date.UTC(2026, 0, 1);
const DB = 'groupdb';
const EQUAL_VERSION_REASON =
  'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.';

const record = (host: string, value: string, timeMs: number, version?: number) => ({
  Dimensions: [{ Name: 'host', Value: host }],
  MeasureName: 'cpu',
  MeasureValue: value,
  Time: String(timeMs),
  ...(version === undefined ? {} : { Version: version }),
});

let engine: StoreEngine;
beforeAll(async () => {
  engine = await StoreEngine.open({
    dataDir: ':memory:',
    nowMs: () => NOW,
    pageSize: 1000,
    sql: passThroughDialect,
  });
});
afterAll(() => engine.close());

const writeTo = (table: string, records: object[]) =>
  engine.handle('WriteRecords', { DatabaseName: DB, TableName: table, Records: records });
const rowsOf = async (sql: string) =>
  (
    (await engine.handle('Query', { QueryString: sql })) as { Rows: { Data: { ScalarValue: string }[] }[] }
  ).Rows.map((row) => row.Data.map((d) => d.ScalarValue));
/** Every stored (host, time, DOUBLE value) of `table`, through its view. */
const stored = (table: string) =>
  rowsOf(`SELECT host, epoch_ms(time), "measure_value::double" FROM ${DB}.${table} ORDER BY host, time`);

describe('a group that fails part way', () => {
  type Step = 'appendRows' | 'appendSamples';
  test.each([
    {
      name: 'with a new series, failing after its $series row was appended',
      fail: 'appendRows' as Step,
      group: [record('fresh', '1', NOW - 10)],
      series: 2,
    },
    {
      name: 'of a known series, into $doubles and $samples, failing in $samples',
      fail: 'appendSamples' as Step,
      group: [record('known', '2', NOW - 10), record('known', '3', NOW - 5, 2)],
      series: 1,
    },
  ])('$name leaves no row of it', async ({ name, fail, group, series }) => {
    const table = `t${name.length}`;
    await engine.ensureTable(DB, table);
    await writeTo(table, [record('known', '0', NOW - 100)]);
    const step = jest
      .spyOn(TableWriter.prototype as unknown as Record<Step, () => Promise<void>>, fail)
      .mockRejectedValueOnce(new Error('disk full'));
    try {
      await expect(writeTo(table, group)).rejects.toThrow('disk full');
    } finally {
      step.mockRestore();
    }
    expect(await stored(table)).toEqual([['known', String(NOW - 100), '0']]);
    expect(await rowsOf(`SELECT count(*) FROM ${seriesTableName(DB, table)}`)).toEqual([['1']]);
    // The group again is new, not an identical re-write of rows that were never committed.
    await expect(writeTo(table, group)).resolves.toMatchObject({
      RecordsIngested: { Total: group.length },
    });
    expect(await rowsOf(`SELECT count(*), count(DISTINCT ts_id) FROM ${seriesTableName(DB, table)}`)).toEqual(
      [[String(series), String(series)]],
    );
  });
});

test('a group whose times of one known series go back in time still finds duplicates at its newest', async () => {
  await engine.ensureTable(DB, 'backwards');
  await writeTo('backwards', [record('b', '1', NOW - 100)]);
  await writeTo('backwards', [record('b', '3', NOW - 30), record('b', '2', NOW - 60)]);
  await expect(writeTo('backwards', [record('b', '4', NOW - 30)])).rejects.toMatchObject({
    members: { RejectedRecords: [{ RecordIndex: 0, Reason: EQUAL_VERSION_REASON }] },
  });
  expect(await stored('backwards')).toEqual([
    ['b', String(NOW - 100), '1'],
    ['b', String(NOW - 60), '2'],
    ['b', String(NOW - 30), '3'],
  ]);
});

test('a reopened table gives a new series an id past the largest stored one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'write-records-test-'));
  const open = () => StoreEngine.open({ dataDir: dir, nowMs: () => NOW, sql: passThroughDialect });
  const hostsBySeriesId = async (store: StoreEngine) =>
    (
      (await store.handle('Query', {
        QueryString: `SELECT ts_id, host FROM ${seriesTableName(DB, 'reopened')} ORDER BY ts_id`,
      })) as { Rows: { Data: { ScalarValue: string }[] }[] }
    ).Rows.map((row) => row.Data.map((d) => d.ScalarValue));
  const write = (store: StoreEngine, records: object[]) =>
    store.handle('WriteRecords', { DatabaseName: DB, TableName: 'reopened', Records: records });
  try {
    const first = await open();
    try {
      await first.ensureTable(DB, 'reopened');
      await write(first, [record('a', '1', NOW - 10), record('b', '2', NOW - 10)]);
    } finally {
      await first.close();
    }
    const second = await open();
    try {
      await write(second, [record('c', '3', NOW - 10)]);
      expect(await hostsBySeriesId(second)).toEqual([
        ['1', 'a'],
        ['2', 'b'],
        ['3', 'c'],
      ]);
      const values = await second.handle('Query', {
        QueryString: `SELECT host, "measure_value::double" FROM ${DB}.reopened ORDER BY host`,
      });
      expect(values).toMatchObject({
        Rows: [
          { Data: [{ ScalarValue: 'a' }, { ScalarValue: '1' }] },
          { Data: [{ ScalarValue: 'b' }, { ScalarValue: '2' }] },
          { Data: [{ ScalarValue: 'c' }, { ScalarValue: '3' }] },
        ],
      });
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a record over a limit and outside the window is rejected once, for its limit', async () => {
  await engine.ensureTable(DB, 'twice');
  const longName = 'd'.repeat(61);
  await expect(
    writeTo('twice', [
      { ...record('a', '1', NOW - 10 * 3_600_000), Dimensions: [{ Name: longName, Value: 'a' }] },
    ]),
  ).rejects.toMatchObject({
    members: {
      RejectedRecords: [
        {
          RecordIndex: 0,
          Reason: `Dimension name ${longName} exceeds the maximum length of 60 bytes.`,
        },
      ],
    },
  });
});

test("a new measure type joins the table's types, which keep the others", async () => {
  await engine.ensureTable(DB, 'types');
  await writeTo('types', [record('a', '1', NOW - 30)]);
  await writeTo('types', [{ ...record('a', '2', NOW - 20), MeasureValueType: 'BIGINT' }]);
  await writeTo('types', [record('a', '3', NOW - 10)]);
  expect(engine.catalog.getTable(DB, 'types')?.measureTypes).toEqual(['DOUBLE', 'BIGINT']);
  expect(
    await rowsOf(
      `SELECT type FROM "ts$catalog".measure_types ` +
        `WHERE database = '${DB}' AND "table" = 'types' ORDER BY type`,
    ),
  ).toEqual([['BIGINT'], ['DOUBLE']]);
});

test("a reopened table reads its series' newest times from the samples at or after its first write only", async () => {
  // The first write after a restart waited for a read of every stored sample (~0.9 s at 40 M
  // samples), which grew with the table: it now reads the row groups at or after its own time.
  const dir = mkdtempSync(join(tmpdir(), 'write-records-load-'));
  const open = () => StoreEngine.open({ dataDir: dir, nowMs: () => NOW, sql: passThroughDialect });
  const write = (store: StoreEngine, records: object[]) =>
    store.handle('WriteRecords', { DatabaseName: DB, TableName: 'loaded', Records: records });
  const OLD_SAMPLES = 300_000;
  const equalVersion = { members: { RejectedRecords: [{ RecordIndex: 0, Reason: EQUAL_VERSION_REASON }] } };
  try {
    const first = await open();
    try {
      await first.ensureTable(DB, 'loaded');
      for (const host of ['a', 'b', 'c'])
        await write(
          first,
          Array.from({ length: 100 }, (_, i) => record(host, String(i), NOW - 1000 + i)),
        );
    } finally {
      await first.close();
    }
    // Older samples of the three series after them, in time order, as a long history reads.
    const instance = await DuckDBInstance.create(join(dir, STORE_FILE_NAME));
    const connection = await instance.connect();
    await connection.run(
      `INSERT INTO ${doublesTableName(DB, 'loaded')} SELECT i % 3 + 1, ` +
        `make_timestamp_ns((${NOW - 10_000_000} + i) * 1000000), i FROM range(${OLD_SAMPLES}) t(i)`,
    );
    connection.closeSync();
    instance.closeSync();

    const read = jest.spyOn(DuckDBConnection.prototype, 'runAndReadAll');
    const second = await open();
    let newestReads: string[];
    try {
      await expect(write(second, [record('a', '1', NOW - 500)])).resolves.toMatchObject({
        RecordsIngested: { Total: 1 },
      });
      newestReads = read.mock.calls
        .map(([sql]) => sql)
        .filter((sql) => /\bmax\(time\)|max\(p\.time\)/.test(sql));
      // Duplicates are still found: at a series' newest time, at an older one, and in the old history.
      await expect(write(second, [record('b', '7', NOW - 901)])).rejects.toMatchObject(equalVersion);
      await expect(write(second, [record('a', '7', NOW - 950)])).rejects.toMatchObject(equalVersion);
      await expect(write(second, [record('c', '7', NOW - 10_000_000 + 2)])).rejects.toMatchObject(
        equalVersion,
      );
      await expect(write(second, [record('a', '1', NOW - 500)])).resolves.toMatchObject({
        RecordsIngested: { Total: 1 },
      });
      expect(await rowsIn(second, `SELECT count(*) FROM ${DB}.loaded`)).toEqual([
        [String(OLD_SAMPLES + 301)],
      ]);
    } finally {
      read.mockRestore();
      await second.close();
    }
    expect(newestReads).toHaveLength(1);
    const again = await DuckDBInstance.create(join(dir, STORE_FILE_NAME));
    try {
      const check = await again.connect();
      const plan = await check.runAndReadAll(`EXPLAIN (ANALYZE, FORMAT JSON) ${newestReads[0]}`);
      // The row groups of the old history end before the write's time: none of them is read.
      expect(JSON.parse(String(plan.getRows()[0][1])).cumulative_rows_scanned).toBeLessThan(OLD_SAMPLES / 10);
      check.closeSync();
    } finally {
      again.closeSync();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const rowsIn = async (store: StoreEngine, sql: string) =>
  (
    (await store.handle('Query', { QueryString: sql })) as { Rows: { Data: { ScalarValue: string }[] }[] }
  ).Rows.map((row) => row.Data.map((d) => d.ScalarValue));
