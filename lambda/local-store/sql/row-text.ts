// SPDX-License-Identifier: Apache-2.0
// Renders a DuckDB result straight into the JSON text of Timestream's Query Rows: each row is the
// exact `JSON.stringify` of the Row toTimestreamResult (results.ts) builds, written column by
// column from DuckDB's vectors without a Datum object per cell. Query pages are then plain
// concatenations of these texts (query-executor.ts): serving a page costs no serialisation.
// Hand-written on a measured hot path (figure 5): building and stringifying a Datum per cell cost
// more than DuckDB's execution of the query.

import {
  DuckDBTypeId,
  type DuckDBMaterializedResult,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBVector,
} from '@duckdb/node-api';
import type { RenderedRows } from '../query-executor';
import { RowTexts } from '../row-texts';
import { formatJavaDouble } from './java-double';
import { resultColumnInfo, toDatum } from './results';
import { formatTimestampNanos } from './scalar-text';

/** Renders one non-NULL cell of a column as its Datum's JSON text. */
type CellRenderer = (value: DuckDBValue) => string;

const NULL_CELL = '{"NullValue":true}';
/** Distinct VARCHAR cells remembered per column: dimension values repeat on every row of a series. */
const MAX_CACHED_STRINGS = 65_536;

/** Renders every row of `result` (see the file comment); equal to toTimestreamResult, as JSON. */
export function renderTimestreamResult(result: DuckDBMaterializedResult): RenderedRows {
  const types = result.columnTypes();
  const { columnInfo, yearToMonth } = resultColumnInfo(result);
  const renderers = types.map((type, k) => cellRenderer(type, yearToMonth[k]!));
  const columns = types.length;
  const rows = new RowTexts();
  const vectors: DuckDBVector[] = new Array<DuckDBVector>(columns);
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    for (let k = 0; k < columns; k++) vectors[k] = chunk.getColumnVector(k);
    const count = chunk.rowCount;
    for (let i = 0; i < count; i++) {
      let text = '{"Data":[';
      for (let k = 0; k < columns; k++) {
        const value = vectors[k]!.getItem(i);
        if (k > 0) text += ',';
        text += value === null ? NULL_CELL : renderers[k]!(value);
      }
      text += ']}';
      rows.add(text);
    }
  }
  return { columnInfo, rows };
}

function cellRenderer(type: DuckDBType, yearToMonth: boolean): CellRenderer {
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
      return varcharRenderer();
    case DuckDBTypeId.DOUBLE:
      return (value) => `{"ScalarValue":"${formatJavaDouble(value as number)}"}`;
    case DuckDBTypeId.TIMESTAMP_NS:
      return (value) => `{"ScalarValue":"${formatTimestampNanos((value as { nanos: bigint }).nanos)}"}`;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.INTEGER:
      return (value) => `{"ScalarValue":"${String(value)}"}`;
    case DuckDBTypeId.BOOLEAN:
      return (value) => (value ? '{"ScalarValue":"true"}' : '{"ScalarValue":"false"}');
    default:
      // Everything else (rarer scalars, lists, structs) through the Datum itself.
      return (value) => JSON.stringify(toDatum(value, type, yearToMonth));
  }
}

/** VARCHAR cells, JSON-escaped once per distinct value. */
function varcharRenderer(): CellRenderer {
  const cache = new Map<string, string>();
  return (value) => {
    const text = value as string;
    let cell = cache.get(text);
    if (cell === undefined) {
      cell = `{"ScalarValue":${JSON.stringify(text)}}`;
      if (cache.size < MAX_CACHED_STRINGS) cache.set(text, cell);
    }
    return cell;
  };
}
