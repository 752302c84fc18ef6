// SPDX-License-Identifier: Apache-2.0
// The store engine: opens DuckDB, owns the catalog, the per-table writers, the query executor,
// metering and fault injection, and answers Timestream operations by name. No HTTP here, so the
// engine can be called in-process; server.ts puts it on the wire.

import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readFileHead } from '../core/file-head';
import {
  ForeignDatabaseError,
  LaterLayoutError,
  LayoutUpgradeError,
  StoreCatalog,
  tableNotFound,
  type TableSettings,
} from './catalog';
import {
  checkCreateName,
  checkListPaging,
  checkKmsKeyId,
  checkTags,
  databaseShape,
  pageList,
  readTableSettings,
  requireResourceName,
  requireObject,
  tableShape,
} from './control-plane';
import './duckdb-text';
import { DATA_DIR_FAILURE, StoreError } from './errors';
import { FaultInjector, INJECTED_REJECTION_REASON, type FaultSettings } from './faults';
import { Meter, meterWriteRequest, type MeteringTotals } from './metering';
import { QueryExecutor, type SqlDialect } from './query-executor';
import { normalizeRecords, SeriesCache, type WireRecord } from './records';
import { TableWriter } from './write-records';
import { ScannedRecords } from './write-scan';

/** Name of the DuckDB file inside the data directory. */
export const STORE_FILE_NAME = 'store.duckdb';
/**
 * DuckDB settings of every store instance. `integer_division`: Timestream's `/` truncates between
 * integers (`5/2` is 2, `-5/2` is -2), where DuckDB's divides as doubles unless told otherwise.
 * The rest keep a query that slips past the translator from reaching anything but the store's own
 * file: no file, URL or other database read or written (`FROM 'x.csv'`, COPY, ATTACH), no
 * extension installed or loaded (a query naming an https URL fetched httpfs), no setting changed.
 */
export const DUCKDB_SETTINGS: Readonly<Record<string, string>> = {
  integer_division: 'true',
  enable_external_access: 'false',
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
  lock_configuration: 'true',
};
/**
 * Default rows per Query page when the caller sends no MaxRows: no row cap, as Timestream, whose
 * pages then fill up to ~1 MB (facts 4.2; query-executor.ts MAX_PAGE_BYTES ends them).
 */
export const DEFAULT_PAGE_SIZE = Number.POSITIVE_INFINITY;
/** How long clients may cache the DescribeEndpoints answer (the real service's value). */
const ENDPOINT_CACHE_MINUTES = 1440;
/** Least time between two tries to open the DuckDB file again while it cannot be (reopenIfInvalid). */
export const REOPEN_MIN_INTERVAL_MS = 1000;

/** Between a database and a table name in ListTables' keys (and tokens): no name holds it. */
const TABLE_KEY_SEPARATOR = '\u0000';

/** Operations served by the engine and whether faults apply to them. */
export const DATA_PLANE_OPERATIONS: ReadonlySet<string> = new Set(['WriteRecords', 'Query']);

/** Options of the engine. */
export interface EngineOptions {
  /** Directory holding `store.duckdb` (created if missing), or `:memory:`. */
  dataDir: string;
  /** @default 'us-east-1' */
  region?: string;
  /** @default DEFAULT_PAGE_SIZE */
  pageSize?: number;
  faults?: FaultSettings;
  /** Clock in epoch milliseconds; tests pass a fixed one. @default Date.now */
  nowMs?: () => number;
  /** Query dialect; defaults to the real translator in sql/. */
  sql?: SqlDialect;
  /** Milliseconds a query may run (tests set a small one). @default QUERY_TIMEOUT_MS */
  queryTimeoutMs?: number;
}

type Handler = (
  body: Record<string, unknown>,
  rendered: boolean,
  principal?: string,
  signal?: AbortSignal,
) => Promise<unknown>;

/** Bytes the store holds in memory (StoreEngine.memory). */
export interface StoreMemory {
  /** DuckDB's allocations; absent when DuckDB did not answer (a database being reopened). */
  duckdbBytes?: number;
  /** The V8 heap in use on the store's thread. */
  heapUsedBytes: number;
}

