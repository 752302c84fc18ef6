// SPDX-License-Identifier: Apache-2.0
// The engine in-process (DuckDB in memory, no HTTP): group-committed concurrent writes, and the
// query executor's paging with a stub SQL dialect.

import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { REOPEN_MIN_INTERVAL_MS, StoreEngine, STORE_FILE_NAME } from '../../../lambda/local-store/engine';
import { DATA_DIR_FAILURE, StoreError } from '../../../lambda/local-store/errors';
import { RenderedQueryPage, type SqlDialect } from '../../../lambda/local-store/query-executor';
import { scanWriteRecords } from '../../../lambda/local-store/write-scan';
import { APPENDER_FLUSH_ROWS, TableWriter } from '../../../lambda/local-store/write-records';
import type { SeriesCache } from '../../../lambda/local-store/records';
import type { DuckDBAppender } from '@duckdb/node-api';
import { cellsAsText } from './pass-through-dialect';

// The module engine.ts reads mkdirSync from at each call (a namespace import would be a copy).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeFs = require('node:fs') as typeof import('node:fs');

const NOW = Date.UTC(2026, 0, 1);
/** Root passes every permission check, so the refusals another user meets are simulated for it. */
const AS_ROOT = process.getuid?.() === 0;
const record = (host: string, value: string, timeMs: number) => ({
  Dimensions: [{ Name: 'host', Value: host }],
  MeasureName: 'cpu',
  MeasureValue: value,
  Time: String(timeMs),
});

/** Writes one sample of `host` into `database`.metrics, a second before NOW. */
const hostWriter = (store: StoreEngine, database: string) => (host: string) =>
  store.handle('WriteRecords', {
    DatabaseName: database,
    TableName: 'metrics',
    Records: [record(host, '1', NOW - 1000)],
  });

const stubDialect: SqlDialect = {
  translateQuery: (queryString) =>
    queryString === 'SHOW'
      ? {
          kind: 'static',
          columnInfo: [{ Name: 'Table', Type: { ScalarType: 'VARCHAR' } }],
          rows: [{ Data: [{ ScalarValue: 'metrics' }] }],
        }
      : { kind: 'select', sql: queryString },
  toTimestreamResult: (result) => cellsAsText(result, 'BIGINT'),
  mapDuckDbError: (error) =>
    new StoreError('ValidationException', `mapped: ${(error as Error).message.split('\n')[0]}`),
};

let engine: StoreEngine;
beforeAll(async () => {
  engine = await StoreEngine.open({ dataDir: ':memory:', nowMs: () => NOW, pageSize: 4, sql: stubDialect });
  await engine.ensureTable('enginedb', 'metrics');
  await engine.ensureTable('enginedb', 'metrics');
});
afterAll(() => engine.close());

const write = (records: object[]) =>
  engine.handle('WriteRecords', { DatabaseName: 'enginedb', TableName: 'metrics', Records: records });
const writeTo = (table: string, records: object[]) =>
  engine.handle('WriteRecords', { DatabaseName: 'enginedb', TableName: table, Records: records });
/** The engine's writer of `enginedb.<table>` (already created by a write), to look at its internals. */
async function writerOf<Internals>(table: string): Promise<Internals> {
  const writers = (engine as unknown as { writers: Map<string, Promise<TableWriter>> }).writers;
  return (await writers.get(`enginedb\u0000${table}`)!) as unknown as Internals;
}

/** The RejectedRecordsException of a call whose record `index` has a case twin of a column as a dimension. */
const caseTwinRejected = (index: number, name: string) => ({
  name: 'RejectedRecordsException',
  members: {
    RejectedRecords: [
      {
        RecordIndex: index,
        Reason: `Dimension name ${name} differs only in letter case from an existing column; the embedded store cannot keep both.`,
      },
    ],
  },
});

test('group-commits concurrent calls and keeps first-writer-wins across them', async () => {
  // Event bytes: 8 time + "host" + host value + "cpu" + 8 double = 25 (h0..h9), 26 (h10..h19), 27 (race).
  const distinct = await Promise.all(
    Array.from({ length: 20 }, (_, i) => write([record(`h${i}`, '1', NOW)])),
  );
  expect(distinct).toEqual(
    Array.from({ length: 20 }, () => ({ RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } })),
  );
  const racing = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) => write([record('race', String(i), NOW - 1)])),
  );
  expect(racing.map((r) => r.status)).toEqual(['fulfilled', ...Array.from({ length: 9 }, () => 'rejected')]);
  expect(engine.metering()).toEqual({
    calls: 30,
    records: 30,
    bytes: 10 * 25 + 10 * 26 + 10 * 27,
    writeUnits: 30,
  });
});

test('decides several times of one series across the calls of one group', async () => {
  const series = (value: string, timeMs: number) => record('grouped', value, timeMs);
  const outcomes = await Promise.allSettled([
    write([series('1', NOW - 10), series('2', NOW - 20)]),
    write([series('1', NOW - 10), series('3', NOW - 20), series('4', NOW - 30)]),
  ]);
  expect(outcomes[0]).toEqual({
    status: 'fulfilled',
    value: { RecordsIngested: { Total: 2, MemoryStore: 2, MagneticStore: 0 } },
  });
  expect(outcomes[1].status).toBe('rejected');
  expect((outcomes[1] as PromiseRejectedResult).reason.members.RejectedRecords).toEqual([
    {
      RecordIndex: 1,
      Reason:
        'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.',
    },
  ]);
  const rows = await engine.handle('Query', {
    QueryString: `SELECT epoch_ms(time), "measure_value::double" FROM enginedb.metrics WHERE host = 'grouped' ORDER BY time`,
  });
  expect((rows as { Rows: unknown[] }).Rows).toEqual([
    { Data: [{ ScalarValue: String(NOW - 30) }, { ScalarValue: '4' }] },
    { Data: [{ ScalarValue: String(NOW - 20) }, { ScalarValue: '2' }] },
    { Data: [{ ScalarValue: String(NOW - 10) }, { ScalarValue: '1' }] },
  ]);
});

test('forgets a failed group: its rows are neither stored nor taken for stored by the next group', async () => {
  const series = (value: string, timeMs: number) => record('failing', value, timeMs);
  await write([series('1', NOW - 50)]); // the table knows the series before the failing group
  // NOTE: a DuckDB failure while committing (a full disk, say) cannot be provoked in memory, so the
  // commit itself is made to fail once; everything before it runs as usual.
  const persist = jest
    .spyOn(TableWriter.prototype as unknown as { persist: () => Promise<void> }, 'persist')
    .mockRejectedValueOnce(new Error('disk full'));
  try {
    await expect(write([series('2', NOW - 40)])).rejects.toThrow('disk full');
  } finally {
    persist.mockRestore();
  }
  // The same record again is new, not an identical re-write of a row that was never stored.
  await expect(write([series('2', NOW - 40)])).resolves.toEqual({
    RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 },
  });
  const rows = await engine.handle('Query', {
    QueryString: `SELECT epoch_ms(time), "measure_value::double" FROM enginedb.metrics WHERE host = 'failing' ORDER BY time`,
  });
  expect((rows as { Rows: unknown[] }).Rows).toEqual([
    { Data: [{ ScalarValue: String(NOW - 50) }, { ScalarValue: '1' }] },
    { Data: [{ ScalarValue: String(NOW - 40) }, { ScalarValue: '2' }] },
  ]);
});

test('commits groups of only new samples of known series, as scanned bodies or parsed ones', async () => {
  await write([record('known', '1', NOW - 100)]);
  const scanned = scanWriteRecords(
    JSON.stringify({
      DatabaseName: 'enginedb',
      TableName: 'metrics',
      Records: [record('known', '2', NOW - 50)],
    }),
  );
  const outcomes = await Promise.all([
    engine.handle('WriteRecords', scanned),
    write([record('known', '3', NOW - 40)]),
  ]);
  expect(outcomes).toEqual([
    { RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } },
    { RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } },
  ]);
  const rows = await engine.handle('Query', {
    QueryString: `SELECT epoch_ms(time), "measure_value::double" FROM enginedb.metrics WHERE host = 'known' ORDER BY time`,
  });
  expect((rows as { Rows: unknown[] }).Rows).toEqual([
    { Data: [{ ScalarValue: String(NOW - 100) }, { ScalarValue: '1' }] },
    { Data: [{ ScalarValue: String(NOW - 50) }, { ScalarValue: '2' }] },
    { Data: [{ ScalarValue: String(NOW - 40) }, { ScalarValue: '3' }] },
  ]);
});

