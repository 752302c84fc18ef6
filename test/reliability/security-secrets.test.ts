// SPDX-License-Identifier: Apache-2.0
// Credentials and echoes: requests without valid credentials never reach Timestream; the secret
// key, the session token and the raw Authorization header never appear in logs (the real pino
// logger, JSON and logfmt, at debug), responses or metrics, whether the request succeeds or fails;
// hostile paths, headers and bodies are never echoed raw into a response.

import { Registry } from 'prom-client';
import { snappyCompress } from '../../lambda/codec/snappy';
import { createConnector } from '../../lambda/core/connector';
import { createLambdaHandler } from '../../lambda/entrypoints/lambda-adapter';
import { startServer, type RunningServer } from '../../lambda/entrypoints/server';
import { startLocalStore, type LocalStore } from '../../lambda/local-store';
import { createLogger, type LogFormat } from '../../lambda/observability/logger';
import { createPromMetrics } from '../../lambda/observability/metrics';
import { encodeReadRequest, encodeWriteRequest } from '../../lambda/prompb/codec';
import { ClientCache } from '../../lambda/timestream/clients';
import {
  BASIC_AUTH,
  DATABASE,
  EDGES,
  startHarness,
  TABLE,
  type Edge,
  type Harness,
} from '../support/harness';
import { probeRequest } from './probe';
import { reportCounts } from './support';
import { connectorOptions } from '../support/connector-options';

