// SPDX-License-Identifier: Apache-2.0
// Timestream SDK clients cached per credential identity, so a warm Lambda container or a busy
// server reuses clients, keep-alive sockets and discovered endpoints across requests instead of
// rebuilding them for every request as the reference connector does.

import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  DescribeEndpointsCommand as DescribeQueryEndpoints,
  type Endpoint,
  TimestreamQueryClient,
} from '@aws-sdk/client-timestream-query';
import {
  DescribeEndpointsCommand as DescribeWriteEndpoints,
  TimestreamWriteClient,
} from '@aws-sdk/client-timestream-write';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RequestCredentials } from '../core/auth';
import { ErrorKind } from '../core/errors';
import type { Logger } from '../observability/logger';
import { classifyAwsError, isInvalidEndpoint, isStaleEndpoint } from './errors';
import { CREDENTIALS_RETRY_MS, type RequestHandlerLike } from './fast-call';
import { DEFAULT_CONNECT_TIMEOUT_MS, Http1Client, TCP_KEEPALIVE_DELAY_MS } from './http1-client';
import { ownCredentials } from './own-credentials';
import { QuerySender } from './query-sender';
import { WriteRecordsSender } from './write-sender';

/** What the clients need from the configuration. */
export interface ClientSettings {
  region: string;
  /** Explicit endpoints (which also turn endpoint discovery off); undefined = SDK default + discovery. */
  writeEndpoint?: string;
  queryEndpoint?: string;
  maxWriteRetries: number;
  maxReadRetries: number;
  /** Per-attempt socket timeout for WriteRecords calls. */
  writeTimeoutMs: number;
  /** Per-attempt socket timeout for Query calls (Timestream allows a Query call up to 60 s). */
  readTimeoutMs: number;
  /**
   * Keep-alive sockets per endpoint and pool; should cover the write concurrency. The SDK's
   * handler and the fast path each keep a pool, so up to twice this many sockets may be open.
   */
  maxSockets: number;
}

export interface TimestreamClients {
  write: TimestreamWriteClient;
  /** WriteRecords with `write`'s credentials; a fast first attempt on its own keep-alive sockets. */
  writeRecords: WriteRecordsSender;
  query: TimestreamQueryClient;
  /** Query pages with `query`'s credentials; a fast first attempt on its own keep-alive sockets. */
  queryPages: QuerySender;
}

/**
 * How many distinct credential identities Timestream accepted keep their clients; least recently
 * used go first. As many more that Timestream has not accepted yet (new, or refused) are kept apart.
 */
export const MAX_CACHED_IDENTITIES = 64;

/** Builds and caches SDK clients per credential identity (undefined = the default chain). */
export class ClientCache {
  /** Identities Timestream accepted a call from. */
  private readonly cache = new Map<string, TimestreamClients>();
  /**
   * Identities not accepted yet. NOTE: apart, so a spray of wrong credentials (each a new
   * identity) turns over only these, not the warm clients of the identities that work.
   */
  private readonly untried = new Map<string, TimestreamClients>();
  private readonly writeHandler: NodeHttpHandler;
  private readonly queryHandler: NodeHttpHandler;
  /** The fast first attempts' own keep-alive sockets (http1-client.ts), per direction. */
  private readonly writeFast: Http1Client;
  private readonly queryFast: Http1Client;
  /** The connector's own credentials (the default chain), built on first use. */
  private ownCredentials: ReturnType<typeof ownCredentials> | undefined;

  /** `logger` gets the reasons the default chain gives when the connector's own credentials fail. */
  constructor(
    private readonly settings: ClientSettings,
    private readonly logger?: Logger,
  ) {
    // One handler per direction, shared by every cached client: sockets are reused across
    // identities (SigV4 signs each request, the socket carries no identity).
    this.writeHandler = makeHandler(settings.maxSockets, settings.writeTimeoutMs);
    this.queryHandler = makeHandler(settings.maxSockets, settings.readTimeoutMs);
    this.writeFast = makeFastClient(settings.maxSockets, settings.writeTimeoutMs);
    this.queryFast = makeFastClient(settings.maxSockets, settings.readTimeoutMs);
  }

  /** Returns the clients for these credentials, creating them on first use. */
  get(credentials: RequestCredentials | undefined): TimestreamClients {
    const key = identityKey(credentials);
    const hit = this.cache.get(key) ?? this.untried.get(key);
    if (hit !== undefined) {
      touch(this.cache.has(key) ? this.cache : this.untried, key, hit);
      return hit;
    }
    let accepted = false;
    const clients = this.create(credentials, () => {
      if (accepted) return;
      accepted = true;
      this.untried.delete(key);
      if (!this.cache.has(key)) touch(this.cache, key, clients);
    });
    touch(this.untried, key, clients);
    return clients;
  }

