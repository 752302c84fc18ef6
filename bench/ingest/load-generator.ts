// SPDX-License-Identifier: Apache-2.0
// The ingest figure's load generator, run as its own process so its CPU is not the target's:
// builds the bodies once (bodies.ts), then on each `run` message sends them over a fixed number of
// keep-alive connections for a bounded time and reports what was acknowledged.

import { Agent, request } from 'node:http';
import { buildBodies, type Bodies, type BodyPlan } from './bodies';
import { readCpuTimes, sharesWithin, type CpuReading, type CpuShares } from './cpu-times';
import { buildStoreBodies, type StoreBodies } from './store-bodies';
import { MeasuredWindow } from './window';

/** A request that takes longer than this counts as failed (a stuck target cannot stall the bench). */
export const REQUEST_TIMEOUT_MS = 60_000;
/** How often the machine's CPU times are read during a run (a ~1 KB file: cheap at this rate). */
export const CPU_READING_MS = 250;

/** Messages from the parent. */
export type LoadCommand =
  | { type: 'build'; plan: BodyPlan }
  /** Also map the first `remoteBodies` bodies to WriteRecords JSON bodies (store-only runs). */
  | { type: 'buildStore'; remoteBodies: number }
  | {
      type: 'run';
      /** Which bodies to send: remote-write (default) or WriteRecords JSON. */
      bodies?: 'remote-write' | 'store';
      /** `http://host:port/path` of the remote-write receiver. */
      url: string;
      headers: Record<string, string>;
      connections: number;
      warmupMs: number;
      durationMs: number;
    }
  | { type: 'exit' };

/** What one run measured. */
export interface LoadResult {
  /** Samples acknowledged (2xx) over the whole run, warm-up included. */
  ackedSamples: number;
  /** Samples of requests answered with an error or not answered. */
  failedSamples: number;
  requests: number;
  /**
   * Samples acknowledged inside the measured window, and the window's length. The window opens
   * after the warm-up and once every series exists (window.ts).
   */
  windowSamples: number;
  windowMs: number;
  /** Time from the start until every first-round body was answered (NaN when some never were). */
  firstRoundMs: number;
  /** True when the bodies ran out before the window ended (the window is then cut short). */
  exhausted: boolean;
  statuses: Record<string, number>;
  firstError?: string;
  /** Shares of all cores' time idle and in the kernel over the window; undefined off Linux. */
  machine?: CpuShares;
}

/** Messages to the parent. */
export type LoadReply =
  | { type: 'built'; bodies: number; bytes: number; ms: number }
  | { type: 'builtStore'; bodies: number; samples: number; bytes: number; ms: number }
  | { type: 'result'; result: LoadResult };

let bodies: Bodies | undefined;
let storeBodies: StoreBodies | undefined;

process.on('message', (command: LoadCommand) => {
  if (command.type === 'build') {
    const started = performance.now();
    bodies = buildBodies(command.plan);
    reply({
      type: 'built',
      bodies: bodies.bodies.length,
      bytes: bodies.totalBytes,
      ms: performance.now() - started,
    });
  } else if (command.type === 'buildStore') {
    if (!bodies) throw new Error('buildStore before build');
    const started = performance.now();
    storeBodies = buildStoreBodies(bodies, command.remoteBodies);
    reply({
      type: 'builtStore',
      bodies: storeBodies.bodies.length,
      samples: storeBodies.samples.reduce((a, b) => a + b, 0),
      bytes: storeBodies.totalBytes,
      ms: performance.now() - started,
    });
  } else if (command.type === 'run') {
    const chosen = command.bodies === 'store' ? storeBodies : bodies;
    if (!chosen) throw new Error('run before build');
    void runLoad(chosen, command).then((result) => reply({ type: 'result', result }));
  } else {
    process.exit(0);
  }
});

function reply(message: LoadReply): void {
  process.send?.(message);
}

async function runLoad(
  all: Pick<Bodies, 'bodies' | 'samples' | 'firstRoundBodies'>,
  command: Extract<LoadCommand, { type: 'run' }>,
): Promise<LoadResult> {
  const url = new URL(command.url);
  const agent = new Agent({ keepAlive: true, maxSockets: command.connections });
  const result: LoadResult = {
    ackedSamples: 0,
    failedSamples: 0,
    requests: 0,
    windowSamples: 0,
    windowMs: command.durationMs,
    firstRoundMs: NaN,
    exhausted: false,
    statuses: {},
  };
  const started = performance.now();
  const window = new MeasuredWindow(started, command.warmupMs, command.durationMs, all.firstRoundBodies);
  const readings: CpuReading[] = [];
  const readCpu = () => {
    const times = readCpuTimes();
    if (times !== undefined) readings.push({ at: performance.now(), times });
  };
  readCpu();
  const cpuTimer = setInterval(readCpu, CPU_READING_MS);
  let next = 0;
  const worker = async () => {
    while (performance.now() < window.end) {
      if (next >= all.bodies.length) {
        result.exhausted = true;
        return;
      }
      const index = next++;
      const samples = all.samples[index];
      const send = command.bodies === 'store' ? postJson : post;
      const status = await send(agent, url, all.bodies[index], command.headers).catch((error: Error) => {
        result.firstError ??= error.message;
        return 0;
      });
      const now = performance.now();
      result.requests++;
      result.statuses[status] = (result.statuses[status] ?? 0) + 1;
      const acked = status >= 200 && status < 300;
      if (acked) result.ackedSamples += samples;
      else result.failedSamples += samples;
      if (window.answered(index, now) && acked) result.windowSamples += samples;
    }
  };
  await Promise.all(Array.from({ length: command.connections }, worker));
  clearInterval(cpuTimer);
  readCpu();
  result.windowMs = window.length(result.exhausted);
  result.firstRoundMs = window.firstRoundMs;
  result.machine = sharesWithin(readings, window.opens, window.opens + result.windowMs);
  agent.destroy();
  return result;
}

function post(agent: Agent, url: URL, body: Buffer, headers: Record<string, string>): Promise<number> {
  return send(agent, url, body, {
    'Content-Encoding': 'snappy',
    'Content-Type': 'application/x-protobuf',
    'X-Prometheus-Remote-Write-Version': '0.1.0',
    'Content-Length': String(body.length),
    ...headers,
  });
}

function send(agent: Agent, url: URL, body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        timeout: REQUEST_TIMEOUT_MS,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) {
            noteErrorAnswer(`${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`);
          }
          resolve(res.statusCode ?? 0);
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs a body with exactly the given headers (store calls carry their own). */
function postJson(agent: Agent, url: URL, body: Buffer, headers: Record<string, string>): Promise<number> {
  return send(agent, url, body, { ...headers, 'Content-Length': String(body.length) });
}

let firstStatusError: string | undefined;
function noteErrorAnswer(text: string): void {
  if (firstStatusError === undefined) {
    firstStatusError = text;
    process.stderr.write(`load generator: first error answer ${text}\n`);
  }
}
