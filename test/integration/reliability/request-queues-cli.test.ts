// SPDX-License-Identifier: Apache-2.0
// The real CLI's request queues (`node --import tsx bin/cli.ts --local`): with store latency holding
// each call, remote reads beyond --web.max-concurrent-reads wait their turn (the gauges show it),
// a write meanwhile is not held up by them, and every read is answered in full once its turn comes;
// a request without credentials takes no turn; /metrics also shows the store's memory.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyCompress, snappyUncompress } from '../../../lambda/codec/snappy';
import { decodeReadResponse, encodeReadRequest, encodeWriteRequest } from '../../../lambda/prompb/codec';
import { BASIC_AUTH } from '../../support/harness';
import { startLocalCli, type LocalCli } from './local-cli';

const STORE_LATENCY_MS = 400;
const READS = 3;
const NOW = Date.now();

let dataDir: string;
let cli: LocalCli;
let url: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'connector-queues-'));
  cli = await startLocalCli(dataDir, [
    '--local.fault-latency',
    String(STORE_LATENCY_MS),
    '--web.max-concurrent-reads',
    '1',
    '--log.format',
    'json',
  ]);
  url = cli.url;
}, 60_000);

afterAll(async () => {
  if (cli !== undefined && cli.child.exitCode === null) {
    cli.child.kill('SIGTERM');
    await cli.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const write = (name: string, value: number) =>
  fetch(`${url}/write`, {
    method: 'POST',
    headers: { 'content-encoding': 'snappy', authorization: BASIC_AUTH },
    body: snappyCompress(
      encodeWriteRequest({
        timeseries: [
          {
            labels: [
              { name: '__name__', value: name },
              { name: 'job', value: 'queues' },
            ],
            samples: [{ value, timestamp: NOW }],
          },
        ],
      }),
    ),
  });

const read = async (name: string) => {
  const response = await fetch(`${url}/read`, {
    method: 'POST',
    headers: { 'content-encoding': 'snappy', authorization: BASIC_AUTH },
    body: snappyCompress(
      encodeReadRequest({
        queries: [
          {
            startTimestampMs: NOW - 60_000,
            endTimestampMs: NOW + 60_000,
            matchers: [{ type: 0, name: '__name__', value: name }],
          },
        ],
        acceptedResponseTypes: [],
      }),
    ),
  });
  const body = new Uint8Array(await response.arrayBuffer());
  if (response.status !== 200) return { status: response.status, series: Buffer.from(body).toString() };
  const decoded = decodeReadResponse(snappyUncompress(body, 1 << 20));
  return { status: response.status, series: decoded.results.map((result) => result.timeseries) };
};

/** The queue gauges of the metrics page, e.g. `read_requests_waiting 2`. */
async function gauges(): Promise<string[]> {
  const page = await (await fetch(`${url}/metrics`)).text();
  return page
    .split('\n')
    .filter((line) => /^timestream_connector_(write|read)_requests_(in_flight|waiting) /.test(line))
    .map((line) => line.replace('timestream_connector_', ''));
}

test('reads past --web.max-concurrent-reads wait their turn, a write meanwhile does not, and every read is answered in full', async () => {
  expect((await write('queued_reads', 0.1)).status).toBe(204);
  const reads = Array.from({ length: READS }, () => read('queued_reads'));
  let seen: string[] = [];
  for (let i = 0; i < 200 && !seen.includes('read_requests_waiting 2'); i++) {
    seen = await gauges();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(seen).toEqual([
    'write_requests_in_flight 0',
    'write_requests_waiting 0',
    'read_requests_in_flight 1',
    'read_requests_waiting 2',
  ]);
  // The write queue is not the read queue's: a write is handled while reads wait.
  const writing = write('queued_write', 2.5);
  for (let i = 0; i < 200 && !seen.includes('write_requests_in_flight 1'); i++) {
    seen = await gauges();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(seen).toContain('write_requests_in_flight 1');
  expect((await writing).status).toBe(204);
  const expected = {
    status: 200,
    series: [
      [
        {
          labels: [
            { name: '__name__', value: 'queued_reads' },
            { name: 'job', value: 'queues' },
          ],
          samples: [{ value: 0.1, timestamp: NOW }],
        },
      ],
    ],
  };
  expect(await Promise.all(reads)).toEqual(Array(READS).fill(expected));
  expect(await gauges()).toEqual([
    'write_requests_in_flight 0',
    'write_requests_waiting 0',
    'read_requests_in_flight 0',
    'read_requests_waiting 0',
  ]);
  // The two that waited say so on their log lines; the first was admitted at once.
  const lines = cli
    .output()
    .split('\n')
    .filter((line) => line.includes('"route":"/read"'))
    .map((line) => JSON.parse(line) as { status: number; waitedMs?: number });
  expect(lines.map((line) => [line.status, line.waitedMs === undefined])).toEqual([
    [200, true],
    [200, false],
    [200, false],
  ]);
  expect(lines[2].waitedMs).toBeGreaterThanOrEqual(STORE_LATENCY_MS);
}, 60_000);

test('a read or write without credentials is answered 401 at once, not after the reads ahead of it', async () => {
  expect((await write('queued_unauthorised', 1)).status).toBe(204);
  let answered = 0;
  const reads = Array.from({ length: 2 }, () => read('queued_unauthorised').then(() => answered++));
  let seen: string[] = [];
  for (let i = 0; i < 200 && !seen.includes('read_requests_waiting 1'); i++) {
    seen = await gauges();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(seen).toContain('read_requests_waiting 1');
  const unauthorised = await Promise.all(
    ['/read', '/write'].map(async (path) => {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-encoding': 'snappy' },
        body: new Uint8Array(16),
      });
      return [path, response.status, response.headers.get('www-authenticate'), await response.text()];
    }),
  );
  // Each store call takes STORE_LATENCY_MS, so the reads ahead are still being answered.
  expect(answered).toBe(0);
  expect(unauthorised).toEqual([
    [
      '/read',
      401,
      'Basic realm="timestream"',
      'missing basic auth credentials: set basic_auth (access key id and secret access key)\n',
    ],
    [
      '/write',
      401,
      'Basic realm="timestream"',
      'missing basic auth credentials: set basic_auth (access key id and secret access key)\n',
    ],
  ]);
  await Promise.all(reads);
  expect(answered).toBe(2);
}, 60_000);

test("shows the embedded store's memory beside the queues on /metrics", async () => {
  const page = await (await fetch(`${url}/metrics`)).text();
  const values = page
    .split('\n')
    .filter((line) => line.startsWith('timestream_connector_local_store_'))
    .map((line) => line.split(' '));
  expect(values.map(([name]) => name)).toEqual([
    'timestream_connector_local_store_duckdb_memory_bytes',
    'timestream_connector_local_store_heap_used_bytes',
  ]);
  // The store has written and read rows by now: both are in use.
  expect(values.map(([, value]) => Number(value) > 0)).toEqual([true, true]);
});
