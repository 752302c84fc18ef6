// SPDX-License-Identifier: Apache-2.0
// Runs read queries against Timestream: the table's dimension columns (DESCRIBE, cached briefly),
// every result page of every query, and assembly into series. Knows nothing of HTTP.

import {
  QueryCommand,
  type QueryCommandOutput,
  type TimestreamQueryClient,
} from '@aws-sdk/client-timestream-query';
import { ConnectorError, ErrorKind, notFound } from '../core/errors';
import type { ColumnarSeries } from '../prompb/encode';
import type { Query } from '../prompb/types';
import { awsErrorName, fromAwsError, malformedAnswer } from './errors';
import { abortError } from './http1-client';
import { sendRecordingAttempts } from './last-attempt';
import { toDimensionName } from './label-names';
import { scanQueryPage, type ScannedPage } from './page-scan';
import { pageFault, type QueryPage, type QuerySender } from './query-sender';
import { dimensionColumnsOf, SeriesAssembler } from './rows';
import { buildSelect, quoteIdentifier } from './sql';

/** How long a table's dimension columns are trusted without re-reading them. */
export const DIMENSION_CACHE_TTL_MS = 60_000;
/**
 * Columns only ever get added to a Timestream table, so a stale entry can only miss a column.
 * When a matcher names a column the entry lacks, it is re-read, but at most this often.
 */
export const DIMENSION_REFRESH_MIN_INTERVAL_MS = 1_000;
/**
 * How often a query is built again on the columns its own result showed the table to have, when
 * a column was added between reading the columns and the query (a label written meanwhile).
 */
export const MAX_COLUMN_REBUILDS = 2;
/**
 * Unconfirmed columns a query leaves out one at a time as Timestream refuses them; at the next
 * refusal the columns are read again instead, which lists every label written before the query.
 * Sent again once per refused column, a query naming many labels the table lacks (`l!="x"` matches
 * an absent label, so the query stays live) made a Query call, and translated every matcher, per
 * label: 650 queries of 60 such regex matchers, 165 KB of request, made 26 577 Query calls and
 * kept the connector's thread busy for 337 s.
 */
export const MAX_UNCONFIRMED_REFUSALS = 2;
/** Upper bound on result pages per query, so a runaway NextToken loop cannot spin forever. */
export const MAX_PAGES_PER_QUERY = 100_000;

export interface ReadTarget {
  database: string;
  table: string;
}

export interface QueryCallObserver {
  (operation: 'Query' | 'Query(DESCRIBE)', durationMs: number, outcome: string): void;
}

interface CachedColumns {
  columns: ReadonlySet<string>;
  readAtMs: number;
}

/** A DESCRIBE under way, shared by the queries that need it; aborted once none of them waits. */
interface SharedRead {
  columns: Promise<ReadonlySet<string>>;
  controller: AbortController;
  waiting: number;
  call: DescribeCall;
}

/** The Query call of a DESCRIBE's page under way, and who is told of it once it ends. */
interface DescribeCall {
  /** performance.now() when the page's call was sent; undefined between calls, or once reported. */
  startedMs?: number;
  observe?: QueryCallObserver;
}

/** A table's dimension columns as known, for one query. */
export interface KnownColumns {
  columns: ReadonlySet<string>;
  /**
   * Columns the query wants that the cache lacks, not read again because it was read less than
   * DIMENSION_REFRESH_MIN_INTERVAL_MS ago, or because the DESCRIBE it joined had started before
   * the query: they may have been written since.
   */
  unconfirmed: readonly string[];
}

