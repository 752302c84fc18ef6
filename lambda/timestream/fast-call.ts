// SPDX-License-Identifier: Apache-2.0
// One attempt of an awsJson1_0 call to Timestream without the SDK's per-call pipeline: our SigV4
// and a lean HTTP handler (clients.ts gives it http1-client.ts, with shared keep-alive sockets).
// The SDK pipeline costs several hundred µs of CPU per call, more than a WriteRecords call's 100
// samples cost to decode and map. Callers let the SDK redo the call (serialisation, retries, error
// deserialisation) whenever an attempt here does not end in a 200, so every failure reaches them
// exactly as the SDK reports it; except, when the caller names them, errors that a second attempt
// would only repeat (a refused record, a missing table), which come back as a FastRefusal.

import { HttpRequest } from '@smithy/core/protocols';
import { INVALID_ENDPOINT_STATUS, isStaleEndpoint } from './errors';
import { signPost, type SigningCredentials } from './sigv4-signer';

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
/** The SigV4 signing name of Timestream (both the write and query APIs). */
const SIGNING_SERVICE = 'timestream';
/** How long a discovered endpoint is used when DescribeEndpoints gives no cache period. */
const DEFAULT_ENDPOINT_TTL_MS = 60_000;
/**
 * Credentials are asked for again this long before they expire, as the SDK's memoised provider
 * refreshes them (@smithy/core memoizeIdentityProvider: 5 minutes).
 */
export const CREDENTIALS_REFRESH_MS = 300_000;
/** How far a signature's time may be from Timestream's before it is refused (SigV4: 5 minutes). */
const MAX_CLOCK_SKEW_MS = 300_000;
/**
 * How long credentials the provider gave inside the refresh window are used before it is asked
 * again. Such a provider answers every ask with a fetch (the SDK's memoised chain refreshes on each
 * call in the window): an instance metadata request or a `credential_process` run per call.
 */
export const CREDENTIALS_RETRY_MS = 10_000;

/** The part of an HTTP request handler the fast path uses (Http1Client; NodeHttpHandler fits too). */
export interface RequestHandlerLike {
  handle(
    request: HttpRequest,
    options?: { abortSignal?: AbortSignal },
  ): Promise<{ response: { statusCode: number; headers?: Record<string, string>; body?: unknown } }>;
}

/** An endpoint Timestream's DescribeEndpoints named, and for how many minutes to use it. */
export interface DiscoveredEndpoint {
  address: string;
  cachePeriodInMinutes?: number;
}

export interface FastCallOptions {
  region: string;
  /** Explicit endpoint URL; undefined = the endpoint `discover` returns. */
  endpoint?: string;
  /** The handler of the fast attempt (clients.ts: an Http1Client with its own keep-alive sockets). */
  handler: RequestHandlerLike;
  /** Credentials, as the SDK client resolves them (its memoised provider). */
  credentials: () => Promise<SigningCredentials & { expiration?: Date }>;
  /** DescribeEndpoints through the SDK client; used when no explicit endpoint is set. */
  discover: () => Promise<DiscoveredEndpoint>;
  /** Clock for endpoint expiry and signing (tests). @default Date.now */
  nowMs?: () => number;
  /**
   * How far the SDK client found the clock off Timestream's (its `systemClockOffset`, which it
   * learns from the Date of Timestream's answers): added to the signing time, as the SDK adds it.
   * A signature more than 5 minutes off is refused, so on a host with a skewed clock every fast
   * attempt would fail and the SDK redo the call. @default no offset
   */
  clockOffsetMs?: () => number;
  /**
   * Takes the offset of Timestream's clock read from the Date of a refused attempt, as the SDK
   * client's signer takes it from the answers to its own attempts. Unlearnt, the SDK redid every
   * call of the first request signed with the skewed clock, met the same refusal, and ran out of
   * retries after about 35 calls (its retry quota: 500 tokens, 14 a retry), so a write of some
   * 2000 samples was answered 401 and dropped.
   */
  setClockOffsetMs?: (offsetMs: number) => void;
}

interface Endpoint {
  protocol: string;
  hostname: string;
  port?: number;
  /** Host header value. */
  host: string;
  expiresMs: number;
}

/** An error answer of an awsJson1_0 call: its `__type` without the namespace, and its JSON body. */
export interface FastRefusal {
  type: string;
  status: number;
  body: Record<string, unknown>;
}

/** Fast single attempts of awsJson1_0 operations against one endpoint with one identity. */
export class FastCall {
  private endpoint: Endpoint | undefined;
  /** The DescribeEndpoints call under way, shared by the calls that wait for it. */
  private discovering: Promise<Endpoint> | undefined;
  private credentials: (SigningCredentials & { expiration?: Date }) | undefined;
  /** When the provider gave `credentials`. */
  private credentialsAskedMs = -Infinity;
  private readonly nowMs: () => number;

