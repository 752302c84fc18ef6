// SPDX-License-Identifier: Apache-2.0
// A query dialect for tests of the store's engine and executor that runs the query string as
// DuckDB SQL and answers every cell as its text, so a test reads the physical tables directly.

import { StoreError } from '../../../lambda/local-store/errors';
import type { SqlDialect } from '../../../lambda/local-store/query-executor';

/** Runs the query string as DuckDB SQL; every cell becomes its text, in one VARCHAR column. */
export const passThroughDialect: SqlDialect = {
  translateQuery: (queryString) => ({ kind: 'select', sql: queryString }),
  toTimestreamResult: (result) => {
    const rows = [];
    for (let c = 0; c < result.chunkCount; c += 1) {
      for (const row of result.getChunk(c).getRows())
        rows.push({ Data: row.map((v) => ({ ScalarValue: String(v) })) });
    }
    return { columnInfo: [{ Name: 'v', Type: { ScalarType: 'VARCHAR' } }], rows };
  },
  mapDuckDbError: (error) => new StoreError('ValidationException', (error as Error).message),
};