/** Caches the dimension columns of tables, per table, across requests. */
export class DimensionCatalog {
  private readonly entries = new Map<string, CachedColumns>();
  /**
   * The DESCRIBE under way per table and query client, which the queries that need it at the same
   * time share. Per client, that is per credential identity (ClientCache): a DESCRIBE signed with
   * credentials Timestream refuses must fail only the requests that sent them, not a request with
   * valid ones that would otherwise join it (401/403 are the caller's own, SPEC section 3).
   */
  private readonly reading = new Map<string, SharedRead>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Returns the table's dimension column names, re-reading them when stale or missing `wanted`. */
  async columns(
    client: TimestreamQueryClient,
    target: ReadTarget,
    wanted: readonly string[],
    signal?: AbortSignal,
    observe?: QueryCallObserver,
  ): Promise<KnownColumns> {
    const key = `${target.database}\0${target.table}`;
    const entry = this.entries.get(key);
    const age = entry === undefined ? Infinity : this.now() - entry.readAtMs;
    const missing = entry !== undefined && wanted.some((c) => !entry.columns.has(c));
    if (
      entry !== undefined &&
      age < DIMENSION_CACHE_TTL_MS &&
      !(missing && age >= DIMENSION_REFRESH_MIN_INTERVAL_MS)
    ) {
      const unconfirmed = missing ? wanted.filter((c) => !entry.columns.has(c)) : [];
      return { columns: entry.columns, unconfirmed };
    }
    // NOTE: shared, so a read of N queries makes one DESCRIBE, not N. It runs under a signal of its
    // own, aborted only once every query waiting for it has given up: one request's client going
    // away (or its deadline) must not fail the other requests that joined its DESCRIBE.
    const readKey = `${key}\0${clientId(client)}`;
    let shared = this.reading.get(readKey);
    // One every earlier waiter gave up on is failing: not joined.
    if (shared?.controller.signal.aborted) shared = undefined;
    const joined = shared !== undefined;
    if (shared === undefined) {
      const controller = new AbortController();
      const call: DescribeCall = { observe };
      const columns = describeDimensions(client, target, controller.signal, call)
        .then((found) => {
          this.entries.set(key, { columns: found, readAtMs: this.now() });
          return found;
        })
        .finally(() => {
          if (this.reading.get(readKey)?.controller === controller) this.reading.delete(readKey);
        });
      shared = { columns, controller, waiting: 0, call };
      this.reading.set(readKey, shared);
    }
    const columns = await waitFor(this.reading, readKey, signal, observe);
    // A DESCRIBE that started before this query may have read the table before a column the query
    // wants was written (by a write acknowledged before the query began): the query names such
    // columns anyway, and only Timestream's unknown-column error makes them absent.
    return { columns, unconfirmed: joined ? wanted.filter((c) => !columns.has(c)) : [] };
  }

  /** Drops what is known of the table's columns, so the next call reads them again. */
  forget(target: ReadTarget): void {
    this.entries.delete(`${target.database}\0${target.table}`);
  }
}

/** A number per query client, to tell the credential identities DESCRIBEs are signed with apart. */
const clientIds = new WeakMap<object, number>();
let nextClientId = 0;

function clientId(client: object): number {
  let id = clientIds.get(client);
  if (id === undefined) {
    id = nextClientId++;
    clientIds.set(client, id);
  }
  return id;
}

/**
 * The shared DESCRIBE's columns, or a DESCRIBE abort error once `signal` aborts (the DESCRIBE goes
 * on for the others). The last waiter to give up stops the DESCRIBE, and `observe` is told of its
 * call then.
 */
