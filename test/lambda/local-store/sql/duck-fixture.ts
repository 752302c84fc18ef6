// SPDX-License-Identifier: Apache-2.0
// Test fixture: an in-memory Catalog fake and a real in-memory DuckDB holding tables in the
// store's physical layout (schema.ts), with a helper that translates, runs and converts a query.
import type { ColumnInfo, Row } from '@aws-sdk/client-timestream-query';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import {
  MEASURE_VALUE_COLUMNS,
  MEASURE_VALUE_DUCK_TYPES,
  SERIES_COLUMN,
  VERSION_COLUMN,
  physicalTableName,
  quoteDuckIdentifier,
  type Catalog,
  type CatalogDatabase,
  type CatalogTable,
  type ScalarMeasureType,
} from '../../../../lambda/local-store/schema';
import { DUCKDB_SETTINGS } from '../../../../lambda/local-store/engine';
import { mapDuckDbError, toTimestreamResult } from '../../../../lambda/local-store/sql/results';
import { translateQuery } from '../../../../lambda/local-store/sql/translate';

/** Fixed "now" of every fixture query: 2023-11-14 22:13:20.123 UTC. */
export const NOW_MS = 1_700_000_000_123;

export class FakeCatalog implements Catalog {
  private readonly databases = new Map<string, CatalogDatabase>();
  private readonly tables = new Map<string, CatalogTable>();

  addTable(
    database: string,
    table: string,
    dimensions: string[],
    measureTypes: ScalarMeasureType[],
  ): CatalogTable {
    this.databases.set(database, { database, creationTimeMs: 0, lastUpdatedTimeMs: 0 });
    const entry: CatalogTable = {
      database,
      table,
      dimensions,
      measureTypes,
      memoryStoreRetentionHours: 24,
      magneticStoreRetentionDays: 7,
      enableMagneticStoreWrites: false,
      creationTimeMs: 0,
      lastUpdatedTimeMs: 0,
    };
    this.tables.set(`${database}\u0000${table}`, entry);
    return entry;
  }
  addDatabase(database: string): void {
    this.databases.set(database, { database, creationTimeMs: 0, lastUpdatedTimeMs: 0 });
  }
  getDatabase(database: string) {
    return this.databases.get(database);
  }
  getTable(database: string, table: string) {
    return this.tables.get(`${database}\u0000${table}`);
  }
  listDatabases() {
    return [...this.databases.values()];
  }
  listTables(database: string) {
    return [...this.tables.values()].filter((t) => t.database === database);
  }
}

export interface Fixture {
  catalog: FakeCatalog;
  connection: DuckDBConnection;
  /** Creates the physical table (all measure columns, hidden ts_ columns) and registers it. */
  createTable(
    database: string,
    table: string,
    dimensions: string[],
    measureTypes: ScalarMeasureType[],
  ): Promise<void>;
  /** Inserts rows given as column name → value (time as nanoseconds bigint). */
  insert(database: string, table: string, rows: Record<string, DuckDBValue>[]): Promise<void>;
  /** Translates and runs a Timestream query as the store does. */
  query(queryString: string): Promise<{ columnInfo: ColumnInfo[]; rows: Row[] }>;
  close(): void;
}

export async function createFixture(): Promise<Fixture> {
  const instance = await DuckDBInstance.create(':memory:', DUCKDB_SETTINGS);
  const connection = await instance.connect();
  const catalog = new FakeCatalog();
  return {
    catalog,
    connection,
    async createTable(database, table, dimensions, measureTypes) {
      catalog.addTable(database, table, dimensions, measureTypes);
      const measures = (Object.keys(MEASURE_VALUE_COLUMNS) as ScalarMeasureType[]).map(
        (t) => `${quoteDuckIdentifier(MEASURE_VALUE_COLUMNS[t])} ${MEASURE_VALUE_DUCK_TYPES[t]}`,
      );
      const columns = [
        ...dimensions.map((d) => `${quoteDuckIdentifier(d)} VARCHAR`),
        'measure_name VARCHAR NOT NULL',
        '"time" TIMESTAMP_NS NOT NULL',
        ...measures,
        `${VERSION_COLUMN} BIGINT`,
        `${SERIES_COLUMN} VARCHAR`,
      ];
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteDuckIdentifier(database)}`);
      await connection.run(`CREATE TABLE ${physicalTableName(database, table)} (${columns.join(', ')})`);
    },
    async insert(database, table, rows) {
      for (const row of rows) {
        const names = Object.keys(row);
        const values = names.map((n, k) =>
          n === 'time' ? `make_timestamp_ns(CAST($${k + 1} AS BIGINT))` : `$${k + 1}`,
        );
        await connection.run(
          `INSERT INTO ${physicalTableName(database, table)} (${names.map(quoteDuckIdentifier).join(', ')}, ${VERSION_COLUMN}, ${SERIES_COLUMN}) VALUES (${values.join(', ')}, 1, 'hidden')`,
          names.map((n) => row[n]!),
        );
      }
    },
    async query(queryString) {
      const translated = translateQuery(queryString, catalog, NOW_MS);
      if (translated.kind === 'static') return { columnInfo: translated.columnInfo, rows: translated.rows };
      try {
        return toTimestreamResult(await connection.run(translated.sql));
      } catch (error) {
        throw mapDuckDbError(error, queryString);
      }
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Flattens rows to their scalar texts (`null` for NullValue) for compact assertions. */
export function scalars(rows: Row[]): (string | null)[][] {
  return rows.map((r) => r.Data!.map((d) => (d.NullValue ? null : d.ScalarValue!)));
}

/** A Timestream string literal. */
export const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * A fixture whose table `db.t` holds one row per subject, in its label `l`, under the measure
 * name `names[k]` (`c0`, `c1`, … unless given), for testing `regexp_like` on each.
 */
export async function subjectsFixture(
  subjects: readonly string[],
  names: readonly string[] = subjects.map((_, k) => `c${k}`),
): Promise<Fixture> {
  const fixture = await createFixture();
  await fixture.createTable('db', 't', ['l'], ['DOUBLE']);
  await fixture.insert(
    'db',
    't',
    subjects.map((l, k) => ({ l, measure_name: names[k]!, time: 1_000_000n })),
  );
  return fixture;
}