describe("a series' slot memo", () => {
  /** The writer's map of series slots, to count lookups by series key. */
  async function seriesMapOf(table: string): Promise<Map<string, unknown>> {
    return (await writerOf<{ series: Map<string, unknown> }>(table)).series;
  }
  const stored = async (table: string, host: string) =>
    (
      (await engine.handle('Query', {
        QueryString: `SELECT epoch_ms(time), "measure_value::double" FROM enginedb.${table} WHERE host = '${host}' ORDER BY time`,
      })) as { Rows: unknown[] }
    ).Rows;
  const row = (timeMs: number, value: string) => ({
    Data: [{ ScalarValue: String(timeMs) }, { ScalarValue: value }],
  });
  const accepted = { RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } };

  test('finds a known series without a lookup by key after its first record', async () => {
    await write([record('memo', '1', NOW - 100)]); // new to the table: no slot to keep yet
    const lookups = jest.spyOn(await seriesMapOf('metrics'), 'get');
    try {
      await write([record('memo', '2', NOW - 90)]);
      await write([record('memo', '3', NOW - 80)]);
      await write([record('memo', '4', NOW - 70)]);
      expect(lookups).toHaveBeenCalledTimes(1);
    } finally {
      lookups.mockRestore();
    }
    expect(await stored('metrics', 'memo')).toEqual([
      row(NOW - 100, '1'),
      row(NOW - 90, '2'),
      row(NOW - 80, '3'),
      row(NOW - 70, '4'),
    ]);
  });

  test("keeps each table's slot when one series is written to two tables in turn", async () => {
    await engine.ensureTable('enginedb', 'other');
    // The same identity (one series cache for the engine) goes to both tables' writers in turn.
    for (const [table, value, timeMs] of [
      ['metrics', '1', NOW - 100],
      ['other', '2', NOW - 100],
      ['metrics', '3', NOW - 50],
      ['other', '4', NOW - 50],
    ] as const) {
      await expect(writeTo(table, [record('twice', value, timeMs)])).resolves.toEqual(accepted);
    }
    // Duplicates are decided against each table's own rows.
    await expect(writeTo('other', [record('twice', '2', NOW - 100)])).resolves.toEqual(accepted);
    await expect(writeTo('metrics', [record('twice', '2', NOW - 100)])).rejects.toMatchObject({
      type: 'RejectedRecordsException',
    });
    expect(await stored('metrics', 'twice')).toEqual([row(NOW - 100, '1'), row(NOW - 50, '3')]);
    expect(await stored('other', 'twice')).toEqual([row(NOW - 100, '2'), row(NOW - 50, '4')]);
  });

  test("lets a dropped table's writer go: the series cache, whose memos hold it, starts over", async () => {
    const cache = (engine as unknown as { seriesCache: SeriesCache }).seriesCache;
    await engine.ensureTable('enginedb', 'dropped');
    await expect(writeTo('dropped', [record('gone', '1', NOW - 10)])).resolves.toEqual(accepted);
    await expect(writeTo('dropped', [record('gone', '2', NOW - 5)])).resolves.toEqual(accepted);
    expect(cache.count).toBeGreaterThan(0);
    await engine.handle('DeleteTable', { DatabaseName: 'enginedb', TableName: 'dropped' });
    expect(cache.count).toBe(0);
    // A table of the same name afterwards is a new one, written through a new writer.
    await engine.ensureTable('enginedb', 'dropped');
    await expect(writeTo('dropped', [record('gone', '3', NOW - 10)])).resolves.toEqual(accepted);
    expect(await stored('dropped', 'gone')).toEqual([row(NOW - 10, '3')]);
  });
});

describe('dimension names that differ only in letter case', () => {
  test('two new ones in one record refuse that record, not the group of calls it was written with', async () => {
    await engine.ensureTable('enginedb', 'twins');
    const twin = {
      ...record('a', '1', NOW - 10),
      Dimensions: [
        { Name: 'Zone', Value: 'a' },
        { Name: 'zone', Value: 'b' },
      ],
    };
    // Written at once, the calls go into one group (one DuckDB transaction).
    const [refused, accepted] = await Promise.allSettled([
      writeTo('twins', [twin]),
      writeTo('twins', [record('innocent', '2', NOW - 10)]),
    ]);
    expect(refused).toMatchObject({
      status: 'rejected',
      reason: {
        name: 'RejectedRecordsException',
        members: {
          RejectedRecords: [
            {
              RecordIndex: 0,
              Reason:
                'Dimension name zone differs only in letter case from an existing column; the embedded store cannot keep both.',
            },
          ],
        },
      },
    });
    expect(accepted).toEqual({
      status: 'fulfilled',
      value: { RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } },
    });
  });

  test('a new one that differs from an existing column refuses that record', async () => {
    await engine.ensureTable('enginedb', 'cased');
    await writeTo('cased', [record('a', '1', NOW - 10)]);
    const error = await writeTo('cased', [
      record('a', '2', NOW - 5),
      { ...record('a', '3', NOW - 5), Dimensions: [{ Name: 'HOST', Value: 'a' }] },
    ]).catch((e: unknown) => e);
    expect(error).toMatchObject(caseTwinRejected(1, 'HOST'));
  });
  test.each([
    { name: 'TS_ID', column: "$series' ts_id, which the view does not show" },
    { name: 'Ts_Series', column: 'ts_series' },
    { name: 'TS_VERSION', column: 'ts_version' },
    { name: 'Measure_Name', column: 'measure_name' },
    { name: 'TIME', column: 'time' },
  ])(
    '$name, a twin of $column, refuses that record and lets the others of its call be written',
    async ({ name }) => {
      const table = `builtin_${name.replace(/\W/g, '_').toLowerCase()}`;
      await engine.ensureTable('enginedb', table);
      const error = await writeTo(table, [
        { ...record('a', '3', NOW - 5), Dimensions: [{ Name: name, Value: 'a' }] },
        record('a', '2', NOW - 5),
      ]).catch((e: unknown) => e);
      expect(error).toMatchObject(caseTwinRejected(0, name));
      const answer = (await engine.handle('Query', {
        QueryString: `SELECT count(*) FROM "enginedb"."${table}"`,
      })) as { Rows: unknown[] };
      expect(answer.Rows).toEqual([{ Data: [{ ScalarValue: '1' }] }]);
    },
  );
  test('non-ASCII letters in another case (ü and Ü, k and the Kelvin sign K) name columns of their own', async () => {
    await engine.ensureTable('enginedb', 'unicode_cased');
    const withDimension = (name: string, value: string) => ({
      ...record('a', value, NOW - 5),
      MeasureName: `m_${value}`,
      Dimensions: [{ Name: name, Value: value }],
    });
    await writeTo('unicode_cased', [withDimension('ü', '1'), withDimension('k', '3')]);
    await expect(
      writeTo('unicode_cased', [withDimension('Ü', '2'), withDimension('\u212a', '4')]),
    ).resolves.toEqual({ RecordsIngested: { Total: 2, MemoryStore: 2, MagneticStore: 0 } });
    const answer = (await engine.handle('Query', {
      QueryString: `SELECT concat_ws(',', ${['ü', 'Ü', 'k', '\u212a'].map((c) => `coalesce("${c}", '-')`).join(', ')}) FROM "enginedb"."unicode_cased" ORDER BY measure_name`,
    })) as { Rows: unknown[] };
    expect(answer.Rows).toEqual(
      ['1,-,-,-', '-,2,-,-', '-,-,3,-', '-,-,-,4'].map((v) => ({ Data: [{ ScalarValue: v }] })),
    );
  });
});

