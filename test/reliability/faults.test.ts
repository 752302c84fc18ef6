// SPDX-License-Identifier: Apache-2.0
// Every fault the embedded store can inject, one at a time at full rate, through both edges: the
// connector answers the status SPEC sections 4 and 5 give it (503 with Retry-After for anything
// retryable, 400 with counts for rejected records), and resending what Prometheus would resend
// leaves every sample stored exactly once with its exact value.

import { snappyUncompress } from '../../lambda/codec/snappy';
import {
  FaultInjector,
  INJECTED_REJECTION_REASON,
  type FaultSettings,
} from '../../lambda/local-store/faults';
import { decodeReadResponse } from '../../lambda/prompb/codec';
import type { ReadRequest } from '../../lambda/prompb/types';
import { EDGES, startHarness, type Harness } from '../support/harness';
import { PROBE_START_MS, probeKeys, probeRequest, readProbe } from './probe';
import { checkClientResponse, reportCounts } from './support';

/** Per-attempt socket timeout of the connector's SDK clients in this test. */
const CLIENT_TIMEOUT_MS = 1000;
const SERIES = 25;
const SAMPLES = 10;
const WRITTEN = 'x-prometheus-remote-write-samples-written';

interface FaultCase {
  name: string;
  faults: FaultSettings;
  write: number;
  read: number;
  /** What the first line of a failed write says. */
  reason?: RegExp;
}

const CASES: FaultCase[] = [
  { name: 'added latency', faults: { latencyMs: 30 }, write: 204, read: 200 },
  { name: 'a latency spike', faults: { spikeRate: 1, spikeMs: 150 }, write: 204, read: 200 },
  { name: 'throttling', faults: { throttleRate: 1 }, write: 503, read: 503, reason: /ThrottlingException/ },
  {
    name: 'internal errors',
    faults: { internalErrorRate: 1 },
    write: 503,
    read: 503,
    reason: /InternalServerException/,
  },
  {
    name: 'connection resets',
    faults: { resetRate: 1 },
    write: 503,
    read: 503,
    reason: /^Timestream \w+ failed/,
  },
  {
    name: 'a slow body within the timeout',
    faults: { slowBodyRate: 1, slowBodyMs: 20 },
    write: 204,
    read: 200,
  },
  {
    name: 'a slow body past the timeout',
    faults: { slowBodyRate: 1, slowBodyMs: CLIENT_TIMEOUT_MS + 500 },
    write: 503,
    read: 503,
    reason: /^Timestream \w+ failed/,
  },
  {
    name: 'every record rejected',
    faults: { rejectRate: 1 },
    write: 400,
    read: 200,
    reason:
      /^wrote 0 of 250 samples; refused 0 samples of 0 invalid or over-limit series and 250 samples rejected by Timestream$/,
  },
  {
    name: 'some records rejected',
    faults: { rejectRate: 0.3 },
    write: 400,
    read: 200,
    reason:
      /^wrote (\d+) of 250 samples; refused 0 samples of 0 invalid or over-limit series and (\d+) samples rejected by Timestream$/,
  },
];

let h: Harness;
let faultsInjected = 0;
let samplesVerified = 0;

beforeAll(async () => {
  h = await startHarness({
    clients: {
      writeTimeoutMs: CLIENT_TIMEOUT_MS,
      readTimeoutMs: CLIENT_TIMEOUT_MS,
      maxWriteRetries: 1,
      maxReadRetries: 1,
    },
  });
});
afterEach(() => h.store.setFaults({}));
afterAll(async () => {
  reportCounts('faults', { cases: CASES.length * EDGES.length * 2, faultsInjected, samplesVerified });
  await h.close();
});

