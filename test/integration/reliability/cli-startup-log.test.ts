// SPDX-License-Identifier: Apache-2.0
// The real CLI's start-up log line (`tsx bin/cli.ts`, JSON logs): it names the version that is
// running, as `--version` prints it, so a log alone tells an operator which release wrote it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

// Each case starts a tsx process (~1-2 s).
jest.setTimeout(30_000);

/** Starts the CLI with `args` and resolves with the first JSON log line whose msg is `msg`. */
async function firstLine(args: string[], msg: string): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cli-startup-log-'));
  const child = spawn(
    TSX,
    ['bin/cli.ts', ...args, '--local.data-dir', dataDir, '--local.listen-address', '127.0.0.1:0'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    return await new Promise<Record<string, unknown>>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const found = out.split('\n').find((line) => line.includes(`"msg":"${msg}"`));
        if (found !== undefined) resolve(JSON.parse(found) as Record<string, unknown>);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before the line: ${out}${err}`)));
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('local-store: the store-ready line carries the version and the endpoint', async () => {
  const line = await firstLine(
    ['local-store', '--log.format', 'json'],
    'embedded Timestream-compatible store ready',
  );
  expect(line).toMatchObject({ level: 'info', version });
  expect(line.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

test('--local: the listening line carries the version, the database and the table', async () => {
  const line = await firstLine(
    ['--local', '--web.listen-address', '127.0.0.1:0', '--log.format', 'json'],
    'connector listening',
  );
  expect(line).toMatchObject({
    level: 'info',
    version,
    database: 'PrometheusDatabase',
    table: 'PrometheusMetricsTable',
    local: true,
  });
  expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});