  /** Number of identities currently cached (for tests and metrics). */
  get size(): number {
    return this.cache.size + this.untried.size;
  }

  /** Closes keep-alive sockets; call on shutdown. */
  destroy(): void {
    this.cache.clear();
    this.untried.clear();
    this.writeHandler.destroy();
    this.queryHandler.destroy();
    this.writeFast.destroy();
    this.queryFast.destroy();
  }

  /** `accepted` is called after each call Timestream answered with success. */
  private create(credentials: RequestCredentials | undefined, accepted: () => void): TimestreamClients {
    const { region, writeEndpoint, queryEndpoint } = this.settings;
    // NOTE: one chain for both clients (each SDK client built its own), so a burst of writes and
    // reads asks the instance metadata service or the container endpoint once, not once per client.
    const common = {
      region,
      credentials: credentials ?? (this.ownCredentials ??= ownCredentials({ logger: this.logger })),
    };
    const query = new TimestreamQueryClient({
      ...common,
      ...(queryEndpoint === undefined ? {} : { endpoint: queryEndpoint }),
      maxAttempts: this.settings.maxReadRetries + 1,
      requestHandler: this.queryHandler,
    });
    const write = new TimestreamWriteClient({
      ...common,
      ...(writeEndpoint === undefined ? {} : { endpoint: writeEndpoint }),
      maxAttempts: this.settings.maxWriteRetries + 1,
      requestHandler: this.writeHandler,
    });
    // An explicit endpoint is no discovered one: nothing to forget or discover again.
    if (queryEndpoint === undefined)
      discoverEndpoints(query, () => query.send(new DescribeQueryEndpoints({})));
    if (writeEndpoint === undefined)
      discoverEndpoints(write, () => write.send(new DescribeWriteEndpoints({})));
    if (credentials === undefined) {
      refreshRefusedCredentials(query);
      refreshRefusedCredentials(write);
    }
    for (const client of [query, write]) {
      client.middlewareStack.add(
        (next) => async (args) => {
          const output = await next(args);
          accepted();
          return output;
        },
        { step: 'initialize', name: 'acceptIdentity' },
      );
    }
    return {
      write,
      writeRecords: new WriteRecordsSender(write, {
        region,
        endpoint: writeEndpoint,
        handler: onSuccess(this.writeFast, accepted),
      }),
      query,
      queryPages: new QuerySender(query, {
        region,
        endpoint: queryEndpoint,
        handler: onSuccess(this.queryFast, accepted),
      }),
    };
  }
}

/** Puts `key` last in `map` (most recently used), dropping the least recently used past the limit. */
function touch(map: Map<string, TimestreamClients>, key: string, clients: TimestreamClients): void {
  map.delete(key);
  map.set(key, clients);
  if (map.size > MAX_CACHED_IDENTITIES) map.delete(map.keys().next().value as string);
}

/** The shared fast-path handler, telling `accepted` of each 200 answer (per identity). */
function onSuccess(handler: Http1Client, accepted: () => void): RequestHandlerLike {
  return {
    handle: (request, options) =>
      handler.handle(request, options).then((answer) => {
        if (answer.response.statusCode === 200) accepted();
        return answer;
      }),
  };
}

/**
 * Asks the default chain for new credentials when Timestream refuses the connector's own (SigV4
 * mode) as unknown, expired or badly signed, and redoes the call once with them. The SDK's
 * memoised provider asks again only 5 minutes before the expiration it was given, so a pair
 * revoked or expired before that (a host clock behind AWS's) was refused with 401 until then, and
 * Prometheus dropped the samples. Refused again, the call is retryable (503): the fault is the
 * server's, as when its credentials cannot be loaded, and the chain may have new ones by the time
 * Prometheus resends. At most one refresh per CREDENTIALS_RETRY_MS, shared by the calls refused
 * meanwhile, so refused keys never cost a metadata request or a credential_process run per call.
 */
function refreshRefusedCredentials(client: TimestreamQueryClient | TimestreamWriteClient): void {
  let refreshedMs = -Infinity;
  let refreshing: Promise<unknown> = Promise.resolve();
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (classifyAwsError(error) !== ErrorKind.Unauthorized) throw error;
        // A monotonic clock: the wall clock set back (NTP on a host ahead of AWS's) held off every
        // refresh, and answered 503, until it passed the last refresh's time again.
        if (performance.now() - refreshedMs >= CREDENTIALS_RETRY_MS) {
          refreshedMs = performance.now();
          // A failed refresh leaves the old credentials; the redo then says what Timestream thinks.
          refreshing = client.config.credentials({ forceRefresh: true }).catch(() => undefined);
        }
        await refreshing;
        try {
          return await next(args);
        } catch (again) {
          if (classifyAwsError(again) === ErrorKind.Unauthorized)
            Object.assign(again as object, { $retryable: { throttling: false } });
          throw again;
        }
      }
    },
    { step: 'initialize', name: 'refreshRefusedCredentials' },
  );
}