async function waitFor(
  reading: ReadonlyMap<string, SharedRead>,
  key: string,
  signal: AbortSignal | undefined,
  observe: QueryCallObserver | undefined,
): Promise<ReadonlySet<string>> {
  const shared = reading.get(key)!;
  shared.waiting++;
  let stopWaiting: (() => void) | undefined;
  try {
    if (signal === undefined) return await shared.columns;
    return await new Promise<ReadonlySet<string>>((resolve, reject) => {
      stopWaiting = () => reject(fromAwsError(abortError(), 'DESCRIBE'));
      if (signal.aborted) stopWaiting();
      else signal.addEventListener('abort', stopWaiting, { once: true });
      shared.columns.then(resolve, reject);
    });
  } finally {
    if (stopWaiting !== undefined) signal?.removeEventListener('abort', stopWaiting);
    shared.waiting--;
    // Only while it is under way (still in `reading`): an answered DESCRIBE is left alone.
    if (shared.waiting === 0 && reading.get(key) === shared) {
      // NOTE: its call is counted now, as the giving-up read's, which is answered (503) before the
      // stopped call settles: counted then, it was missing from that read's `calls` and, on
      // Lambda, from its invocation's metrics, and turned up in a later invocation's instead.
      const { call } = shared;
      if (call.startedMs !== undefined)
        observe?.('Query(DESCRIBE)', performance.now() - call.startedMs, awsErrorName(abortError()));
      call.startedMs = undefined;
      shared.controller.abort();
    }
  }
}

async function describeDimensions(
  client: TimestreamQueryClient,
  target: ReadTarget,
  signal: AbortSignal,
  call: DescribeCall,
): Promise<ReadonlySet<string>> {
  const sql = `DESCRIBE ${quoteIdentifier(target.database)}.${quoteIdentifier(target.table)}`;
  const dimensions = new Set<string>();
  let nextToken: string | undefined;
  // Every page: Query may split any result, DESCRIBE's too, and may answer an empty page with a
  // NextToken (reference/timestream-facts.md 4.2); a column on a later page is a column all the same.
  for (let page = 0; page < MAX_PAGES_PER_QUERY; page++) {
    call.startedMs = performance.now();
    let output: QueryCommandOutput;
    try {
      const command = new QueryCommand({ QueryString: sql, NextToken: nextToken });
      output = await sendRecordingAttempts(command, () => client.send(command, { abortSignal: signal }));
      endCall(call, 'ok');
    } catch (error) {
      endCall(call, awsErrorName(error));
      const failure = fromAwsError(error, 'DESCRIBE');
      // Our DESCRIBE is well-formed, so a validation error means the database or table is missing.
      // Other refusals (a QueryExecutionException, a quota) are what they say: named a missing
      // table, they sent the operator looking for a table that is there.
      if (
        failure.kind === ErrorKind.NotFound ||
        (failure.kind === ErrorKind.BadRequest && VALIDATION_NAMES.has(awsErrorName(error)))
      )
        throw tableNotFound(target, failure, error);
      throw failure;
    }
    const fault = pageFault(output);
    if (fault !== undefined) throw malformedAnswer('DESCRIBE', fault);
    const names = (output.ColumnInfo ?? []).map((c) => c.Name);
    const columnIndex = names.indexOf('Column');
    const kindIndex = names.findIndex((n) => n !== undefined && /attribute type|category/i.test(n));
    for (const row of output.Rows ?? []) {
      const name = row.Data?.[columnIndex]?.ScalarValue;
      const kind = row.Data?.[kindIndex]?.ScalarValue;
      if (name !== undefined && kind === 'DIMENSION') dimensions.add(name);
    }
    nextToken = output.NextToken;
    if (nextToken === undefined) return dimensions;
  }
  throw new ConnectorError(ErrorKind.Retryable, `DESCRIBE returned more than ${MAX_PAGES_PER_QUERY} pages`);
}

/** Tells the call's observer that it ended, unless the read that stopped it did already. */
function endCall(call: DescribeCall, outcome: string): void {
  if (call.startedMs !== undefined)
    call.observe?.('Query(DESCRIBE)', performance.now() - call.startedMs, outcome);
  call.startedMs = undefined;
}

export interface ReadOptions {
  signal?: AbortSignal;
  observe?: QueryCallObserver;
  /**
   * Told how many samples the answer left out because their series had another sample at the
   * same millisecond (SeriesAssembler); called once per answered query, only when some were.
   */
  onDuplicateSamples?: (count: number) => void;
  /**
   * Told, after each page is added, how many samples (same-millisecond duplicates included) and new
   * series it brought; throwing stops the read, so a limit ends it before every page is held.
   */
  onPage?: (samples: number, series: number) => void;
}

