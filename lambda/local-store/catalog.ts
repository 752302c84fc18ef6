// SPDX-License-Identifier: Apache-2.0
// The store's catalog of databases and tables: kept in memory for the hot paths (writes, the SQL
// translator) and persisted in DuckDB tables of the `ts$catalog` schema, loaded at start. It runs
// the DDL of the physical tables (layout.ts) in the same transactions as its own rows.

import type { DuckDBConnection } from '@duckdb/node-api';
import { StoreError } from './errors';
import {
  addDimensions,
  createLayout,
  dropLayout,
  ensureDoublesTable,
  migrateWideTable,
  rekeyNulSeries,
} from './layout';
import {
  quoteDuckIdentifier,
  type Catalog,
  type CatalogDatabase,
  type CatalogTable,
  SCALAR_MEASURE_TYPES,
  type ScalarMeasureType,
} from './schema';

// `$` is outside Timestream's name pattern, so no Timestream database can collide with it.
const CATALOG_SCHEMA = '"ts$catalog"';

/**
 * The on-disk layout this version writes, kept in `ts$catalog.layout` and raised with every change
 * an earlier version would misread. Versions before the marker wrote none (0): they are upgraded.
 * A later layout is refused: read as this one, its tables would be misread or written in two
 * layouts at once, as an earlier version writes an upgraded directory. 2: the `ts_series` of a
 * series with a NUL in a dimension value or measure name is the escaped form's hash.
 */
export const STORE_LAYOUT_VERSION = 2;

/** The refusal of a data directory written in a later layout than STORE_LAYOUT_VERSION. */
export class LaterLayoutError extends Error {
  constructor(readonly version: number) {
    super(
      `its store.duckdb has layout version ${version}, written by a later version of the embedded store; ` +
        `this version reads layout ${STORE_LAYOUT_VERSION} and earlier: run the later version, ` +
        `or move the directory aside to start an empty one`,
    );
  }
}

/**
 * A DuckDB file that holds tables or views but not the store's catalog: another program's database
 * (the catalog's schema has been the store's first object since its first version).
 */
export class ForeignDatabaseError extends Error {
  constructor(objects: readonly string[]) {
    super(
      `its store.duckdb is a DuckDB database of something else: it holds ${objects.join(', ')} and no ` +
        `embedded store's catalog; move the file aside, or choose another directory`,
    );
  }
}

/** A table of an earlier layout whose upgrade failed; its transaction left it as it was. */
export class LayoutUpgradeError extends Error {
  constructor(database: string, table: string, cause: unknown) {
    // DuckDB's errors are not instances of this realm's Error under jest's VM contexts.
    const { message } = (cause ?? {}) as { message?: unknown };
    const reason = (typeof message === 'string' ? message : String(cause)).split('\n')[0];
    super(
      `the upgrade of table ${database}.${table}, written by an earlier version of the embedded store, ` +
        `failed and was undone: ${reason}; move the directory aside to start an empty one`,
    );
  }
}

/** Table settings as CreateTable/UpdateTable carry them. */
export interface TableSettings {
  memoryStoreRetentionHours: number;
  magneticStoreRetentionDays: number;
  enableMagneticStoreWrites: boolean;
}

/** CreateTable defaults (facts 3.3): memory 6 h, magnetic 73000 d, magnetic writes off. */
export const DEFAULT_TABLE_SETTINGS: Readonly<TableSettings> = {
  memoryStoreRetentionHours: 6,
  magneticStoreRetentionDays: 73000,
  enableMagneticStoreWrites: false,
};

type MutableTable = { -readonly [K in keyof CatalogTable]: CatalogTable[K] } & {
  dimensions: string[];
  measureTypes: ScalarMeasureType[];
};

const compareNames = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
/**
 * Refuses `name` when it differs only in letter case from one of `existing`: DuckDB matches schema
 * and table names in any case (created names are ASCII, [a-zA-Z0-9_.-]), so it would take the two
 * for one.
 */
