// SPDX-License-Identifier: Apache-2.0
// The store running in a worker thread (what the CLI starts): same HTTP API, handle calls across
// threads, errors mapped back to StoreError, and a clean close that keeps the data.

import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { startLocalStore, startLocalStoreThread, type LocalStore } from '../../../lambda/local-store';
import { THREAD_START_TIMEOUT_MS } from '../../../lambda/local-store/thread';
import { StoreError } from '../../../lambda/local-store/errors';
import { STORE_FILE_NAME } from '../../../lambda/local-store/engine';
import { clientsFor, doubleRecord, errorOf, tempDataDir } from './support';

const DB = 'threaddb';
const TABLE = 'metrics';

// The module thread.ts reads Worker from at each start (a namespace import would be a copy).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const workerThreads = require('node:worker_threads') as typeof import('node:worker_threads');

/** How `promise` settles within `ms`: 'resolved', its error's message, or 'pending'. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<string>((resolve) => {
    timer = setTimeout(resolve, ms, 'pending');
  });
  try {
    return await Promise.race([
      promise.then(
        () => 'resolved',
        (error: Error) => error.message,
      ),
      pending,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

test('serves writes and queries from a worker thread and keeps them after close', async () => {
  const dataDir = tempDataDir();
  const logged: Record<string, unknown>[] = [];
  const store = await startLocalStoreThread({ dataDir, port: 0 }, { log: (line) => logged.push(line) });
  const nowMs = Date.now();
  try {
    await store.ensureTable(DB, TABLE);
    const clients = clientsFor(store as unknown as LocalStore);
    const records = Array.from({ length: 100 }, (_, i) => doubleRecord(`h${i % 7}`, String(i), nowMs - i));
    const written = await clients.write.send(
      new WriteRecordsCommand({ DatabaseName: DB, TableName: TABLE, Records: records }),
    );
    expect(written.RecordsIngested).toEqual({ Total: 100, MemoryStore: 100, MagneticStore: 0 });
    expect(await store.metering()).toEqual(expect.objectContaining({ calls: 1, records: 100 }));

    await store.setFaults({ throttleRate: 1, seed: 3 });
    const throttled = await errorOf(() =>
      clients.write.send(
        new WriteRecordsCommand({
          DatabaseName: DB,
          TableName: TABLE,
          Records: [doubleRecord('x', '1', nowMs)],
        }),
      ),
    );
    expect(throttled.name).toBe('ThrottlingException');
    await store.setFaults({});

    const refused = await store.ensureTable(DB, 'bad name!').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreError);
    expect((refused as StoreError).type).toBe('ValidationException');
    expect(logged.map((line) => line.operation)).toEqual(['WriteRecords', 'WriteRecords']);
  } finally {
    await store.close();
  }
  const reopened = await startLocalStore({ dataDir, port: 0 });
  try {
    const count = await clientsFor(reopened).query.send(
      new QueryCommand({ QueryString: `SELECT count() FROM ${DB}.${TABLE}` }),
    );
    expect(count.Rows).toEqual([{ Data: [{ ScalarValue: '100' }] }]);
  } finally {
    await reopened.close();
  }
}, 60_000);

test('rejects with the store error when the data directory cannot be created', async () => {
  const file = join(tempDataDir(), 'a-file');
  writeFileSync(file, '');
  await expect(startLocalStoreThread({ dataDir: join(file, 'store'), port: 0 })).rejects.toThrow(/ENOTDIR/);
}, 60_000);

test('starts from the TypeScript sources in any working directory, a relative data directory under it', async () => {
  const dir = tempDataDir();
  const cwd = process.cwd();
  // The directory of a `tsx /repo/bin/cli.ts --local` started elsewhere: no node_modules above it.
  process.chdir(dir);
  try {
    const store = await startLocalStoreThread({ dataDir: 'data', port: 0 });
    try {
      await store.ensureTable(DB, TABLE);
    } finally {
      await store.close();
    }
  } finally {
    process.chdir(cwd);
  }
  expect(existsSync(join(dir, 'data', STORE_FILE_NAME))).toBe(true);
}, 60_000);

test('keeps serving past its start timeout once it is ready', async () => {
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
  const fatal: Error[] = [];
  try {
    const store = await startLocalStoreThread(
      { dataDir: tempDataDir(), port: 0 },
      { onFatal: (error) => fatal.push(error) },
    );
    try {
      jest.advanceTimersByTime(THREAD_START_TIMEOUT_MS + 1);
      await store.ensureTable(DB, TABLE);
      expect(await store.metering()).toEqual({ calls: 0, records: 0, bytes: 0, writeUnits: 0 });
    } finally {
      await store.close();
    }
  } finally {
    jest.useRealTimers();
  }
  expect(fatal).toEqual([]);
}, 60_000);

/** Starts a store thread reporting deaths to `fatal`, and the Worker it runs in, which the handle keeps to itself. */
async function startKeepingWorker(fatal: Error[]) {
  const workers: Worker[] = [];
  const RealWorker = workerThreads.Worker;
  jest.spyOn(workerThreads, 'Worker').mockImplementation((...args) => {
    const worker = new RealWorker(...args);
    workers.push(worker);
    return worker;
  });
  const store = await startLocalStoreThread(
    { dataDir: tempDataDir(), port: 0 },
    { onFatal: (error) => fatal.push(error) },
  ).finally(() => jest.restoreAllMocks());
  return { store, worker: workers[0]! };
}

