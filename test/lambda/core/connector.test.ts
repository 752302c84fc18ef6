// SPDX-License-Identifier: Apache-2.0
// The router (connector.ts): a path no route serves is answered 404 and logged as a refusal; an
// error that no layer classified (a bug) answers 503 "internal error", and the request's log line
// must say what it was, or the operator has nothing to go on.

import { snappyCompress } from '../../../lambda/codec/snappy';
import { BASIC_AUTH_CHALLENGE } from '../../../lambda/core/auth';
import { createConnector, errorResponse, safeText } from '../../../lambda/core/connector';
import {
  badRequest,
  forbidden,
  methodNotAllowed,
  notFound,
  retryable,
  tooLarge,
  unauthorized,
  unsupportedMediaType,
} from '../../../lambda/core/errors';
import { nullMetrics } from '../../../lambda/observability/metrics';
import { encodeReadRequest, encodeWriteRequest } from '../../../lambda/prompb/codec';
import type { ClientCache } from '../../../lambda/timestream/clients';
import { CaptureLogger } from '../../support/capture-logger';
import { connectorOptions } from '../../support/connector-options';

const AUTH = `Basic ${Buffer.from('AKIDEXAMPLE:not-logged-secret').toString('base64')}`;

/** Clients whose every use throws, as a bug in a layer below the handlers would. */
const EXPLODING_CLIENTS = {
  get: () => {
    throw new TypeError('clients exploded');
  },
} as unknown as ClientCache;

function connector(logger: CaptureLogger) {
  return createConnector({
    options: connectorOptions(),
    clients: EXPLODING_CLIENTS,
    logger,
    metrics: nullMetrics,
  });
}

test('a request to an unknown path gets 404 and one warning naming the path', async () => {
  const logger = new CaptureLogger();
  const response = await connector(logger)({
    method: 'POST',
    path: '/api/v1/write',
    headers: {},
    body: new Uint8Array(0),
  });
  expect(response.status).toBe(404);
  expect(response.body).toBe('no route /api/v1/write; use POST /write or POST /read\n');
  expect(logger.lines).toEqual([
    {
      level: 'warn',
      msg: 'request refused',
      fields: {
        method: 'POST',
        status: 404,
        reason: 'no route /api/v1/write; use POST /write or POST /read',
      },
    },
  ]);
});

test.each([
  {
    route: '/write',
    msg: 'write failed',
    body: encodeWriteRequest({
      timeseries: [{ labels: [{ name: '__name__', value: 'm' }], samples: [{ value: 1, timestamp: 1 }] }],
    }),
  },
  {
    route: '/read',
    msg: 'read failed',
    body: encodeReadRequest({
      queries: [
        { startTimestampMs: 0, endTimestampMs: 1, matchers: [{ type: 0, name: '__name__', value: 'm' }] },
      ],
      acceptedResponseTypes: [],
    }),
  },
])('$route: the 503 line of an unexpected error names it', async ({ route, msg, body }) => {
  const logger = new CaptureLogger();
  const response = await connector(logger)({
    method: 'POST',
    path: route,
    headers: { 'content-encoding': 'snappy', authorization: AUTH },
    body: snappyCompress(body),
  });
  expect([response.status, response.body]).toEqual([503, 'internal error\n']);
  const line = logger.lines.find((l) => l.msg === msg);
  expect(line?.level).toBe('error');
  expect(line?.fields.err).toMatchObject({ name: 'TypeError', message: 'clients exploded' });
  expect(logger.text()).not.toContain('not-logged-secret');
});

test('a read an edge will not serve answers 503 with its reason; its wait for a turn is part of its duration and its log line', async () => {
  const logger = new CaptureLogger();
  const durations: number[] = [];
  const handler = createConnector({
    options: connectorOptions(),
    clients: EXPLODING_CLIENTS,
    logger,
    metrics: { ...nullMetrics, readRequest: (f) => durations.push(f.durationMs) },
  });
  const base = { method: 'POST', path: '/read', headers: {}, body: new Uint8Array(0) };
  const response = await handler({ ...base, unserved: 'the connector is shutting down', waitedMs: 2_500.04 });
  await handler({ ...base, unserved: 'busy', waitedMs: 0.01 });
  expect([response.status, response.headers['retry-after'], response.body]).toEqual([
    503,
    '1',
    'the connector is shutting down\n',
  ]);
  expect(durations[0]).toBeGreaterThanOrEqual(2_500.04);
  expect(logger.lines.map((l) => [l.level, l.msg, l.fields.status, l.fields.waitedMs])).toEqual([
    ['error', 'read failed', 503, 2_500],
    ['error', 'read failed', 503, undefined],
  ]);
});

