// SPDX-License-Identifier: Apache-2.0
// `npm run check:arm64`: runs the packaged Lambda function on arm64, the architecture both stacks
// deploy, on an x86_64 Linux machine: Node.js 24 for linux-arm64 (fetched as scripts/on-node.ts
// does) under qemu-user. Each case packages the function as `npm run package` does, serves it
// through scripts/local-api-gateway.ts (payload-2.0 events) in front of the embedded store run
// alone, checks which snappy decoder the function reports at its cold start, sends remote-write
// requests and compares the stored rows and a remote read with what was sent, exactly. Emulated
// timings say nothing about a real arm64 CPU; only correctness is checked.
//
//   npm run check:arm64 [-- --first-port 32500] [--keep]
//
// Needs `qemu-aarch64` and an arm64 glibc sysroot (Debian: `apt-get install qemu-user
// libc6-arm64-cross libstdc++6-arm64-cross`); QEMU_AARCH64 and QEMU_LD_PREFIX override where.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { paginateQuery, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  TimestreamWriteClient,
} from '@aws-sdk/client-timestream-write';
import { build } from 'esbuild';
import { JS_SNAPPY, snappyCompress, snappyUncompress } from '../lambda/codec/snappy';
import { decodeReadResponse, encodeReadRequest, encodeWriteRequest } from '../lambda/prompb/codec';
import { MatcherType, type Label, type TimeSeries } from '../lambda/prompb/types';
import { buildLocal } from './build-local';
import { NODE_RELEASES, nodeBinDir } from './on-node';
import { packageLambda } from './package-lambda';
import type { LambdaArchitecture } from './snappy-binary';

const ROOT = resolve(__dirname, '..');
const QEMU = process.env.QEMU_AARCH64 ?? 'qemu-aarch64';
const SYSROOT = process.env.QEMU_LD_PREFIX ?? '/usr/aarch64-linux-gnu';
/** The Lambda runtime of both stacks is nodejs24.x. */
const NODE_MAJOR = '24';
/** Emulated start-up of the bundle takes seconds; this bounds a hung one. */
const START_TIMEOUT_MS = 120_000;
const TABLE = 'PrometheusMetricsTable';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** One run of the function: which package, on which Node, and the decoder it must choose. */
interface Case {
  readonly packaged: LambdaArchitecture;
  readonly runsOn: 'arm64 (qemu)' | 'x86_64';
  readonly decoder: 'native' | 'js';
}

const CASES: readonly Case[] = [
  { packaged: 'arm64', runsOn: 'arm64 (qemu)', decoder: 'native' },
  // A binary for the wrong architecture is never fatal: it fails to load and JS decodes.
  { packaged: 'x86_64', runsOn: 'arm64 (qemu)', decoder: 'js' },
  { packaged: 'arm64', runsOn: 'x86_64', decoder: 'js' },
  { packaged: 'x86_64', runsOn: 'x86_64', decoder: 'native' },
];

/** Deterministic doubles: edge values, then arbitrary finite bit patterns (every exponent). */
function* doubles(seed: number): Generator<number> {
  yield* [0, 1, -1, 0.1, 1 / 3, Math.PI, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308];
  yield* [-2.5e-7, 123456789.123, 2 ** 53 + 2, 1e21, 1e-7];
  const view = new DataView(new ArrayBuffer(8));
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  for (;;) {
    view.setUint32(0, next());
    view.setUint32(4, next());
    const value = view.getFloat64(0);
    if (Number.isFinite(value) && !Object.is(value, -0)) yield value;
  }
}

/** The writes: two of the same 400 series (the second warm), then 100 new series. */
function writeRequests(startMs: number): TimeSeries[][] {
  const values = doubles(42);
  const series = (index: number, from: number, count: number): TimeSeries => ({
    labels: [
      { name: '__name__', value: `check_arm64_metric_${index % 4}` },
      { name: 'instance', value: `host-${index % 7}:9100` },
      { name: 'job', value: 'check-arm64' },
      { name: 'series', value: index % 5 === 0 ? `s${index} zoné ✓ "q"` : `s${index}` },
    ],
    samples: Array.from({ length: count }, (_, i) => ({
      value: values.next().value as number,
      timestamp: startMs + (from + i) * 15_000,
    })),
  });
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  return [
    range(0, 400).map((i) => series(i, 0, 5)),
    range(0, 400).map((i) => series(i, 5, 5)),
    range(400, 500).map((i) => series(i, 0, 10)),
  ];
}