/**
 * Answers one remote-read query with the series it selects, sorted, every page read.
 *
 * A column the cached catalog still lists may be gone (the table was dropped and made again), and
 * Timestream answers a query naming it with an unknown-column error, which must not reach the user
 * (SPEC section 5): the catalog is read again and the query rebuilt once. Should Timestream still
 * refuse a column its own DESCRIBE lists, the answer is empty, as the reference connector answers
 * every unknown-column error. A column the query wants that the catalog lacks, read too recently
 * to be read again, may be new: the query names it first, and only Timestream's unknown-column
 * error makes the label absent (a label written a moment ago is not missed for a second).
 */
export async function readQuery(
  sender: QuerySender,
  catalog: DimensionCatalog,
  target: ReadTarget,
  query: Query,
  options: ReadOptions = {},
): Promise<ColumnarSeries[]> {
  // No PromQL selector sends no matcher, and Prometheus' own storage answers such a query with no
  // series; here it would read the whole table over the range (Timestream bills the bytes scanned).
  if (query.matchers.length === 0) return [];
  // A label's own column missing from the cache may just be new; it would also take the label
  // from a column another tool wrote (labelNamesOf), so it is worth a fresh DESCRIBE either way.
  const wanted = query.matchers
    .filter((m) => m.name !== '__name__' && m.malformedName !== true)
    .map((m) => toDimensionName(m.name));
  let tryUnconfirmed = true;
  /** Unconfirmed columns Timestream named as unknown: absent, while the others are still tried. */
  const refused = new Set<string>();
  let rebuilt = false;
  /** The table's columns as a result listed them, when it had a column the query took to be absent. */
  let resultColumns: ReadonlySet<string> | undefined;
  let columnRebuilds = 0;
  for (;;) {
    const known =
      resultColumns !== undefined
        ? { columns: resultColumns, unconfirmed: [] }
        : await catalog.columns(sender.client, target, wanted, options.signal, options.observe);
    resultColumns = undefined;
    const tried = tryUnconfirmed ? known.unconfirmed.filter((c) => !refused.has(c)) : [];
    const trying = tried.length > 0;
    const dimensionColumns = trying ? new Set([...known.columns, ...tried]) : known.columns;
    const sql = buildSelect({ database: target.database, table: target.table, query, dimensionColumns });
    if (sql === null) return [];
    try {
      // The columns of the query's own labels it took to be absent (their matchers decided as such).
      const absent = wanted.filter((c) => !dimensionColumns.has(c));
      return await readPages(sender, sql, options, columnRebuilds < MAX_COLUMN_REBUILDS ? absent : []);
    } catch (error) {
      // A label written after the columns were read: the matchers on it were decided as on an
      // absent label (`l=""` dropped), yet the rows carry it. Built again on the result's columns.
      if (error instanceof ColumnsChangedError) {
        columnRebuilds++;
        resultColumns = error.columns;
        continue;
      }
      if (!(error instanceof MissingObjectError)) throw error;
      // The table went away after its columns were cached: 404, as when DESCRIBE finds it missing.
      if (error.missing === 'table') {
        catalog.forget(target);
        throw tableNotFound(target, fromAwsError(error.cause, 'Query'), error.cause);
      }
      // Only the column Timestream named is absent: another unconfirmed one may be new (`{new="x",
      // nope=""}` must find the series with `new`), so it is tried again, once per column at most;
      // past MAX_UNCONFIRMED_REFUSALS the columns are read again rather than tried one by one.
      // When the refusal names no column, they are all taken as absent: the query as the cache
      // has the table.
      if (trying && error.column !== undefined && tried.includes(error.column)) {
        refused.add(error.column);
        if (refused.size > MAX_UNCONFIRMED_REFUSALS) {
          catalog.forget(target);
          tryUnconfirmed = false;
        }
        continue;
      }
      if (trying && error.column === undefined) {
        tryUnconfirmed = false;
        continue;
      }
      // A cached column is gone (the table was made again, maybe with the unconfirmed columns):
      // the columns are read again, as when no column was unconfirmed.
      catalog.forget(target);
      if (rebuilt) return [];
      rebuilt = true;
    }
  }
}

