// SPDX-License-Identifier: Apache-2.0
// Writes that cannot finish in time: a Lambda invocation whose deadline comes before the store
// answers gets 503 (Prometheus resends) before the deadline, and a server shutdown whose grace
// period runs out answers every in-flight write 503 — never a 204 for data that is not stored,
// never a dropped connection without a status. Writes that can finish in time are stored.

import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { Registry } from 'prom-client';
import { snappyCompress } from '../../lambda/codec/snappy';
import { createConnector } from '../../lambda/core/connector';
import { DEADLINE_MARGIN_MS } from '../../lambda/core/write-handler';
import { createLambdaHandler } from '../../lambda/entrypoints/lambda-adapter';
import { startServer } from '../../lambda/entrypoints/server';
import { startLocalStore, type LocalStore } from '../../lambda/local-store';
import { createPromMetrics } from '../../lambda/observability/metrics';
import { encodeReadRequest, encodeWriteRequest } from '../../lambda/prompb/codec';
import type { WriteRequest } from '../../lambda/prompb/types';
import { ClientCache } from '../../lambda/timestream/clients';
import { CaptureLogger } from '../support/capture-logger';
import { BASIC_AUTH, DATABASE, TABLE } from '../support/harness';
import { probeKeys, probeRequest } from './probe';
import { reportCounts } from './support';
import { connectorOptions } from '../support/connector-options';

const OPTIONS = connectorOptions({
  database: DATABASE,
  table: TABLE,
  writeConcurrency: 8,
  readConcurrency: 4,
});
const HEADERS = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  authorization: BASIC_AUTH,
};
const WRITTEN = 'x-prometheus-remote-write-samples-written';

let store: LocalStore;
beforeAll(async () => {
  store = await startLocalStore({ dataDir: ':memory:', port: 0 });
  await store.ensureTable(DATABASE, TABLE, {
    memoryStoreRetentionHours: 8766,
    magneticStoreRetentionDays: 73000,
    enableMagneticStoreWrites: true,
  });
});
afterEach(() => store.setFaults({}));
afterAll(() => store.close());

/** A connector over the store; `shutdown` aborts its Timestream calls like the CLI's controller. */
function connector(shutdown?: AbortController) {
  const clients = new ClientCache({
    region: 'us-east-1',
    writeEndpoint: store.endpoint,
    queryEndpoint: store.endpoint,
    maxWriteRetries: 0,
    maxReadRetries: 0,
    writeTimeoutMs: 60_000,
    readTimeoutMs: 60_000,
    maxSockets: 16,
  });
  const handle = createConnector({
    options: OPTIONS,
    clients,
    logger: new CaptureLogger(),
    metrics: createPromMetrics(new Registry()),
    shutdownSignal: shutdown?.signal,
  });
  return { handle, clients };
}

/** Keys of a probe the store holds (SQL straight on the engine, no connector involved). */
async function storedKeys(probe: string): Promise<number> {
  const result = (await store.engine.handle('Query', {
    QueryString: `SELECT count(*) AS n FROM "${DATABASE}"."${TABLE}" WHERE probe = '${probe}'`,
  })) as { Rows: { Data: { ScalarValue: string }[] }[] };
  return Number(result.Rows[0].Data[0].ScalarValue);
}

const lambdaEvent = (request: WriteRequest) => ({
  version: '2.0',
  rawPath: '/write',
  headers: HEADERS,
  body: Buffer.from(snappyCompress(encodeWriteRequest(request))).toString('base64'),
  isBase64Encoded: true,
  requestContext: { http: { method: 'POST', path: '/write' } },
});