function labelKey(labels: readonly Label[]): string {
  return JSON.stringify([...labels].sort((a, b) => (a.name < b.name ? -1 : 1)).map((l) => [l.name, l.value]));
}

/** Timestream's time text (nanoseconds) for a millisecond timestamp. */
function timeText(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}000000`;
}

interface Started {
  readonly child: ChildProcess;
  readonly lines: string[];
}

/** Starts `command`, logging to `logFile`, and waits for a stdout line containing `ready`. */
async function start(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  ready: string,
) {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile);
  const lines: string[] = [];
  let pending = '';
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} not ready after ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    child.stderr?.pipe(log);
    child.stdout?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts);
      if (parts.some((line) => line.includes(ready))) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before it was ready; see ${logFile}`));
    });
  });
  return { child, lines } satisfies Started;
}

function stop(started: Started): Promise<void> {
  if (started.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolveExit) => {
    started.child.once('exit', () => resolveExit());
    started.child.kill('SIGTERM');
  });
}

async function post(url: string, body: Uint8Array) {
  const kind = url.endsWith('/read') ? 'read' : 'write';
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      [`x-prometheus-remote-${kind}-version`]: '0.1.0',
      // Without SigV4 the function signs its Timestream calls with the caller's basic auth.
      authorization: `Basic ${Buffer.from(`${CREDENTIALS.accessKeyId}:${CREDENTIALS.secretAccessKey}`).toString('base64')}`,
    },
  });
  return { response, body: new Uint8Array(await response.arrayBuffer()) };
}

