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

/** Turns `database.table` of a store just created into what an earlier version wrote (`ddl`). */
async function rewriteAsEarlierVersion(
  dir: string,
  database: string,
  table: string,
  dimensions: readonly string[],
  ddl: string[],
): Promise<void> {
  const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const lit = (text: string) => `'${text.replaceAll("'", "''")}'`;
  await duck(dir, async (run) => {
    await run(`DROP VIEW ${q(database)}.${q(table)}`);
    for (const suffix of ['$samples', '$series', '$doubles'])
      await run(`DROP TABLE ${q(database)}.${q(table + suffix)}`);
    for (const statement of ddl) await run(statement);
    for (const [i, name] of dimensions.entries()) {
      await run(
        `INSERT INTO "ts$catalog".dimensions VALUES (${lit(database)}, ${lit(table)}, ${i}, ${lit(name)})`,
      );
    }
    for (const type of ['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN'])
      await run(`INSERT INTO "ts$catalog".measure_types VALUES (${lit(database)}, ${lit(table)}, '${type}')`);
  });
}

describe.each([
  { name: 'plain names', database: DB, table: TABLE, dimensions: ['host', 'region'] },
  {
    name: 'names with dots, dashes, quotes, spaces and keywords',
    database: 'my-db.v1',
    table: 'node.cpu-total',
    dimensions: ['a"b c', 'select'],
  },
])('a wide-layout table of every measure type ($name)', ({ database, table, dimensions }) => {
  const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const lit = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const ts = (ms: number) => `make_timestamp_ns(${BigInt(ms) * 1_000_000n})`;
  const dims = (first: string, second: string | null) => [
    { name: dimensions[0], value: first },
    ...(second === null ? [] : [{ name: dimensions[1], value: second }]),
  ];
  // [first dimension, second dimension, measure name, time, double, bigint, varchar, boolean, version]
  const wideRows = [
    ['a', 'x', 'd', NOW - 4000, '1.5', null, null, null, 1],
    ['a', 'x', 'd', NOW - 3000, '2.5', null, null, null, 3],
    ['b', null, 'n', NOW - 3000, null, '-9007199254740993', null, null, 2],
    ['b', null, 's', NOW - 2000, null, null, "it's", null, 1],
    ['a', 'x', 'f', NOW - 1000, null, null, null, 'true', 5],
  ] as const;

  test('moves every value, version and dimension into the narrow layout once', async () => {
    const dir = dataDir();
    await withEngine(dir, async (engine) => {
      await engine.handle('CreateDatabase', { DatabaseName: database });
      await engine.handle('CreateTable', { DatabaseName: database, TableName: table });
    });
    const values = wideRows.map(
      ([first, second, measure, time, double, bigint, varchar, boolean, version]) =>
        `(${lit(measure)}, ${ts(time)}, ${double ?? 'NULL'}, ${bigint ?? 'NULL'}, ${varchar === null ? 'NULL' : lit(varchar)}, ` +
        `${boolean ?? 'NULL'}, ${version}, ${lit(seriesKey(dims(first, second), measure))}, ${lit(first)}, ${second === null ? 'NULL' : lit(second)})`,
    );
    await rewriteAsEarlierVersion(dir, database, table, dimensions, [
      `CREATE TABLE ${q(database)}.${q(table)} (measure_name VARCHAR NOT NULL, time TIMESTAMP_NS NOT NULL, ` +
        `"measure_value::double" DOUBLE, "measure_value::bigint" BIGINT, "measure_value::varchar" VARCHAR, ` +
        `"measure_value::boolean" BOOLEAN, ts_version BIGINT NOT NULL, ts_series VARCHAR NOT NULL, ` +
        `${dimensions.map((d) => `${q(d)} VARCHAR`).join(', ')})`,
      `INSERT INTO ${q(database)}.${q(table)} VALUES ${values.join(', ')}`,
    ]);

    await withEngine(dir, async (engine) => {
      expect(
        await rows(engine, `SELECT * FROM ${q(database)}.${q(table)} ORDER BY time, measure_name`),
      ).toEqual([
        ['a', 'x', 'd', '2025-12-31 23:59:56.000000000', '1.5', null, null, null],
        ['a', 'x', 'd', '2025-12-31 23:59:57.000000000', '2.5', null, null, null],
        ['b', null, 'n', '2025-12-31 23:59:57.000000000', null, '-9007199254740993', null, null],
        ['b', null, 's', '2025-12-31 23:59:58.000000000', null, null, "it's", null],
        ['a', 'x', 'f', '2025-12-31 23:59:59.000000000', null, null, null, 'true'],
      ]);
    });
    const stored = await duck(dir, async (run) => ({
      tables: await run(
        `SELECT table_name FROM duckdb_tables() WHERE schema_name = ${lit(database)} ORDER BY table_name`,
      ),
      samples: await run(
        `SELECT s.measure_name, epoch_ms(p.time), p."measure_value::double", p."measure_value::bigint", ` +
          `p."measure_value::varchar", p."measure_value::boolean", p.ts_version, s.${q(dimensions[0])}, s.${q(dimensions[1])} ` +
          `FROM ${q(database)}.${q(`${table}$samples`)} p JOIN ${q(database)}.${q(`${table}$series`)} s ` +
          `ON p.ts_id = s.ts_id ORDER BY p.time, s.measure_name`,
      ),
    }));
    expect(stored).toEqual({
      tables: [[`${table}$doubles`], [`${table}$samples`], [`${table}$series`]],
      samples: wideRows.map(([first, second, measure, time, double, bigint, varchar, boolean, version]) => [
        measure,
        BigInt(time),
        double === null ? null : Number(double),
        bigint === null ? null : BigInt(bigint),
        varchar,
        boolean === null ? null : boolean === 'true',
        BigInt(version),
        first,
        second,
      ]),
    });
  });
});

