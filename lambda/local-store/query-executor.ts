// SPDX-License-Identifier: Apache-2.0
// Runs Timestream Query calls: translates the SQL (sql/ owns the dialect), runs it on DuckDB and
// pages the converted result with opaque NextTokens kept in memory (reference/timestream-facts.md
// 4.1-4.2). The store never re-runs a query for a follow-up page. Rows are kept as their JSON text
// (sql/row-text.ts), so a page for the wire is a concatenation, not a serialisation.

import { randomBytes } from 'node:crypto';
import type {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBMaterializedResult,
  DuckDBResult,
} from '@duckdb/node-api';
import type { ColumnInfo, Row } from '@aws-sdk/client-timestream-query';
import { StoreError, validation } from './errors';
import { checkModelLength, checkModelRange, modelViolation } from './model-checks';
import { RowTexts } from './row-texts';
import type { Catalog } from './schema';

/** Longest QueryString (model: max 262144). */
export const MAX_QUERY_STRING_CHARS = 262_144;
/** Largest MaxRows (model: 1..1000). */
export const MAX_ROWS_LIMIT = 1000;
/** ClientToken length in characters (model ClientRequestToken: 32..128). */
export const CLIENT_TOKEN_CHARS = { min: 32, max: 128 } as const;
/** NextToken length in characters (model PaginationToken: 1..2048). */
export const NEXT_TOKEN_CHARS = { min: 1, max: 2048 } as const;
/** QueryInsights Modes (model QueryInsightsMode). */
export const QUERY_INSIGHTS_MODES = ['ENABLED_WITH_RATE_CONTROL', 'DISABLED'] as const;
/** A NextToken expires after an hour... */
export const TOKEN_TTL_MS = 3_600_000;
/** ...or after five uses (facts 4.1). */
export const TOKEN_MAX_USES = 5;
/**
 * Largest Query response: Timestream fills a page with rows up to ~1 MB (facts 4.2), whatever
 * MaxRows allows. A row too large for a page of its own fails the query (facts 4.1).
 */
export const MAX_PAGE_BYTES = 1_000_000;
/** Bytes a response takes besides its rows and ColumnInfo: QueryId, QueryStatus, NextToken, keys. */
const PAGE_FRAME_BYTES = 512;
/**
 * Bytes of rendered rows one result may hold: those rendered and not yet released by a later
 * page's token. A streamed result renders only a page or two ahead of its reader, so this bounds a
 * result rendered whole (past MAX_OPEN_STREAMS, or one with an INTERVAL column) and a single
 * DuckDB chunk of huge rows; past it a query is refused while its rows are rendered (Timestream
 * allows 5 GB, facts 3.3): a short query over a few thousand rows (`lpad(host, 900000, 'x')`)
 * otherwise held gigabytes, and ran the store out of memory.
 */
export const MAX_RESULT_BYTES = 512 * 1024 * 1024;
/** The refusal of a query whose result passes `limit` bytes (MAX_RESULT_BYTES). */
export const resultTooLarge = (limit: number) =>
  validation(`Query aborted as its result exceeds the ${limit} bytes the embedded store holds for one query`);
/** Fewest bytes a column's ColumnInfo takes in a page: `{"Name":"","Type":{"ScalarType":"DATE"}},`. */
const MIN_COLUMN_INFO_BYTES = 40;
/**
 * Most columns a result can have: every page carries the ColumnInfo of all of them, which past
 * this count alone is larger than MAX_PAGE_BYTES, so such a query can only fail (pageExceeded).
 */
export const MAX_RESULT_COLUMNS = Math.floor((MAX_PAGE_BYTES - PAGE_FRAME_BYTES - 2) / MIN_COLUMN_INFO_BYTES);
/**
 * The refusal of a query with a row (with the ColumnInfo every page carries) too large for a page.
 * NOTE: Timestream's words (facts 4.1, the Query API reference); the exception type is
 * UNCONFIRMED, so it is the ValidationException of every other refusal.
 */
export const pageExceeded = () => validation(PAGE_EXCEEDED_MESSAGE);
export const PAGE_EXCEEDED_MESSAGE =
  'Query aborted as max page response size has been exceeded by the output result row';
/**
 * Longest a query may run before it is refused: Timestream's Query "will time out after 60
 * seconds" (facts 4.1, the Query API reference). Without it a cross join or a scan of a large
 * table held a pooled connection and a core for as long as DuckDB took, however long that was.
 */
export const QUERY_TIMEOUT_MS = 60_000;
/**
 * The refusal of a query that ran past `limitMs` (QUERY_TIMEOUT_MS).
 * NOTE: the error Timestream answers then is not documented (facts 4.1 gives the 60 s only). The
 * store answers QueryExecutionException, the model's error for a query that failed while it ran
 * (facts 4.6), with its own words; like every 400 it is not retried by the SDKs.
 */
export const queryTimedOut = (limitMs: number) =>
  new StoreError(
    'QueryExecutionException',
    `Query aborted as it ran longer than the ${limitMs / 1000} seconds a query may take`,
  );
/**
 * The refusal of a query whose caller went away before its answer (the signal given to query()).
 * Nobody reads it: it ends the query's own call, and the HTTP server logs the request as
 * ClientClosedRequest.
 */
export const callerGone = () =>
  new StoreError('QueryExecutionException', 'Query aborted as its caller closed the connection');
/**
 * The refusal of a streamed result that DuckDB ended early with an error after `rows` rows were
 * rendered. @duckdb/node-api does not hand over that error (it ends the result as if it had no more
 * rows; see nextChunk in sql/row-text.ts), so its words are not known: a value the query could not
 * convert, memory or the disk. The retryable InternalServerException, as for the store's other
 * failures of its own, since most causes pass; the rows rendered are never answered as the result.
 */
