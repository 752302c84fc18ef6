// SPDX-License-Identifier: Apache-2.0
// Sends Query calls (one result page each): the first attempt takes the fast path (fast-call.ts)
// and the page is scanned as bytes (page-scan.ts), or else parsed by JSON.parse, because the SDK's
// schema-based deserialisation of a page (up to 1 MB) costs more than assembling its series;
// anything but a 200 makes the SDK redo the call with its own retries and error deserialisation.

import {
  DescribeEndpointsCommand,
  QueryCommand,
  type ColumnInfo,
  type Row,
  type TimestreamQueryClient,
} from '@aws-sdk/client-timestream-query';
import { malformedAnswer } from './errors';
import { FastCall, type RequestHandlerLike } from './fast-call';
import { sendRecordingAttempts } from './last-attempt';
import { isColumnInfoList } from './page-scan';

/** The awsJson1_0 target of Query (smithy model: Timestream_20181101). */
const QUERY_TARGET = 'Timestream_20181101.Query';

/** One result page: what the read path uses of a QueryResponse. */
export interface QueryPage {
  ColumnInfo: ColumnInfo[];
  Rows: Row[];
  NextToken?: string;
}

export interface QuerySenderOptions {
  region: string;
  /** Explicit endpoint URL; undefined = the endpoint Timestream's DescribeEndpoints names. */
  endpoint?: string;
  handler: RequestHandlerLike;
  nowMs?: () => number;
}

/** Runs Query pages for one SDK client (one credential identity). */
export class QuerySender {
  private readonly fast: FastCall;

  constructor(
    /** The SDK client: credentials, endpoint discovery, DESCRIBE and the fallback path. */
    readonly client: TimestreamQueryClient,
    options: QuerySenderOptions,
  ) {
    this.fast = new FastCall({
      ...options,
      credentials: () => client.config.credentials(),
      clockOffsetMs: () => client.config.systemClockOffset,
      setClockOffsetMs: (offsetMs) => (client.config.systemClockOffset = offsetMs),
      discover: async () => {
        const first = (await client.send(new DescribeEndpointsCommand({}))).Endpoints?.[0];
        if (first?.Address === undefined) throw new Error('DescribeEndpoints returned no endpoint');
        return { address: first.Address, cachePeriodInMinutes: first.CachePeriodInMinutes };
      },
    });
  }

  /**
   * Returns one page of `sql`'s result; rejects with the SDK's own error after its retries. A
   * fast-path answer is first offered to `scan` as its UTF-8 bytes; when `scan` returns undefined
   * the page is decoded and parsed.
   */
  async scannedPage<T>(
    sql: string,
    nextToken: string | undefined,
    signal: AbortSignal | undefined,
    scan: (bytes: Buffer) => T | undefined,
  ): Promise<T | QueryPage> {
    const body = JSON.stringify(
      nextToken === undefined ? { QueryString: sql } : { QueryString: sql, NextToken: nextToken },
    );
    const bytes = await this.fast.attemptBytes(QUERY_TARGET, body, signal);
    if (bytes !== undefined) {
      const scanned = scan(bytes);
      if (scanned !== undefined) return scanned;
      let parsed: unknown;
      try {
        parsed = JSON.parse(bytes.toString('utf8'));
      } catch {
        parsed = undefined; // not JSON after all: let the SDK make sense of the call
      }
      // Anything else is left to the SDK too: a NextToken that is not a string would otherwise
      // end the paging early, and a ColumnInfo or Rows that is not a list (of objects) fail later
      // as a TypeError.
      if (pageFault(parsed) === undefined) return pageOf(parsed as Partial<QueryPage>);
    }
    const command = new QueryCommand({ QueryString: sql, NextToken: nextToken });
    const output = await sendRecordingAttempts(command, () =>
      this.client.send(command, { abortSignal: signal }),
    );
    // The SDK's deserialiser lets through what the fast path refused (a null row or column, an
    // empty NextToken), so its answer is held to the same shape.
    const fault = pageFault(output);
    if (fault !== undefined) throw malformedAnswer('Query', fault);
    return pageOf(output);
  }
}

/** The page of a Query answer, parsed by the fast path or deserialised by the SDK. */
function pageOf(answer: Partial<QueryPage>): QueryPage {
  return {
    ColumnInfo: answer.ColumnInfo ?? [],
    Rows: answer.Rows ?? [],
    ...(answer.NextToken === undefined ? {} : { NextToken: answer.NextToken }),
  };
}

/**
 * Why a Query answer, parsed or deserialised by the SDK, is no page the read path can use, or
 * undefined when it is one: ColumnInfo, Rows and NextToken each absent or of their type. An empty
 * NextToken is none of Timestream's (its model: 1 to 2048 characters): sent back to page on, it
 * would be refused as invalid, a 400 blaming the query, or be answered again up to
 * MAX_PAGES_PER_QUERY times by an endpoint that keeps sending it.
 */
export function pageFault(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return 'not an object';
  const { ColumnInfo, Rows, NextToken } = answer as Record<string, unknown>;
  if (ColumnInfo !== undefined && !isColumnInfoList(ColumnInfo)) return 'ColumnInfo is not a list of columns';
  const rowFault = Rows === undefined ? undefined : rowListFault(Rows);
  if (rowFault !== undefined) return rowFault;
  if (NextToken !== undefined && typeof NextToken !== 'string') return 'NextToken is not a string';
  if (NextToken === '') return 'NextToken is empty';
  return undefined;
}

/**
 * Why `value` is no list of rows the read path can take, or undefined: each row an object whose
 * Data, when present, is a list of cells, and each cell's ScalarValue absent or a string (a null
 * row or a null label cell is a TypeError once read, and a number in a label's cell ended up in the
 * response as a label value that is no string). Only pages the scanner declined, or the SDK's, come here.
 */
function rowListFault(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'Rows is not a list of rows';
  for (let i = 0; i < value.length; i++) {
    const row: unknown = value[i];
    if (typeof row !== 'object' || row === null) return 'Rows is not a list of rows';
    // A missing or null Data is a row with no cells (rows.ts skips it).
    const data = (row as { Data?: unknown }).Data;
    if (data === undefined || data === null) continue;
    if (!Array.isArray(data)) return "a row's Data is not a list of cells";
    for (let k = 0; k < data.length; k++) {
      const cell: unknown = data[k];
      if (cell === undefined || cell === null) continue;
      if (typeof cell !== 'object') return "a row's Data is not a list of cells";
      const scalar = (cell as { ScalarValue?: unknown }).ScalarValue;
      if (scalar !== undefined && typeof scalar !== 'string') return "a cell's ScalarValue is not a string";
    }
  }
  return undefined;
}
