// SPDX-License-Identifier: Apache-2.0
// The end-to-end flow every deployment must pass with real clients: the deployment guide's
// verification steps with the AWS CLI, Prometheus writing and reading back everything it scraped,
// and the same with the store throttling and failing for a while.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aws, queryCount } from './aws-cli';
import { describeWithBinaries } from './binaries';
import { compareMatrices, seriesKey } from './completeness';
import { DATABASE, TABLE, setFaults, type Deployment } from './deployment';
import { freePort, sleep, stopAll, waitFor } from './processes';
import {
  readerConfig,
  SCRAPE_INTERVAL_MS,
  startPrometheus,
  WRITER_EXTERNAL_LABELS,
  writerConfig,
  type PrometheusServer,
} from './prometheus';

/** Basic auth carries an access key pair; the embedded store accepts any. */
const AUTH = { username: 'AKIDE2EPROMETHEUS', password: 'e2e/prometheus+secret' };
/** Scrapes compared in the completeness window (Prometheus 2.42 exposes about 425 series of itself). */
const WINDOW_SCRAPES = 10;
/** How long the store injects faults in the failure path. */
const FAULT_PERIOD_MS = 10_000;
/** Fault rates while injecting: with one SDK retry most WriteRecords calls still fail. */
const FAULTS = { throttleRate: 0.5, internalErrorRate: 0.2, seed: 6 };
/** Margin around the fault period included in the compared window. */
const FAULT_MARGIN_MS = 3_000;
const QUALIFIED_TABLE = `"${DATABASE}"."${TABLE}"`;

/** A window [startMs, endMs] of writer samples that has been fully remote-written. */
interface DrainedWindow {
  startMs: number;
  endMs: number;
}

/**
 * Declares the end-to-end suite for one deployment. `deploy` starts it in a fresh temporary
 * directory; every process is stopped by pid in afterAll.
 */