export const resultCutShort = (rows: number): StoreError => new ResultCutShort(rows);
/** Whether `error` is resultCutShort's. */
export const isResultCutShort = (error: unknown): boolean => error instanceof ResultCutShort;

/** resultCutShort's refusal, a class of its own so that no other error's words can pass for it. */
class ResultCutShort extends StoreError {
  constructor(rows: number) {
    super(
      'InternalServerException',
      `Internal error in the embedded store: the query failed after ${rows} rows of its result, ` +
        'for a reason DuckDB does not report; those rows are not answered as the result',
    );
  }
}
/** Tokens whose page met a failed stream (resultCutShort), remembered at most. */
export const MAX_FAILED_TOKENS = 64;
/** Bytes metered at least per query under the legacy pricing model (facts 10). */
const MIN_METERED_BYTES = 10_000_000;
/** Idle connections kept for reuse. */
const POOL_SIZE = 4;
/**
 * How often a query that was stopped before DuckDB started it is interrupted again (execute): DuckDB
 * clears an interrupt as a query starts, so one given while the query waited to start is lost.
 */
const INTERRUPT_RETRY_MS = 25;

/**
 * Results streamed at once, each holding a connection and the query's state in DuckDB; a query
 * started while this many are open renders every row before its first page instead.
 */
export const MAX_OPEN_STREAMS = 16;
/**
 * A streamed result whose next page was not asked for in this long is dropped, its tokens then
 * answered as invalid (Timestream keeps a token an hour, facts 4.1): an open query's transaction
 * keeps DuckDB from checkpointing its WAL, and a client that stopped paging (the connector at a
 * read's samples limit, a reader that gave up) would otherwise hold it for that hour. Rendering
 * the rest instead would do the work nobody asked for and hold up to MAX_RESULT_BYTES of it.
 */
export const STREAM_IDLE_MS = 60_000;

/**
 * Where rendering a result stops with a refusal: as soon as a row is too large for a page of its
 * own (pageExceeded) or the rows together pass `resultBytes` (resultTooLarge), rather than once
 * every row is rendered.
 */
export interface RenderLimits {
  /** Bytes a page holds for the ColumnInfo and one row. */
  pageBytes: number;
  resultBytes: number;
}

/** The limits the executor renders results within. */
export const RENDER_LIMITS: RenderLimits = {
  pageBytes: MAX_PAGE_BYTES - PAGE_FRAME_BYTES - 1,
  resultBytes: MAX_RESULT_BYTES,
};

/** A converted result: ColumnInfo and each row's `{"Data":[...]}` JSON text. */
export interface RenderedRows {
  columnInfo: ColumnInfo[];
  rows: RowTexts;
}

/** A result being rendered a chunk at a time (sql/row-text.ts startTimestreamRendering). */
export interface ResultRendering extends RenderedRows {
  /** Renders the next chunk into `rows`; false, adding nothing, once the result has no more. */
  next(): Promise<boolean>;
}

/** What translateQuery answers (mirrors sql/translate.ts). */
export type TranslatedQuery =
  | { kind: 'select'; sql: string; metadata?: true; scansNothing?: true }
  | { kind: 'static'; columnInfo: ColumnInfo[]; rows: Row[] };

/** The SQL dialect functions the executor needs; the real ones live in sql/. */
export interface SqlDialect {
  translateQuery(queryString: string, catalog: Catalog, nowMs: number): TranslatedQuery;
  toTimestreamResult(result: DuckDBMaterializedResult): { columnInfo: ColumnInfo[]; rows: Row[] };
  /**
   * toTimestreamResult with each row as its JSON text, fetching the rows itself a chunk per `next()`
   * (the executor then streams the result, rendering only as far as the pages asked for); when
   * absent, the executor materializes the result and stringifies every row before the first page.
   */
  startTimestreamRendering?(result: DuckDBResult, limits?: RenderLimits): Promise<ResultRendering>;
  mapDuckDbError(error: unknown, queryString: string): StoreError;
}

/** A Query request as the wire carries it. */
export interface QueryRequest {
  QueryString?: unknown;
  NextToken?: unknown;
  MaxRows?: unknown;
  ClientToken?: unknown;
  QueryInsights?: unknown;
}

/** The Query response shape of the SDK model. */
export interface QueryResponseBody {
  QueryId: string;
  NextToken?: string;
  Rows: Row[];
  ColumnInfo: ColumnInfo[];
  QueryStatus: { ProgressPercentage: number; CumulativeBytesScanned: number; CumulativeBytesMetered: number };
}

/** One Query response as the wire carries it: its UTF-8 JSON, and its NextToken for in-process paging. */
export class RenderedQueryPage {
  constructor(
    readonly bytes: Buffer,
    readonly nextToken: string | undefined,
  ) {}
}

interface Cursor {
  queryId: string;
  queryString: string;
  /** Who ran the query (the access key id of its signature); only they may page on (facts 4.1). */
  principal?: string;
  columnInfo: ColumnInfo[];
  /** `JSON.stringify(columnInfo)`, rendered once for every page. */
  columnInfoJson: string;
  /** Each row's JSON text (`JSON.stringify` of its Row). */
  rows: RowTexts;
  bytesScanned: number;
  bytesMetered: number;
  /** How the query is metered (meter()). */
  metering: Metering;
  /** Rows still to render, while there are any (OpenStream). */
  stream?: OpenStream;
  /** Set once the result can no longer be read to its end (a failed or dropped stream). */
  dropped: boolean;
  /** Sequence number of the newest token issued. */
  newestSeq: number;
  /** Highest sequence number used so far: using a later token invalidates earlier ones (facts 4.1). */
  usedSeq: number;
  /** The tokens issued, by sequence number - 1; '' once forgotten. */
  issued: string[];
  /** Tokens before this index in `issued` are forgotten. */
  forgotten: number;
  /** Tokens of this cursor still in the executor's map; the cursor is held while there are any. */
  liveTokens: number;
  /** When a page of it was last answered (the executor's clock). */
  lastUsedMs: number;
}