describe('a Lambda invocation near its deadline', () => {
  const REMAINING_MS = 2000;

  test('answers 503 with Retry-After before the deadline when the store is slower than the time left', async () => {
    const { handle, clients } = connector();
    const lambda = createLambdaHandler(handle);
    store.setFaults({ latencyMs: 4000 });
    const started = Date.now();
    const result = await lambda(lambdaEvent(probeRequest('lambda-late', 2, 5)), {
      getRemainingTimeInMillis: () => REMAINING_MS,
    });
    const elapsedMs = Date.now() - started;
    clients.destroy();
    expect([result.statusCode, result.headers['retry-after'], result.headers[WRITTEN]]).toEqual([
      503,
      '1',
      '0',
    ]);
    expect(result.body).toMatch(/^write aborted|^Timestream WriteRecords failed/);
    // The point of DEADLINE_MARGIN_MS: the answer leaves before Lambda would kill the invocation.
    expect(elapsedMs).toBeLessThan(REMAINING_MS);
    expect(elapsedMs).toBeGreaterThanOrEqual(REMAINING_MS - DEADLINE_MARGIN_MS - 50);
  }, 10_000);

  test('answers a read 503 before the deadline when the store is slower than the time left', async () => {
    const { handle, clients } = connector();
    const lambda = createLambdaHandler(handle);
    store.setFaults({ latencyMs: 4000 });
    const body = encodeReadRequest({
      queries: [
        { startTimestampMs: 0, endTimestampMs: 1, matchers: [{ type: 0, name: '__name__', value: 'x' }] },
      ],
      acceptedResponseTypes: [0],
    });
    const started = Date.now();
    const result = await lambda(
      {
        ...lambdaEvent(probeRequest('unused', 1, 1)),
        body: Buffer.from(snappyCompress(body)).toString('base64'),
        rawPath: '/read',
      },
      { getRemainingTimeInMillis: () => REMAINING_MS },
    );
    const elapsedMs = Date.now() - started;
    clients.destroy();
    expect([result.statusCode, result.headers['retry-after']]).toEqual([503, '1']);
    expect(elapsedMs).toBeLessThan(REMAINING_MS);
  }, 10_000);

  test('answers 204 and stores the samples when the store answers in time', async () => {
    const { handle, clients } = connector();
    const lambda = createLambdaHandler(handle);
    store.setFaults({ latencyMs: 50 });
    const request = probeRequest('lambda-in-time', 2, 5);
    const result = await lambda(lambdaEvent(request), { getRemainingTimeInMillis: () => REMAINING_MS });
    clients.destroy();
    expect([result.statusCode, result.headers[WRITTEN]]).toEqual([204, '10']);
    expect(await storedKeys('lambda-in-time')).toBe(probeKeys(request).length);
  });
});