function refuseCaseTwin(what: string, name: string, existing: Iterable<string>, where = ''): void {
  const lower = name.toLowerCase();
  for (const other of existing) {
    if (other.toLowerCase() === lower) {
      throw new StoreError(
        'ValidationException',
        `The ${what} name ${name} differs only in letter case from the ${what} ${other}${where}; the embedded store cannot keep both.`,
      );
    }
  }
}

/** The in-memory catalog backed by DuckDB; every mutation commits before memory changes. */
export class StoreCatalog implements Catalog {
  private readonly databases = new Map<string, CatalogDatabase>();
  private readonly tables = new Map<string, Map<string, MutableTable>>();
  /**
   * Names (lower case) a database cannot take: DuckDB's catalogs and system schemas, which a
   * schema of that name would be ambiguous with or cannot be created in (load adds the name of
   * the attached file's catalog, `store` for store.duckdb).
   */
  private readonly reservedDatabaseNames = new Set(['temp', 'system', 'information_schema', 'pg_catalog']);

  private constructor(private readonly connection: DuckDBConnection) {}

  /**
   * Creates the catalog tables if missing, loads the catalog and upgrades an earlier layout.
   * @throws LaterLayoutError for a file written in a later layout, before anything is written to it
   * @throws LayoutUpgradeError when a table's upgrade fails (that table's is undone)
   */
  static async load(connection: DuckDBConnection): Promise<StoreCatalog> {
    // NOTE: another program's database was taken as an empty store, and the store's tables added
    // to it: writes went on, into a file the user never meant for them.
    const foreign = await foreignObjects(connection);
    if (foreign.length > 0) throw new ForeignDatabaseError(foreign);
    const layout = await readLayoutVersion(connection);
    if (layout > STORE_LAYOUT_VERSION) throw new LaterLayoutError(layout);
    await connection.run(`
      CREATE SCHEMA IF NOT EXISTS ${CATALOG_SCHEMA};
      CREATE TABLE IF NOT EXISTS ${CATALOG_SCHEMA}.databases (name VARCHAR PRIMARY KEY, creation_ms BIGINT, updated_ms BIGINT);
      CREATE TABLE IF NOT EXISTS ${CATALOG_SCHEMA}.tables (database VARCHAR, name VARCHAR, memory_hours BIGINT,
        magnetic_days BIGINT, magnetic_writes BOOLEAN, creation_ms BIGINT, updated_ms BIGINT, PRIMARY KEY (database, name));
      CREATE TABLE IF NOT EXISTS ${CATALOG_SCHEMA}.dimensions (database VARCHAR, "table" VARCHAR, position INTEGER, name VARCHAR);
      CREATE TABLE IF NOT EXISTS ${CATALOG_SCHEMA}.measure_types (database VARCHAR, "table" VARCHAR, type VARCHAR);`);
    const catalog = new StoreCatalog(connection);
    const current = await connection.runAndReadAll('SELECT current_database()');
    catalog.reservedDatabaseNames.add(String(current.getRows()[0]![0]).toLowerCase());
    const dbs = await connection.runAndReadAll(
      `SELECT name, creation_ms, updated_ms FROM ${CATALOG_SCHEMA}.databases`,
    );
    for (const [name, creation, updated] of dbs.getRows()) {
      catalog.databases.set(String(name), {
        database: String(name),
        creationTimeMs: Number(creation),
        lastUpdatedTimeMs: Number(updated),
      });
      catalog.tables.set(String(name), new Map());
    }
    const tables = await connection.runAndReadAll(`SELECT * FROM ${CATALOG_SCHEMA}.tables`);
    for (const [db, name, memory, magnetic, writes, creation, updated] of tables.getRows()) {
      catalog.tables.get(String(db))?.set(String(name), {
        database: String(db),
        table: String(name),
        dimensions: [],
        measureTypes: [],
        memoryStoreRetentionHours: Number(memory),
        magneticStoreRetentionDays: Number(magnetic),
        enableMagneticStoreWrites: Boolean(writes),
        creationTimeMs: Number(creation),
        lastUpdatedTimeMs: Number(updated),
      });
    }
    const dims = await connection.runAndReadAll(
      `SELECT database, "table", name FROM ${CATALOG_SCHEMA}.dimensions ORDER BY position`,
    );
    for (const [db, table, name] of dims.getRows())
      catalog.mutable(String(db), String(table))?.dimensions.push(String(name));
    const types = await connection.runAndReadAll(
      `SELECT database, "table", type FROM ${CATALOG_SCHEMA}.measure_types`,
    );
    for (const [db, table, type] of types.getRows()) {
      const entry = catalog.mutable(String(db), String(table));
      if (entry) entry.measureTypes = sortTypes([...entry.measureTypes, type as ScalarMeasureType]);
    }
    await catalog.upgradeTables(layout);
    if (layout < STORE_LAYOUT_VERSION) {
      await catalog.transaction(async () => {
        await connection.run(
          `CREATE TABLE IF NOT EXISTS ${CATALOG_SCHEMA}.layout (version INTEGER NOT NULL)`,
        );
        await connection.run(`DELETE FROM ${CATALOG_SCHEMA}.layout`);
        await connection.run(`INSERT INTO ${CATALOG_SCHEMA}.layout VALUES (${STORE_LAYOUT_VERSION})`);
      });
    }
    return catalog;
  }