type EndpointCache = TimestreamQueryClient['config']['endpointCache'];

/**
 * Keeps the client's discovered endpoints itself, in the cache the SDK's endpoint-discovery
 * middleware reads, so that middleware always finds some and never discovers or queues a call.
 * - Discovers when the cache has none: one DescribeEndpoints call for all the calls that find none.
 *   NOTE: the SDK's queue of calls waiting for a discovery is shared by every client in the
 *   process and keyed by access key id alone: a refused DescribeEndpoints of one identity (a wrong
 *   secret with a working key id) failed the waiting calls of the identity whose keys work.
 * - Drops them when one is stale (isStaleEndpoint: an InvalidEndpointException, a name that no
 *   longer resolves), as botocore does on a 421; the SDK never evicts one, so a retired cell had
 *   every call fail until the cache period DescribeEndpoints gave (1440 minutes) ran out. A call
 *   Timestream refused without doing it is redone once on the endpoint discovered again, so a read
 *   is not failed (Prometheus does not resend reads); an unreachable one has had the SDK's retries.
 */
function discoverEndpoints(
  client: TimestreamQueryClient | TimestreamWriteClient,
  describe: () => Promise<{ Endpoints?: Endpoint[] }>,
): void {
  let discovering: Promise<void> | undefined;
  const discover = async (key: string) => {
    try {
      // Stored as the SDK's middleware stores them: the model types every member as optional.
      const endpoints = (await describe()).Endpoints ?? [];
      client.config.endpointCache.set(key, endpoints as Parameters<EndpointCache['set']>[1]);
    } catch (error) {
      // As the SDK's middleware throws it (errors.ts: discoveryReason).
      throw Object.assign(
        new Error(
          'The operation to discover endpoint failed. Please retry, or provide a custom endpoint and disable endpoint discovery to proceed.',
        ),
        { reason: error },
      );
    }
  };
  const ensureEndpoints = async () => {
    // The SDK middleware's cache key for an operation without identifiers (all of Timestream's).
    const key = JSON.stringify({ accessKeyId: (await client.config.credentials()).accessKeyId });
    if (client.config.endpointCache.getEndpoint(key)) return;
    discovering ??= discover(key).finally(() => (discovering = undefined));
    await discovering;
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'DescribeEndpointsCommand') return next(args);
      await ensureEndpoints();
      try {
        return await next(args);
      } catch (error) {
        if (!isStaleEndpoint(error)) throw error;
        client.config.endpointCache.clear();
        if (!isInvalidEndpoint(error)) throw error;
        await ensureEndpoints();
        return await next(args);
      }
    },
    { step: 'initialize', name: 'discoverEndpoints' },
  );
}

function makeHandler(maxSockets: number, requestTimeoutMs: number): NodeHttpHandler {
  // maxFreeSockets: node:http keeps only 256 idle sockets by default (maxSockets is 4 × the
  // concurrency, 400 by default) and closes the rest, so each wider burst of retries reconnected.
  const agentOptions = {
    keepAlive: true,
    maxSockets,
    maxFreeSockets: maxSockets,
    keepAliveMsecs: TCP_KEEPALIVE_DELAY_MS,
  };
  return new NodeHttpHandler({
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent(agentOptions),
    connectionTimeout: DEFAULT_CONNECT_TIMEOUT_MS,
    // NOTE: since @smithy/node-http-handler 4.x requestTimeout only warns unless told to throw, and
    // it stops at the response headers; socketTimeout also ends a response body that stalls.
    requestTimeout: requestTimeoutMs,
    throwOnRequestTimeout: true,
    socketTimeout: requestTimeoutMs,
  });
}

/** The fast path keeps the SDK handler's timeouts: a connect timeout and a per-attempt socket timeout. */
function makeFastClient(maxSockets: number, timeoutMs: number): Http1Client {
  return new Http1Client({ maxSockets, timeoutMs, connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS });
}

/** A digest of the credentials, so the cache never keeps secrets as keys. */
function identityKey(credentials: RequestCredentials | undefined): string {
  if (credentials === undefined) return 'default-chain';
  return createHash('sha256')
    .update(credentials.accessKeyId)
    .update('\0')
    .update(credentials.secretAccessKey)
    .update('\0')
    .update(credentials.sessionToken ?? '')
    .digest('base64');
}
