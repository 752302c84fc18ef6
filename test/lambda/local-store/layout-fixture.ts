// SPDX-License-Identifier: Apache-2.0
// Test fixture of the layout tests: an engine on a fresh data directory, WriteRecords and Query
// through it, raw DuckDB access to the store's file, and a table rewritten as an earlier version
// of the store left it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { StoreEngine, STORE_FILE_NAME } from '../../../lambda/local-store/engine';

export const NOW = Date.UTC(2026, 0, 1);
export const DB = 'layoutdb';
export const TABLE = 'metrics';
export const record = (dims: Record<string, string>, value: string, timeMs: number) => ({
  Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
  MeasureName: 'cpu',
  MeasureValue: value,
  Time: String(timeMs),
});

const dirs: string[] = [];

/** Removes the data directories dataDir made (each test file calls it after all its tests). */
export function removeDataDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'layout-test-'));
  dirs.push(dir);
  return dir;
}

export async function withEngine<T>(dir: string, work: (engine: StoreEngine) => Promise<T>): Promise<T> {
  const engine = await StoreEngine.open({ dataDir: dir, nowMs: () => NOW });
  try {
    return await work(engine);
  } finally {
    await engine.close();
  }
}

export const write = (engine: StoreEngine, records: object[]) =>
  engine.handle('WriteRecords', { DatabaseName: DB, TableName: TABLE, Records: records });

/** What a write that must be refused throws (the test fails if it is accepted). */
export async function refusal(engine: StoreEngine, records: object[]): Promise<unknown> {
  const outcome = await write(engine, records).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (outcome === undefined) throw new Error('the write was accepted');
  return outcome;
}

export async function rows(engine: StoreEngine, query: string): Promise<(string | null)[][]> {
  const answer = (await engine.handle('Query', { QueryString: query })) as {
    Rows: { Data: { ScalarValue?: string }[] }[];
  };
  return answer.Rows.map((r) => r.Data.map((d) => d.ScalarValue ?? null));
}

export async function duck<T>(
  dir: string,
  work: (run: (sql: string) => Promise<unknown[][]>) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(join(dir, STORE_FILE_NAME));
  const connection = await instance.connect();
  try {
    return await work(async (sql) => (await connection.runAndReadAll(sql)).getRows());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Rows in `$doubles` and in `$samples`, in that order. */
export const sampleTableCounts = (dir: string) =>
  duck(dir, async (run) => [
    (await run(`SELECT count(*) FROM "${DB}"."${TABLE}$doubles"`))[0][0],
    (await run(`SELECT count(*) FROM "${DB}"."${TABLE}$samples"`))[0][0],
  ]);

/** Turns `database.table` of a store just created into what an earlier version wrote (`ddl`). */
export async function rewriteAsEarlierVersion(
  dir: string,
  database: string,
  table: string,
  dimensions: readonly string[],
  ddl: string[],
): Promise<void> {
  const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const lit = (text: string) => `'${text.replaceAll("'", "''")}'`;
  await duck(dir, async (run) => {
    await run(`DROP VIEW ${q(database)}.${q(table)}`);
    for (const suffix of ['$samples', '$series', '$doubles'])
      await run(`DROP TABLE ${q(database)}.${q(table + suffix)}`);
    for (const statement of ddl) await run(statement);
    for (const [i, name] of dimensions.entries()) {
      await run(
        `INSERT INTO "ts$catalog".dimensions VALUES (${lit(database)}, ${lit(table)}, ${i}, ${lit(name)})`,
      );
    }
    for (const type of ['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN'])
      await run(`INSERT INTO "ts$catalog".measure_types VALUES (${lit(database)}, ${lit(table)}, '${type}')`);
  });
}