/**
 * The rest of a result DuckDB is still streaming, rendered only as pages ask for it: a result of
 * millions of rows is never held whole, and its first page comes as soon as its first rows.
 */
interface OpenStream {
  /** The connection the query runs on; its own until the last row is rendered or it is dropped. */
  connection: DuckDBConnection;
  rendering: ResultRendering;
  /** The rendering under way, if any: calls on the cursor render in turn. */
  busy: Promise<void>;
  /** Whether a rendering is under way (it closes the connection if the stream is dropped meanwhile). */
  active: boolean;
  /** Set when the cursor is dropped: the connection is closed once no rendering is under way. */
  dropped: boolean;
}

/** The rows [offset, end) of a cursor that one call answers, with the token of the rest. */
interface PageSlice {
  cursor: Cursor;
  offset: number;
  end: number;
  nextToken?: string;
}

interface TokenState {
  cursor: Cursor;
  offset: number;
  seq: number;
  uses: number;
  createdMs: number;
}

/** Options of the executor. */
export interface QueryExecutorOptions {
  instance: DuckDBInstance;
  catalog: Catalog;
  /** Rows per page at most when the caller sends no smaller MaxRows; pages also end at MAX_PAGE_BYTES. */
  pageSize: number;
  nowMs: () => number;
  /** Defaults to the real translator in sql/ (loaded on first use). */
  sql?: SqlDialect;
  /** Bytes of unfinished results held for their NextTokens at most (default MAX_HELD_RESULT_BYTES). */
  maxHeldBytes?: number;
  /**
   * Bytes of finished results held for a retry of their last page at most (default
   * MAX_FINISHED_RESULT_BYTES).
   */
  maxFinishedBytes?: number;
  /** Milliseconds a query may run before it is interrupted and refused (default QUERY_TIMEOUT_MS). */
  queryTimeoutMs?: number;
}

/**
 * Bytes of rendered rows and their index kept for unfinished results, all queries together. Past
 * it the results idle longest are dropped and their NextTokens answered as invalid, as expired
 * ones are: a client that starts many multi-page queries and never finishes them cannot grow the
 * store without bound (each would otherwise be kept for the token's hour).
 */
export const MAX_HELD_RESULT_BYTES = 512 * 1024 * 1024;
/**
 * A result is only dropped for the limit after this long without a page asked for: results being
 * paged through (the connector reads its pages back to back) are never cut short, however large.
 */
export const HELD_RESULT_IDLE_MS = 60_000;

/**
 * Bytes kept for results whose last page was already answered. Such a result's last token stays
 * valid for a retry of that page (facts 4.1: five uses or an hour), which keeps the page's rows; a
 * client that reads every page, as the connector does, leaves one such result per query, and
 * under MAX_HELD_RESULT_BYTES alone a steady stream of reads kept ~5 MB a read. Past this limit
 * the results finished longest ago are dropped at once and their last tokens answered as expired:
 * a retry comes within seconds, not after dozens of later reads.
 */
export const MAX_FINISHED_RESULT_BYTES = 16 * 1024 * 1024;

/** Executes and pages queries. */
export class QueryExecutor {
  private readonly tokens = new Map<string, TokenState>();
  /**
   * The failure of a streamed result by the token whose page met it (resultCutShort), oldest first:
   * the SDKs resend a page's token after a 500, and the token, dropped with its result, would
   * then be answered as invalid, so that the caller saw that instead of the failure.
   */
  private readonly failedTokens = new Map<
    string,
    { queryString: string; principal: string | undefined; error: StoreError; createdMs: number }
  >();
  /** Cursors with live tokens, least recently used first, and the bytes each was last counted at. */
  private readonly held = new Map<Cursor, number>();
  private heldTotal = 0;
  /**
   * Held cursors whose last page was answered (only a retry of that page can still use them),
   * finished longest ago first.
   */
  private readonly finished = new Set<Cursor>();
  private readonly idle: DuckDBConnection[] = [];
  /** Cursors whose results DuckDB is still streaming (OpenStream). */
  private readonly streams = new Set<Cursor>();
  /** Drops the streams idle past STREAM_IDLE_MS, while any is open. */
  private idleCheck: NodeJS.Timeout | undefined;
  /** Set by close(): a query still running then gives its connection back to be closed. */
  private closed = false;
  private sql: SqlDialect | undefined;

  constructor(private readonly options: QueryExecutorOptions) {
    this.sql = options.sql;
  }

  /**
   * Answers one Query call of `principal` (an access key id); `signal` aborts it when its caller
   * is gone. @throws StoreError
   */
  async query(request: QueryRequest, principal?: string, signal?: AbortSignal): Promise<QueryResponseBody> {
    const { cursor, offset, end, nextToken } = await this.answer(request, principal, signal);
    const body: QueryResponseBody = {
      QueryId: cursor.queryId,
      Rows: JSON.parse(`[${cursor.rows.rangeText(offset, end)}]`) as Row[],
      ColumnInfo: cursor.columnInfo,
      QueryStatus: queryStatus(cursor),
    };
    if (nextToken !== undefined) body.NextToken = nextToken;
    return body;
  }