describe('a table dropped while writes arrive', () => {
  test('a write that reaches its writer during the DROP fails with ResourceNotFoundException, not a DuckDB error', async () => {
    await engine.ensureTable('enginedb', 'racing');
    await expect(writeTo('racing', [record('a', '1', NOW - 10)])).resolves.toEqual({
      RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 },
    });
    const catalog = engine.catalog;
    const drop = catalog.deleteTable.bind(catalog);
    const extend = catalog.extendTable.bind(catalog);
    let dropped!: () => void;
    const droppedNow = new Promise<void>((resolve) => (dropped = resolve));
    let during: Promise<unknown> | undefined;
    // The write arrives once the drop is under way; its new dimension's ALTER would run after the DROP.
    const deleting = jest.spyOn(catalog, 'deleteTable').mockImplementation(async (database, table) => {
      during = writeTo('racing', [
        {
          ...record('b', '2', NOW - 5),
          Dimensions: [
            { Name: 'host', Value: 'b' },
            { Name: 'zone', Value: 'z' },
          ],
        },
      ]).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await drop(database, table);
      dropped();
    });
    const extending = jest.spyOn(catalog, 'extendTable').mockImplementation(async (...args) => {
      await droppedNow;
      return extend(...args);
    });
    try {
      await expect(
        engine.handle('DeleteTable', { DatabaseName: 'enginedb', TableName: 'racing' }),
      ).resolves.toEqual({});
      expect(await during).toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'The table racing does not exist in database enginedb.',
      });
    } finally {
      deleting.mockRestore();
      extending.mockRestore();
    }
    // A table made again under the name takes writes, new dimensions too.
    await engine.ensureTable('enginedb', 'racing');
    await expect(
      writeTo('racing', [
        {
          ...record('c', '3', NOW - 5),
          Dimensions: [
            { Name: 'host', Value: 'c' },
            { Name: 'zone', Value: 'z' },
          ],
        },
      ]),
    ).resolves.toEqual({ RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
  });

  test('a write to a table never written before that arrives during its DROP fails with ResourceNotFoundException', async () => {
    await engine.ensureTable('enginedb', 'unwritten');
    const catalog = engine.catalog;
    const drop = catalog.deleteTable.bind(catalog);
    const write = TableWriter.prototype.write;
    let arrived!: () => void;
    const arrivedNow = new Promise<void>((resolve) => (arrived = resolve));
    const writing = jest.spyOn(TableWriter.prototype, 'write').mockImplementation(function (
      this: TableWriter,
      records,
    ) {
      const queued = write.call(this, records);
      arrived();
      return queued;
    });
    let during: Promise<unknown> | undefined;
    // The table has no writer yet: the write is sent once the drop is under way, which goes on
    // once the write reached a writer (with a new dimension, whose ALTER raced the DROP).
    const deleting = jest.spyOn(catalog, 'deleteTable').mockImplementation(async (database, table) => {
      during = writeTo('unwritten', [
        {
          ...record('b', '2', NOW - 5),
          Dimensions: [
            { Name: 'host', Value: 'b' },
            { Name: 'zone', Value: 'z' },
          ],
        },
      ]).catch((error: unknown) => error);
      await arrivedNow;
      await drop(database, table);
    });
    try {
      await expect(
        engine.handle('DeleteTable', { DatabaseName: 'enginedb', TableName: 'unwritten' }),
      ).resolves.toEqual({});
      expect(await during).toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'The table unwritten does not exist in database enginedb.',
      });
    } finally {
      deleting.mockRestore();
      writing.mockRestore();
    }
    expect(engine.catalog.getTable('enginedb', 'unwritten')).toBeUndefined();
  });
});

test("a dropped table's writer refuses a write that still reaches it with ResourceNotFoundException", async () => {
  await engine.ensureTable('enginedb', 'retired');
  await writeTo('retired', [record('a', '1', NOW - 10)]);
  const writer = await writerOf<TableWriter>('retired');
  await engine.handle('DeleteTable', { DatabaseName: 'enginedb', TableName: 'retired' });
  await expect(writer.write([])).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    message: 'The table retired does not exist in database enginedb.',
  });
});

test("DeleteTable closes the dropped table's connection rather than keeping it until the store closes", async () => {
  const connections = (engine as unknown as { writerConnections: DuckDBConnection[] }).writerConnections;
  await engine.ensureTable('enginedb', 'closing');
  const before = connections.length;
  await writeTo('closing', [record('a', '1', NOW - 10)]);
  const writer = await writerOf<TableWriter>('closing');
  expect(connections).toHaveLength(before + 1);
  const closed = jest.spyOn(writer.connection, 'closeSync');
  await engine.handle('DeleteTable', { DatabaseName: 'enginedb', TableName: 'closing' });
  expect(closed).toHaveBeenCalledTimes(1);
  expect(connections).toHaveLength(before);
  expect(connections).not.toContain(writer.connection);
});

