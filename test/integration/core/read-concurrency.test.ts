// SPDX-License-Identifier: Apache-2.0
// `read_concurrency` (--read-concurrency, default 8): the queries of one remote-read request that
// run at once. A read of more queries than that goes through the Lambda entry point, its settings
// from the environment as Lambda loads them, to the embedded store over HTTP, which holds every
// SELECT until as many as may run at once have arrived: the most held at once is the setting,
// exactly, and every answer still comes back in query order.

import { snappyCompress, snappyUncompress } from '../../../lambda/codec/snappy';
import type { LambdaHandler } from '../../../lambda/entrypoints/lambda-adapter';
import { decodeReadResponse, encodeReadRequest } from '../../../lambda/prompb/codec';
import { MatcherType, type Query } from '../../../lambda/prompb/types';
import { BASIC_AUTH, DATABASE, TABLE, startHarness, type Harness } from '../../support/harness';

const T0 = Date.now() - 3_600_000;
/**
 * How long a full wave is held before it goes, so that a call beyond the bound (were the setting
 * ignored) has arrived and is counted: the connector starts every call of a wave in one tick.
 */
const SETTLE_MS = 50;
/**
 * When a wave never fills (fewer run at once than the setting), it goes after this, so that the
 * counts fail rather than the test hanging.
 */
const UNFILLED_MS = 1_000;

/** Loads the Lambda entry point on the store with `read_concurrency` set (or unset: the default). */
function loadHandler(endpoint: string, readConcurrency: string | undefined): LambdaHandler {
  Object.assign(process.env, {
    default_database: DATABASE,
    default_table: TABLE,
    region: 'us-east-1',
    write_base_endpoint: endpoint,
    query_base_endpoint: endpoint,
    enable_logging: 'false',
    // Each load brings its own SDK modules, and each would warn once of node versions.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  if (readConcurrency === undefined) delete process.env.read_concurrency;
  else process.env.read_concurrency = readConcurrency;
  let handler: LambdaHandler | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require('../../../lambda/entrypoints/lambda') as { handler: LambdaHandler }).handler;
  });
  return handler as LambdaHandler;
}

/**
 * Holds the store's SELECT calls (not the DESCRIBE) in waves: a wave goes once as many calls are
 * held as a bound of `bound` runs at once with `total` queries not yet let go, its calls one after
 * another in reverse arrival order, so a later query is answered before an earlier one.
 */
function holdSelects(store: Harness['store'], total: number, bound: number) {
  const engine = store.engine;
  const original = engine.handle.bind(engine);
  let inFlight = 0;
  let most = 0;
  let letGo = 0;
  const held: (() => Promise<void>)[] = [];
  let timer: NodeJS.Timeout | undefined;
  const waves: number[] = [];
  const release = () => {
    timer = undefined;
    const wave = held.splice(0).reverse();
    waves.push(wave.length);
    letGo += wave.length;
    void wave.reduce((previous, next) => previous.then(next), Promise.resolve());
  };
  const consider = () => {
    if (held.length === 0) return;
    clearTimeout(timer);
    timer = setTimeout(release, held.length >= Math.min(bound, total - letGo) ? SETTLE_MS : UNFILLED_MS);
  };
  engine.handle = async (operation, body, rendered) => {
    const sql = (body as { QueryString?: string }).QueryString ?? '';
    if (operation !== 'Query' || sql.startsWith('DESCRIBE')) return original(operation, body, rendered);
    inFlight++;
    most = Math.max(most, inFlight);
    try {
      return await new Promise((resolve, reject) => {
        held.push(() => original(operation, body, rendered).then(resolve, reject));
        consider();
      });
    } finally {
      inFlight--;
    }
  };
  return {
    counts: () => ({ most, waves }),
    restore: () => {
      clearTimeout(timer);
      engine.handle = original;
    },
  };
}

/** Query i selects the series `rc_i`, whose one sample is i. */
const queryFor = (i: number): Query => ({
  startTimestampMs: T0,
  endTimestampMs: T0,
  matchers: [{ type: MatcherType.EQ, name: '__name__', value: `rc_${i}` }],
});

describe('read_concurrency', () => {
  let h: Harness;
  let saved: NodeJS.ProcessEnv;
  const MOST_QUERIES = 17;
  beforeAll(async () => {
    h = await startHarness();
    const timeseries = Array.from({ length: MOST_QUERIES }, (_, i) => ({
      labels: [{ name: '__name__', value: `rc_${i}` }],
      samples: [{ value: i, timestamp: T0 }],
    }));
    expect((await h.write('server', { timeseries })).status).toBe(204);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    saved = { ...process.env };
    // The Lambda entry point's EMF lines.
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    process.env = saved;
    jest.restoreAllMocks();
  });

  test.each([
    { name: 'read_concurrency=1', setting: '1', bound: 1, waves: [1, 1, 1] },
    { name: 'read_concurrency=2', setting: '2', bound: 2, waves: [2, 2, 1] },
    { name: 'read_concurrency unset (default)', setting: undefined, bound: 8, waves: [8, 8, 1] },
  ])('$name: $bound queries at once, answers in query order', async ({ setting, bound, waves }) => {
    const total = 2 * bound + 1;
    const handler = loadHandler(h.store.endpoint, setting);
    const gate = holdSelects(h.store, total, bound);
    try {
      const result = await handler(
        {
          version: '2.0',
          rawPath: '/read',
          headers: {
            'content-encoding': 'snappy',
            'content-type': 'application/x-protobuf',
            'x-prometheus-remote-read-version': '0.1.0',
            authorization: BASIC_AUTH,
          },
          body: Buffer.from(
            snappyCompress(
              encodeReadRequest({
                queries: Array.from({ length: total }, (_, i) => queryFor(i)),
                acceptedResponseTypes: [],
              }),
            ),
          ).toString('base64'),
          isBase64Encoded: true,
          requestContext: { http: { method: 'POST', path: '/read' } },
        },
        { getRemainingTimeInMillis: () => 30_000 },
      );
      expect(result.statusCode).toBe(200);
      expect(gate.counts()).toEqual({ most: bound, waves });
      const answer = decodeReadResponse(snappyUncompress(Buffer.from(result.body, 'base64'), 1 << 20));
      expect(
        answer.results.map((r) =>
          r.timeseries.map((ts) => [ts.labels.map((l) => l.value), ts.samples.map((s) => s.value)]),
        ),
      ).toEqual(Array.from({ length: total }, (_, i) => [[[`rc_${i}`], [i]]]));
    } finally {
      gate.restore();
    }
  });
});
