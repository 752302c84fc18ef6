// SPDX-License-Identifier: Apache-2.0
// The upgrades of data directories written by earlier versions of the store, on open: the former
// wide layout (one row per record, a column per dimension) and narrow tables from before `$doubles`.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORE_LAYOUT_VERSION } from '../../../lambda/local-store/catalog';
import { StoreEngine, STORE_FILE_NAME } from '../../../lambda/local-store/engine';
import { StoreError } from '../../../lambda/local-store/errors';
import { seriesKey } from '../../../lambda/local-store/records';
import {
  DB,
  NOW,
  TABLE,
  dataDir,
  duck,
  record,
  refusal,
  removeDataDirs,
  rewriteAsEarlierVersion,
  rows,
  sampleTableCounts,
  withEngine,
  write,
} from './layout-fixture';

afterAll(removeDataDirs);

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
  // One line naming the directory and the table, which the CLI prints without a stack trace.
  await expect(StoreEngine.open({ dataDir: dir, nowMs: () => NOW })).rejects.toThrow(
    new Error(
      `cannot open data directory ${dir} (the upgrade of table ${DB}.${TABLE}, written by an earlier version ` +
        'of the embedded store, failed and was undone: Binder Error: Referenced column "zone" not found in ' +
        'FROM clause!; move the directory aside to start an empty one)',
    ),
  );
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

describe('the layout version marker', () => {
  const marker = (dir: string) => duck(dir, (run) => run(`SELECT version FROM "ts$catalog".layout`));

  test('marks a new data directory, and one of a version before the marker once upgraded, with its layout', async () => {
    const dir = dataDir();
    await withEngine(dir, (engine) => engine.ensureTable(DB, TABLE));
    expect(await marker(dir)).toEqual([[STORE_LAYOUT_VERSION]]);
    await duck(dir, (run) => run(`DROP TABLE "ts$catalog".layout`));
    await withEngine(dir, (engine) => write(engine, [record({ host: 'a' }, '1', NOW)]));
    expect(await marker(dir)).toEqual([[STORE_LAYOUT_VERSION]]);
  });

  test('refuses a data directory of a later layout in one line naming it, and leaves its file as it was', async () => {
    const dir = dataDir();
    await withEngine(dir, async (engine) => {
      await engine.ensureTable(DB, TABLE);
      await write(engine, [record({ host: 'a' }, '1', NOW)]);
    });
    // What a later version would write: another layout, marked with a higher version.
    await duck(dir, async (run) => {
      await run(`UPDATE "ts$catalog".layout SET version = ${STORE_LAYOUT_VERSION + 1}`);
      await run(`DROP VIEW "${DB}"."${TABLE}"`);
      await run(`ALTER TABLE "${DB}"."${TABLE}$doubles" RENAME TO "${TABLE}$later"`);
    });
    const file = join(dir, STORE_FILE_NAME);
    const before = readFileSync(file);
    await expect(StoreEngine.open({ dataDir: dir, nowMs: () => NOW })).rejects.toThrow(
      new Error(
        `cannot open data directory ${dir} (its store.duckdb has layout version ${STORE_LAYOUT_VERSION + 1}, ` +
          `written by a later version of the embedded store; this version reads layout ${STORE_LAYOUT_VERSION} ` +
          'and earlier: run the later version, ' +
          'or move the directory aside to start an empty one)',
      ),
    );
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(`${file}.wal`)).toBe(false);
    // Closed after the refusal: the file can be opened again.
    expect(await marker(dir)).toEqual([[STORE_LAYOUT_VERSION + 1]]);
  });
});

test.each([
  { name: 'unmarked', mark: `DROP TABLE "ts$catalog".layout` },
  { name: 'marked layout 1', mark: `UPDATE "ts$catalog".layout SET version = 1` },
])(
  'gives a series with a NUL in a dimension value, written before layout 2 ($name), its current key, so its samples are found again',
  async ({ mark }) => {
    const dir = dataDir();
    const nul = { host: 'x\u0000y' };
    await withEngine(dir, async (engine) => {
      await engine.ensureTable(DB, TABLE);
      await write(engine, [record(nul, '1', NOW - 2000), record({ host: 'plain' }, '2', NOW - 2000)]);
    });
    // What a version before layout 2 stored: the hash of the unescaped text.
    const oldKey = createHash('sha256')
      .update('host\u0000x\u0000y\u0000\u0001cpu')
      .digest('hex')
      .slice(0, 32);
    await duck(dir, async (run) => {
      await run(`UPDATE "${DB}"."${TABLE}$series" SET ts_series = '${oldKey}' WHERE contains(host, chr(0))`);
      await run(mark);
    });
    await withEngine(dir, async (engine) => {
      // Identical re-write: accepted, nothing added; another value at that time: refused.
      await write(engine, [record(nul, '1', NOW - 2000)]);
      const refused = await refusal(engine, [record(nul, '3', NOW - 2000)]);
      expect((refused as StoreError).members).toEqual({
        RejectedRecords: [
          {
            RecordIndex: 0,
            Reason:
              'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.',
          },
        ],
      });
      expect(
        await rows(engine, `SELECT host, measure_value::double FROM "${DB}"."${TABLE}" ORDER BY host`),
      ).toEqual([
        ['plain', '2.0'],
        ['x\u0000y', '1.0'],
      ]);
    });
    expect(
      await duck(dir, (run) => run(`SELECT ts_series FROM "${DB}"."${TABLE}$series" ORDER BY host`)),
    ).toEqual([
      [seriesKey([{ name: 'host', value: 'plain' }], 'cpu')],
      [seriesKey([{ name: 'host', value: 'x\u0000y' }], 'cpu')],
    ]);
    expect(await duck(dir, (run) => run(`SELECT version FROM "ts$catalog".layout`))).toEqual([[2]]);
  },
);

test('gives a series with a NUL in its measure name, written before layout 2, its current key', async () => {
  const dir = dataDir();
  const nul = { ...record({ host: 'm' }, '1', NOW - 2000), MeasureName: 'c\u0000pu' };
  await withEngine(dir, async (engine) => {
    await engine.ensureTable(DB, TABLE);
    await write(engine, [nul]);
  });
  const oldKey = createHash('sha256').update('host\u0000m\u0000\u0001c\u0000pu').digest('hex').slice(0, 32);
  await duck(dir, async (run) => {
    await run(`UPDATE "${DB}"."${TABLE}$series" SET ts_series = '${oldKey}'`);
    await run(`DROP TABLE "ts$catalog".layout`);
  });
  await withEngine(dir, async (engine) => {
    await write(engine, [nul]);
    const refused = await refusal(engine, [{ ...nul, MeasureValue: '2' }]);
    expect((refused as StoreError).members).toEqual({
      RejectedRecords: [
        {
          RecordIndex: 0,
          Reason:
            'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.',
        },
      ],
    });
    expect(
      await rows(engine, `SELECT host, measure_name, measure_value::double FROM "${DB}"."${TABLE}"`),
    ).toEqual([['m', 'c\u0000pu', '1.0']]);
  });
});
