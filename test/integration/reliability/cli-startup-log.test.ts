// SPDX-License-Identifier: Apache-2.0
// The real CLI's start-up log line (`tsx bin/cli.ts`, JSON logs): it names the version that is
// running, as `--version` prints it, so a log alone tells an operator which release wrote it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

// Each case starts a tsx process (~1-2 s).
jest.setTimeout(30_000);

/**
 * Starts the CLI with `args` and resolves with the first JSON log line whose msg is `msg`, the
 * stream it was written to, and that stream's lines up to it.
 */
async function firstLine(
  args: string[],
  msg: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ line: Record<string, unknown>; stream: 'stdout' | 'stderr'; before: string[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cli-startup-log-'));
  const child = spawn(
    TSX,
    ['bin/cli.ts', ...args, '--local.data-dir', dataDir, '--local.listen-address', '127.0.0.1:0'],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    return await new Promise((resolve, reject) => {
      const out = { stdout: '', stderr: '' };
      for (const stream of ['stdout', 'stderr'] as const) {
        child[stream].on('data', (chunk: Buffer) => {
          out[stream] += chunk.toString();
          const lines = out[stream].split('\n');
          const at = lines.findIndex((line) => line.includes(`"msg":"${msg}"`));
          if (at >= 0)
            resolve({
              line: JSON.parse(lines[at]) as Record<string, unknown>,
              stream,
              before: lines.slice(0, at),
            });
        });
      }
      child.once('exit', (code) =>
        reject(new Error(`exited ${code} before the line: ${out.stdout}${out.stderr}`)),
      );
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('local-store: the store-ready line carries the version and the endpoint', async () => {
  const { line, stream } = await firstLine(
    ['local-store', '--log.format', 'json'],
    'embedded Timestream-compatible store ready',
  );
  // Standard error, as the reference connector logs (promlog); standard output has the banner.
  expect(stream).toBe('stderr');
  expect(line).toMatchObject({ level: 'info', version });
  expect(line.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

test('--local: the listening line carries the version, the database and the table', async () => {
  const { line, stream } = await firstLine(
    ['--local', '--web.listen-address', '127.0.0.1:0', '--log.format', 'json'],
    'connector listening',
  );
  expect(stream).toBe('stderr');
  expect(line).toMatchObject({
    level: 'info',
    version,
    database: 'PrometheusDatabase',
    table: 'PrometheusMetricsTable',
    local: true,
    snappy: 'native',
  });
  expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

/**
 * Starts `local-store` (JSON logs) with `code` run on the store's thread only (its workerData names
 * the data directory) 500 ms after it starts, and resolves as firstLine does for `msg`.
 */
async function withCodeOnStoreThread(code: string, msg: string): ReturnType<typeof firstLine> {
  const preload = join(mkdtempSync(join(tmpdir(), 'cli-startup-log-')), 'on-store-thread.cjs');
  writeFileSync(
    preload,
    `if (require('node:worker_threads').workerData?.dataDir !== undefined)\n` +
      `  setTimeout(() => { ${code} }, 500);\n`,
  );
  try {
    return await firstLine(['local-store', '--log.format', 'json'], msg, {
      ...process.env,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`,
    });
  } finally {
    rmSync(dirname(preload), { recursive: true, force: true });
  }
}

test('local-store: a process warning raised on the store thread is a warn log line, as one of the main thread', async () => {
  const { line, stream } = await withCodeOnStoreThread(
    "process.emitWarning('raised on the store thread', { code: 'H1', detail: 'its detail' });",
    'raised on the store thread',
  );
  expect([stream, line.level, line.warning, line.code, line.detail]).toEqual([
    'stderr',
    'warn',
    'Warning',
    'H1',
    'its detail',
  ]);
});

test('local-store: what the store thread emits as a warning that is not an Error is no warning, as for Node.js', async () => {
  const { line, before } = await withCodeOnStoreThread(
    "process.emit('warning', 'plain text'); process.emit('warning', 42);" +
      " process.emitWarning('after two that are not Errors');",
    'after two that are not Errors',
  );
  // Not an empty warn line for each, as the thread handed them on.
  expect([line.level, line.warning, before.filter((l) => l.includes('"level":"warn"'))]).toEqual([
    'warn',
    'Warning',
    [],
  ]);
});
