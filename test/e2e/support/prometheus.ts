// SPDX-License-Identifier: Apache-2.0
// Throwaway Prometheus 2.42 servers for the end-to-end tests: the writer (scrapes itself, carries
// external labels, remote_writes with basic auth) and the reader (no local data, only remote_reads),
// plus the parts of their HTTP API the tests read: range-vector queries and the /metrics page.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PROMETHEUS_BIN } from './binaries';
import { startChild, waitFor, type Child } from './processes';

/** The writer's scrape interval; every series gets one sample per interval, all with one timestamp. */
export const SCRAPE_INTERVAL_MS = 1000;
/** External labels of the writer: remote write attaches them to every series it sends. */
export const WRITER_EXTERNAL_LABELS = { cluster: 'e2e', replica: 'writer' } as const;

/** Basic-auth credentials Prometheus sends to the connector (an access key pair in the product). */
export interface BasicAuth {
  username: string;
  password: string;
}

/** One series of a matrix answer: labels and `[seconds, "value"]` pairs as Prometheus prints them. */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** A running Prometheus and its API. */
export interface PrometheusServer {
  readonly url: string;
  readonly child: Child;
  /** Runs an instant query whose result is a matrix (a range-vector selector) at `timeMs`. */
  matrix(query: string, timeMs: number): Promise<MatrixSeries[]>;
  /** Lists the label sets of the series matching `match` in [startMs, endMs] (`/api/v1/series`). */
  series(match: string, startMs: number, endMs: number): Promise<Record<string, string>[]>;
  /** Sums every sample of the metric `name` on Prometheus' own /metrics page. */
  selfMetric(name: string): Promise<number>;
}

/**
 * Builds the writer's configuration: scrape itself every second and remote-write everything to
 * `writeUrl`. Small batches and back-offs keep retries quick; metadata is not sent (the tests
 * compare samples only).
 */
export function writerConfig(options: { selfAddress: string; writeUrl: string; auth: BasicAuth }): object {
  return {
    global: {
      scrape_interval: `${SCRAPE_INTERVAL_MS}ms`,
      evaluation_interval: `${SCRAPE_INTERVAL_MS}ms`,
      external_labels: { ...WRITER_EXTERNAL_LABELS },
    },
    scrape_configs: [{ job_name: 'prometheus', static_configs: [{ targets: [options.selfAddress] }] }],
    remote_write: [
      {
        url: options.writeUrl,
        basic_auth: options.auth,
        queue_config: { batch_send_deadline: '1s', min_backoff: '50ms', max_backoff: '1s' },
        metadata_config: { send: false },
      },
    ],
  };
}

/**
 * Builds the reader's configuration: no scrape jobs and no external labels, every query answered
 * through remote read (`read_recent: true`, otherwise Prometheus skips the remote for recent ranges).
 */
export function readerConfig(options: { readUrl: string; auth: BasicAuth }): object {
  return {
    remote_read: [{ url: options.readUrl, basic_auth: options.auth, read_recent: true }],
  };
}

/**
 * Writes `config` to `<dir>/prometheus.yml`, starts Prometheus on 127.0.0.1:`port` with `flags`
 * added and waits until it is ready.
 */
export async function startPrometheus(
  name: string,
  dir: string,
  port: number,
  config: object,
  flags: readonly string[] = [],
): Promise<PrometheusServer> {
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify(config));
  const address = `127.0.0.1:${port}`;
  const child = startChild({
    name,
    command: PROMETHEUS_BIN,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${address}`,
      ...flags,
    ],
    logFile: join(dir, 'prometheus.log'),
  });
  const url = `http://${address}`;
  await waitFor(`${name} to be ready`, async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), {
    child,
  });
  return {
    url,
    child,
    matrix: (query, timeMs) => matrixQuery(url, query, timeMs),
    series: (match, startMs, endMs) => seriesQuery(url, match, startMs, endMs),
    selfMetric: async (metricName) => sumMetric(await (await fetch(`${url}/metrics`)).text(), metricName),
  };
}

async function matrixQuery(url: string, query: string, timeMs: number): Promise<MatrixSeries[]> {
  const params = new URLSearchParams({ query, time: (timeMs / 1000).toFixed(3) });
  const response = await fetch(`${url}/api/v1/query?${params.toString()}`);
  const answer = (await response.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: MatrixSeries[] };
  };
  if (answer.status !== 'success' || answer.data?.resultType !== 'matrix') {
    throw new Error(`query ${query} on ${url} failed: ${answer.error ?? answer.data?.resultType}`);
  }
  return answer.data.result;
}

async function seriesQuery(url: string, match: string, startMs: number, endMs: number) {
  const params = new URLSearchParams({
    'match[]': match,
    start: (startMs / 1000).toFixed(3),
    end: (endMs / 1000).toFixed(3),
  });
  const answer = (await (await fetch(`${url}/api/v1/series?${params.toString()}`)).json()) as {
    status: string;
    error?: string;
    data?: Record<string, string>[];
  };
  if (answer.status !== 'success' || answer.data === undefined) {
    throw new Error(`series ${match} on ${url} failed: ${answer.error}`);
  }
  return answer.data;
}

/** Sums the samples of one metric family member in Prometheus' text exposition format. */
export function sumMetric(exposition: string, name: string): number {
  let sum = 0;
  let found = false;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!rest.startsWith(' ') && !rest.startsWith('{')) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    found = true;
  }
  if (!found) throw new Error(`metric ${name} is not exposed`);
  return sum;
}
