// SPDX-License-Identifier: Apache-2.0
// Puts the store engine on HTTP with the AWS JSON 1.0 protocol (`POST /`, `X-Amz-Target:
// Timestream_20181101.<Op>`), SigV4 checks and error bodies the AWS SDKs and CLI understand
// (reference/timestream-facts.md 2, 3.9), plus the `/_local/*` test endpoints.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { declaresMoreThan, readBodyWithin } from '../entrypoints/body-buffer';
import { refuseClientErrorsInOrder } from '../entrypoints/client-errors';
import type { StoreEngine } from './engine';
import { DATA_PLANE_OPERATIONS } from './engine';
import { StoreError } from './errors';
import { FAULT_FIELDS, SLOW_BODY_PIECES } from './faults';
import { RenderedQueryPage } from './query-executor';
import { authenticate, type StoreCredential } from './sigv4';
import { exactLongVersions, scanWriteRecords } from './write-scan';

/** Largest request body accepted (a full WriteRecords call is far below). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
const TARGET_PREFIX = 'Timestream_20181101.';
const ERROR_TYPE_PREFIX = 'com.amazonaws.timestream.v20181101#';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

/** How long a shutdown waits for the answers to requests already received before cutting them. */
export const STORE_SHUTDOWN_GRACE_MS = 10_000;
/** How often a shutdown looks for connections whose last answer has gone out. */
const DRAIN_POLL_MS = 10;

/** Options of the HTTP layer. */
export interface StoreServerOptions {
  credentials?: readonly StoreCredential[];
  log?: (line: Record<string, unknown>) => void;
}

/** The store's HTTP server (not started) and its shutdown. */
export interface StoreServer {
  server: Server;
  /**
   * Stops accepting and answers every request already received, each answer closing its
   * connection; after `graceMs` the connections still open are cut. Resolves once all are closed.
   */
  close(graceMs?: number): Promise<void>;
}

/** A socket's answer under way, if any: Node's own field, set from a request's head to its answer's last byte. */
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

/** Creates (does not start) the HTTP server of an engine. */
export function createStoreServer(engine: StoreEngine, options: StoreServerOptions): StoreServer {
  const server = createServer();
  // Node closes a connection idle for about 6 s, about when the connector reuses it after
  // Prometheus' 5 s batch deadline: the call then met a reset and was sent again. The connector's
  // own server keeps idle connections as long.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Its refusals in the JSON its SDK clients read: the reason is their error's message.
  const { track } = refuseClientErrorsInOrder(server, undefined, 'aws-json');
  // Connections, not requests, are tracked for the shutdown: a connection carries thousands of
  // WriteRecords calls, and per-answer tracking (a set and a 'close' listener per answer) cost a
  // fifth of figure 4's store rate (bench/NOTES.md, 2026-12-06 23:47 UTC).
  const sockets = new Set<HttpSocket>();
  server.on('connection', (socket: HttpSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let stopping = false;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    track(req, res);
    // A request that reaches a stopping store (on a connection kept open) is still answered,
    // and its answer closes the connection, so the client sends no more on it.
    if (stopping) res.setHeader('connection', 'close');
    const requestId = randomUUID();
    const startMs = Date.now();
    serve(engine, options, req, res, requestId)
      .catch((error: unknown) => {
        // A client that closed its connection before its whole body arrived, or before the answer
        // of a Query stopped for it, left no one to answer, and is no failure of the store: its
        // line says so, not InternalServerException with 500.
        if (req.readableAborted || res.destroyed) {
          res.destroy();
          return 'ClientClosedRequest';
        }
        const storeError =
          error instanceof StoreError
            ? error
            : new StoreError('InternalServerException', (error as Error).message);
        sendError(res, storeError, requestId);
        return storeError.type;
      })
      .then((errorType) => {
        options.log?.({
          msg: 'local-store request',
          operation: operationOf(req),
          // Without the query string: the store routes by the path alone, and a presigned URL's
          // query holds its X-Amz-Security-Token and X-Amz-Credential, which are never logged.
          path: (req.url ?? '/').split('?')[0],
          // Only an answer sent has a status (a reset or a client gone has none).
          status: res.headersSent ? res.statusCode : undefined,
          error: errorType,
          durationMs: Date.now() - startMs,
          requestId,
        });
      });
  });
  // Left to itself, Node answers `Expect: 100-continue` with 100 before the request is handled,
  // inviting a body the limit then refuses: one declared too large gets its 413 instead, and the
  // connection closes after it, as the body it declared will not follow (RFC 9110 10.1.1).
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (declaresMoreThan(req, MAX_BODY_BYTES)) res.setHeader('connection', 'close');
    else res.writeContinue();
    server.emit('request', req, res);
  });
  let closing: Promise<void> | undefined;
  const close = (graceMs = STORE_SHUTDOWN_GRACE_MS) =>
    (closing ??= new Promise<void>((resolve) => {
      stopping = true;
      // Not server.close(): that also destroys every connection it deems idle, including one whose
      // answer is ended but still queued in Node, which then arrives cut short.
      NetServer.prototype.close.call(server, () => resolve());
      const deadline = Date.now() + graceMs;
      const poll = setInterval(() => {
        if (Date.now() >= deadline) {
          clearInterval(poll);
          server.closeAllConnections();
          return;
        }
        // A connection with no answer under way is between requests (its last answer's bytes are
        // all with the kernel): closing it loses nothing. One whose answer is still being written
        // is left until the answer's last byte is out.
        for (const socket of sockets) if (socket._httpMessage == null) socket.destroy();
        if (sockets.size === 0) clearInterval(poll);
      }, DRAIN_POLL_MS);
    }));
  return { server, close };
}

