// SPDX-License-Identifier: Apache-2.0
// The three receivers of the ingest figure, each started as its own process on loopback with a
// fresh data directory: the connector in local mode, Prometheus' remote-write receiver and
// VictoriaMetrics single-node. Each can report how many samples it stored and its peak RSS.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  TimestreamWriteClient,
} from '@aws-sdk/client-timestream-write';
import type { BodyPlan } from './bodies';
import { STORE_DATABASE, STORE_TABLE, storeHeaders } from './store-bodies';
import { buildLocal, startNodeFlags } from '../../scripts/build-local';
import { spawnLatencyStub } from '../latency-stub';

export const PROMETHEUS_BINARY = '/usr/bin/prometheus';
export const VICTORIA_METRICS_BINARY = '/usr/bin/victoria-metrics';
/** How long a target may take to become ready, and to exit after SIGTERM. */
export const START_TIMEOUT_MS = 60_000;
export const STOP_TIMEOUT_MS = 20_000;
const POLL_MS = 100;
const REPO_ROOT = join(__dirname, '..', '..');
const BASIC = `Basic ${Buffer.from('local:local').toString('base64')}`;

/** A running receiver. */
export interface Target {
  name: string;
  pid: number;
  writeUrl: string;
  headers: Record<string, string>;
  /** Samples stored in the plan's time range; undefined for a target that keeps nothing. */
  storedSamples(plan: BodyPlan): Promise<number | undefined>;
  /** Peak RSS (VmHWM) of the process and its descendants, in bytes. */
  peakRssBytes(): number;
  /** CPU seconds (user + system) the process and its descendants used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** How to start one kind of receiver; `missing` says why it cannot run here. */
export interface TargetKind {
  name: string;
  missing(): string | undefined;
  start(): Promise<Target>;
}

/** The connector in local mode (connector + embedded store, one process, as users run it). */
export const CONNECTOR: TargetKind = {
  name: 'connector --local',
  missing: () => undefined,
  async start() {
    const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-connector-'));
    const [port, storePort] = await freePorts(2);
    const child = spawn(
      process.execPath,
      [
        ...(await startCommand()),
        '--local',
        '--local.data-dir',
        join(dir, 'data'),
        '--web.listen-address',
        `127.0.0.1:${port}`,
        '--local.listen-address',
        `127.0.0.1:${storePort}`,
        '--log.level=warn',
      ],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', childStdout(), 'inherit'],
      },
    );
    await waitReady(child, `http://127.0.0.1:${port}/healthz`);
    const client = new TimestreamQueryClient({
      endpoint: `http://127.0.0.1:${storePort}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    return {
      name: this.name,
      pid: child.pid!,
      writeUrl: `http://127.0.0.1:${port}/write`,
      headers: { Authorization: BASIC },
      async storedSamples() {
        const answer = await client.send(
          new QueryCommand({
            QueryString: 'SELECT count() FROM "PrometheusDatabase"."PrometheusMetricsTable"',
          }),
        );
        return Number(answer.Rows?.[0]?.Data?.[0]?.ScalarValue);
      },
      peakRssBytes: () => peakRss(child.pid!),
      cpuSeconds: () => cpuSeconds(child.pid!),
      stop: async () => {
        client.destroy();
        await stop(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/**
 * A diagnostic, not a receiver: the connector as the standalone server (the bundle and node flags of
 * `npm start`, as the connector `--local` runs, but without `--local`) in front of a Timestream
 * stand-in (bench/latency-stub.ts, its own process) that answers every call at once and keeps
 * nothing. Its rate is what the connector's own work allows with no store cost at all; its CPU is
 * the connector process's alone.
 */
export const CONNECTOR_NULL_STORE: TargetKind = {
  name: 'connector, store answering at once',
  missing: () => undefined,
  async start() {
    // The stand-in first: a port picked before it listens could be the one it then gets (it
    // listens on port 0), and the connector would fail to start while the stand-in answered.
    const stub = await spawnLatencyStub(0);
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        ...(await startCommand()),
        '--default-database',
        STORE_DATABASE,
        '--default-table',
        STORE_TABLE,
        '--write-base-endpoint',
        stub.endpoint,
        '--query-base-endpoint',
        stub.endpoint,
        '--web.listen-address',
        `127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    try {
      await waitReady(child, `http://127.0.0.1:${port}/healthz`);
    } catch (error) {
      child.kill('SIGKILL');
      await stub.close();
      throw error;
    }
    return {
      name: this.name,
      pid: child.pid!,
      writeUrl: `http://127.0.0.1:${port}/write`,
      headers: { Authorization: BASIC },
      storedSamples: async () => undefined,
      peakRssBytes: () => peakRss(child.pid!),
      cpuSeconds: () => cpuSeconds(child.pid!),
      stop: async () => {
        await stop(child);
        await stub.close();
      },
    };
  },
};

/** The embedded store alone (`cli.ts local-store`), fed WriteRecords bodies directly. */
export const STORE_ONLY: TargetKind = {
  name: 'embedded store alone',
  missing: () => undefined,
  async start() {
    const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-store-'));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        ...(await startCommand()),
        'local-store',
        '--local.data-dir',
        join(dir, 'data'),
        '--local.listen-address',
        `127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', childStdout(), 'inherit'],
      },
    );
    const endpoint = `http://127.0.0.1:${port}`;
    const settings = {
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    const write = new TimestreamWriteClient(settings);
    const query = new TimestreamQueryClient(settings);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`store process exited with ${child.exitCode}`);
      const created = await write.send(new CreateDatabaseCommand({ DatabaseName: STORE_DATABASE })).then(
        () => true,
        () => false,
      );
      if (created) break;
      if (Date.now() > deadline) {
        await stop(child);
        throw new Error(`store not ready within ${START_TIMEOUT_MS} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    await write.send(new CreateTableCommand({ DatabaseName: STORE_DATABASE, TableName: STORE_TABLE }));
    return {
      name: this.name,
      pid: child.pid!,
      writeUrl: `${endpoint}/`,
      headers: storeHeaders(),
      async storedSamples() {
        const answer = await query.send(
          new QueryCommand({ QueryString: `SELECT count() FROM "${STORE_DATABASE}"."${STORE_TABLE}"` }),
        );
        return Number(answer.Rows?.[0]?.Data?.[0]?.ScalarValue);
      },
      peakRssBytes: () => peakRss(child.pid!),
      cpuSeconds: () => cpuSeconds(child.pid!),
      stop: async () => {
        write.destroy();
        query.destroy();
        await stop(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** Prometheus 2.42 with its remote-write receiver. */
export const PROMETHEUS: TargetKind = {
  name: 'Prometheus 2.42 receiver',
  missing: () =>
    existsSync(PROMETHEUS_BINARY) ? undefined : `${PROMETHEUS_BINARY} not found (apt-get install prometheus)`,
  async start() {
    const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-prometheus-'));
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
    const port = await freePort();
    const child = spawn(
      PROMETHEUS_BINARY,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-remote-write-receiver',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    );
    const base = `http://127.0.0.1:${port}`;
    await waitReady(child, `${base}/-/ready`);
    return {
      name: this.name,
      pid: child.pid!,
      writeUrl: `${base}/api/v1/write`,
      headers: {},
      storedSamples: (plan) => promQlCount(base, plan),
      peakRssBytes: () => peakRss(child.pid!),
      cpuSeconds: () => cpuSeconds(child.pid!),
      stop: async () => {
        await stop(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** VictoriaMetrics single-node (Debian package `victoria-metrics`). */
export const VICTORIA_METRICS: TargetKind = {
  name: 'VictoriaMetrics single-node',
  missing: () =>
    existsSync(VICTORIA_METRICS_BINARY)
      ? undefined
      : `${VICTORIA_METRICS_BINARY} not found: skipped (install with \`apt-get install victoria-metrics\`)`,
  async start() {
    const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-vm-'));
    const port = await freePort();
    const child = spawn(
      VICTORIA_METRICS_BINARY,
      [
        `-storageDataPath=${join(dir, 'data')}`,
        `-httpListenAddr=127.0.0.1:${port}`,
        '-retentionPeriod=1y',
        '-loggerLevel=ERROR',
      ],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    );
    const base = `http://127.0.0.1:${port}`;
    await waitReady(child, `${base}/health`);
    return {
      name: this.name,
      pid: child.pid!,
      writeUrl: `${base}/api/v1/write`,
      headers: {},
      storedSamples: async (plan) => {
        // Rows sit in in-memory buffers for up to a second; flush them so the count sees all.
        await fetch(`${base}/internal/force_flush`);
        return promQlCount(base, plan, '&nocache=1');
      },
      peakRssBytes: () => peakRss(child.pid!),
      cpuSeconds: () => cpuSeconds(child.pid!),
      stop: async () => {
        await stop(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** A started process' standard output: passed through with BENCH_INGEST_STDOUT=1 (V8's GC traces go there). */
function childStdout(): 'inherit' | 'ignore' {
  return process.env.BENCH_INGEST_STDOUT === '1' ? 'inherit' : 'ignore';
}

/** The bundle `npm start` runs, built once per bench process (see startCommand). */
let built: Promise<string> | undefined;

/**
 * What `npm start` runs (package.json): node, its flags, then any flags from
 * `BENCH_INGEST_NODE_ARGS` (e.g. `--cpu-prof`), then the bundled CLI, built once per bench process
 * as the `prestart` script builds it. `--local` itself is left to the caller.
 */
async function startCommand(): Promise<string[]> {
  built ??= buildLocal({ rootDir: REPO_ROOT });
  const extra = (process.env.BENCH_INGEST_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  return [...startNodeFlags(REPO_ROOT), ...extra, await built];
}

/** Counts every sample of the plan's time range with `sum(count_over_time(...))`. */
async function promQlCount(base: string, plan: BodyPlan, extra = ''): Promise<number> {
  const endMs = plan.startMs + plan.rounds * plan.stepMs;
  const rangeS = Math.ceil((endMs - plan.startMs) / 1000) + 60;
  const query = encodeURIComponent(`sum(count_over_time({__name__=~".+"}[${rangeS}s]))`);
  const response = await fetch(`${base}/api/v1/query?query=${query}&time=${endMs / 1000}${extra}`);
  const answer = (await response.json()) as {
    status: string;
    error?: string;
    data?: { result: { value: [number, string] }[] };
  };
  if (answer.status !== 'success') throw new Error(`count query failed: ${answer.error}`);
  return Number(answer.data?.result[0]?.value[1] ?? 0);
}

async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}

/** `count` distinct free ports: each is held until all are picked, so none is picked twice. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  for (const server of servers) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  return ports;
}

async function waitReady(child: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  await stop(child);
  throw new Error(`${url} not ready within ${START_TIMEOUT_MS} ms`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Sums VmHWM over `pid` and every descendant (read from /proc). */
export function peakRss(pid: number): number {
  let total = 0;
  for (const current of processTree(pid)) {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${current}/status`, 'utf8'));
      total += Number(match?.[1] ?? 0) * 1024;
    } catch {
      // The process exited meanwhile.
    }
  }
  return total;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

/**
 * Sums the CPU time (user + system, every thread) of `pid` and its descendants, in seconds: unlike
 * samples/s it does not depend on how busy the rest of the machine is.
 */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const current of processTree(pid)) {
    try {
      ticks += statCpuTicks(readFileSync(`/proc/${current}/stat`, 'utf8'));
    } catch {
      // The process exited meanwhile.
    }
  }
  return ticks / USER_HZ;
}

/** Reads utime + stime (fields 14 and 15) from a /proc/<pid>/stat line; the name may hold spaces. */
export function statCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  return Number(fields[11]) + Number(fields[12]);
}

/** `pid` and every live descendant (read from /proc). */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process exited while we listed.
    }
  }
  const out: number[] = [];
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop()!;
    out.push(current);
    pending.push(...(children.get(current) ?? []));
  }
  return out;
}
