// SPDX-License-Identifier: Apache-2.0
// The standalone edge: node:http(s) in front of the core handler, plus /metrics and /healthz,
// an early 413 for oversized bodies, and a graceful shutdown that never half-acknowledges a write.

import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import dns from 'node:dns';
import { isIP, Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import { urlHostFor } from '../config/parsers';
import { errorResponse, safeText } from '../core/connector';
import { methodNotAllowed } from '../core/errors';
import { declaresMoreThan, readBodyWithin } from './body-buffer';
import { clientErrorStatus, refuseClientErrorsInOrder, refusesBytes } from './client-errors';
import { logTlsClientErrors } from './tls-errors';
import type { Admission, RequestQueue } from './request-queue';
import { EMPTY_BODY, type HttpRequest, type HttpResponse, type RequestHandler } from '../core/http';
import type { Logger } from '../observability/logger';

export interface ServerOptions {
  host: string;
  port: number;
  tls?: { cert: Buffer; key: Buffer };
  /** Path of the Prometheus metrics page, e.g. `/metrics`. */
  telemetryPath: string;
  /** Largest accepted request body (compressed bytes); larger bodies get 413 before being read. */
  maxBodyBytes: number;
  handler: RequestHandler;
  metrics: () => Promise<{ contentType: string; body: string }>;
  logger: Logger;
  /** Aborted when the grace period of a shutdown runs out: in-flight writes then answer 503. */
  shutdownController?: AbortController;
  /** How long a shutdown waits for in-flight requests before aborting them. */
  shutdownGraceMs?: number;
  /** Why the process cannot serve until it is restarted (the embedded store's), or undefined. */
  health?: () => Promise<string | undefined>;
  /** Bounds the remote writes handled at once; without it every write is handled on arrival. */
  writeQueue?: RequestQueue;
  /** Bounds the remote reads handled at once; without it every read is handled on arrival. */
  readQueue?: RequestQueue;
  /**
   * Whether the handler refuses a request from its headers alone (the core's credentials check,
   * refusesCredentials): such a write or read takes no turn in the queues and is handed to the
   * handler at once, its body unread.
   */
  refusesFromHeaders?: (headers: Readonly<Record<string, string>>) => boolean;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:9201 */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (or abort after the grace period), then resolves. */
  close(): Promise<void>;
}

/** Default grace period: Prometheus' remote_timeout is 30 s, so in-flight writes usually finish well before. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 20_000;

/**
 * Longest a refusal given before the body was read (a 413 for a body over the limit; a 401 or 503
 * to a request that expected 100 Continue) keeps its connection open, reading and discarding the
 * rest of the body, before closing it: 5 s, nginx's own lingering_timeout.
 */
export const OVERSIZE_LINGER_MS = 5_000;

/**
 * The address Go's net.Listen takes for a host name: its first IPv4 address, else its first one.
 * Node would listen on the resolver's first answer, which for `localhost` is often `::1` alone.
 */
function listenAddressOf(host: string): Promise<string> {
  if (isIP(host) !== 0) return Promise.resolve(host);
  return new Promise((resolve, reject) => {
    dns.lookup(host, { all: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve((addresses.find((address) => address.family === 4) ?? addresses[0]).address);
    });
  });
}

/** What each connection's requests under way call when it closes. */
const connectionCloseListeners = new WeakMap<Socket, Set<() => void>>();

/**
 * Calls `listener` once `socket` closes. The connection has one 'close' listener for all of its
 * requests under way: with one per request, a client pipelining 10 requests that waited for their
 * turns made Node warn of a possible EventEmitter memory leak (11 close listeners,
 * MaxListenersExceededWarning), a warn line in the log. Returns what takes `listener` back.
 */
function onConnectionClose(socket: Socket, listener: () => void): () => void {
  let listeners = connectionCloseListeners.get(socket);
  if (listeners === undefined) {
    const created = new Set<() => void>();
    connectionCloseListeners.set(socket, created);
    // A copy: each listener takes itself back.
    socket.once('close', () => [...created].forEach((call) => call()));
    listeners = created;
  }
  listeners.add(listener);
  const own = listeners;
  return () => void own.delete(listener);
}

/**
 * The requests Node handed on as expecting 100 Continue ('checkContinue'): HTTP/1.1 ones with
 * `Expect: 100-continue`. Told from the header alone, an HTTP/1.0 one was sent `HTTP/1.1 100
 * Continue`, which a server must not send an HTTP/1.0 client (RFC 9110 section 15.2).
 */
const expectingContinue = new WeakSet<IncomingMessage>();

/** Each request's place among its connection's requests (0 for the first). */
const placeOnConnection = new WeakMap<IncomingMessage, number>();
/** How many requests each connection has carried. */
const requestsOnConnection = new WeakMap<Socket, number>();
/**
 * The place of the first request whose answer closes its connection: a 413's lingering close, a
 * refusal before the 100 Continue its request expected, any answer once a shutdown began.
 */
const lastOnConnection = new WeakMap<Socket, number>();

/**
 * Marks `req`'s answer as the last on its connection. Node still parses and hands on the requests
 * a client pipelined after it, whose answers then never go out: a write pipelined behind a 413 was
 * read, decoded and its WriteRecords calls begun, then aborted when the 413 closed the connection,
 * and logged as a client gone. RFC 9112 section 9.6: a server that sends `close` must not process
 * any further request received on that connection.
 */
function markLastOnConnection(req: IncomingMessage): void {
  const place = placeOnConnection.get(req) ?? 0;
  // The earliest such answer closes the connection: a request after it, marked in turn, is not.
  const last = lastOnConnection.get(req.socket);
  if (last === undefined || place < last) lastOnConnection.set(req.socket, place);
}

/** Whether an answer before `req`'s closes its connection, so that `req`'s would never be sent. */
function pipelinedAfterLast(req: IncomingMessage): boolean {
  const last = lastOnConnection.get(req.socket);
  return last !== undefined && (placeOnConnection.get(req) ?? 0) > last;
}

/** Starts listening; resolves once the port is bound. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  let inFlight = 0;
  let drained: (() => void) | undefined;
  let stopping = false;
  /** Aborted when a shutdown begins: a 413 still reading the rest of its body then closes at once. */
  const shutdown = new AbortController();
  /** Answers not yet sent, so a shutdown can have them close their keep-alive connections. */
  const unanswered = new Set<ServerResponse>();
  let server: Server;
  if (options.tls) {
    const https = createHttpsServer({ cert: options.tls.cert, key: options.tls.key });
    logTlsClientErrors(https, options.logger);
    server = https;
  } else {
    server = createHttpServer();
  }
  // Bytes refused outside any request (a malformed request line, headers over 16 KiB) have no
  // request of their own to log them: without this, nothing said a client had been refused.
  const { track, refusalOf } = refuseClientErrorsInOrder(server, (status, reason) =>
    options.logger.warn({ status, reason: safeText(reason, 200) }, 'request refused'),
  );
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const place = requestsOnConnection.get(req.socket) ?? 0;
    requestsOnConnection.set(req.socket, place + 1);
    placeOnConnection.set(req, place);
    inFlight++;
    unanswered.add(res);
    res.once('finish', () => unanswered.delete(res));
    track(req, res);
    // Prometheus keeps its connections open: once shutting down, every answer closes its
    // connection, and a request that still arrives on one is answered 503 at once (its
    // Timestream calls see an aborted signal), so Prometheus resends it elsewhere or later.
    if (stopping) {
      res.setHeader('connection', 'close');
      markLastOnConnection(req);
    }
    // An answer is done once its last byte went to the kernel ('close' follows 'finish'), not when
    // the handler returned: a large one is still queued in Node then, and the drain's
    // closeAllConnections would cut it short. One queued behind an answer that closed the
    // connection (a pipelined request) never closes: the connection's end is its end.
    // A client that closes the connection before its answer (Prometheus past its remote_timeout)
    // no longer waits for it: `gone` stops its wait for a turn, its Timestream calls and retries.
    // Taken from the same two closes: a pipelined request's answer has no socket to see go.
    const gone = new AbortController();
    const sent = new Promise<void>((resolve) => {
      const done = () => {
        res.off('close', done);
        stopWatching();
        if (!res.writableFinished) gone.abort();
        resolve();
      };
      res.once('close', done);
      const stopWatching = onConnectionClose(req.socket, done);
    });
    serve(req, res, options, () => stopping, gone, shutdown.signal)
      .catch((error: unknown) => {
        // A client that closes its connection before the whole body arrived is no server failure:
        // nothing was handled or counted, and no one is left to answer.
        if (req.readableAborted) {
          // The path is the client's, percent-decoded: escaped and cut as the 404's line has it.
          const path = safeText(requestPath(req.url), 200);
          // The server ended it: its body was malformed (a bad chunk, 400), or did not arrive whole
          // within Node's requestTimeout (408, after 5 min). Logged as a client gone, either one
          // sent an operator looking for a client that left, not at the answer it was given.
          const refusal = refusalOf(req.socket);
          if (refusal !== undefined && refusedByServer(refusal)) {
            const status = clientErrorStatus(refusal);
            const reason = `${refusal.code}: ${refusal.message}`;
            options.logger.warn({ path, status, reason: safeText(reason, 200) }, 'request refused');
            res.destroy();
            return;
          }
          options.logger.warn(
            { path, err: String(error) },
            'client closed the connection before sending the whole request',
          );
          res.destroy();
          return;
        }
        options.logger.error({ err: String(error) }, 'request failed unexpectedly');
        if (!res.headersSent)
          send(res, { status: 500, headers: { 'content-type': 'text/plain' }, body: 'internal error\n' });
        else res.destroy();
      })
      .then(() => sent)
      .finally(() => {
        inFlight--;
        if (inFlight === 0) drained?.();
      });
  };
  server.on('request', onRequest);
  // Left to itself, Node answers `Expect: 100-continue` with 100 before any handler runs, inviting
  // a body the limit then refuses, or one that then waits for its turn in a queue in the socket's
  // buffers: handle() sends it when it reads the body, and a request answered unread, or declared
  // too large (its 413), gets none (RFC 9110 10.1.1).
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    expectingContinue.add(req);
    onRequest(req, res);
  });
  // Prometheus keeps connections open; a timeout longer than its idle reuse avoids reset races.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  // An empty host (`:9201`) listens on every interface, as Go's net/http does; so does
  // `0.0.0.0:9201`, which Go's net.Listen("tcp") opens as a dual-stack socket, not IPv4 only.
  const everyInterface = options.host === '' || options.host === '0.0.0.0';
  const address = everyInterface ? undefined : await listenAddressOf(options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://${urlHostFor(options.host)}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      stopping = true;
      shutdown.abort();
      // Waiting writes get no turn now: answered 503 at once, they are resent elsewhere or later.
      // Waiting reads keep theirs through the grace period: Prometheus does not resend a read, so
      // one refused is a gap in the query it serves; they are refused only once the grace runs out.
      options.writeQueue?.stop();
      for (const res of unanswered) {
        if (res.headersSent) continue;
        res.setHeader('connection', 'close');
        // The first such answer on a connection is its last: a read pipelined behind it, waiting for
        // a turn the grace period gives, would run its queries for an answer never sent.
        markLastOnConnection(res.req);
      }
      // Stops accepting, but not with server.close(): that also closes the idle kept-alive
      // connections at once, resetting a request a client is sending on one at that moment. Kept
      // open while requests drain, such a request is answered 503 with connection: close.
      const stopped = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      if (inFlight > 0) {
        const grace = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
        const allDone = new Promise<void>((resolve) => (drained = resolve));
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>(
          (resolve) => (timer = setTimeout(() => resolve('timeout'), grace)),
        );
        if ((await Promise.race([allDone, timedOut])) === 'timeout') {
          // Abort Timestream calls: the handlers answer 503, so Prometheus resends the whole request.
          options.readQueue?.stop();
          options.shutdownController?.abort();
          const aborted = new Promise((resolve) => (timer = setTimeout(resolve, 5_000)));
          await Promise.race([allDone, aborted]);
        }
        // Cleared so a caller awaiting close() is not kept alive by a timer nobody waits for.
        clearTimeout(timer);
      }
      server.closeAllConnections();
      await stopped;
    })();
    return closing;
  };
  return { url, port, close };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  options: ServerOptions,
  stopping: () => boolean,
  gone: AbortController,
  shutdown: AbortSignal,
): Promise<void> {
  // Never answered: the connection closes after an earlier answer. Its own closes the request.
  if (pipelinedAfterLast(req)) return;
  const path = requestPath(req.url);
  if (
    (path === '/healthz' || path === options.telemetryPath) &&
    req.method !== 'GET' &&
    req.method !== 'HEAD'
  ) {
    // The path is served, so another method is a 405 naming the methods it takes (RFC 9110
    // 15.5.6), not the core's 404 "no route", which would send an operator looking for a typo.
    const reason = `${path} accepts GET and HEAD only`;
    options.logger.warn({ method: safeText(req.method ?? '', 20), status: 405, reason }, 'request refused');
    send(res, errorResponse(methodNotAllowed(reason, { headers: { allow: 'GET, HEAD' } })));
    return;
  }
  if (path === '/healthz') {
    // A 503 tells a supervisor (systemd, Kubernetes' liveness probe) that only a restart helps.
    const problem = await options.health?.();
    send(
      res,
      problem === undefined
        ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok\n' }
        : { status: 503, headers: { 'content-type': 'text/plain' }, body: `unhealthy: ${problem}\n` },
    );
    return;
  }
  if (path === options.telemetryPath) {
    // HEAD as GET: Node sends the headers and leaves the body out.
    const page = await options.metrics();
    send(res, { status: 200, headers: { 'content-type': page.contentType }, body: page.body });
    return;
  }
  // The turn is taken before the body is read: a waiting request holds no decoded samples or
  // results, only its connection, whose unread bytes stay with the kernel and the sender. One whose
  // body is declared over the limit takes none: its 413 reads nothing, and a write that waited its
  // longest would be answered a 503, which Prometheus resends, instead of the 413 it drops.
  const route = queuedRoute(req.method, path);
  const headers: Record<string, string> = {};
  // headersDistinct, not headers: Node keeps only the first of a repeated Authorization or
  // Content-Type, and joins others with ", "; API Gateway passes every value joined by ",".
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values !== undefined) headers[name] = values.join(',');
  }
  // One without usable credentials takes none either, and its 401 reads nothing: waiting behind the
  // requests ahead of it (a read behind a slow one, for its whole minute), it learnt nothing more,
  // and a sender that never had credentials held turns that senders that have them wait for.
  const oversize = declaresMoreThan(req, options.maxBodyBytes);
  const refused = route !== undefined && !oversize && options.refusesFromHeaders?.(headers) === true;
  const queue =
    route === undefined || refused || oversize
      ? undefined
      : route === 'write'
        ? options.writeQueue
        : options.readQueue;
  let admission: Admission = 'admitted';
  // Only a request the queue kept waiting has a wait: one admitted at once has none to log.
  let waitedMs: number | undefined;
  // During a shutdown it takes no turn, even a free one: answered as the waiting ones are, unread.
  // Read and handled with its calls aborted, it was answered a 503 blaming Timestream ("Timestream
  // DESCRIBE failed: AbortError"), the warning Prometheus then shows on the query of a read.
  if (queue !== undefined && stopping()) admission = 'stopping';
  else if (queue !== undefined && !queue.tryEnter()) {
    const waitStarted = performance.now();
    admission = await queue.wait(gone.signal);
    waitedMs = performance.now() - waitStarted;
  }
  if (admission === 'gone') {
    // Its only log line, so it gives the wait as the handler's line gives an answered write's.
    const waited = Math.round((waitedMs ?? 0) * 10) / 10;
    options.logger.warn(
      { path: safeText(path, 200), waitedForTurn: true, waitedMs: waited },
      `client closed the connection before its ${route ?? 'request'} had its turn`,
    );
    res.destroy();
    return;
  }
  // Answered unread (Node discards the body after the answer and keeps the connection): the
  // handler counts the 503 like any other, and Prometheus resends a write (2.42 after its own
  // backoff: it reads Retry-After only on a 429). Only writes wait with a time limit.
  const unserved =
    admission === 'admitted'
      ? undefined
      : admission === 'stopping'
        ? 'the connector is shutting down'
        : `${queue?.limit} remote ${route}s were in progress (--web.max-concurrent-${route}s) and this one ` +
          `waited ${queue?.maxWaitMs} ms for its turn` +
          `${route === 'write' ? ' (--web.write-queue-timeout)' : ''}; resend it later`;
  try {
    // One that arrived during the shutdown, on a route without a queue, has its calls aborted at once;
    // a read that waited from before it for a turn the shutdown's grace period gave it does not.
    const abortAtOnce = stopping() && waitedMs === undefined;
    const request: HttpRequest = { method: req.method ?? 'GET', path, headers, body: EMPTY_BODY };
    if (waitedMs !== undefined) request.waitedMs = waitedMs;
    if (unserved !== undefined) request.unserved = unserved;
    await handle(req, res, request, options, abortAtOnce, refused, gone, shutdown);
  } finally {
    if (admission === 'admitted') queue?.leave();
  }
}

