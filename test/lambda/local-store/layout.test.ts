// SPDX-License-Identifier: Apache-2.0
// The narrow physical layout: what SQL sees through the view, where each record is kept, and what
// deleting a table leaves. The upgrades of earlier data directories are in layout-upgrade.test.ts.

import { StoreError } from '../../../lambda/local-store/errors';
import {
  DB,
  NOW,
  TABLE,
  dataDir,
  duck,
  record,
  refusal,
  removeDataDirs,
  rows,
  sampleTableCounts,
  withEngine,
  write,
} from './layout-fixture';

afterAll(removeDataDirs);

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
