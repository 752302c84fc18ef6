// SPDX-License-Identifier: Apache-2.0
// The narrow physical layout: what SQL sees through the view, where each record is kept, and the
// upgrades of data directories written by earlier versions: the former wide layout (one row per
// record, a column per dimension) and narrow tables from before `$doubles`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { StoreEngine, STORE_FILE_NAME } from '../../../lambda/local-store/engine';
import { StoreError } from '../../../lambda/local-store/errors';
import { seriesKey } from '../../../lambda/local-store/records';

const NOW = Date.UTC(2026, 0, 1);
const DB = 'layoutdb';
const TABLE = 'metrics';
const record = (dims: Record<string, string>, value: string, timeMs: number) => ({
  Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
  MeasureName: 'cpu',
  MeasureValue: value,
  Time: String(timeMs),
});

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'layout-test-'));
  dirs.push(dir);
  return dir;
}

async function withEngine<T>(dir: string, work: (engine: StoreEngine) => Promise<T>): Promise<T> {
  const engine = await StoreEngine.open({ dataDir: dir, nowMs: () => NOW });
  try {
    return await work(engine);
  } finally {
    await engine.close();
  }
}

const write = (engine: StoreEngine, records: object[]) =>
  engine.handle('WriteRecords', { DatabaseName: DB, TableName: TABLE, Records: records });

/** What a write that must be refused throws (the test fails if it is accepted). */
async function refusal(engine: StoreEngine, records: object[]): Promise<unknown> {
  const outcome = await write(engine, records).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (outcome === undefined) throw new Error('the write was accepted');
  return outcome;
}

async function rows(engine: StoreEngine, query: string): Promise<(string | null)[][]> {
  const answer = (await engine.handle('Query', { QueryString: query })) as {
    Rows: { Data: { ScalarValue?: string }[] }[];
  };
  return answer.Rows.map((r) => r.Data.map((d) => d.ScalarValue ?? null));
}