describe('a server shutdown with writes in flight', () => {
  const IN_FLIGHT = 6;

  /**
   * A standalone server over a connector whose Timestream calls its shutdown aborts; `arrived`
   * resolves once IN_FLIGHT requests have reached the handler.
   */
  async function serving(shutdownGraceMs?: number) {
    const shutdownController = new AbortController();
    const { handle, clients } = connector(shutdownController);
    let count = 0;
    let allArrived = () => {};
    const arrived = new Promise<void>((resolve) => (allArrived = resolve));
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      telemetryPath: '/metrics',
      maxBodyBytes: 1 << 20,
      handler: (request) => {
        if (++count === IN_FLIGHT) allArrived();
        return handle(request);
      },
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
      logger: new CaptureLogger(),
      shutdownController,
      shutdownGraceMs,
    });
    return { server, clients, arrived };
  }

  async function shutdownUnderLoad(latencyMs: number, graceMs: number, probe: string) {
    const { server, clients, arrived } = await serving(graceMs);
    store.setFaults({ latencyMs });
    const requests = Array.from({ length: IN_FLIGHT }, (_, i) => probeRequest(`${probe}-${i}`, 2, 10));
    const responses = requests.map((request) =>
      fetch(`${server.url}/write`, {
        method: 'POST',
        headers: { ...HEADERS, connection: 'close' },
        body: snappyCompress(encodeWriteRequest(request)),
      }).then(
        async (r) => ({
          status: r.status,
          written: r.headers.get(WRITTEN),
          retryAfter: r.headers.get('retry-after'),
          body: await r.text(),
        }),
        (error: Error) => ({
          status: 0,
          written: null,
          retryAfter: null,
          body: String(error.cause ?? error),
        }),
      ),
    );
    // Shut down once every request is in the handler (the store's latency holds it there): after a
    // fixed wait instead, a loaded machine could shut down before some had arrived (no answer).
    await arrived;
    await server.close();
    const answers = await Promise.all(responses);
    clients.destroy();
    store.setFaults({});
    return answers;
  }

  test('finishes in-flight writes within the grace period: every one 204 and stored', async () => {
    const answers = await shutdownUnderLoad(600, 10_000, 'drain');
    expect(answers.map((a) => [a.status, a.written])).toEqual(Array(IN_FLIGHT).fill([204, '20']));
    for (let i = 0; i < IN_FLIGHT; i++) expect(await storedKeys(`drain-${i}`)).toBe(20);
    reportCounts('shutdown-drain', { inFlight: IN_FLIGHT, samplesVerified: IN_FLIGHT * 20 });
  }, 20_000);

  test('closes the kept-alive connections of in-flight writes after their answer, so nothing new arrives on them', async () => {
    const { server, clients } = await serving();
    store.setFaults({ latencyMs: 600 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (probe: string) =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const body = snappyCompress(encodeWriteRequest(probeRequest(probe, 2, 10)));
        const req = request(
          `${server.url}/write`,
          { method: 'POST', agent, headers: { ...HEADERS, 'content-length': String(body.length) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      // A first write opens the kept-alive connection and is answered before the shutdown.
      expect(await post('keepalive-before')).toEqual({ status: 204, connection: 'keep-alive' });
      const inFlight = post('keepalive-during');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const closed = server.close();
      expect(await inFlight).toEqual({ status: 204, connection: 'close' });
      await closed;
    } finally {
      agent.destroy();
      clients.destroy();
      store.setFaults({});
    }
  }, 20_000);

  test('does not write a request that arrives on a kept-alive connection after the shutdown began', async () => {
    const { server, clients } = await serving();
    store.setFaults({ latencyMs: 600 });
    /** One HTTP/1.1 request as bytes, so a second can be sent on the connection before the first is answered. */
    const raw = (probe: string) => {
      const body = Buffer.from(snappyCompress(encodeWriteRequest(probeRequest(probe, 2, 10))));
      const head = [
        'POST /write HTTP/1.1',
        'host: 127.0.0.1',
        ...Object.entries(HEADERS).map(([name, value]) => `${name}: ${value}`),
        `content-length: ${body.length}`,
      ];
      return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), body]);
    };
    const socket = connect(server.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    try {
      socket.write(raw('pipelined-first'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const closed = server.close();
      // Pipelined behind the first, which is still waiting on the store.
      socket.write(raw('pipelined-late'));
      await closed;
      await ended;
      // One answer, for the first request, which closes the connection; the late request was
      // turned away unwritten, so a Prometheus that resends it writes it once.
      const text = Buffer.concat(received).toString('latin1');
      expect(text.match(/^HTTP\/1\.1 \d+/gm)).toEqual(['HTTP/1.1 204']);
      expect(text).toMatch(/\r\nconnection: close\r\n/i);
      expect([await storedKeys('pipelined-first'), await storedKeys('pipelined-late')]).toEqual([20, 0]);
    } finally {
      socket.destroy();
      clients.destroy();
      store.setFaults({});
    }
  }, 20_000);

  test('answers every in-flight write 503 with Retry-After once the grace period runs out', async () => {
    const answers = await shutdownUnderLoad(3000, 200, 'abort');
    expect(answers.map((a) => [a.status, a.written, a.retryAfter])).toEqual(
      Array(IN_FLIGHT).fill([503, '0', '1']),
    );
    for (const answer of answers) expect(answer.body).toMatch(/^Timestream WriteRecords failed: AbortError/);
    reportCounts('shutdown-abort', { inFlight: IN_FLIGHT });
  }, 20_000);
});
