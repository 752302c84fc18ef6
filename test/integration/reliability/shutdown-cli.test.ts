// SPDX-License-Identifier: Apache-2.0
// Graceful shutdown of the real CLI (`node --import tsx bin/cli.ts --local`): SIGTERM while writes
// are held in flight by store latency. Every accepted write gets a status (204 here: the 20 s grace
// outlasts the latency), the process exits 0, and after a restart on the same data directory every
// sample a 204 acknowledged is there, exactly once, with its exact value.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paginateQuery, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { snappyCompress } from '../../../lambda/codec/snappy';
import { encodeWriteRequest } from '../../../lambda/prompb/codec';
import { probeKeys, probeRequest, readProbe } from '../../reliability/probe';
import { reportCounts } from '../../reliability/support';
import { BASIC_AUTH } from '../../support/harness';

const ROOT = join(__dirname, '..', '..', '..');
// Node with tsx's loader, not the tsx command: tsx passes a signal on to its child and kills it
// (SIGKILL) unless the child says within 30 ms that it got it, which a loaded machine can miss.
const WITH_TSX = ['--import', 'tsx'];
const IN_FLIGHT = 8;
const STORE_LATENCY_MS = 1500;
const WRITTEN = 'x-prometheus-remote-write-samples-written';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Cli {
  child: ChildProcess;
  url: string;
  storeEndpoint: string;
  exited: Promise<number | null>;
}

async function startCli(dataDir: string, extra: string[]): Promise<Cli> {
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
      '--log.level',
      'error',
      ...extra,
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const ready = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { child, url, storeEndpoint: `http://127.0.0.1:${storePort}`, exited };
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the CLI did not become ready: ${stderr}`);
}

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'connector-shutdown-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('SIGTERM under load answers every in-flight write and keeps every acknowledged sample', async () => {
  const cli = await startCli(dataDir, ['--local.fault-latency', String(STORE_LATENCY_MS)]);
  const requests = Array.from({ length: IN_FLIGHT }, (_, i) => probeRequest(`sigterm-${i}`, 2, 10));
  const answers = requests.map((request) =>
    fetch(`${cli.url}/write`, {
      method: 'POST',
      headers: {
        'content-encoding': 'snappy',
        'content-type': 'application/x-protobuf',
        authorization: BASIC_AUTH,
      },
      body: snappyCompress(encodeWriteRequest(request)),
    }).then(
      (r) => ({ status: r.status, written: r.headers.get(WRITTEN) }),
      (error: Error) => ({ status: 0, written: String(error.cause ?? error) }),
    ),
  );
  // The store's latency holds every write in flight; SIGTERM lands in the middle of them.
  await new Promise((resolve) => setTimeout(resolve, STORE_LATENCY_MS / 3));
  cli.child.kill('SIGTERM');
  const results = await Promise.all(answers);
  expect(await cli.exited).toBe(0);
  expect(results).toEqual(Array(IN_FLIGHT).fill({ status: 204, written: '20' }));

  const restarted = await startCli(dataDir, []);
  const client = new TimestreamQueryClient({
    region: 'us-east-1',
    endpoint: restarted.storeEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const sql = async (query: string) => {
    const rows: Record<string, string | null>[] = [];
    for await (const page of paginateQuery({ client }, { QueryString: query })) {
      const names = (page.ColumnInfo ?? []).map((c) => c.Name ?? '');
      for (const row of page.Rows ?? []) {
        const out: Record<string, string | null> = {};
        (row.Data ?? []).forEach((d, i) => (out[names[i]] = d.NullValue ? null : (d.ScalarValue ?? null)));
        rows.push(out);
      }
    }
    return rows;
  };
  try {
    let verified = 0;
    for (const [i, request] of requests.entries()) {
      const stored = await readProbe({ sql }, `sigterm-${i}`);
      expect([stored.keys, stored.rows, stored.duplicates, stored.wrongValues]).toEqual([
        probeKeys(request).length,
        probeKeys(request).length,
        [],
        [],
      ]);
      verified += stored.rows;
    }
    reportCounts('shutdown-cli', { inFlight: IN_FLIGHT, samplesVerified: verified });
  } finally {
    client.destroy();
    restarted.child.kill('SIGTERM');
    await restarted.exited;
  }
}, 90_000);
