// SPDX-License-Identifier: Apache-2.0
import { Readable } from 'node:stream';
import { loadJsonRpcErrorCode, type HttpRequest } from '@smithy/core/protocols';
import {
  CREDENTIALS_REFRESH_MS,
  CREDENTIALS_RETRY_MS,
  FastCall,
  type FastCallOptions,
  type RequestHandlerLike,
} from '../../../lambda/timestream/fast-call';

const TARGET = 'Timestream_20181101.WriteRecords';
const NOW = Date.parse('2026-11-22T04:05:06Z');

/** A handler that answers 200 at once and records every request. */
function recording() {
  const seen: HttpRequest[] = [];
  const handler: RequestHandlerLike = {
    handle: (request) => {
      seen.push(request);
      return Promise.resolve({ response: { statusCode: 200, body: Buffer.from('{}') } });
    },
  };
  return { handler, seen };
}

function fastCall(overrides: Partial<FastCallOptions>, handler: RequestHandlerLike): FastCall {
  return new FastCall({
    region: 'us-east-1',
    handler,
    credentials: () => Promise.resolve({ accessKeyId: 'AKID', secretAccessKey: 'secret' }),
    discover: () => Promise.reject(new Error('no discovery in this test')),
    nowMs: () => NOW,
    ...overrides,
  });
}

/**
 * Providers that count their calls: discovery answers `cell<n>.example.com` and credentials
 * `AKID<n>`, n counting from 1.
 */
function countingProviders() {
  const asked = { discover: 0, credentials: 0 };
  const options = {
    discover: () => {
      asked.discover++;
      return Promise.resolve({ address: `cell${asked.discover}.example.com`, cachePeriodInMinutes: 10 });
    },
    credentials: () => {
      asked.credentials++;
      return Promise.resolve({ accessKeyId: `AKID${asked.credentials}`, secretAccessKey: 'secret' });
    },
  };
  return { asked, options };
}

