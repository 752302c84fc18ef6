// SPDX-License-Identifier: Apache-2.0
// Figure 6: the Lambda bundle's zipped size (scripts/package-lambda.ts, built into a temporary
// folder) and the time from spawning `node` to the first answered API Gateway event: the process
// loads the bundle (configuration, clients) and answers one small /write against a Timestream
// stand-in that answers at once. `node` starts with the flags and memory variable the Lambda runtime
// gives a function of the template's default memory (lambda-runtime.ts). The zip measured is the
// deployed architecture's; the bundle timed is packaged for this machine's, so its native snappy
// binary loads as the deployed one does on Lambda. Bare `node` startup is measured too, for
// proportion.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyCompress } from '../../lambda/codec/snappy';
import { encodeWriteRequest } from '../../lambda/prompb/codec';
import { DEFAULT_ARCHITECTURE, packageLambda } from '../../scripts/package-lambda';
import type { LambdaArchitecture } from '../../scripts/snappy-binary';
import { BASIC_AUTH } from '../../test/support/harness';
import { lambdaRuntimeEnv, lambdaRuntimeNodeArgs } from '../lambda-runtime';
import { startLatencyStub } from '../latency-stub';
import type { Figure, FigureResult } from '../types';
import { measurement, quantile, realisticRequests, since } from '../support';

/** Targets of issue 7. */
const MAX_ZIP_BYTES = 1024 * 1024;
const MAX_COLD_START_MS = 300;
/** Longest a child may take before the figure gives up on it. */
const CHILD_TIMEOUT_MS = 20_000;

/** Prefix of the line the child prints once answered (EMF metrics share its stdout). */
const MARKER = 'BENCH-ANSWER ';

/**
 * The architecture whose package the figure times: this machine's (`arch`, Node's name), else the
 * deployed one. NOTE: the deployed package's native snappy binary does not load on another
 * architecture, and its bundle then skips loading it, which every cold start on Lambda pays, and
 * decodes in pure JavaScript.
 */
export function timedArchitecture(arch: string = process.arch): LambdaArchitecture {
  if (arch === 'arm64') return 'arm64';
  if (arch === 'x64') return 'x86_64';
  return DEFAULT_ARCHITECTURE;
}

/** Spawns `node -e script` and resolves with the ms until it prints MARKER, and the rest of that line. */
function timeChild(script: string, env: NodeJS.ProcessEnv): Promise<{ ms: number; line: string }> {
  const start = performance.now();
  const child = spawn(process.execPath, [...lambdaRuntimeNodeArgs(), '-e', script], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill(), CHILD_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const at = out.indexOf(MARKER);
      const end = at < 0 ? -1 : out.indexOf('\n', at);
      if (end >= 0) {
        const ms = since(start);
        clearTimeout(timer);
        child.kill();
        resolve({ ms, line: out.slice(at + MARKER.length, end) });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code} before answering: ${err.slice(0, 500)}`));
    });
  });
}

/**
 * The child's environment: the deployed function's (template.yml) where it matters to a cold start,
 * with both endpoints at the stand-in. NOTE: logging stays on, as deployed: the first request then
 * writes the start-up and request lines, as it does on Lambda.
 */
export function coldStartEnv(endpoint: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_REGION: 'us-east-1',
    region: 'us-east-1',
    default_database: 'PrometheusDatabase',
    default_table: 'PrometheusMetricsTable',
    write_base_endpoint: endpoint,
    query_base_endpoint: endpoint,
    enable_logging: 'true',
    log_format: 'json',
    // NOTE: keeps the SDK from probing shared config files and the instance metadata service.
    AWS_SDK_LOAD_CONFIG: '0',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...lambdaRuntimeEnv(),
  };
}

export const run: Figure = async ({ quick }): Promise<FigureResult> => {
  const runs = quick ? 3 : 9;
  const dir = await mkdtemp(join(tmpdir(), 'bench-cold-start-'));
  const stub = await startLatencyStub(0);
  try {
    const bundle = await packageLambda({
      outDir: join(dir, 'lambda'),
      zipPath: join(dir, 'bundle.zip'),
      sourceMapPath: join(dir, 'index.js.map'),
    });
    const architecture = timedArchitecture();
    const timed =
      architecture === DEFAULT_ARCHITECTURE
        ? bundle
        : await packageLambda({
            outDir: join(dir, 'timed'),
            zipPath: join(dir, 'timed.zip'),
            sourceMapPath: join(dir, 'timed.js.map'),
            architecture,
          });
    const body = snappyCompress(encodeWriteRequest({ timeseries: realisticRequests(1, 10)[0] }));
    const event = {
      version: '2.0',
      rawPath: '/dev/write',
      headers: {
        'content-encoding': 'snappy',
        'content-type': 'application/x-protobuf',
        'x-prometheus-remote-write-version': '0.1.0',
        authorization: BASIC_AUTH,
      },
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
      requestContext: { stage: 'dev', http: { method: 'POST', path: '/dev/write' } },
    };
    const script =
      `const { handler } = require(${JSON.stringify(timed.bundlePath)});` +
      `handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 30000 })` +
      `.then((r) => process.stdout.write('${MARKER}' + r.statusCode + '\\n'));`;
    const env = coldStartEnv(stub.endpoint);
    const coldStart: number[] = [];
    const bareNode: number[] = [];
    for (let r = 0; r < runs; r++) {
      const { ms, line } = await timeChild(script, env);
      if (line.trim() !== '204') throw new Error(`bundle answered ${line}`);
      coldStart.push(ms);
      bareNode.push((await timeChild(`process.stdout.write('${MARKER}up\\n')`, env)).ms);
    }
    const zip = measurement(`zipped bundle (${DEFAULT_ARCHITECTURE})`, [bundle.zipBytes / 1024], 'KiB');
    const cold = measurement(`spawn to first answered /write (${architecture} package)`, coldStart, 'ms');
    const met = bundle.zipBytes <= MAX_ZIP_BYTES && cold.median <= MAX_COLD_START_MS;
    return {
      id: 6,
      title: 'Cold start: zipped Lambda bundle and time from process start to the first answered request',
      measurements: [
        zip,
        measurement('bundle (unzipped)', [bundle.bundleBytes / 1024], 'KiB'),
        cold,
        measurement('for proportion: bare node startup', bareNode, 'ms'),
      ],
      target: `≤ ${MAX_ZIP_BYTES / 1024} KiB zipped, ≤ ${MAX_COLD_START_MS} ms to the first answer`,
      headline: { name: 'spawn to first answer', value: cold.median, unit: 'ms' },
      met,
      note:
        `bare node startup alone takes ${bareNode.length > 0 ? Math.round(quantile(bareNode, 0.5)) : NaN} ms on this machine now; ` +
        'the rest is loading the bundle (SDK clients, configuration) and the first call, which opens a connection.',
    };
  } finally {
    await stub.close();
    await rm(dir, { recursive: true, force: true });
  }
};
