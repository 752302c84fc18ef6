// SPDX-License-Identifier: Apache-2.0
// How the embedded store lays a Timestream table out in DuckDB, shared by the storage engine
// (which writes it) and the SQL translator (which reads it). Changing this is a data migration.

/**
 * A Timestream table lives in DuckDB as `"<database>"."<table>"` (a DuckDB schema per Timestream
 * database, names quoted with `"` doubled). Column order in DuckDB is not meaningful; the catalog
 * keeps the Timestream order.
 *
 * Columns:
 * - one `VARCHAR` column per dimension, named exactly as the dimension, added with `ALTER TABLE ...
 *   ADD COLUMN` the first time a record carries it (NULL for rows written before);
 * - `measure_name VARCHAR NOT NULL`;
 * - `time TIMESTAMP_NS NOT NULL` (Timestream keeps nanoseconds; UTC);
 * - the typed measure columns of MEASURE_VALUE_COLUMNS, all physically present from the start;
 * - hidden bookkeeping columns prefixed `ts_` (Timestream reserves that prefix, so no dimension can
 *   collide with them); the translator never exposes them.
 */
export const MEASURE_VALUE_COLUMNS = {
  DOUBLE: 'measure_value::double',
  BIGINT: 'measure_value::bigint',
  VARCHAR: 'measure_value::varchar',
  BOOLEAN: 'measure_value::boolean',
} as const;
export type ScalarMeasureType = keyof typeof MEASURE_VALUE_COLUMNS;

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

/** The DuckDB reference of a Timestream table. */
export function physicalTableName(database: string, table: string): string {
  return `${quoteDuckIdentifier(database)}.${quoteDuckIdentifier(table)}`;
}
