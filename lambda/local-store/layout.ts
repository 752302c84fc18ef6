// SPDX-License-Identifier: Apache-2.0
// The DDL of the narrow physical layout behind a Timestream table (schema.ts): the `$series`,
// `$samples` and `$doubles` tables and the view SQL reads, extended when a dimension appears, and
// the upgrades of tables written by earlier versions: the one-time migration of the former wide
// layout (one row per record, a column per dimension), `$doubles` added where it is missing, and
// the keys of series with a NUL made what seriesKey computes now.

import type { DuckDBConnection } from '@duckdb/node-api';
import { seriesKey } from './records';
import {
  MEASURE_VALUE_COLUMNS,
  MEASURE_VALUE_DUCK_TYPES,
  doublesTableName,
  MEASURE_NAME_COLUMN,
  SERIES_COLUMN,
  SERIES_ID_COLUMN,
  VERSION_COLUMN,
  physicalTableName,
  quoteDuckIdentifier,
  samplesTableName,
  seriesTableName,
  SCALAR_MEASURE_TYPES,
} from './schema';

const MEASURE_COLUMNS = SCALAR_MEASURE_TYPES.map((t) => quoteDuckIdentifier(MEASURE_VALUE_COLUMNS[t]));

const DOUBLE_COLUMN = quoteDuckIdentifier(MEASURE_VALUE_COLUMNS.DOUBLE);

/**
 * Creates the physical tables and the view of a new, empty table. Column order is what the
 * writer's appenders rely on: `$series` (ts_id, ts_series, measure_name, dimensions in catalog
 * order), `$samples` (ts_id, time, the measure columns in MEASURE_VALUE_COLUMNS order, ts_version)
 * and `$doubles` (ts_id, time, the DOUBLE measure column).
 */
export async function createLayout(
  connection: DuckDBConnection,
  database: string,
  table: string,
  dimensions: readonly string[] = [],
): Promise<void> {
  const dimensionColumns = dimensions.map((d) => `, ${quoteDuckIdentifier(d)} VARCHAR`).join('');
  const measureColumns = SCALAR_MEASURE_TYPES.map(
    (t, i) => `${MEASURE_COLUMNS[i]} ${MEASURE_VALUE_DUCK_TYPES[t]}`,
  ).join(', ');
  await connection.run(
    `CREATE TABLE ${seriesTableName(database, table)} (${SERIES_ID_COLUMN} INTEGER NOT NULL, ` +
      `${SERIES_COLUMN} VARCHAR NOT NULL, ${MEASURE_NAME_COLUMN} VARCHAR NOT NULL${dimensionColumns})`,
  );
  await connection.run(
    `CREATE TABLE ${samplesTableName(database, table)} (${SERIES_ID_COLUMN} INTEGER NOT NULL, ` +
      `time TIMESTAMP_NS NOT NULL, ${measureColumns}, ${VERSION_COLUMN} BIGINT NOT NULL)`,
  );
  await connection.run(createDoublesSql(database, table));
  await connection.run(viewSql(database, table, dimensions));
}

/**
 * Adds `$doubles` to a table written before it existed (its rows all stay in `$samples`) and
 * redefines the view over both; does nothing to a table that has it.
 */
export async function ensureDoublesTable(
  connection: DuckDBConnection,
  database: string,
  table: string,
  dimensions: readonly string[],
): Promise<void> {
  if (await baseTableExists(connection, database, `${table}$doubles`)) return;
  await connection.run(createDoublesSql(database, table));
  await connection.run(viewSql(database, table, dimensions));
}

function createDoublesSql(database: string, table: string): string {
  return (
    `CREATE TABLE ${doublesTableName(database, table)} (${SERIES_ID_COLUMN} INTEGER NOT NULL, ` +
    `time TIMESTAMP_NS NOT NULL, ${DOUBLE_COLUMN} DOUBLE NOT NULL)`
  );
}

/**
 * A relation of every sample row of a table, from `$doubles` and `$samples`, with the columns of
 * `$samples` (ts_id, time, the measure columns, ts_version): what the view and the writer read.
 */
export function samplesRelation(database: string, table: string): string {
  const doubleRow = SCALAR_MEASURE_TYPES.map((t, i) =>
    t === 'DOUBLE' ? MEASURE_COLUMNS[i] : `NULL::${MEASURE_VALUE_DUCK_TYPES[t]} AS ${MEASURE_COLUMNS[i]}`,
  ).join(', ');
  const columns = [SERIES_ID_COLUMN, 'time', ...MEASURE_COLUMNS, VERSION_COLUMN].join(', ');
  return (
    `(SELECT ${SERIES_ID_COLUMN}, time, ${doubleRow}, 1::BIGINT AS ${VERSION_COLUMN} ` +
    `FROM ${doublesTableName(database, table)} UNION ALL SELECT ${columns} FROM ${samplesTableName(database, table)})`
  );
}

/** Adds dimension columns to `$series` and redefines the view over all of `dimensions`. */
export async function addDimensions(
  connection: DuckDBConnection,
  database: string,
  table: string,
  added: readonly string[],
  dimensions: readonly string[],
): Promise<void> {
  for (const name of added) {
    await connection.run(
      `ALTER TABLE ${seriesTableName(database, table)} ADD COLUMN ${quoteDuckIdentifier(name)} VARCHAR`,
    );
  }
  await connection.run(viewSql(database, table, dimensions));
}