  /**
   * Answers one Query call with the response query() gives as UTF-8 JSON, byte for byte what
   * `JSON.stringify` would make of it (the HTTP server sends these bytes). @throws StoreError
   */
  async queryRendered(
    request: QueryRequest,
    principal?: string,
    signal?: AbortSignal,
  ): Promise<RenderedQueryPage> {
    const { cursor, offset, end, nextToken } = await this.answer(request, principal, signal);
    const head = `{"QueryId":${JSON.stringify(cursor.queryId)},"Rows":[`;
    const tail =
      `],"ColumnInfo":${cursor.columnInfoJson},"QueryStatus":${JSON.stringify(queryStatus(cursor))}` +
      `${nextToken === undefined ? '' : `,"NextToken":${JSON.stringify(nextToken)}`}}`;
    const size = Buffer.byteLength(head) + Buffer.byteLength(tail) + cursor.rows.rangeBytes(offset, end);
    const bytes = Buffer.allocUnsafe(size);
    let at = bytes.write(head, 0);
    at += cursor.rows.copyRange(offset, end, bytes, at);
    bytes.write(tail, at);
    return new RenderedQueryPage(bytes, nextToken);
  }

  private async answer(
    request: QueryRequest,
    principal: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<PageSlice> {
    const { QueryString: queryString } = request;
    // A JSON null is an absent member, as the store reads null elsewhere (a client that writes
    // every member of its request, set or not, asks for a first page with no row cap).
    const nextToken = request.NextToken ?? undefined;
    const maxRows = request.MaxRows ?? undefined;
    if (queryString != null && typeof queryString !== 'string')
      throw new StoreError('SerializationException', "Expected a string at 'QueryString'");
    // The model marks QueryString sensitive: its refusal does not repeat it.
    checkModelLength(queryString, 'queryString', { min: 1, max: MAX_QUERY_STRING_CHARS }, true);
    checkModelRange(maxRows, 'maxRows', { min: 1, max: MAX_ROWS_LIMIT });
    const clientToken = request.ClientToken ?? undefined;
    if (clientToken !== undefined) {
      if (typeof clientToken !== 'string')
        throw new StoreError('SerializationException', "Expected a string at 'ClientToken'");
      // The model marks ClientToken sensitive: its refusal does not repeat it.
      checkModelLength(clientToken, 'clientToken', CLIENT_TOKEN_CHARS, true);
    }
    if (nextToken !== undefined) {
      // A token of another JSON type is a malformed request, as for ClientToken, not a stale token.
      if (typeof nextToken !== 'string')
        throw new StoreError('SerializationException', "Expected a string at 'NextToken'");
      checkModelLength(nextToken, 'nextToken', NEXT_TOKEN_CHARS);
    }
    checkQueryInsights(request.QueryInsights ?? undefined);
    const pageSize = Math.min(
      (maxRows as number | undefined) ?? this.options.pageSize,
      this.options.pageSize,
    );
    this.pruneTokens();
    if (nextToken !== undefined) return this.continue(nextToken, queryString, principal, pageSize, signal);
    // A first call with MaxRows gets the result only when it has fewer rows than MaxRows and fits
    // one page; otherwise only a NextToken, the rows following on the calls that send it (model
    // MaxRows doc; awslabs/amazon-timestream-tools#56). Clients that stop at an empty page fail
    // here as they would on Timestream.
    const firstPage = maxRows === undefined ? pageSize : Math.min(pageSize, (maxRows as number) - 1);
    const cursor = await this.execute(queryString, signal, firstPage);
    cursor.principal = principal;
    return this.page(cursor, 0, firstPage, maxRows !== undefined);
  }

  /** Bytes of rendered rows and their index held for results with live NextTokens. */
  get heldBytes(): number {
    return this.heldTotal;
  }

  /** Closes pooled connections and those of streamed results. */
  close(): void {
    this.closed = true;
    for (const cursor of [...this.streams]) this.closeStream(cursor);
    clearInterval(this.idleCheck);
    this.idleCheck = undefined;
    for (const connection of this.idle.splice(0)) connection.closeSync();
    this.tokens.clear();
    this.failedTokens.clear();
    this.held.clear();
    this.finished.clear();
    this.heldTotal = 0;
  }

  private async continue(
    token: unknown,
    queryString: string,
    principal: string | undefined,
    pageSize: number,
    signal: AbortSignal | undefined,
  ): Promise<PageSlice> {
    const failed = this.failureOf(token, queryString, principal);
    if (failed !== undefined) throw failed;
    const state = typeof token === 'string' ? this.tokens.get(token) : undefined;
    const nowMs = this.options.nowMs();
    if (
      !state ||
      state.cursor.queryString !== queryString ||
      state.cursor.principal !== principal ||
      state.seq < state.cursor.usedSeq ||
      state.uses >= TOKEN_MAX_USES ||
      nowMs - state.createdMs > TOKEN_TTL_MS
    ) {
      throw validation('Invalid pagination token');
    }
    state.uses += 1;
    const cursor = state.cursor;
    cursor.usedSeq = state.seq;
    cursor.lastUsedMs = nowMs;
    // Most recently used last: dropOldestOver walks from the front.
    const counted = this.held.get(cursor);
    if (counted !== undefined) {
      this.held.delete(cursor);
      this.held.set(cursor, counted);
    }
    // Using this token invalidated every earlier one, so no page can start before its offset
    // again: those rows are dropped now rather than held until the last token expires.
    if (cursor.rows.release(state.offset)) this.count(cursor);
    // The earlier tokens themselves are forgotten too, so pruning stays short however many pages
    // queries have (facts 4.1: they would be refused anyway).
    this.forgetTokensBefore(cursor, state.seq - 1);
    try {
      await this.fill(cursor, state.offset, pageSize, signal, state.seq);
    } catch (error) {
      if (isResultCutShort(error))
        this.rememberFailure(token as string, queryString, principal, error as StoreError);
      throw error;
    }
    // A resend of this token that waited behind the call meeting the failure (an SDK's, after its
    // timeout ended that call) finds the result dropped: it meets the failure too.
    const failedMeanwhile = this.failureOf(token, queryString, principal);
    if (failedMeanwhile !== undefined) throw failedMeanwhile;
    // A later token used while this call waited released the rows before its page (a retry of an
    // earlier token racing it): this token is now invalid, as it would be had it come after.
    if (state.seq < cursor.usedSeq) throw validation('Invalid pagination token');
    const slice = this.page(cursor, state.offset, pageSize);
    if (slice.end === cursor.rows.length && cursor.stream === undefined) this.finish(cursor);
    return slice;
  }

  /**
   * The failure the page of `token` met (failedTokens), if it is this query's and principal's: to
   * another principal the token is as invalid as any token of theirs would be.
   */
  private failureOf(
    token: unknown,
    queryString: string,
    principal: string | undefined,
  ): StoreError | undefined {
    const failed = typeof token === 'string' ? this.failedTokens.get(token) : undefined;
    return failed !== undefined && failed.queryString === queryString && failed.principal === principal
      ? failed.error
      : undefined;
  }

  /** Remembers the failure `error` met by the page of `token` (failedTokens). */
  private rememberFailure(
    token: string,
    queryString: string,
    principal: string | undefined,
    error: StoreError,
  ): void {
    this.failedTokens.set(token, { queryString, principal, error, createdMs: this.options.nowMs() });
    for (const oldest of this.failedTokens.keys()) {
      if (this.failedTokens.size <= MAX_FAILED_TOKENS) break;
      this.failedTokens.delete(oldest);
    }
  }

  /** Marks `cursor` finished (most recently) and drops the oldest finished results over the limit. */
  private finish(cursor: Cursor): void {
    if (cursor.liveTokens === 0) return;
    this.finished.delete(cursor);
    this.finished.add(cursor);
    const limit = this.options.maxFinishedBytes ?? MAX_FINISHED_RESULT_BYTES;
    let total = 0;
    for (const held of this.finished) total += this.held.get(held) ?? 0;
    for (const oldest of this.finished) {
      if (total <= limit) return;
      if (oldest === cursor) continue;
      total -= this.held.get(oldest) ?? 0;
      this.forgetTokensBefore(oldest, oldest.issued.length);
    }
  }

  /**
   * The page of `cursor` from `offset`: up to `pageSize` rows within MAX_PAGE_BYTES, with a token
   * for the rest; with `wholeOrNone`, no rows at all unless the page holds every row left.
   */
  private page(cursor: Cursor, offset: number, pageSize: number, wholeOrNone = false): PageSlice {
    // A result dropped while this call waited (its stream failed or went idle) cannot be read on.
    if (cursor.dropped) throw validation('Invalid pagination token');
    const last = Math.min(offset + pageSize, cursor.rows.length);
    let end = offset;
    let bytes = PAGE_FRAME_BYTES + Buffer.byteLength(cursor.columnInfoJson);
    for (; end < last; end++) {
      bytes += cursor.rows.byteLength(end) + 1;
      if (bytes > MAX_PAGE_BYTES && end > offset) break;
    }
    if (wholeOrNone && end < cursor.rows.length) end = offset;
    // The rows rendered so far decide the page (pageDecided): a page of a result still streaming
    // that took every one of them would end the result early, silently.
    if (end === cursor.rows.length && cursor.stream !== undefined)
      throw new Error('a page of a result still being streamed took every row rendered so far');
    const slice: PageSlice = { cursor, offset, end };
    if (end < cursor.rows.length) {
      cursor.newestSeq += 1;
      const token = randomBytes(36).toString('base64url');
      this.tokens.set(token, {
        cursor,
        offset: end,
        seq: cursor.newestSeq,
        uses: 0,
        createdMs: this.options.nowMs(),
      });
      cursor.issued.push(token);
      cursor.liveTokens += 1;
      slice.nextToken = token;
      this.count(cursor);
      this.dropOldestOver(cursor);
    }
    return slice;
  }

  /** Counts the bytes `cursor` holds now (it is held while it has live tokens). */
  private count(cursor: Cursor): void {
    if (cursor.liveTokens === 0) return;
    const bytes = cursor.rows.heldBytes;
    this.heldTotal += bytes - (this.held.get(cursor) ?? 0);
    this.held.set(cursor, bytes);
  }

  /**
   * Drops the held results idle longest, while more than the limit is held and they have been
   * idle for HELD_RESULT_IDLE_MS; never `keep`. A page already being answered keeps its rows:
   * only the tokens go.
   */
  private dropOldestOver(keep: Cursor): void {
    const limit = this.options.maxHeldBytes ?? MAX_HELD_RESULT_BYTES;
    const idleBefore = this.options.nowMs() - HELD_RESULT_IDLE_MS;
    for (const cursor of this.held.keys()) {
      if (this.heldTotal <= limit || cursor.lastUsedMs > idleBefore) return;
      if (cursor !== keep) this.forgetTokensBefore(cursor, cursor.issued.length);
    }
  }

  /** Forgets the tokens of `cursor` issued before index `end` of `cursor.issued`. */
  private forgetTokensBefore(cursor: Cursor, end: number): void {
    for (; cursor.forgotten < end; cursor.forgotten++) {
      this.forgetToken(cursor.issued[cursor.forgotten]!);
      cursor.issued[cursor.forgotten] = '';
    }
  }

  /** Removes a token; its cursor stops being held with its last token. */
  private forgetToken(token: string): void {
    const state = this.tokens.get(token);
    if (state === undefined) return;
    this.tokens.delete(token);
    const cursor = state.cursor;
    cursor.liveTokens -= 1;
    if (cursor.liveTokens === 0) {
      this.heldTotal -= this.held.get(cursor) ?? 0;
      this.held.delete(cursor);
      this.finished.delete(cursor);
      // No page can be asked for any more: the rest of its result is not wanted.
      this.closeStream(cursor);
    }
  }

  /**
   * Renders more of the streamed result of `cursor`, after any rendering under way, until the page
   * from `offset` of at most `pageSize` rows is decided (pageDecided) or the last row is rendered.
   * A failure drops the cursor (its tokens are then invalid) and is thrown.
   */
  private async fill(
    cursor: Cursor,
    offset: number,
    pageSize: number,
    signal: AbortSignal | undefined,
    seq: number,
  ): Promise<void> {
    const stream = cursor.stream;
    if (stream === undefined) return;
    const run = stream.busy.then(() => this.renderMore(cursor, stream, offset, pageSize, signal, seq));
    stream.busy = run.then(
      () => undefined,
      () => undefined,
    );
    await run;
  }

  private async renderMore(
    cursor: Cursor,
    stream: OpenStream,
    offset: number,
    pageSize: number,
    signal: AbortSignal | undefined,
    seq: number,
  ): Promise<void> {
    if (stream.dropped) return;
    const { connection, rendering } = stream;
    const limitMs = this.options.queryTimeoutMs ?? QUERY_TIMEOUT_MS;
    let timedOut = false;
    let abandoned = signal?.aborted === true;
    // Each call renders within the query time limit, as the first. One whose caller is gone stops
    // between chunks, not interrupted: the result stays whole for a retry of the page (an SDK
    // resends the same NextToken after its timeout).
    const timer = setTimeout(() => {
      timedOut = true;
      connection.interrupt();
    }, limitMs);
    const abandon = () => {
      abandoned = true;
    };
    signal?.addEventListener('abort', abandon, { once: true });
    const columnInfoBytes = Buffer.byteLength(cursor.columnInfoJson);
    let ended = false;
    stream.active = true;
    try {
      // A call whose token a later one superseded stops (continue() refuses it): its rows may be
      // released already.
      while (
        !abandoned &&
        seq >= cursor.usedSeq &&
        !pageDecided(cursor.rows, offset, pageSize, columnInfoBytes)
      ) {
        if (!(await rendering.next())) {
          ended = true;
          break;
        }
      }
      // NOTE: an interrupted stream ends as if it had no more rows: only these flags tell.
      if (timedOut) throw queryTimedOut(limitMs);
      if (stream.dropped) throw validation('Invalid pagination token');
    } catch (error) {
      // NOTE: a stream dropped meanwhile (a later call took the token over) was interrupted, which
      // ends it as a failed result: refused as a dropped token, as before it ended.
      const refusal = timedOut
        ? queryTimedOut(limitMs)
        : stream.dropped && isResultCutShort(error)
          ? validation('Invalid pagination token')
          : error instanceof StoreError
            ? error
            : this.dialect().mapDuckDbError(error, cursor.queryString);
      this.dropCursor(cursor);
      throw refusal;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abandon);
      stream.active = false;
      if (stream.dropped) this.endStream(cursor, false);
      else if (ended) this.endStream(cursor, true);
    }
    meter(cursor);
    this.count(cursor);
    if (abandoned) throw callerGone();
  }