  constructor(private readonly options: FastCallOptions) {
    this.nowMs = options.nowMs ?? Date.now;
    if (options.endpoint !== undefined) this.endpoint = parseEndpoint(options.endpoint, Infinity);
  }

  /**
   * Sends `body` as operation `target` (e.g. `Timestream_20181101.WriteRecords`) once, for a call
   * whose 200 answer carries nothing the caller needs (the body is discarded). Resolves true on a
   * 200, false when the caller should let the SDK do the call. Rethrows only when `signal` was
   * aborted.
   *
   * NOTE: with the endpoint and credentials already known, everything up to handing the request
   * to the handler runs synchronously, so concurrent callers started in one loop (writer.ts) each
   * put their request on the wire before the next one renders its body: the store starts on the
   * first calls while the last are still being prepared.
   */
  async attempt(
    target: string,
    body: string,
    signal: AbortSignal | undefined,
    final: ReadonlySet<string> = NO_TYPES,
  ): Promise<boolean | FastRefusal> {
    const answered = await this.exchange(
      target,
      body,
      signal,
      async (responseBody) => {
        discard(responseBody);
        return true;
      },
      final,
    );
    return answered ?? false;
  }

  /**
   * attempt() with the response body as bytes: a Query page is scanned as UTF-8 bytes
   * (page-scan.ts), because decoding a page of more than 128 KiB into one string alone cost
   * ~7 ns a byte (V8 allocates such strings one by one in its large-object space; figure 5).
   */
  async attemptBytes(
    target: string,
    body: string,
    signal: AbortSignal | undefined,
  ): Promise<Buffer | undefined> {
    // No final error types here, so no FastRefusal comes back.
    return (await this.exchange(target, body, signal, collectBytes)) as Buffer | undefined;
  }

  /**
   * One attempt. A non-200 answer gives undefined (the caller lets the SDK redo the call), or a
   * FastRefusal when its error type is one of `final`, which a second attempt would only repeat.
   */
  private async exchange<T>(
    target: string,
    body: string,
    signal: AbortSignal | undefined,
    read: (responseBody: unknown) => Promise<T>,
    final: ReadonlySet<string> = NO_TYPES,
  ): Promise<T | FastRefusal | undefined> {
    let endpoint: Endpoint;
    let credentials: SigningCredentials;
    try {
      const now = this.nowMs();
      endpoint =
        this.endpoint !== undefined && this.endpoint.expiresMs > now
          ? this.endpoint
          : await this.resolveEndpoint();
      if (this.credentials === undefined || !usable(this.credentials, now, this.credentialsAskedMs)) {
        this.credentials = await this.options.credentials();
        this.credentialsAskedMs = now;
      }
      credentials = this.credentials;
    } catch {
      return undefined; // the SDK reports discovery and credential failures its own way
    }
    const headers = signPost({
      credentials,
      region: this.options.region,
      service: SIGNING_SERVICE,
      host: endpoint.host,
      headers: {
        'content-type': JSON_CONTENT_TYPE,
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-target': target,
      },
      body,
      date: new Date(this.nowMs() + (this.options.clockOffsetMs?.() ?? 0)),
    });
    const request = new HttpRequest({
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port,
      method: 'POST',
      path: '/',
      headers,
      body,
    });
    try {
      const { response } = await this.options.handler.handle(request, { abortSignal: signal });
      if (response.statusCode !== 200) {
        if (final.size > 0) {
          const refusal = refusalOf(response.statusCode, response.headers, await collectBytes(response.body));
          if (refusal !== undefined && final.has(refusal.type)) return refusal;
        } else discard(response.body);
        // Rotated credentials answer with an error: ask again next time (the SDK's provider answers
        // from its cache when nothing changed). The endpoint only when Timestream says it is stale
        // (InvalidEndpointException, 421): DescribeEndpoints has no such cache, so forgetting it on
        // every throttled call sent one more DescribeEndpoints call after each.
        if (this.options.endpoint === undefined && response.statusCode === INVALID_ENDPOINT_STATUS)
          this.endpoint = undefined;
        this.credentials = undefined;
        const offsetMs = Date.parse(headerOf(response.headers ?? {}, 'date') ?? '') - this.nowMs();
        // As the SDK's signer: only a clock off by the skew Timestream refuses is corrected (a
        // Date has whole seconds, so taking every one would move the offset by up to a second).
        if (Math.abs(offsetMs - (this.options.clockOffsetMs?.() ?? 0)) >= MAX_CLOCK_SKEW_MS)
          this.options.setClockOffsetMs?.(offsetMs);
        return undefined;
      }
      return await read(response.body);
    } catch (error) {
      if (signal?.aborted) throw error;
      // A cell that no longer resolves or listens is stale too; the SDK forgets it the same way
      // (clients.ts), so both ask DescribeEndpoints again.
      if (this.options.endpoint === undefined && isStaleEndpoint(error)) this.endpoint = undefined;
      return undefined;
    }
  }

