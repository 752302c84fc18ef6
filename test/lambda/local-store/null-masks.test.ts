// SPDX-License-Identifier: Apache-2.0
// NullMasks against DuckDB itself: chunks appended with NULLs marked through the masks read back
// with exactly those cells NULL, whatever the row count relative to the mask's 64-row words.

import { DuckDBDataChunk, DuckDBDoubleType, DuckDBIntegerType, DuckDBVarCharType } from '@duckdb/node-api';
import { NullMasks } from '../../../lambda/local-store/null-masks';
import { inMemoryDuckDb } from '../../support/duckdb';

const TYPES = [DuckDBIntegerType.instance, DuckDBDoubleType.instance, DuckDBVarCharType.instance];

const connection = inMemoryDuckDb();

/** Appends `rows` rows (id, id + 0.5, 'v<id>'), with the cells `isNull(row, column)` NULL, and reads them back. */
async function roundTrip(
  table: string,
  rows: number,
  isNull: (row: number, column: number) => boolean,
): Promise<unknown[][]> {
  await connection().run(`CREATE TABLE ${table} (id INTEGER, d DOUBLE, s VARCHAR)`);
  const appender = await connection().createAppender(table);
  const chunk = DuckDBDataChunk.create(TYPES, rows);
  const vectors = TYPES.map((_, c) => chunk.getColumnVector(c));
  const nulls = new NullMasks(TYPES.length, rows);
  for (let row = 0; row < rows; row++) {
    const values = [row, row + 0.5, `v${row}`];
    for (let c = 0; c < TYPES.length; c++) {
      if (isNull(row, c)) nulls.setNull(c, row);
      else vectors[c].setItem(row, values[c]);
    }
  }
  for (const vector of vectors) vector.flush();
  nulls.writeTo(chunk);
  appender.appendDataChunk(chunk);
  appender.flushSync();
  appender.closeSync();
  return (await connection().runAndReadAll(`SELECT * FROM ${table} ORDER BY rowid`)).getRows();
}

describe('NullMasks', () => {
  const patterns: { name: string; isNull: (row: number, column: number) => boolean }[] = [
    { name: 'no NULLs', isNull: () => false },
    { name: 'a whole column NULL', isNull: (_row, column) => column === 1 },
    { name: 'every cell NULL', isNull: () => true },
    { name: 'every third row NULL in one column', isNull: (row, column) => column === 2 && row % 3 === 0 },
    { name: 'the first and last rows NULL', isNull: (row) => row === 0 || row % 64 === 63 },
    { name: 'a checkerboard', isNull: (row, column) => (row + column) % 2 === 0 },
  ];
  const cases = [1, 63, 64, 65, 130, 2048].flatMap((rows) => patterns.map((p) => ({ rows, ...p })));

  test.each(cases)('$rows rows, $name: exactly the marked cells read back NULL', async ({ rows, isNull }) => {
    const table = `t${Math.random().toString(36).slice(2)}`;
    const expected = Array.from({ length: rows }, (_, row) =>
      [row, row + 0.5, `v${row}`].map((value, column) => (isNull(row, column) ? null : value)),
    );
    expect(await roundTrip(table, rows, isNull)).toEqual(expected);
  });

  test.each([-1, 10, 1.5, Number.NaN])('refuses row %p, which is not a row of a 10-row chunk', (row) => {
    expect(() => new NullMasks(3, 10).setNull(0, row)).toThrow(RangeError);
  });
});