test('leaves a wide-layout table as it was when its migration fails half-way, and migrates it at the next open', async () => {
  const dir = dataDir();
  await withEngine(dir, (engine) => engine.ensureTable(DB, TABLE));
  const a = seriesKey([{ name: 'host', value: 'a' }], 'cpu');
  await rewriteAsEarlierVersion(
    dir,
    DB,
    TABLE,
    ['host'],
    [
      `CREATE TABLE "${DB}"."${TABLE}" (measure_name VARCHAR NOT NULL, time TIMESTAMP_NS NOT NULL, ` +
        `"measure_value::double" DOUBLE, "measure_value::bigint" BIGINT, "measure_value::varchar" VARCHAR, ` +
        `"measure_value::boolean" BOOLEAN, ts_version BIGINT NOT NULL, ts_series VARCHAR NOT NULL, host VARCHAR)`,
      `INSERT INTO "${DB}"."${TABLE}" VALUES ('cpu', make_timestamp_ns(${BigInt(NOW) * 1_000_000n}), 1.5, NULL, NULL, NULL, 1, '${a}', 'a')`,
      // A dimension the catalog lists and the wide table lacks: the migration fails after its rename.
      `INSERT INTO "ts$catalog".dimensions VALUES ('${DB}', '${TABLE}', 1, 'zone')`,
    ],
  );
  const layout = () =>
    duck(dir, (run) =>
      run(
        `SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = '${DB}' ` +
          `UNION ALL SELECT view_name, NULL FROM duckdb_views() WHERE schema_name = '${DB}' ORDER BY 1`,
      ),
    );
  await expect(StoreEngine.open({ dataDir: dir, nowMs: () => NOW })).rejects.toThrow(/zone/);
  expect(await layout()).toEqual([[TABLE, 1n]]);

  await duck(dir, (run) => run(`DELETE FROM "ts$catalog".dimensions WHERE name = 'zone'`));
  await withEngine(dir, async (engine) => {
    expect(await rows(engine, `SELECT host, measure_value::double FROM "${DB}"."${TABLE}"`)).toEqual([
      ['a', '1.5'],
    ]);
  });
});