export function describeProductFlow(title: string, deploy: (dir: string) => Promise<Deployment>): void {
  describeWithBinaries(title, () => {
    let dir = '';
    let deployment: Deployment | undefined;
    let writer: PrometheusServer | undefined;
    let reader: PrometheusServer | undefined;
    let writerInstance = '';

    const started = () => {
      if (deployment === undefined || writer === undefined || reader === undefined) {
        throw new Error('an earlier step did not start the deployment and both Prometheus servers');
      }
      return { deployment, writer, reader };
    };
    const countSql = (where: string) =>
      `SELECT count() FROM ${QUALIFIED_TABLE}${where === '' ? '' : ` WHERE ${where}`}`;

    /** Waits until the writer has scrapes on both sides of the window and has sent them all. */
    async function drainedWindow(fromMs: number, minEndMs: number): Promise<DrainedWindow> {
      const { writer: w } = started();
      // Window bounds fall half-way between scrapes (all samples of a scrape share one timestamp),
      // so inclusive or exclusive bounds cannot change what is compared.
      const endMs = await waitFor(
        'the writer to scrape past the window',
        async () => {
          const latest = (await scrapeTimesMs(w, writerInstance)).at(-1) ?? 0;
          const end = latest - SCRAPE_INTERVAL_MS - SCRAPE_INTERVAL_MS / 2;
          return end >= minEndMs ? end : undefined;
        },
        { child: w.child },
      );
      const startMs = endMs - Math.floor((endMs - fromMs) / SCRAPE_INTERVAL_MS) * SCRAPE_INTERVAL_MS;
      await waitFor(
        'the writer to remote-write everything up to the window end',
        async () => {
          const sentSeconds = await w.selfMetric(
            'prometheus_remote_storage_queue_highest_sent_timestamp_seconds',
          );
          const pending = await w.selfMetric('prometheus_remote_storage_samples_pending');
          return sentSeconds * 1000 > endMs + SCRAPE_INTERVAL_MS && pending === 0 ? true : undefined;
        },
        { child: w.child },
      );
      return { startMs, endMs };
    }

    /** Asserts that the reader returns exactly the writer's samples of the window, each stored once. */
    async function expectComplete(window: DrainedWindow): Promise<void> {
      const { deployment: d, writer: w, reader: r } = started();
      const selector = `{job="prometheus",instance="${writerInstance}"}`;
      const query = `${selector}[${window.endMs - window.startMs}ms]`;
      const held = await w.matrix(query, window.endMs);
      const readBack = await r.matrix(query, window.endMs);
      const report = compareMatrices(held, readBack, WRITER_EXTERNAL_LABELS);
      expect({ problems: report.problems, problemCount: report.problemCount }).toEqual({
        problems: [],
        problemCount: 0,
      });
      // A window of a self-scraping Prometheus always holds hundreds of series.
      expect(report.series).toBeGreaterThan(100);
      // The series API reads the same label sets through remote read (Prometheus asks for series only).
      const listed = await r.series(selector, window.startMs, window.endMs);
      expect(listed.map(seriesKey).sort()).toEqual(report.expectedSeries);
      // Timestream identity makes identical re-writes one record; a count per window proves no
      // retried batch left a second copy under another identity.
      const stored = await queryCount(
        d.storeEndpoint,
        countSql(
          `time BETWEEN from_milliseconds(${window.startMs}) AND from_milliseconds(${window.endMs}) AND instance = '${writerInstance}'`,
        ),
      );
      expect(stored).toBe(report.samples);
      console.log(
        `${title}: ${(window.endMs - window.startMs) / 1000} s window, ${report.series} series, ${report.samples} samples read back and stored once (${report.nonFiniteSamples} non-finite samples skipped by contract)`,
      );
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tspc-e2e-'));
      try {
        deployment = await deploy(dir);
      } catch (error) {
        await stopAll();
        throw error;
      }
    });

    afterAll(async () => {
      await stopAll();
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    test('answers 401 with a Basic challenge to a request without credentials', async () => {
      const response = await fetch(deployed(deployment).writeUrl, { method: 'POST' });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="timestream"');
    });

    test('has an empty table before Prometheus starts', async () => {
      expect(await queryCount(deployed(deployment).storeEndpoint, countSql(''))).toBe(0);
    });

    test('stores more and more samples once the writer Prometheus remote-writes', async () => {
      const d = deployed(deployment);
      const [writerPort, readerPort] = [await freePort(), await freePort()];
      writerInstance = `127.0.0.1:${writerPort}`;
      writer = await startPrometheus(
        'writer Prometheus',
        join(dir, 'writer'),
        writerPort,
        writerConfig({ selfAddress: writerInstance, writeUrl: d.writeUrl, auth: AUTH }),
      );
      reader = await startPrometheus(
        'reader Prometheus',
        join(dir, 'reader'),
        readerPort,
        readerConfig({ readUrl: d.readUrl, auth: AUTH }),
      );
      const first = await waitFor(
        'the first samples in the table',
        async () => {
          const count = await queryCount(d.storeEndpoint, countSql(''));
          return count > 0 ? count : undefined;
        },
        { child: d.connector },
      );
      const later = await waitFor(
        'more samples in the table',
        async () => {
          const count = await queryCount(d.storeEndpoint, countSql(''));
          return count > first ? count : undefined;
        },
        { child: d.connector },
      );
      expect(later).toBeGreaterThan(first);
    });

    test('shows a record written with aws timestream-write through Prometheus remote read', async () => {
      const { deployment: d, reader: r } = started();
      const nowSeconds = Math.floor(Date.now() / 1000);
      const record = {
        Dimensions: [
          { Name: 'job', Value: 'prometheus', DimensionValueType: 'VARCHAR' },
          { Name: 'instance', Value: 'localhost:9090', DimensionValueType: 'VARCHAR' },
        ],
        MeasureName: 'prometheus_temperature',
        MeasureValue: '98.76',
        MeasureValueType: 'DOUBLE',
        Time: String(nowSeconds),
        TimeUnit: 'SECONDS',
      };
      await aws(d.storeEndpoint, [
        'timestream-write',
        'write-records',
        '--database-name',
        DATABASE,
        '--table-name',
        TABLE,
        '--records',
        JSON.stringify([record]),
      ]);
      expect(await r.matrix('prometheus_temperature[15d]', (nowSeconds + 1) * 1000)).toEqual([
        {
          metric: { __name__: 'prometheus_temperature', instance: 'localhost:9090', job: 'prometheus' },
          values: [[nowSeconds, '98.76']],
        },
      ]);
    });

    test('reads back through the connector exactly the samples the writer holds', async () => {
      const { writer: w } = started();
      // From the writer's first scrape of itself, so every compared scrape is a complete one.
      const fromMs = await waitFor(
        'the writer to scrape itself',
        async () => (await scrapeTimesMs(w, writerInstance))[0],
      );
      await expectComplete(await drainedWindow(fromMs, fromMs + WINDOW_SCRAPES * SCRAPE_INTERVAL_MS));
    });

    test('loses and duplicates nothing while the store throttles and fails for a while', async () => {
      const { deployment: d, writer: w } = started();
      const retriedBefore = await w.selfMetric('prometheus_remote_storage_samples_retried_total');
      const faultStartMs = Date.now();
      await setFaults(d.storeEndpoint, FAULTS);
      try {
        await sleep(FAULT_PERIOD_MS);
      } finally {
        await setFaults(d.storeEndpoint, {});
      }
      const faultEndMs = Date.now();
      const window = await drainedWindow(faultStartMs - FAULT_MARGIN_MS, faultEndMs + FAULT_MARGIN_MS);
      // Prometheus really retried (503s reached it), and gave up on nothing.
      const retried = (await w.selfMetric('prometheus_remote_storage_samples_retried_total')) - retriedBefore;
      console.log(
        `${title}: Prometheus retried ${retried} samples during ${FAULT_PERIOD_MS / 1000} s of faults`,
      );
      expect(retried).toBeGreaterThan(0);
      expect(await w.selfMetric('prometheus_remote_storage_samples_failed_total')).toBe(0);
      expect(await w.selfMetric('prometheus_remote_storage_samples_dropped_total')).toBe(0);
      await expectComplete(window);
    });
  });
}

function deployed(deployment: Deployment | undefined): Deployment {
  if (deployment === undefined) throw new Error('the deployment did not start');
  return deployment;
}

/** Returns the timestamps of the writer's scrapes of itself (its `up` samples) in the last minute, ascending. */
async function scrapeTimesMs(writer: PrometheusServer, instance: string): Promise<number[]> {
  const series = await writer.matrix(`up{instance="${instance}"}[1m]`, Date.now());
  return (series[0]?.values ?? []).map(([seconds]) => Math.round(seconds * 1000));
}