async function serve(
  engine: StoreEngine,
  options: StoreServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<string | undefined> {
  const body = await readBody(req, res, requestId);
  if (body === undefined) return 'RequestEntityTooLarge';
  const path = (req.url ?? '/').split('?')[0];
  if (path.startsWith('/_local/')) return serveLocal(engine, req.method ?? 'GET', path, body, res, requestId);
  if (req.method !== 'POST' || path !== '/') {
    throw new StoreError('UnknownOperationException', `Only POST / is served (got ${req.method} ${path}).`);
  }
  const caller = authenticate(
    // Node joins a repeated header with `, ` (or keeps only the first of some, Content-Type among
    // them); SigV4 signs each value, joined with `,`.
    { method: req.method, url: req.url ?? '/', headers: req.headersDistinct, body },
    options.credentials,
  );
  const operation = operationOf(req);
  if (operation === undefined)
    throw new StoreError('UnknownOperationException', 'Missing or unknown X-Amz-Target header.');
  if (caller.deny && DATA_PLANE_OPERATIONS.has(operation)) {
    throw new StoreError(
      'AccessDeniedException',
      `User: arn:aws:iam::000000000000:user/${caller.accessKeyId} is not authorized to perform: timestream:${operation === 'Query' ? 'Select' : operation} because no identity-based policy allows the action`,
    );
  }
  let request: unknown;
  try {
    const text = body.toString('utf8');
    // WriteRecords bodies are scanned (write-scan.ts); what the scan does not take is parsed.
    request =
      body.length === 0
        ? {}
        : operation === 'WriteRecords'
          ? (scanWriteRecords(text) ?? JSON.parse(exactLongVersions(text)))
          : JSON.parse(text);
  } catch {
    throw new StoreError('SerializationException', 'The request body is not valid JSON.');
  }
  // Injected transport faults (faults.ts): a reset loses the response, not necessarily the write.
  const fault = DATA_PLANE_OPERATIONS.has(operation) ? engine.faults.transport() : undefined;
  if (fault === 'reset-before') return resetConnection(req);
  // A Query whose caller hangs up before its answer is stopped (query-executor.ts, callerGone).
  // Only Queries are watched: a listener per answer costs the WriteRecords hot path (see above).
  let signal: AbortSignal | undefined;
  if (operation === 'Query') {
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    signal = gone.signal;
  }
  // Query pages come pre-rendered: their rows are JSON text already (query-executor.ts).
  const result = await engine.handle(operation, request, true, caller.accessKeyId, signal);
  if (fault === 'reset-after') return resetConnection(req);
  if (fault === 'slow-body') return sendSlowJson(res, result, requestId, engine.faults.slowBodyMs);
  sendJson(res, 200, result, requestId);
  return undefined;
}

function resetConnection(req: IncomingMessage): string {
  req.socket.destroy();
  return 'InjectedConnectionReset';
}

/** Sends a 200 whose body arrives in SLOW_BODY_PIECES pieces, each after `pauseMs`. */
async function sendSlowJson(
  res: ServerResponse,
  body: unknown,
  requestId: string,
  pauseMs: number,
): Promise<string> {
  const payload = body instanceof RenderedQueryPage ? body.bytes : Buffer.from(JSON.stringify(body));
  res.writeHead(200, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': payload.length,
    'x-amzn-RequestId': requestId,
  });
  const pieceBytes = Math.ceil(payload.length / SLOW_BODY_PIECES);
  for (let start = 0; start < payload.length && !res.destroyed; start += pieceBytes) {
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    res.write(payload.subarray(start, start + pieceBytes));
  }
  res.end();
  return 'InjectedSlowBody';
}