/**
 * Reads the body of `request` (built from `req`'s head) and answers it through the handler; one
 * unserved, or `unread`, is answered with its body unread (Node discards it after the answer).
 */
async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  request: HttpRequest,
  options: ServerOptions,
  abortAtOnce: boolean,
  unread: boolean,
  gone: AbortController,
  shutdown: AbortSignal,
): Promise<void> {
  // Checked again after the wait for a turn: an answer before it may have closed the connection since.
  if (pipelinedAfterLast(req)) return;
  if (request.unserved !== undefined || unread) {
    // Node closes the connection after an answer sent before the 100 Continue its request expected:
    // marked before the handler is awaited, as Node hands on a request pipelined behind it meanwhile.
    if (expectingContinue.has(req)) markLastOnConnection(req);
    const response = await options.handler(request);
    // Answered before its 100 Continue, Node closes the connection. The body may come all the same
    // (a client need not wait for 100 Continue, RFC 9110 10.1.1): closed at once with it unread, the
    // connection was reset under a client still sending, which lost its 401 or 503.
    if (expectingContinue.has(req) && !req.complete) {
      response.headers.connection = 'close';
      req.resume();
      sendLingering(req, res, response, OVERSIZE_LINGER_MS, shutdown);
      return;
    }
    send(res, response);
    return;
  }
  // With `Expect: 100-continue`, only a body not declared over the limit gets its 100 Continue, here,
  // once the request has its turn.
  if (expectingContinue.has(req) && !declaresMoreThan(req, options.maxBodyBytes)) res.writeContinue();
  const body = await readBody(req, options.maxBodyBytes);
  // Marked before the rest of its body is discarded, after which Node parses the requests behind it.
  if (body === 'too-large') markLastOnConnection(req);
  if (abortAtOnce) gone.abort();
  request.signal = gone.signal;
  if (body === 'too-large') {
    // The handler answers (413, its route's headers, its metrics); the rest of the body is not read.
    request.oversizeBody = { limitBytes: options.maxBodyBytes, option: '--max-body-bytes' };
    const response = await options.handler(request);
    response.headers.connection = 'close';
    // Also a body never invited (no 100 Continue): a client need not wait for one (RFC 9110
    // 10.1.1; Go's Transport without an ExpectContinueTimeout sends the body at once), and closed at
    // once, the connection was reset under a client still sending it, which then lost the 413.
    sendLingering(req, res, response, OVERSIZE_LINGER_MS, shutdown);
    return;
  }
  request.body = body;
  send(res, await options.handler(request));
}

