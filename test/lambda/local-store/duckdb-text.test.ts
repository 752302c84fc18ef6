// SPDX-License-Identifier: Apache-2.0
import { DUCKDB_TEXT_KEEPS_BOM } from '../../../lambda/local-store/duckdb-text';
import { toTimestreamResult } from '../../../lambda/local-store/sql/results';
import { renderTimestreamResult } from '../../../lambda/local-store/sql/row-text';
import { inMemoryDuckDb } from '../../support/duckdb';

// Label values that start with U+FEFF, which a default TextDecoder would drop.
const VALUES = ['\uFEFF', '\uFEFFq', '\uFEFF\uFEFF', 'q\uFEFF', 'q'];
const SELECT_VALUES = `SELECT v FROM (VALUES ${VALUES.map((_, i) => `(${i})`).join(', ')}) t(i), LATERAL (
  SELECT CASE i ${VALUES.map((v, i) => `WHEN ${i} THEN ${[...v].map((c) => `chr(${c.codePointAt(0)})`).join(' || ')}`).join(' ')} END AS v
) ORDER BY i`;

const connection = inMemoryDuckDb();

describe('VARCHAR values read from DuckDB', () => {
  test('keep a leading U+FEFF', async () => {
    expect(DUCKDB_TEXT_KEEPS_BOM).toBe(true);
    const rows = (await connection().runAndReadAll(SELECT_VALUES)).getRows();
    expect(rows.map(([v]) => v)).toEqual(VALUES);
  });

  test('reach Query rows unchanged, rendered or converted', async () => {
    const rendered = await renderTimestreamResult(await connection().stream(SELECT_VALUES));
    const texts = Array.from({ length: rendered.rows.length }, (_, i) => rendered.rows.rangeText(i, i + 1));
    expect(
      texts.map((text) => (JSON.parse(text) as { Data: { ScalarValue: string }[] }).Data[0]!.ScalarValue),
    ).toEqual(VALUES);
    const converted = toTimestreamResult(await connection().run(SELECT_VALUES));
    expect(converted.rows.map((row) => row.Data![0]!.ScalarValue)).toEqual(VALUES);
  });
});