test('rejects calls with why and resolves close() at once when its thread has already died', async () => {
  const fatal: Error[] = [];
  const { store, worker } = await startKeepingWorker(fatal);
  await worker.terminate();

  const died = 'embedded store thread exited with code 1';
  expect(fatal).toEqual([new Error(died)]);
  const call = await settledWithin(store.metering(), 1000);
  // The connector's /healthz answers 503 with it; its /metrics keeps the memory gauges' last values.
  const health = await store.health();
  const memory = await settledWithin(store.memory(), 1000);
  const close = await settledWithin(store.close(), 1000);
  expect({ call, health, memory, close }).toEqual({
    call: died,
    health: died,
    memory: died,
    close: 'resolved',
  });
}, 60_000);

test("answers memory() across the thread: DuckDB's bytes, more once it holds a table's rows, and the thread's own heap", async () => {
  const store = await startLocalStoreThread({ dataDir: ':memory:', port: 0 });
  try {
    await store.ensureTable(DB, TABLE);
    const before = await store.memory();
    const clients = clientsFor(store as unknown as LocalStore);
    const nowMs = Date.now();
    for (let call = 0; call < 50; call++) {
      const records = Array.from({ length: 100 }, (_, i) =>
        doubleRecord(`h${call}-${i}`.padEnd(200, 'x'), String(i), nowMs - i),
      );
      await clients.write.send(
        new WriteRecordsCommand({ DatabaseName: DB, TableName: TABLE, Records: records }),
      );
    }
    const after = await store.memory();
    expect(after.duckdbBytes).toBeGreaterThan(before.duckdbBytes!);
    expect(Number.isInteger(after.heapUsedBytes) && after.heapUsedBytes > 0).toBe(true);
  } finally {
    await store.close();
  }
}, 60_000);

test("answers health() across the thread: nothing while it serves, why once its data directory's file is gone", async () => {
  const dataDir = join(tempDataDir(), 'data');
  const store = await startLocalStoreThread({ dataDir, port: 0 });
  try {
    expect(await store.health()).toBeUndefined();
    rmSync(dataDir, { recursive: true, force: true });
    expect(await store.health()).toBe(
      `The embedded store's file ${join(dataDir, 'store.duckdb')} is gone (its data directory was deleted or moved); restart the store to start a new one.`,
    );
  } finally {
    await store.close();
  }
}, 60_000);

test('reports a thread that dies of an uncaught error once, with that error, not again for its exit', async () => {
  const fatal: Error[] = [];
  const { store, worker } = await startKeepingWorker(fatal);
  // Node emits 'error' for an uncaught exception in the thread, then 'exit'.
  worker.emit('error', new Error('uncaught in the store thread'));
  await worker.terminate();
  expect(fatal).toEqual([new Error('uncaught in the store thread')]);
  await store.close();
}, 60_000);
