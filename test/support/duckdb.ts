// SPDX-License-Identifier: Apache-2.0
// An in-memory DuckDB database for the tests of one file, opened before them and closed after.

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** Registers the hooks; call the returned function inside a test for the connection. */
export function inMemoryDuckDb(): () => DuckDBConnection {
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
  });
  afterAll(() => {
    connection?.closeSync();
    instance?.closeSync();
  });
  return () => connection!;
}
