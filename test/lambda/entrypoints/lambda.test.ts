// SPDX-License-Identifier: Apache-2.0
// The bundled entry point as Lambda loads it: settings come from the environment at module load.

import type { LambdaHandler } from '../../../lambda/entrypoints/lambda-adapter';

const ENV = {
  default_database: 'PrometheusDatabase',
  default_table: 'PrometheusMetricsTable',
  region: 'us-east-1',
  // Nothing listens here: a request refused at the edge must never get as far as Timestream.
  write_base_endpoint: 'http://127.0.0.1:9',
  query_base_endpoint: 'http://127.0.0.1:9',
  enable_logging: 'false',
  max_body_bytes: '100',
};

let saved: NodeJS.ProcessEnv;
beforeEach(() => {
  saved = { ...process.env };
  Object.assign(process.env, ENV);
});
afterEach(() => {
  process.env = saved;
  jest.restoreAllMocks();
});

function loadHandler(): LambdaHandler {
  let handler: LambdaHandler | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require('../../../lambda/entrypoints/lambda') as { handler: LambdaHandler }).handler;
  });
  return handler as LambdaHandler;
}

test('max_body_bytes refuses a larger remote-write body with 413 naming the variable, counted in EMF', async () => {
  const emf: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((line: string | Uint8Array) => {
    emf.push(String(line));
    return true;
  });
  const handler = loadHandler();
  const result = await handler(
    {
      version: '2.0',
      rawPath: '/dev/write',
      requestContext: { stage: 'dev', http: { method: 'POST' } },
      headers: {
        'content-encoding': 'snappy',
        'content-type': 'application/x-protobuf',
        authorization: `Basic ${Buffer.from('AKIDEXAMPLE:secret').toString('base64')}`,
      },
      body: Buffer.alloc(101, 0x41).toString('base64'),
      isBase64Encoded: true,
    },
    { getRemainingTimeInMillis: () => 30_000 },
  );
  expect(result.statusCode).toBe(413);
  expect(result.body).toBe('request body exceeds the limit of 100 bytes (max_body_bytes)\n');
  expect(result.headers['x-prometheus-remote-write-samples-written']).toBe('0');
  const requests = emf
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((d) => d.Route === 'write');
  expect(requests).toMatchObject({ Requests: 1, ClientErrors: 1, ServerErrors: 0, ReceivedSamples: 0 });
});
