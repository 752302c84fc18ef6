// SPDX-License-Identifier: Apache-2.0
// A Prometheus-like writer (several shards, each resending a request on 5xx with a bounded number
// of attempts, dropping it on 4xx) against a store injecting every fault at random, through both
// edges. Afterwards, with faults off, SQL must show every acknowledged sample stored exactly once
// with its exact value, and nothing a 400 reported as refused.

import { runBounded } from '../../lambda/core/pool';
import { EDGES, startHarness, type Harness } from '../support/harness';
import { probeKeys, probeRequest, readProbe } from './probe';
import { budgetMs, FUZZ_SEED, reportCounts, runs } from './support';

const PROBE = 'nothing-lost';
const SERIES = 5;
const SAMPLES_PER_SERIES = 30;
/** Prometheus retries forever with backoff; the test bounds it and then resends once faults are off. */
const MAX_ATTEMPTS = 8;
const SHARDS = 4;
const WRITTEN = 'x-prometheus-remote-write-samples-written';

const FAULTS = {
  spikeRate: 0.05,
  spikeMs: 100,
  throttleRate: 0.2,
  internalErrorRate: 0.05,
  rejectRate: 0.002,
  resetRate: 0.1,
  slowBodyRate: 0.03,
  slowBodyMs: 1500,
  seed: FUZZ_SEED,
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    clients: { writeTimeoutMs: 1000, readTimeoutMs: 5000, maxWriteRetries: 0 },
  });
});
afterAll(() => h.close());

test(
  'every acknowledged sample is stored exactly once under random faults, and nothing else',
  async () => {
    const requests = runs(24);
    /** Samples each request's final answer acknowledged (204: all; 400: the written count). */
    const acknowledged: number[] = new Array(requests).fill(0);
    const unresolved: number[] = [];
    let attempts = 0;
    const statuses: Record<number, number> = {};
    h.store.setFaults(FAULTS);
    const injectedBefore = h.store.engine.faults.injected;

    await runBounded(requests, SHARDS, async (r) => {
      const request = probeRequest(PROBE, SERIES, SAMPLES_PER_SERIES, r * SAMPLES_PER_SERIES);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        attempts++;
        const response = await h.write(EDGES[(r + attempt) % EDGES.length], request);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status === 503) continue;
        // Anything but 204, 400 (dropped by Prometheus) and 503 (resent) is a bug here.
        expect([204, 400]).toContain(response.status);
        acknowledged[r] = Number(response.headers[WRITTEN]);
        return true;
      }
      unresolved.push(r);
      return true;
    });

    const faultsInjected = h.store.engine.faults.injected - injectedBefore;
    h.store.setFaults({});
    // What Prometheus keeps resending succeeds once the faults stop.
    for (const r of unresolved) {
      const response = await h.write(
        'server',
        probeRequest(PROBE, SERIES, SAMPLES_PER_SERIES, r * SAMPLES_PER_SERIES),
      );
      expect(response.status).toBe(204);
      acknowledged[r] = Number(response.headers[WRITTEN]);
    }

    const stored = await readProbe(h, PROBE);
    expect([stored.duplicates, stored.wrongValues]).toEqual([[], []]);
    for (let r = 0; r < requests; r++) {
      const keys = probeKeys(probeRequest(PROBE, SERIES, SAMPLES_PER_SERIES, r * SAMPLES_PER_SERIES));
      expect([r, keys.filter((key) => stored.present.has(key)).length]).toEqual([r, acknowledged[r]]);
    }
    const total = acknowledged.reduce((a, b) => a + b, 0);
    expect(stored.rows).toBe(total);
    // The faults really happened: some requests were answered 503 and resent.
    expect(statuses[503]).toBeGreaterThan(0);
    reportCounts('nothing-lost', {
      requests,
      attempts,
      faultsInjected,
      samplesSent: requests * SERIES * SAMPLES_PER_SERIES,
      samplesVerified: stored.rows,
      ...Object.fromEntries(Object.entries(statuses).map(([s, n]) => [`status${s}`, n])),
    });
  },
  budgetMs(90_000),
);