const KEY_ID = 'AKIDSECRETSTEST';
const SECRET = 'Sup3r/Secret+Value=0123456789abcdef';
const SESSION_KEY_ID = 'ASIASESSIONTEST';
const SESSION_SECRET = 'Sess10n/Secret+Value=fedcba9876543210';
const SESSION_TOKEN = 'FwoGZXIvYXdzEBYaDSessionTokenValue0123456789==';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const PROTO = { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf' };
const WRITE_BODY = snappyCompress(encodeWriteRequest(probeRequest('secrets', 2, 3)));
const READ_BODY = snappyCompress(
  encodeReadRequest({
    queries: [
      { startTimestampMs: 0, endTimestampMs: 2e12, matchers: [{ type: 0, name: 'probe', value: 'secrets' }] },
    ],
    acceptedResponseTypes: [0],
  }),
);

/** Every spelling of a secret that must never be printed. */
const FORBIDDEN = [
  SECRET,
  SESSION_SECRET,
  SESSION_TOKEN,
  basic(KEY_ID, SECRET).slice('Basic '.length),
  basic(SESSION_KEY_ID, SESSION_SECRET).slice('Basic '.length),
  basic(KEY_ID, 'wrong-secret').slice('Basic '.length),
  'wrong-secret',
];

describe.each<LogFormat>(['json', 'logfmt'])('with %s logs at debug', (format) => {
  let store: LocalStore;
  let server: RunningServer;
  let lambda: ReturnType<typeof createLambdaHandler>;
  let clients: ClientCache;
  const lines: string[] = [];
  const responses: string[] = [];
  let metricsText: () => Promise<string>;

  beforeAll(async () => {
    const logger = createLogger({
      level: 'debug',
      format,
      enabled: true,
      destination: { write: (line: string) => void lines.push(line) },
    });
    store = await startLocalStore({
      dataDir: ':memory:',
      port: 0,
      credentials: [
        { accessKeyId: KEY_ID, secretAccessKey: SECRET },
        { accessKeyId: SESSION_KEY_ID, secretAccessKey: SESSION_SECRET, sessionToken: SESSION_TOKEN },
      ],
      log: (line) => logger.debug(line, 'local store'),
    });
    await store.ensureTable(DATABASE, TABLE, {
      memoryStoreRetentionHours: 8766,
      magneticStoreRetentionDays: 73000,
      enableMagneticStoreWrites: true,
    });
    clients = new ClientCache({
      region: 'us-east-1',
      writeEndpoint: store.endpoint,
      queryEndpoint: store.endpoint,
      maxWriteRetries: 0,
      maxReadRetries: 0,
      writeTimeoutMs: 5000,
      readTimeoutMs: 5000,
      maxSockets: 8,
    });
    const registry = new Registry();
    const metrics = createPromMetrics(registry);
    metricsText = () => metrics.metrics();
    const handle = createConnector({
      options: connectorOptions({
        database: DATABASE,
        table: TABLE,
        writeConcurrency: 4,
        readConcurrency: 2,
      }),
      clients,
      logger,
      metrics,
    });
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      telemetryPath: '/metrics',
      maxBodyBytes: 1 << 20,
      handler: handle,
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.metrics() }),
      logger,
    });
    lambda = createLambdaHandler(handle);
  });
  afterAll(async () => {
    await server.close();
    clients.destroy();
    await store.close();
  });

  async function send(edge: Edge, path: string, body: Uint8Array, headers: Record<string, string>) {
    if (edge === 'server') {
      const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, body });
      const text = [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n') + (await response.text());
      responses.push(text);
      return response.status;
    }
    const result = await lambda(
      {
        version: '2.0',
        rawPath: path,
        headers,
        body: Buffer.from(body).toString('base64'),
        isBase64Encoded: true,
        requestContext: { http: { method: 'POST', path } },
      },
      { getRemainingTimeInMillis: () => 30_000 },
    );
    responses.push(
      JSON.stringify(result.headers) + Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
    );
    return result.statusCode;
  }

  // `corrupt`: the answer to a corrupt body. A wrong secret is only found out by Timestream, and a
  // corrupt body is refused before any call, so only malformed credentials turn it into a 401.
  const CASES: {
    name: string;
    headers: Record<string, string>;
    write: number;
    read: number;
    corrupt: number;
  }[] = [
    {
      name: 'a valid key pair',
      headers: { authorization: basic(KEY_ID, SECRET) },
      write: 204,
      read: 200,
      corrupt: 400,
    },
    {
      name: 'a valid key pair with its session token',
      headers: {
        authorization: basic(SESSION_KEY_ID, SESSION_SECRET),
        'x-amz-security-token': SESSION_TOKEN,
      },
      write: 204,
      read: 200,
      corrupt: 400,
    },
    {
      name: 'a wrong secret',
      headers: { authorization: basic(KEY_ID, 'wrong-secret') },
      write: 401,
      read: 401,
      corrupt: 400,
    },
    {
      name: 'a wrong session token',
      headers: { authorization: basic(SESSION_KEY_ID, SESSION_SECRET), 'x-amz-security-token': `${SECRET}x` },
      write: 401,
      read: 401,
      corrupt: 400,
    },
    {
      name: 'a secret without a key id',
      headers: { authorization: `Basic ${Buffer.from(SECRET).toString('base64')}` },
      write: 401,
      read: 401,
      corrupt: 401,
    },
  ];

  test.each(EDGES)('never logs, answers or exports a secret (%s edge)', async (edge) => {
    for (const { name, headers, write, read, corrupt } of CASES) {
      expect([name, await send(edge, '/write', WRITE_BODY, { ...PROTO, ...headers })]).toEqual([name, write]);
      expect([name, await send(edge, '/read', READ_BODY, { ...PROTO, ...headers })]).toEqual([name, read]);
      const corruptStatus = await send(edge, '/write', Buffer.from([1, 2, 3]), { ...PROTO, ...headers });
      expect([name, corruptStatus]).toEqual([name, corrupt]);
    }
    const everything = [...lines, ...responses, await metricsText()].join('\n');
    expect(lines.length).toBeGreaterThan(CASES.length * 3);
    for (const secret of FORBIDDEN) expect([secret, everything.includes(secret)]).toEqual([secret, false]);
    reportCounts(`security-secrets-${format}-${edge}`, {
      requests: CASES.length * 3,
      logLines: lines.length,
    });
  });
});

describe('requests without valid credentials', () => {
  let h: Harness;
  const storeRequests: unknown[] = [];
  beforeAll(async () => {
    h = await startHarness({ store: { log: (line) => storeRequests.push(line) } });
  });
  afterAll(() => h.close());

  const BAD: { name: string; headers: Record<string, string> }[] = [
    { name: 'no Authorization header', headers: {} },
    { name: 'an empty Authorization header', headers: { authorization: '' } },
    { name: 'a bearer token', headers: { authorization: 'Bearer abc.def.ghi' } },
    {
      name: 'basic auth without a colon',
      headers: { authorization: `Basic ${Buffer.from('AKIDONLY').toString('base64')}` },
    },
    { name: 'an empty secret', headers: { authorization: basic('AKIDX', '') } },
    { name: 'a key id with symbols', headers: { authorization: basic("AKID' OR 1=1", 'secret') } },
    { name: 'a secret with whitespace', headers: { authorization: basic('AKIDX', 'sec ret') } },
    {
      name: 'a malformed session token',
      headers: { authorization: BASIC_AUTH, 'x-amz-security-token': 'a b' },
    },
    { name: 'a 10 KiB Authorization header', headers: { authorization: `Basic ${'A'.repeat(10_240)}` } },
    { name: 'invalid base64', headers: { authorization: 'Basic ***' } },
  ];

  describe.each(EDGES)('through the %s edge', (edge) => {
    test.each(BAD)(
      'answer 401 with a challenge for $name and never reach Timestream',
      async ({ headers }) => {
        const before = storeRequests.length;
        for (const [path, body] of [
          ['/write', WRITE_BODY],
          ['/read', READ_BODY],
        ] as const) {
          const response = await h.send(edge, path, body, { ...PROTO, ...headers });
          expect([response.status, response.headers['www-authenticate']]).toEqual([
            401,
            'Basic realm="timestream"',
          ]);
        }
        expect(storeRequests.length).toBe(before);
      },
    );
  });

  test('wrote nothing at all', () => {
    expect(h.store.metering().calls).toBe(0);
  });
});

