// SPDX-License-Identifier: Apache-2.0
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { RejectedRecordsException } from '@aws-sdk/client-timestream-write';
import { DEADLINE_MARGIN_MS, deadlineSignal } from '../../../lambda/core/write-handler';
import { snappyCompress } from '../../../lambda/codec/snappy';
import { createConnector } from '../../../lambda/core/connector';
import type { TimestreamCallFigures, WriteRequestFigures } from '../../../lambda/observability/metrics';
import { encodeWriteRequest } from '../../../lambda/prompb/codec';
import { oracle, oracleEncode } from '../../fixtures/prompb-oracle';
import { staleNaN } from '../../../lambda/prompb/stale';
import type { ClientCache } from '../../../lambda/timestream/clients';
import { CaptureLogger } from '../../support/capture-logger';
import { connectorOptions } from '../../support/connector-options';

/**
 * Runs `lines` in a child node with `deadlineSignal` in scope and returns its exit status and
 * stderr: Node prints MaxListenersExceededWarning from its own process object, which jest's
 * sandbox does not see.
 */
function runWithDeadlineSignal(lines: string[]): [number | null, string] {
  const script = [
    `const { deadlineSignal } = require(${JSON.stringify(require.resolve('../../../lambda/core/write-handler'))});`,
    ...lines,
  ].join('\n');
  const result = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
    encoding: 'utf8',
  });
  return [result.status, result.stderr];
}

describe('deadlineSignal', () => {
  afterEach(() => jest.useRealTimers());

  it('takes a listener for each of 100 concurrent calls without a MaxListenersExceededWarning', () => {
    const outcome = runWithDeadlineSignal([
      'const deadline = deadlineSignal(Date.now() + 60_000, undefined);',
      "for (let i = 0; i < 100; i++) deadline.signal.addEventListener('abort', () => undefined);",
      'setImmediate(() => deadline.dispose());',
    ]);
    expect(outcome).toEqual([0, '']);
  });

  it('adds one listener per concurrent request to the shared shutdown signal without a MaxListenersExceededWarning', () => {
    // The standalone server passes one shutdown signal to every request (plus the request's own
    // signal): more than ten requests in flight, as with a resharded Prometheus, must stay quiet.
    const outcome = runWithDeadlineSignal([
      'const shutdown = new AbortController();',
      'const deadlines = [];',
      'for (let i = 0; i < 50; i++) deadlines.push(deadlineSignal(undefined, shutdown.signal, new AbortController().signal));',
      'setImmediate(() => deadlines.forEach((d) => d.dispose()));',
    ]);
    expect(outcome).toEqual([0, '']);
  });

  it.each([
    { name: 'the deadline minus the margin passes', shutdown: false, aborted: true },
    { name: 'shutdown begins', shutdown: true, aborted: true },
  ])('aborts when $name', ({ shutdown }) => {
    jest.useFakeTimers({ now: 1_000_000 });
    const controller = new AbortController();
    const deadline = deadlineSignal(1_000_000 + 10_000, controller.signal);
    if (shutdown) controller.abort();
    else {
      jest.advanceTimersByTime(10_000 - DEADLINE_MARGIN_MS - 1);
      expect(deadline.signal?.aborted).toBe(false);
      jest.advanceTimersByTime(1);
    }
    expect(deadline.signal?.aborted).toBe(true);
    deadline.dispose();
  });

  it.each([
    { name: 'the first', which: 0 },
    { name: 'the second', which: 1 },
  ])('aborts without a deadline when $name of two signals (shutdown, client gone) aborts', ({ which }) => {
    const controllers = [new AbortController(), new AbortController()];
    const deadline = deadlineSignal(undefined, controllers[0].signal, controllers[1].signal);
    expect(deadline.signal?.aborted).toBe(false);
    controllers[which].abort();
    expect(deadline.signal?.aborted).toBe(true);
    deadline.dispose();
  });

  it('aborts at once when a signal is already aborted', () => {
    const gone = new AbortController();
    gone.abort();
    const deadline = deadlineSignal(Date.now() + 60_000, new AbortController().signal, gone.signal);
    expect(deadline.signal?.aborted).toBe(true);
    deadline.dispose();
  });

  it('stops listening once disposed', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const controller = new AbortController();
    const deadline = deadlineSignal(1_000_000 + 10_000, controller.signal);
    deadline.dispose();
    controller.abort();
    jest.advanceTimersByTime(10_000);
    expect(deadline.signal?.aborted).toBe(false);
  });

  it('passes the shutdown signal through when there is no deadline', () => {
    const controller = new AbortController();
    expect(deadlineSignal(undefined, controller.signal).signal).toBe(controller.signal);
  });
});

