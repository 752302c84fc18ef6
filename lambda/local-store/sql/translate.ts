// SPDX-License-Identifier: Apache-2.0
// Translates a Timestream query string into DuckDB SQL over the store's physical layout
// (schema.ts), or answers DESCRIBE/SHOW from the catalog. A tokenizer-based rewriter for one
// SELECT over one table, not a full SQL parser: whatever it cannot map is a ValidationException.
import type { ColumnInfo, Row } from '@aws-sdk/client-timestream-query';
import { validation } from '../errors';
import { MAX_RESULT_COLUMNS, pageExceeded } from '../query-executor';
import { physicalTableName, quoteDuckIdentifier, type Catalog } from '../schema';
import { visibleColumns, type VisibleColumn } from './columns';
import { joinWithin, MAX_TRANSLATED_SQL_CHARS, newBudget, tooComplex } from './bounds';
import { splitTopLevel, translateExpression, type ExpressionScope } from './expressions';
import { resolveTable, syntaxAt, translateMetadata } from './metadata';
import { checkNesting } from './nesting';
import { linePosition, tokenize, type Token } from './tokenizer';

/** A query ready for DuckDB, or a metadata answer computed from the catalog. */
export type TranslatedQuery =
  // `metadata`: a SHOW statement that reads the data, scanning and metering nothing (facts 4.2);
  // `scansNothing`: a SELECT without FROM, which scans nothing yet is metered (grafana's
  // select-consts.json fixture: 0 bytes scanned, 10 000 000 metered)
  | { kind: 'select'; sql: string /* DuckDB SQL, ready to run */; metadata?: true; scansNothing?: true }
  | { kind: 'static'; columnInfo: ColumnInfo[]; rows: Row[] }; // DESCRIBE/SHOW answered from the catalog

const CLAUSES = ['select', 'from', 'where', 'group', 'having', 'order', 'limit', 'offset'] as const;
type Clause = (typeof CLAUSES)[number];
const UNSUPPORTED_WORDS = new Set([
  'join',
  'union',
  'intersect',
  'except',
  'with',
  'window',
  'fetch',
  'unnest',
  'values',
]);

const isWord = (tok: Token | undefined, w: string) => tok?.kind === 'ident' && tok.text.toLowerCase() === w;

/**
 * Translates one Timestream statement (SELECT, DESCRIBE, SHOW). `nowMs` is the query's fixed
 * "now" (every page of a query sees the same one). Throws a ValidationException StoreError for
 * unknown databases, tables and columns, syntax errors and unsupported SQL.
 */
export function translateQuery(queryString: string, catalog: Catalog, nowMs: number): TranslatedQuery {
  const tokens = tokenize(queryString);
  checkNesting(queryString, tokens);
  while (tokens.length && tokens[tokens.length - 1]!.kind === 'op' && tokens[tokens.length - 1]!.text === ';')
    tokens.pop();
  const semicolon = tokens.find((t) => t.kind === 'op' && t.text === ';');
  if (semicolon)
    throw validation(
      `${linePosition(queryString, semicolon.offset)}: only one statement per query is supported`,
    );
  const first = tokens[0];
  if (!first) throw syntaxAt(queryString, 0, 'the query is empty');
  if (isWord(first, 'describe') || isWord(first, 'show'))
    return translateMetadata(queryString, tokens, catalog);
  if (!isWord(first, 'select')) {
    throw validation(
      `${linePosition(queryString, first.offset)}: only SELECT, DESCRIBE and SHOW statements are supported by the embedded store`,
    );
  }
  const { sql, readsTable } = translateSelect(
    queryString,
    tokens,
    catalog,
    BigInt(Math.trunc(nowMs)) * 1_000_000n,
  );
  return readsTable ? { kind: 'select', sql } : { kind: 'select', sql, scansNothing: true };
}