/**
 * Whether a clientError that ended a request is the server's refusal (bytes the parser refused, or
 * the request's time running out), not its client going (a reset, or its end within the body).
 */
function refusedByServer(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || refusesBytes(error);
}

type QueuedRoute = 'write' | 'read';

/** The route whose queue bounds a request: POSTs the write and read routes will handle. */
function queuedRoute(method: string | undefined, path: string): QueuedRoute | undefined {
  if (method !== 'POST') return undefined;
  if (path === '/write' || path === '/write/') return 'write';
  if (path === '/read' || path === '/read/') return 'read';
  return undefined;
}

/**
 * The path of a request target without its query string, percent-escapes decoded (Go's net/http,
 * which the reference connector routes with, matches `/%77rite` as `/write`). An absolute-form
 * target (`POST http://host/write`, RFC 9112 section 3.2.2, which servers must accept) routes by
 * its path.
 */
export function requestPath(target: string | undefined): string {
  const withoutQuery = (target ?? '/').split('?')[0];
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(withoutQuery);
  const path = absolute === null ? withoutQuery : withoutQuery.slice(absolute[0].length) || '/';
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // malformed escapes match no route: 404
  }
}

/** Reads the whole body, or stops at the limit (Content-Length is checked before reading). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array | 'too-large'> {
  const body = await readBodyWithin(req, maxBytes);
  // A plain Uint8Array, as HttpRequest.body is on every edge (the Lambda's included).
  return body === 'too-large' ? body : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * Sends `response` (a refusal given before the body was read, with `connection: close`) at once, but
 * ends it, which closes the connection, only once the rest of the body has arrived (discarded as it
 * comes), after `lingerMs`, or when a shutdown begins: a lingering close (RFC 9112 section 9.6).
 * Closed at once, the socket still held unread body bytes, so the kernel reset the connection, and
 * a client still sending failed its write before reading the answer: nginx with
 * `proxy_request_buffering off` answered 502, which Prometheus resends, for half of such 413s.
 */
function sendLingering(
  req: IncomingMessage,
  res: ServerResponse,
  response: HttpResponse,
  lingerMs: number,
  shutdown: AbortSignal,
): void {
  const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
  res.writeHead(response.status, { ...response.headers, 'content-length': String(body.byteLength) });
  res.write(body);
  if (req.complete || lingerMs <= 0 || shutdown.aborted) {
    res.end();
    return;
  }
  const end = () => {
    clearTimeout(timer);
    req.off('end', end);
    req.off('close', end);
    shutdown.removeEventListener('abort', end);
    if (!res.writableEnded) res.end();
  };
  const timer = setTimeout(end, lingerMs);
  req.once('end', end);
  req.once('close', end);
  shutdown.addEventListener('abort', end);
}

function send(res: ServerResponse, response: HttpResponse): void {
  const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
  // A 204 has no body to measure and must not carry a Content-Length (RFC 9110 8.6), which Go's
  // net/http, and so the reference connector, leaves out too.
  const length = response.status === 204 ? {} : { 'content-length': String(body.byteLength) };
  res.writeHead(response.status, { ...response.headers, ...length });
  res.end(body);
}
