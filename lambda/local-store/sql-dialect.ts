// SPDX-License-Identifier: Apache-2.0
// Binds the query executor to the real Timestream-dialect translator in sql/. Kept apart so the
// executor can be tested with a stub dialect and loads this module only on the first query.

import type { SqlDialect } from './query-executor';
import { mapDuckDbError, toTimestreamResult } from './sql/results';
import { startTimestreamRendering } from './sql/row-text';
import { translateQuery } from './sql/translate';

/** The dialect the store serves. */
export const SQL_DIALECT: SqlDialect = {
  translateQuery,
  toTimestreamResult,
  startTimestreamRendering,
  mapDuckDbError,
};