// handleWrite against a scripted WriteRecords sender: the answer and the
// figures it reports when some calls succeed and a later one fails, which the embedded store
// cannot stage call by call.
const AUTH = `Basic ${Buffer.from('AKIDEXAMPLE:secret').toString('base64')}`;
const HEADERS = {
  authorization: AUTH,
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
};
const T = Date.UTC(2026, 0, 1);

const rejectedRecords = (records: unknown[]) =>
  new RejectedRecordsException({
    message: 'One or more records have been rejected.',
    Message: undefined,
    RejectedRecords: records as never,
    $metadata: { httpStatusCode: 419 },
  });

/**
 * A sender whose calls answer in turn from `script`: undefined writes, an error is thrown, and so is
 * an error of a name.
 */
function connector(script: Array<string | Error | undefined>, writeConcurrency = 1) {
  const figures: WriteRequestFigures[] = [];
  const calls: TimestreamCallFigures[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  let call = 0;
  const sizes: number[] = [];
  const logger = new CaptureLogger();
  const send = (_target: unknown, batch: { sampleCount: number }) => {
    sizes.push(batch.sampleCount);
    const answer = script[call++];
    mostInFlight = Math.max(mostInFlight, ++inFlight);
    return new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        inFlight--;
        if (answer === undefined) resolve();
        else if (typeof answer === 'string')
          reject(Object.assign(new Error('scripted refusal'), { name: answer }));
        else reject(answer);
      }),
    );
  };
  const handler = createConnector({
    options: connectorOptions({ writeConcurrency }),
    clients: { get: () => ({ writeRecords: { send } }) } as unknown as ClientCache,
    logger,
    metrics: {
      writeRequest: (f) => figures.push(f),
      readRequest: () => undefined,
      timestreamCall: (f) => calls.push(f),
    },
  });
  return { handler, figures, sizes, calls, logger, mostInFlight: () => mostInFlight };
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
    retried: 0,
  },
  {
    name: 'the second call is throttled',
    script: [undefined, 'ThrottlingException'],
    status: 503,
    body: 'Timestream WriteRecords failed: ThrottlingException: scripted refusal\n63 of 150 samples were written before the failure\n',
    written: 63,
    rejected: 0,
    retried: 87,
  },
  {
    name: 'the second call finds no table',
    script: [undefined, 'ResourceNotFoundException'],
    status: 404,
    body: 'Timestream WriteRecords failed: ResourceNotFoundException: scripted refusal\n63 of 150 samples were written before the failure\n',
    written: 63,
    rejected: 87,
    retried: 0,
  },
  {
    name: 'the second call’s RejectedRecords hold null',
    script: [undefined, rejectedRecords([null])],
    status: 503,
    body: 'Timestream WriteRecords answered a malformed RejectedRecordsException: RejectedRecords[0] is not an object\n63 of 150 samples were written before the failure\n',
    written: 63,
    rejected: 0,
    retried: 87,
  },
  {
    name: 'the second call’s RejectedRecords name one record twice',
    script: [undefined, rejectedRecords([{ RecordIndex: 4 }, { RecordIndex: 4 }])],
    status: 503,
    body: 'Timestream WriteRecords answered a malformed RejectedRecordsException: RejectedRecords[1].RecordIndex 4 is repeated\n63 of 150 samples were written before the failure\n',
    written: 63,
    rejected: 0,
    retried: 87,
  },
])(
  '$name: answers $status and reports every call',
  async ({ script, status, body, written, rejected, retried }) => {
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
        outcome: name === undefined ? 'ok' : typeof name === 'string' ? name : name.name,
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
        retried,
        ignoredExemplars: 0,
        writeCalls: 2,
      },
    ]);
  },
);

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

test('a refused write logs the reasons of its answer, of which Prometheus logs only the first line', async () => {
  const { handler, logger } = connector([rejectedRecords([{ RecordIndex: 0, Reason: 'scripted' }])]);
  const body = snappyCompress(
    encodeWriteRequest({
      timeseries: [
        { labels: [{ name: '__name__', value: 'm' }], samples: [{ value: 1, timestamp: T }] },
        { labels: [{ name: 'job', value: 'a' }], samples: [{ value: 2, timestamp: T }] },
      ],
    }),
  );
  const response = await handler({ method: 'POST', path: '/write', headers: HEADERS, body });
  expect(response.status).toBe(400);
  const line = logger.lines.find((l) => l.msg === 'write refused');
  expect([line?.level, line?.fields.reason, line?.fields.details]).toEqual([
    'warn',
    'wrote 0 of 2 samples; refused 1 samples of 1 invalid or over-limit series and 1 samples rejected by Timestream',
    [
      '- series {job="a"} has no metric name (__name__ label missing or empty)',
      `- sample m@${T} rejected by Timestream: scripted`,
    ],
  ]);
});

