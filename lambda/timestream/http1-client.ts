// SPDX-License-Identifier: Apache-2.0
// A minimal keep-alive HTTP/1.1 client for the fast first attempt of Timestream calls
// (fast-call.ts): one write per request on a pooled socket and a small response parser. It is
// hand-written on a measured hot path: a 2000-sample remote write makes ~70 concurrent
// WriteRecords calls, and on the 2-core bench machine a wave of 71 calls cost ~12 ms of CPU
// through the SDK's NodeHttpHandler, ~8.5 ms through node:http with an Agent and ~2.3 ms here
// (bench figure 3 waits on exactly that CPU). Whatever it does not support or cannot complete is an
// error, and the caller then lets the SDK (with its own node:http handler) redo the call.

import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Http1ResponseParser } from './http1-response';

/** Time allowed to open a connection to Timestream; clients.ts gives the SDK's handler the same. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** TCP keep-alive probe delay; clients.ts gives the SDK's agents the same. */
export const TCP_KEEPALIVE_DELAY_MS = 1000;
/** A header name token (RFC 9110) and a header value without control or non-ASCII characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
/** A method or request target: visible ASCII, no spaces. */
const REQUEST_LINE_PART = /^[!-~]+$/;

export interface Http1ClientOptions {
  /** Sockets per origin (protocol, host and port); further requests wait for a free one. */
  maxSockets: number;
  /** An attempt fails after this long without a byte sent or received (the SDK handler's socketTimeout). */
  timeoutMs: number;
  /** Time allowed to open a connection, TLS handshake included. @default DEFAULT_CONNECT_TIMEOUT_MS */
  connectTimeoutMs?: number;
  /** Extra TLS options for https origins (tests: a private CA). */
  tls?: ConnectionOptions;
}

/** The request fields the client reads; a smithy HttpRequest has them (its query must be empty). */
export interface Http1Request {
  protocol: string;
  hostname: string;
  port?: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** A complete response; the body is read to its end before the promise resolves. */
export interface Http1Result {
  response: { statusCode: number; headers: Record<string, string>; body: Buffer };
}

interface Attempt {
  head: string;
  body: string | Uint8Array | undefined;
  resolve: (result: Http1Result) => void;
  reject: (error: Error) => void;
  origin: Origin;
  /** The attempts watching the same abort signal, this one included while in flight. */
  watchers: Set<Attempt> | undefined;
  connection: Connection | undefined;
}

/** Sends requests over pooled keep-alive connections, one request per connection at a time. */
export class Http1Client {
  private readonly origins = new Map<string, Origin>();
  /**
   * The attempts in flight per abort signal. One listener per signal rather than one per attempt:
   * a request's ~70 concurrent calls share its deadline signal, and the server's shutdown signal is
   * shared by every request (EventTarget warns past 10 listeners, and adding one costs µs).
   */
  private readonly watched = new WeakMap<AbortSignal, Set<Attempt>>();

  constructor(private readonly options: Http1ClientOptions) {}

  /**
   * Sends `request` and reads the whole response. Rejects with an `AbortError` when `abortSignal`
   * aborts, a `TimeoutError` after `timeoutMs` of silence, or the socket's own error.
   */
  handle(request: Http1Request, handlerOptions?: { abortSignal?: AbortSignal }): Promise<Http1Result> {
    const signal = handlerOptions?.abortSignal;
    if (signal?.aborted === true) return Promise.reject(abortError());
    let head: string;
    let body: string | Uint8Array | undefined;
    let origin: Origin;
    try {
      body = requestBody(request.body);
      head = serialiseHead(request, body);
      origin = this.origin(request);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return new Promise<Http1Result>((resolve, reject) => {
      const attempt: Attempt = {
        head,
        body,
        resolve,
        reject,
        origin,
        watchers: signal === undefined ? undefined : this.watchers(signal),
        connection: undefined,
      };
      attempt.watchers?.add(attempt);
      origin.dispatch(attempt);
    });
  }

  private watchers(signal: AbortSignal): Set<Attempt> {
    let watchers = this.watched.get(signal);
    if (watchers === undefined) {
      const set = new Set<Attempt>();
      signal.addEventListener(
        'abort',
        () => {
          for (const attempt of [...set]) attempt.origin.abort(attempt);
        },
        { once: true },
      );
      this.watched.set(signal, set);
      watchers = set;
    }
    return watchers;
  }

  /** Closes every connection; requests in flight fail. */
  destroy(): void {
    for (const origin of this.origins.values()) origin.destroy();
    this.origins.clear();
  }

  private origin(request: Http1Request): Origin {
    const secure = request.protocol === 'https:';
    if (!secure && request.protocol !== 'http:') throw new Error(`unsupported protocol ${request.protocol}`);
    const port = request.port ?? (secure ? 443 : 80);
    const key = `${request.protocol}//${request.hostname}:${port}`;
    let origin = this.origins.get(key);
    if (origin === undefined) {
      origin = new Origin(this.options, secure, request.hostname, port);
      this.origins.set(key, origin);
    }
    return origin;
  }
}

/** The connections to one origin: idle ones (most recently used first out) and waiting attempts. */
class Origin {
  readonly idle: Connection[] = [];
  readonly waiting: Attempt[] = [];
  /** Every open connection, idle or busy. */
  readonly open = new Set<Connection>();
  /** The last TLS session, so new connections resume it instead of a full handshake. */
  tlsSession: Buffer | undefined;

