// SPDX-License-Identifier: Apache-2.0
// The real CLI with its embedded store (`node --import tsx bin/cli.ts --local`) on free loopback
// ports, for the tests that need the process as users run it: its signals, its wiring.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../e2e/support/processes';

const ROOT = join(__dirname, '..', '..', '..');
// Node with tsx's loader, not the tsx command: tsx passes a signal on to its child and kills it
// (SIGKILL) unless the child says within 30 ms that it got it, which a loaded machine can miss.
const WITH_TSX = ['--import', 'tsx'];

export interface LocalCli {
  child: ChildProcess;
  /** The connector's base URL. */
  url: string;
  /** The embedded store's Timestream API endpoint. */
  storeEndpoint: string;
  exited: Promise<number | null>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
}

/** Starts the CLI on `dataDir` with `extra` flags and resolves once /healthz answers 200. */
export async function startLocalCli(dataDir: string, extra: string[]): Promise<LocalCli> {
  const [port, storePort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      ...WITH_TSX,
      'bin/cli.ts',
      '--local',
      '--local.data-dir',
      dataDir,
      '--web.listen-address',
      `127.0.0.1:${port}`,
      '--local.listen-address',
      `127.0.0.1:${storePort}`,
      ...extra,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const ready = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready)
      return { child, url, storeEndpoint: `http://127.0.0.1:${storePort}`, exited, output: () => output };
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the CLI did not become ready: ${output}`);
}
