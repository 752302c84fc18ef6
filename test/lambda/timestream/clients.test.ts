// SPDX-License-Identifier: Apache-2.0
import { createServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RequestCredentials } from '../../../lambda/core/auth';
import {
  ClientCache,
  MAX_CACHED_IDENTITIES,
  type ClientSettings,
  type TimestreamClients,
} from '../../../lambda/timestream/clients';
import { ErrorKind } from '../../../lambda/core/errors';
import { classifyAwsError } from '../../../lambda/timestream/errors';
import { CREDENTIALS_RETRY_MS } from '../../../lambda/timestream/fast-call';
import { CREDENTIALS_FAILURE_HOLD_MS } from '../../../lambda/timestream/own-credentials';
import { DEFAULT_CONNECT_TIMEOUT_MS, TCP_KEEPALIVE_DELAY_MS } from '../../../lambda/timestream/http1-client';
import { toWriteBatches } from '../../../lambda/timestream/records';
import { writeBatches } from '../../../lambda/timestream/writer';
import { CaptureLogger } from '../../support/capture-logger';
import { listen, within, type Answer, type Seen, type TestServer } from '../../support/recording-server';

// Nothing listens on these ports: the tests that send requests point the cache at stand-ins below.
const SETTINGS: ClientSettings = {
  region: 'eu-west-1',
  writeEndpoint: 'http://127.0.0.1:1111',
  queryEndpoint: 'http://127.0.0.1:2222',
  maxWriteRetries: 2,
  maxReadRetries: 5,
  writeTimeoutMs: 10_000,
  readTimeoutMs: 60_000,
  maxSockets: 4,
};

const KEY: RequestCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

let cache: ClientCache;
beforeEach(() => {
  cache = new ClientCache(SETTINGS);
});
afterEach(() => cache.destroy());

function identity(n: number): RequestCredentials {
  return { accessKeyId: `AKID${n}`, secretAccessKey: 'secret' };
}

describe('ClientCache.get', () => {
  test('returns the same clients for the same credentials, given as another object', () => {
    const first = cache.get(KEY);
    expect(cache.get({ ...KEY })).toBe(first);
    expect(cache.get(undefined)).toBe(cache.get(undefined));
    expect(cache.get(undefined)).not.toBe(first);
    expect(cache.size).toBe(2);
  });

  test.each<{ name: string; other: RequestCredentials }>([
    { name: 'another access key id', other: { ...KEY, accessKeyId: 'AKIDOTHER' } },
    { name: 'another secret', other: { ...KEY, secretAccessKey: 'other' } },
    { name: 'a session token', other: { ...KEY, sessionToken: 'token' } },
    {
      name: 'the same characters split elsewhere between id and secret',
      other: { accessKeyId: 'AKIDEXAMPLEs', secretAccessKey: 'ecret' },
    },
    {
      name: 'the same characters split elsewhere between secret and token',
      other: { ...KEY, secretAccessKey: 'secre', sessionToken: 't' },
    },
  ])('builds other clients for $name', ({ other }) => {
    expect(cache.get(other)).not.toBe(cache.get(KEY));
    expect(cache.size).toBe(2);
  });

  test(`keeps ${MAX_CACHED_IDENTITIES} identities and drops the least recently used first`, () => {
    expect(MAX_CACHED_IDENTITIES).toBe(64);
    const first = cache.get(identity(0));
    const second = cache.get(identity(1));
    for (let n = 2; n < MAX_CACHED_IDENTITIES; n++) cache.get(identity(n));
    expect(cache.size).toBe(MAX_CACHED_IDENTITIES);
    expect(cache.get(identity(0))).toBe(first); // now the most recently used

    cache.get(identity(MAX_CACHED_IDENTITIES));
    expect(cache.size).toBe(MAX_CACHED_IDENTITIES);
    expect(cache.get(identity(0))).toBe(first);
    expect(cache.get(identity(1))).not.toBe(second); // it was the oldest, so it was rebuilt
    expect(cache.size).toBe(MAX_CACHED_IDENTITIES);
  });

  test('destroy empties the cache', () => {
    cache.get(KEY);
    cache.get(undefined);
    cache.destroy();
    expect(cache.size).toBe(0);
  });
});