test('a write that waited for a DROP that failed is written once the DROP is over', async () => {
  await engine.ensureTable('enginedb', 'undropped');
  await writeTo('undropped', [record('a', '1', NOW - 10)]);
  let during: Promise<unknown> | undefined;
  const deleting = jest.spyOn(engine.catalog, 'deleteTable').mockImplementation(async () => {
    during = writeTo('undropped', [record('b', '2', NOW - 5)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    throw new Error('drop failed');
  });
  try {
    await expect(
      engine.handle('DeleteTable', { DatabaseName: 'enginedb', TableName: 'undropped' }),
    ).rejects.toThrow();
  } finally {
    deleting.mockRestore();
  }
  await expect(during).resolves.toEqual({ RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
});

describe('a table dropped while queries run', () => {
  type ControlInternals = { db: { controlConnection: DuckDBConnection } };
  test('leaves the catalog before its DROP commits, and stays in it when the COMMIT fails', async () => {
    await engine.ensureTable('enginedb', 'vanishing');
    const connection = (engine as unknown as ControlInternals).db.controlConnection;
    const run = connection.run.bind(connection);
    const listedAtCommit: boolean[] = [];
    let failCommit = true;
    const running = jest.spyOn(connection, 'run').mockImplementation(async (sql, ...rest) => {
      if (sql === 'COMMIT') {
        listedAtCommit.push(engine.catalog.getTable('enginedb', 'vanishing') !== undefined);
        if (failCommit) {
          failCommit = false;
          throw new Error('commit failed');
        }
      }
      return run(sql, ...rest);
    });
    try {
      await expect(
        engine.handle('DeleteTable', { DatabaseName: 'enginedb', TableName: 'vanishing' }),
      ).rejects.toMatchObject({ name: 'InternalServerException' });
      expect(engine.catalog.getTable('enginedb', 'vanishing')).toBeDefined();
      await expect(
        engine.handle('DeleteTable', { DatabaseName: 'enginedb', TableName: 'vanishing' }),
      ).resolves.toEqual({});
    } finally {
      running.mockRestore();
    }
    // A query DuckDB refuses for the table from the moment the DROP commits finds it gone here.
    expect(listedAtCommit).toEqual([false, false]);
    expect(engine.catalog.getTable('enginedb', 'vanishing')).toBeUndefined();
  });
});

describe("the sample tables' appenders", () => {
  type WriterInternals = { connection: DuckDBConnection; appenders: Map<string, DuckDBAppender> };
  const internalsOf = (table: string) => writerOf<WriterInternals>(table);
  const storedTimes = async (table: string) =>
    (
      (await engine.handle('Query', {
        QueryString: `SELECT epoch_ms(time) FROM enginedb.${table} ORDER BY time`,
      })) as { Rows: { Data: { ScalarValue: string }[] }[] }
    ).Rows.map((r) => Number(r.Data[0].ScalarValue));
  /** `calls` concurrent calls of 100 records of one known series, times counting down from `fromMs`: one group. */
  const bigGroup = (table: string, calls: number, fromMs: number) =>
    Promise.all(
      Array.from({ length: calls }, (_, c) =>
        writeTo(
          table,
          Array.from({ length: 100 }, (_, i) => record('bulk', String(c * 100 + i), fromMs - c * 100 - i)),
        ),
      ),
    );

  test('keeps the $doubles appender open from one group to the next', async () => {
    await engine.ensureTable('enginedb', 'kept');
    await writeTo('kept', [record('bulk', '0', NOW - 10_000)]); // new series: its first group
    const internals = await internalsOf('kept');
    const created = jest.spyOn(internals.connection, 'createAppender');
    try {
      await writeTo('kept', [record('bulk', '1', NOW - 9000)]);
      await writeTo('kept', [record('bulk', '2', NOW - 8000)]);
      await writeTo('kept', [record('bulk', '3', NOW - 7000)]);
      expect(created).toHaveBeenCalledTimes(0);
    } finally {
      created.mockRestore();
    }
    expect([...internals.appenders.keys()]).toEqual(['kept$doubles']);
    expect(await storedTimes('kept')).toEqual([NOW - 10_000, NOW - 9000, NOW - 8000, NOW - 7000]);
  });

  test('never flushes the rows of a group that failed while appending, and starts the next group afresh', async () => {
    await engine.ensureTable('enginedb', 'failing');
    await writeTo('failing', [record('bulk', '0', NOW - 100_000)]);
    await writeTo('failing', [record('bulk', '1', NOW - 99_000)]); // the appender is kept after this one
    const internals = await internalsOf('failing');
    const kept = internals.appenders.get('failing$doubles')!;
    // The group's first chunk of 2048 rows goes in; the second fails (a DuckDB error, say).
    const append = jest.spyOn(kept, 'appendDataChunk');
    append.mockImplementationOnce((chunk) => kept.constructor.prototype.appendDataChunk.call(kept, chunk));
    append.mockImplementationOnce(() => {
      throw new Error('append failed');
    });
    try {
      const outcome = await Promise.allSettled([bigGroup('failing', 22, NOW - 50_000)]);
      expect(outcome[0]).toMatchObject({ status: 'rejected', reason: { name: 'InternalServerException' } });
    } finally {
      append.mockRestore();
    }
    expect(internals.appenders.get('failing$doubles')).toBeUndefined();
    await writeTo('failing', [record('bulk', '2', NOW - 98_000)]);
    expect(await storedTimes('failing')).toEqual([NOW - 100_000, NOW - 99_000, NOW - 98_000]);
    expect(internals.appenders.get('failing$doubles')).not.toBe(kept);
  });

  test("stores none of a failed group's rows that the appender flushed by itself, so its resend is stored once", async () => {
    await engine.ensureTable('enginedb', 'autoflush');
    await writeTo('autoflush', [record('bulk', '0', NOW - 500_000)]);
    await writeTo('autoflush', [record('bulk', '1', NOW - 499_000)]); // the appender is kept after this one
    const internals = await internalsOf('autoflush');
    const kept = internals.appenders.get('autoflush$doubles')!;
    // One call more than the appender gathers before flushing by itself; the group's own flush at
    // the end then fails (a full disk, say).
    const calls = APPENDER_FLUSH_ROWS / 100 + 1;
    const flush = jest.spyOn(kept, 'flushSync').mockImplementationOnce(() => {
      throw new Error('disk full');
    });
    try {
      const outcome = await Promise.allSettled([bigGroup('autoflush', calls, NOW - 10_000)]);
      expect(outcome[0]).toMatchObject({ status: 'rejected', reason: { name: 'InternalServerException' } });
    } finally {
      flush.mockRestore();
    }
    const counts = async () =>
      (
        (await engine.handle('Query', {
          QueryString: 'SELECT count(*), count(DISTINCT time) FROM enginedb.autoflush',
        })) as { Rows: { Data: { ScalarValue: string }[] }[] }
      ).Rows.map((r) => r.Data.map((d) => Number(d.ScalarValue)));
    expect(await counts()).toEqual([[2, 2]]);
    // Prometheus resends the calls answered with the error.
    await bigGroup('autoflush', calls, NOW - 10_000);
    expect(await counts()).toEqual([[2 + calls * 100, 2 + calls * 100]]);
  }, 120_000);

  test('closes the kept appenders when the table is dropped; a table of the same name writes afresh', async () => {
    await engine.ensureTable('enginedb', 'dropping');
    await writeTo('dropping', [record('bulk', '0', NOW - 10)]);
    await writeTo('dropping', [record('bulk', '1', NOW - 5)]);
    const internals = await internalsOf('dropping');
    const closed = jest.spyOn(internals.appenders.get('dropping$doubles')!, 'closeSync');
    await engine.handle('DeleteTable', { DatabaseName: 'enginedb', TableName: 'dropping' });
    expect(internals.appenders.size).toBe(0);
    expect(closed).toHaveBeenCalledTimes(1);
    await engine.ensureTable('enginedb', 'dropping');
    await writeTo('dropping', [record('bulk', '2', NOW - 10)]);
    await writeTo('dropping', [record('bulk', '3', NOW - 5)]);
    expect(await storedTimes('dropping')).toEqual([NOW - 10, NOW - 5]);
  });
});

test('pages a DuckDB result with the configured page size and answers static results with zero bytes', async () => {
  const queryString = 'SELECT * FROM range(10)';
  // Scanned bytes stand in as the JSON size of the rows: 10 x 30 + 9 commas + 2 brackets = 311.
  const first = (await engine.handle('Query', { QueryString: queryString })) as {
    Rows: unknown[];
    NextToken?: string;
    QueryStatus: unknown;
  };
  expect([first.Rows.length, first.QueryStatus]).toEqual([
    4,
    { ProgressPercentage: 100, CumulativeBytesScanned: 311, CumulativeBytesMetered: 10_000_000 },
  ]);
  const second = (await engine.handle('Query', {
    QueryString: queryString,
    NextToken: first.NextToken,
  })) as typeof first;
  const third = (await engine.handle('Query', {
    QueryString: queryString,
    NextToken: second.NextToken,
  })) as typeof first;
  expect([second.Rows, third.Rows, third.NextToken]).toEqual([
    [4, 5, 6, 7].map((v) => ({ Data: [{ ScalarValue: String(v) }] })),
    [8, 9].map((v) => ({ Data: [{ ScalarValue: String(v) }] })),
    undefined,
  ]);
  expect(await engine.handle('Query', { QueryString: 'SHOW' })).toEqual({
    QueryId: expect.stringMatching(/^[A-Z2-7]{26}$/),
    Rows: [{ Data: [{ ScalarValue: 'metrics' }] }],
    ColumnInfo: [{ Name: 'Table', Type: { ScalarType: 'VARCHAR' } }],
    QueryStatus: { ProgressPercentage: 100, CumulativeBytesScanned: 0, CumulativeBytesMetered: 0 },
  });
});

test.each([
  { name: 'small rows', queryString: 'SELECT * FROM range(10)' },
  {
    name: 'rows pieced together past 64 KiB',
    queryString: "SELECT repeat('é', 30000) || range FROM range(7)",
  },
])(
  'renders every page of $name as the bytes of the JSON of the page it answers in-process',
  async ({ queryString }) => {
    const pages = async (rendered: boolean) => {
      const out: unknown[] = [];
      let token: string | undefined;
      do {
        const page = await engine.handle(
          'Query',
          { QueryString: queryString, ...(token === undefined ? {} : { NextToken: token }) },
          rendered,
        );
        out.push(page);
        token = rendered ? (page as RenderedQueryPage).nextToken : (page as { NextToken?: string }).NextToken;
      } while (token !== undefined);
      return out;
    };
    const objects = (await pages(false)) as { QueryId: string; NextToken?: string }[];
    const rendered = (await pages(true)) as RenderedQueryPage[];
    expect(rendered.every((page) => page instanceof RenderedQueryPage)).toBe(true);
    // Query ids and tokens are random: compare the texts with the rendered pages' own.
    const texts = rendered.map((page) => page.bytes.toString('utf8'));
    const parsed = texts.map((text) => JSON.parse(text) as { QueryId: string; NextToken?: string });
    expect(texts).toEqual(
      objects.map((page, i) =>
        JSON.stringify({
          ...page,
          QueryId: parsed[i]!.QueryId,
          ...(page.NextToken === undefined ? {} : { NextToken: parsed[i]!.NextToken }),
        }),
      ),
    );
    expect(rendered.map((page) => page.nextToken)).toEqual(parsed.map((page) => page.NextToken));
  },
);

test('serves a token again after the rows before it were released', async () => {
  const queryString = 'SELECT * FROM range(6)';
  const first = (await engine.handle('Query', { QueryString: queryString })) as { NextToken: string };
  const again = () => engine.handle('Query', { QueryString: queryString, NextToken: first.NextToken });
  const second = (await again()) as { Rows: unknown[] };
  expect(await again()).toEqual(second);
  expect(second.Rows).toEqual([4, 5].map((v) => ({ Data: [{ ScalarValue: String(v) }] })));
});

test('maps DuckDB failures through the dialect', async () => {
  await expect(engine.handle('Query', { QueryString: 'SELEC 1' })).rejects.toMatchObject({
    type: 'ValidationException',
    message: expect.stringMatching(/^mapped: Parser Error: syntax error at or near "SELEC"/),
  });
});

test('a query past its time limit is refused while writes to the same store go on', async () => {
  const limited = await StoreEngine.open({
    dataDir: ':memory:',
    nowMs: () => NOW,
    sql: stubDialect,
    queryTimeoutMs: 200,
  });
  try {
    await limited.ensureTable('enginedb', 'metrics');
    const slow = limited.handle('Query', {
      QueryString: 'SELECT count(*) FROM range(100000) a, range(100000) b WHERE (a.range * b.range) % 7 = 3',
    });
    const written = await limited.handle('WriteRecords', {
      DatabaseName: 'enginedb',
      TableName: 'metrics',
      Records: [record('a', '1', NOW - 1000)],
    });
    expect(written).toMatchObject({ RecordsIngested: { Total: 1 } });
    const refusal = await slow.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(StoreError);
    expect(refusal).toMatchObject({ type: 'QueryExecutionException', status: 400 });
    await expect(
      limited.handle('Query', { QueryString: 'SELECT count(*) FROM "enginedb"."metrics"' }),
    ).resolves.toMatchObject({ Rows: [{ Data: [{ ScalarValue: '1' }] }] });
  } finally {
    await limited.close();
  }
});

test.each([
  {
    name: 'an unknown operation',
    operation: 'TagResource',
    body: {},
    type: 'UnknownOperationException',
    message: 'The operation TagResource is not supported by the embedded Timestream store.',
  },
  {
    name: 'a non-object body',
    operation: 'ListDatabases',
    body: [],
    type: 'SerializationException',
    message: 'Request body must be a JSON object.',
  },
  {
    name: 'an inherited property name',
    operation: 'constructor',
    body: {},
    type: 'UnknownOperationException',
    message: 'The operation constructor is not supported by the embedded Timestream store.',
  },
  {
    name: 'the tables of a database that does not exist',
    operation: 'ListTables',
    body: { DatabaseName: 'nodb_here' },
    type: 'ResourceNotFoundException',
    message: 'The database nodb_here does not exist.',
  },
])('refuses $name', async ({ operation, body, type, message }) => {
  await expect(engine.handle(operation, body)).rejects.toMatchObject({ type, message });
});

test.each([
  {
    operation: 'CreateDatabase',
    body: { DatabaseName: 'kmsdb', KmsKeyId: '' },
    message:
      "1 validation error detected: Value '' at 'kmsKeyId' failed to satisfy constraint: Member must have length greater than or equal to 1",
  },
  {
    operation: 'CreateDatabase',
    body: { DatabaseName: 'tagdb', Tags: [{ Key: '', Value: 'v' }] },
    message:
      "1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
  },
  {
    operation: 'CreateTable',
    body: { DatabaseName: 'enginedb', TableName: 'tagged', Tags: [{ Key: 'k' }] },
    message:
      "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null",
  },
])(
  '$operation refuses a KmsKeyId or Tags outside the model, and creates nothing',
  async ({ operation, body, message }) => {
    await expect(engine.handle(operation, body)).rejects.toMatchObject({
      type: 'ValidationException',
      message,
    });
    expect(engine.catalog.getDatabase(body.DatabaseName)?.database ?? 'none').toBe(
      operation === 'CreateDatabase' ? 'none' : 'enginedb',
    );
    expect(engine.catalog.getTable('enginedb', 'tagged')).toBeUndefined();
  },
);

test.each(['a b', 'ab', 'x'.repeat(257)])(
  'CreateTable refuses the DatabaseName %p by the create rules of the model, not as a missing database',
  async (name) => {
    await expect(
      engine.handle('CreateTable', { DatabaseName: name, TableName: 'tbl' }),
    ).rejects.toMatchObject({
      type: 'ValidationException',
      message: `1 validation error detected: Value '${name}' at 'databaseName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have a length between 3 and 256 bytes`,
    });
  },
);

describe('a name outside the 3..256 characters of the API reference (ResourceName)', () => {
  const short =
    "1 validation error detected: Value 'ab' at 'databaseName' failed to satisfy constraint: Member must have length greater than or equal to 3";
  const long = `1 validation error detected: Value '${'t'.repeat(257)}' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 256`;
  test.each([
    { operation: 'DescribeDatabase', body: { DatabaseName: 'ab' }, message: short },
    { operation: 'DeleteDatabase', body: { DatabaseName: 'ab' }, message: short },
    { operation: 'ListTables', body: { DatabaseName: 'ab' }, message: short },
    { operation: 'DescribeTable', body: { DatabaseName: 'ab', TableName: 'metrics' }, message: short },
    {
      operation: 'UpdateTable',
      body: { DatabaseName: 'enginedb', TableName: 't'.repeat(257) },
      message: long,
    },
    {
      operation: 'DeleteTable',
      body: { DatabaseName: 'enginedb', TableName: 't'.repeat(257) },
      message: long,
    },
    {
      operation: 'WriteRecords',
      body: { DatabaseName: 'enginedb', TableName: 't'.repeat(257), Records: [record('a', '1', NOW)] },
      message: long,
    },
  ])(
    'is refused by $operation as Timestream refuses it, not answered as missing',
    async ({ operation, body, message }) => {
      await expect(engine.handle(operation, body)).rejects.toMatchObject({
        type: 'ValidationException',
        message,
      });
    },
  );

  test('names at the bounds are looked up', async () => {
    await expect(engine.handle('DescribeDatabase', { DatabaseName: 'abc' })).rejects.toMatchObject({
      type: 'ResourceNotFoundException',
    });
    await expect(
      engine.handle('DescribeTable', { DatabaseName: 'enginedb', TableName: 't'.repeat(256) }),
    ).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
  });
});

describe('a request outside the model sent to a table or database that does not exist', () => {
  test.each([
    {
      name: '101 records for WriteRecords',
      operation: 'WriteRecords',
      body: {
        DatabaseName: 'enginedb',
        TableName: 'nosuchtable',
        Records: Array.from({ length: 101 }, (_, i) => record('a', '1', NOW - i)),
      },
      message:
        "1 validation error detected: Value with length 101 at 'records' failed to satisfy constraint: Member must have length less than or equal to 100",
    },
    {
      name: 'no records for WriteRecords',
      operation: 'WriteRecords',
      body: { DatabaseName: 'nosuchdb', TableName: 'metrics', Records: [] },
      message:
        "1 validation error detected: Value with length 0 at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1",
    },
    {
      name: 'a memory store retention of 0 hours for UpdateTable',
      operation: 'UpdateTable',
      body: {
        DatabaseName: 'enginedb',
        TableName: 'nosuchtable',
        RetentionProperties: { MemoryStoreRetentionPeriodInHours: 0, MagneticStoreRetentionPeriodInDays: 1 },
      },
      message:
        "1 validation error detected: Value '0' at 'retentionProperties.memoryStoreRetentionPeriodInHours' failed to satisfy constraint: Member must have value between 1 and 8766",
    },
    {
      name: 'a MaxResults of 21 for ListTables',
      operation: 'ListTables',
      body: { DatabaseName: 'nosuchdb', MaxResults: 21 },
      message:
        "1 validation error detected: Value '21' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 20",
    },
  ])(
    'is refused for $name as Timestream refuses it, before the lookup, not answered as missing',
    async ({ operation, body, message }) => {
      await expect(engine.handle(operation, body)).rejects.toMatchObject({
        type: 'ValidationException',
        message,
      });
    },
  );

  test('a request within the model is still answered as missing', async () => {
    await expect(
      engine.handle('WriteRecords', {
        DatabaseName: 'enginedb',
        TableName: 'nosuchtable',
        Records: [record('a', '1', NOW)],
      }),
    ).rejects.toMatchObject({
      type: 'ResourceNotFoundException',
      message: 'The table nosuchtable does not exist in database enginedb.',
    });
    await expect(
      engine.handle('UpdateTable', {
        DatabaseName: 'enginedb',
        TableName: 'nosuchtable',
        RetentionProperties: { MemoryStoreRetentionPeriodInHours: 1, MagneticStoreRetentionPeriodInDays: 1 },
      }),
    ).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
    await expect(
      engine.handle('ListTables', { DatabaseName: 'nosuchdb', MaxResults: 20 }),
    ).rejects.toMatchObject({
      type: 'ResourceNotFoundException',
      message: 'The database nosuchdb does not exist.',
    });
  });
});

test('CreateDatabase and CreateTable accept Tags and a KmsKeyId within the model (kept by no one)', async () => {
  const tags = [{ Key: 'team', Value: '' }];
  await engine.handle('CreateDatabase', { DatabaseName: 'keptdb', KmsKeyId: 'alias/mine', Tags: tags });
  await engine.handle('CreateTable', { DatabaseName: 'keptdb', TableName: 'kept', Tags: tags });
  expect(engine.catalog.getTable('keptdb', 'kept')?.table).toBe('kept');
  await engine.handle('DeleteTable', { DatabaseName: 'keptdb', TableName: 'kept' });
  await engine.handle('DeleteDatabase', { DatabaseName: 'keptdb' });
});

test('ListTables reads a null DatabaseName as absent, as it reads a null MaxResults (it answered that DatabaseName must be specified)', async () => {
  const all = (await engine.handle('ListTables', {})) as { Tables: { TableName: string }[] };
  const listed = (await engine.handle('ListTables', { DatabaseName: null })) as typeof all;
  expect(listed.Tables.map((t) => t.TableName)).toEqual(all.Tables.map((t) => t.TableName));
  expect(listed.Tables.map((t) => t.TableName)).toContain('metrics');
});

describe('a data directory that cannot be opened', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'engine-open-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('is a failure naming the directory and the first line of the reason', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    await expect(StoreEngine.open({ dataDir: file })).rejects.toThrow(
      `${DATA_DIR_FAILURE}${file} (EEXIST: file already exists, mkdir '${file}')`,
    );
  });

  test('on a read-only file system is a failure naming the directory and EROFS, not ENOENT', async () => {
    const dataDir = join(dir, 'read-only', 'data');
    const roMount = join(dir, 'read-only');
    const erofs = `EROFS: read-only file system, mkdir '${roMount}'`;
    // What Node (20 and 22) does under a read-only mount: its recursive mkdir stats the directory
    // it could not make, finds nothing there and reports ENOENT; mkdir itself says EROFS.
    const mkdir = jest.spyOn(nodeFs, 'mkdirSync').mockImplementation((path, options) => {
      const recursive = typeof options === 'object' && options?.recursive === true;
      throw Object.assign(
        new Error(recursive ? `ENOENT: no such file or directory, mkdir '${String(path)}'` : erofs),
        { code: recursive ? 'ENOENT' : 'EROFS' },
      );
    });
    try {
      await expect(StoreEngine.open({ dataDir, nowMs: () => NOW })).rejects.toThrow(
        `${DATA_DIR_FAILURE}${dataDir} (${erofs})`,
      );
    } finally {
      mkdir.mockRestore();
    }
  });

  test('that is a dangling symbolic link is a failure naming the directory and ENOENT', async () => {
    const link = join(dir, 'link');
    symlinkSync(join(dir, 'nowhere'), link);
    await expect(StoreEngine.open({ dataDir: link, nowMs: () => NOW })).rejects.toThrow(
      `${DATA_DIR_FAILURE}${link} (ENOENT: no such file or directory, mkdir '${link}')`,
    );
  });

  test("whose store file's path is too long to look at is a failure naming the directory and DuckDB's reason", async () => {
    // The directory itself fits PATH_MAX (4096 bytes with its NUL), `/store.duckdb` after it does not.
    let dataDir = join(dir, 'long');
    while (dataDir.length < 4090 - 201) dataDir = join(dataDir, 'd'.repeat(200));
    dataDir = join(dataDir, 'd'.repeat(4090 - dataDir.length - 1));
    expect(dataDir).toHaveLength(4090);
    const file = join(dataDir, STORE_FILE_NAME);
    await expect(StoreEngine.open({ dataDir, nowMs: () => NOW })).rejects.toThrow(
      `${DATA_DIR_FAILURE}${dataDir} (IO Error: Cannot open file "${file}": File name too long)`,
    );
  });

  // Root searches every directory: only another user can see the refusal.
  test("without search permission is a failure naming the directory and DuckDB's reason", async () => {
    const dataDir = join(dir, 'no-search');
    mkdirSync(dataDir, { mode: 0o600 });
    const refusal = `IO Error: Cannot open file "${join(dataDir, STORE_FILE_NAME)}": Permission denied`;
    // Root may open anything: there DuckDB's refusal to another user is given as it words it.
    const opens = AS_ROOT
      ? jest.spyOn(DuckDBInstance, 'create').mockRejectedValueOnce(new Error(refusal))
      : undefined;
    try {
      await expect(StoreEngine.open({ dataDir, nowMs: () => NOW })).rejects.toThrow(
        `${DATA_DIR_FAILURE}${dataDir} (${refusal})`,
      );
    } finally {
      opens?.mockRestore();
      chmodSync(dataDir, 0o700);
    }
  });

  test('that the store may not write to is a failure naming it, though the store file in it is writable', async () => {
    // A directory left by another user (or a root run) with a store file anyone may write: DuckDB
    // opened the file, then could not create its WAL beside it at the first write.
    const first = await StoreEngine.open({ dataDir: dir, nowMs: () => NOW });
    await first.ensureTable('ownerdb', 'metrics');
    await first.close();
    chmodSync(dir, 0o500);
    const refusal = `EACCES: permission denied, access '${dir}'`;
    // Root may write anywhere: there Node's refusal to another user is given as it words it.
    const access = AS_ROOT
      ? jest.spyOn(nodeFs, 'accessSync').mockImplementationOnce(() => {
          throw Object.assign(new Error(refusal), { code: 'EACCES' });
        })
      : undefined;
    try {
      await expect(StoreEngine.open({ dataDir: dir, nowMs: () => NOW })).rejects.toThrow(
        `${DATA_DIR_FAILURE}${dir} (${refusal})`,
      );
    } finally {
      access?.mockRestore();
      chmodSync(dir, 0o700);
    }
  });

  test('that is new and cannot be created for lack of space leaves no partial file, so it opens once there is space', async () => {
    const dataDir = join(dir, 'full-disk');
    const file = join(dataDir, STORE_FILE_NAME);
    const full = `IO Error: Could not write file "${file}": No space left on device`;
    // DuckDB wrote the first blocks of the new file before the disk was full.
    const opens = jest.spyOn(DuckDBInstance, 'create').mockImplementationOnce(async () => {
      writeFileSync(file, Buffer.alloc(8192, 1));
      throw new Error(full);
    });
    try {
      await expect(StoreEngine.open({ dataDir, nowMs: () => NOW })).rejects.toThrow(
        `${DATA_DIR_FAILURE}${dataDir} (${full})`,
      );
    } finally {
      opens.mockRestore();
    }
    expect(existsSync(file)).toBe(false);
    const store = await StoreEngine.open({ dataDir, nowMs: () => NOW });
    try {
      await store.ensureTable('fulldb', 'metrics');
      expect(store.catalog.getTable('fulldb', 'metrics')).toBeDefined();
    } finally {
      await store.close();
    }
  });

  test('left with an empty store file by a store killed in its first start opens as a new store', async () => {
    // DuckDB creates the file, then writes its header: a kill -9 in between leaves it empty.
    const file = join(dir, STORE_FILE_NAME);
    writeFileSync(file, '');
    const store = await StoreEngine.open({ dataDir: dir, nowMs: () => NOW });
    try {
      expect(await store.handle('ListDatabases', {})).toEqual({ Databases: [] });
      await store.ensureTable('killeddb', 'metrics');
    } finally {
      await store.close();
    }
    const reopened = await StoreEngine.open({ dataDir: dir, nowMs: () => NOW });
    try {
      expect(reopened.catalog.getTable('killeddb', 'metrics')).toBeDefined();
    } finally {
      await reopened.close();
    }
  });

  test("whose store file is not empty and not DuckDB's is refused, and the file kept", async () => {
    const file = join(dir, STORE_FILE_NAME);
    writeFileSync(file, 'not a database');
    await expect(StoreEngine.open({ dataDir: dir, nowMs: () => NOW })).rejects.toThrow(
      `${DATA_DIR_FAILURE}${dir} (IO Error: The file "${file}" exists, but it is not a valid DuckDB database file!)`,
    );
    expect(readFileSync(file, 'utf8')).toBe('not a database');
  });

  test('whose store file is a SQLite database is refused saying so, and the file kept', async () => {
    const file = join(dir, STORE_FILE_NAME);
    // The header every SQLite 3 file begins with, then a page of what the format would hold.
    const sqlite = Buffer.concat([Buffer.from('SQLite format 3\u0000', 'latin1'), Buffer.alloc(4080, 1)]);
    writeFileSync(file, sqlite);
    await expect(StoreEngine.open({ dataDir: dir, nowMs: () => NOW })).rejects.toThrow(
      new Error(
        `${DATA_DIR_FAILURE}${dir} (The file "${file}" exists, but it is a SQLite database, not a DuckDB database file)`,
      ),
    );
    expect(readFileSync(file).equals(sqlite)).toBe(true);
  });

  test('whose store file is a directory is refused with the reason DuckDB gives, naming it', async () => {
    const file = join(dir, STORE_FILE_NAME);
    mkdirSync(file);
    await expect(StoreEngine.open({ dataDir: dir, nowMs: () => NOW })).rejects.toThrow(
      new Error(`${DATA_DIR_FAILURE}${dir} (IO Error: Could not read from file "${file}": Is a directory)`),
    );
  });

  test("whose store file is another program's DuckDB database is refused naming its tables, and not written to", async () => {
    const file = join(dir, STORE_FILE_NAME);
    const other = await DuckDBInstance.create(file);
    const connection = await other.connect();
    await connection.run(
      'CREATE TABLE orders (id INTEGER); CREATE TABLE items (id INTEGER); CREATE SCHEMA shop; ' +
        'CREATE VIEW shop.totals AS SELECT 1 AS n; CREATE TABLE shop.users (id INTEGER)',
    );
    connection.closeSync();
    other.closeSync();
    await expect(StoreEngine.open({ dataDir: dir, nowMs: () => NOW })).rejects.toThrow(
      new Error(
        `${DATA_DIR_FAILURE}${dir} (its store.duckdb is a DuckDB database of something else: it holds ` +
          "main.items, main.orders, shop.totals, 1 more and no embedded store's catalog; move the file " +
          'aside, or choose another directory)',
      ),
    );
    const reopened = await DuckDBInstance.create(file);
    const check = await reopened.connect();
    try {
      const catalogs = await check.runAndReadAll(
        "SELECT count(*)::INTEGER FROM duckdb_schemas() WHERE database_name = current_database() AND schema_name = 'ts$catalog'",
      );
      expect(catalogs.getRows()).toEqual([[0]]);
    } finally {
      check.closeSync();
      reopened.closeSync();
    }
  });

  test('whose store file is an empty DuckDB database opens as a new store', async () => {
    const blank = await DuckDBInstance.create(join(dir, STORE_FILE_NAME));
    blank.closeSync();
    const store = await StoreEngine.open({ dataDir: dir, nowMs: () => NOW });
    try {
      await store.ensureTable('blankdb', 'metrics');
      expect(store.catalog.getTable('blankdb', 'metrics')).toBeDefined();
    } finally {
      await store.close();
    }
  });

  /** What another process gets opening the store file read-write: 'opened' or its error's first line. */
  async function openInAnotherProcess(file: string): Promise<string> {
    const script =
      `require('@duckdb/node-api').DuckDBInstance.create(${JSON.stringify(file)}).then(` +
      `(i) => (i.closeSync(), console.log('opened')), (e) => console.log(e.message.split('\\n')[0]))`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
      cwd: join(__dirname, '../../..'),
    });
    return stdout.trim();
  }

  test.each([
    {
      name: 'the upgrade of a table of an earlier version fails',
      // A wide table (the layout before $series/$samples) without the dimension its catalog lists:
      // its migration fails after its rename (test/lambda/local-store/layout.test.ts).
      earlierVersion: [
        'DROP VIEW olddb.metrics',
        'DROP TABLE "olddb"."metrics$samples"',
        'DROP TABLE "olddb"."metrics$series"',
        'DROP TABLE "olddb"."metrics$doubles"',
        'CREATE TABLE olddb.metrics (measure_name VARCHAR NOT NULL, time TIMESTAMP_NS NOT NULL, ' +
          '"measure_value::double" DOUBLE, "measure_value::bigint" BIGINT, "measure_value::varchar" VARCHAR, ' +
          '"measure_value::boolean" BOOLEAN, ts_version BIGINT NOT NULL, ts_series VARCHAR NOT NULL)',
        `INSERT INTO "ts$catalog".dimensions VALUES ('olddb', 'metrics', 0, 'zone')`,
      ],
      faults: undefined,
      failure: /zone/,
    },
    {
      name: 'the fault settings are out of range',
      earlierVersion: [],
      faults: { throttleRate: 2 },
      failure: /^Faults need latencyMs/,
    },
  ])(
    'is closed again when $name, so another process can open it',
    async ({ earlierVersion, faults, failure }) => {
      const first = await StoreEngine.open({ dataDir: dir, nowMs: () => NOW });
      await first.ensureTable('olddb', 'metrics');
      await first.close();
      const instance = await DuckDBInstance.create(join(dir, STORE_FILE_NAME));
      const connection = await instance.connect();
      for (const statement of earlierVersion) await connection.run(statement);
      connection.closeSync();
      instance.closeSync();

      await expect(StoreEngine.open({ dataDir: dir, nowMs: () => NOW, faults })).rejects.toThrow(failure);
      expect(await openInAnotherProcess(join(dir, STORE_FILE_NAME))).toBe('opened');
    },
  );
});