function splitClauses(query: string, tokens: readonly Token[]): Map<Clause, { at: Token; body: Token[] }> {
  const clauses = new Map<Clause, { at: Token; body: Token[] }>();
  let current: Token[] = [];
  let last = -1;
  let depth = 0;
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k]!;
    if (tok.kind === 'op' && tok.text === '(') depth++;
    if (tok.kind === 'op' && tok.text === ')') depth--;
    const word = tok.kind === 'ident' ? tok.text.toLowerCase() : '';
    if (depth === 0 && UNSUPPORTED_WORDS.has(word)) {
      throw validation(
        `${linePosition(query, tok.offset)}: ${word.toUpperCase()} is not supported by the embedded store`,
      );
    }
    // `x IS [NOT] DISTINCT FROM y` is an operator, not a FROM clause; `SELECT DISTINCT FROM db.t`
    // is a FROM clause after an empty select list.
    const operatorFrom =
      word === 'from' &&
      isWord(tokens[k - 1], 'distinct') &&
      (isWord(tokens[k - 2], 'is') || (isWord(tokens[k - 2], 'not') && isWord(tokens[k - 3], 'is')));
    const index = depth === 0 && !operatorFrom ? CLAUSES.indexOf(word as Clause) : -1;
    if (index < 0) {
      current.push(tok);
      continue;
    }
    if (index <= last) throw syntaxAt(query, tok.offset, `unexpected ${word.toUpperCase()}`);
    if ((word === 'group' || word === 'order') && !isWord(tokens[k + 1], 'by'))
      throw syntaxAt(query, tok.offset, `expected BY after ${word.toUpperCase()}`);
    if (word === 'group' || word === 'order') k++;
    current = [];
    clauses.set(CLAUSES[index]!, { at: tok, body: current });
    last = index;
  }
  if (depth !== 0) throw syntaxAt(query, query.length, 'unbalanced parentheses');
  for (const [clause, { at, body }] of clauses) {
    if (body.length === 0 && clause !== 'select')
      throw syntaxAt(query, at.offset, `${clause.toUpperCase()} needs an argument`);
  }
  return clauses;
}

function translateSelect(
  query: string,
  tokens: readonly Token[],
  catalog: Catalog,
  nowNs: bigint,
): { sql: string; readsTable: boolean } {
  const clauses = splitClauses(query, tokens);
  let columns: VisibleColumn[] = [];
  const qualifiers: string[] = [];
  let from = '';
  const fromClause = clauses.get('from');
  if (fromClause) {
    const [table, end] = resolveTable(query, fromClause.body, 0, catalog);
    columns = visibleColumns(table);
    qualifiers.push(table.table);
    let k = end;
    if (isWord(fromClause.body[k], 'as')) k++;
    const alias = fromClause.body[k];
    if (alias && (alias.kind === 'ident' || alias.kind === 'qident')) {
      qualifiers.push(alias.text);
      k++;
    }
    if (k < fromClause.body.length) {
      const extra = fromClause.body[k]!;
      throw validation(
        `${linePosition(query, extra.offset)}: only a single table is supported in FROM by the embedded store`,
      );
    }
    from = ` FROM ${physicalTableName(table.database, table.table)}`;
  }
  const scope: ExpressionScope = { query, columns, qualifiers, aliases: [], nowNs, budget: newBudget() };
  const select = translateSelectList(scope, clauses.get('select')!);
  const parts = [`SELECT ${select.sql}${from}`];
  const where = clauses.get('where');
  if (where) parts.push(`WHERE ${translateExpression(scope, where.body)}`);
  const group = clauses.get('group');
  if (group) parts.push(`GROUP BY ${translateExpression(scope, group.body)}`);
  const having = clauses.get('having');
  if (having) parts.push(`HAVING ${translateExpression(scope, having.body)}`);
  const order = clauses.get('order');
  if (order) parts.push(`ORDER BY ${translateExpression({ ...scope, aliases: select.aliases }, order.body)}`);
  for (const clause of ['limit', 'offset'] as const) {
    const found = clauses.get(clause);
    if (!found) continue;
    const [n] = found.body;
    if (found.body.length !== 1 || n!.kind !== 'number' || !/^\d+$/.test(n!.text)) {
      throw syntaxAt(query, found.at.offset, `${clause.toUpperCase()} needs a non-negative integer`);
    }
    parts.push(`${clause.toUpperCase()} ${n!.text}`);
  }
  return { sql: joinWithin(parts, ' '), readsTable: fromClause !== undefined };
}

/**
 * Expands `*` to the visible columns and names every unnamed expression `_col<position>` as
 * Timestream does (a bare column keeps its name).
 */
