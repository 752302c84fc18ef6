// SPDX-License-Identifier: Apache-2.0
// Runs Timestream Query calls: translates the SQL (sql/ owns the dialect), runs it on DuckDB and
// pages the converted result with opaque NextTokens kept in memory (reference/timestream-facts.md
// 4.1-4.2). The store never re-runs a query for a follow-up page.

import { randomBytes } from 'node:crypto';
import type { DuckDBConnection, DuckDBInstance, DuckDBMaterializedResult } from '@duckdb/node-api';
import type { ColumnInfo, Row } from '@aws-sdk/client-timestream-query';
import { StoreError, validation } from './errors';
import type { Catalog } from './schema';

/** Longest QueryString (model: max 262144). */
export const MAX_QUERY_STRING_CHARS = 262_144;
/** Largest MaxRows (model: 1..1000). */
export const MAX_ROWS_LIMIT = 1000;
/** A NextToken expires after an hour... */
export const TOKEN_TTL_MS = 3_600_000;
/** ...or after five uses (facts 4.1). */
export const TOKEN_MAX_USES = 5;
/** Bytes metered at least per query under the legacy pricing model (facts 10). */
const MIN_METERED_BYTES = 10_000_000;
/** Idle connections kept for reuse. */
const POOL_SIZE = 4;

/** What translateQuery answers (mirrors sql/translate.ts). */
export type TranslatedQuery =
  { kind: 'select'; sql: string } | { kind: 'static'; columnInfo: ColumnInfo[]; rows: Row[] };

/** The SQL dialect functions the executor needs; the real ones live in sql/. */
export interface SqlDialect {
  translateQuery(queryString: string, catalog: Catalog, nowMs: number): TranslatedQuery;
  toTimestreamResult(result: DuckDBMaterializedResult): { columnInfo: ColumnInfo[]; rows: Row[] };
  mapDuckDbError(error: unknown, queryString: string): StoreError;
}

/** A Query request as the wire carries it. */
export interface QueryRequest {
  QueryString?: unknown;
  NextToken?: unknown;
  MaxRows?: unknown;
  ClientToken?: unknown;
}

/** The Query response shape of the SDK model. */
export interface QueryResponseBody {
  QueryId: string;
  NextToken?: string;
  Rows: Row[];
  ColumnInfo: ColumnInfo[];
  QueryStatus: { ProgressPercentage: number; CumulativeBytesScanned: number; CumulativeBytesMetered: number };
}

interface Cursor {
  queryId: string;
  queryString: string;
  columnInfo: ColumnInfo[];
  rows: Row[];
  bytesScanned: number;
  bytesMetered: number;
  /** Sequence number of the newest token issued. */
  newestSeq: number;
  /** Highest sequence number used so far: using a later token invalidates earlier ones (facts 4.1). */
  usedSeq: number;
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
  /** Rows per page when the caller sends no smaller MaxRows. */
  pageSize: number;
  nowMs: () => number;
  /** Defaults to the real translator in sql/ (loaded on first use). */
  sql?: SqlDialect;
}

/** Executes and pages queries. */
export class QueryExecutor {
  private readonly tokens = new Map<string, TokenState>();
  private readonly idle: DuckDBConnection[] = [];
  private sql: SqlDialect | undefined;

  constructor(private readonly options: QueryExecutorOptions) {
    this.sql = options.sql;
  }

