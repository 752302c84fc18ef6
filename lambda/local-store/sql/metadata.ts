// SPDX-License-Identifier: Apache-2.0
// DESCRIBE and SHOW statements (facts 4.5): answered from the catalog as static results, except
// SHOW MEASURES, whose measure names and dimensions live in the data and become a DuckDB query.
import type { ColumnInfo, Row } from '@aws-sdk/client-timestream-query';
import { validation } from '../errors';
import {
  MEASURE_VALUE_COLUMNS,
  physicalTableName,
  quoteDuckIdentifier,
  type Catalog,
  type CatalogTable,
  SCALAR_MEASURE_TYPES,
} from '../schema';
import { visibleColumns } from './columns';
import { sqlLiteral } from './expressions';
import { likeMatcher } from './like';
import { linePosition, type Token } from './tokenizer';
import type { TranslatedQuery } from './translate';

const varcharColumn = (name: string): ColumnInfo => ({ Name: name, Type: { ScalarType: 'VARCHAR' } });
const row = (...values: string[]): Row => ({ Data: values.map((v) => ({ ScalarValue: v })) });

/** Resolves `db.t` / `"db"."t"` at tokens[at]; returns the table and the index after it. */
export function resolveTable(
  query: string,
  tokens: readonly Token[],
  at: number,
  catalog: Catalog,
): [CatalogTable, number] {
  const [db, dot, t] = [tokens[at], tokens[at + 1], tokens[at + 2]];
  const isName = (tok?: Token) => tok?.kind === 'ident' || tok?.kind === 'qident';
  if (!isName(db)) throw syntaxAt(query, db?.offset ?? query.length, 'expected a table name');
  if (dot?.text !== '.' || dot.kind !== 'op' || !isName(t)) {
    throw validation(
      `${linePosition(query, db!.offset)}: Schema must be specified when session schema is not set`,
    );
  }
  if (!catalog.getDatabase(db!.text)) {
    throw validation(
      `Requested database '${db!.text}' not found for identifier '${db!.text}.${t!.text}' at ${linePosition(query, db!.offset)}`,
    );
  }
  const table = catalog.getTable(db!.text, t!.text);
  // UNCONFIRMED: Timestream's text for a missing table; this is the Trino engine's wording.
  if (!table)
    throw validation(`${linePosition(query, db!.offset)}: Table '${db!.text}.${t!.text}' does not exist`);
  return [table, at + 3];
}

export function syntaxAt(query: string, offset: number, detail: string) {
  return validation(`The query syntax is invalid at ${linePosition(query, offset)}: ${detail}`);
}

const word = (tok: Token | undefined, w: string) => tok?.kind === 'ident' && tok.text.toLowerCase() === w;

/** Translates DESCRIBE / SHOW statements; `tokens[0]` is DESCRIBE or SHOW. */
export function translateMetadata(
  query: string,
  tokens: readonly Token[],
  catalog: Catalog,
): TranslatedQuery {
  if (word(tokens[0], 'describe')) {
    const [table, end] = resolveTable(query, tokens, 1, catalog);
    expectEnd(query, tokens, end);
    return {
      kind: 'static',
      columnInfo: ['Column', 'Type', 'Timestream attribute type'].map(varcharColumn),
      rows: visibleColumns(table).map((c) => row(c.name, c.type, c.attribute)),
    };
  }
  const what = tokens[1]?.text.toLowerCase();
  if (word(tokens[1], 'databases')) {
    const [like, end] = likeClause(query, tokens, 2);
    expectEnd(query, tokens, end);
    const names = catalog
      .listDatabases()
      .map((d) => d.database)
      .filter(like)
      .sort();
    // UNCONFIRMED: the column name of SHOW DATABASES (SHOW TABLES' `Table` is confirmed).
    return { kind: 'static', columnInfo: [varcharColumn('Database')], rows: names.map((n) => row(n)) };
  }
  if (word(tokens[1], 'tables')) {
    let at = 2;
    let databases = catalog.listDatabases().map((d) => d.database);
    if (word(tokens[at], 'from') || word(tokens[at], 'in')) {
      const db = tokens[at + 1];
      if (db?.kind !== 'ident' && db?.kind !== 'qident')
        throw syntaxAt(query, db?.offset ?? query.length, 'expected a database name');
      if (!catalog.getDatabase(db.text)) {
        throw validation(
          `Requested database '${db.text}' not found for identifier '${db.text}' at ${linePosition(query, db.offset)}`,
        );
      }
      databases = [db.text];
      at += 2;
    }
    const [like, end] = likeClause(query, tokens, at);
    expectEnd(query, tokens, end);
    const names = databases
      .flatMap((d) => catalog.listTables(d).map((t) => t.table))
      .filter(like)
      .sort();
    return { kind: 'static', columnInfo: [varcharColumn('Table')], rows: names.map((n) => row(n)) };
  }
  if (word(tokens[1], 'measures') && word(tokens[2], 'from')) {
    const [table, next] = resolveTable(query, tokens, 3, catalog);
    const [, end, pattern] = likeClause(query, tokens, next);
    expectEnd(query, tokens, end);
    return { kind: 'select', sql: showMeasuresSql(table, pattern), metadata: true };
  }
  throw syntaxAt(query, tokens[1]?.offset ?? query.length, `unsupported SHOW ${what ?? ''}`.trim());
}

function expectEnd(query: string, tokens: readonly Token[], at: number): void {
  if (at < tokens.length) throw syntaxAt(query, tokens[at]!.offset, `unexpected '${tokens[at]!.text}'`);
}

/** Parses an optional `LIKE 'pattern'` (SQL `%` and `_` wildcards). */
function likeClause(
  query: string,
  tokens: readonly Token[],
  at: number,
): [(name: string) => boolean, number, string?] {
  if (!word(tokens[at], 'like')) return [() => true, at];
  const pattern = tokens[at + 1];
  if (pattern?.kind !== 'string')
    throw syntaxAt(query, pattern?.offset ?? query.length, 'LIKE needs a string literal');
  return [likeMatcher(pattern.text), at + 2, pattern.text];
}

/** One row per measure name: its value type and the dimensions seen with it (facts 4.5). */
function showMeasuresSql(table: CatalogTable, likePattern: string | undefined): string {
  const types = SCALAR_MEASURE_TYPES.filter((t) => table.measureTypes.includes(t));
  const typeCases = types.map(
    (t) =>
      `WHEN count(${quoteDuckIdentifier(MEASURE_VALUE_COLUMNS[t])}) > 0 THEN ${sqlLiteral(t.toLowerCase())}`,
  );
  const dataType = typeCases.length ? `CASE ${typeCases.join(' ')} ELSE 'unknown' END` : `'unknown'`;
  const dims = table.dimensions.map(
    (d) =>
      `CASE WHEN count(${quoteDuckIdentifier(d)}) > 0 THEN {'dimension_name': ${sqlLiteral(d)}, 'data_type': 'varchar'} END`,
  );
  const dimensions = dims.length
    ? `list_filter([${dims.join(', ')}], x -> x IS NOT NULL)`
    : `CAST([] AS STRUCT(dimension_name VARCHAR, data_type VARCHAR)[])`;
  // sqlLiteral: a NUL in the pattern would end DuckDB's SQL text there.
  const where = likePattern === undefined ? '' : ` WHERE "measure_name" LIKE ${sqlLiteral(likePattern)}`;
  return `SELECT "measure_name", ${dataType} AS "data_type", ${dimensions} AS "dimensions" FROM ${physicalTableName(table.database, table.table)}${where} GROUP BY "measure_name" ORDER BY "measure_name"`;
}
