// SPDX-License-Identifier: Apache-2.0
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RequestCredentials } from '../../../lambda/core/auth';
import { ClientCache, MAX_CACHED_IDENTITIES, type ClientSettings } from '../../../lambda/timestream/clients';
import { DEFAULT_CONNECT_TIMEOUT_MS, TCP_KEEPALIVE_DELAY_MS } from '../../../lambda/timestream/http1-client';

// Nothing listens on these ports: no test here sends a request.
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
          keepAliveMsecs: TCP_KEEPALIVE_DELAY_MS,
        });
      }
    },
  );
});
