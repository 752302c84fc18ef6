// SPDX-License-Identifier: Apache-2.0
// The connector's one core: options, dependencies, and the router from HttpRequest to
// HttpResponse that both edges (Lambda, node:http) call. Routes: POST /write, POST /read.

import type { DecodeLimits } from '../codec/remote';
import type { Logger } from '../observability/logger';
import type { ConnectorMetrics } from '../observability/metrics';
import type { ClientCache } from '../timestream/clients';
import { DimensionCatalog } from '../timestream/reader';
import {
  ConnectorError,
  ErrorKind,
  isConnectorError,
  methodNotAllowed,
  notFound,
  retryable,
  RETRY_AFTER_SECONDS,
  tooLarge,
} from './errors';
import { BASIC_AUTH_CHALLENGE } from './auth';
import type { HttpRequest, HttpResponse, RequestHandler } from './http';
import { handleRead } from './read-handler';
import { handleWrite } from './write-handler';

/** What the request handlers need from the configuration (mapped from Config by the edges). */
export interface ConnectorOptions {
  database: string;
  table: string;
  /** SigV4 mode: API Gateway authorised the caller; use the connector's own credentials. */
  sigv4Auth: boolean;
  failOnLongLabel: boolean;
  failOnInvalidSampleValue: boolean;
  /** Concurrent WriteRecords calls per write request. */
  writeConcurrency: number;
  /** Concurrent queries per read request. */
  readConcurrency: number;
  decodeLimits: DecodeLimits;
  /** Largest encoded read response; 0 = no limit (standalone default). */
  maxResponseBytes: number;
}

export interface ConnectorDeps {
  options: ConnectorOptions;
  clients: ClientCache;
  logger: Logger;
  metrics: ConnectorMetrics;
  /** Aborts in-flight Timestream calls (shutdown); affected writes answer 503. */
  shutdownSignal?: AbortSignal;
}

/** Shared per-process state of the handlers. */
export interface ConnectorContext extends ConnectorDeps {
  dimensions: DimensionCatalog;
}

/** Builds the request handler both edges call. It never throws. */
export function createConnector(deps: ConnectorDeps): RequestHandler {
  const context: ConnectorContext = { ...deps, dimensions: new DimensionCatalog() };
  return async (request: HttpRequest): Promise<HttpResponse> => {
    const route = normalisePath(request.path);
    try {
      if (route !== '/write' && route !== '/read') {
        // Logged like the handlers' refusals (one line per request, SPEC section 8): a remote_write
        // URL with a wrong path is a common mistake, and its 404s are otherwise seen only by the sender.
        const reason = `no route ${safeText(request.path, 200)}; use POST /write or POST /read`;
        deps.logger.warn({ method: safeText(request.method, 20), status: 404, reason }, 'request refused');
        throw notFound(reason);
      }
      // The method and size checks are the handlers' own (checkRequest), so that every answer on a
      // route carries its headers and is counted in its metrics.
      return route === '/write' ? await handleWrite(request, context) : await handleRead(request, context);
    } catch (error) {
      // Handlers answer their own errors; this catches routing errors and anything unexpected.
      const { failure, unexpected } = caughtFailure(error);
      if (unexpected !== undefined) deps.logger.error(unexpected, 'unexpected error');
      return errorResponse(failure);
    }
  };
}

/**
 * Refuses what no route accepts before its body is decoded: a method other than POST (405), a
 * request an edge will not serve (503), and a body an edge did not read because it was over the
 * limit (413).
 * @throws ConnectorError
 */
export function checkRequest(request: HttpRequest, route: '/write' | '/read'): void {
  if (request.method.toUpperCase() !== 'POST')
    throw methodNotAllowed(`${route} accepts POST only`, { headers: { allow: 'POST' } });
  if (request.unserved !== undefined) throw retryable(request.unserved);
  const oversize = request.oversizeBody;
  if (oversize !== undefined)
    throw tooLarge(`request body exceeds the limit of ${oversize.limitBytes} bytes (${oversize.option})`);
}

/** Renders a ConnectorError as a short text response with its status and headers. */
export function errorResponse(error: ConnectorError, headers: Record<string, string> = {}): HttpResponse {
  const body = [error.message, ...error.details].map((line) => safeText(line)).join('\n') + '\n';
  const out: Record<string, string> = {
    'content-type': 'text/plain; charset=utf-8',
    // The body may quote client input (a path, a header, a label): never let a browser sniff it as HTML.
    'x-content-type-options': 'nosniff',
    ...error.headers,
    ...headers,
  };
  if (error.status === 503) out['retry-after'] = String(RETRY_AFTER_SECONDS);
  // A 401 always names the scheme to answer with (RFC 9110), also when Timestream refused the
  // credentials basic auth carried.
  if (error.status === 401) out['www-authenticate'] ??= BASIC_AUTH_CHALLENGE;
  return { status: error.status, headers: out, body };
}

/** Strips a trailing slash so `/write/` routes like `/write`. */
function normalisePath(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/**
 * Keeps one line of text that may quote client input printable and bounded: control characters
 * (C0 including line breaks, DEL, and C1 with the 8-bit terminal CSI) become escapes, so a
 * response body can never carry injected lines, header-like text or terminal sequences.
 */
export function safeText(text: string, maxLength = 1000): string {
  const cleaned = text.replace(
    /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return cleaned.length > maxLength ? `${cleaned.slice(0, maxLength)}…` : cleaned;
}

/**
 * The ConnectorError a caught `error` is; anything else is a bug, answered as the 503 "internal
 * error" (which tells the client no more), with `unexpected` the fields its log line adds.
 */
export function caughtFailure(error: unknown): {
  failure: ConnectorError;
  unexpected?: { err: Record<string, unknown> };
} {
  if (isConnectorError(error)) return { failure: error };
  return {
    failure: new ConnectorError(ErrorKind.Retryable, 'internal error', { cause: error }),
    unexpected: { err: describeError(error) },
  };
}

/** A loggable summary of an unexpected error (no request data). */
function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}
