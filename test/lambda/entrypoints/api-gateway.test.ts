// SPDX-License-Identifier: Apache-2.0
import {
  toApiGatewayResult,
  toHttpRequest,
  type ApiGatewayEvent,
} from '../../../lambda/entrypoints/api-gateway';

const bytes = Uint8Array.from([0xff, 0x00, 0x10, 0x80]);
const b64 = Buffer.from(bytes).toString('base64');

describe('toHttpRequest', () => {
  test.each<{ name: string; event: ApiGatewayEvent; method: string; path: string }>([
    {
      name: 'HTTP API v2 with a named stage in rawPath',
      event: {
        version: '2.0',
        rawPath: '/dev/write',
        requestContext: { stage: 'dev', http: { method: 'POST', path: '/dev/write' } },
        headers: { 'content-encoding': 'snappy' },
        body: b64,
        isBase64Encoded: true,
      },
      method: 'POST',
      path: '/write',
    },
    {
      name: 'HTTP API v2 on the $default stage',
      event: {
        version: '2.0',
        rawPath: '/read',
        requestContext: { stage: '$default', http: { method: 'post' } },
        headers: {},
        body: b64,
        isBase64Encoded: true,
      },
      method: 'POST',
      path: '/read',
    },
    {
      name: 'REST API v1 (path without the stage)',
      event: {
        httpMethod: 'POST',
        path: '/write',
        requestContext: { stage: 'prod', path: '/prod/write' },
        headers: { 'Content-Encoding': 'snappy' },
        multiValueHeaders: { 'Content-Encoding': ['snappy'] },
        body: b64,
        isBase64Encoded: true,
      },
      method: 'POST',
      path: '/write',
    },
    {
      name: 'a stage name that is only a prefix of the first segment',
      event: {
        version: '2.0',
        rawPath: '/devices/write',
        requestContext: { stage: 'dev', http: { method: 'POST' } },
        body: b64,
        isBase64Encoded: true,
      },
      method: 'POST',
      path: '/devices/write',
    },
  ])('adapts $name', ({ event, method, path }) => {
    const request = toHttpRequest(event, 1234);
    expect(request.method).toBe(method);
    expect(request.path).toBe(path);
    expect(Array.from(request.body)).toEqual(Array.from(bytes));
    expect(request.deadlineMs).toBe(1234);
  });

  test.each<{ name: string; event: ApiGatewayEvent; method: string; path: string }>([
    {
      name: 'a 2.0 event without requestContext.http (method absent, so GET)',
      event: { version: '2.0', rawPath: '/write', path: '/other', httpMethod: 'POST' },
      method: 'GET',
      path: '/write',
    },
    {
      name: 'an event with requestContext.http but no version (read as 2.0, rawPath first)',
      event: {
        rawPath: '/write',
        path: '/other',
        httpMethod: 'GET',
        requestContext: { http: { method: 'POST', path: '/other' } },
      },
      method: 'POST',
      path: '/write',
    },
    {
      name: 'a 2.0 event without rawPath (requestContext.http.path, stage stripped)',
      event: {
        version: '2.0',
        requestContext: { stage: 'dev', http: { method: 'POST', path: '/dev/read' } },
      },
      method: 'POST',
      path: '/read',
    },
    {
      name: 'a 1.0 event without requestContext',
      event: { httpMethod: 'post', path: '/read' },
      method: 'POST',
      path: '/read',
    },
    {
      // A REST API's path never holds the stage: a stage named like the first segment stays.
      name: 'a REST API event on a stage named write',
      event: { httpMethod: 'POST', path: '/write', requestContext: { stage: 'write', path: '/write/write' } },
      method: 'POST',
      path: '/write',
    },
    {
      name: 'an HTTP API 1.0 event, whose path holds the stage',
      event: {
        version: '1.0',
        httpMethod: 'POST',
        path: '/dev/write',
        requestContext: { stage: 'dev', path: '/dev/write' },
      },
      method: 'POST',
      path: '/write',
    },
    {
      name: 'an event with neither method nor path',
      event: {},
      method: 'GET',
      path: '/',
    },
    {
      name: 'a rawPath that is only the stage',
      event: { version: '2.0', rawPath: '/dev', requestContext: { stage: 'dev', http: { method: 'POST' } } },
      method: 'POST',
      path: '/',
    },
    {
      name: 'a path carrying a query string',
      event: {
        version: '2.0',
        rawPath: '/dev/write?x=1',
        requestContext: { stage: 'dev', http: { method: 'POST' } },
      },
      method: 'POST',
      path: '/write',
    },
    {
      name: 'a first segment named $default on the $default stage (nothing stripped)',
      event: {
        version: '2.0',
        rawPath: '/$default/write',
        requestContext: { stage: '$default', http: { method: 'POST' } },
      },
      method: 'POST',
      path: '/$default/write',
    },
  ])('reads method $method and path $path from $name', ({ event, method, path }) => {
    const request = toHttpRequest(event);
    expect([request.method, request.path]).toEqual([method, path]);
    expect('deadlineMs' in request).toBe(false);
  });

  // A custom domain (which mutual TLS needs) reaches the API through an API mapping whose key stays
  // in the path; the route API Gateway matched has none. Greedy and $default routes name no path.
  test.each<{ name: string; event: ApiGatewayEvent; path: string }>([
    {
      name: 'HTTP API 2.0 through the API mapping prom',
      event: {
        version: '2.0',
        routeKey: 'POST /write',
        rawPath: '/prom/write',
        requestContext: { stage: 'dev', http: { method: 'POST', path: '/prom/write' } },
      },
      path: '/write',
    },
    {
      name: 'HTTP API 2.0 through a two-segment API mapping, ANY route',
      event: {
        version: '2.0',
        routeKey: 'ANY /read',
        rawPath: '/metrics/prom/read',
        requestContext: { stage: '$default', http: { method: 'POST' } },
      },
      path: '/read',
    },
    {
      name: 'HTTP API 1.0 through the API mapping prom',
      event: {
        version: '1.0',
        resource: '/write',
        httpMethod: 'POST',
        path: '/prom/write',
        requestContext: { stage: 'dev', path: '/prom/write' },
      },
      path: '/write',
    },
    {
      name: 'REST API through the base path mapping prom',
      event: {
        resource: '/read',
        httpMethod: 'POST',
        path: '/prom/read',
        requestContext: { stage: 'prod', path: '/prom/read' },
      },
      path: '/read',
    },
    {
      name: 'HTTP API 2.0 greedy route (the path, stage stripped)',
      event: {
        version: '2.0',
        routeKey: 'ANY /{proxy+}',
        rawPath: '/dev/write',
        requestContext: { stage: 'dev', http: { method: 'POST' } },
      },
      path: '/write',
    },
    {
      name: 'HTTP API 2.0 $default route (the path as it is)',
      event: {
        version: '2.0',
        routeKey: '$default',
        rawPath: '/prom/write',
        requestContext: { stage: '$default', http: { method: 'POST' } },
      },
      path: '/prom/write',
    },
    {
      name: 'REST API greedy resource (the path)',
      event: { resource: '/{proxy+}', httpMethod: 'POST', path: '/read', requestContext: { stage: 'prod' } },
      path: '/read',
    },
  ])('routes by the route API Gateway matched: $name', ({ event, path }) => {
    expect(toHttpRequest(event).path).toBe(path);
  });

  test('lower-cases header names of any case and keeps values', () => {
    const request = toHttpRequest({
      httpMethod: 'POST',
      path: '/write',
      headers: { 'X-Amz-Security-Token': 'Tok', AUTHORIZATION: 'Basic x' },
    });
    expect(request.headers).toEqual({ 'x-amz-security-token': 'Tok', authorization: 'Basic x' });
  });

  test('takes a null header or header list as absent', () => {
    const request = toHttpRequest({
      httpMethod: 'POST',
      path: '/write',
      headers: { authorization: null, 'content-type': 'application/x-protobuf' },
      multiValueHeaders: { 'x-a': null, 'x-b': ['1', '2'] },
    });
    expect(request.headers).toEqual({ 'content-type': 'application/x-protobuf', 'x-b': '1,2' });
  });

  test('reads multiValueHeaders alone: names lower-cased, values joined by commas, an empty list absent', () => {
    const request = toHttpRequest({
      httpMethod: 'POST',
      path: '/write',
      multiValueHeaders: {
        'X-Forwarded-For': ['192.0.2.1', '198.51.100.2'],
        'Content-Type': ['application/x-protobuf'],
        'X-Empty': [],
      },
    });
    expect(request.headers).toEqual({
      'x-forwarded-for': '192.0.2.1,198.51.100.2',
      'content-type': 'application/x-protobuf',
    });
  });

  test('keeps the value in headers for a name whose list is null or empty', () => {
    // Only hand-made events hold such a list; one that says nothing takes no header away.
    const request = toHttpRequest({
      httpMethod: 'POST',
      path: '/write',
      headers: { 'X-A': 'a', 'X-B': 'b' },
      multiValueHeaders: { 'X-A': null, 'X-B': [] },
    });
    expect(request.headers).toEqual({ 'x-a': 'a', 'x-b': 'b' });
  });

  test('keeps both values of a header repeated with the same value, for auth.ts to refuse', () => {
    const request = toHttpRequest({
      httpMethod: 'POST',
      path: '/write',
      headers: { Authorization: 'Basic a' },
      multiValueHeaders: { Authorization: ['Basic a', 'Basic a'] },
    });
    expect(request.headers).toEqual({ authorization: 'Basic a,Basic a' });
  });

  test('takes every value of multiValueHeaders over the last one in headers for a name in both', () => {
    const request = toHttpRequest({
      httpMethod: 'POST',
      path: '/write',
      headers: { 'Content-Type': 'application/x-protobuf', Authorization: 'Basic b', 'X-One': '1' },
      multiValueHeaders: {
        'Content-Type': ['text/plain', 'application/x-protobuf'],
        Authorization: ['Basic a', 'Basic b'],
        'X-One': ['1'],
      },
    });
    expect(request.headers).toEqual({
      'content-type': 'text/plain,application/x-protobuf',
      authorization: 'Basic a,Basic b',
      'x-one': '1',
    });
  });

  test('reads a body that is not base64-encoded as UTF-8 text', () => {
    const request = toHttpRequest({
      version: '2.0',
      rawPath: '/write',
      requestContext: { http: { method: 'POST' } },
      body: 'héllo',
      isBase64Encoded: false,
    });
    expect(Buffer.from(request.body).toString('utf8')).toBe('héllo');
  });

  test('treats a missing body as empty', () => {
    expect(
      toHttpRequest({ version: '2.0', rawPath: '/write', requestContext: { http: { method: 'POST' } } }).body
        .length,
    ).toBe(0);
  });
});

describe('toApiGatewayResult', () => {
  test('base64-encodes binary bodies', () => {
    expect(
      toApiGatewayResult({ status: 200, headers: { 'content-type': 'application/x-protobuf' }, body: bytes }),
    ).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/x-protobuf' },
      body: b64,
      isBase64Encoded: true,
    });
  });

  test('base64-encodes only the bytes of a body that is a view into a larger buffer', () => {
    const backing = Uint8Array.from([1, 2, ...bytes, 3]);
    expect(toApiGatewayResult({ status: 200, headers: {}, body: backing.subarray(2, 6) }).body).toBe(b64);
  });

  test('passes text bodies through', () => {
    expect(toApiGatewayResult({ status: 400, headers: {}, body: 'bad\n' })).toEqual({
      statusCode: 400,
      headers: {},
      body: 'bad\n',
      isBase64Encoded: false,
    });
  });
});