/** One open of the DuckDB file: replaced as a whole when the store opens it again. */
interface OpenDatabase {
  instance: DuckDBInstance;
  /** The DuckDB file as this open found it (undefined for `:memory:`): a file put in its place is another. */
  file?: FileIdentity;
  controlConnection: DuckDBConnection;
  catalog: StoreCatalog;
  executor: QueryExecutor;
}

/** What tells one file from another put at its path (a copy, a restored backup). */
interface FileIdentity {
  dev: number;
  ino: number;
}

/** A Timestream-compatible engine over DuckDB. */
export class StoreEngine {
  /** `host:port` DescribeEndpoints answers; set by the server once it listens. */
  endpointAddress = '127.0.0.1';
  readonly faults: FaultInjector;
  private readonly meter = new Meter();
  private readonly seriesCache = new SeriesCache();
  private readonly writers = new Map<string, Promise<TableWriter>>();
  private readonly writerConnections: DuckDBConnection[] = [];
  private readonly handlers: Record<string, Handler>;
  private controlChain: Promise<unknown> = Promise.resolve();
  private readonly region: string;
  private readonly nowMs: () => number;
  /** Path of the DuckDB file; undefined for `:memory:`. */
  private readonly storeFile: string | undefined;
  /** Set while the store checks whether DuckDB still answers and, if not, opens the file again. */
  private recovering: Promise<void> | undefined;
  /** Why the last attempt to open the file again failed; the store has no database meanwhile. */
  private unopened: Error | undefined;
  /** When the file was last tried again (the engine's clock). */
  private lastReopenMs = Number.NEGATIVE_INFINITY;

  private constructor(
    private db: OpenDatabase,
    private readonly options: EngineOptions,
  ) {
    this.region = options.region ?? 'us-east-1';
    this.nowMs = options.nowMs ?? Date.now;
    this.storeFile = options.dataDir === ':memory:' ? undefined : join(options.dataDir, STORE_FILE_NAME);
    this.faults = new FaultInjector(options.faults);
    this.handlers = {
      WriteRecords: (b) => this.writeRecords(b),
      Query: (b, rendered, principal, signal) =>
        rendered
          ? this.executor.queryRendered(b, principal, signal)
          : this.executor.query(b, principal, signal),
      DescribeEndpoints: async () => ({
        Endpoints: [{ Address: this.endpointAddress, CachePeriodInMinutes: ENDPOINT_CACHE_MINUTES }],
      }),
      CreateDatabase: (b) => this.control(() => this.createDatabase(b)),
      DescribeDatabase: async (b) => ({
        Database: this.describeDatabase(requireResourceName(b.DatabaseName, 'DatabaseName')),
      }),
      ListDatabases: async (b) => this.listDatabases(b),
      DeleteDatabase: (b) =>
        this.control(
          async () => (
            await this.catalog.deleteDatabase(requireResourceName(b.DatabaseName, 'DatabaseName')),
            {}
          ),
        ),
      CreateTable: (b) => this.control(() => this.createTable(b)),
      DescribeTable: async (b) => ({ Table: tableShape(this.requireTable(b), this.region) }),
      UpdateTable: (b) => this.control(() => this.updateTable(b)),
      ListTables: async (b) => this.listTables(b),
      DeleteTable: (b) => this.control(() => this.deleteTable(b)),
    };
  }

  /** Opens (or creates) the store and loads its catalog; a failed open leaves DuckDB closed. */
  static async open(options: EngineOptions): Promise<StoreEngine> {
    const db = await openDatabase(options);
    try {
      return new StoreEngine(db, options);
    } catch (error) {
      // Out-of-range fault settings: the file must not stay locked (see openDatabase).
      db.executor.close();
      db.controlConnection.closeSync();
      db.instance.closeSync();
      throw error;
    }
  }

  /** The catalog of the database as it is open now. */
  get catalog(): StoreCatalog {
    return this.db.catalog;
  }

  private get executor(): QueryExecutor {
    return this.db.executor;
  }