describe.each(EDGES)('through the %s edge', (edge) => {
  test.each(CASES)(
    'a write under $name answers $write and loses nothing',
    async ({ name, faults, write, reason }) => {
      const probe = `${edge}-${name}`;
      const request = probeRequest(probe, SERIES, SAMPLES);
      const keys = probeKeys(request);
      const injectedBefore = h.store.engine.faults.injected;
      h.store.setFaults({ ...faults, seed: 7 });
      const response = await h.write(edge, request);
      h.store.setFaults({});
      faultsInjected += h.store.engine.faults.injected - injectedBefore;

      expect(checkClientResponse(response, [write])).toBeUndefined();
      const firstLine = response.body.toString('utf8').split('\n')[0];
      if (reason !== undefined) expect(firstLine).toMatch(reason);
      if (write === 503) expect(response.headers['retry-after']).toBe('1');
      const written = Number(response.headers[WRITTEN]);
      const stored = await readProbe(h, probe);
      expect([stored.duplicates, stored.wrongValues]).toEqual([[], []]);

      if (write === 204) {
        expect([written, stored.keys]).toEqual([keys.length, keys.length]);
      } else if (write === 400) {
        // Prometheus drops a 400: what Timestream refused stays refused, everything else is stored.
        const [, wrote, rejected] =
          /^wrote (\d+) of \d+ samples; .* and (\d+) samples rejected/.exec(firstLine) ?? [];
        expect([Number(wrote) + Number(rejected), Number(wrote), stored.keys]).toEqual([
          keys.length,
          written,
          written,
        ]);
        expect(response.body.toString('utf8')).toContain(INJECTED_REJECTION_REASON);
      } else {
        // Prometheus resends the whole request after a 503; identical re-writes are idempotent.
        const resent = await h.write(edge, request);
        expect([resent.status, resent.headers[WRITTEN]]).toEqual([204, String(keys.length)]);
        const after = await readProbe(h, probe);
        expect([after.keys, after.rows, after.duplicates, after.wrongValues]).toEqual([
          keys.length,
          keys.length,
          [],
          [],
        ]);
      }
      samplesVerified += (await readProbe(h, probe)).keys;
    },
    30_000,
  );

  test.each(CASES)(
    'a read under $name answers $read with the unfaulted result',
    async ({ name, faults, read }) => {
      const probe = `read-${edge}-${name}`;
      expect((await h.write(edge, probeRequest(probe, 3, 4))).status).toBe(204);
      const query: ReadRequest = {
        queries: [
          {
            startTimestampMs: PROBE_START_MS,
            endTimestampMs: PROBE_START_MS + 60_000,
            matchers: [
              { type: 0, name: '__name__', value: 'reliability_probe' },
              { type: 0, name: 'probe', value: probe },
            ],
          },
        ],
        acceptedResponseTypes: [0],
      };
      const expected = await h.read(edge, query);
      expect(expected.status).toBe(200);

      const injectedBefore = h.store.engine.faults.injected;
      h.store.setFaults({ ...faults, seed: 7 });
      const response = await h.read(edge, query);
      h.store.setFaults({});
      faultsInjected += h.store.engine.faults.injected - injectedBefore;

      expect(checkClientResponse(response, [read])).toBeUndefined();
      if (read === 200) {
        const decoded = decodeReadResponse(snappyUncompress(response.body, 1 << 30));
        expect(decoded).toEqual(decodeReadResponse(snappyUncompress(expected.body, 1 << 30)));
        expect(decoded.results[0].timeseries.map((ts) => ts.samples.length)).toEqual([4, 4, 4]);
      } else {
        expect(response.headers['retry-after']).toBe('1');
        // The read's log line says why, as a write's does.
        const failed = h.logger.lines.filter((l) => l.msg === 'read failed');
        expect(failed.at(-1)?.fields.reason).toBe(response.body.toString('utf8').split('\n')[0]);
      }
    },
    30_000,
  );
});

describe('the fault injector', () => {
  test('rejects records at the configured rate, the same records for the same seed', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `series-${i % 10}@${i}`);
    const faults = new FaultInjector({ rejectRate: 0.25, seed: 11 });
    const first = faults.rejections(keys);
    expect(faults.rejections(keys)).toEqual(first);
    expect(first.length).toBeGreaterThan(200);
    expect(first.length).toBeLessThan(300);
    expect([...first].sort((a, b) => a - b)).toEqual(first);
    faults.set({ rejectRate: 0.25, seed: 12 });
    expect(faults.rejections(keys)).not.toEqual(first);
  });

  test.each([
    { name: 'nothing by default', faults: {}, expected: [undefined] },
    {
      name: 'only resets at reset rate 1',
      faults: { resetRate: 1 },
      expected: ['reset-after', 'reset-before'],
    },
    { name: 'only slow bodies at slow-body rate 1', faults: { slowBodyRate: 1 }, expected: ['slow-body'] },
  ])('draws $name for the transport', ({ faults, expected }) => {
    const injector = new FaultInjector({ ...faults, seed: 3 });
    const drawn = new Set(Array.from({ length: 64 }, () => injector.transport()));
    expect([...drawn].sort()).toEqual(expected);
  });

  test('counts every injected fault', async () => {
    const injector = new FaultInjector({ throttleRate: 1, seed: 1 });
    await expect(injector.apply('Query')).rejects.toThrow('Rate exceeded');
    injector.set({ rejectRate: 1 });
    expect(injector.rejections(['a', 'b', 'c'])).toEqual([0, 1, 2]);
    expect(injector.injected).toBe(4);
  });
});