  /** Drops `cursor`: its tokens are forgotten and the rest of its result is not rendered. */
  private dropCursor(cursor: Cursor): void {
    cursor.dropped = true;
    this.forgetTokensBefore(cursor, cursor.issued.length);
    this.closeStream(cursor);
  }

  /**
   * Stops streaming the result of `cursor`, which can then never be read to its end: its connection
   * is closed at once, or by the rendering under way once it stops (interrupted).
   */
  private closeStream(cursor: Cursor): void {
    const stream = cursor.stream;
    if (stream === undefined || stream.dropped) return;
    stream.dropped = true;
    cursor.dropped = true;
    if (stream.active) stream.connection.interrupt();
    else this.endStream(cursor, false);
  }

  /** Forgets the stream of `cursor`, giving its connection back when its result was read to the end. */
  private endStream(cursor: Cursor, complete: boolean): void {
    const stream = cursor.stream;
    if (stream === undefined) return;
    cursor.stream = undefined;
    this.streams.delete(cursor);
    if (complete) this.release(stream.connection);
    else stream.connection.closeSync();
    if (this.streams.size === 0) {
      clearInterval(this.idleCheck);
      this.idleCheck = undefined;
    }
  }

  /** Drops the streams no page was asked of for STREAM_IDLE_MS (see there). */
  private dropIdleStreams(): void {
    const idleBefore = this.options.nowMs() - STREAM_IDLE_MS;
    for (const cursor of [...this.streams])
      if (!cursor.stream!.active && cursor.lastUsedMs <= idleBefore) this.dropCursor(cursor);
  }

