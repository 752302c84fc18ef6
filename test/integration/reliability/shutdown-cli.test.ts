// SPDX-License-Identifier: Apache-2.0
// Graceful shutdown of the real CLI (`node --import tsx bin/cli.ts --local`): SIGTERM while writes
// are held in flight by store latency. Every accepted write gets a status (204 here: the 20 s grace
// outlasts the latency), the process exits 0, and after a restart on the same data directory every
// sample a 204 acknowledged is there, exactly once, with its exact value.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paginateQuery, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { snappyCompress } from '../../../lambda/codec/snappy';
import { encodeWriteRequest } from '../../../lambda/prompb/codec';
import { probeKeys, probeRequest, readProbe } from '../../reliability/probe';
import { reportCounts } from '../../reliability/support';
import { BASIC_AUTH } from '../../support/harness';
import { startLocalCli } from './local-cli';

const IN_FLIGHT = 8;
const STORE_LATENCY_MS = 1500;
const WRITTEN = 'x-prometheus-remote-write-samples-written';
const startCli = (dataDir: string, extra: string[]) =>
  startLocalCli(dataDir, ['--log.level', 'error', ...extra]);

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