describe('how the store opens DuckDB', () => {
  const dirs: string[] = [];
  afterAll(() => {
    dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
    // Where a store that took ':memory:' for a directory name would have written.
    rmSync(':memory:', { recursive: true, force: true });
  });
  const place = (name: string) => {
    if (name === ':memory:') return name;
    const dir = mkdtempSync(join(tmpdir(), 'engine-open-'));
    dirs.push(dir);
    return join(dir, 'data');
  };
  const scalars = async (store: StoreEngine, query: string) =>
    (
      (await store.handle('Query', { QueryString: query })) as {
        Rows: { Data: { ScalarValue?: string }[] }[];
      }
    ).Rows.map((row) => row.Data.map((datum) => datum.ScalarValue));

  test.each([{ name: 'a data directory' }, { name: ':memory:' }])(
    'divides integers with truncation, as Timestream does, in $name',
    async ({ name }) => {
      const store = await StoreEngine.open({ dataDir: place(name), nowMs: () => NOW });
      try {
        expect(await scalars(store, 'SELECT 5/2, -5/2, 7/7, 5.0/2')).toEqual([['2', '-2', '1', '2.5']]);
      } finally {
        await store.close();
      }
    },
  );

  test(':memory: keeps nothing from one open to the next and writes no file', async () => {
    const first = await StoreEngine.open({ dataDir: ':memory:', nowMs: () => NOW });
    await first.ensureTable('memdb', 'metrics');
    await first.close();
    const second = await StoreEngine.open({ dataDir: ':memory:', nowMs: () => NOW });
    try {
      expect(await second.handle('ListDatabases', {})).toEqual({ Databases: [] });
    } finally {
      await second.close();
    }
    expect(existsSync(':memory:')).toBe(false);
  });
});