  constructor(
    readonly options: Http1ClientOptions,
    readonly secure: boolean,
    readonly hostname: string,
    readonly port: number,
  ) {}

  dispatch(attempt: Attempt): void {
    const idle = this.idle.pop();
    if (idle !== undefined) idle.start(attempt);
    else if (this.open.size < this.options.maxSockets) this.connect().start(attempt);
    else this.waiting.push(attempt);
  }

  /** Hands a connection whose response completed to the next waiting attempt, or parks it. */
  release(connection: Connection): void {
    const next = this.waiting.shift();
    if (next !== undefined) return connection.start(next);
    connection.park();
    this.idle.push(connection);
  }

  /** Forgets a closed connection; a waiting attempt gets a new one. */
  closed(connection: Connection): void {
    this.open.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    const next = this.waiting.shift();
    if (next !== undefined) this.dispatch(next);
  }

  abort(attempt: Attempt): void {
    if (attempt.connection !== undefined) return attempt.connection.fail(abortError());
    const at = this.waiting.indexOf(attempt);
    if (at >= 0) this.waiting.splice(at, 1);
    settle(attempt);
    attempt.reject(abortError());
  }

  destroy(): void {
    for (const attempt of this.waiting.splice(0)) {
      settle(attempt);
      attempt.reject(new Error('client destroyed'));
    }
    for (const connection of [...this.open]) connection.fail(new Error('client destroyed'));
  }

  private connect(): Connection {
    const common = {
      host: this.hostname,
      port: this.port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: TCP_KEEPALIVE_DELAY_MS,
    };
    const socket = this.secure
      ? tlsConnect({
          ...this.options.tls,
          ...common,
          ...(isIP(this.hostname) === 0 ? { servername: this.hostname } : {}),
          ...(this.tlsSession === undefined ? {} : { session: this.tlsSession }),
        })
      : netConnect(common);
    if (this.secure) socket.on('session', (session: Buffer) => (this.tlsSession = session));
    const connection = new Connection(this, socket);
    this.open.add(connection);
    return connection;
  }
}

/** One socket carrying one request at a time. */
class Connection {
  private attempt: Attempt | undefined;
  private parser: Http1ResponseParser | undefined;
  private dead = false;
  /** Idle in the pool, unreferenced. */
  private parked = false;
  private connectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly origin: Origin,
    readonly socket: Socket,
  ) {
    const connectTimeoutMs = origin.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    socket.setTimeout(origin.options.timeoutMs);
    if (connectTimeoutMs < origin.options.timeoutMs) {
      this.connectTimer = setTimeout(() => this.fail(timeoutError('connect')), connectTimeoutMs);
      socket.once(origin.secure ? 'secureConnect' : 'connect', () => clearTimeout(this.connectTimer));
    }
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('end', () => this.onEnd());
    // NOTE: the socket's idle timer stays armed for the connection's life (re-arming it per call
    // costs more than the call's own parsing); it fires once on a parked connection, which is left
    // alone, and the next request's write re-arms it.
    socket.on('timeout', () => {
      if (this.attempt !== undefined) this.fail(timeoutError('idle'));
    });
    socket.on('error', (error: Error) => this.fail(error));
    socket.on('close', () => this.fail(hangUp()));
  }