const LONG_NAME = 'n'.repeat(61);
const ESCAPED_NAME = `ts_${'n'.repeat(200)}`;
const ESCAPED_REASON =
  `- series ${`m{${ESCAPED_NAME}="v"}`.slice(0, 200)}… has a label name of 204 bytes, over the Timestream ` +
  'dimension name limit of 60 (stored with "_" in front): "ts_';

// The answer cuts each reason to 500 characters (300 until refused samples were named by their
// labels); the series and the name took 300 before. A
// name Timestream reserves (`ts_…`) is stored with "_" in front, which the reason says too: said
// before the limit, it pushed the limit past the cut once the series description reached its 200
// characters.
test.each([
  {
    kind: 'a label name',
    labels: [
      { name: 'instance', value: 'ip-10-0-1-17.eu-west-1.compute.internal:9100' },
      { name: LONG_NAME, value: 'v' },
    ],
    reason: `- series m{instance="ip-10-0-1-17.eu-west-1.compute.internal:9100", ${LONG_NAME}="v"} has a label name of 61 bytes, over the Timestream dimension name limit of 60: "${LONG_NAME}"`,
  },
  {
    kind: 'an escaped label name',
    labels: [{ name: ESCAPED_NAME, value: 'v' }],
    reason: `${`${ESCAPED_REASON}${'n'.repeat(200)}`.slice(0, 502)}…`,
  },
])('a 400 keeps the size and the limit of $kind over 60 bytes in its reason', async ({ labels, reason }) => {
  const { handler } = connector([undefined]);
  const body = snappyCompress(
    encodeWriteRequest({
      timeseries: [
        { labels: [{ name: '__name__', value: 'm' }], samples: [{ value: 1, timestamp: T }] },
        { labels: [{ name: '__name__', value: 'm' }, ...labels], samples: [{ value: 2, timestamp: T }] },
      ],
    }),
  );
  const response = await handler({ method: 'POST', path: '/write', headers: HEADERS, body });
  expect([response.status, String(response.body).split('\n')[1]]).toEqual([400, reason]);
});

test.each([1, 2])('sends at most write_concurrency (%i) calls at once', async (writeConcurrency) => {
  const { handler, sizes, mostInFlight } = connector([undefined, undefined], writeConcurrency);
  const response = await handler({ method: 'POST', path: '/write', headers: HEADERS, body: BODY });
  expect([response.status, sizes, mostInFlight()]).toEqual([204, [63, 87], writeConcurrency]);
});

test('a 400 lists at most ten reasons in all when both the mapping and Timestream refuse samples', async () => {
  // Each source keeps up to ten reasons of its own; together they must still stop at ten.
  const { handler, figures } = connector([
    rejectedRecords([{ RecordIndex: 0, Reason: 'refused by the store' }]),
  ]);
  const body = snappyCompress(
    encodeWriteRequest({
      timeseries: [
        { labels: [{ name: '__name__', value: 'm' }], samples: [{ value: 1, timestamp: T }] },
        ...Array.from({ length: 12 }, (_, i) => ({
          labels: [{ name: 'i', value: String(i) }],
          samples: [{ value: i, timestamp: T }],
        })),
      ],
    }),
  );
  const response = await handler({ method: 'POST', path: '/write', headers: HEADERS, body });
  const lines = String(response.body).split('\n');
  expect([response.status, lines.length, lines[0], lines[11]]).toEqual([
    400,
    12,
    'wrote 0 of 13 samples; refused 12 samples of 12 invalid or over-limit series and 1 samples rejected by Timestream',
    '',
  ]);
  expect(figures).toMatchObject([{ status: 400, received: 13, written: 0, rejected: 13, writeCalls: 1 }]);
});