  /** Discovers the endpoint once for all the calls of a wave that find none (or an expired one). */
  private resolveEndpoint(): Promise<Endpoint> {
    this.discovering ??= this.discover().finally(() => (this.discovering = undefined));
    return this.discovering;
  }

  private async discover(): Promise<Endpoint> {
    const now = this.nowMs();
    const { address, cachePeriodInMinutes } = await this.options.discover();
    const ttlMs =
      cachePeriodInMinutes !== undefined ? cachePeriodInMinutes * 60_000 : DEFAULT_ENDPOINT_TTL_MS;
    this.endpoint = parseEndpoint(`https://${address}`, now + ttlMs);
    return this.endpoint;
  }
}

/** Whether to sign with credentials the provider gave at `askedMs` instead of asking it again. */
function usable(credentials: { expiration?: Date }, nowMs: number, askedMs: number): boolean {
  if (credentials.expiration === undefined) return true;
  const leftMs = credentials.expiration.getTime() - nowMs;
  return (
    leftMs > CREDENTIALS_REFRESH_MS ||
    (leftMs > CREDENTIALS_RETRY_MS && nowMs - askedMs < CREDENTIALS_RETRY_MS)
  );
}

function parseEndpoint(url: string, expiresMs: number): Endpoint {
  const parsed = new URL(url);
  const port = parsed.port === '' ? undefined : Number(parsed.port);
  // NOTE: URL keeps the brackets of an IPv6 hostname; node:http wants the bare address.
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { protocol: parsed.protocol, hostname, port, host: parsed.host, expiresMs };
}

const NO_TYPES: ReadonlySet<string> = new Set();

/** The error type and body of an awsJson1_0 error answer, or undefined when it is not one. */
function refusalOf(
  status: number,
  headers: Readonly<Record<string, string>> | undefined,
  bytes: Buffer,
): FastRefusal | undefined {
  let body: unknown;
  try {
    // The SDK reads an empty body as an empty object (parseJsonBody), whose type the header gives.
    body = bytes.length === 0 ? {} : JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const type = errorTypeOf(body as Record<string, unknown>, headers ?? {});
  if (type === undefined) return undefined;
  return { type: errorNameOf(type), status, body: body as Record<string, unknown> };
}

/**
 * The error type of an awsJson1_0 error answer where the SDK looks for it (@smithy/core
 * loadJsonRpcErrorCode): the body's `__type`, else its `code` (a key in any letter case), else the
 * `x-amzn-ErrorType` header. Read from `__type` alone, a refusal named only by the header went to
 * the SDK again, which named it all the same, after writing the call's other records a second time.
 */
function errorTypeOf(
  body: Record<string, unknown>,
  headers: Readonly<Record<string, string>>,
): string | undefined {
  if (body.__type !== undefined) return typeof body.__type === 'string' ? body.__type : undefined;
  const code = Object.keys(body).find((key) => key.toLowerCase() === 'code');
  if (code !== undefined && body[code] !== undefined)
    return typeof body[code] === 'string' ? body[code] : undefined;
  return headerOf(headers, 'x-amzn-errortype');
}

/** A response header by its lower-case name, in whatever case the handler gives it. */
function headerOf(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/**
 * The error name in an error type, read as the SDK reads it (@smithy/core sanitizeErrorCode): the
 * first of a comma-separated list, without a `:` suffix (awsJson1_0 allows one), the part after
 * the namespace's `#`. Read otherwise, a refusal the SDK would name RejectedRecordsException went
 * to the SDK again, which wrote the call's other records a second time.
 */
function errorNameOf(type: string): string {
  let name = type;
  if (name.includes(',')) name = name.split(',')[0]!;
  if (name.includes(':')) name = name.split(':')[0]!;
  if (name.includes('#')) name = name.split('#')[1]!;
  return name;
}

/** Lets a response body go without reading it, so the keep-alive socket is freed. */
function discard(body: unknown): void {
  if (typeof body === 'object' && body !== null && 'resume' in body && typeof body.resume === 'function')
    (body as { resume(): void }).resume();
}

/** Reads a response body (a Node stream, bytes, or text from a test handler) as bytes, copying none it need not. */
async function collectBytes(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