describe('a database DuckDB invalidated by a fatal error (a checkpoint that found the disk full)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const writeHost = (store: StoreEngine, host: string, value: string) =>
    store.handle('WriteRecords', {
      DatabaseName: 'faildb',
      TableName: 'metrics',
      Records: [record(host, value, NOW - 1000)],
    });
  const query = (store: StoreEngine) =>
    store.handle('Query', {
      QueryString: 'SELECT host, measure_value::double FROM faildb.metrics ORDER BY host',
    });
  const rowsOf = (answer: unknown) =>
    (answer as { Rows: { Data: { ScalarValue?: string }[] }[] }).Rows.map((row) =>
      row.Data.map((datum) => datum.ScalarValue),
    );

  test.each([
    { name: 'a write', first: (store: StoreEngine) => writeHost(store, 'b', '2') },
    { name: 'a query', first: query },
  ])(
    'is opened again: $name that finds it is refused with InternalServerException, and the calls after it work on everything written',
    async ({ first }) => {
      const dir = mkdtempSync(join(tmpdir(), 'engine-invalidated-'));
      dirs.push(dir);
      const create = DuckDBInstance.create.bind(DuckDBInstance);
      let fragile: DuckDBInstance | undefined;
      // The first open's checkpoints fail with a fatal error, as one that finds the disk full does.
      const opens = jest
        .spyOn(DuckDBInstance, 'create')
        .mockImplementationOnce(
          async (path, settings) =>
            (fragile = await create(path, { ...settings, debug_checkpoint_abort: 'before_header' })),
        );
      const store = await StoreEngine.open({ dataDir: dir, nowMs: () => NOW });
      try {
        await store.ensureTable('faildb', 'metrics');
        await writeHost(store, 'a', '1');
        const connection = await fragile!.connect();
        await expect(connection.run('CHECKPOINT')).rejects.toThrow(
          'Checkpoint aborted before header write because of PRAGMA checkpoint_abort flag',
        );
        connection.closeSync();

        await expect(first(store)).rejects.toMatchObject({
          type: 'InternalServerException',
          message: expect.stringContaining(
            'database has been invalidated because of a previous fatal error',
          ) as string,
        });
        expect(opens).toHaveBeenCalledTimes(2);
        expect(await writeHost(store, 'b', '2')).toEqual({
          RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 },
        });
        expect(rowsOf(await query(store))).toEqual([
          ['a', '1.0'],
          ['b', '2.0'],
        ]);
      } finally {
        opens.mockRestore();
        await store.close();
      }
    },
  );
});

