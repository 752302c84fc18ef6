// SPDX-License-Identifier: Apache-2.0
// How the embedded store lays a Timestream table out in DuckDB, shared by the storage engine
// (which writes it) and the SQL translator (which reads it). Changing this is a data migration.

/**
 * A Timestream table is seen by SQL as `"<database>"."<table>"` (a DuckDB schema per Timestream
 * database, names quoted with `"` doubled): a view with one row per record. Column order in DuckDB
 * is not meaningful; the catalog keeps the Timestream order.
 *
 * Columns of the view:
 * - one `VARCHAR` column per dimension, named exactly as the dimension (NULL where a series lacks it);
 * - `measure_name VARCHAR NOT NULL`;
 * - `time TIMESTAMP_NS NOT NULL` (Timestream keeps nanoseconds; UTC);
 * - the typed measure columns of MEASURE_VALUE_COLUMNS, all physically present from the start;
 * - hidden bookkeeping columns prefixed `ts_` (Timestream reserves that prefix, so no dimension can
 *   collide with them); the translator never exposes them.
 *
 * Physically the view joins two tables (the narrow layout): `<table>$series`, one row per series
 * (`ts_id`, `ts_series`, `measure_name`, the dimension columns, added with `ALTER TABLE ... ADD
 * COLUMN` the first time a record carries one), and `<table>$samples`, one row per record (`ts_id`,
 * `time`, the measure columns, `ts_version`). A record then costs DuckDB a few fixed-width values
 * instead of a string per dimension (figure 4). `$` is outside Timestream's name pattern, so the
 * physical names cannot collide with a table's.
 *
 * The common record, a DOUBLE at the default version 1, goes to a third table, `<table>$doubles`
 * (`ts_id`, `time`, `measure_value::double`), and everything else (the other types, versions above
 * 1, and the rows of stores written before `$doubles` existed) to `$samples`; the view reads the
 * union of both. NOTE: measured on the store's hot path (figure 4): DuckDB's append and commit of
 * 4000-row groups cost 1.73-1.85 µs per row into the seven columns of `$samples` (three of them
 * NULL) against 0.88-0.98 into three.
 */
export const MEASURE_VALUE_COLUMNS = {
  DOUBLE: 'measure_value::double',
  BIGINT: 'measure_value::bigint',
  VARCHAR: 'measure_value::varchar',
  BOOLEAN: 'measure_value::boolean',
} as const;
export type ScalarMeasureType = keyof typeof MEASURE_VALUE_COLUMNS;

/**
 * The scalar measure types in MEASURE_VALUE_COLUMNS order: the physical order of the value columns
 * in `$samples` and the order `SELECT *`, DESCRIBE and SHOW MEASURES list them in.
 */
export const SCALAR_MEASURE_TYPES = Object.keys(MEASURE_VALUE_COLUMNS) as readonly ScalarMeasureType[];

/** DuckDB type of each typed measure column. */
export const MEASURE_VALUE_DUCK_TYPES: Readonly<Record<ScalarMeasureType, string>> = {
  DOUBLE: 'DOUBLE',
  BIGINT: 'BIGINT',
  VARCHAR: 'VARCHAR',
  BOOLEAN: 'BOOLEAN',
};

/** Record version (Timestream `Version`, default 1). */
export const VERSION_COLUMN = 'ts_version';
/** Hidden identity of the series: a stable hash of (sorted dimensions, measure name). */
export const SERIES_COLUMN = 'ts_series';

/** Integer id of a series, joining `$samples` rows to their `$series` row (never shown to SQL). */
export const SERIES_ID_COLUMN = 'ts_id';
/** The measure name of a series, in `$series` (and in the view, as Timestream names it). */
export const MEASURE_NAME_COLUMN = 'measure_name';

/** The DuckDB reference of a table's series table (narrow layout, see above). */
export function seriesTableName(database: string, table: string): string {
  return physicalTableName(database, `${table}$series`);
}

/** The DuckDB reference of a table's samples table (narrow layout, see above). */
export function samplesTableName(database: string, table: string): string {
  return physicalTableName(database, `${table}$samples`);
}

/** The DuckDB reference of a table's table of DOUBLE samples at version 1 (see above). */
export function doublesTableName(database: string, table: string): string {
  return physicalTableName(database, `${table}$doubles`);
}

/** What the translator needs to know about one Timestream table. */
export interface CatalogTable {
  database: string;
  table: string;
  /** Dimension names in Timestream column order (order of first appearance). */
  dimensions: readonly string[];
  /** Measure types written at least once; `SELECT *` shows only their columns, in enum order. */
  measureTypes: readonly ScalarMeasureType[];
  /** Settings as returned by DescribeTable. */
  memoryStoreRetentionHours: number;
  magneticStoreRetentionDays: number;
  enableMagneticStoreWrites: boolean;
  creationTimeMs: number;
  lastUpdatedTimeMs: number;
}

export interface CatalogDatabase {
  database: string;
  creationTimeMs: number;
  lastUpdatedTimeMs: number;
}

/** Read-only view of the store's databases and tables (kept in memory, persisted in DuckDB). */
export interface Catalog {
  getDatabase(database: string): CatalogDatabase | undefined;
  getTable(database: string, table: string): CatalogTable | undefined;
  listDatabases(): readonly CatalogDatabase[];
  listTables(database: string): readonly CatalogTable[];
}

/** Double-quotes a DuckDB identifier, doubling embedded quotes. */
export function quoteDuckIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The DuckDB reference of a Timestream table (the view SQL reads). */
export function physicalTableName(database: string, table: string): string {
  return `${quoteDuckIdentifier(database)}.${quoteDuckIdentifier(table)}`;
}
