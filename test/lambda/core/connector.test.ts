// SPDX-License-Identifier: Apache-2.0
// The router (connector.ts): a path no route serves is answered 404 and logged as a refusal; an
// error that no layer classified (a bug) answers 503 "internal error", and the request's log line
// must say what it was, or the operator has nothing to go on.

import { DEFAULT_DECODE_LIMITS } from '../../../lambda/codec/remote';
import { snappyCompress } from '../../../lambda/codec/snappy';
import { createConnector } from '../../../lambda/core/connector';
import { nullMetrics } from '../../../lambda/observability/metrics';
import { encodeReadRequest, encodeWriteRequest } from '../../../lambda/prompb/codec';
import type { ClientCache } from '../../../lambda/timestream/clients';
import { CaptureLogger } from '../../support/capture-logger';

const AUTH = `Basic ${Buffer.from('AKIDEXAMPLE:not-logged-secret').toString('base64')}`;

/** Clients whose every use throws, as a bug in a layer below the handlers would. */
const EXPLODING_CLIENTS = {
  get: () => {
    throw new TypeError('clients exploded');
  },
} as unknown as ClientCache;

function connector(logger: CaptureLogger) {
  return createConnector({
    options: {
      database: 'db',
      table: 't',
      sigv4Auth: false,
      failOnLongLabel: false,
      failOnInvalidSampleValue: false,
      writeConcurrency: 1,
      readConcurrency: 1,
      decodeLimits: DEFAULT_DECODE_LIMITS,
      maxResponseBytes: 0,
    },
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