  getDatabase(database: string): CatalogDatabase | undefined {
    return this.databases.get(database);
  }

  getTable(database: string, table: string): CatalogTable | undefined {
    return this.mutable(database, table);
  }

  listDatabases(): readonly CatalogDatabase[] {
    return [...this.databases.values()].sort((a, b) => compareNames(a.database, b.database));
  }

  listTables(database: string): readonly CatalogTable[] {
    return [...(this.tables.get(database)?.values() ?? [])].sort((a, b) => compareNames(a.table, b.table));
  }

  /** Creates a database (DuckDB schema). @throws StoreError ConflictException */
  async createDatabase(database: string, nowMs: number): Promise<CatalogDatabase> {
    if (this.databases.has(database))
      throw new StoreError('ConflictException', `The database ${database} already exists.`);
    // DuckDB matches schema and table names without regard to letter case: a database or table
    // whose name differs only in case from another shares its schema or tables, which failed
    // with DuckDB's errors as 500s (and DeleteDatabase of one dropped the other's schema).
    if (this.reservedDatabaseNames.has(database.toLowerCase())) {
      throw new StoreError(
        'ValidationException',
        `The database name ${database} is reserved by the embedded store (DuckDB's ${[...this.reservedDatabaseNames].join(', ')}, in any letter case).`,
      );
    }
    refuseCaseTwin('database', database, this.databases.keys());
    await this.transaction(async () => {
      await this.connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteDuckIdentifier(database)}`);
      await this.connection.run(`INSERT INTO ${CATALOG_SCHEMA}.databases VALUES ($1, $2, $3)`, [
        database,
        nowMs,
        nowMs,
      ]);
    });
    const entry = { database, creationTimeMs: nowMs, lastUpdatedTimeMs: nowMs };
    this.databases.set(database, entry);
    this.tables.set(database, new Map());
    return entry;
  }

  /** Deletes an empty database. @throws StoreError ResourceNotFoundException, ValidationException */
  async deleteDatabase(database: string): Promise<void> {
    this.requireDatabase(database);
    if ((this.tables.get(database)?.size ?? 0) > 0) {
      // UNCONFIRMED wording; Timestream refuses to delete a database that still has tables.
      throw new StoreError(
        'ValidationException',
        `Cannot delete database ${database}: it still contains tables. Delete all tables first.`,
      );
    }
    await this.transaction(async () => {
      await this.connection.run(`DELETE FROM ${CATALOG_SCHEMA}.databases WHERE name = $1`, [database]);
      if (database.toLowerCase() !== 'main')
        await this.connection.run(`DROP SCHEMA IF EXISTS ${quoteDuckIdentifier(database)}`);
    });
    this.databases.delete(database);
    this.tables.delete(database);
  }

  /** Creates a table and its physical DuckDB table. @throws StoreError ResourceNotFound/Conflict */
  async createTable(
    database: string,
    table: string,
    settings: TableSettings,
    nowMs: number,
  ): Promise<CatalogTable> {
    this.requireDatabase(database);
    if (this.mutable(database, table)) {
      throw new StoreError('ConflictException', `The table ${table} already exists in database ${database}.`);
    }
    refuseCaseTwin('table', table, this.tables.get(database)?.keys() ?? [], ` in database ${database}`);
    await this.transaction(async () => {
      await createLayout(this.connection, database, table);
      await this.connection.run(`INSERT INTO ${CATALOG_SCHEMA}.tables VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        database,
        table,
        settings.memoryStoreRetentionHours,
        settings.magneticStoreRetentionDays,
        settings.enableMagneticStoreWrites,
        nowMs,
        nowMs,
      ]);
    });
    const entry: MutableTable = {
      database,
      table,
      dimensions: [],
      measureTypes: [],
      ...settings,
      creationTimeMs: nowMs,
      lastUpdatedTimeMs: nowMs,
    };
    this.tables.get(database)!.set(table, entry);
    return entry;
  }

  /** Changes retention and magnetic-write settings. @throws StoreError ResourceNotFoundException */
  async updateTable(
    database: string,
    table: string,
    settings: TableSettings,
    nowMs: number,
  ): Promise<CatalogTable> {
    const entry = this.requireTable(database, table);
    await this.connection.run(
      `UPDATE ${CATALOG_SCHEMA}.tables SET memory_hours = $3, magnetic_days = $4, magnetic_writes = $5, updated_ms = $6 WHERE database = $1 AND name = $2`,
      [
        database,
        table,
        settings.memoryStoreRetentionHours,
        settings.magneticStoreRetentionDays,
        settings.enableMagneticStoreWrites,
        nowMs,
      ],
    );
    Object.assign(entry, settings, { lastUpdatedTimeMs: nowMs });
    return entry;
  }

  /** Drops a table and its rows. @throws StoreError ResourceNotFoundException */
  async deleteTable(database: string, table: string): Promise<void> {
    const entry = this.requireTable(database, table) as MutableTable;
    const tables = this.tables.get(database)!;
    try {
      await this.transaction(async () => {
        await dropLayout(this.connection, database, table);
        for (const name of ['tables', 'dimensions', 'measure_types']) {
          const column = name === 'tables' ? 'name' : '"table"';
          await this.connection.run(
            `DELETE FROM ${CATALOG_SCHEMA}.${name} WHERE database = $1 AND ${column} = $2`,
            [database, table],
          );
        }
        // Gone from memory before the COMMIT, not after: a query DuckDB refuses for the dropped
        // table (QueryExecutor translates it again) must find it gone from the catalog too.
        tables.delete(table);
      });
    } catch (error) {
      tables.set(table, entry);
      throw error;
    }
  }

  /**
   * Adds dimension columns and records new measure types, on the caller's connection (the table's
   * writer) so the DDL is serialised with that table's inserts. Memory changes after the commit.
   */
  async extendTable(
    connection: DuckDBConnection,
    entry: CatalogTable,
    newDimensions: readonly string[],
    newTypes: readonly ScalarMeasureType[],
  ): Promise<void> {
    if (newDimensions.length === 0 && newTypes.length === 0) return;
    const mutable = entry as MutableTable;
    await connection.run('BEGIN TRANSACTION');
    try {
      if (newDimensions.length > 0) {
        const all = [...mutable.dimensions, ...newDimensions];
        await addDimensions(connection, entry.database, entry.table, newDimensions, all);
      }
      for (const [i, name] of newDimensions.entries()) {
        await connection.run(`INSERT INTO ${CATALOG_SCHEMA}.dimensions VALUES ($1, $2, $3, $4)`, [
          entry.database,
          entry.table,
          mutable.dimensions.length + i,
          name,
        ]);
      }
      for (const type of newTypes) {
        await connection.run(`INSERT INTO ${CATALOG_SCHEMA}.measure_types VALUES ($1, $2, $3)`, [
          entry.database,
          entry.table,
          type,
        ]);
      }
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    mutable.dimensions.push(...newDimensions);
    mutable.measureTypes = sortTypes([...mutable.measureTypes, ...newTypes]);
  }

  /** Returns the database or throws ResourceNotFoundException. */
  requireDatabase(database: string): CatalogDatabase {
    const entry = this.databases.get(database);
    if (!entry) throw new StoreError('ResourceNotFoundException', `The database ${database} does not exist.`);
    return entry;
  }

  /** Returns the table or throws ResourceNotFoundException. */
  requireTable(database: string, table: string): CatalogTable {
    this.requireDatabase(database);
    const entry = this.mutable(database, table);
    if (!entry) throw tableNotFound(database, table);
    return entry;
  }

  /**
   * Brings tables written by earlier versions to the current layout, each atomically: the wide
   * layout moves into the narrow one, a narrow table without `$doubles` gets it, and before
   * layout 2 the series holding a NUL get their current key (layout.ts).
   */
  private async upgradeTables(layout: number): Promise<void> {
    for (const tables of this.tables.values()) {
      for (const entry of tables.values()) {
        const { database, table, dimensions } = entry;
        await this.transaction(async () => {
          await migrateWideTable(this.connection, database, table, dimensions);
          await ensureDoublesTable(this.connection, database, table, dimensions);
          if (layout < 2) await rekeyNulSeries(this.connection, database, table, dimensions);
        }).catch((error: unknown) => {
          throw new LayoutUpgradeError(database, table, error);
        });
      }
    }
  }

  private mutable(database: string, table: string): MutableTable | undefined {
    return this.tables.get(database)?.get(table);
  }

  private async transaction(work: () => Promise<void>): Promise<void> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      await work();
      await this.connection.run('COMMIT');
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}