/** Runs one case against its own database: the problems found (none when exact) and how a corrupt body is answered. */
async function runCase(
  c: Case,
  index: number,
  dir: string,
  storeEndpoint: string,
  nodes: Record<Case['runsOn'], string[]>,
  port: number,
): Promise<{ problems: string[]; corruptAnswer: string }> {
  const problems: string[] = [];
  const database = `CheckArm64Case${index}`;
  const write = new TimestreamWriteClient({
    region: 'us-east-1',
    endpoint: storeEndpoint,
    credentials: CREDENTIALS,
  });
  await write.send(new CreateDatabaseCommand({ DatabaseName: database }));
  await write.send(
    new CreateTableCommand({
      DatabaseName: database,
      TableName: TABLE,
      RetentionProperties: {
        MemoryStoreRetentionPeriodInHours: 24,
        MagneticStoreRetentionPeriodInDays: 73000,
      },
    }),
  );
  const packaged = await packageLambda({
    rootDir: ROOT,
    architecture: c.packaged,
    outDir: join(dir, `lambda-${c.packaged}`),
    zipPath: join(dir, `connector-${c.packaged}.zip`),
    sourceMapPath: join(dir, `index-${c.packaged}.js.map`),
  });
  if (packaged.nativeSnappy === undefined)
    problems.push(`package has no snappy.node: ${packaged.warnings.join('; ')}`);

  const [command, ...prefix] = nodes[c.runsOn];
  const env = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    default_database: database,
    default_table: TABLE,
    write_base_endpoint: storeEndpoint,
    query_base_endpoint: storeEndpoint,
  };
  const startedAt = Date.now();
  const gateway = await start(
    command,
    [...prefix, join(dir, 'gateway.cjs'), '--bundle', packaged.bundlePath, '--listen', `127.0.0.1:${port}`],
    env,
    join(dir, `case-${index}.log`),
    'local API Gateway ready',
  );
  const coldStartMs = Date.now() - startedAt;
  try {
    const ready = gateway.lines.map(
      (l) => JSON.parse(l.startsWith('{') ? l : 'null') as Record<string, unknown> | null,
    );
    const snappy = ready.find((l) => l?.msg === 'connector ready')?.snappy;
    const reasons = ready.find((l) => Array.isArray(l?.reasons))?.reasons;
    if (snappy !== c.decoder) problems.push(`decoder ${String(snappy)}, expected ${c.decoder}`);
    const [binaryArch, processArch] = [c.packaged, c.runsOn].map((a) =>
      a.startsWith('arm64') ? 'arm64' : 'x64',
    );
    const wrongBinary = `is a binary for ${binaryArch}, not ${processArch}`;
    if (
      binaryArch !== processArch &&
      !String((reasons as unknown[] | undefined)?.[0]).includes(wrongBinary)
    ) {
      problems.push(`the fallback reasons ${JSON.stringify(reasons)} do not say the binary ${wrongBinary}`);
    }
    // The gateway prints its address: with port 0 the system chose it.
    const base = /ready: POST (\S+)\/write/.exec(gateway.lines.join('\n'))?.[1] ?? '';

    const startMs = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
    const requests = writeRequests(startMs);
    const expected = new Map<string, number>();
    const sent = new Map<string, { labels: Label[]; samples: TimeSeries['samples'] }>();
    let writeMs = 0;
    for (const timeseries of requests) {
      const samples = timeseries.reduce((n, s) => n + s.samples.length, 0);
      const body = snappyCompress(encodeWriteRequest({ timeseries }), JS_SNAPPY);
      const began = Date.now();
      const { response } = await post(`${base}/write`, body);
      writeMs += Date.now() - began;
      const written = response.headers.get('x-prometheus-remote-write-samples-written');
      if (response.status !== 204 || written !== String(samples)) {
        problems.push(`write answered ${response.status}, ${written} of ${samples} samples written`);
      }
      for (const s of timeseries) {
        const key = labelKey(s.labels);
        const entry = sent.get(key) ?? { labels: s.labels, samples: [] };
        entry.samples.push(...s.samples);
        sent.set(key, entry);
        const dims = s.labels.filter((l) => l.name !== '__name__').map((l) => `${l.name}=${l.value}`);
        for (const sample of s.samples) {
          expected.set(
            `${s.labels[0].value}|${dims.sort().join('|')}|${timeText(sample.timestamp)}`,
            sample.value,
          );
        }
      }
    }

    // The stored rows, read with the SDK as a user would, against what was sent.
    const query = new TimestreamQueryClient({
      region: 'us-east-1',
      endpoint: storeEndpoint,
      credentials: CREDENTIALS,
    });
    let rows = 0;
    const seen = new Set<string>();
    for await (const page of paginateQuery(
      { client: query },
      { QueryString: `SELECT * FROM "${database}"."${TABLE}"` },
    )) {
      const names = (page.ColumnInfo ?? []).map((column) => column.Name ?? '');
      for (const row of page.Rows ?? []) {
        rows += 1;
        const cells = new Map(names.map((name, i) => [name, row.Data?.[i]?.ScalarValue]));
        const dims = names
          .filter((n) => !['time', 'measure_name'].includes(n) && !n.startsWith('measure_value::'))
          .filter((n) => cells.get(n) !== undefined)
          .map((n) => `${n}=${cells.get(n)}`);
        const key = `${cells.get('measure_name')}|${dims.sort().join('|')}|${cells.get('time')}`;
        const value = expected.get(key);
        const stored = cells.get('measure_value::double');
        if (value === undefined || seen.has(key)) problems.push(`unexpected or repeated row ${key}`);
        else if (stored === undefined || !Object.is(Number(stored), value)) {
          problems.push(`row ${key}: stored ${stored}, sent ${String(value)}`);
        }
        seen.add(key);
      }
    }
    if (seen.size !== expected.size) problems.push(`${seen.size} of ${expected.size} sent samples stored`);

    // A remote read through the function: one query per metric name over the whole range.
    const endMs = startMs + 10 * 15_000;
    const metrics = [...new Set([...sent.values()].map((s) => s.labels[0].value))].sort();
    const readBody = snappyCompress(
      encodeReadRequest({
        queries: metrics.map((name) => ({
          startTimestampMs: startMs,
          endTimestampMs: endMs,
          matchers: [{ type: MatcherType.EQ, name: '__name__', value: name }],
        })),
        acceptedResponseTypes: [0],
      }),
      JS_SNAPPY,
    );
    const read = await post(`${base}/read`, readBody);
    let readSeries = 0;
    let readSamples = 0;
    if (read.response.status !== 200) {
      problems.push(`read answered ${read.response.status}: ${Buffer.from(read.body).toString()}`);
    } else {
      const decoded = decodeReadResponse(snappyUncompress(read.body, 1 << 30, JS_SNAPPY));
      decoded.results.forEach((result, q) => {
        for (const s of result.timeseries) {
          readSeries += 1;
          readSamples += s.samples.length;
          const want = sent.get(labelKey(s.labels));
          if (want === undefined || want.labels[0].value !== metrics[q]) {
            problems.push(`read: unexpected series ${labelKey(s.labels)}`);
          } else if (
            want.samples.length !== s.samples.length ||
            want.samples.some(
              (w, i) => w.timestamp !== s.samples[i].timestamp || !Object.is(w.value, s.samples[i].value),
            )
          ) {
            problems.push(`read: series ${labelKey(s.labels)} differs from what was sent`);
          }
        }
      });
    }
    if (readSeries !== sent.size || readSamples !== expected.size) {
      problems.push(
        `read returned ${readSeries} series and ${readSamples} samples, sent ${sent.size} and ${expected.size}`,
      );
    }

    // A corrupt block: the native decoder must answer it as the JS one does.
    const corrupt = await post(`${base}/write`, Uint8Array.from([0x0a, 0x00, 0x11, 0x00]));
    const corruptText = `${corrupt.response.status} ${Buffer.from(corrupt.body).toString()}`;
    console.log(
      `${c.packaged} package on ${c.runsOn}: decoder ${String(snappy)}${reasons ? ` (${(reasons as string[]).join('; ')})` : ''}; ` +
        `cold start ${coldStartMs} ms; ${expected.size} samples in ${sent.size} series written in ${writeMs} ms, ` +
        `${rows} rows stored, read ${readSamples} samples in ${readSeries} series; corrupt body: ${corruptText}`,
    );
    return { problems, corruptAnswer: corruptText };
  } finally {
    await stop(gateway);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'first-port': { type: 'string', default: '0' }, keep: { type: 'boolean' } },
  });
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error('runs on x86_64 Linux only');
  const firstPort = Number(values['first-port']);
  const port = (n: number) => (firstPort === 0 ? 0 : firstPort + n);
  const release = NODE_RELEASES[NODE_MAJOR];
  const arm64Node = join(await nodeBinDir(ROOT, release, { arch: 'arm64' }), 'node');
  const x64Node = join(await nodeBinDir(ROOT, release, { arch: 'x64' }), 'node');
  const nodes = { 'arm64 (qemu)': [QEMU, '-L', SYSROOT, arm64Node], x86_64: [x64Node] };
  const probe = spawnSync(QEMU, ['-L', SYSROOT, arm64Node, '-p', 'process.arch'], { encoding: 'utf8' });
  if (probe.stdout?.trim() !== 'arm64') {
    throw new Error(
      `${QEMU} -L ${SYSROOT} cannot run Node for arm64 (${probe.error?.message ?? probe.stderr.trim()}); ` +
        'on Debian: apt-get install qemu-user libc6-arm64-cross libstdc++6-arm64-cross',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'check-arm64-'));
  await build({
    entryPoints: [join(ROOT, 'scripts/local-api-gateway.ts')],
    outfile: join(dir, 'gateway.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    logLevel: 'warning',
  });
  const cli = await buildLocal({ rootDir: ROOT, outDir: join(dir, 'local') });
  const store = await start(
    process.execPath,
    [
      cli,
      'local-store',
      '--local.data-dir',
      join(dir, 'store'),
      '--local.listen-address',
      `127.0.0.1:${port(0)}`,
    ],
    { PATH: process.env.PATH, NODE_PATH: join(ROOT, 'node_modules') },
    join(dir, 'store.log'),
    'listening on',
  );
  const storeEndpoint = /listening on (\S+)/.exec(store.lines.join('\n'))?.[1] ?? '';
  const problems: string[] = [];
  const corruptAnswers = new Set<string>();
  try {
    for (const [index, c] of CASES.entries()) {
      const found = await runCase(c, index, dir, storeEndpoint, nodes, port(1 + index));
      problems.push(...found.problems.map((p) => `${c.packaged} package on ${c.runsOn}: ${p}`));
      corruptAnswers.add(found.corruptAnswer);
    }
  } finally {
    await stop(store);
  }
  if (corruptAnswers.size > 1)
    problems.push(`a corrupt body is answered differently: ${[...corruptAnswers].join(' | ')}`);
  if (problems.length > 0) {
    console.error(
      `check-arm64: ${problems.length} problems (logs in ${dir}):\n${problems.slice(0, 20).join('\n')}`,
    );
    process.exitCode = 1;
  } else {
    console.log('check-arm64: every case stored and read back exactly what was sent');
    if (values.keep) console.log(`logs in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`check-arm64: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  });
}