describe('ClientCache: the SDK clients it builds', () => {
  test('sign with the request credentials, in the configured region', async () => {
    const { write, query } = cache.get({ ...KEY, sessionToken: 'token' });
    for (const client of [write, query]) {
      expect(await client.config.credentials({})).toMatchObject({
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'token',
      });
      expect(await client.config.region()).toBe('eu-west-1');
    }
  });

  test('try max_write_retries + 1 and max_read_retries + 1 times, each at its own endpoint', async () => {
    const { write, query } = cache.get(KEY);
    expect(await write.config.maxAttempts()).toBe(3);
    expect(await query.config.maxAttempts()).toBe(6);
    expect(await write.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 1111 });
    expect(await query.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 2222 });
  });

  test('share one HTTP handler per direction across identities', () => {
    const a = cache.get(KEY);
    const b = cache.get(undefined);
    expect(a.write.config.requestHandler).toBe(b.write.config.requestHandler);
    expect(a.query.config.requestHandler).toBe(b.query.config.requestHandler);
    expect(a.write.config.requestHandler).not.toBe(a.query.config.requestHandler);
  });

  // NOTE: the handler resolves its options on its first request; one refused connection is enough.
  test.each([
    { direction: 'write' as const, timeoutMs: SETTINGS.writeTimeoutMs },
    { direction: 'query' as const, timeoutMs: SETTINGS.readTimeoutMs },
  ])(
    'give the $direction client a handler with keep-alive sockets up to maxSockets and its own timeout, thrown on expiry',
    async ({ direction, timeoutMs }) => {
      const handler = cache.get(KEY)[direction].config.requestHandler as NodeHttpHandler;
      const refused = { protocol: 'http:', hostname: '127.0.0.1', port: 1, method: 'GET', path: '/' };
      await expect(
        handler.handle({ ...refused, headers: {}, query: {} } as Parameters<NodeHttpHandler['handle']>[0]),
      ).rejects.toThrow('ECONNREFUSED');
      const config = handler.httpHandlerConfigs();
      expect(config).toMatchObject({
        connectionTimeout: DEFAULT_CONNECT_TIMEOUT_MS,
        requestTimeout: timeoutMs,
        socketTimeout: timeoutMs,
        throwOnRequestTimeout: true,
      });
      for (const agent of [config.httpAgent, config.httpsAgent]) {
        expect(agent).toMatchObject({
          keepAlive: true,
          maxSockets: 4,
          maxFreeSockets: 4,
          keepAliveMsecs: TCP_KEEPALIVE_DELAY_MS,
        });
      }
    },
  );
});

// NOTE: node:http's Agent keeps at most 256 idle sockets by default (maxFreeSockets) and closes the
// rest, so a burst of SDK retries wider than that reconnected, leaving sockets in TIME_WAIT.
test('the SDK handler keeps every socket of a burst as wide as maxSockets alive for the next one', async () => {
  const width = 300;
  const held: (() => void)[] = [];
  const server = await listen(createServer(), (_req, res) => {
    held.push(() => answer(res, 200, {}));
    if (held.length === width) for (const release of held.splice(0)) release();
  });
  const wide = new ClientCache({ ...SETTINGS, maxSockets: width });
  try {
    const handler = wide.get(KEY).write.config.requestHandler as NodeHttpHandler;
    const request = {
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: server.port,
      method: 'POST',
      path: '/',
    };
    const burst = () =>
      Promise.all(
        Array.from({ length: width }, () =>
          handler
            .handle({ ...request, headers: {}, query: {}, body: '{}' } as Parameters<
              NodeHttpHandler['handle']
            >[0])
            .then(
              ({ response }) =>
                new Promise((done) => (response.body as NodeJS.ReadableStream).resume().on('end', done)),
            ),
        ),
      );
    expect(await within(20_000, burst())).not.toBe('hung');
    await delay(100);
    expect(openSockets(server)).toBe(width);
    expect(await within(20_000, burst())).not.toBe('hung');
    expect(server.connections).toBe(width);
  } finally {
    wide.destroy();
    await server.close();
  }
});

// The stand-in Timestream below is a real node:http server on 127.0.0.1: the fast paths keep
// their handlers, timeouts and endpoints private, so what they were given shows only on the wire.
// NOTE: waits use node:timers/promises, which jest's fake timers leave alone.

const TARGET = { database: 'PrometheusDatabase', table: 'PrometheusMetricsTable' };
const [BATCH] = toWriteBatches(
  [{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1_700_000_000_000 }] }],
  { failOnLongLabel: false, failOnInvalidSampleValue: false },
).batches;

/** Polls `done` every 10 ms for up to `ms`; whether it came true. */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  for (const end = performance.now() + ms; !done(); await delay(10))
    if (performance.now() > end) return false;
  return true;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}

/** The SDK marks every request with an invocation id; the fast path sends none. */
const bySdk = (seen: Seen) => seen.headers['amz-sdk-invocation-id'] !== undefined;