function serveLocal(
  engine: StoreEngine,
  method: string,
  path: string,
  body: Buffer,
  res: ServerResponse,
  requestId: string,
): undefined {
  if (path === '/_local/metering' && method === 'GET') {
    sendJson(res, 200, engine.metering(), requestId);
  } else if (path === '/_local/faults' && method === 'GET') {
    sendJson(res, 200, engine.faults.get(), requestId);
  } else if (path === '/_local/faults' && method === 'POST') {
    let settings: unknown;
    try {
      settings = JSON.parse(body.toString('utf8'));
    } catch {
      throw new StoreError('SerializationException', 'The request body is not valid JSON.');
    }
    // A typo (`throttlerate`) or a body that is no object would otherwise turn every fault off.
    if (settings === null || typeof settings !== 'object' || Array.isArray(settings))
      throw new StoreError('ValidationException', 'The faults body must be a JSON object of fault settings.');
    const unknown = Object.keys(settings).filter((key) => !FAULT_FIELDS.includes(key));
    if (unknown.length > 0)
      throw new StoreError(
        'ValidationException',
        `Unknown fault settings: ${unknown.map((key) => JSON.stringify(key)).join(', ')}; known: ${FAULT_FIELDS.join(', ')}.`,
      );
    engine.faults.set(settings as never);
    sendJson(res, 200, engine.faults.get(), requestId);
  } else {
    throw new StoreError('UnknownOperationException', `No local endpoint ${method} ${path}.`);
  }
  return undefined;
}

function operationOf(req: IncomingMessage): string | undefined {
  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) return undefined;
  return target.slice(TARGET_PREFIX.length);
}

/** Reads the body; answers 413 and returns undefined past MAX_BODY_BYTES. */
async function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<Buffer | undefined> {
  const body = await readBodyWithin(req, MAX_BODY_BYTES);
  if (body !== 'too-large') return body;
  sendJson(
    res,
    413,
    {
      __type: `${ERROR_TYPE_PREFIX}RequestEntityTooLargeException`,
      message: `Request body exceeds ${MAX_BODY_BYTES} bytes.`,
    },
    requestId,
  );
  return undefined;
}

function sendError(res: ServerResponse, error: StoreError, requestId: string): void {
  if (res.headersSent) return;
  sendJson(
    res,
    error.status,
    { __type: `${ERROR_TYPE_PREFIX}${error.type}`, message: error.message, ...error.members },
    requestId,
    stringifyExact,
  );
}

/** Marks a bigint while JSON.stringify runs, to be written as its digits (an ExistingVersion past 2^53). */
const BIGINT_MARK = '\u0000bigint:';

/** JSON.stringify that writes a bigint as the JSON number it is (a JS number would round it). */
function stringifyExact(body: unknown): string {
  let marked = false;
  const text = JSON.stringify(body, (_key, value: unknown) => {
    if (typeof value !== 'bigint') return value;
    marked = true;
    return `${BIGINT_MARK}${value}`;
  });
  return marked ? text.replace(/"\\u0000bigint:(-?[0-9]+)"/g, '$1') : text;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  stringify: (body: unknown) => string = JSON.stringify,
): void {
  const payload = body instanceof RenderedQueryPage ? body.bytes : stringify(body);
  res.writeHead(status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(payload),
    'x-amzn-RequestId': requestId,
  });
  res.end(payload);
}