  /**
   * Runs `queryString` and renders its result as far as the first page of at most `firstPage` rows
   * needs; DuckDB keeps streaming the rest for the pages after it (OpenStream).
   */
  private async execute(
    queryString: string,
    signal: AbortSignal | undefined,
    firstPage: number,
  ): Promise<Cursor> {
    const sql = this.dialect();
    const translated = sql.translateQuery(queryString, this.options.catalog, this.options.nowMs());
    const queryId = newQueryId();
    if (translated.kind === 'static') {
      // Answered without scanning anything (DESCRIBE, constants): nothing is metered.
      const rows = RowTexts.from(translated.rows.map((row) => JSON.stringify(row)));
      return newCursor(
        queryId,
        queryString,
        { columnInfo: translated.columnInfo, rows },
        'none',
        this.options.nowMs(),
      );
    }
    const connection = await this.acquire();
    const limitMs = this.options.queryTimeoutMs ?? QUERY_TIMEOUT_MS;
    let timedOut = false;
    // Each query runs on a pooled connection of its own, so interrupting it stops this query only:
    // the others and the writers (connections of their own) go on. An interrupt that comes after
    // the last chunk was fetched leaves nothing behind (DuckDB clears it as the next query starts).
    // NOTE: for the same reason an interrupt given before DuckDB started the query (queued in
    // libuv's pool behind other work, which under load took past a caller's hang-up 100 ms in) is
    // lost, and an aggregate then ran to the time limit: until render() has its result, a stopped
    // query is interrupted again every INTERRUPT_RETRY_MS.
    let starting = true;
    let retry: NodeJS.Timeout | undefined;
    const interrupt = () => {
      connection.interrupt();
      if (starting) retry ??= setInterval(() => connection.interrupt(), INTERRUPT_RETRY_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      interrupt();
    }, limitMs);
    // A caller that hung up (a client's timeout, before its retry) no longer wants the rows: left
    // running, each abandoned query went on rendering up to MAX_RESULT_BYTES beside the retries
    // that replaced it, and a few large remote reads took the process to gigabytes.
    let abandoned = signal?.aborted === true;
    const abandon = () => {
      abandoned = true;
      interrupt();
    };
    signal?.addEventListener('abort', abandon, { once: true });
    let cursor: Cursor;
    let streaming = false;
    try {
      if (abandoned) throw callerGone();
      const rendering = await render(sql, connection, translated.sql, () => abandoned || timedOut);
      starting = false;
      clearInterval(retry);
      const columnInfoJson = JSON.stringify(rendering.columnInfo);
      const columnInfoBytes = Buffer.byteLength(columnInfoJson);
      let more = true;
      while (more && !pageDecided(rendering.rows, 0, firstPage, columnInfoBytes))
        more = await rendering.next();
      // Past MAX_OPEN_STREAMS the result is rendered whole, as it would be without streaming; so is
      // one whose executor was closed meanwhile: close() has already closed the streams it knew of,
      // and a stream opened after it would keep its connection open for good.
      if (more && (this.closed || this.streams.size >= MAX_OPEN_STREAMS)) while (await rendering.next());
      else streaming = more;
      // NOTE: a streamed result interrupted between chunks ends as if it had no more rows, rather
      // than failing: what was rendered may be only part of the result.
      if (timedOut) throw queryTimedOut(limitMs);
      if (abandoned) throw callerGone();
      // SHOW MEASURES reads the data, yet Timestream reports nothing scanned or metered for SHOW
      // statements (facts 4.2; grafana's show-measures.json fixture: 0 and 0). A SELECT without
      // FROM scans nothing, yet is metered its 10 MB (facts 4.2; grafana's select-consts.json).
      const metering = translated.metadata ? 'none' : translated.scansNothing ? 'minimum' : 'rows';
      cursor = newCursor(queryId, queryString, rendering, metering, this.options.nowMs(), columnInfoJson);
      if (streaming) {
        cursor.stream = { connection, rendering, busy: Promise.resolve(), active: false, dropped: false };
        this.streams.add(cursor);
        this.idleCheck ??= setInterval(() => this.dropIdleStreams(), STREAM_IDLE_MS / 4).unref();
      }
    } catch (error) {
      streaming = false;
      if (timedOut) throw queryTimedOut(limitMs);
      if (abandoned) throw callerGone();
      if (error instanceof StoreError) throw error;
      // The catalog may have changed while DuckDB ran (a table dropped meanwhile): a query sent now
      // is refused as Timestream refuses it ("Table '…' does not exist", which clients know),
      // not with DuckDB's words about the store's own tables.
      throw refusalNow(sql, queryString, this.options) ?? sql.mapDuckDbError(error, queryString);
    } finally {
      clearTimeout(timer);
      clearInterval(retry);
      signal?.removeEventListener('abort', abandon);
      if (!streaming) this.release(connection);
    }
    return cursor;
  }