/** What identifies a call on the wire: its operation, Host, path, and which path sent it. */
const call = (seen: Seen) => ({
  target: seen.headers['x-amz-target'],
  host: seen.headers.host,
  url: seen.url,
  path: bySdk(seen) ? 'sdk' : 'fast',
});

/** Answers WriteRecords and Query as Timestream does; a 500 to the fast path's when `refuseFast`. */
const timestream =
  (refuseFast: boolean): Answer =>
  (_req, res, seen) => {
    if (refuseFast && !bySdk(seen))
      return answer(res, 500, {
        __type: 'com.amazonaws.timestream.v20181101#InternalServerException',
        message: 'x',
      });
    if (seen.headers['x-amz-target'] === 'Timestream_20181101.Query')
      return answer(res, 200, { QueryId: 'q', ColumnInfo: [], Rows: [] });
    answer(res, 200, { RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
  };

const openSockets = (server: TestServer) => server.sockets.filter((socket) => !socket.destroyed).length;

describe('ClientCache: the fast paths it builds, against a stand-in Timestream', () => {
  let writeServer: TestServer;
  let queryServer: TestServer;

  async function standIns(write: Answer, query: Answer, settings: Partial<ClientSettings> = {}) {
    writeServer = await listen(createServer(), write);
    queryServer = await listen(createServer(), query);
    cache.destroy();
    cache = new ClientCache({
      ...SETTINGS,
      writeEndpoint: `http://127.0.0.1:${writeServer.port}`,
      queryEndpoint: `http://127.0.0.1:${queryServer.port}`,
      ...settings,
    });
  }

  afterEach(async () => {
    cache.destroy();
    await writeServer?.close();
    await queryServer?.close();
  });

  test('send WriteRecords and Query on the fast paths, each to its own endpoint, signed for its host, without discovery', async () => {
    await standIns(timestream(false), timestream(false));
    const clients = cache.get(KEY);
    await clients.writeRecords.send(TARGET, BATCH!);
    await clients.queryPages.scannedPage('SELECT 1', undefined, undefined, () => undefined);
    const fast = (server: TestServer, target: string) => ({
      target,
      host: `127.0.0.1:${server.port}`,
      url: '/',
      path: 'fast',
    });
    expect(writeServer.seen.map(call)).toEqual([fast(writeServer, 'Timestream_20181101.WriteRecords')]);
    expect(queryServer.seen.map(call)).toEqual([fast(queryServer, 'Timestream_20181101.Query')]);
    for (const { headers } of [...writeServer.seen, ...queryServer.seen])
      expect(headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/timestream\/aws4_request, /,
      );
  });

  test('give up a stalled WriteRecords call after --write-timeout, not the read timeout, as retryable (503)', async () => {
    await standIns(
      () => undefined, // accepts every call and never answers
      timestream(false),
      { writeTimeoutMs: 200, readTimeoutMs: 20_000, maxWriteRetries: 0 },
    );
    const started = performance.now();
    const outcome = await within(
      4000,
      writeBatches(cache.get(KEY).writeRecords, TARGET, [BATCH!], { concurrency: 1 }),
    );
    const tookMs = performance.now() - started;
    expect(outcome).toMatchObject({ written: 0, refused: 0, failure: { kind: 'retryable', status: 503 } });
    expect(outcome !== 'hung' && outcome.failure?.message).toMatch(
      /^Timestream WriteRecords failed: TimeoutError: /,
    );
    // The fast attempt timed out first, then the SDK's own attempt did; each waited the write timeout.
    expect(writeServer.seen.map(call).map((c) => c.path)).toEqual(['fast', 'sdk']);
    expect(tookMs).toBeGreaterThanOrEqual(300);
    expect(queryServer.seen).toEqual([]);
  });

  test('destroy closes the keep-alive sockets of both paths in both directions', async () => {
    await standIns(timestream(true), timestream(true));
    const clients = cache.get(KEY);
    await clients.writeRecords.send(TARGET, BATCH!);
    await clients.queryPages.scannedPage('SELECT 1', undefined, undefined, () => undefined);
    for (const server of [writeServer, queryServer]) {
      // The fast attempt was refused with a 500, so the SDK redid the call on a socket of its own.
      expect(server.seen.map((seen) => [call(seen).path, seen.connection])).toEqual([
        ['fast', 0],
        ['sdk', 1],
      ]);
      expect(openSockets(server)).toBe(2);
    }
    cache.destroy();
    await until(() => openSockets(writeServer) + openSockets(queryServer) === 0, 2000);
    expect([openSockets(writeServer), openSockets(queryServer)]).toEqual([0, 0]);
  });

  describe('identities Timestream refuses', () => {
    const good = (n: number): RequestCredentials => ({ accessKeyId: `GOOD${n}`, secretAccessKey: 's' });
    const wrong = (n: number): RequestCredentials => ({ accessKeyId: `WRONG${n}`, secretAccessKey: 's' });
    /** Timestream's answer to a call signed with `WRONG…` keys; calls with others go to `accepted`. */
    const refusingWrong =
      (accepted: Answer): Answer =>
      (req, res, seen) => {
        if (!String(seen.headers.authorization).includes('Credential=WRONG')) return accepted(req, res, seen);
        answer(res, 403, {
          __type: 'com.amazonaws.timestream.v20181101#InvalidSignatureException',
          message: 'The request signature we calculated does not match the signature you provided.',
        });
      };

    test.each([
      { path: 'fast', refuseFast: false },
      { path: 'SDK', refuseFast: true },
    ])(
      'do not evict the clients of identities Timestream accepted (on the $path path)',
      async ({ refuseFast }) => {
        await standIns(refusingWrong(timestream(refuseFast)), refusingWrong(timestream(refuseFast)));
        const warm: TimestreamClients[] = [];
        for (let n = 0; n < MAX_CACHED_IDENTITIES; n++) {
          warm.push(cache.get(good(n)));
          await warm[n]!.writeRecords.send(TARGET, BATCH!);
        }
        // Twice as many wrong identities as the cache keeps, as a spray of guessed keys sends them.
        for (let n = 0; n < 2 * MAX_CACHED_IDENTITIES; n++) {
          await expect(cache.get(wrong(n)).writeRecords.send(TARGET, BATCH!)).rejects.toMatchObject({
            name: 'InvalidSignatureException',
          });
        }
        const rebuilt = warm.filter((clients, n) => cache.get(good(n)) !== clients).length;
        expect(rebuilt).toBe(0);
        expect(cache.size).toBe(2 * MAX_CACHED_IDENTITIES);
      },
    );

    test('an identity once accepted joins the accepted ones, dropping their least recently used', async () => {
      await standIns(refusingWrong(timestream(false)), refusingWrong(timestream(false)));
      const warm: TimestreamClients[] = [];
      for (let n = 0; n <= MAX_CACHED_IDENTITIES; n++) {
        warm.push(cache.get(good(n)));
        await warm[n]!.queryPages.scannedPage('SELECT 1', undefined, undefined, () => undefined);
      }
      const rebuilt = warm.filter((clients, n) => cache.get(good(n)) !== clients).length;
      expect(rebuilt).toBe(1); // good(0), the least recently used
      expect(cache.size).toBe(MAX_CACHED_IDENTITIES + 1); // good(0) again, not accepted yet
    });
  });

  describe('with fake timers', () => {
    afterEach(() => jest.useRealTimers());

    test(`give the fast write path ${DEFAULT_CONNECT_TIMEOUT_MS} ms to connect, TLS handshake included`, async () => {
      // A TCP server that accepts and never answers the TLS handshake.
      const accepted: Socket[] = [];
      const silent = createNetServer((socket) => accepted.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      // Only setTimeout is faked (the fast path's connect timer is one): socket idle timeouts and
      // the waits here keep real time.
      jest.useFakeTimers({
        doNotFake: [
          'Date',
          'hrtime',
          'nextTick',
          'performance',
          'queueMicrotask',
          'setImmediate',
          'clearImmediate',
          'setInterval',
          'clearInterval',
        ],
      });
      try {
        cache.destroy();
        cache = new ClientCache({
          ...SETTINGS,
          writeEndpoint: `https://127.0.0.1:${(silent.address() as AddressInfo).port}`,
          writeTimeoutMs: 60_000,
          maxWriteRetries: 0,
        });
        const sending = cache
          .get(KEY)
          .writeRecords.send(TARGET, BATCH!)
          .catch((error: Error) => error);
        expect(await until(() => accepted.length === 1, 2000)).toBe(true);

        jest.advanceTimersByTime(DEFAULT_CONNECT_TIMEOUT_MS - 1);
        await delay(100);
        expect(accepted.length).toBe(1); // the fast attempt still waits for the handshake

        jest.advanceTimersByTime(1);
        // It gave up, and the SDK redoes the call on a connection of its own.
        expect(await until(() => accepted.length === 2, 2000)).toBe(true);
        cache.destroy();
        expect(await within(2000, sending)).toBeInstanceOf(Error);
      } finally {
        for (const socket of accepted) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  });
});

// Without explicit endpoints the SDK clients discover cell endpoints. The stand-in below answers
// on the client's own handler, so no name has to resolve: DescribeEndpoints names `cell1` first and
// `cell2` after, and `cell1` has stopped serving, as a retired Timestream cell answers.
describe('ClientCache: endpoint discovery (no explicit endpoints)', () => {
  const HOST = 'timestream.eu-west-1.amazonaws.com';

  function cells(hosts: string[], unreachable?: string) {
    let described = 0;
    return {
      handle: async (request: { hostname: string; headers: Record<string, string> }) => {
        hosts.push(request.hostname);
        const target = request.headers['x-amz-target'];
        const json = (statusCode: number, body: unknown) => ({
          response: {
            statusCode,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Buffer.from(JSON.stringify(body)),
          },
        });
        if (target === 'Timestream_20181101.DescribeEndpoints') {
          const cell = ++described === 1 ? 'cell1' : 'cell2';
          const kind = request.hostname.split('.')[0];
          return json(200, {
            Endpoints: [{ Address: `${kind}-${cell}.${HOST}`, CachePeriodInMinutes: 1440 }],
          });
        }
        if (request.hostname.includes('-cell1.') && unreachable !== undefined)
          throw Object.assign(new Error(`getaddrinfo ${unreachable} ${request.hostname}`), {
            code: unreachable,
          });
        if (request.hostname.includes('-cell1.'))
          return json(421, {
            __type: 'com.amazonaws.timestream.v20181101#InvalidEndpointException',
            message: 'The endpoint is not valid.',
          });
        if (target === 'Timestream_20181101.Query')
          return json(200, { QueryId: 'q', ColumnInfo: [], Rows: [] });
        return json(200, { RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };
  }

  test.each([
    {
      direction: 'write' as const,
      kind: 'ingest',
      send: (c: TimestreamClients) =>
        c.write.send(
          new WriteRecordsCommand({
            DatabaseName: TARGET.database,
            TableName: TARGET.table,
            Records: [{ MeasureName: 'up', MeasureValue: '1', Time: '1' }],
          }),
        ),
    },
    {
      direction: 'query' as const,
      kind: 'query',
      send: (c: TimestreamClients) => c.query.send(new QueryCommand({ QueryString: 'SELECT 1' })),
    },
  ])(
    'the $direction client discovers again and redoes the call once the discovered endpoint answers InvalidEndpointException',
    async ({ direction, kind, send }) => {
      cache.destroy();
      cache = new ClientCache({ ...SETTINGS, writeEndpoint: undefined, queryEndpoint: undefined });
      const clients = cache.get(KEY);
      const hosts: string[] = [];
      (clients[direction].config as { requestHandler: unknown }).requestHandler = cells(hosts);

      await expect(send(clients)).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
      expect(hosts).toEqual([
        `${kind}.${HOST}`,
        `${kind}-cell1.${HOST}`,
        `${kind}.${HOST}`,
        `${kind}-cell2.${HOST}`,
      ]);
    },
  );

  test('the redo is done once: a call whose endpoints all answer InvalidEndpointException fails with it', async () => {
    cache.destroy();
    cache = new ClientCache({ ...SETTINGS, writeEndpoint: undefined, queryEndpoint: undefined });
    const clients = cache.get(KEY);
    const hosts: string[] = [];
    const stale = cells(hosts);
    (clients.query.config as { requestHandler: unknown }).requestHandler = {
      ...stale,
      handle: (request: { hostname: string; headers: Record<string, string> }) =>
        stale.handle({ ...request, hostname: request.hostname.replace('-cell2.', '-cell1.') }),
    };

    await expect(clients.query.send(new QueryCommand({ QueryString: 'SELECT 1' }))).rejects.toMatchObject({
      name: 'InvalidEndpointException',
    });
    expect(hosts).toEqual([`query.${HOST}`, `query-cell1.${HOST}`, `query.${HOST}`, `query-cell1.${HOST}`]);
  });

  test('another identity with the same access key id whose discovery is refused fails none of the calls waiting for this one’s', async () => {
    cache.destroy();
    cache = new ClientCache({ ...SETTINGS, writeEndpoint: undefined, queryEndpoint: undefined });
    const good = cache.get(KEY);
    const wrong = cache.get({ ...KEY, secretAccessKey: 'wrong' });
    const json = (statusCode: number, body: unknown) => ({
      response: {
        statusCode,
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: Buffer.from(JSON.stringify(body)),
      },
    });
    const standIn = (handle: (target: string) => Promise<ReturnType<typeof json>>) => ({
      handle: (request: { headers: Record<string, string> }) => handle(request.headers['x-amz-target']!),
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    });
    // The good key's DescribeEndpoints answers after the wrong secret's is refused.
    let described = 0;
    (good.query.config as { requestHandler: unknown }).requestHandler = standIn(async (target) => {
      if (target !== 'Timestream_20181101.DescribeEndpoints')
        return json(200, { QueryId: 'q', ColumnInfo: [], Rows: [] });
      described++;
      await delay(100);
      return json(200, { Endpoints: [{ Address: `query-cell2.${HOST}`, CachePeriodInMinutes: 1440 }] });
    });
    (wrong.query.config as { requestHandler: unknown }).requestHandler = standIn(async () => {
      await delay(10);
      return json(403, {
        __type: 'com.amazonaws.timestream.v20181101#InvalidSignatureException',
        message: 'The request signature we calculated does not match the signature you provided.',
      });
    });
    const query = (clients: TimestreamClients) =>
      clients.query.send(new QueryCommand({ QueryString: 'SELECT 1' })).then(
        () => 'ok',
        (error: Error & { reason?: Error }) => error.reason?.name ?? error.name,
      );

    // The good key's second call waits for the discovery its first call started.
    const answers = await Promise.all([query(good), query(good), query(wrong)]);
    expect(answers).toEqual(['ok', 'ok', 'InvalidSignatureException']);
    expect(described).toBe(1);
  });

  test.each(['ENOTFOUND', 'ECONNREFUSED'])(
    'the query client discovers again after the discovered endpoint cannot be reached (%s)',
    async (code) => {
      cache.destroy();
      cache = new ClientCache({
        ...SETTINGS,
        writeEndpoint: undefined,
        queryEndpoint: undefined,
        maxReadRetries: 0,
      });
      const clients = cache.get(KEY);
      const hosts: string[] = [];
      (clients.query.config as { requestHandler: unknown }).requestHandler = cells(hosts, code);
      const query = () => clients.query.send(new QueryCommand({ QueryString: 'SELECT 1' }));

      await expect(query()).rejects.toMatchObject({ code });
      await expect(query()).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
      expect(hosts).toEqual([`query.${HOST}`, `query-cell1.${HOST}`, `query.${HOST}`, `query-cell2.${HOST}`]);
    },
  );
});

/**
 * What the default chain's providers say when none gives credentials (the instance metadata
 * provider, its last link, does not say why: a role without credentials here).
 */
const REASONS = [
  'Unable to find environment variable credentials.',
  'Skipping SSO provider in default chain (inputs do not include SSO fields).',
  'Could not resolve credentials using profile: [default] in configuration/credentials file(s).',
  'Profile default could not be found in shared credentials file.',
  'Web identity configuration not specified',
  'Could not load credentials from any providers',
];

// SigV4 mode: the clients of the default chain (no request credentials) get the connector's own
// credentials from the SDK's real provider chain, here from a stand-in EC2 instance metadata
// service (IMDSv2) whose role credentials the test rotates, with a stand-in Timestream that
// accepts only the pairs the test names.
describe('ClientCache: the connector’s own credentials (default chain) refused by Timestream', () => {
  const CHAIN_ENV = [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_EC2_METADATA_DISABLED',
    'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  ];
  const saved = Object.fromEntries(CHAIN_ENV.map((name) => [name, process.env[name]]));
  let imds: TestServer;
  let writeServer: TestServer;
  /** The pair the metadata service hands out, and the pairs the stand-in Timestream accepts. */
  let served = 'ASIAFIRST';
  let accepted = new Set<string>();
  /** Pairs the stand-in Timestream knows but does not allow (AccessDeniedException). */
  let denied = new Set<string>();
  /** The metadata service has no credentials for the role (404), as when the role was detached. */
  let roleMissing = false;

  beforeEach(async () => {
    for (const name of CHAIN_ENV) delete process.env[name];
    // No shared files: the chain must reach the instance metadata service.
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    served = 'ASIAFIRST';
    accepted = new Set(['ASIAFIRST']);
    denied = new Set();
    roleMissing = false;
    imds = await listen(createServer(), (req, res) => {
      if (req.method === 'PUT' && req.url === '/latest/api/token') return void res.end('imds-token');
      if (req.url === '/latest/meta-data/iam/security-credentials/') return void res.end('the-role');
      if (roleMissing) return void ((res.statusCode = 404), res.end('Not Found'));
      res.end(
        JSON.stringify({
          Code: 'Success',
          Type: 'AWS-HMAC',
          AccessKeyId: served,
          SecretAccessKey: 'secret',
          Token: `token-of-${served}`,
          Expiration: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      );
    });
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = `http://127.0.0.1:${imds.port}`;
    writeServer = await listen(createServer(), (_req, res, seen) => {
      const key = /Credential=(\w+)\//.exec(String(seen.headers.authorization))?.[1] ?? '';
      if (denied.has(key))
        return answer(res, 400, {
          __type: 'com.amazonaws.timestream.v20181101#AccessDeniedException',
          message: 'User is not authorized to perform: timestream:WriteRecords',
        });
      if (!accepted.has(key))
        return answer(res, 403, {
          __type: 'com.amazonaws.timestream.v20181101#UnrecognizedClientException',
          message: 'The security token included in the request is invalid.',
        });
      answer(res, 200, { RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } });
    });
    cache.destroy();
    cache = new ClientCache({ ...SETTINGS, writeEndpoint: `http://127.0.0.1:${writeServer.port}` });
  });

  afterEach(async () => {
    cache.destroy();
    await imds.close();
    await writeServer.close();
    for (const name of CHAIN_ENV)
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
  });

  const credentialFetches = () =>
    imds.seen.filter((s) => s.url === '/latest/meta-data/iam/security-credentials/the-role').length;
  const keys = () =>
    writeServer.seen.map((s) => [
      /Credential=(\w+)\//.exec(String(s.headers.authorization))?.[1],
      bySdk(s) ? 'sdk' : 'fast',
    ]);

  test('a pair revoked before it expires is replaced by the chain’s new one and the call redone', async () => {
    const { writeRecords } = cache.get(undefined);
    await writeRecords.send(TARGET, BATCH!);
    served = 'ASIASECOND';
    accepted = new Set(['ASIASECOND']);

    const outcome = await writeBatches(writeRecords, TARGET, [BATCH!], { concurrency: 1 });
    await writeRecords.send(TARGET, BATCH!);

    expect(outcome).toEqual({ written: 1, refused: 0, reasons: [], calls: 1 });
    expect(keys()).toEqual([
      ['ASIAFIRST', 'fast'],
      ['ASIAFIRST', 'fast'],
      ['ASIAFIRST', 'sdk'],
      ['ASIASECOND', 'sdk'],
      ['ASIASECOND', 'fast'],
    ]);
    expect(credentialFetches()).toBe(2);
  });

  test('a pair refused again after the refresh answers 503 (Prometheus resends), not 401 (it drops)', async () => {
    const { writeRecords } = cache.get(undefined);
    accepted = new Set();

    const first = await writeBatches(writeRecords, TARGET, [BATCH!], { concurrency: 1 });
    const second = await writeBatches(writeRecords, TARGET, [BATCH!], { concurrency: 1 });

    for (const outcome of [first, second]) {
      expect(outcome).toMatchObject({ written: 0, failure: { kind: 'retryable', status: 503 } });
      expect(outcome.failure?.message).toBe(
        'Timestream WriteRecords failed: UnrecognizedClientException: The security token included in the request is invalid.',
      );
    }
    // One refresh for both requests: refused keys cost no metadata request per call.
    expect(credentialFetches()).toBe(2);
  });

  test('a wall clock set back after a refresh holds off the next one no longer than CREDENTIALS_RETRY_MS', async () => {
    const { writeRecords } = cache.get(undefined);
    accepted = new Set();
    const first = await writeBatches(writeRecords, TARGET, [BATCH!], { concurrency: 1 });
    expect(first).toMatchObject({ written: 0, failure: { kind: 'retryable', status: 503 } });
    served = 'ASIASECOND';
    accepted = new Set(['ASIASECOND']);
    // NTP steps the wall clock back an hour (a host clock ahead of AWS's) while more than the
    // window passes: the chain's new pair must be fetched, not 503s answered for an hour.
    const wallMs = Date.now.bind(Date);
    const monotonicMs = performance.now.bind(performance);
    jest.spyOn(Date, 'now').mockImplementation(() => wallMs() - 3_600_000);
    jest.spyOn(performance, 'now').mockImplementation(() => monotonicMs() + CREDENTIALS_RETRY_MS);
    try {
      const second = await writeBatches(writeRecords, TARGET, [BATCH!], { concurrency: 1 });
      expect(second).toEqual({ written: 1, refused: 0, reasons: [], calls: 1 });
    } finally {
      jest.restoreAllMocks();
    }
    expect(credentialFetches()).toBe(3);
  });

  test('credentials the chain cannot load: 503s, one ask and one error line naming its reasons per burst', async () => {
    roleMissing = true;
    const logger = new CaptureLogger();
    cache.destroy();
    cache = new ClientCache({ ...SETTINGS, writeEndpoint: `http://127.0.0.1:${writeServer.port}` }, logger);
    const clients = cache.get(undefined);

    const [writes, read] = await Promise.all([
      Promise.all(
        Array.from({ length: 20 }, () =>
          writeBatches(clients.writeRecords, TARGET, [BATCH!], { concurrency: 1 }),
        ),
      ),
      clients.query.send(new QueryCommand({ QueryString: 'SELECT 1' })).then(
        () => 'ok',
        (error: unknown) => [classifyAwsError(error), (error as Error).message],
      ),
    ]);

    for (const outcome of writes) {
      expect(outcome).toMatchObject({ written: 0, failure: { kind: 'retryable', status: 503 } });
      expect(outcome.failure?.message).toBe(
        'Timestream WriteRecords failed: CredentialsProviderError: Could not load credentials from any providers',
      );
    }
    expect(read).toEqual([ErrorKind.Retryable, 'Could not load credentials from any providers']);
    // One ask of the chain for the write and the query client and every call of the burst.
    expect(credentialFetches()).toBe(1);
    expect(writeServer.seen).toHaveLength(0);
    expect(logger.lines).toEqual([
      {
        level: 'error',
        msg: "the connector's own AWS credentials could not be loaded (default credential provider chain)",
        fields: { reasons: REASONS },
      },
    ]);

    // The role's credentials are back: the first call after the hold uses them.
    roleMissing = false;
    const monotonicMs = performance.now.bind(performance);
    jest.spyOn(performance, 'now').mockImplementation(() => monotonicMs() + CREDENTIALS_FAILURE_HOLD_MS);
    try {
      const later = await writeBatches(clients.writeRecords, TARGET, [BATCH!], { concurrency: 1 });
      expect(later).toEqual({ written: 1, refused: 0, reasons: [], calls: 1 });
    } finally {
      jest.restoreAllMocks();
    }
    expect(credentialFetches()).toBe(2);
    expect(logger.lines.map((l) => [l.level, l.msg])).toEqual([
      [
        'error',
        "the connector's own AWS credentials could not be loaded (default credential provider chain)",
      ],
      ['info', "the connector's own AWS credentials loaded again"],
    ]);
  });

  // Through the SDK, as a read's Query is (a write's fast path answers AccessDenied itself).
  const sdkWrite = (clients: TimestreamClients) =>
    clients.write
      .send(
        new WriteRecordsCommand({
          DatabaseName: TARGET.database,
          TableName: TARGET.table,
          CommonAttributes: BATCH!.commonAttributes,
          Records: BATCH!.records,
        }),
      )
      .then(
        () => 'written',
        (error: unknown) => [classifyAwsError(error), (error as { name: string }).name],
      );

  test('a pair Timestream does not allow stays 403 (AccessDeniedException), with no refresh or redo', async () => {
    denied = new Set(['ASIAFIRST']);
    expect(await sdkWrite(cache.get(undefined))).toEqual([ErrorKind.Forbidden, 'AccessDeniedException']);
    expect([writeServer.seen.length, credentialFetches()]).toEqual([1, 1]);
  });

  test('a basic-auth pair Timestream refuses stays 401: only the connector’s own are refreshed', async () => {
    accepted = new Set();
    expect(await sdkWrite(cache.get(KEY))).toEqual([ErrorKind.Unauthorized, 'UnrecognizedClientException']);
    expect([writeServer.seen.length, credentialFetches()]).toEqual([1, 0]);
  });

  test('without explicit endpoints, DescribeEndpoints refusing the pair also answers 503', async () => {
    cache.destroy();
    cache = new ClientCache({ ...SETTINGS, writeEndpoint: undefined, maxWriteRetries: 0 });
    const clients = cache.get(undefined);
    const targets: string[] = [];
    (clients.write.config as { requestHandler: unknown }).requestHandler = {
      handle: (request: { headers: Record<string, string> }) => {
        targets.push(request.headers['x-amz-target']);
        return Promise.resolve({
          response: {
            statusCode: 403,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Buffer.from(
              JSON.stringify({
                __type: 'com.amazonaws.timestream.v20181101#UnrecognizedClientException',
                message: 'The security token included in the request is invalid.',
              }),
            ),
          },
        });
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };

    const outcome = await writeBatches(clients.writeRecords, TARGET, [BATCH!], { concurrency: 1 });

    expect(outcome).toMatchObject({ written: 0, failure: { kind: 'retryable', status: 503 } });
    expect(outcome.failure?.message).toBe(
      'Timestream WriteRecords failed: DescribeEndpoints: UnrecognizedClientException: The security token included in the request is invalid.',
    );
    expect(new Set(targets)).toEqual(new Set(['Timestream_20181101.DescribeEndpoints']));
    expect(credentialFetches()).toBe(2);
  });
});