/** Drops the view and both physical tables (also a table still in the wide layout). */
export async function dropLayout(
  connection: DuckDBConnection,
  database: string,
  table: string,
): Promise<void> {
  if (await isWideTable(connection, database, table)) {
    await connection.run(`DROP TABLE ${physicalTableName(database, table)}`);
    return;
  }
  await connection.run(`DROP VIEW IF EXISTS ${physicalTableName(database, table)}`);
  await connection.run(`DROP TABLE IF EXISTS ${samplesTableName(database, table)}`);
  await connection.run(`DROP TABLE IF EXISTS ${doublesTableName(database, table)}`);
  await connection.run(`DROP TABLE IF EXISTS ${seriesTableName(database, table)}`);
}

/**
 * Moves a table written in the wide layout (a base table named like the Timestream table) into
 * the narrow one, in the caller's transaction: every distinct `ts_series` becomes a `$series`
 * row, every row a `$samples` row. Returns false (and does nothing) for a table already narrow.
 */
export async function migrateWideTable(
  connection: DuckDBConnection,
  database: string,
  table: string,
  dimensions: readonly string[],
): Promise<boolean> {
  if (!(await isWideTable(connection, database, table))) return false;
  const wide = physicalTableName(database, table);
  const moved = `${table}$wide`;
  await connection.run(`ALTER TABLE ${wide} RENAME TO ${quoteDuckIdentifier(moved)}`);
  const old = physicalTableName(database, moved);
  await createLayout(connection, database, table, dimensions);
  const seriesColumns = [SERIES_COLUMN, MEASURE_NAME_COLUMN, ...dimensions]
    .map(quoteDuckIdentifier)
    .join(', ');
  // A series' dimensions and measure name are what its key hashes, so rows of one key agree on them.
  await connection.run(
    `INSERT INTO ${seriesTableName(database, table)} (${SERIES_ID_COLUMN}, ${seriesColumns}) ` +
      `SELECT (row_number() OVER (ORDER BY ${SERIES_COLUMN}))::INTEGER, ${seriesColumns} ` +
      `FROM (SELECT DISTINCT ON (${SERIES_COLUMN}) ${seriesColumns} FROM ${old})`,
  );
  const sampleNames = [
    'time',
    ...SCALAR_MEASURE_TYPES.map((t) => MEASURE_VALUE_COLUMNS[t]),
    VERSION_COLUMN,
  ].map(quoteDuckIdentifier);
  await connection.run(
    `INSERT INTO ${samplesTableName(database, table)} (${SERIES_ID_COLUMN}, ${sampleNames.join(', ')}) ` +
      `SELECT s.${SERIES_ID_COLUMN}, ${sampleNames.map((n) => `w.${n}`).join(', ')} FROM ${old} w ` +
      `JOIN ${seriesTableName(database, table)} s ON s.${SERIES_COLUMN} = w.${SERIES_COLUMN} ORDER BY w.time`,
  );
  await connection.run(`DROP TABLE ${old}`);
  return true;
}

/**
 * Gives each series holding a NUL in a dimension value or its measure name the `ts_series` that
 * seriesKey computes now: versions before layout 2 hashed such series unescaped, so the writer
 * took a record of one for a new series, stored an identical re-write twice and accepted another
 * value at a time already written. A key another row already holds is left alone: that row is the
 * one later writes found.
 */
export async function rekeyNulSeries(
  connection: DuckDBConnection,
  database: string,
  table: string,
  dimensions: readonly string[],
): Promise<void> {
  const series = seriesTableName(database, table);
  const columns = [MEASURE_NAME_COLUMN, ...dimensions].map(quoteDuckIdentifier);
  const reader = await connection.runAndReadAll(
    `SELECT ${SERIES_ID_COLUMN}, ${SERIES_COLUMN}, ${columns.join(', ')} FROM ${series} ` +
      `WHERE ${columns.map((c) => `contains(${c}, chr(0))`).join(' OR ')}`,
  );
  for (const [id, key, measureName, ...values] of reader.getRows()) {
    const named = dimensions.flatMap((name, i) =>
      values[i] === null ? [] : [{ name, value: String(values[i]) }],
    );
    const current = seriesKey(named, String(measureName));
    if (current === key) continue;
    await connection.run(
      `UPDATE ${series} SET ${SERIES_COLUMN} = $1 WHERE ${SERIES_ID_COLUMN} = $2 ` +
        `AND NOT EXISTS (SELECT 1 FROM ${series} WHERE ${SERIES_COLUMN} = $1)`,
      [current, Number(id)],
    );
  }
}

/** The view SQL reads: one row per record, with the wide layout's columns. */
function viewSql(database: string, table: string, dimensions: readonly string[]): string {
  const columns = [
    ...dimensions.map((d) => `s.${quoteDuckIdentifier(d)}`),
    `s.${MEASURE_NAME_COLUMN}`,
    'p.time',
    ...MEASURE_COLUMNS.map((c) => `p.${c}`),
    `p.${VERSION_COLUMN}`,
    `s.${SERIES_COLUMN}`,
  ].join(', ');
  return (
    `CREATE OR REPLACE VIEW ${physicalTableName(database, table)} AS SELECT ${columns} ` +
    `FROM ${samplesRelation(database, table)} p JOIN ${seriesTableName(database, table)} s ` +
    `ON p.${SERIES_ID_COLUMN} = s.${SERIES_ID_COLUMN}`
  );
}

/** A table still in the wide layout is a base table named like the Timestream table. */
function isWideTable(connection: DuckDBConnection, database: string, table: string): Promise<boolean> {
  return baseTableExists(connection, database, table);
}

/** Tells whether schema `database` of the store holds a base table (not a view) named `name`. */
async function baseTableExists(
  connection: DuckDBConnection,
  database: string,
  name: string,
): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    `SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2`,
    [database, name],
  );
  return Number(reader.getRows()[0][0]) > 0;
}