  private dialect(): SqlDialect {
    // Loaded lazily so the write path works even where the SQL module is not built in.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.sql ??= (require('./sql-dialect') as { SQL_DIALECT: SqlDialect }).SQL_DIALECT;
    return this.sql;
  }

  private async acquire(): Promise<DuckDBConnection> {
    return this.idle.pop() ?? (await this.options.instance.connect());
  }

  private release(connection: DuckDBConnection): void {
    if (!this.closed && this.idle.length < POOL_SIZE) this.idle.push(connection);
    else connection.closeSync();
  }

  private pruneTokens(): void {
    const nowMs = this.options.nowMs();
    for (const [token, state] of this.tokens) {
      if (nowMs - state.createdMs > TOKEN_TTL_MS || state.uses >= TOKEN_MAX_USES) this.forgetToken(token);
    }
    for (const [token, failed] of this.failedTokens)
      if (nowMs - failed.createdMs > TOKEN_TTL_MS) this.failedTokens.delete(token);
  }
}

/**
 * Refuses a QueryInsights the model does not allow: its Mode is required and one of
 * QUERY_INSIGHTS_MODES. The store answers no QueryInsightsResponse whatever the Mode (README).
 * @throws StoreError ValidationException, SerializationException
 */
function checkQueryInsights(insights: unknown): void {
  if (insights === undefined) return;
  if (typeof insights !== 'object' || Array.isArray(insights))
    throw new StoreError('SerializationException', "Expected an object at 'QueryInsights'");
  const mode = (insights as { Mode?: unknown }).Mode ?? null;
  if (mode === null) throw modelViolation('null', 'queryInsights.mode', 'Member must not be null');
  if (!QUERY_INSIGHTS_MODES.includes(mode as never))
    throw modelViolation(
      `'${String(mode)}'`,
      'queryInsights.mode',
      `Member must satisfy enum value set: [${QUERY_INSIGHTS_MODES.join(', ')}]`,
    );
}