test('a bug while mapping answers 503 and counts the decoded samples as received but none as rejected', async () => {
  // Prometheus resends a 503, so its samples are not lost: the rejected count must not claim them.
  const figures: WriteRequestFigures[] = [];
  const logger = new CaptureLogger();
  await jest.isolateModulesAsync(async () => {
    jest.doMock('../../../lambda/timestream/records', () => ({
      ...jest.requireActual('../../../lambda/timestream/records'),
      toWriteBatches: () => {
        throw new TypeError('mapping exploded');
      },
    }));
    const isolated = await import('../../../lambda/core/connector');
    const handler = isolated.createConnector({
      options: connectorOptions(),
      clients: { get: () => ({ writeRecords: { send: () => Promise.resolve() } }) } as unknown as ClientCache,
      logger,
      metrics: {
        writeRequest: (f) => figures.push(f),
        readRequest: () => undefined,
        timestreamCall: () => undefined,
      },
    });
    const response = await handler({ method: 'POST', path: '/write', headers: HEADERS, body: BODY });
    expect([
      response.status,
      response.body,
      response.headers['x-prometheus-remote-write-samples-written'],
    ]).toEqual([503, 'internal error\n', '0']);
  });
  jest.dontMock('../../../lambda/timestream/records');
  expect(figures).toMatchObject([
    { status: 503, received: 150, written: 0, rejected: 0, retried: 150, writeCalls: 0 },
  ]);
  expect(logger.lines.find((l) => l.msg === 'write failed')?.fields.err).toMatchObject({
    message: 'mapping exploded',
  });
});

test('a write still in flight at the request deadline (less the margin) stops with 503 and nothing written', async () => {
  const figures: WriteRequestFigures[] = [];
  // Answers only when the call is aborted; a call that gets no signal would write at once.
  const send = (_target: unknown, _batch: unknown, signal?: AbortSignal) =>
    signal === undefined
      ? Promise.resolve()
      : new Promise<void>((_resolve, reject) =>
          signal.addEventListener('abort', () =>
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
          ),
        );
  const handler = createConnector({
    options: connectorOptions(),
    clients: { get: () => ({ writeRecords: { send } }) } as unknown as ClientCache,
    logger: new CaptureLogger(),
    metrics: {
      writeRequest: (f) => figures.push(f),
      readRequest: () => undefined,
      timestreamCall: () => undefined,
    },
  });
  const response = await handler({
    method: 'POST',
    path: '/write',
    headers: HEADERS,
    body: BODY,
    deadlineMs: Date.now() + DEADLINE_MARGIN_MS,
  });
  expect([response.status, response.headers['x-prometheus-remote-write-samples-written']]).toEqual([
    503,
    '0',
  ]);
  expect(figures).toMatchObject([{ status: 503, received: 150, written: 0, rejected: 0, retried: 150 }]);
});

test('a finished write leaves no listener on the shared shutdown signal', async () => {
  // Every request in flight listens on the one shutdown signal: one left behind per request would
  // grow without bound over the life of a server.
  const shutdown = new AbortController();
  const handler = createConnector({
    options: connectorOptions(),
    clients: { get: () => ({ writeRecords: { send: () => Promise.resolve() } }) } as unknown as ClientCache,
    logger: new CaptureLogger(),
    metrics: { writeRequest: () => undefined, readRequest: () => undefined, timestreamCall: () => undefined },
    shutdownSignal: shutdown.signal,
  });
  const response = await handler({
    method: 'POST',
    path: '/write',
    headers: HEADERS,
    body: BODY,
    signal: new AbortController().signal,
  });
  expect([response.status, getEventListeners(shutdown.signal, 'abort').length]).toEqual([204, 0]);
});

test('counts exemplars by the answer that ends the request, not by a 503 Prometheus resends', async () => {
  const { handler, figures } = connector(['ThrottlingException', undefined]);
  const body = snappyCompress(
    oracleEncode(oracle.WriteRequest, {
      timeseries: [
        {
          labels: [{ name: '__name__', value: 'm' }],
          samples: [{ value: 1, timestamp: T }],
          exemplars: [{ labels: [{ name: 'trace_id', value: 'a1' }], value: 0.5, timestamp: T }],
        },
      ],
    }),
  );
  const statuses = [];
  for (let attempt = 0; attempt < 2; attempt++)
    statuses.push((await handler({ method: 'POST', path: '/write', headers: HEADERS, body })).status);
  expect(statuses).toEqual([503, 204]);
  expect(figures.map((f) => [f.status, f.ignoredExemplars])).toEqual([
    [503, 0],
    [204, 1],
  ]);
});

