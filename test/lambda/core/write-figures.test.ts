// SPDX-License-Identifier: Apache-2.0
// handleWrite (write-handler.ts) against a scripted WriteRecords sender: the answer and the
// figures it reports when some calls succeed and a later one fails, which the embedded store
// cannot stage call by call.

import { DEFAULT_DECODE_LIMITS } from '../../../lambda/codec/remote';
import { snappyCompress } from '../../../lambda/codec/snappy';
import { createConnector } from '../../../lambda/core/connector';
import type { TimestreamCallFigures, WriteRequestFigures } from '../../../lambda/observability/metrics';
import { encodeWriteRequest } from '../../../lambda/prompb/codec';
import type { ClientCache } from '../../../lambda/timestream/clients';
import { CaptureLogger } from '../../support/capture-logger';

const AUTH = `Basic ${Buffer.from('AKIDEXAMPLE:secret').toString('base64')}`;
const HEADERS = {
  authorization: AUTH,
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
};
const T = Date.UTC(2026, 0, 1);

/** A sender whose calls answer in turn from `script`: undefined writes, an error name throws it. */
function connector(script: (string | undefined)[], writeConcurrency = 1) {
  const figures: WriteRequestFigures[] = [];
  const calls: TimestreamCallFigures[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  let call = 0;
  const sizes: number[] = [];
  const send = (_target: unknown, batch: { sampleCount: number }) => {
    sizes.push(batch.sampleCount);
    const name = script[call++];
    mostInFlight = Math.max(mostInFlight, ++inFlight);
    return new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        inFlight--;
        if (name === undefined) resolve();
        else reject(Object.assign(new Error('scripted refusal'), { name }));
      }),
    );
  };
  const handler = createConnector({
    options: {
      database: 'db',
      table: 't',
      sigv4Auth: false,
      failOnLongLabel: false,
      failOnInvalidSampleValue: false,
      writeConcurrency,
      readConcurrency: 1,
      decodeLimits: DEFAULT_DECODE_LIMITS,
      maxResponseBytes: 0,
    },
    clients: { get: () => ({ writeRecords: { send } }) } as unknown as ClientCache,
    logger: new CaptureLogger(),
    metrics: {
      writeRequest: (f) => figures.push(f),
      readRequest: () => undefined,
      timestreamCall: (f) => calls.push(f),
    },
  });
  return { handler, figures, sizes, calls, mostInFlight: () => mostInFlight };
}

/** 150 series of one sample each: two WriteRecords calls, of 63 and 87 records. */
const BODY = snappyCompress(
  encodeWriteRequest({
    timeseries: Array.from({ length: 150 }, (_, i) => ({
      labels: [
        { name: '__name__', value: 'm' },
        { name: 'i', value: String(i) },
      ],
      samples: [{ value: i, timestamp: T }],
    })),
  }),
);

test.each([
  {
    name: 'every call writes',
    script: [undefined, undefined],
    status: 204,
    body: '',
    written: 150,
    rejected: 0,
  },
  {
    name: 'the second call is throttled',
    script: [undefined, 'ThrottlingException'],
    status: 503,
    body: 'Timestream WriteRecords failed: ThrottlingException: scripted refusal\n63 of 150 samples were written before the failure\n',
    written: 63,
    rejected: 0,
  },
  {
    name: 'the second call finds no table',
    script: [undefined, 'ResourceNotFoundException'],
    status: 404,
    body: 'Timestream WriteRecords failed: ResourceNotFoundException: scripted refusal\n63 of 150 samples were written before the failure\n',
    written: 63,
    rejected: 87,
  },
])('$name: answers $status and reports every call', async ({ script, status, body, written, rejected }) => {
  const { handler, figures, sizes, calls } = connector(script);
  const response = await handler({
    method: 'POST',
    path: '/write',
    headers: HEADERS,
    body: BODY,
  });
  expect([
    response.status,
    response.body,
    response.headers['x-prometheus-remote-write-samples-written'],
  ]).toEqual([status, body, String(written)]);
  expect(sizes).toEqual([63, 87]);
  expect(calls).toEqual(
    script.map((name) => ({
      operation: 'WriteRecords',
      durationMs: expect.any(Number),
      outcome: name ?? 'ok',
    })),
  );
  expect(figures).toEqual([
    {
      status,
      durationMs: expect.any(Number),
      received: 150,
      written,
      ignored: {
        stale: 0,
        non_finite: 0,
        native_histogram: 0,
        invalid_series: 0,
        long_label: 0,
        invalid_timestamp: 0,
      },
      rejected,
      ignoredExemplars: 0,
      writeCalls: 2,
    },
  ]);
});

test('a 400 lists at most ten reasons, whatever the number of refused series', async () => {
  const { handler, figures, sizes } = connector([undefined]);
  const body = snappyCompress(
    encodeWriteRequest({
      timeseries: [
        { labels: [{ name: '__name__', value: 'm' }], samples: [{ value: 1, timestamp: T }] },
        // Nameless: each is refused with a reason of its own.
        ...Array.from({ length: 12 }, (_, i) => ({
          labels: [{ name: 'i', value: String(i) }],
          samples: [{ value: i, timestamp: T }],
        })),
      ],
    }),
  );
  const response = await handler({ method: 'POST', path: '/write', headers: HEADERS, body });
  const lines = String(response.body).split('\n');
  expect([response.status, lines.length, lines[0], lines[10], lines[11]]).toEqual([
    400,
    12,
    'wrote 1 of 13 samples; refused 12 samples of 12 invalid or over-limit series and 0 samples rejected by Timestream',
    expect.stringMatching(/^- series \{i="9"\} /),
    '',
  ]);
  expect(sizes).toEqual([1]);
  expect(figures).toMatchObject([{ status: 400, received: 13, written: 1, rejected: 12, writeCalls: 1 }]);
});

test.each([1, 2])('sends at most write_concurrency (%i) calls at once', async (writeConcurrency) => {
  const { handler, sizes, mostInFlight } = connector([undefined, undefined], writeConcurrency);
  const response = await handler({ method: 'POST', path: '/write', headers: HEADERS, body: BODY });
  expect([response.status, sizes, mostInFlight()]).toEqual([204, [63, 87], writeConcurrency]);
});
