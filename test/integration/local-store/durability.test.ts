// SPDX-License-Identifier: Apache-2.0
// Durability of the DuckDB-backed store: data, catalog and duplicate detection survive a clean
// restart, and everything acknowledged survives kill -9.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { DescribeTableCommand, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import type { LocalStore } from '../../../lambda/local-store';
import { clientsFor, doubleRecord, errorOf, NOW_MS, startTestStore, tempDataDir } from './support';

const DB = 'durabledb';
const TABLE = 'metrics';
const EQUAL_VERSION_REASON =
  'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.';

const opened: LocalStore[] = [];
afterAll(async () => {
  for (const store of opened) await store.close();
});

async function open(dataDir: string): Promise<LocalStore> {
  const store = await startTestStore({ dataDir });
  opened.push(store);
  return store;
}

test('reads back data, catalog and duplicate state after close and reopen of the same data dir', async () => {
  const dataDir = tempDataDir();
  const first = await open(dataDir);
  await first.ensureTable(DB, TABLE, { memoryStoreRetentionHours: 12 });
  await clientsFor(first).write.send(
    new WriteRecordsCommand({
      DatabaseName: DB,
      TableName: TABLE,
      Records: [
        doubleRecord('a', '1.5', NOW_MS - 1000, {
          Dimensions: [
            { Name: 'host', Value: 'a' },
            { Name: 'region', Value: 'eu' },
          ],
        }),
        doubleRecord('b', '2.5', NOW_MS - 2000),
      ],
    }),
  );
  await first.close();

  const second = await open(dataDir);
  const clients = clientsFor(second);
  const table = await clients.write.send(new DescribeTableCommand({ DatabaseName: DB, TableName: TABLE }));
  expect(table.Table?.RetentionProperties).toEqual({
    MemoryStoreRetentionPeriodInHours: 12,
    MagneticStoreRetentionPeriodInDays: 73000,
  });
  const rows = await clients.query.send(
    new QueryCommand({ QueryString: `SELECT * FROM "${DB}"."${TABLE}" ORDER BY time` }),
  );
  expect(rows.ColumnInfo?.map((c) => c.Name)).toEqual([
    'host',
    'region',
    'measure_name',
    'time',
    'measure_value::double',
  ]);
  expect(rows.Rows?.map((r) => r.Data?.map((d) => d.ScalarValue ?? null))).toEqual([
    ['b', null, 'cpu', '2025-12-31 23:59:58.000000000', '2.5'],
    ['a', 'eu', 'cpu', '2025-12-31 23:59:59.000000000', '1.5'],
  ]);
  // The series map was rebuilt: an older-or-equal conflicting write is found in DuckDB.
  const conflict = await errorOf(() =>
    clients.write.send(
      new WriteRecordsCommand({
        DatabaseName: DB,
        TableName: TABLE,
        Records: [doubleRecord('b', '9', NOW_MS - 2000)],
      }),
    ),
  );
  expect(conflict.RejectedRecords).toEqual([{ RecordIndex: 0, Reason: EQUAL_VERSION_REASON }]);
});

test('keeps every acknowledged write when the store process is killed with SIGKILL', async () => {
  const dataDir = tempDataDir();
  // node itself runs the store (tsx as a loader), so SIGKILL hits the process holding DuckDB.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'store-process.ts'), dataDir, String(NOW_MS)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`store process exited with ${code}`)));
    });
    const endpoint = (JSON.parse(line) as { endpoint: string }).endpoint;
    const store = { endpoint } as LocalStore;
    const { write } = clientsFor(store);
    const { CreateDatabaseCommand, CreateTableCommand } = await import('@aws-sdk/client-timestream-write');
    await write.send(new CreateDatabaseCommand({ DatabaseName: DB }));
    await write.send(new CreateTableCommand({ DatabaseName: DB, TableName: TABLE }));
    for (let call = 0; call < 5; call += 1) {
      const records = Array.from({ length: 100 }, (_, i) =>
        doubleRecord(`h${call}`, String(i), NOW_MS - i * 1000),
      );
      await write.send(new WriteRecordsCommand({ DatabaseName: DB, TableName: TABLE, Records: records }));
    }
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve),
    );
  }
  const reopened = await open(dataDir);
  const count = await clientsFor(reopened).query.send(
    new QueryCommand({ QueryString: `SELECT count() FROM ${DB}.${TABLE}` }),
  );
  expect(count.Rows).toEqual([{ Data: [{ ScalarValue: '500' }] }]);
}, 30_000);
