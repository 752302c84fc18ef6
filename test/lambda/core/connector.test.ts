// SPDX-License-Identifier: Apache-2.0
// The router: a request to a path no route serves is answered 404 and logged as a refusal.

import { DEFAULT_DECODE_LIMITS } from '../../../lambda/codec/remote';
import { createConnector } from '../../../lambda/core/connector';
import { nullMetrics } from '../../../lambda/observability/metrics';
import type { ClientCache } from '../../../lambda/timestream/clients';
import { CaptureLogger } from '../../support/capture-logger';

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
    clients: {} as ClientCache,
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
