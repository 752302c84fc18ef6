// SPDX-License-Identifier: Apache-2.0
// The local API Gateway adapter used by the end-to-end tests: route matching, the payload-2.0
// events it builds (checked through the product's own event translation), and its HTTP behaviour
// with a fake handler on 127.0.0.1.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHttpRequest } from '../../lambda/entrypoints/api-gateway';
import {
  createApiGateway,
  loadBundleHandler,
  matchRoute,
  toHttpApiEvent,
  type BundleHandler,
  type HttpApiEvent,
} from '../../scripts/local-api-gateway';

describe('matchRoute', () => {
  test.each([
    {
      name: 'POST /write under the stage',
      method: 'POST',
      url: '/dev/write',
      stage: 'dev',
      route: 'POST /write',
    },
    {
      name: 'POST /read with a query string',
      method: 'POST',
      url: '/dev/read?x=1',
      stage: 'dev',
      route: 'POST /read',
    },
    { name: 'no GET route', method: 'GET', url: '/dev/write', stage: 'dev', route: undefined },
    { name: 'no route without the stage', method: 'POST', url: '/write', stage: 'dev', route: undefined },
    {
      name: 'no route under another stage',
      method: 'POST',
      url: '/prod/write',
      stage: 'dev',
      route: undefined,
    },
    { name: 'no other path', method: 'POST', url: '/dev/metrics', stage: 'dev', route: undefined },
    {
      name: 'the $default stage has no prefix',
      method: 'POST',
      url: '/read',
      stage: '$default',
      route: 'POST /read',
    },
  ])('$name', ({ method, url, stage, route }) => {
    expect(matchRoute(method, url, stage)).toBe(route);
  });
});

describe('toHttpApiEvent', () => {
  const body = Buffer.from([0xff, 0x00, 0x80, 0x41]);
  const event = toHttpApiEvent(
    {
      method: 'POST',
      url: '/dev/write?a=b',
      headers: { 'content-encoding': 'snappy', 'x-multi': ['1', '2'], authorization: 'Basic eDp5' },
      socket: { remoteAddress: '127.0.0.1' } as never,
    },
    body,
    'dev',
    'POST /write',
  );

  test('builds a payload 2.0 event with the stage in rawPath and the body in base64', () => {
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /write',
      rawPath: '/dev/write',
      rawQueryString: 'a=b',
      body: body.toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-encoding': 'snappy', 'x-multi': '1,2', authorization: 'Basic eDp5' },
      requestContext: { stage: 'dev', routeKey: 'POST /write', http: { method: 'POST', path: '/dev/write' } },
    });
  });

  test('translates through the Lambda entrypoint to the request the core routes', () => {
    const request = toHttpRequest(event);
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/write');
    expect(request.headers['content-encoding']).toBe('snappy');
    expect(Buffer.from(request.body)).toEqual(body);
  });
});

describe('createApiGateway', () => {
  const events: HttpApiEvent[] = [];
  const remaining: number[] = [];
  const handler: BundleHandler = async (event, context) => {
    events.push(event);
    remaining.push(context.getRemainingTimeInMillis());
    if (event.headers['x-fail'] === 'yes') throw new Error('boom');
    return {
      // The read route answers with a body; 204 (write) cannot carry one.
      statusCode: event.routeKey === 'POST /read' ? 200 : 204,
      headers: { 'x-prometheus-remote-write-samples-written': '3' },
      body: Buffer.from('binary\u0000').toString('base64'),
      isBase64Encoded: true,
    };
  };
  const server = createApiGateway({ handler, stage: 'dev', timeoutMs: 5_000 });
  let base = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    events.length = 0;
    remaining.length = 0;
  });

  test('invokes the handler for a template route and answers with its status, headers and decoded body', async () => {
    const response = await fetch(`${base}/dev/write`, { method: 'POST', body: 'abc' });
    expect(response.status).toBe(204);
    expect(response.headers.get('x-prometheus-remote-write-samples-written')).toBe('3');
    expect(events.map((event) => Buffer.from(event.body, 'base64').toString())).toEqual(['abc']);
    expect(remaining[0]).toBeGreaterThan(0);
    expect(remaining[0]).toBeLessThanOrEqual(5_000);
  });

  test('returns the base64-decoded body bytes', async () => {
    const response = await fetch(`${base}/dev/read`, { method: 'POST', body: 'q' });
    expect(Buffer.from(await response.arrayBuffer()).toString()).toBe('binary\u0000');
  });

  test('answers API Gateway 404 without invoking the function for a path outside the routes', async () => {
    const response = await fetch(`${base}/dev/metrics`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
    expect(events).toEqual([]);
  });

  test('answers 500 Internal Server Error when the function throws', async () => {
    const response = await fetch(`${base}/dev/write`, { method: 'POST', headers: { 'x-fail': 'yes' } });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });
});

describe('loadBundleHandler', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tspc-gateway-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('loads the handler a CommonJS bundle exports', async () => {
    const bundle = join(dir, 'index.js');
    writeFileSync(bundle, 'exports.handler = async () => ({ statusCode: 204 });\n');
    expect(
      await loadBundleHandler(bundle)({} as HttpApiEvent, {
        getRemainingTimeInMillis: () => 1,
        awsRequestId: 'r',
      }),
    ).toEqual({
      statusCode: 204,
    });
  });

  test('fails every invocation with the error of a bundle whose initialisation throws, as Lambda does', async () => {
    const bundle = join(dir, 'bad-setting.js');
    writeFileSync(bundle, "throw new Error('invalid configuration: max_write_retries');\n");
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const handler = loadBundleHandler(bundle);
      expect(write).toHaveBeenCalledWith(
        'bundle initialisation failed: invalid configuration: max_write_retries\n',
      );
      const context = { getRemainingTimeInMillis: () => 1, awsRequestId: 'r' };
      await expect(handler({} as HttpApiEvent, context)).rejects.toThrow(
        'invalid configuration: max_write_retries',
      );
      await expect(handler({} as HttpApiEvent, context)).rejects.toThrow(
        'invalid configuration: max_write_retries',
      );
    } finally {
      write.mockRestore();
    }
  });

  test('throws when the bundle is missing', () => {
    expect(() => loadBundleHandler(join(dir, 'missing.js'))).toThrow(/Cannot find module/);
  });

  test('throws when the bundle exports no handler', () => {
    const bundle = join(dir, 'empty.js');
    writeFileSync(bundle, 'exports.other = 1;\n');
    expect(() => loadBundleHandler(bundle)).toThrow(`${bundle} exports no handler function`);
  });
});
