// SPDX-License-Identifier: Apache-2.0
// The local-mode build behind `npm start`: what it writes, that native addons stay outside the
// bundle, that the bundle runs, and that package.json's scripts run what it builds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { THREAD_WORKER_NAME } from '../../lambda/local-store/thread';
import { buildLocal, startNodeFlags } from '../../scripts/build-local';

const ROOT = join(__dirname, '..', '..');

describe('buildLocal', () => {
  let dir: string;
  let cli: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'build-local-'));
    cli = await buildLocal({ rootDir: ROOT, outDir: join(dir, 'local') });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('writes the CLI and the store worker the CLI starts, side by side', () => {
    expect(cli).toBe(join(dir, 'local', 'cli.js'));
    expect(readdirSync(join(dir, 'local')).sort()).toEqual(['cli.js', `${THREAD_WORKER_NAME}.js`]);
  });

  test.each([
    ['cli.js', ['@duckdb/node-api', 'snappy']],
    [`${THREAD_WORKER_NAME}.js`, ['@duckdb/node-api']],
  ])('%s loads the native addons from node_modules: %p', (file, addons) => {
    const text = readFileSync(join(dir, 'local', file), 'utf8');
    // indexOf, not toContain: a failure would print the whole bundle.
    for (const addon of addons) expect(text.indexOf(`require("${addon}")`)).toBeGreaterThan(-1);
  });

  test('the bundle runs with plain node', () => {
    const run = spawnSync(process.execPath, [cli, '--help'], {
      env: { PATH: process.env.PATH, NODE_PATH: join(ROOT, 'node_modules') },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: timestream-prometheus-connector \[options\] \[command\]\n/);
    expect(run.stdout).toContain('--local ');
  });

  test("the bundle prints package.json's version", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = spawnSync(process.execPath, [cli, '--version'], {
      env: { PATH: process.env.PATH, NODE_PATH: join(ROOT, 'node_modules') },
      encoding: 'utf8',
    });
    expect(run).toMatchObject({
      status: 0,
      stderr: '',
      stdout: `timestream-prometheus-connector ${version}\n`,
    });
  });
});

describe("package.json's scripts", () => {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };

  test.each([
    ['prestart', 'tsx scripts/build-local.ts'],
    [
      'start',
      'node --max-semi-space-size=64 --no-parallel-scavenge --no-allocation-site-pretenuring dist/local/cli.js --local',
    ],
    ['preconnector', 'tsx scripts/build-local.ts'],
    ['connector', 'node --max-semi-space-size=64 dist/local/cli.js'],
  ])('%s runs `%s`', (name, command) => {
    expect(scripts[name]).toBe(command);
  });

  test('startNodeFlags gives the start script node flags', () => {
    expect(startNodeFlags(ROOT)).toEqual([
      '--max-semi-space-size=64',
      '--no-parallel-scavenge',
      '--no-allocation-site-pretenuring',
    ]);
  });

  test.each([
    'node --import tsx bin/cli.ts --local',
    'node dist/local/cli.js',
    'node dist/local/cli.js --local --log.level=debug',
    'tsx dist/local/cli.js --local',
  ])('startNodeFlags refuses a start script that does not run the bundle with --local alone: %s', (start) => {
    const fixture = mkdtempSync(join(tmpdir(), 'build-local-pkg-'));
    try {
      writeFileSync(join(fixture, 'package.json'), JSON.stringify({ scripts: { start } }));
      expect(() => startNodeFlags(fixture)).toThrow(
        `package.json's start script no longer runs "node <flags> dist/local/cli.js --local": ${start}`,
      );
    } finally {
      rmSync(fixture, { recursive: true, force: true });
    }
  });
});
