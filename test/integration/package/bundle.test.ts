// SPDX-License-Identifier: Apache-2.0
// The packaged Lambda bundle, exactly as deployed: built by the package script into a temp dir,
// loaded in a fresh Node process (no jest transforms, no node_modules beyond the bundle) and
// driven with API Gateway HTTP API (payload 2.0) events against the embedded local store.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNAPPY_FALLBACK_MESSAGE, snappyCompress, snappyUncompress } from '../../../lambda/codec/snappy';
import { startLocalStore, type LocalStore } from '../../../lambda/local-store/index';
import { decodeReadResponse, encodeReadRequest, encodeWriteRequest } from '../../../lambda/prompb/codec';
import { MatcherType, ResponseType, type ReadResponse, type TimeSeries } from '../../../lambda/prompb/types';
import { MAX_ZIP_BYTES, packageLambda, type PackageResult } from '../../../scripts/package-lambda';

const ROOT = join(__dirname, '..', '..', '..');
const DATABASE = 'PrometheusDatabase';
const TABLE = 'PrometheusMetricsTable';
const STAGE = 'dev';
const AUTHORIZATION = `Basic ${Buffer.from('AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY').toString('base64')}`;
// Whole seconds a minute in the past, so the samples sit inside the memory store window.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
// Far larger than any response here; the bound only protects against a corrupt header.
const MAX_DECODED_BYTES = 64 * 1024 * 1024;

const SERIES: TimeSeries = {
  labels: [
    { name: '__name__', value: 'prometheus_temperature' },
    { name: 'instance', value: 'localhost:9090' },
    { name: 'job', value: 'prometheus' },
  ],
  samples: [
    { value: 98.76, timestamp: T0 },
    { value: -1.5e-9, timestamp: T0 + 15_000 },
    { value: 2 ** 53 + 2, timestamp: T0 + 30_000 },
  ],
};

interface LambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

function httpApiEvent(path: '/write' | '/read', body: Uint8Array, versionHeader: Record<string, string>) {
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: `/${STAGE}${path}`,
    rawQueryString: '',
    headers: {
      authorization: AUTHORIZATION,
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'user-agent': 'Prometheus/3.0.0',
      ...versionHeader,
    },
    requestContext: {
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      http: {
        method: 'POST',
        path: `/${STAGE}${path}`,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'Prometheus/3.0.0',
      },
      requestId: `req-${path.slice(1)}`,
      routeKey: `POST ${path}`,
      stage: STAGE,
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: T0,
    },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
}