  /**
   * Answers one operation with the JSON body the model defines; with `rendered`, a Query is
   * answered as a RenderedQueryPage (its JSON text, as the HTTP server sends it). `principal`
   * (the access key id the call was signed with) is who may page on a Query's NextTokens;
   * `signal` stops a Query whose caller is gone.
   * @throws StoreError (UnknownOperationException for operations the store does not serve)
   */
  async handle(
    operation: string,
    body: unknown,
    rendered = false,
    principal?: string,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const handler = Object.hasOwn(this.handlers, operation) ? this.handlers[operation] : undefined;
    if (!handler)
      throw new StoreError(
        'UnknownOperationException',
        `The operation ${operation} is not supported by the embedded Timestream store.`,
      );
    const request = requireObject(body);
    if (DATA_PLANE_OPERATIONS.has(operation)) await this.faults.apply(operation);
    if (this.recovering !== undefined) await this.recovering;
    if (this.unopened !== undefined) await this.recover();
    if (this.unopened !== undefined)
      throw this.unopened instanceof StoreError ? this.unopened : internalError(this.unopened);
    try {
      return await handler(request, rendered, principal, signal);
    } catch (error) {
      const failure = error instanceof StoreError ? error : internalError(error as Error);
      if (failure.type === 'InternalServerException') await this.recover();
      throw failure;
    }
  }

  /**
   * After a failure of the store's own, opens the DuckDB file again if DuckDB no longer answers.
   * NOTE: DuckDB invalidates a database after a fatal error, such as a checkpoint that found the
   * disk full, and then refuses every statement until the file is opened again: without this the
   * store answered 500 to every call, long after space was freed, until the process restarted.
   * What was committed stays in the file and its WAL, and is read back by the new open.
   */
  private recover(): Promise<void> {
    if (this.storeFile === undefined) return Promise.resolve();
    this.recovering ??= this.reopenIfInvalid().finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }

  private async reopenIfInvalid(): Promise<void> {
    try {
      if (this.unopened === undefined && (await this.responds())) return;
      // NOTE: while the file cannot be opened, every call would try again, one after another, and
      // a try may replay the whole WAL: at most one a second; the calls between get its failure.
      if (this.unopened !== undefined && this.nowMs() - this.lastReopenMs < REOPEN_MIN_INTERVAL_MS) return;
      if (this.unopened === undefined) await this.closeDatabase();
      // Opening a file that is gone would start an empty store in its place.
      const gone = this.fileGone();
      if (gone !== undefined) throw gone;
      this.lastReopenMs = this.nowMs();
      this.db = await openDatabase(this.options);
      this.unopened = undefined;
    } catch (error) {
      this.unopened = error as Error;
    }
  }