/** BODY plus a staleness marker, a nameless series and a sample at a time Timestream cannot store. */
const BODY_WITH_SKIPPED = snappyCompress(
  encodeWriteRequest({
    timeseries: [
      ...Array.from({ length: 150 }, (_, i) => ({
        labels: [
          { name: '__name__', value: 'm' },
          { name: 'i', value: String(i) },
        ],
        samples: [{ value: i, timestamp: T }],
      })),
      {
        labels: [
          { name: '__name__', value: 'm' },
          { name: 'i', value: 'stale' },
        ],
        samples: [{ value: staleNaN(), timestamp: T }],
      },
      { labels: [{ name: 'i', value: 'nameless' }], samples: [{ value: 1, timestamp: T }] },
      {
        labels: [
          { name: '__name__', value: 'm' },
          { name: 'i', value: 'early' },
        ],
        samples: [{ value: 1, timestamp: -1 }],
      },
    ],
  }),
);

test.each([
  {
    name: 'every call writes',
    script: [undefined, undefined],
    status: 400,
    ignored: { stale: 1, invalid_series: 1, invalid_timestamp: 1 },
    rejected: 2,
    written: 150,
    retried: 0,
  },
  {
    name: 'the first call has a record rejected',
    script: [rejectedRecords([{ RecordIndex: 0, Reason: 'refused by the store' }]), undefined],
    status: 400,
    ignored: { stale: 1, invalid_series: 1, invalid_timestamp: 1 },
    rejected: 3,
    written: 149,
    retried: 0,
  },
  {
    name: 'the second call is throttled',
    script: [undefined, 'ThrottlingException'],
    status: 503,
    ignored: {},
    rejected: 0,
    written: 63,
    retried: 90,
  },
  {
    name: 'the first call has a record rejected and the second is throttled',
    script: [rejectedRecords([{ RecordIndex: 0, Reason: 'refused by the store' }]), 'ThrottlingException'],
    status: 503,
    ignored: {},
    rejected: 0,
    written: 62,
    retried: 91,
  },
])(
  '$name: skipped and refused samples are counted by the answer that ends the request, never by a 503 Prometheus resends',
  async ({ script, status, ignored, rejected, written, retried }) => {
    const { handler, figures } = connector(script);
    const response = await handler({
      method: 'POST',
      path: '/write',
      headers: HEADERS,
      body: BODY_WITH_SKIPPED,
    });
    expect(response.status).toBe(status);
    const [figure] = figures;
    expect([
      figure.received,
      Object.fromEntries(Object.entries(figure.ignored).filter(([, n]) => n > 0)),
      figure.rejected,
      figure.written,
      figure.retried,
    ]).toEqual([153, ignored, rejected, written, retried]);
    // Every sample is in exactly one of written, skipped by policy, rejected and retried.
    expect(figure.written + (figure.ignored.stale ?? 0) + figure.rejected + figure.retried).toBe(153);
  },
);

test('a write an edge will not serve (too many in progress) answers 503 with its reason, counted, without a Timestream call', async () => {
  const { handler, figures, sizes } = connector([]);
  const response = await handler({
    method: 'POST',
    path: '/write',
    headers: HEADERS,
    body: new Uint8Array(0),
    unserved: 'too many writes in progress',
  });
  expect(response).toEqual({
    status: 503,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'retry-after': '1',
      'x-prometheus-remote-write-samples-written': '0',
    },
    body: 'too many writes in progress\n',
  });
  expect(sizes).toEqual([]);
  expect(figures.map((f) => [f.status, f.received, f.written, f.retried, f.writeCalls])).toEqual([
    [503, 0, 0, 0, 0],
  ]);
});

test("a write's wait for a turn at the edge is part of its duration, and its log line gives it", async () => {
  const figures: WriteRequestFigures[] = [];
  const logger = new CaptureLogger();
  const timed = createConnector({
    options: connectorOptions({}),
    clients: { get: () => ({ writeRecords: { send: async () => undefined } }) } as unknown as ClientCache,
    logger,
    metrics: {
      writeRequest: (f) => figures.push(f),
      readRequest: () => undefined,
      timestreamCall: () => undefined,
    },
  });
  const base = { method: 'POST', path: '/write', headers: HEADERS, body: new Uint8Array(0) };
  await timed({ ...base, unserved: 'busy', waitedMs: 10_000.04 });
  await timed({ ...base, unserved: 'busy', waitedMs: 0.01 });
  expect(figures[0].durationMs).toBeGreaterThanOrEqual(10_000.04);
  expect(logger.lines.map((l) => [l.msg, l.fields.status, l.fields.waitedMs])).toEqual([
    ['write failed', 503, 10_000],
    ['write failed', 503, undefined],
  ]);
});
