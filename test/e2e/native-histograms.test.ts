// SPDX-License-Identifier: Apache-2.0
// End-to-end: Prometheus 2.42 with native histograms and exemplars on
// (`--enable-feature=native-histograms,exemplar-storage`, `send_native_histograms: true`,
// `send_exemplars: true`) remote-writes to local mode (`npm start`'s bundle). Timestream has no
// place for either: the connector must count every one it receives, never refuse the request for
// them, and write the float samples sent beside them.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryCount } from './support/aws-cli';
import { describeWithBinaries } from './support/binaries';
import { DATABASE, TABLE, startLocalMode, type Deployment } from './support/deployment';
import { COUNTER_NAME, startExpositionTarget, type ExpositionTarget } from './support/exposition-target';
import { freePort, stopAll, waitFor } from './support/processes';
import { sumMetric, startPrometheus, type PrometheusServer } from './support/prometheus';

/**
 * Scrapes that carry the native histogram and the counter's exemplar: Prometheus appends and sends
 * exactly this many of each.
 */
const FEATURE_SCRAPES = 3;
/**
 * Native histogram samples Prometheus sends: one per such scrape, and the staleness marker it
 * appends when the histogram is gone from the next scrape (a histogram whose sum is the stale NaN).
 */
const HISTOGRAM_SAMPLES = FEATURE_SCRAPES + 1;
const AUTH = { username: 'AKIDE2ENATIVE', password: 'e2e/native+secret' };

describeWithBinaries('native histograms and exemplars from Prometheus 2.42 (local mode)', () => {
  let dir = '';
  let deployment: Deployment | undefined;
  let target: ExpositionTarget | undefined;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tspc-e2e-nh-'));
    try {
      deployment = await startLocalMode(dir);
      target = await startExpositionTarget(FEATURE_SCRAPES);
      const config = {
        global: { scrape_interval: '1s' },
        scrape_configs: [{ job_name: 'native', static_configs: [{ targets: [target.address] }] }],
        remote_write: [
          {
            url: deployment.writeUrl,
            basic_auth: AUTH,
            send_native_histograms: true,
            send_exemplars: true,
            queue_config: { batch_send_deadline: '1s', min_backoff: '50ms', max_backoff: '1s' },
            metadata_config: { send: false },
          },
        ],
      };
      prometheus = await startPrometheus(
        'writer (native histograms)',
        join(dir, 'prometheus'),
        await freePort(),
        config,
        ['--enable-feature=native-histograms,exemplar-storage'],
      );
    } catch (error) {
      await stopAll();
      await target?.close();
      throw error;
    }
  });

  afterAll(async () => {
    await stopAll();
    await target?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test('counts every native histogram sample and exemplar and writes the float samples beside them', async () => {
    if (deployment?.metricsUrl === undefined || prometheus === undefined)
      throw new Error('beforeAll did not start local mode, the target and Prometheus');
    const p = prometheus;
    const d = deployment;
    const metricsUrl = deployment.metricsUrl;
    await waitFor(
      `Prometheus to send its ${HISTOGRAM_SAMPLES} native histogram samples and ${FEATURE_SCRAPES} exemplars`,
      async () =>
        (await p.selfMetric('prometheus_remote_storage_histograms_total')) === HISTOGRAM_SAMPLES &&
        (await p.selfMetric('prometheus_remote_storage_exemplars_total')) === FEATURE_SCRAPES
          ? true
          : undefined,
      { child: p.child },
    );
    for (const kind of ['samples', 'histograms', 'exemplars']) {
      expect(await p.selfMetric(`prometheus_remote_storage_${kind}_failed_total`)).toBe(0);
      expect(await p.selfMetric(`prometheus_remote_storage_${kind}_retried_total`)).toBe(0);
    }
    // Prometheus sends what it still holds before it exits; the counters below are then final.
    await p.child.stop();

    const exposition = await (await fetch(metricsUrl)).text();
    expect(exposition).toContain(
      `timestream_connector_ignored_samples_total{reason="native_histogram"} ${HISTOGRAM_SAMPLES}\n`,
    );
    expect(exposition).toContain(`timestream_connector_ignored_exemplars_total ${FEATURE_SCRAPES}\n`);
    // Every remote-write request was answered 204: nothing refused, nothing for Prometheus to retry.
    expect(
      exposition.split('\n').filter((l) => l.startsWith('timestream_connector_write_requests_total{')),
    ).toEqual([
      expect.stringMatching(/^timestream_connector_write_requests_total\{status="204"\} [1-9]\d*$/),
    ]);
    const received = sumMetric(exposition, 'timestream_connector_received_samples_total');
    const written = sumMetric(exposition, 'timestream_connector_written_samples_total');
    const ignored = sumMetric(exposition, 'timestream_connector_ignored_samples_total');
    expect(sumMetric(exposition, 'timestream_connector_rejected_samples_total')).toBe(0);
    expect(received).toBe(written + ignored);

    // The float samples sent beside the histograms (the counter, `up` and the scrape series) are
    // all stored, the counter once per scrape at least.
    const count = (where: string) =>
      queryCount(d.storeEndpoint, `SELECT count() FROM "${DATABASE}"."${TABLE}"${where}`);
    expect(await count('')).toBe(written);
    expect(await count(` WHERE measure_name = '${COUNTER_NAME}'`)).toBeGreaterThanOrEqual(FEATURE_SCRAPES);
  });
});