  /** Tells whether DuckDB still runs a statement (an invalidated database refuses every one). */
  private async responds(): Promise<boolean> {
    try {
      const probe = await this.db.instance.connect();
      try {
        await probe.run('SELECT 1');
      } finally {
        probe.closeSync();
      }
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Waits for the writes and control-plane calls under way (on an invalidated database they fail
   * at once), then closes every connection and the database; the writers start afresh.
   */
  private async closeDatabase(): Promise<void> {
    for (const pending of this.writers.values()) {
      const writer = await pending.catch(() => undefined);
      await writer?.settled();
    }
    await this.controlChain.catch(() => undefined);
    const { instance, controlConnection, executor } = this.db;
    executor.close();
    for (const connection of this.writerConnections.splice(0)) connection.closeSync();
    this.writers.clear();
    // The series' slot memos hold the old writers.
    this.seriesCache.clear();
    controlConnection.closeSync();
    instance.closeSync();
  }

  /** Creates the database and table if they are missing (settings only apply to a new table). */
  async ensureTable(database: string, table: string, settings?: Partial<TableSettings>): Promise<void> {
    await this.control(async () => {
      if (!this.catalog.getDatabase(database))
        await this.catalog.createDatabase(checkCreateName(database, 'DatabaseName'), this.nowMs());
      if (!this.catalog.getTable(database, table)) {
        await this.catalog.createTable(
          database,
          checkCreateName(table, 'TableName'),
          { ...readTableSettings({}), ...settings },
          this.nowMs(),
        );
      }
    });
  }

  /**
   * What the store holds in memory, for the connector's /metrics: DuckDB's own allocations (its
   * buffer manager's, summed over duckdb_memory()'s tags; undefined when DuckDB does not answer)
   * and the V8 heap of the thread the store runs on. Neither is in the connector's own heap figures,
   * though both are in the process' RSS.
   */
  async memory(): Promise<StoreMemory> {
    const heapUsedBytes = getHeapStatistics().used_heap_size;
    try {
      const probe = await this.db.instance.connect();
      try {
        const reader = await probe.runAndReadAll(
          'SELECT sum(memory_usage_bytes)::DOUBLE FROM duckdb_memory()',
        );
        return { heapUsedBytes, duckdbBytes: Number(reader.getRows()[0]?.[0] ?? 0) };
      } finally {
        probe.closeSync();
      }
    } catch {
      return { heapUsedBytes };
    }
  }

  /**
   * Why the store cannot serve until it is restarted (its file is gone, or could not be opened
   * again), or undefined. A full disk is not such a reason: the store recovers once space is freed.
   */
  health(): string | undefined {
    const gone = this.fileGone();
    if (gone !== undefined) return gone.message;
    return this.unopened?.message;
  }

  /**
   * The refusal of a call while the DuckDB file is gone (its data directory deleted or moved) or
   * another file is at its path.
   */
  private fileGone(): StoreError | undefined {
    if (this.storeFile === undefined) return undefined;
    const now = statIfThere(this.storeFile);
    if (now === undefined) return storeFileGone(this.storeFile);
    // NOTE: DuckDB goes on writing to the file it opened, and a copy or backup put in its place
    // (a new inode) is what the next start opens: every write acknowledged meanwhile was lost.
    const opened = this.db.file;
    return opened !== undefined && (now.ino !== opened.ino || now.dev !== opened.dev)
      ? storeFileReplaced(this.storeFile)
      : undefined;
  }

  /**
   * After a commit, checkpoints the database when its WAL is not on disk: everything committed is
   * then in the DuckDB file, and the next commit starts a new WAL.
   * NOTE: DuckDB goes on appending to a WAL deleted under it (the open handle keeps it) until its
   * next checkpoint: a `kill -9` before then lost every write acknowledged since the deletion, and
   * those before it not yet checkpointed. A WAL a checkpoint removed (DuckDB's own, after a commit
   * past its threshold) leaves nothing to checkpoint, so the call costs little. Only a call whose
   * group committed something asks: DuckDB writes no WAL for a group of identical re-writes, so
   * after any checkpoint each such call (a resent request, ~70 calls) ran one of ~1 ms.
   */
  private async checkpointIfWalGone(): Promise<void> {
    if (this.storeFile === undefined || existsSync(`${this.storeFile}.wal`)) return;
    await this.control(() => this.db.controlConnection.run('CHECKPOINT'));
  }

  /** Returns the running metering totals. */
  metering(): MeteringTotals {
    return this.meter.snapshot();
  }

  /** Commits the queued writes, then closes every connection and the database. */
  async close(): Promise<void> {
    this.faults.stopWaits(new StoreError('InternalServerException', 'The embedded store is closing.'));
    for (const pending of this.writers.values()) {
      const writer = await pending.catch(() => undefined);
      // exclusive() alone waits for the group under way only: the writes queued behind it would
      // start their group as it ends and fail on the closed connection (500s at shutdown).
      await writer?.settled();
      await writer?.exclusive(async () => undefined);
    }
    await this.controlChain.catch(() => undefined);
    await this.recovering;
    // A store that could not open its file again has nothing open to close.
    if (this.unopened !== undefined) return;
    this.executor.close();
    for (const connection of this.writerConnections) connection.closeSync();
    this.db.controlConnection.closeSync();
    this.db.instance.closeSync();
  }

  private async writeRecords(body: Record<string, unknown>): Promise<unknown> {
    // NOTE: the request is checked before the table is looked up, as the service checks its input
    // against the model before the operation runs: 101 records sent to a missing table are a
    // ValidationException, not a ResourceNotFoundException.
    const names = tableNames(body);
    const records = normalizeRecords(body.Records, body.CommonAttributes, this.seriesCache);
    const entry = this.catalog.requireTable(...names);
    const common = body.CommonAttributes as WireRecord | undefined;
    this.meter.add(
      body.Records instanceof ScannedRecords
        ? meterWriteRequest(body.Records.records as WireRecord[], common, body.Records.ownDimensionBytes)
        : meterWriteRequest(body.Records as WireRecord[], common),
    );
    const writer = await this.writer(entry.database, entry.table);
    // Injected partial rejections: the drawn records are refused, the others written (faults.ts).
    const injected = this.faults.rejectsRecords()
      ? this.faults.rejections(records.map((r) => `${r.series}@${r.timeNs}`))
      : [];
    const kept = injected.length === 0 ? records : records.filter((r) => !injected.includes(r.index));
    const outcome = await writer.write(kept);
    // NOTE: DuckDB goes on committing into a file deleted with its directory (the open handle keeps
    // it), and everything in it is gone at the next start: such a write must not be acknowledged.
    // Checked after the commit, so one that raced the deletion is refused too.
    const gone = this.fileGone();
    if (gone !== undefined) throw gone;
    if (outcome.committed) await this.checkpointIfWalGone();
    for (const index of injected)
      outcome.rejected.push({ RecordIndex: index, Reason: INJECTED_REJECTION_REASON });
    if (outcome.rejected.length > 0) {
      throw new StoreError(
        'RejectedRecordsException',
        'One or more records have been rejected. See RejectedRecords for details.',
        {
          RejectedRecords: outcome.rejected.sort((a, b) => a.RecordIndex - b.RecordIndex),
        },
      );
    }
    const total = outcome.memoryStore + outcome.magneticStore;
    return {
      RecordsIngested: {
        Total: total,
        MemoryStore: outcome.memoryStore,
        MagneticStore: outcome.magneticStore,
      },
    };
  }

  private writer(database: string, table: string): Promise<TableWriter> {
    const key = `${database}\u0000${table}`;
    let writer = this.writers.get(key);
    if (!writer) {
      writer = (async () => {
        const connection = await this.db.instance.connect();
        this.writerConnections.push(connection);
        const created = new TableWriter(
          connection,
          this.catalog,
          this.catalog.requireTable(database, table),
          this.nowMs,
        );
        await created.load();
        return created;
      })();
      writer.catch(() => this.writers.delete(key));
      this.writers.set(key, writer);
    }
    return writer;
  }

  private async createDatabase(body: Record<string, unknown>): Promise<unknown> {
    const name = checkCreateName(body.DatabaseName, 'DatabaseName');
    checkKmsKeyId(body.KmsKeyId);
    checkTags(body.Tags);
    const entry = await this.catalog.createDatabase(name, this.nowMs());
    return { Database: databaseShape(entry, 0, this.region) };
  }

  private describeDatabase(name: string): Record<string, unknown> {
    return databaseShape(
      this.catalog.requireDatabase(name),
      this.catalog.listTables(name).length,
      this.region,
    );
  }

  private listDatabases(body: Record<string, unknown>): unknown {
    const { page, nextToken } = pageList(
      this.catalog.listDatabases(),
      (d) => d.database,
      body,
      (name) => !name.includes(TABLE_KEY_SEPARATOR),
    );
    return {
      Databases: page.map((d) => this.describeDatabase(d.database)),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  private async createTable(body: Record<string, unknown>): Promise<unknown> {
    // The model gives CreateTable's DatabaseName the create rules too (ResourceCreateAPIName).
    const database = checkCreateName(body.DatabaseName, 'DatabaseName');
    const table = checkCreateName(body.TableName, 'TableName');
    checkTags(body.Tags);
    const entry = await this.catalog.createTable(database, table, readTableSettings(body), this.nowMs());
    return { Table: tableShape(entry, this.region) };
  }

  private async updateTable(body: Record<string, unknown>): Promise<unknown> {
    const names = tableNames(body);
    // Checked before the lookup, as WriteRecords' records are; read again over the current settings.
    readTableSettings(body);
    const current = this.catalog.requireTable(...names);
    const entry = await this.catalog.updateTable(
      current.database,
      current.table,
      readTableSettings(body, current),
      this.nowMs(),
    );
    return { Table: tableShape(entry, this.region) };
  }

  private listTables(body: Record<string, unknown>): unknown {
    // A JSON null is an absent member, as pageList reads MaxResults and NextToken: every database's tables.
    const database = body.DatabaseName ?? undefined;
    if (database !== undefined) requireResourceName(database, 'DatabaseName');
    // A token names the table it continues after as `<database>\0<table>`: only one of this database's
    // tables (of any database's when none is given) continues this listing.
    const ownsName = (name: string) =>
      database === undefined
        ? name.includes(TABLE_KEY_SEPARATOR)
        : name.startsWith(`${database as string}${TABLE_KEY_SEPARATOR}`);
    // Before the lookup: MaxResults 50 for a missing database is a ValidationException (writeRecords).
    checkListPaging(body, ownsName);
    const tables =
      database === undefined
        ? this.catalog.listDatabases().flatMap((d) => this.catalog.listTables(d.database))
        : (this.catalog.requireDatabase(database as string), this.catalog.listTables(database as string));
    const { page, nextToken } = pageList(
      tables,
      (t) => `${t.database}${TABLE_KEY_SEPARATOR}${t.table}`,
      body,
      ownsName,
    );
    return {
      Tables: page.map((t) => tableShape(t, this.region)),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  private async deleteTable(body: Record<string, unknown>): Promise<unknown> {
    const entry = this.requireTable(body);
    const key = `${entry.database}\u0000${entry.table}`;
    // Made when the table has none yet: a write that arrives during the DROP then queues on it and
    // fails as the table is gone, where it made a writer of its own whose ALTERs and appends raced
    // the DROP (500s, to the write or to the DeleteTable).
    const writer = await this.writer(entry.database, entry.table).catch(() => undefined);
    const drop = () => this.catalog.deleteTable(entry.database, entry.table);
    // Writes that reached the writer meanwhile find the table gone, as later ones do.
    await (writer
      ? writer.exclusive(async () => {
          await drop();
          writer.retire(tableNotFound(entry.database, entry.table));
        })
      : drop());
    this.writers.delete(key);
    if (writer) {
      // Nothing runs on a retired writer's connection: closed now, not kept open until the store
      // closes (one more for every table ever dropped).
      const at = this.writerConnections.indexOf(writer.connection);
      if (at >= 0) this.writerConnections.splice(at, 1);
      writer.connection.closeSync();
    }
    // The series' slot memos hold the dropped writer, and through it its map of every series:
    // starting the cache over lets them go (a table is dropped rarely; the cache refills).
    this.seriesCache.clear();
    return {};
  }

  private requireTable(body: Record<string, unknown>) {
    return this.catalog.requireTable(...tableNames(body));
  }

  /** Serialises control-plane mutations: they share one DuckDB connection. */
  private control<T>(work: () => Promise<T>): Promise<T> {
    const run = this.controlChain.then(work, work);
    this.controlChain = run.catch(() => undefined);
    return run;
  }
}

/** Opens (or creates) the DuckDB file and loads its catalog; a failed open leaves DuckDB closed. */
async function openDatabase(options: EngineOptions): Promise<OpenDatabase> {
  let instance: DuckDBInstance;
  if (options.dataDir === ':memory:') instance = await DuckDBInstance.create(':memory:', DUCKDB_SETTINGS);
  else {
    const file = join(options.dataDir, STORE_FILE_NAME);
    let creating = false;
    try {
      makeDirectory(options.dataDir);
      // NOTE: DuckDB writes its WAL beside the file at the first commit. In a directory the store may
      // not write to (another user's, a root run's) it opened a writable file, then refused every
      // write with InternalServerException while /healthz answered ok.
      accessSync(options.dataDir, constants.W_OK);
      // NOTE: a store killed (kill -9) in its first start, after DuckDB created the file and before
      // it wrote the file's header, leaves it empty: it holds nothing, yet every later start was
      // refused ("not a valid DuckDB database file") until it was deleted by hand.
      const empty = existsSync(file) && statSync(file).size === 0;
      creating = empty || !existsSync(file);
      // NOTE: DuckDB opens a SQLite file through its sqlite extension, which DUCKDB_SETTINGS forbid
      // loading: its refusal ("Loading external extensions is disabled through configuration")
      // said nothing about the file.
      if (!creating && statSync(file).isFile() && isSqliteFile(file))
        throw new Error(`The file "${file}" exists, but it is a SQLite database, not a DuckDB database file`);
      instance = await DuckDBInstance.create(file, DUCKDB_SETTINGS).catch((error: unknown) => {
        // An empty file another process is creating right now is locked by it, and is its own.
        if (!empty || String((error as Error | undefined)?.message).includes('Could not set lock'))
          throw error;
        rmSync(file, { force: true });
        rmSync(`${file}.wal`, { force: true });
        return DuckDBInstance.create(file, DUCKDB_SETTINGS);
      });
    } catch (error) {
      const { message } = (error ?? {}) as { message?: unknown };
      const reason = (typeof message === 'string' ? message : String(error)).split('\n')[0];
      // A file this open began and could not finish (a full disk) holds nothing, yet every later
      // open refused it ("Could not read enough bytes") until it was deleted by hand. One another
      // process created meanwhile (it holds the lock) is that process's.
      if (creating && !reason.includes('Could not set lock')) {
        try {
          rmSync(file, { force: true });
          rmSync(`${file}.wal`, { force: true });
        } catch {
          // NOTE: a file that cannot even be looked at (a directory without search permission, a
          // path past PATH_MAX) was not created either; that error would hide the reason below.
        }
      }
      throw new Error(`${DATA_DIR_FAILURE}${options.dataDir} (${reason})`);
    }
  }
  let connection: DuckDBConnection | undefined;
  try {
    connection = await instance.connect();
    const catalog = await StoreCatalog.load(connection);
    const executor = new QueryExecutor({
      instance,
      catalog,
      pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
      nowMs: options.nowMs ?? Date.now,
      sql: options.sql,
      queryTimeoutMs: options.queryTimeoutMs,
    });
    const file =
      options.dataDir === ':memory:' ? undefined : statSync(join(options.dataDir, STORE_FILE_NAME));
    return {
      instance,
      controlConnection: connection,
      catalog,
      executor,
      ...(file ? { file: { dev: file.dev, ino: file.ino } } : {}),
    };
  } catch (error) {
    // NOTE: DuckDB lets one process at a time open the file read-write: an open that failed
    // (an upgrade of an earlier version's table, out-of-range faults) must not leave it locked
    // by an instance nobody can close.
    connection?.closeSync();
    instance.closeSync();
    // The CLI names --local.data-dir for an error in these words, in one line without a stack.
    if (
      error instanceof LaterLayoutError ||
      error instanceof LayoutUpgradeError ||
      error instanceof ForeignDatabaseError
    )
      throw new Error(`${DATA_DIR_FAILURE}${options.dataDir} (${error.message})`);
    throw error;
  }
}

/** The first bytes of every SQLite 3 database file (sqlite.org/fileformat.html, 1.3). */
const SQLITE_HEADER = Buffer.from('SQLite format 3\u0000', 'latin1');

/** Tells whether `file` begins as a SQLite 3 database. */
function isSqliteFile(file: string): boolean {
  return readFileHead(file, SQLITE_HEADER.length)?.equals(SQLITE_HEADER) === true;
}

/**
 * Creates `dir` and its missing parents. Node's recursive mkdir reports ENOENT whatever stopped it
 * (EROFS on a read-only mount): making the first missing directory alone throws the real reason.
 */
function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    let missing = dir;
    for (let parent = dirname(missing); parent !== missing && !existsSync(parent); parent = dirname(parent))
      missing = parent;
    try {
      mkdirSync(missing);
    } catch (reason) {
      // A dangling symbolic link exists but leads nowhere: ENOENT says that better than EEXIST.
      if ((reason as NodeJS.ErrnoException).code !== 'EEXIST') throw reason;
    }
    throw error;
  }
}

/** The refusal of a call while the store's DuckDB file is gone (its data directory deleted or moved). */
function storeFileGone(file: string): StoreError {
  return new StoreError(
    'InternalServerException',
    `The embedded store's file ${file} is gone (its data directory was deleted or moved); restart the store to start a new one.`,
  );
}

/**
 * The file's stat, or undefined when it cannot be found at `file`, as existsSync reads it.
 * NOTE: statSync's throwIfNoEntry covers ENOENT alone: a file put at the data directory's path
 * (ENOTDIR) threw from every write and from /healthz, instead of refusing them as a gone file.
 */
function statIfThere(file: string): Stats | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** The refusal of a call while another file is at the path of the store's DuckDB file. */
function storeFileReplaced(file: string): StoreError {
  return new StoreError(
    'InternalServerException',
    `The embedded store's file ${file} was replaced by another file while the store ran; restart the store to open the new one.`,
  );
}

function internalError(error: Error): StoreError {
  return new StoreError('InternalServerException', `Internal error in the embedded store: ${error.message}`);
}

/** The database and table a request names, checked as the model has them. @throws StoreError */
function tableNames(body: Record<string, unknown>): [database: string, table: string] {
  return [
    requireResourceName(body.DatabaseName, 'DatabaseName'),
    requireResourceName(body.TableName, 'TableName'),
  ];
}