test('a file that cannot be opened again is tried at most once a second, the calls between refused with its failure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'engine-unopened-'));
  const create = DuckDBInstance.create.bind(DuckDBInstance);
  let fragile: DuckDBInstance | undefined;
  const opens = jest
    .spyOn(DuckDBInstance, 'create')
    .mockImplementationOnce(
      async (path, settings) =>
        (fragile = await create(path, { ...settings, debug_checkpoint_abort: 'before_header' })),
    )
    .mockRejectedValueOnce(new Error('IO Error: Could not read enough bytes from file'));
  let now = NOW;
  const store = await StoreEngine.open({ dataDir: dir, nowMs: () => now });
  const write = (host: string) =>
    store.handle('WriteRecords', {
      DatabaseName: 'retrydb',
      TableName: 'metrics',
      Records: [record(host, '1', NOW - 1000)],
    });
  try {
    await store.ensureTable('retrydb', 'metrics');
    const connection = await fragile!.connect();
    await expect(connection.run('CHECKPOINT')).rejects.toThrow('checkpoint_abort');
    connection.closeSync();
    // The call that finds DuckDB invalidated fails, and so does the try to open the file again.
    await expect(write('a')).rejects.toMatchObject({ type: 'InternalServerException' });
    expect(opens).toHaveBeenCalledTimes(2);
    const unopened = {
      type: 'InternalServerException',
      message: `Internal error in the embedded store: cannot open data directory ${dir} (IO Error: Could not read enough bytes from file)`,
    };
    now += REOPEN_MIN_INTERVAL_MS - 1;
    await expect(write('b')).rejects.toMatchObject(unopened);
    await expect(write('c')).rejects.toMatchObject(unopened);
    expect(opens).toHaveBeenCalledTimes(2);
    now += 1;
    expect(await write('d')).toEqual({ RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
    expect(opens).toHaveBeenCalledTimes(3);
  } finally {
    opens.mockRestore();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a write to a store whose data directory was deleted is refused with InternalServerException, not acknowledged', async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'engine-deleted-')), 'data');
  const store = await StoreEngine.open({ dataDir, nowMs: () => NOW });
  const writeHost = hostWriter(store, 'gonedb');
  try {
    await store.ensureTable('gonedb', 'metrics');
    expect(await writeHost('a')).toEqual({ RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
    expect(store.health()).toBeUndefined();
    rmSync(dirname(dataDir), { recursive: true, force: true });

    await expect(writeHost('b')).rejects.toMatchObject({
      type: 'InternalServerException',
      message: `The embedded store's file ${join(dataDir, STORE_FILE_NAME)} is gone (its data directory was deleted or moved); restart the store to start a new one.`,
    });
    expect(existsSync(dataDir)).toBe(false);
    // What the connector's /healthz answers with 503, so a supervisor restarts the process.
    expect(store.health()).toBe(
      `The embedded store's file ${join(dataDir, STORE_FILE_NAME)} is gone (its data directory was deleted or moved); restart the store to start a new one.`,
    );
  } finally {
    await store.close();
    rmSync(dirname(dataDir), { recursive: true, force: true });
  }
});

test('a write to a store whose data directory was replaced by a file is refused as one whose directory is gone', async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'engine-notdir-')), 'data');
  const store = await StoreEngine.open({ dataDir, nowMs: () => NOW });
  const writeHost = hostWriter(store, 'notdirdb');
  const gone = `The embedded store's file ${join(dataDir, STORE_FILE_NAME)} is gone (its data directory was deleted or moved); restart the store to start a new one.`;
  try {
    await store.ensureTable('notdirdb', 'metrics');
    expect(await writeHost('a')).toEqual({ RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
    // Moved aside and a file put at its path: looking the store's file up there fails with ENOTDIR.
    renameSync(dataDir, `${dataDir}.moved`);
    writeFileSync(dataDir, '');

    await expect(writeHost('b')).rejects.toMatchObject({ type: 'InternalServerException', message: gone });
    expect(store.health()).toBe(gone);
  } finally {
    await store.close();
    rmSync(dirname(dataDir), { recursive: true, force: true });
  }
});

test('a write to a store whose file was replaced by a copy is refused with InternalServerException, not acknowledged', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'engine-replaced-'));
  const file = join(dataDir, STORE_FILE_NAME);
  const store = await StoreEngine.open({ dataDir, nowMs: () => NOW });
  const writeHost = hostWriter(store, 'copydb');
  const refusal = `The embedded store's file ${file} was replaced by another file while the store ran; restart the store to open the new one.`;
  try {
    await store.ensureTable('copydb', 'metrics');
    expect(await writeHost('a')).toEqual({ RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
    // A backup restored over the file: the same bytes in a new inode, which the next start opens.
    copyFileSync(file, `${file}.copy`);
    renameSync(`${file}.copy`, file);

    await expect(writeHost('b')).rejects.toMatchObject({ type: 'InternalServerException', message: refusal });
    expect(store.health()).toBe(refusal);
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("a write acknowledged after the store's WAL was deleted is in the DuckDB file, so a crash does not lose it", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'engine-wal-'));
  const file = join(dataDir, STORE_FILE_NAME);
  const crashed = mkdtempSync(join(tmpdir(), 'engine-wal-crashed-'));
  const store = await StoreEngine.open({ dataDir, nowMs: () => NOW });
  const writeHost = hostWriter(store, 'waldb');
  try {
    await store.ensureTable('waldb', 'metrics');
    expect(await writeHost('a')).toEqual({ RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
    // Taken for a log and cleaned up: DuckDB keeps appending to the deleted file.
    rmSync(`${file}.wal`);
    expect(await writeHost('b')).toEqual({ RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
    // What a kill -9 now would leave on disk: the DuckDB file, and no WAL.
    copyFileSync(file, join(crashed, STORE_FILE_NAME));
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const restarted = await StoreEngine.open({ dataDir: crashed, nowMs: () => NOW });
  try {
    const page = (await restarted.handle('Query', {
      QueryString: 'SELECT host FROM "waldb"."metrics" ORDER BY host',
    })) as { Rows: { Data: { ScalarValue: string }[] }[] };
    expect(page.Rows.map((row) => row.Data[0].ScalarValue)).toEqual(['a', 'b']);
  } finally {
    await restarted.close();
    rmSync(crashed, { recursive: true, force: true });
  }
});

test('only a write that commits something checkpoints when the WAL is not on disk', async () => {
  // DuckDB writes no WAL for a group of identical re-writes, and removes the WAL at each checkpoint:
  // a resent request after a checkpoint ran one CHECKPOINT (~1 ms) for each of its ~70 calls.
  const dataDir = mkdtempSync(join(tmpdir(), 'engine-wal-noop-'));
  const file = join(dataDir, STORE_FILE_NAME);
  const store = await StoreEngine.open({ dataDir, nowMs: () => NOW });
  const writeHost = hostWriter(store, 'noopdb');
  const run = jest.spyOn(DuckDBConnection.prototype, 'run');
  const checkpoints = () => run.mock.calls.filter(([sql]) => sql === 'CHECKPOINT').length;
  try {
    await store.ensureTable('noopdb', 'metrics');
    expect(await writeHost('a')).toEqual({ RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
    rmSync(`${file}.wal`);
    // An identical re-write: acknowledged, nothing committed, no checkpoint.
    expect(await writeHost('a')).toEqual({ RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
    expect(checkpoints()).toBe(0);
    // A new row: committed into the deleted WAL, so checkpointed before it is acknowledged.
    expect(await writeHost('b')).toEqual({ RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
    expect(checkpoints()).toBe(1);
  } finally {
    run.mockRestore();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('SQL the translator never emits, handed to DuckDB as it is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'engine-outside-'));
  const csv = join(dir, 'outside.csv');
  const written = join(dir, 'written.csv');
  writeFileSync(csv, 'secret\nvalue\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    { name: 'a scan of a file named as a table', sql: `SELECT * FROM '${csv}'` },
    { name: 'a file read by a table function', sql: `SELECT * FROM read_text('${csv}')` },
    { name: 'a subquery scanning a file', sql: `SELECT (FROM '${csv}')` },
    {
      name: 'a URL, which installs an extension to fetch it',
      sql: "SELECT * FROM 'https://example.com/x.csv'",
    },
    { name: 'COPY to a file', sql: `COPY (SELECT 42) TO '${written}'` },
    { name: 'ATTACH of another database', sql: `ATTACH '${join(dir, 'other.duckdb')}' AS other` },
    { name: 'INSTALL', sql: 'INSTALL httpfs' },
    { name: 'LOAD', sql: 'LOAD httpfs' },
    { name: 'SET', sql: "SET memory_limit = '1MB'" },
    { name: 'a setting turned back on', sql: 'SET enable_external_access = true' },
  ])('is refused by DuckDB itself: $name', async ({ sql }) => {
    await expect(engine.handle('Query', { QueryString: sql })).rejects.toMatchObject({
      type: 'ValidationException',
      message: expect.stringMatching(/^mapped: (Permission|Invalid Input) Error: /),
    });
    expect(existsSync(written)).toBe(false);
  });
});

test('ensureTable creates a missing table with the settings given, the others at their defaults, and leaves an existing one as it is', async () => {
  const settingsOf = async (table: string) =>
    (
      (await engine.handle('DescribeTable', { DatabaseName: 'ensuredb', TableName: table })) as {
        Table: { RetentionProperties: unknown; MagneticStoreWriteProperties: unknown };
      }
    ).Table;
  await engine.ensureTable('ensuredb', 'given', {
    memoryStoreRetentionHours: 24,
    enableMagneticStoreWrites: true,
  });
  await engine.ensureTable('ensuredb', 'given', { memoryStoreRetentionHours: 48 });
  expect(await settingsOf('given')).toMatchObject({
    RetentionProperties: { MemoryStoreRetentionPeriodInHours: 24, MagneticStoreRetentionPeriodInDays: 73000 },
    MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
  });
});

test('close() commits the writes queued behind the group under way before it closes the database', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'engine-close-'));
  try {
    const first = await StoreEngine.open({ dataDir: join(dir, 'data'), nowMs: () => NOW });
    await first.ensureTable('closedb', 'metrics');
    const writeOne = (host: string) =>
      first.handle('WriteRecords', {
        DatabaseName: 'closedb',
        TableName: 'metrics',
        Records: [record(host, '1', NOW)],
      });
    await writeOne('earlier'); // the table's writer exists and has its series loaded
    const running = writeOne('a');
    // A turn of the event loop later 'a' is on its way to DuckDB, or about to be; 'b' and 'c' follow.
    await new Promise((resolve) => setImmediate(resolve));
    const queued = [writeOne('b'), writeOne('c')];
    await first.close();
    expect(await Promise.allSettled([running, ...queued])).toEqual(
      Array.from({ length: 3 }, () => ({
        status: 'fulfilled',
        value: { RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } },
      })),
    );
    const second = await StoreEngine.open({ dataDir: join(dir, 'data'), nowMs: () => NOW });
    try {
      const answer = (await second.handle('Query', {
        QueryString: 'SELECT host FROM "closedb"."metrics" ORDER BY host',
      })) as { Rows: { Data: { ScalarValue: string }[] }[] };
      expect(answer.Rows.map((row) => row.Data[0]!.ScalarValue)).toEqual(['a', 'b', 'c', 'earlier']);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('close() with a call waiting in an injected latency', () => {
  // NOTE: before, the latency's timer outlived close() and ran the call on the closed database
  // seconds later (after a test suite's teardown, a failed require of the SQL dialect).
  test('ends the wait with InternalServerException and runs nothing after it', async () => {
    const store = await StoreEngine.open({ dataDir: ':memory:', nowMs: () => NOW });
    store.faults.set({ latencyMs: 60_000 });
    const waiting = store.handle('Query', { QueryString: 'SELECT 1' });
    await store.close();
    await expect(waiting).rejects.toEqual(
      new StoreError('InternalServerException', 'The embedded store is closing.'),
    );
  });
});