describe('hostile input is never echoed raw', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  /** Characters that must never come back raw: CR, ESC, the 8-bit CSI, NUL. */
  const RAW = ['\r', '\u001b', '\u009b', '\u0000'];
  const PAYLOAD = 'x\r\nSet-Cookie: a=b\n\u001b[31m\u009b2J<script>alert(1)</script>\u0000';

  /** What a real HTTP client can send in a header: no CR, LF, NUL or ESC. */
  const HEADER_SAFE = '\u009b2J<script>alert(1)</script>';
  const AUTHED = { ...PROTO, authorization: BASIC_AUTH };

  const CASES: {
    name: string;
    edges: readonly Edge[];
    path: string;
    headers: Record<string, string>;
    body?: Uint8Array;
    status: number;
    /** How the payload comes back (escaped). */
    echo?: string;
  }[] = [
    { name: 'a path', edges: ['lambda'], path: `/${PAYLOAD}`, headers: {}, status: 404 },
    {
      name: 'a Content-Type',
      edges: ['lambda'],
      path: '/write',
      headers: { ...AUTHED, 'content-type': PAYLOAD },
      status: 415,
    },
    {
      name: 'a Content-Encoding',
      edges: ['lambda'],
      path: '/write',
      headers: { ...AUTHED, 'content-encoding': PAYLOAD },
      status: 415,
    },
    {
      name: 'an HTTP-legal Content-Type',
      edges: ['server'],
      path: '/write',
      headers: { ...AUTHED, 'content-type': HEADER_SAFE },
      status: 415,
      echo: '\\x9b2J<script>alert(1)</script>',
    },
    {
      name: 'a label value refused by validation',
      edges: EDGES,
      path: '/write',
      headers: { ...PROTO, authorization: BASIC_AUTH },
      body: snappyCompress(
        encodeWriteRequest({
          timeseries: [
            {
              labels: [
                { name: '__name__', value: PAYLOAD },
                { name: 'dup', value: PAYLOAD },
                { name: 'dup', value: PAYLOAD },
              ],
              samples: [{ value: 1, timestamp: 1_763_000_000_000 }],
            },
          ],
        }),
      ),
      status: 400,
    },
    {
      name: 'a regex matcher',
      edges: EDGES,
      path: '/read',
      headers: { ...PROTO, authorization: BASIC_AUTH },
      body: snappyCompress(
        encodeReadRequest({
          queries: [
            {
              startTimestampMs: 0,
              endTimestampMs: 1,
              matchers: [{ type: 2, name: 'x', value: `(${PAYLOAD}` }],
            },
          ],
          acceptedResponseTypes: [0],
        }),
      ),
      status: 400,
      echo: '"(x\\r\\nSet-Cookie: a=b\\n\\u001b[31m\\x9b2J<script>',
    },
  ];

  const rows = CASES.flatMap((c) => c.edges.map((edge) => ({ ...c, edge })));
  test.each(rows)('in $name ($edge edge)', async ({ edge, path, headers, body, status, echo }) => {
    const response = await h.send(edge, path, body ?? new Uint8Array(), headers);
    expect(response.status).toBe(status);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    const text = response.body.toString('utf8');
    const headerText = Object.entries(response.headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n');
    for (const raw of RAW)
      expect([raw, text.includes(raw) || headerText.includes(raw)]).toEqual([raw, false]);
    // The injected line break stays inside its line: nothing starts a new line or header of its own.
    expect(text).not.toMatch(/^Set-Cookie/m);
    expect(headerText).not.toMatch(/set-cookie/i);
    expect(text).toContain(echo ?? 'x\\x0d\\x0aSet-Cookie: a=b\\x0a\\x1b[31m\\x9b2J<script>');
  });
});
