// SPDX-License-Identifier: Apache-2.0
// Transport-neutral request and response: what the Lambda and node:http edges translate to and from.

/** One HTTP request as the core sees it. Header names are lower-case; the body is fully read. */
export interface HttpRequest {
  method: string;
  /** Path without the API Gateway stage prefix and without the query string, e.g. `/write`. */
  path: string;
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
  /** Wall-clock time (ms since epoch) by which a response must be sent, e.g. the Lambda deadline. */
  deadlineMs?: number;
  /**
   * Set by an edge that stopped reading a body over its size limit (`body` is then empty): the
   * handler answers 413 naming the limit, and counts the request like any other.
   */
  oversizeBody?: { limitBytes: number; option: string };
  /**
   * Set by an edge that will not serve the request (`body` is then empty): why, e.g. too many
   * writes in progress, or a shutdown. The handler answers 503 with it, and counts the request.
   */
  unserved?: string;
  /**
   * How long the request waited at the edge for its turn (the server's write or read queue) before the
   * handler got it: part of the time to answer it, which its duration reports.
   */
  waitedMs?: number;
  /**
   * Aborted when the client is gone before its answer (the connection closed): the request's
   * Timestream calls stop instead of retrying for nobody. Prometheus resends a write it gave up on.
   */
  signal?: AbortSignal;
}

/** One HTTP response. Header names are lower-case. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

/** The body of a request whose body is not read (too large) or that has none. */
export const EMPTY_BODY: Uint8Array = new Uint8Array(0);

/** Answers one request; never throws (errors become responses). */
export type RequestHandler = (request: HttpRequest) => Promise<HttpResponse>;