describe('FastCall', () => {
  it('hands the request to the handler synchronously once endpoint and credentials are known', async () => {
    const { handler, seen } = recording();
    const call = fastCall({ endpoint: 'http://127.0.0.1:9202' }, handler);
    await call.attempt(TARGET, '{}', undefined); // learns the credentials
    const pending = call.attempt(TARGET, '{"second":1}', undefined);
    // Before anything is awaited: the request is already with the handler.
    expect(seen.map((r) => r.body as string)).toEqual(['{}', '{"second":1}']);
    expect(await pending).toBe(true);
  });

  it.each([
    { name: 'credentials without an expiration', expiresInMs: undefined, asked: 1 },
    {
      name: 'credentials expiring after the refresh window',
      expiresInMs: CREDENTIALS_REFRESH_MS + 1,
      asked: 1,
    },
    // The SDK's memoised provider fetches on every ask inside the window (IMDS, credential_process).
    { name: 'credentials inside the refresh window', expiresInMs: CREDENTIALS_REFRESH_MS, asked: 1 },
    { name: 'credentials about to expire', expiresInMs: CREDENTIALS_RETRY_MS, asked: 3 },
  ])('asks the provider for $name $asked time(s) over three calls', async ({ expiresInMs, asked }) => {
    const { handler } = recording();
    let calls = 0;
    const call = fastCall(
      {
        endpoint: 'http://127.0.0.1:9202',
        credentials: () => {
          calls++;
          return Promise.resolve({
            accessKeyId: 'AKID',
            secretAccessKey: 'secret',
            ...(expiresInMs === undefined ? {} : { expiration: new Date(NOW + expiresInMs) }),
          });
        },
      },
      handler,
    );
    for (let i = 0; i < 3; i++) expect(await call.attempt(TARGET, '{}', undefined)).toBe(true);
    expect(calls).toBe(asked);
  });

  it('asks again for credentials inside the refresh window once they are CREDENTIALS_RETRY_MS old', async () => {
    const { handler, seen } = recording();
    let now = NOW;
    let asked = 0;
    const call = fastCall(
      {
        endpoint: 'http://127.0.0.1:9202',
        nowMs: () => now,
        credentials: () => {
          asked++;
          // A provider that keeps giving the same pair until its new one is ready.
          return Promise.resolve({
            accessKeyId: asked < 3 ? 'AKIDOLD' : 'AKIDNEW',
            secretAccessKey: 'secret',
            expiration: new Date(NOW + CREDENTIALS_REFRESH_MS - 1),
          });
        },
      },
      handler,
    );
    for (const step of [0, CREDENTIALS_RETRY_MS - 1, 1, CREDENTIALS_RETRY_MS - 1, 1]) {
      now += step;
      expect(await call.attempt(TARGET, '{}', undefined)).toBe(true);
    }
    expect(asked).toBe(3);
    expect(seen.map((r) => /Credential=(\w+)\//.exec(r.headers.authorization)?.[1])).toEqual([
      'AKIDOLD',
      'AKIDOLD',
      'AKIDOLD',
      'AKIDOLD',
      'AKIDNEW',
    ]);
  });

  it('discovers the endpoint once for a wave of concurrent calls', async () => {
    const { handler, seen } = recording();
    let discoveries = 0;
    const call = fastCall(
      {
        discover: async () => {
          discoveries++;
          await new Promise((resolve) => setTimeout(resolve, 10));
          return { address: 'ingest-cell1.timestream.us-east-1.amazonaws.com', cachePeriodInMinutes: 1 };
        },
      },
      handler,
    );
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call.attempt(TARGET, '{}', undefined)),
    );
    expect([discoveries, results.every((r) => r), seen.length]).toEqual([1, true, 20]);
    expect(seen[0].headers.host).toBe('ingest-cell1.timestream.us-east-1.amazonaws.com');
  });

  it('lets the SDK do the call when discovery fails, and discovers again next time', async () => {
    const { handler, seen } = recording();
    let discoveries = 0;
    const call = fastCall(
      {
        discover: () =>
          ++discoveries === 1
            ? Promise.reject(new Error('DescribeEndpoints failed'))
            : Promise.resolve({ address: 'ingest-cell2.timestream.us-east-1.amazonaws.com' }),
      },
      handler,
    );
    expect(await call.attempt(TARGET, '{}', undefined)).toBe(false);
    expect((await call.attemptBytes(TARGET, '{}', undefined))?.toString('utf8')).toBe('{}');
    expect([discoveries, seen.length]).toEqual([2, 1]);
  });

  it.each([201, 204, 302, 400, 500])(
    'lets the SDK do the call on a %d, which is not the 200 the operation answers',
    async (statusCode) => {
      const handler: RequestHandlerLike = {
        handle: () => Promise.resolve({ response: { statusCode, body: Buffer.from('{}') } }),
      };
      const call = fastCall({ endpoint: 'http://127.0.0.1:9202' }, handler);
      expect([
        await call.attempt(TARGET, '{}', undefined),
        await call.attemptBytes(TARGET, '{}', undefined),
      ]).toEqual([false, undefined]);
    },
  );

  /** A handler answering from `statuses` in turn (then 200), recording each request. */
  /** Answers each call with the next of `statuses` (then 200), every answer with `body`. */
  function answering(statuses: number[], body = '{}', headers: Record<string, string> = {}) {
    const seen: HttpRequest[] = [];
    const handler: RequestHandlerLike = {
      handle: (request) => {
        seen.push(request);
        return Promise.resolve({
          response: { statusCode: statuses.shift() ?? 200, headers, body: Buffer.from(body) },
        });
      },
    };
    return { handler, seen };
  }

  it('asks again for a discovered endpoint and the credentials after an InvalidEndpointException (421)', async () => {
    const { handler, seen } = answering([421]);
    const { asked, options } = countingProviders();
    const call = fastCall(options, handler);
    expect(await call.attempt(TARGET, '{}', undefined)).toBe(false);
    expect(await call.attempt(TARGET, '{}', undefined)).toBe(true);
    expect(asked).toEqual({ discover: 2, credentials: 2 });
    expect(seen.map((r) => [r.headers.host, r.headers.authorization.split('/')[0]])).toEqual([
      ['cell1.example.com', 'AWS4-HMAC-SHA256 Credential=AKID1'],
      ['cell2.example.com', 'AWS4-HMAC-SHA256 Credential=AKID2'],
    ]);
  });

  it.each(['ENOTFOUND', 'ECONNREFUSED'])(
    'asks again for a discovered endpoint that cannot be reached (%s)',
    async (code) => {
      const seen: string[] = [];
      const handler: RequestHandlerLike = {
        handle: (request) => {
          seen.push(request.hostname);
          if (request.hostname === 'cell1.example.com')
            return Promise.reject(Object.assign(new Error(`connect ${code} cell1.example.com`), { code }));
          return Promise.resolve({ response: { statusCode: 200, body: Buffer.from('{}') } });
        },
      };
      let discoveries = 0;
      const call = fastCall(
        {
          discover: () =>
            Promise.resolve({ address: `cell${++discoveries}.example.com`, cachePeriodInMinutes: 1440 }),
        },
        handler,
      );
      expect(await call.attempt(TARGET, '{}', undefined)).toBe(false);
      expect(await call.attempt(TARGET, '{}', undefined)).toBe(true);
      expect([discoveries, seen]).toEqual([2, ['cell1.example.com', 'cell2.example.com']]);
    },
  );

  // A throttled or failed call says nothing about the endpoint; DescribeEndpoints, which the SDK
  // sends each time it is asked, would otherwise be called again after every such answer.
  it('keeps a discovered endpoint after a throttled or failed answer, asking only for the credentials again', async () => {
    const { handler, seen } = answering([429, 500, 503]);
    const { asked, options } = countingProviders();
    const call = fastCall(options, handler);
    for (const expected of [false, false, false, true])
      expect(await call.attempt(TARGET, '{}', undefined)).toBe(expected);
    expect(asked).toEqual({ discover: 1, credentials: 4 });
    expect(seen.map((r) => r.headers.host)).toEqual(Array(4).fill('cell1.example.com'));
  });

  it.each([
    { name: 'a type the caller does not name', body: '{"__type":"ThrottlingException"}' },
    { name: 'no type', body: '{}' },
    { name: 'a type that is not text', body: '{"__type":5}' },
    { name: 'a body that is not JSON', body: '<html>' },
    // Read for its type, null was a TypeError that skipped asking again.
    { name: 'a body of JSON null', body: 'null' },
  ])('asks again for the credentials after an error answer with $name', async ({ body }) => {
    let asked = 0;
    const { handler } = answering([500], body);
    const call = fastCall(
      {
        endpoint: 'http://127.0.0.1:9202',
        credentials: () => {
          asked++;
          return Promise.resolve({ accessKeyId: 'AKID', secretAccessKey: 'secret' });
        },
      },
      handler,
    );
    const final = new Set(['RejectedRecordsException']);
    expect(await call.attempt(TARGET, '{}', undefined, final)).toBe(false);
    expect(await call.attempt(TARGET, '{}', undefined, final)).toBe(true);
    expect(asked).toBe(2);
  });

  it.each([
    {
      name: 'a `:` suffix',
      type: 'com.amazonaws.timestream.v20181101#RejectedRecordsException:http://internal.amazon.com/coral/x/',
    },
    { name: 'a list of types', type: 'RejectedRecordsException,ValidationException' },
    { name: 'a second `#`', type: 'com.amazonaws.timestream#RejectedRecordsException#v2' },
    // The SDK cuts the list and the suffix before it looks for a namespace.
    {
      name: 'a `:` suffix holding a `#`',
      type: 'RejectedRecordsException:http://internal.amazon.com/coral/x/#Other',
    },
    {
      name: 'a list whose second type has a namespace',
      type: 'RejectedRecordsException,com.amazonaws.timestream.v20181101#ValidationException',
    },
  ])('reads the error type of a __type with $name as the SDK does', async ({ type }) => {
    const body = JSON.stringify({ __type: type, message: 'no.' });
    const { handler, seen } = answering([419], body);
    const call = fastCall({ endpoint: 'http://127.0.0.1:9202' }, handler);
    const final = new Set(['RejectedRecordsException']);
    expect(loadJsonRpcErrorCode({ headers: {} } as never, { __type: type })).toBe('RejectedRecordsException');
    expect(await call.attempt(TARGET, '{}', undefined, final)).toEqual({
      type: 'RejectedRecordsException',
      status: 419,
      body: JSON.parse(body),
    });
    expect(seen).toHaveLength(1);
  });

  it.each<{ name: string; headers: Record<string, string>; body?: Record<string, unknown> }>([
    {
      name: 'the x-amzn-ErrorType header',
      headers: { 'x-amzn-errortype': 'RejectedRecordsException:http://internal.amazon.com/coral/x/' },
      body: { message: 'no.' },
    },
    { name: 'the header, with an empty body', headers: { 'x-amzn-errortype': 'RejectedRecordsException' } },
    { name: 'a code member', headers: {}, body: { code: 'RejectedRecordsException', message: 'no.' } },
    {
      name: 'a Code member',
      headers: {},
      body: { Code: 'com.amazonaws.timestream#RejectedRecordsException' },
    },
    // The SDK takes the body's members before the header.
    {
      name: 'a code member over the header',
      headers: { 'x-amzn-errortype': 'ThrottlingException' },
      body: { code: 'RejectedRecordsException' },
    },
  ])('reads the error type from $name as the SDK does, without a second call', async ({ headers, body }) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const { handler, seen } = answering([419], text, headers);
    const call = fastCall({ endpoint: 'http://127.0.0.1:9202' }, handler);
    const final = new Set(['RejectedRecordsException']);
    expect(loadJsonRpcErrorCode({ headers } as never, body ?? {})).toBe('RejectedRecordsException');
    expect(await call.attempt(TARGET, '{}', undefined, final)).toEqual({
      type: 'RejectedRecordsException',
      status: 419,
      body: body ?? {},
    });
    expect(seen).toHaveLength(1);
  });

  it.each([
    { name: 'a __type that is not text over the header', body: '{"__type":5}' },
    { name: 'a code that is not text over the header', body: '{"code":null}' },
  ])('takes no error type from $name, as the SDK names no such refusal', async ({ body }) => {
    const { handler } = answering([419], body, { 'x-amzn-errortype': 'RejectedRecordsException' });
    const call = fastCall({ endpoint: 'http://127.0.0.1:9202' }, handler);
    expect(await call.attempt(TARGET, '{}', undefined, new Set(['RejectedRecordsException']))).toBe(false);
  });

  it('keeps the discovered endpoint and the credentials after an error type the caller names final', async () => {
    const body = JSON.stringify({ __type: 'RejectedRecordsException', message: 'no.' });
    const { handler, seen } = answering([419], body);
    const asked = { discover: 0, credentials: 0 };
    const call = fastCall(
      {
        discover: () => {
          asked.discover++;
          return Promise.resolve({ address: 'cell1.example.com', cachePeriodInMinutes: 10 });
        },
        credentials: () => {
          asked.credentials++;
          return Promise.resolve({ accessKeyId: 'AKID', secretAccessKey: 'secret' });
        },
      },
      handler,
    );
    const final = new Set(['RejectedRecordsException']);
    expect(await call.attempt(TARGET, '{}', undefined, final)).toMatchObject({
      type: 'RejectedRecordsException',
    });
    expect(await call.attempt(TARGET, '{}', undefined, final)).toBe(true);
    expect([asked, seen.length]).toEqual([{ discover: 1, credentials: 1 }, 2]);
  });

  it.each([
    { name: 'CachePeriodInMinutes', cachePeriodInMinutes: 2, ttlMs: 120_000 },
    { name: 'a minute without a CachePeriodInMinutes', cachePeriodInMinutes: undefined, ttlMs: 60_000 },
  ])(
    'uses a discovered endpoint for $name from when DescribeEndpoints was asked',
    async ({ cachePeriodInMinutes, ttlMs }) => {
      const { handler } = recording();
      let now = NOW;
      let discoveries = 0;
      const call = fastCall(
        {
          nowMs: () => now,
          discover: () => {
            discoveries++;
            now += 5000; // the answer takes a while
            return Promise.resolve({ address: 'cell1.example.com', cachePeriodInMinutes });
          },
        },
        handler,
      );
      const seenDiscoveries: number[] = [];
      for (const at of [NOW, NOW + ttlMs - 1, NOW + ttlMs]) {
        now = at;
        expect(await call.attempt(TARGET, '{}', undefined)).toBe(true);
        seenDiscoveries.push(discoveries);
      }
      expect(seenDiscoveries).toEqual([1, 1, 2]);
    },
  );

  it.each([
    {
      name: 'a discovered endpoint over HTTPS on its default port',
      options: {
        discover: () => Promise.resolve({ address: 'ingest-cell1.timestream.us-east-1.amazonaws.com' }),
      },
      expected: ['https:', 'ingest-cell1.timestream.us-east-1.amazonaws.com', undefined],
    },
    {
      name: 'an explicit endpoint by its scheme and port',
      options: { endpoint: 'http://127.0.0.1:9202' },
      expected: ['http:', '127.0.0.1', 9202],
    },
  ])('sends to $name', async ({ options, expected }) => {
    const { handler, seen } = recording();
    expect(await fastCall(options, handler).attempt(TARGET, '{}', undefined)).toBe(true);
    expect([seen[0].protocol, seen[0].hostname, seen[0].port]).toEqual(expected);
  });

  it('signs for its region and the timestream service at the time its clock gives', async () => {
    const { handler, seen } = recording();
    await fastCall({ endpoint: 'http://127.0.0.1:9202', region: 'eu-west-1' }, handler).attempt(
      TARGET,
      '{}',
      undefined,
    );
    expect([seen[0].headers['x-amz-date'], seen[0].headers.authorization.split(', ')[0]]).toEqual([
      '20261122T040506Z',
      'AWS4-HMAC-SHA256 Credential=AKID/20261122/eu-west-1/timestream/aws4_request',
    ]);
  });

  it('lets the SDK do the call when the handler fails, handing it the call’s abort signal', async () => {
    const handed: Array<AbortSignal | undefined> = [];
    const handler: RequestHandlerLike = {
      handle: (_request, options) => {
        handed.push(options?.abortSignal);
        return Promise.reject(new Error('socket hang up'));
      },
    };
    const call = fastCall({ endpoint: 'http://127.0.0.1:9202' }, handler);
    const signal = new AbortController().signal;
    expect([await call.attempt(TARGET, '{}', signal), await call.attemptBytes(TARGET, '{}', signal)]).toEqual(
      [false, undefined],
    );
    expect(handed).toEqual([signal, signal]);
  });

  // Left to the SDK, an aborted call would be sent again instead of ending.
  it('rejects with the handler’s error when the call’s signal was aborted', async () => {
    const controller = new AbortController();
    const aborted = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    const handler: RequestHandlerLike = {
      handle: (_request, options) => {
        controller.abort();
        return Promise.reject(options?.abortSignal?.aborted === true ? aborted : new Error('no signal'));
      },
    };
    const call = fastCall({ endpoint: 'http://127.0.0.1:9202' }, handler);
    await expect(call.attempt(TARGET, '{}', controller.signal)).rejects.toBe(aborted);
    await expect(call.attemptBytes(TARGET, '{}', controller.signal)).rejects.toBe(aborted);
  });

  it('keeps an explicit endpoint after an error answer: there is nothing to discover', async () => {
    const { handler, seen } = answering([500]);
    const call = fastCall({ endpoint: 'http://127.0.0.1:9202' }, handler);
    expect(await call.attempt(TARGET, '{}', undefined)).toBe(false);
    expect(await call.attempt(TARGET, '{}', undefined)).toBe(true);
    expect(seen.map((r) => r.headers.host)).toEqual(['127.0.0.1:9202', '127.0.0.1:9202']);
  });

  it('sends to an IPv6 endpoint by its bare address, with the brackets kept in Host', async () => {
    const { handler, seen } = recording();
    expect(await fastCall({ endpoint: 'http://[::1]:9202' }, handler).attempt(TARGET, '{}', undefined)).toBe(
      true,
    );
    expect([seen[0].hostname, seen[0].port, seen[0].headers.host]).toEqual(['::1', 9202, '[::1]:9202']);
  });

  it.each([
    { name: 'ASCII', body: '{"v":"a"}', length: '9' },
    { name: 'two-byte UTF-8', body: '{"v":"é"}', length: '10' },
    { name: 'an astral character', body: '{"v":"𝄞"}', length: '12' },
  ])('sends a body of $name with its Content-Length in UTF-8 bytes', async ({ body, length }) => {
    const { handler, seen } = recording();
    await fastCall({ endpoint: 'http://127.0.0.1:9202' }, handler).attempt(TARGET, body, undefined);
    expect([seen[0].headers['content-length'], seen[0].body]).toEqual([length, body]);
  });

  it.each([200, 500])(
    'lets a streamed body of a %d it does not read flow, so its keep-alive socket is freed',
    async (statusCode) => {
      const body = Readable.from([Buffer.from('{}')]);
      const handler: RequestHandlerLike = {
        handle: () => Promise.resolve({ response: { statusCode, body } }),
      };
      await fastCall({ endpoint: 'http://127.0.0.1:9202' }, handler).attempt(TARGET, '{}', undefined);
      expect(body.readableFlowing).toBe(true);
    },
  );

  it.each([
    ['bytes', Buffer.from('{"é":1}')],
    // Split inside the two bytes of é: the pieces are joined before anything is decoded.
    [
      'a stream of pieces',
      Readable.from([Buffer.from([0x7b, 0x22, 0xc3]), Buffer.from([0xa9, 0x22, 0x3a, 0x31, 0x7d])]),
    ],
    ['text', '{"é":1}'],
    ['a stream of text', Readable.from(['{"é"', ':1}'])],
    ['no body', undefined],
    ['a null body', null],
  ] as const)('reads a body given as %s as bytes', async (_name, body) => {
    const handler: RequestHandlerLike = {
      handle: () => Promise.resolve({ response: { statusCode: 200, body } }),
    };
    const bytes = await fastCall({ endpoint: 'http://127.0.0.1:9202' }, handler).attemptBytes(
      TARGET,
      '{}',
      undefined,
    );
    expect(bytes?.toString('utf8')).toBe(body === undefined || body === null ? '' : '{"é":1}');
  });
});