  start(attempt: Attempt): void {
    this.attempt = attempt;
    attempt.connection = this;
    this.parser = new Http1ResponseParser();
    if (this.parked) {
      this.parked = false;
      this.socket.ref();
    }
    // NOTE: the attempt lets go of its request once written; it lives on until the response. In
    // figure 4 a request's ~30 WriteRecords bodies (~11 KiB each, write-json.ts) wait on the store
    // together: kept, they were about half of what survived the connector's young-generation
    // collections (--trace-gc-nvp: surviving bytes 0.46 of allocated against 0.21, and scavenging
    // CPU 6.6-7.1 s against 3.5-3.9 s per run).
    const { head, body } = attempt;
    attempt.head = '';
    attempt.body = undefined;
    if (typeof body === 'string') {
      this.socket.write(head + body, 'utf8');
    } else {
      this.socket.cork();
      this.socket.write(head, 'latin1');
      if (body !== undefined) this.socket.write(body);
      this.socket.uncork();
    }
  }

  /**
   * Keeps the idle connection for the next call, as node:http's keep-alive Agent does (until the
   * server closes it), without holding the process open.
   */
  park(): void {
    this.parked = true;
    this.socket.unref();
  }

  /** Ends the connection; the attempt on it, if any, rejects with `error`. Idempotent. */
  fail(error: Error): void {
    const attempt = this.attempt;
    this.attempt = undefined;
    if (!this.dead) {
      this.dead = true;
      clearTimeout(this.connectTimer);
      this.socket.destroy();
      this.origin.closed(this);
    }
    if (attempt !== undefined) {
      settle(attempt);
      attempt.reject(error);
    }
  }

  private onData(data: Buffer): void {
    if (this.attempt === undefined || this.parser === undefined)
      return this.fail(new Error('unexpected bytes on an idle connection'));
    let complete: boolean;
    try {
      complete = this.parser.push(data);
    } catch (error) {
      return this.fail(error as Error);
    }
    if (complete) this.complete();
  }

  private onEnd(): void {
    if (this.attempt !== undefined && this.parser?.end() === true) this.complete();
    else this.fail(hangUp());
  }

  private complete(): void {
    const attempt = this.attempt as Attempt;
    const { statusCode, headers, body, keepAlive } = (this.parser as Http1ResponseParser).response();
    this.attempt = undefined;
    this.parser = undefined;
    settle(attempt);
    if (keepAlive && !this.dead) this.origin.release(this);
    else this.fail(hangUp());
    attempt.resolve({ response: { statusCode, headers, body } });
  }
}

/** Detaches an attempt from its signal and connection once it resolves or rejects. */
function settle(attempt: Attempt): void {
  attempt.watchers?.delete(attempt);
  attempt.watchers = undefined;
  attempt.connection = undefined;
}

function requestBody(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array)
    return body ?? undefined;
  throw new Error('unsupported request body (string or bytes only)');
}

/** The request line and headers; Host and Content-Length are added when the caller left them out. */
function serialiseHead(request: Http1Request, body: string | Uint8Array | undefined): string {
  if (!REQUEST_LINE_PART.test(request.method) || !REQUEST_LINE_PART.test(request.path))
    throw new Error('invalid request line');
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  let hasHost = false;
  let hasLength = false;
  for (const name in request.headers) {
    const value = request.headers[name];
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) throw new Error(`invalid header ${name}`);
    const lower = name.toLowerCase();
    if (lower === 'host') hasHost = true;
    else if (lower === 'content-length') hasLength = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!hasHost) {
    const host = isIP(request.hostname) === 6 ? `[${request.hostname}]` : request.hostname;
    head += `host: ${host}${request.port === undefined ? '' : `:${request.port}`}\r\n`;
  }
  if (!hasLength) {
    const bytes =
      body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    head += `content-length: ${bytes}\r\n`;
  }
  return `${head}\r\n`;
}

/** The error an aborted call rejects with, named as the SDK names its own. */
export function abortError(): Error {
  return Object.assign(new Error('Request aborted'), { name: 'AbortError' });
}

function timeoutError(what: 'connect' | 'idle'): Error {
  return Object.assign(new Error(what === 'connect' ? 'connection timed out' : 'socket timed out'), {
    name: 'TimeoutError',
  });
}

function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}