test('adds $doubles on open to every narrow table written before it existed, also to tables of one name in two databases', async () => {
  const dir = dataDir();
  const databases = ['first', 'second'];
  await withEngine(dir, async (engine) => {
    for (const database of databases) await engine.ensureTable(database, TABLE);
  });
  const b = seriesKey([{ name: 'host', value: 'b' }], 'n');
  for (const [i, database] of databases.entries()) {
    // The layout of the version before `$doubles`, written out (a BIGINT row, ts_id 1).
    await rewriteAsEarlierVersion(
      dir,
      database,
      TABLE,
      ['host'],
      [
        `CREATE TABLE "${database}"."${TABLE}$series" (ts_id INTEGER NOT NULL, ts_series VARCHAR NOT NULL, measure_name VARCHAR NOT NULL, host VARCHAR)`,
        `CREATE TABLE "${database}"."${TABLE}$samples" (ts_id INTEGER NOT NULL, time TIMESTAMP_NS NOT NULL, ` +
          `"measure_value::double" DOUBLE, "measure_value::bigint" BIGINT, "measure_value::varchar" VARCHAR, ` +
          `"measure_value::boolean" BOOLEAN, ts_version BIGINT NOT NULL)`,
        `CREATE VIEW "${database}"."${TABLE}" AS SELECT s.host, s.measure_name, p.time, p."measure_value::double", ` +
          `p."measure_value::bigint", p."measure_value::varchar", p."measure_value::boolean", p.ts_version, s.ts_series ` +
          `FROM "${database}"."${TABLE}$samples" p JOIN "${database}"."${TABLE}$series" s ON p.ts_id = s.ts_id`,
        `INSERT INTO "${database}"."${TABLE}$series" VALUES (1, '${b}', 'n', 'b')`,
        `INSERT INTO "${database}"."${TABLE}$samples" VALUES (1, make_timestamp_ns(${BigInt(NOW - 1000) * 1_000_000n}), NULL, ${10 + i}, NULL, NULL, 2)`,
      ],
    );
  }
  await withEngine(dir, async (engine) => {
    for (const [i, database] of databases.entries()) {
      await engine.handle('WriteRecords', {
        DatabaseName: database,
        TableName: TABLE,
        Records: [
          record({ host: 'a' }, `${i}.5`, NOW),
          { ...record({ host: 'b' }, `${20 + i}`, NOW), MeasureName: 'n', MeasureValueType: 'BIGINT' },
          { ...record({ host: 'c' }, `v${i}`, NOW), MeasureName: 's', MeasureValueType: 'VARCHAR' },
          { ...record({ host: 'd' }, 'true', NOW), MeasureName: 'f', MeasureValueType: 'BOOLEAN' },
        ],
      });
    }
    for (const [i, database] of databases.entries()) {
      expect(await rows(engine, `SELECT * FROM "${database}"."${TABLE}" ORDER BY time, host`)).toEqual([
        ['b', 'n', '2025-12-31 23:59:59.000000000', null, `${10 + i}`, null, null],
        ['a', 'cpu', '2026-01-01 00:00:00.000000000', `${i}.5`, null, null, null],
        ['b', 'n', '2026-01-01 00:00:00.000000000', null, `${20 + i}`, null, null],
        ['c', 's', '2026-01-01 00:00:00.000000000', null, null, `v${i}`, null],
        ['d', 'f', '2026-01-01 00:00:00.000000000', null, null, null, 'true'],
      ]);
    }
  });
  for (const database of databases) {
    expect(
      await duck(dir, async (run) => [
        (await run(`SELECT count(*) FROM "${database}"."${TABLE}$doubles"`))[0][0],
        (await run(`SELECT count(*) FROM "${database}"."${TABLE}$samples"`))[0][0],
      ]),
    ).toEqual([1n, 4n]);
  }
});