/** The StoreError translating `queryString` against the catalog as it is now fails with, if any. */
function refusalNow(
  sql: SqlDialect,
  queryString: string,
  options: QueryExecutorOptions,
): StoreError | undefined {
  try {
    sql.translateQuery(queryString, options.catalog, options.nowMs());
    return undefined;
  } catch (error) {
    return error instanceof StoreError ? error : undefined;
  }
}

/**
 * How a query is metered: not at all (SHOW, DESCRIBE, constants), the legacy minimum only (a SELECT
 * without FROM), or by its result's size.
 */
type Metering = 'none' | 'minimum' | 'rows';

/** A cursor over `result`, before any page of it was answered, metered as far as it is rendered. */
function newCursor(
  queryId: string,
  queryString: string,
  result: RenderedRows,
  metering: Metering,
  lastUsedMs: number,
  columnInfoJson = JSON.stringify(result.columnInfo),
): Cursor {
  if (PAGE_FRAME_BYTES + Buffer.byteLength(columnInfoJson) + result.rows.longestBytes + 1 > MAX_PAGE_BYTES)
    throw pageExceeded();
  const cursor: Cursor = {
    queryId,
    queryString,
    columnInfo: result.columnInfo,
    columnInfoJson,
    rows: result.rows,
    bytesScanned: 0,
    bytesMetered: 0,
    metering,
    dropped: false,
    newestSeq: 0,
    usedSeq: 0,
    issued: [],
    forgotten: 0,
    liveTokens: 0,
    lastUsedMs,
  };
  meter(cursor);
  return cursor;
}

/**
 * Meters what `cursor` rendered so far. Scanned bytes are not observable in DuckDB; the result size
 * stands in for them: the UTF-8 bytes of the rows as one JSON array (brackets and commas included).
 * A streamed result's figures grow page by page, as Timestream's cumulative ones do.
 */
function meter(cursor: Cursor): void {
  if (cursor.metering !== 'rows') {
    cursor.bytesMetered = cursor.metering === 'minimum' ? MIN_METERED_BYTES : 0;
    return;
  }
  const { rows } = cursor;
  cursor.bytesScanned = Math.max(2, rows.length + 1) + rows.totalBytes;
  cursor.bytesMetered = Math.max(MIN_METERED_BYTES, Math.ceil(cursor.bytesScanned / 1_000_000) * 1_000_000);
}

/**
 * Whether the rows of `rows` rendered so far decide the page from `offset` of at most `pageSize`
 * rows: more rows than it takes, or at least two whose bytes overflow MAX_PAGE_BYTES (page() then
 * stops before the last). Until then a streamed result renders on.
 */
function pageDecided(rows: RowTexts, offset: number, pageSize: number, columnInfoBytes: number): boolean {
  const count = rows.length - offset;
  if (count > pageSize) return true;
  return (
    count > 1 &&
    PAGE_FRAME_BYTES + columnInfoBytes + rows.rangeBytes(offset, rows.length) + 1 > MAX_PAGE_BYTES
  );
}

async function render(
  sql: SqlDialect,
  connection: DuckDBConnection,
  text: string,
  stopped: () => boolean,
): Promise<ResultRendering> {
  // NOTE: streamed, not materialized, where the dialect renders: DuckDB hands a materialized
  // result's chunks over ~10 times slower than it streams them (300 000 rows of 55 columns, 1.8 s
  // against 0.2 s), and a streamed result is never held whole in DuckDB's memory.
  if (sql.startTimestreamRendering) {
    const result = await connection.stream(text);
    // An interrupt given while stream() was pending is lost (DuckDB clears it as the query starts,
    // which under load, queued behind other queries, can take seconds): given again, it stops the
    // rendering of rows no one waits for, which 200 abandoned remote reads kept at for a minute.
    if (stopped()) connection.interrupt();
    return sql.startTimestreamRendering(result, RENDER_LIMITS);
  }
  const { columnInfo, rows } = sql.toTimestreamResult(await connection.run(text));
  return {
    columnInfo,
    rows: RowTexts.from(rows.map((row) => JSON.stringify(row))),
    next: async () => false,
  };
}

function queryStatus(cursor: Cursor): QueryResponseBody['QueryStatus'] {
  return {
    ProgressPercentage: 100,
    CumulativeBytesScanned: cursor.bytesScanned,
    CumulativeBytesMetered: cursor.bytesMetered,
  };
}

function newQueryId(): string {
  // QueryId pattern [a-zA-Z0-9]+ (model); real ids look like this upper-case base32 text.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return Array.from(randomBytes(26), (b) => alphabet[b % 32]).join('');
}