/** Most objects a ForeignDatabaseError names. */
const FOREIGN_OBJECTS_NAMED = 3;

/**
 * Names the tables and views (as `schema.name`, at most FOREIGN_OBJECTS_NAMED, then how many more)
 * of a database without the store's catalog schema; none when it has that schema or holds nothing.
 */
async function foreignObjects(connection: DuckDBConnection): Promise<string[]> {
  const reader = await connection.runAndReadAll(
    `SELECT schema_name || '.' || name FROM (
       SELECT schema_name, table_name AS name FROM duckdb_tables()
         WHERE database_name = current_database() AND NOT internal
       UNION ALL
       SELECT schema_name, view_name FROM duckdb_views()
         WHERE database_name = current_database() AND NOT internal)
     WHERE NOT EXISTS (SELECT 1 FROM duckdb_schemas()
       WHERE database_name = current_database() AND schema_name = 'ts$catalog')
     ORDER BY 1`,
  );
  const names = reader.getRows().map(([name]) => String(name));
  if (names.length <= FOREIGN_OBJECTS_NAMED) return names;
  return [...names.slice(0, FOREIGN_OBJECTS_NAMED), `${names.length - FOREIGN_OBJECTS_NAMED} more`];
}

/** The layout version `ts$catalog.layout` holds; 0 for a new file or one of a version before it. */
async function readLayoutVersion(connection: DuckDBConnection): Promise<number> {
  const marked = await connection.runAndReadAll(
    `SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() ` +
      `AND schema_name = 'ts$catalog' AND table_name = 'layout'`,
  );
  if (Number(marked.getRows()[0][0]) === 0) return 0;
  const version = await connection.runAndReadAll(`SELECT max(version) FROM ${CATALOG_SCHEMA}.layout`);
  return Number(version.getRows()[0][0] ?? 0);
}

/** The error for a table that does not exist (in a database that does). */
export function tableNotFound(database: string, table: string): StoreError {
  // UNCONFIRMED wording of the missing-table message (facts 4.6).
  return new StoreError(
    'ResourceNotFoundException',
    `The table ${table} does not exist in database ${database}.`,
  );
}

function sortTypes(types: ScalarMeasureType[]): ScalarMeasureType[] {
  return SCALAR_MEASURE_TYPES.filter((type) => types.includes(type));
}
