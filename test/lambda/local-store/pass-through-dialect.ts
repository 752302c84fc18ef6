// SPDX-License-Identifier: Apache-2.0
// A query dialect for tests of the store's engine and executor that runs the query string as
// DuckDB SQL and answers every cell as its text, so a test reads the physical tables directly.

import type { ScalarType } from '@aws-sdk/client-timestream-query';
import { StoreError } from '../../../lambda/local-store/errors';
import type { SqlDialect } from '../../../lambda/local-store/query-executor';

type DuckResult = Parameters<SqlDialect['toTimestreamResult']>[0];
type TimestreamResult = ReturnType<SqlDialect['toTimestreamResult']>;

/** Every cell of `result` as its text, under one column `v` of `scalarType`. */
export function cellsAsText(result: DuckResult, scalarType: ScalarType): TimestreamResult {
  const rows = [];
  for (let c = 0; c < result.chunkCount; c += 1) {
    for (const row of result.getChunk(c).getRows())
      rows.push({ Data: row.map((v) => ({ ScalarValue: String(v) })) });
  }
  return { columnInfo: [{ Name: 'v', Type: { ScalarType: scalarType } }], rows };
}

/** Runs the query string as DuckDB SQL; every cell becomes its text, in one VARCHAR column. */
export const passThroughDialect: SqlDialect = {
  translateQuery: (queryString) => ({ kind: 'select', sql: queryString }),
  toTimestreamResult: (result) => cellsAsText(result, 'VARCHAR'),
  mapDuckDbError: (error) => new StoreError('ValidationException', (error as Error).message),
};