describe('errorResponse', () => {
  const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' };
  test.each([
    {
      error: badRequest('bad', { details: ['- one', '- two'] }),
      status: 400,
      headers: TEXT,
      body: 'bad\n- one\n- two\n',
    },
    {
      error: unauthorized('who'),
      status: 401,
      headers: { ...TEXT, 'www-authenticate': BASIC_AUTH_CHALLENGE },
      body: 'who\n',
    },
    {
      error: unauthorized('who', { headers: { 'www-authenticate': 'Basic realm="other"' } }),
      status: 401,
      headers: { ...TEXT, 'www-authenticate': 'Basic realm="other"' },
      body: 'who\n',
    },
    { error: forbidden('no'), status: 403, headers: TEXT, body: 'no\n' },
    { error: notFound('where'), status: 404, headers: TEXT, body: 'where\n' },
    {
      error: methodNotAllowed('how', { headers: { allow: 'POST' } }),
      status: 405,
      headers: { ...TEXT, allow: 'POST' },
      body: 'how\n',
    },
    { error: tooLarge('big'), status: 413, headers: TEXT, body: 'big\n' },
    { error: unsupportedMediaType('what'), status: 415, headers: TEXT, body: 'what\n' },
    { error: retryable('later'), status: 503, headers: { ...TEXT, 'retry-after': '1' }, body: 'later\n' },
  ])('$error.kind: $status', ({ error, status, headers, body }) => {
    expect(errorResponse(error)).toEqual({ status, headers, body });
  });

  test('headers passed in override those of the error, which override the defaults', () => {
    const error = methodNotAllowed('how', { headers: { allow: 'POST', 'content-type': 'text/x' } });
    expect(errorResponse(error, { allow: 'GET' }).headers).toEqual({
      'content-type': 'text/x',
      'x-content-type-options': 'nosniff',
      allow: 'GET',
    });
  });

  test('a line break in the message or a detail cannot start a line of its own', () => {
    expect(errorResponse(badRequest('a\nb', { details: ['c\r\nd'] })).body).toBe('a\\x0ab\nc\\x0d\\x0ad\n');
  });
});

describe('safeText', () => {
  test.each([
    { text: 'plain é ✓', expected: 'plain é ✓' },
    { text: 'tab\tkept', expected: 'tab\tkept' },
    { text: '\u0000\u0008\n\u001f', expected: '\\x00\\x08\\x0a\\x1f' },
    { text: '\u007f\u0080\u009b\u009f', expected: '\\x7f\\x80\\x9b\\x9f' },
    { text: '\u00a0 no-break space kept', expected: '\u00a0 no-break space kept' },
  ])('escapes control characters: $expected', ({ text, expected }) => {
    expect(safeText(text)).toBe(expected);
  });

  test.each([
    { text: 'abcde', max: 5, expected: 'abcde' },
    { text: 'abcdef', max: 5, expected: 'abcde…' },
    { text: 'a\nbc', max: 5, expected: 'a\\x0a…' },
    { text: 'x'.repeat(1000), max: undefined, expected: 'x'.repeat(1000) },
    { text: 'x'.repeat(1001), max: undefined, expected: `${'x'.repeat(1000)}…` },
  ])('keeps at most $max characters of $text.length (1000 by default)', ({ text, max, expected }) => {
    expect(safeText(text, max)).toBe(expected);
  });
});

describe('the router', () => {
  test.each(['/', '', '/writex', '/read/x', '//write'])('answers 404 for POST %j', async (path) => {
    const logger = new CaptureLogger();
    const response = await connector(logger)({ method: 'POST', path, headers: {}, body: new Uint8Array(0) });
    expect([response.status, response.body]).toEqual([
      404,
      `no route ${path}; use POST /write or POST /read\n`,
    ]);
  });

  test('quotes a path with control characters escaped and bounded, in the answer and the log line', async () => {
    const logger = new CaptureLogger();
    const path = `/x\n${'y'.repeat(300)}`;
    const response = await connector(logger)({ method: 'POST', path, headers: {}, body: new Uint8Array(0) });
    const reason = `no route ${`/x\\x0a${'y'.repeat(300)}`.slice(0, 200)}…; use POST /write or POST /read`;
    expect([response.status, response.body]).toEqual([404, `${reason}\n`]);
    expect(logger.lines).toEqual([
      { level: 'warn', msg: 'request refused', fields: { method: 'POST', status: 404, reason } },
    ]);
  });
});