  /** Answers one Query call. @throws StoreError */
  async query(request: QueryRequest): Promise<QueryResponseBody> {
    const { QueryString: queryString, NextToken: nextToken, MaxRows: maxRows } = request;
    if (
      typeof queryString !== 'string' ||
      queryString.length < 1 ||
      queryString.length > MAX_QUERY_STRING_CHARS
    ) {
      throw validation(`QueryString must be 1 to ${MAX_QUERY_STRING_CHARS} characters long.`);
    }
    if (
      maxRows !== undefined &&
      (!Number.isInteger(maxRows) || (maxRows as number) < 1 || (maxRows as number) > MAX_ROWS_LIMIT)
    ) {
      throw validation(
        `1 validation error detected: Value '${String(maxRows)}' at 'maxRows' failed to satisfy constraint: Member must have value between 1 and ${MAX_ROWS_LIMIT}`,
      );
    }
    const pageSize = Math.min(
      (maxRows as number | undefined) ?? this.options.pageSize,
      this.options.pageSize,
    );
    this.pruneTokens();
    if (nextToken !== undefined) return this.continue(nextToken, queryString, pageSize);
    const cursor = await this.execute(queryString);
    return this.page(cursor, 0, pageSize);
  }

  /** Closes pooled connections. */
  close(): void {
    for (const connection of this.idle.splice(0)) connection.closeSync();
    this.tokens.clear();
  }

  private continue(token: unknown, queryString: string, pageSize: number): QueryResponseBody {
    const state = typeof token === 'string' ? this.tokens.get(token) : undefined;
    const nowMs = this.options.nowMs();
    if (
      !state ||
      state.cursor.queryString !== queryString ||
      state.seq < state.cursor.usedSeq ||
      state.uses >= TOKEN_MAX_USES ||
      nowMs - state.createdMs > TOKEN_TTL_MS
    ) {
      throw validation('Invalid pagination token');
    }
    state.uses += 1;
    state.cursor.usedSeq = state.seq;
    return this.page(state.cursor, state.offset, pageSize);
  }

  private page(cursor: Cursor, offset: number, pageSize: number): QueryResponseBody {
    const end = Math.min(offset + pageSize, cursor.rows.length);
    const body: QueryResponseBody = {
      QueryId: cursor.queryId,
      Rows: cursor.rows.slice(offset, end),
      ColumnInfo: cursor.columnInfo,
      QueryStatus: {
        ProgressPercentage: 100,
        CumulativeBytesScanned: cursor.bytesScanned,
        CumulativeBytesMetered: cursor.bytesMetered,
      },
    };
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
      body.NextToken = token;
    }
    return body;
  }

  private async execute(queryString: string): Promise<Cursor> {
    const sql = this.dialect();
    const translated = sql.translateQuery(queryString, this.options.catalog, this.options.nowMs());
    const queryId = newQueryId();
    if (translated.kind === 'static') {
      return {
        queryId,
        queryString,
        columnInfo: translated.columnInfo,
        rows: translated.rows,
        bytesScanned: 0,
        bytesMetered: 0,
        newestSeq: 0,
        usedSeq: 0,
      };
    }
    const connection = await this.acquire();
    let converted: { columnInfo: ColumnInfo[]; rows: Row[] };
    try {
      converted = sql.toTimestreamResult(await connection.run(translated.sql));
    } catch (error) {
      throw error instanceof StoreError ? error : sql.mapDuckDbError(error, queryString);
    } finally {
      this.release(connection);
    }
    // Scanned bytes are not observable in DuckDB; the result size stands in for them.
    const bytesScanned = Buffer.byteLength(JSON.stringify(converted.rows));
    const bytesMetered = Math.max(MIN_METERED_BYTES, Math.ceil(bytesScanned / 1_000_000) * 1_000_000);
    return { queryId, queryString, ...converted, bytesScanned, bytesMetered, newestSeq: 0, usedSeq: 0 };
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
    if (this.idle.length < POOL_SIZE) this.idle.push(connection);
    else connection.closeSync();
  }

  private pruneTokens(): void {
    const nowMs = this.options.nowMs();
    for (const [token, state] of this.tokens) {
      if (nowMs - state.createdMs > TOKEN_TTL_MS || state.uses >= TOKEN_MAX_USES) this.tokens.delete(token);
    }
  }
}

function newQueryId(): string {
  // QueryId pattern [a-zA-Z0-9]+ (model); real ids look like this upper-case base32 text.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return Array.from(randomBytes(26), (b) => alphabet[b % 32]).join('');
}