// Runs in the child: loads the bundle, invokes the handler once per event, in order.
const CHILD_SCRIPT = `
const fs = require('node:fs');
const { handler } = require(process.env.BUNDLE_PATH);
(async () => {
  const events = JSON.parse(fs.readFileSync(process.env.EVENTS_PATH, 'utf8'));
  const results = [];
  for (const event of events) {
    results.push(await handler(event, { awsRequestId: event.requestContext.requestId, getRemainingTimeInMillis: () => 30000 }));
  }
  // Native addons the bundle loaded: the snappy binary shipped next to it, when it fits this machine.
  const natives = Object.keys(require.cache).filter((path) => path.endsWith('.node'));
  fs.writeFileSync(process.env.RESULTS_PATH, JSON.stringify({ results, natives }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

interface BundleRun {
  results: LambdaResult[];
  /** Paths of the native addons the bundle loaded. */
  natives: string[];
  /** What the bundle wrote to stdout and stderr (its log lines). */
  output: string;
}

function runBundle(
  bundlePath: string,
  endpoint: string,
  events: unknown[],
  dir: string,
  logLevel = 'warn',
): Promise<BundleRun> {
  const eventsPath = join(dir, 'events.json');
  const resultsPath = join(dir, 'results.json');
  writeFileSync(eventsPath, JSON.stringify(events));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    BUNDLE_PATH: bundlePath,
    EVENTS_PATH: eventsPath,
    RESULTS_PATH: resultsPath,
    AWS_REGION: 'us-east-1',
    default_database: DATABASE,
    default_table: TABLE,
    write_base_endpoint: endpoint,
    query_base_endpoint: endpoint,
    log_level: logLevel,
  };
  return new Promise((resolve, reject) => {
    // cwd outside the repository: the bundle must not need node_modules.
    const child = spawn(process.execPath, ['-e', CHILD_SCRIPT], {
      env,
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`bundle process exited with ${code}:\n${output}`));
      else
        resolve({ ...(JSON.parse(readFileSync(resultsPath, 'utf8')) as Omit<BundleRun, 'output'>), output });
    });
  });
}

/** The JSON log lines of `output` whose message is `msg`. */
function logLines(output: string, msg: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes(`"msg":${JSON.stringify(msg)}`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('packaged Lambda bundle', () => {
  let dir: string;
  let store: LocalStore;
  let packaged: PackageResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    packaged = await packageLambda({
      rootDir: ROOT,
      outDir: join(dir, 'lambda'),
      zipPath: join(dir, 'connector.zip'),
      sourceMapPath: join(dir, 'index.js.map'),
    });
    store = await startLocalStore({ dataDir: ':memory:', port: 0 });
    await store.ensureTable(DATABASE, TABLE);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('stays within the zipped size target and carries neither DuckDB nor the local store', () => {
    expect(packaged.zipBytes).toBeLessThanOrEqual(MAX_ZIP_BYTES);
    const bundle = readFileSync(packaged.bundlePath, 'utf8');
    expect(bundle).not.toContain('@duckdb');
    expect(bundle).not.toContain('DuckDBInstance');
  });

  test('answers a remote write with 204 and a remote read with the exact samples', async () => {
    const writeBody = snappyCompress(encodeWriteRequest({ timeseries: [SERIES] }));
    const readBody = snappyCompress(
      encodeReadRequest({
        queries: [
          {
            startTimestampMs: T0 - 60_000,
            endTimestampMs: T0 + 60_000,
            matchers: [{ type: MatcherType.EQ, name: '__name__', value: 'prometheus_temperature' }],
          },
        ],
        acceptedResponseTypes: [ResponseType.SAMPLES],
      }),
    );
    const {
      results: [write, read],
    } = await runBundle(
      packaged.bundlePath,
      store.endpoint,
      [
        httpApiEvent('/write', writeBody, { 'x-prometheus-remote-write-version': '0.1.0' }),
        httpApiEvent('/read', readBody, { 'x-prometheus-remote-read-version': '0.1.0' }),
      ],
      dir,
    );

    expect({ status: write.statusCode, body: write.body }).toEqual({ status: 204, body: '' });
    expect(read.statusCode).toBe(200);
    expect(read.isBase64Encoded).toBe(true);
    expect(read.headers).toMatchObject({
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
    });

    const response: ReadResponse = decodeReadResponse(
      snappyUncompress(Buffer.from(read.body, 'base64'), MAX_DECODED_BYTES),
    );
    expect(response.results).toHaveLength(1);
    expect(response.results[0].timeseries).toEqual([SERIES]);
  }, 60_000);

  test("logs package.json's version on the cold start", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const { output } = await runBundle(packaged.bundlePath, store.endpoint, [], dir, 'info');
    const ready = output
      .split('\n')
      .filter((line) => line.includes('"connector ready"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(ready).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'connector ready',
        database: DATABASE,
        table: TABLE,
        region: 'us-east-1',
        sigv4: false,
        version,
      }),
    ]);
  });

  test('packages for arm64 by default and, on another machine, falls back to pure-JS snappy', async () => {
    // Offline, the binary cannot be fetched: the package says so and still works.
    const { nativeSnappy, warnings } = packaged;
    expect(nativeSnappy === undefined ? warnings[0] : nativeSnappy.architecture).toMatch(
      /^(arm64|native snappy for arm64 not included)/,
    );
    const body = snappyCompress(encodeWriteRequest({ timeseries: [SERIES] }));
    const { results, natives, output } = await runBundle(
      packaged.bundlePath,
      store.endpoint,
      [httpApiEvent('/write', body, {})],
      dir,
      'info',
    );
    expect(results.map((r) => r.statusCode)).toEqual([204]);
    if (process.arch === 'arm64') return;
    expect(natives).toEqual([]);
    // Said once at the cold start, with why: the shipped binary is for another architecture (or
    // absent offline), and the `snappy` package is not in the zip.
    expect(logLines(output, 'connector ready')).toEqual([expect.objectContaining({ snappy: 'js' })]);
    const fallback = logLines(output, SNAPPY_FALLBACK_MESSAGE);
    expect(fallback).toEqual([expect.objectContaining({ level: 'warn', reasons: expect.any(Array) })]);
    const [bundled, installed] = fallback[0].reasons as string[];
    // glibc says "No such file" for a binary of another architecture: the reason says what it is.
    const binary = join(dir, 'lambda', 'snappy.node');
    expect(bundled).toBe(
      nativeSnappy === undefined
        ? `Cannot find module '${binary}'`
        : `${binary} is a binary for arm64, not x64 (${binary}: cannot open shared object file: No such file or directory)`,
    );
    expect(installed).toBe("Cannot find module 'snappy'");
  }, 60_000);

  test("decodes with the native snappy binary it ships when packaged for this machine's architecture", async () => {
    const hostDir = join(dir, 'host');
    const host = await packageLambda({
      rootDir: ROOT,
      architecture: process.arch === 'arm64' ? 'arm64' : 'x86_64',
      outDir: join(hostDir, 'lambda'),
      zipPath: join(hostDir, 'connector.zip'),
      sourceMapPath: join(hostDir, 'index.js.map'),
    });
    expect(host.warnings).toEqual([]);
    expect(host.zipBytes).toBeLessThanOrEqual(MAX_ZIP_BYTES);
    const body = snappyCompress(encodeWriteRequest({ timeseries: [SERIES] }));
    const { results, natives, output } = await runBundle(
      host.bundlePath,
      store.endpoint,
      [httpApiEvent('/write', body, {})],
      dir,
      'info',
    );
    expect(results.map((r) => r.statusCode)).toEqual([204]);
    expect(natives).toEqual([join(hostDir, 'lambda', 'snappy.node')]);
    expect(logLines(output, 'connector ready')).toEqual([expect.objectContaining({ snappy: 'native' })]);
    expect(logLines(output, SNAPPY_FALLBACK_MESSAGE)).toEqual([]);
  }, 60_000);
});