/** The 404 for a table (or its database) that Timestream says does not exist. */
function tableNotFound(target: ReadTarget, failure: ConnectorError, cause: unknown): ConnectorError {
  return notFound(`table "${target.database}"."${target.table}" not found: ${failure.message}`, { cause });
}

/** The first page of a query listed a column the query took to be absent. */
class ColumnsChangedError extends Error {
  constructor(readonly columns: ReadonlySet<string>) {
    super('the table has columns the query was not built on');
  }
}

/** The first page of a query was refused for naming a column, table or database that does not exist. */
class MissingObjectError extends Error {
  constructor(
    readonly missing: 'column' | 'table',
    override readonly cause: unknown,
    /** The column Timestream named, for an unknown column. */
    readonly column?: string,
  ) {
    super(`${missing} does not exist`);
  }
}

/**
 * Timestream's refusals of a query for what it names (reference/timestream-facts.md 4.6): an unknown
 * column, database (a real example) or table (the embedded store's wording; Timestream's is
 * unconfirmed).
 */
function missingObject(error: unknown): MissingObjectError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, message } = error as { name?: unknown; message?: unknown };
  if (name !== 'ValidationException' || typeof message !== 'string') return undefined;
  const column = /Column '(.*)' does not exist/s.exec(message);
  if (column !== null) return new MissingObjectError('column', error, column[1]);
  if (/Table '.*' does not exist|Requested database '.*' not found/.test(message))
    return new MissingObjectError('table', error);
  return undefined;
}

/**
 * Every page of `sql`, assembled into series. Throws ColumnsChangedError when the first page lists
 * one of the `absent` columns (added after the query was built on the table's columns).
 */
async function readPages(
  sender: QuerySender,
  sql: string,
  options: ReadOptions,
  absent: readonly string[] = [],
): Promise<ColumnarSeries[]> {
  const assembler = new SeriesAssembler();
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES_PER_QUERY; page++) {
    const started = performance.now();
    let output: QueryPage | ScannedPage;
    try {
      output = await sender.scannedPage(sql, nextToken, options.signal, scanQueryPage);
      options.observe?.('Query', performance.now() - started, 'ok');
    } catch (error) {
      options.observe?.('Query', performance.now() - started, awsErrorName(error));
      const missing = page === 0 ? missingObject(error) : undefined;
      if (missing !== undefined) throw missing;
      throw fromAwsError(error, 'Query');
    }
    if (page === 0 && absent.length > 0) {
      const columns = dimensionColumnsOf(
        'cellStart' in output ? output.columnInfo : (output.ColumnInfo ?? []),
      );
      if (absent.some((c) => columns.includes(c))) throw new ColumnsChangedError(new Set(columns));
    }
    const samplesBefore = assembler.sampleCount;
    const seriesBefore = assembler.seriesCount;
    if ('cellStart' in output) {
      assembler.addScannedPage(output);
      nextToken = output.nextToken;
    } else {
      assembler.addPage(output);
      nextToken = output.NextToken;
    }
    options.onPage?.(assembler.sampleCount - samplesBefore, assembler.seriesCount - seriesBefore);
    if (nextToken === undefined) {
      const series = assembler.finishColumns();
      if (assembler.duplicateSamples > 0) options.onDuplicateSamples?.(assembler.duplicateSamples);
      return series;
    }
  }
  throw new ConnectorError(ErrorKind.Retryable, `query returned more than ${MAX_PAGES_PER_QUERY} pages`);
}

/** Timestream's names for a request refused as invalid (the model's, and AWS's Common Errors'). */
const VALIDATION_NAMES: ReadonlySet<string> = new Set(['ValidationException', 'ValidationError']);