async function duck<T>(
  dir: string,
  work: (run: (sql: string) => Promise<unknown[][]>) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(join(dir, STORE_FILE_NAME));
  const connection = await instance.connect();
  try {
    return await work(async (sql) => (await connection.runAndReadAll(sql)).getRows());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Rows in `$doubles` and in `$samples`, in that order. */
const sampleTableCounts = (dir: string) =>
  duck(dir, async (run) => [
    (await run(`SELECT count(*) FROM "${DB}"."${TABLE}$doubles"`))[0][0],
    (await run(`SELECT count(*) FROM "${DB}"."${TABLE}$samples"`))[0][0],
  ]);

test('stores each series once and every DOUBLE record at version 1 as a $doubles row behind a view of the same name', async () => {
  const dir = dataDir();
  await withEngine(dir, async (engine) => {
    await engine.ensureTable(DB, TABLE);
    await write(engine, [record({ host: 'a' }, '1', NOW - 3000), record({ host: 'a' }, '2', NOW - 2000)]);
    await write(engine, [
      record({ host: 'a', region: 'eu' }, '3', NOW - 1000),
      record({ host: 'b' }, '4', NOW),
    ]);
  });
  const counts = await duck(dir, async (run) => ({
    series: await run(
      `SELECT ts_id, measure_name, host, region FROM "${DB}"."${TABLE}$series" ORDER BY ts_id`,
    ),
    samples: await run(`SELECT count(*) FROM "${DB}"."${TABLE}$samples"`),
    doubles: await run(
      `SELECT ts_id, epoch_ms(time), "measure_value::double" FROM "${DB}"."${TABLE}$doubles" ORDER BY time`,
    ),
    view: await run(`SELECT view_name FROM duckdb_views() WHERE schema_name = '${DB}'`),
  }));
  expect(counts).toEqual({
    series: [
      [1, 'cpu', 'a', null],
      [2, 'cpu', 'a', 'eu'],
      [3, 'cpu', 'b', null],
    ],
    samples: [[0n]],
    doubles: [
      [1, BigInt(NOW - 3000), 1],
      [1, BigInt(NOW - 2000), 2],
      [2, BigInt(NOW - 1000), 3],
      [3, BigInt(NOW), 4],
    ],
    view: [[TABLE]],
  });
});

test.each([
  { name: 'DOUBLE samples only', types: ['DOUBLE'] },
  { name: 'all four measure types interleaved', types: ['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN'] },
])('fills exactly one value column per sample row over several DataChunks: $name', async ({ types }) => {
  // 2300 records in 23 calls: the first commits alone, the 22 queued behind it commit as one
  // group of 2200 rows, which spans two DataChunks of 2048 (write-records.ts).
  const count = 2300;
  const values: Record<string, (i: number) => string> = {
    DOUBLE: (i) => `${i}.5`,
    BIGINT: (i) => `${i}`,
    VARCHAR: (i) => `s${i}`,
    BOOLEAN: (i) => (i % 8 < 4 ? 'true' : 'false'),
  };
  const records = Array.from({ length: count }, (_, i) => {
    const type = types[i % types.length];
    return {
      Dimensions: [{ Name: 'host', Value: `h${i % 7}` }],
      MeasureName: `m_${type.toLowerCase()}`,
      MeasureValue: values[type](i),
      MeasureValueType: type,
      Time: String(NOW - i * 1000),
    };
  });
  const dir = dataDir();
  await withEngine(dir, async (engine) => {
    await engine.ensureTable(DB, TABLE);
    const calls = Array.from({ length: count / 100 }, (_, c) => records.slice(c * 100, (c + 1) * 100));
    await write(engine, calls[0]);
    await Promise.all(calls.slice(1).map((call) => write(engine, call)));
  });
  const stored = await duck(dir, (run) =>
    run(
      `SELECT measure_name, count(*), count("measure_value::double"), count("measure_value::bigint"), ` +
        `count("measure_value::varchar"), count("measure_value::boolean"), sum("measure_value::double"), ` +
        `sum("measure_value::bigint"), min("measure_value::varchar"), max("measure_value::varchar"), ` +
        `count_if("measure_value::boolean") FROM "${DB}"."${TABLE}" GROUP BY measure_name ORDER BY measure_name`,
    ),
  );
  const expected = types
    .map((type, t) => {
      const indices = Array.from({ length: count }, (_, i) => i).filter((i) => i % types.length === t);
      const n = BigInt(indices.length);
      const has = (column: string) => (column === type ? n : 0n);
      const texts = indices.map((i) => values.VARCHAR(i)).sort();
      return [
        `m_${type.toLowerCase()}`,
        n,
        has('DOUBLE'),
        has('BIGINT'),
        has('VARCHAR'),
        has('BOOLEAN'),
        type === 'DOUBLE' ? indices.reduce((sum, i) => sum + i + 0.5, 0) : null,
        type === 'BIGINT' ? indices.reduce((sum, i) => sum + BigInt(i), 0n) : null,
        type === 'VARCHAR' ? texts[0] : null,
        type === 'VARCHAR' ? texts[texts.length - 1] : null,
        // count_if over nothing but NULLs is NULL in DuckDB, not 0.
        type === 'BOOLEAN' ? BigInt(indices.filter((i) => i % 8 < 4).length) : null,
      ];
    })
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  expect(stored).toEqual(expected);
});

test('migrates a wide-layout table on open: same rows, same columns, same duplicate decisions', async () => {
  const dir = dataDir();
  await withEngine(dir, (engine) => engine.ensureTable(DB, TABLE));
  const eu = seriesKey(
    [
      { name: 'host', value: 'a' },
      { name: 'region', value: 'eu' },
    ],
    'cpu',
  );
  const b = seriesKey([{ name: 'host', value: 'b' }], 'cpu');
  const iso = (ms: number) => `make_timestamp_ns(${BigInt(ms) * 1_000_000n})`;
  // What the previous version wrote: the physical table itself, named like the Timestream table.
  await duck(dir, async (run) => {
    await run(`DROP VIEW "${DB}"."${TABLE}"`);
    await run(`DROP TABLE "${DB}"."${TABLE}$samples"`);
    await run(`DROP TABLE "${DB}"."${TABLE}$series"`);
    await run(`DROP TABLE "${DB}"."${TABLE}$doubles"`);
    await run(
      `CREATE TABLE "${DB}"."${TABLE}" (measure_name VARCHAR NOT NULL, time TIMESTAMP_NS NOT NULL, ` +
        `"measure_value::double" DOUBLE, "measure_value::bigint" BIGINT, "measure_value::varchar" VARCHAR, ` +
        `"measure_value::boolean" BOOLEAN, ts_version BIGINT NOT NULL, ts_series VARCHAR NOT NULL, host VARCHAR, region VARCHAR)`,
    );
    await run(
      `INSERT INTO "${DB}"."${TABLE}" VALUES ` +
        `('cpu', ${iso(NOW - 2000)}, 1.5, NULL, NULL, NULL, 1, '${eu}', 'a', 'eu'), ` +
        `('cpu', ${iso(NOW - 1000)}, 2.5, NULL, NULL, NULL, 3, '${eu}', 'a', 'eu'), ` +
        `('cpu', ${iso(NOW - 1000)}, 7, NULL, NULL, NULL, 1, '${b}', 'b', NULL)`,
    );
    await run(
      `INSERT INTO "ts$catalog".dimensions VALUES ('${DB}', '${TABLE}', 0, 'host'), ('${DB}', '${TABLE}', 1, 'region')`,
    );
    await run(`INSERT INTO "ts$catalog".measure_types VALUES ('${DB}', '${TABLE}', 'DOUBLE')`);
  });

  await withEngine(dir, async (engine) => {
    expect(await rows(engine, `SELECT * FROM "${DB}"."${TABLE}" ORDER BY time, host`)).toEqual([
      ['a', 'eu', 'cpu', '2025-12-31 23:59:58.000000000', '1.5'],
      ['a', 'eu', 'cpu', '2025-12-31 23:59:59.000000000', '2.5'],
      ['b', null, 'cpu', '2025-12-31 23:59:59.000000000', '7.0'],
    ]);
    // Identical re-write: accepted without a change; lower version with another value: refused.
    await expect(write(engine, [record({ host: 'b' }, '7', NOW - 1000)])).resolves.toEqual({
      RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 },
    });
    const refused = await refusal(engine, [
      { ...record({ host: 'a', region: 'eu' }, '9', NOW - 1000), Version: 2 },
    ]);
    expect(refused).toBeInstanceOf(StoreError);
    expect((refused as StoreError).members).toEqual({
      RejectedRecords: [
        {
          RecordIndex: 0,
          Reason:
            'The record version 2 is lower than the existing version 3. A higher version is required to update the measure value.',
          ExistingVersion: 3,
        },
      ],
    });
    // A new sample of a migrated series and a new series both land next to the migrated rows.
    await write(engine, [record({ host: 'b' }, '8', NOW), record({ host: 'c' }, '9', NOW)]);
    expect(
      await rows(engine, `SELECT host, count(*) FROM "${DB}"."${TABLE}" GROUP BY host ORDER BY host`),
    ).toEqual([
      ['a', '2'],
      ['b', '2'],
      ['c', '1'],
    ]);
  });
  // Migrated once: the wide table is gone and a second open finds nothing to move.
  const tables = await duck(dir, (run) =>
    run(`SELECT table_name FROM duckdb_tables() WHERE schema_name = '${DB}' ORDER BY table_name`),
  );
  expect(tables).toEqual([[`${TABLE}$doubles`], [`${TABLE}$samples`], [`${TABLE}$series`]]);
  await withEngine(dir, async (engine) => {
    expect(await rows(engine, `SELECT count(*) FROM "${DB}"."${TABLE}"`)).toEqual([['5']]);
  });
});

test('drops the view and the three physical tables with the table', async () => {
  const dir = dataDir();
  await withEngine(dir, async (engine) => {
    await engine.ensureTable(DB, TABLE);
    await write(engine, [record({ host: 'a' }, '1', NOW)]);
    await engine.handle('DeleteTable', { DatabaseName: DB, TableName: TABLE });
    await engine.ensureTable(DB, TABLE);
    expect(await rows(engine, `SELECT count(*) FROM "${DB}"."${TABLE}"`)).toEqual([['0']]);
  });
  const left = await duck(dir, (run) =>
    run(
      `SELECT count(*) FROM duckdb_tables() WHERE schema_name = '${DB}' UNION ALL ` +
        `SELECT count(*) FROM duckdb_views() WHERE schema_name = '${DB}'`,
    ),
  );
  expect(left).toEqual([[3n], [1n]]);
});

test.each([
  { name: 'a DOUBLE at version 1', extra: {}, table: '$doubles' },
  { name: 'a DOUBLE at version 2', extra: { Version: 2 }, table: '$samples' },
  { name: 'a BIGINT', extra: { MeasureValueType: 'BIGINT', MeasureName: 'n' }, table: '$samples' },
  { name: 'a VARCHAR', extra: { MeasureValueType: 'VARCHAR', MeasureName: 's' }, table: '$samples' },
  {
    name: 'a BOOLEAN',
    extra: { MeasureValueType: 'BOOLEAN', MeasureName: 'b', MeasureValue: 'true' },
    table: '$samples',
  },
])('keeps $name in $table, and SQL reads it once through the view', async ({ extra, table }) => {
  const dir = dataDir();
  const written = { ...record({ host: 'a' }, '5', NOW), ...extra };
  await withEngine(dir, async (engine) => {
    await engine.ensureTable(DB, TABLE);
    await write(engine, [written]);
    expect(await rows(engine, `SELECT count(*), max(measure_name) FROM "${DB}"."${TABLE}"`)).toEqual([
      ['1', written.MeasureName],
    ]);
    // The same record again is an identical re-write, found in whichever table holds it.
    await write(engine, [written]);
  });
  expect(await sampleTableCounts(dir)).toEqual(table === '$doubles' ? [1n, 0n] : [0n, 1n]);
});

test('moves a $doubles row to $samples when a higher version replaces it', async () => {
  const dir = dataDir();
  await withEngine(dir, async (engine) => {
    await engine.ensureTable(DB, TABLE);
    await write(engine, [record({ host: 'a' }, '1', NOW - 1000), record({ host: 'a' }, '2', NOW)]);
    await write(engine, [{ ...record({ host: 'a' }, '10', NOW - 1000), Version: 4 }]);
    expect(
      await rows(engine, `SELECT time, measure_value::double FROM "${DB}"."${TABLE}" ORDER BY time`),
    ).toEqual([
      ['2025-12-31 23:59:59.000000000', '10.0'],
      ['2026-01-01 00:00:00.000000000', '2.0'],
    ]);
    // The replaced row's version now decides: a lower one with another value is refused.
    const refused = await refusal(engine, [{ ...record({ host: 'a' }, '11', NOW - 1000), Version: 3 }]);
    expect((refused as StoreError).members).toEqual({
      RejectedRecords: [
        {
          RecordIndex: 0,
          Reason:
            'The record version 3 is lower than the existing version 4. A higher version is required to update the measure value.',
          ExistingVersion: 4,
        },
      ],
    });
  });
  const stored = await duck(dir, async (run) => ({
    doubles: await run(`SELECT epoch_ms(time), "measure_value::double" FROM "${DB}"."${TABLE}$doubles"`),
    samples: await run(
      `SELECT epoch_ms(time), "measure_value::double", ts_version FROM "${DB}"."${TABLE}$samples"`,
    ),
  }));
  expect(stored).toEqual({ doubles: [[BigInt(NOW), 2]], samples: [[BigInt(NOW - 1000), 10, 4n]] });
});

test('adds $doubles on open to a narrow table written before it existed, its rows kept in $samples', async () => {
  const dir = dataDir();
  await withEngine(dir, async (engine) => {
    await engine.ensureTable(DB, TABLE);
    await write(engine, [record({ host: 'a' }, '1', NOW - 2000), record({ host: 'b' }, '2', NOW - 2000)]);
  });
  // What the previous version wrote: every sample in $samples, and a view over it alone.
  await duck(dir, async (run) => {
    await run(
      `INSERT INTO "${DB}"."${TABLE}$samples" SELECT ts_id, time, "measure_value::double", NULL, NULL, NULL, 1 ` +
        `FROM "${DB}"."${TABLE}$doubles"`,
    );
    await run(`DROP VIEW "${DB}"."${TABLE}"`);
    await run(`DROP TABLE "${DB}"."${TABLE}$doubles"`);
    await run(
      `CREATE VIEW "${DB}"."${TABLE}" AS SELECT s.host, s.measure_name, p.time, p."measure_value::double", ` +
        `p."measure_value::bigint", p."measure_value::varchar", p."measure_value::boolean", p.ts_version, s.ts_series ` +
        `FROM "${DB}"."${TABLE}$samples" p JOIN "${DB}"."${TABLE}$series" s ON p.ts_id = s.ts_id`,
    );
  });
  await withEngine(dir, async (engine) => {
    // Identical re-write of an old row: accepted, nothing added; another value at its version: refused.
    await write(engine, [record({ host: 'a' }, '1', NOW - 2000)]);
    const refused = await refusal(engine, [record({ host: 'b' }, '3', NOW - 2000)]);
    expect((refused as StoreError).members).toEqual({
      RejectedRecords: [
        {
          RecordIndex: 0,
          Reason:
            'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.',
        },
      ],
    });
    await write(engine, [record({ host: 'a' }, '4', NOW)]);
    expect(
      await rows(
        engine,
        `SELECT host, time, measure_value::double FROM "${DB}"."${TABLE}" ORDER BY time, host`,
      ),
    ).toEqual([
      ['a', '2025-12-31 23:59:58.000000000', '1.0'],
      ['b', '2025-12-31 23:59:58.000000000', '2.0'],
      ['a', '2026-01-01 00:00:00.000000000', '4.0'],
    ]);
  });
  expect(await sampleTableCounts(dir)).toEqual([1n, 2n]);
});
