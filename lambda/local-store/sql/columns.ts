// SPDX-License-Identifier: Apache-2.0
// The columns a Timestream table shows to SQL (facts 4.4): dimensions, `measure_name`, `time`, then
// the typed measure columns of the types seen. The hidden `ts_` bookkeeping columns never appear.
import { MEASURE_VALUE_COLUMNS, SCALAR_MEASURE_TYPES, type CatalogTable } from '../schema';

export type AttributeType = 'DIMENSION' | 'MEASURE_NAME' | 'TIMESTAMP' | 'MEASURE_VALUE';

export interface VisibleColumn {
  name: string;
  /** Lower-case SQL type as DESCRIBE shows it. */
  type: string;
  attribute: AttributeType;
}

/** Lists a table's visible columns in Timestream order. */
export function visibleColumns(table: CatalogTable): VisibleColumn[] {
  return [
    ...table.dimensions.map((name) => ({ name, type: 'varchar', attribute: 'DIMENSION' as const })),
    { name: 'measure_name', type: 'varchar', attribute: 'MEASURE_NAME' },
    { name: 'time', type: 'timestamp', attribute: 'TIMESTAMP' },
    ...SCALAR_MEASURE_TYPES.filter((t) => table.measureTypes.includes(t)).map((t) => ({
      name: MEASURE_VALUE_COLUMNS[t],
      type: t.toLowerCase(),
      attribute: 'MEASURE_VALUE' as const,
    })),
  ];
}

/**
 * Finds a visible column by name: exact first, then, for an unquoted identifier, case-insensitively
 * (Timestream folds unquoted identifiers); `undefined` when the table has no such column. A quoted
 * identifier names its column exactly, as Timestream compares names case-sensitively: `"JOB"` is
 * not the column `job` (the store refuses a dimension `JOB` next to `job`, so it has no such column).
 */
export function findColumn(
  columns: readonly VisibleColumn[],
  name: string,
  quoted = false,
): VisibleColumn | undefined {
  const exact = columns.find((c) => c.name === name);
  if (exact || quoted) return exact;
  const folded = columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}