function translateSelectList(
  scope: ExpressionScope,
  clause: { at: Token; body: Token[] },
): { sql: string; aliases: string[] } {
  let body = clause.body;
  let prefix = '';
  if (isWord(body[0], 'distinct') || isWord(body[0], 'all')) {
    prefix = `${body[0]!.text.toUpperCase()} `;
    body = body.slice(1);
  }
  if (body.length === 0) throw syntaxAt(scope.query, clause.at.offset, 'SELECT needs at least one column');
  const items: string[] = [];
  const aliases: string[] = [];
  let length = 0;
  for (const item of splitTopLevel(body)) {
    // Counted as they come, so a list of thousands of large items stops at the bound.
    if (length > MAX_TRANSLATED_SQL_CHARS) throw tooComplex();
    if (item.length === 0) throw syntaxAt(scope.query, clause.at.offset, 'empty select item');
    const last = item[item.length - 1]!;
    // `*`, or `t.*` with the table's name or alias (Trino's qualified star).
    const star =
      last.kind === 'op' &&
      last.text === '*' &&
      (item.length === 1 ||
        (item.length === 3 &&
          isName(item[0]) &&
          scope.qualifiers.includes(item[0]!.text) &&
          item[1]!.kind === 'op' &&
          item[1]!.text === '.'));
    // `*` written over and over on a wide table, or a list of thousands of items: refused before
    // DuckDB plans it and the executor renders it, which only end in the same refusal.
    if (items.length + (star ? scope.columns.length : 1) > MAX_RESULT_COLUMNS) throw pageExceeded();
    if (star) {
      if (scope.columns.length === 0)
        throw syntaxAt(scope.query, item[0]!.offset, 'SELECT * needs a FROM clause');
      const columns = scope.columns.map((c) => quoteDuckIdentifier(c.name));
      length += columns.reduce((n, c) => n + c.length, 0);
      items.push(...columns);
      continue;
    }
    const [expression, alias] = splitAlias(item);
    const sql = translateExpression(scope, expression);
    length += sql.length;
    if (alias) {
      aliases.push(alias);
      items.push(`${sql} AS ${quoteDuckIdentifier(alias)}`);
    } else if (isColumnReference(expression)) {
      items.push(sql);
    } else {
      items.push(`${sql} AS ${quoteDuckIdentifier(`_col${items.length}`)}`);
    }
  }
  return { sql: prefix + joinWithin(items, ', '), aliases };
}

const isName = (tok: Token | undefined) => tok?.kind === 'ident' || tok?.kind === 'qident';

function isColumnReference(tokens: readonly Token[]): boolean {
  if (tokens.length === 1)
    return (
      (isName(tokens[0]) &&
        !['current_timestamp', 'current_date', 'localtimestamp', 'null', 'true', 'false'].includes(
          tokens[0]!.text.toLowerCase(),
        )) ||
      tokens[0]?.kind === 'qident'
    );
  return tokens.length === 3 && isName(tokens[0]) && tokens[1]!.text === '.' && isName(tokens[2]);
}

/**
 * Splits `expr AS alias` or `expr alias` (an alias follows a value, never an operator: the FROM of
 * `IS DISTINCT FROM` is one).
 */
function splitAlias(item: readonly Token[]): [Token[], string | undefined] {
  const last = item[item.length - 1]!;
  const before = item[item.length - 2];
  if (
    item.length >= 2 &&
    isName(last) &&
    !(last.kind === 'ident' && /^(and|or|not|is|null|end|true|false)$/i.test(last.text))
  ) {
    if (isWord(before, 'as')) return [item.slice(0, -2), last.text];
    // The field of `INTERVAL '1' DAY` ends the literal: read as an alias, it left `INTERVAL '1'`,
    // which DuckDB takes as one second.
    if (before!.kind === 'string' && isWord(item[item.length - 3], 'interval')) return [[...item], undefined];
    const valueBefore =
      before!.kind !== 'op'
        ? before!.kind !== 'ident' ||
          !/^(and|or|not|is|between|in|like|as|when|then|else|case|distinct|interval|from)$/i.test(
            before!.text,
          )
        : before!.text === ')';
    if (valueBefore && !(before!.kind === 'op' && before!.text === '.'))
      return [item.slice(0, -1), last.text];
  }
  return [[...item], undefined];
}