test('leaves nothing of a deleted table in its database, which can then be deleted', async () => {
  const dir = dataDir();
  await withEngine(dir, async (engine) => {
    await engine.ensureTable(DB, TABLE);
    await write(engine, [record({ host: 'a' }, '1', NOW)]);
    await engine.handle('DeleteTable', { DatabaseName: DB, TableName: TABLE });
    await expect(engine.handle('DeleteDatabase', { DatabaseName: DB })).resolves.toEqual({});
  });
  const left = await duck(dir, (run) =>
    run(`SELECT schema_name FROM duckdb_schemas() WHERE schema_name = '${DB}'`),
  );
  expect(left).toEqual([]);
});

test.each([
  {
    name: '$series',
    columns: [
      ['ts_id', 'INTEGER', false],
      ['ts_series', 'VARCHAR', false],
      ['measure_name', 'VARCHAR', false],
      ['host', 'VARCHAR', true],
      ['a"b c', 'VARCHAR', true],
    ],
  },
  {
    name: '$samples',
    columns: [
      ['ts_id', 'INTEGER', false],
      ['time', 'TIMESTAMP_NS', false],
      ['measure_value::double', 'DOUBLE', true],
      ['measure_value::bigint', 'BIGINT', true],
      ['measure_value::varchar', 'VARCHAR', true],
      ['measure_value::boolean', 'BOOLEAN', true],
      ['ts_version', 'BIGINT', false],
    ],
  },
  {
    name: '$doubles',
    columns: [
      ['ts_id', 'INTEGER', false],
      ['time', 'TIMESTAMP_NS', false],
      ['measure_value::double', 'DOUBLE', false],
    ],
  },
  {
    name: '',
    columns: [
      ['host', 'VARCHAR', true],
      ['a"b c', 'VARCHAR', true],
      ['measure_name', 'VARCHAR', true],
      ['time', 'TIMESTAMP_NS', true],
      ['measure_value::double', 'DOUBLE', true],
      ['measure_value::bigint', 'BIGINT', true],
      ['measure_value::varchar', 'VARCHAR', true],
      ['measure_value::boolean', 'BOOLEAN', true],
      ['ts_version', 'BIGINT', true],
      ['ts_series', 'VARCHAR', true],
    ],
  },
])(
  'lays out "<table>$name" with these columns, in this order (what data directories hold)',
  async ({ name, columns }) => {
    const dir = dataDir();
    await withEngine(dir, async (engine) => {
      await engine.ensureTable(DB, TABLE);
      await write(engine, [record({ host: 'a', 'a"b c': 'x' }, '1', NOW)]);
    });
    const described = await duck(dir, (run) =>
      run(
        `SELECT column_name, data_type, is_nullable FROM duckdb_columns() ` +
          `WHERE schema_name = '${DB}' AND table_name = '${TABLE}${name}' ORDER BY column_index`,
      ),
    );
    expect(described).toEqual(columns);
  },
);

test('keeps the dimension columns in order of first appearance after a reopen, so new series land in their own columns', async () => {
  const dir = dataDir();
  await withEngine(dir, async (engine) => {
    await engine.ensureTable(DB, TABLE);
    await write(engine, [record({ host: 'h1', region: 'r1' }, '1', NOW - 2000)]);
    await write(engine, [record({ host: 'h2', region: 'r2', zone: 'z2' }, '2', NOW - 1000)]);
  });
  await withEngine(dir, async (engine) => {
    await write(engine, [record({ host: 'h3', region: 'r3', zone: 'z3' }, '3', NOW)]);
    expect(await rows(engine, `SELECT * FROM "${DB}"."${TABLE}" ORDER BY time`)).toEqual([
      ['h1', 'r1', null, 'cpu', '2025-12-31 23:59:58.000000000', '1.0'],
      ['h2', 'r2', 'z2', 'cpu', '2025-12-31 23:59:59.000000000', '2.0'],
      ['h3', 'r3', 'z3', 'cpu', '2026-01-01 00:00:00.000000000', '3.0'],
    ]);
  });
});
