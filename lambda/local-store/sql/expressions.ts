// SPDX-License-Identifier: Apache-2.0
// Rewrites one Timestream SQL expression (a token range) into DuckDB SQL: resolves and re-quotes
// column references against the table's visible columns, re-quotes literals, maps Timestream
// functions (time, bin, ago, regexp_like with Java semantics) and refuses anything else.
import { validation } from '../errors';
import { quoteDuckIdentifier } from '../schema';
import {
  balancedChain,
  bindOnce,
  concatWithin,
  joinWithin,
  MAX_TRANSLATED_SQL_CHARS,
  replaceWithin,
  tooComplex,
  type Budget,
} from './bounds';
import { concatChains, mayGrow } from './concat-chains';
import { findColumn, type VisibleColumn } from './columns';
import { javaDoubleTextSql } from './java-double';
import { translateJavaRegex } from './java-regex';
import { syntaxAt } from './metadata';
import { intervalTextSql } from './scalar-text';
import { callsAnyOf, INTERVAL_UNITS, linePosition, type Token } from './tokenizer';

/** What an expression may refer to. */
export interface ExpressionScope {
  query: string;
  columns: readonly VisibleColumn[];
  /** Names that may qualify a column (`t.region`): the table name and its alias. */
  qualifiers: readonly string[];
  /** Select-list aliases usable here (ORDER BY only). */
  aliases: readonly string[];
  nowNs: bigint;
  /** What the query's translation has used of its limits so far. */
  budget: Budget;
}

// Unquoted words passed through as SQL syntax rather than read as column names.
const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'is',
  'null',
  'between',
  'in',
  'like',
  'escape',
  'as',
  'asc',
  'desc',
  'nulls',
  'first',
  'last',
  'case',
  'when',
  'then',
  'else',
  'end',
  'true',
  'false',
  'distinct',
  'interval',
  'from',
  'all',
  'exists',
]);
// Field names of EXTRACT and INTERVAL '1' DAY: keywords only when no column or alias has the name.
const DATETIME_FIELDS = new Set(['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second']);

// Functions with the same name and meaning in DuckDB.
const SAME_FUNCTIONS = new Set([
  'sum',
  'avg',
  'min',
  'max',
  'abs',
  'round',
  'exp',
  'power',
  'pow',
  'mod',
  'lower',
  'upper',
  'length',
  'concat',
  'trim',
  'ltrim',
  'rtrim',
  'coalesce',
  'nullif',
  'stddev',
  'stddev_samp',
  'stddev_pop',
  'variance',
  'var_samp',
  'var_pop',
  'count_if',
  'bool_and',
  'bool_or',
  'strpos',
  'starts_with',
  'chr',
  'reverse',
  'date_trunc',
  'extract',
  'year',
  'month',
  'day',
  'hour',
  'minute',
  'second',
]);
/** Timestream functions DuckDB has under another name, by their Timestream name. */
export const RENAMED_FUNCTIONS: Readonly<Record<string, string>> = {
  approx_distinct: 'approx_count_distinct',
  approx_percentile: 'approx_quantile',
  arbitrary: 'any_value',
  day_of_week: 'isodow', // Monday 1 to Sunday 7, as Timestream's (ISO 8601)
  day_of_year: 'dayofyear',
  every: 'bool_and',
  truncate: 'trunc',
};
const CAST_TYPES: Readonly<Record<string, string>> = {
  double: 'DOUBLE',
  bigint: 'BIGINT',
  integer: 'INTEGER',
  int: 'INTEGER',
  varchar: 'VARCHAR',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP_NS',
  date: 'DATE',
  time: 'TIME',
  real: 'DOUBLE',
};

/** Functions whose translation uses an argument more than once (through bindOnce). */
const REPEATING_FUNCTIONS = new Set([
  'bin',
  'cast',
  'try_cast',
  'substr',
  'substring',
  'sqrt',
  'ln',
  'log10',
  'log2',
  'sign',
  'ceil',
  'ceiling',
  'floor',
  'split_part',
  'lpad',
  'rpad',
  'greatest',
  'least',
  'regexp_like',
]);

/** Whether tokens call a function whose translation repeats an argument (see bindOnce). */
const callsRepeating = (tokens: readonly Token[]) => callsAnyOf(tokens, REPEATING_FUNCTIONS);

/**
 * Whether replace() with this search and replacement can make a string longer: unless both are
 * literals and the replacement is no longer than the search (UTF-8 bytes). No replacement is ''.
 */
function mayLengthen(search: readonly Token[], replacement: readonly Token[] | undefined): boolean {
  if (replacement === undefined) return false;
  const [f, t] = [search, replacement].map((tokens) => (tokens.length === 1 ? tokens[0] : undefined));
  return (
    f?.kind !== 'string' || t?.kind !== 'string' || Buffer.byteLength(t.text) > Buffer.byteLength(f.text)
  );
}

/** What a two-argument if() or replace() means for the third argument DuckDB's need. */
const OMITTED_THIRD_ARGUMENT = { if: 'NULL', replace: "''" } as const;

/** One character more than a Query page holds (MAX_PAGE_BYTES, query-executor.ts): see lpad(). */
const MAX_PAD_CHARS = 1_000_001;
/**
 * Characters all lpad() and rpad() calls of a query can build together: a size given as a number
 * counts as itself (cut to MAX_PAD_CHARS), any other as MAX_PAD_CHARS. Each call can build a page
 * from 22 characters of query, so 10 000 of them built 10 GB for one row before the page limit
 * refused it; this allows 64 pages.
 */
export const MAX_PADDED_CHARS = 64 * MAX_PAD_CHARS;
const NANOS_PER_MS = 1_000_000n;
/** Largest lpad()/rpad() size Trino takes (a Java int's), and its refusal of any other. */
const MAX_TARGET_LENGTH = 2_147_483_647;
const TARGET_LENGTH_RANGE = `Target length must be in the range [0..${MAX_TARGET_LENGTH}]`;
const ZERO = 'CAST(0 AS DOUBLE)';
const BIGINT_ZERO = 'CAST(0 AS BIGINT)';
const tsFromNanos = (nanosSql: string) => `make_timestamp_ns(${nanosSql})`;

export const columnDoesNotExist = (query: string, offset: number, name: string) =>
  validation(`${linePosition(query, offset)}: Column '${name}' does not exist`);

const isWord = (tok: Token | undefined, w: string) => tok?.kind === 'ident' && tok.text.toLowerCase() === w;

/** Finds the index of the `)` matching the `(` at `open`. */
export function matchingParen(scope: ExpressionScope, tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'op') continue;
    if (t.text === '(') depth++;
    if (t.text === ')' && --depth === 0) return k;
  }
  throw syntaxAt(scope.query, tokens[open]!.offset, "missing ')'");
}

const isComma = (t: Token) => t.kind === 'op' && t.text === ',';

/** Splits tokens at depth-0 separators: commas, unless `isSeparator` says otherwise. */
export function splitTopLevel(tokens: readonly Token[], isSeparator = isComma): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'op' && t.text === '(') depth++;
    if (t.kind === 'op' && t.text === ')') depth--;
    if (depth === 0 && isSeparator(t)) parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  return parts;
}

/** Translates an expression's tokens into DuckDB SQL; throws ValidationException StoreErrors. */
export function translateExpression(scope: ExpressionScope, tokens: readonly Token[]): string {
  const out: string[] = [];
  const chains = tokens.some((t) => t.kind === 'op' && t.text === '||')
    ? concatChains(tokens, true)
    : undefined;
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k]!;
    const next = tokens[k + 1];
    const chain = chains?.get(k);
    if (chain) {
      const operands = chain.operands.map(({ start, end }) =>
        concatOperand(translateExpression(scope, tokens.slice(start, end))),
      );
      // A varchar even when every operand is a NULL literal, which DuckDB folds into an INTEGER NULL.
      const joined = chain.grows ? concatWithin(scope.budget, operands) : joinWithin(operands, ' || ');
      out.push(`CAST(${joined} AS VARCHAR)`);
      k = chain.end - 1;
    } else if (tok.kind === 'string') out.push(sqlLiteral(tok.text));
    else if (tok.kind === 'number') out.push(integerWithinBigint(scope, tokens, k));
    else if (tok.kind === 'interval') out.push(intervalSql(scope, tok));
    else if (tok.kind === 'op') {
      // DuckDB also reads `(FROM x)` as a subquery, and `x` may be a file name or URL it scans.
      if (tok.text === '(' && (isWord(next, 'select') || isWord(next, 'from')))
        throw unsupported(scope, next!, 'subqueries are not supported');
      // A qualified column takes its `.` with it; any other is DuckDB's `value.function()`.
      if (tok.text === '.') throw syntaxAt(scope.query, tok.offset, "unexpected '.'");
      // Only an array is subscripted in Trino, and the store has none: DuckDB's `region[1]` was the
      // first character of a varchar.
      if (tok.text === '[') throw unsupported(scope, tok, 'arrays and subscripts ([...]) are not supported');
      // A `*` that multiplies nothing is DuckDB's star (`(*)`, `* REPLACE (...)`), which lists the
      // physical table's hidden columns too; the select list expands a `*` of its own.
      if (tok.text === '*' && !endsOperand(tokens[k - 1]))
        throw syntaxAt(scope.query, tok.offset, "unexpected '*'");
      out.push(tok.text);
    } else if (
      (isWord(tok, 'over') || (isWord(tok, 'filter') && next?.kind === 'op' && next.text === '(')) &&
      tokens[k - 1]?.kind === 'op' &&
      tokens[k - 1]!.text === ')'
    ) {
      // Timestream takes both (window functions, an aggregate's FILTER clause); read as a call,
      // they were refused as "Function 'OVER' not registered", a function the query never calls.
      // (`OVER w` names a window; a `filter` without `(` is an alias.)
      throw unsupported(
        scope,
        tok,
        isWord(tok, 'over')
          ? 'window functions (OVER) are not supported'
          : 'FILTER clauses are not supported',
      );
    } else if (
      (tok.kind === 'qident' || (tok.kind === 'ident' && !KEYWORDS.has(tok.text.toLowerCase()))) &&
      next?.kind === 'op' &&
      next.text === '('
    ) {
      // A quoted name is a function name too (Trino's): passed on as a column, DuckDB would call
      // whatever function a dimension is named after (`"sleep_ms"(1e9)`).
      const close = matchingParen(scope, tokens, k + 1);
      out.push(translateCall(scope, tok, tokens.slice(k + 2, close)));
      const castsToDate =
        (isWord(tok, 'cast') || isWord(tok, 'try_cast')) &&
        isWord(tokens[close - 1], 'date') &&
        isWord(tokens[close - 2], 'as');
      k = castsToDate ? plusIntervalsToDate(scope, tokens, k, close, out) : close;
    } else if (
      tok.kind === 'ident' &&
      (tok.text.toLowerCase() === 'current_timestamp' || tok.text.toLowerCase() === 'localtimestamp')
    ) {
      out.push(nowSql(scope));
    } else if (tok.kind === 'ident' && tok.text.toLowerCase() === 'current_date') {
      out.push(`CAST(${nowSql(scope)} AS DATE)`);
      k = plusIntervalsToDate(scope, tokens, k, k, out);
    } else if (
      tok.kind === 'ident' &&
      (isWord(tok, 'timestamp') || isWord(tok, 'date') || isWord(tok, 'time')) &&
      next?.kind === 'string'
    ) {
      // `time '01:00:00'` is a TIME literal, never the column: no value is followed by a string.
      out.push(
        isWord(tok, 'timestamp')
          ? timestampLiteral(scope, tok, next.text)
          : `CAST(${sqlLiteral(next.text)} AS ${isWord(tok, 'date') ? 'DATE' : 'TIME'})`,
      );
      k++;
      if (isWord(tok, 'date')) k = plusIntervalsToDate(scope, tokens, k - 1, k, out);
    } else if (
      tok.kind === 'ident' &&
      (KEYWORDS.has(tok.text.toLowerCase()) ||
        (DATETIME_FIELDS.has(tok.text.toLowerCase()) && !isNameInScope(scope, tok.text)))
    ) {
      out.push(tok.text.toUpperCase());
    } else if (
      isWord(tok, 'to') &&
      tokens[k - 2]?.kind === 'string' &&
      isWord(tokens[k - 3], 'interval') &&
      DATETIME_FIELDS.has(tokens[k - 1]!.text.toLowerCase())
    ) {
      // Trino's `INTERVAL '1-2' YEAR TO MONTH`, which DuckDB lacks and Timestream's guide does not
      // list: read as a column, it was refused as "Column 'TO' does not exist".
      throw unsupported(
        scope,
        tokens[k - 3]!,
        "interval literals with a TO field (INTERVAL '1-2' YEAR TO MONTH) are not supported",
      );
    } else if (isWord(tok, 'array') && next?.kind === 'op' && next.text === '[') {
      // Timestream's array constructor (supported-data-types), not a column named ARRAY.
      throw unsupported(scope, tok, 'arrays (ARRAY[...]) are not supported');
    } else if (isWord(tokens[k - 1], 'as')) {
      out.push(quoteDuckIdentifier(tok.text)); // an alias being defined
    } else if (tokens[k - 1]?.kind === 'number' || tokens[k - 1]?.kind === 'string') {
      // A name right after a literal (`SELECT 1 FORM db.t`) is a syntax error (facts 4.6), found
      // before any column is looked up, as Timestream parses before it binds names.
      throw syntaxAt(scope.query, tok.offset, `unexpected ${tok.text}`);
    } else if (next?.kind === 'op' && next.text === '.') {
      const column = tokens[k + 2];
      if (!scope.qualifiers.includes(tok.text) || (column?.kind !== 'ident' && column?.kind !== 'qident')) {
        throw columnDoesNotExist(scope.query, tok.offset, tok.text);
      }
      const after = tokens[k + 3];
      if (after?.kind === 'op' && after.text === '(')
        throw validation(
          `${linePosition(scope.query, tok.offset)}: Function '${tok.text}.${column.text}' not registered`,
        );
      out.push(columnSql(scope, column));
      k += 2;
    } else {
      out.push(columnSql(scope, tok));
    }
  }
  return joinWithin(out, ' ');
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const MICROS_PER_DAY = 86_400_000_000n;

/**
 * Reads the `+ interval` and `- interval` operands (`2d`, `1y`, `INTERVAL '2' DAY`) after the DATE
 * operand `tokens[start..end]`, whose SQL is out's last, and makes their sum a DATE, as Trino's
 * (Timestream's date-time-operators page: `date '2022-05-21' + 2d` is the date 2022-05-23), where
 * DuckDB's is a TIMESTAMP. An interval with hours, minutes or seconds fails in Trino's words. Only
 * operands the operator takes whole (no `*` or `/` after them), and a date no operator before binds
 * tighter; returns the index of the last token read.
 */
function plusIntervalsToDate(
  scope: ExpressionScope,
  tokens: readonly Token[],
  start: number,
  end: number,
  out: string[],
): number {
  const before = tokens[start - 1];
  if (before?.kind === 'op' && ARITHMETIC.has(before.text)) return end;
  let k = end;
  while (k < tokens.length) {
    const op = tokens[k + 1];
    if (op?.kind !== 'op' || (op.text !== '+' && op.text !== '-')) return k;
    const first = tokens[k + 2];
    let last: number;
    let interval: string;
    if (first?.kind === 'interval') {
      last = k + 2;
      interval = intervalSql(scope, first);
    } else if (
      isWord(first, 'interval') &&
      tokens[k + 3]?.kind === 'string' &&
      DATETIME_FIELDS.has(tokens[k + 4]?.kind === 'ident' ? tokens[k + 4]!.text.toLowerCase() : '') &&
      !isNameInScope(scope, tokens[k + 4]!.text)
    ) {
      last = k + 4;
      interval = `INTERVAL ${sqlLiteral(tokens[k + 3]!.text)} ${tokens[k + 4]!.text.toUpperCase()}`;
    } else return k;
    const after = tokens[last + 1];
    if (after?.kind === 'op' && ARITHMETIC.has(after.text) && after.text !== '+' && after.text !== '-')
      return k;
    const subDay =
      op.text === '+'
        ? 'Cannot add hour, minutes or seconds to a date'
        : 'Cannot subtract hour, minutes or seconds from a date';
    const whole = `CASE WHEN epoch_us(${interval}) % ${MICROS_PER_DAY} <> 0 THEN error('${subDay}') ELSE ${interval} END`;
    out.push(`CAST(${out.pop()} ${op.text} (${whole}) AS DATE)`);
    k = last;
  }
  return k;
}

/**
 * An operand of `||` or concat(), which join strings only ([STRING-OPERATORS]; Trino's concat()
 * takes varchar, not a number or a timestamp), where DuckDB's cast any value to its text. encode()
 * binds a varchar (or a NULL) only, so DuckDB refuses any other before it runs the query, in words
 * mapDuckDbError rewords (results.ts); decode() gives the same string back, and a NULL literal
 * becomes a varchar, as in Trino.
 */
const concatOperand = (sql: string) => `decode(encode(${sql}))`;

/** Whether `tok` can end an operand, so that a `*` after it multiplies. */
/** Largest integer literal Trino reads: a BIGINT's; `-` and one more is the least BIGINT. */
const MAX_INTEGER_LITERAL = 9_223_372_036_854_775_807n;

/**
 * The number `tokens[k]`, refused as Trino refuses an integer literal past BIGINT ("Invalid numeric
 * literal", its parser's words). DuckDB read it as a HUGEINT, which the store answered as a
 * BIGINT column holding a value no client can parse as one.
 */
function integerWithinBigint(scope: ExpressionScope, tokens: readonly Token[], k: number): string {
  const tok = tokens[k]!;
  if (tok.text.length < 19 || !/^\d+$/.test(tok.text)) return tok.text;
  const value = BigInt(tok.text);
  if (value <= MAX_INTEGER_LITERAL) return tok.text;
  const minus = tokens[k - 1];
  const negated = minus?.kind === 'op' && minus.text === '-' && !endsOperand(tokens[k - 2]);
  if (negated && value === MAX_INTEGER_LITERAL + 1n) return tok.text;
  throw validation(`${linePosition(scope.query, tok.offset)}: Invalid numeric literal: ${tok.text}`);
}

function endsOperand(tok: Token | undefined): boolean {
  if (tok === undefined) return false;
  if (tok.kind === 'op') return tok.text === ')' || tok.text === ']';
  if (tok.kind !== 'ident') return true;
  const word = tok.text.toLowerCase();
  return !KEYWORDS.has(word) || ['null', 'true', 'false', 'end'].includes(word);
}

function unsupported(scope: ExpressionScope, tok: Token, detail: string) {
  return validation(`${linePosition(scope.query, tok.offset)}: ${detail} by the embedded store`);
}

const isNameInScope = (scope: ExpressionScope, name: string) =>
  findColumn(scope.columns, name) !== undefined || scope.aliases.includes(name);

function columnSql(scope: ExpressionScope, tok: Token): string {
  const column = findColumn(scope.columns, tok.text, tok.kind === 'qident');
  if (column) return quoteDuckIdentifier(column.name);
  if (scope.aliases.includes(tok.text)) return quoteDuckIdentifier(tok.text);
  throw columnDoesNotExist(scope.query, tok.offset, tok.text);
}

/** Quotes a string value as a DuckDB literal (standard strings: only `'` needs escaping). */
export function sqlLiteral(value: string): string {
  const quoted = `'${value.replaceAll("'", "''")}'`;
  // DuckDB's parser ends a string literal at a NUL character (C strings), while Timestream takes
  // it as any other character (a Prometheus label value may hold one): spell each NUL as chr(0).
  return value.includes('\0') ? `(${quoted.split('\0').join("' || chr(0) || '")})` : quoted;
}

const nowSql = (scope: ExpressionScope) => tsFromNanos(`${scope.nowNs}`);

/** Trino's timestamp literal without a time zone: `YYYY-MM-DD[ HH:MM[:SS[.fraction]]]`. */
const TIMESTAMP_LITERAL =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?: (\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?$/;
/** The same with anything after it (a time zone, more digits): left to DuckDB's cast. */
const TIMESTAMP_LITERAL_START = /^\d{4}-\d{1,2}-\d{1,2}(?: |$)/;
/**
 * The timestamps DuckDB's TIMESTAMP_NS holds, in nanoseconds: 2^63 - 1 is its infinity, and it
 * converts through dates from 1677-09-22 on.
 */
const MIN_NANOS = -9_223_286_400_000_000_000n;
const MAX_NANOS = 2n ** 63n - 2n;

/**
 * A TIMESTAMP literal as its nanoseconds, checked on the calendar: DuckDB's cast to TIMESTAMP_NS
 * took `'infinity'` and `'epoch'`, and refused `'2026-13-01'` as a string it "could not convert to
 * INT64" (answered as a cast to bigint).
 */
function timestampLiteral(scope: ExpressionScope, tok: Token, text: string): string {
  const match = TIMESTAMP_LITERAL.exec(text);
  if (!match) {
    if (TIMESTAMP_LITERAL_START.test(text)) return `CAST(${sqlLiteral(text)} AS TIMESTAMP_NS)`;
    throw validation(`${linePosition(scope.query, tok.offset)}: '${text}' is not a valid timestamp literal`);
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((f) => Number(f ?? 0)) as number[];
  const date = new Date(0);
  date.setUTCFullYear(year!, month! - 1, day!);
  date.setUTCHours(hour!, minute!, second!);
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month! - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  )
    throw validation(`${linePosition(scope.query, tok.offset)}: '${text}' is not a valid timestamp literal`);
  const nanos = BigInt(date.getTime()) * NANOS_PER_MS + BigInt((match[7] ?? '').padEnd(9, '0'));
  if (nanos > MAX_NANOS || nanos < MIN_NANOS)
    throw validation(
      `${linePosition(scope.query, tok.offset)}: timestamp '${text}' is outside the timestamps the embedded store holds (1677-09-22 00:00:00 to 2262-04-11 23:47:16.854775806)`,
    );
  return tsFromNanos(`${nanos}`);
}

function intervalNanos(scope: ExpressionScope, tok: Token): bigint {
  const unit = INTERVAL_UNITS[tok.unit!]!;
  if (unit.nanos === undefined)
    throw unsupported(scope, tok, `year-to-month interval '${tok.text}' is not supported here`);
  const nanos = tok.amount! * unit.nanos;
  // Past this DuckDB's nanosecond arithmetic (ago(), bin(), make_timestamp_ns) fails in its own
  // words, naming functions the query never calls.
  if (nanos > MAX_INTERVAL_NANOS)
    throw validation(
      `${linePosition(scope.query, tok.offset)}: interval '${tok.text}' is out of range: intervals of days to seconds hold less than 2^63 nanoseconds (about 106 751 days)`,
    );
  return nanos;
}

const MAX_INTERVAL_NANOS = 2n ** 63n - 1n;

function intervalSql(scope: ExpressionScope, tok: Token): string {
  const unit = INTERVAL_UNITS[tok.unit!]!;
  if (unit.months !== undefined) return `to_months(${tok.amount! * BigInt(unit.months)})`;
  const nanos = intervalNanos(scope, tok);
  // NOTE: DuckDB intervals hold microseconds; bin() and ago() take literals in nanoseconds directly.
  if (nanos % 1000n !== 0n)
    throw unsupported(
      scope,
      tok,
      `sub-microsecond interval '${tok.text}' is only supported in bin() and ago()`,
    );
  return `to_microseconds(CAST(${nanos / 1000n} AS BIGINT))`;
}

// The Timestream developer guide's pages behind translateCall's rewrites, each at
// https://docs.aws.amazon.com/timestream/latest/developerguide/<page>.html: [IF]
// conditional-expressions.IF, [STRING] string-functions, [MATH] mathematical-functions, [GREATEST]
// comparison-functions.greatest and comparison-functions.least, [STRING-OPERATORS]
// string-operators; and [TRINO-STRING], Trino's https://trino.io/docs/current/functions/string.html,
// where Timestream's page lists a function without saying more (the guide's reference includes
// Trino's documentation).
function translateCall(scope: ExpressionScope, nameTok: Token, argTokens: readonly Token[]): string {
  const name = nameTok.text.toLowerCase();
  const rawArgs = argTokens.length === 0 ? [] : splitTopLevel(argTokens);
  const args = () => {
    // Trino's limit (its ExpressionAnalyzer; coalesce() is not a function call there). DuckDB plans
    // a call of many thousands of arguments in time growing with their square.
    if (rawArgs.length > MAX_CALL_ARGUMENTS && name !== 'coalesce')
      throw validation(
        `${linePosition(scope.query, nameTok.offset)}: Too many arguments for function call ${name}()`,
      );
    // Counted as they come, so a call with thousands of large arguments stops at the bound.
    let length = 0;
    return rawArgs.map((a) => {
      const sql = translateExpression(scope, a);
      length += sql.length;
      if (length > MAX_TRANSLATED_SQL_CHARS) throw tooComplex();
      return sql;
    });
  };
  /** Translated arguments for bindOnce. */
  const bindable = (values: readonly string[]) =>
    values.map((sql, k) => ({ sql, repeats: callsRepeating(rawArgs[k]!) }));
  /** Refuses a call without exactly `n` arguments. */
  const expectArgs = (n: number) => {
    if (rawArgs.length !== n)
      throw unsupported(
        scope,
        nameTok,
        `${name}() takes ${n} argument(s); it is called with ${rawArgs.length}`,
      );
  };
  /** The call's `n` arguments, translated. */
  const arity = (n: number) => {
    expectArgs(n);
    return args();
  };
  switch (name) {
    case 'count':
      if (rawArgs.length === 0) return 'count(*)';
      if (
        rawArgs.length === 1 &&
        rawArgs[0]!.length === 1 &&
        rawArgs[0]![0]!.text === '*' &&
        rawArgs[0]![0]!.kind === 'op'
      )
        return 'count(*)';
      return `count(${joinWithin(args(), ', ')})`;
    case 'now':
      expectArgs(0);
      return nowSql(scope);
    case 'ago': {
      expectArgs(1);
      const arg = rawArgs[0]!;
      if (
        arg?.length === 1 &&
        arg[0]!.kind === 'interval' &&
        INTERVAL_UNITS[arg[0]!.unit!]!.nanos !== undefined
      ) {
        return tsFromNanos(`${scope.nowNs - intervalNanos(scope, arg[0]!)}`);
      }
      if (arg.some((t) => t.kind === 'string'))
        throw unsupported(
          scope,
          nameTok,
          "ago() needs an interval such as 15m (a quoted '15m' is not an interval)",
        );
      // No column holds an interval, so an argument without an interval literal (now(), a
      // number, time) cannot be one: refused here rather than as DuckDB's failed cast.
      if (!arg.some((t) => t.kind === 'interval'))
        throw unsupported(scope, nameTok, 'ago() needs an interval such as 15m');
      return `CAST(${nowSql(scope)} - (${args()[0]}) AS TIMESTAMP_NS)`;
    }
    case 'from_milliseconds':
      return tsFromNanos(`CAST(${arity(1)[0]} AS BIGINT) * ${NANOS_PER_MS}`);
    case 'from_nanoseconds':
      return tsFromNanos(`CAST(${arity(1)[0]} AS BIGINT)`);
    case 'from_unixtime': // Trino's from_unixtime keeps milliseconds
      return tsFromNanos(`CAST(round(CAST(${arity(1)[0]} AS DOUBLE) * 1000) AS BIGINT) * ${NANOS_PER_MS}`);
    case 'to_milliseconds': {
      // Timestream also takes an interval (reference/timestream-facts.md 5): `to_milliseconds(1h)`.
      const [arg] = rawArgs;
      if (arg?.length === 1 && arg[0]!.kind === 'interval')
        return `CAST(${intervalNanos(scope, arg[0]!) / NANOS_PER_MS} AS BIGINT)`;
      return bindOnce(scope.budget, bindable(arity(1)), ([x]) =>
        intervalOrTimestampSql(
          name,
          x!,
          'epoch_ms',
          `(epoch_ns(CAST(${x} AS TIMESTAMP_NS)) // ${NANOS_PER_MS})`,
        ),
      );
    }
    case 'to_nanoseconds': {
      // As to_milliseconds: Timestream takes an interval day to second too ([DT]: `to_nanoseconds(1s)`).
      const [arg] = rawArgs;
      if (arg?.length === 1 && arg[0]!.kind === 'interval')
        return `CAST(${intervalNanos(scope, arg[0]!)} AS BIGINT)`;
      return bindOnce(scope.budget, bindable(arity(1)), ([x]) =>
        intervalOrTimestampSql(name, x!, 'epoch_ns', `epoch_ns(CAST(${x} AS TIMESTAMP_NS))`),
      );
    }
    case 'to_unixtime':
      return `(epoch_ns(CAST(${arity(1)[0]} AS TIMESTAMP_NS)) / 1e9)`;
    case 'bin': {
      expectArgs(2);
      // The width is read as nanoseconds, not translated: a DuckDB interval cannot hold 5ns.
      const ts = translateExpression(scope, rawArgs[0]!);
      const width = rawArgs[1]!;
      if (width.length !== 1 || width[0]!.kind !== 'interval')
        throw unsupported(scope, nameTok, 'bin() needs an interval literal such as 1m');
      const nanos = intervalNanos(scope, width[0]!);
      if (nanos === 0n) throw unsupported(scope, width[0]!, 'a zero bin width is not allowed');
      const epoch = { sql: `epoch_ns(CAST(${ts} AS TIMESTAMP_NS))`, repeats: callsRepeating(rawArgs[0]!) };
      return bindOnce(scope.budget, [epoch], ([e]) =>
        tsFromNanos(`(${e} - ((${e} % ${nanos}) + ${nanos}) % ${nanos})`),
      );
    }
    case 'regexp_like':
      return regexpLike(scope, nameTok, rawArgs);
    case 'cast':
    case 'try_cast':
      return castSql(scope, nameTok, name, argTokens);
    case 'if':
    case 'replace': {
      // Timestream's two-argument forms, which DuckDB's lack: if(condition, true_value) is NULL
      // when the condition does not hold ([IF]); replace(x1, x2) removes every x2 ([STRING]).
      const given = args();
      if (given.length === 2) given.push(OMITTED_THIRD_ARGUMENT[name]);
      if (name === 'replace' && given.length === 3 && mayLengthen(rawArgs[1]!, rawArgs[2]))
        return replaceWithin(scope.budget, given[0]!, given[1]!, given[2]!);
      return `${name}(${joinWithin(given, ', ')})`;
    }
    case 'truncate': // a double ([MATH]), where DuckDB's trunc() keeps an integer's type
      return `CAST(trunc(${arity(1)[0]}) AS DOUBLE)`;
    case 'sign': {
      // sign() has its argument's type ([MATH]: sign(-2.5) is -1.0, not DuckDB's TINYINT -1); sign
      // is NULL only for NULL, so coalesce() only lends it x's type.
      return bindOnce(scope.budget, bindable(arity(1)), ([x]) => `coalesce(sign(${x}), ${x})`);
    }
    case 'substr':
    case 'substring': {
      // Trino's ([TRINO-STRING]): empty from position 0, for a length below 1, and from a negative
      // position before the string's start, where DuckDB's counts 0 as 1, takes a negative length
      // backwards and clamps the position. The empty string is substr(x, 1, 0 * ...), NULL when
      // any argument is, as the function is. The first branch binds the function, so a mistaken
      // argument is refused naming it.
      if (rawArgs.length !== 2 && rawArgs.length !== 3)
        throw unsupported(scope, nameTok, `${name}() takes 2 or 3 arguments`);
      return bindOnce(scope.budget, bindable(args()), ([text, start, length]) => {
        const call = `substr(${joinWithin([text!, start!, ...(length === undefined ? [] : [length])], ', ')})`;
        const empty = `(${start}) = ${BIGINT_ZERO}${length === undefined ? '' : ` OR (${length}) <= ${BIGINT_ZERO}`}`;
        const none = `substr(${text}, 1, 0 * (${start})${length === undefined ? '' : ` * (${length})`})`;
        return `(CASE WHEN (${text}) IS NULL THEN ${call} WHEN ${empty} OR (${start}) < -length(${text}) THEN ${none} ELSE ${call} END)`;
      });
    }
    case 'sqrt':
    case 'ln':
    case 'log10':
    case 'log2': {
      // Java's Math functions, as Trino's ([MATH]): NaN below zero and -Infinity for the logarithm
      // of zero, where DuckDB's fail the whole query. The first branch binds the function, so a
      // mistaken argument is refused naming it rather than the comparison; a zero of type DOUBLE
      // casts a string as the function itself does.
      return bindOnce(
        scope.budget,
        bindable(arity(1)),
        ([x]) =>
          `(CASE WHEN (${x}) IS NULL THEN ${name}(${x}) WHEN (${x}) < ${ZERO} THEN CAST('NaN' AS DOUBLE) ${name === 'sqrt' ? '' : `WHEN (${x}) = ${ZERO} THEN CAST('-Infinity' AS DOUBLE) `}ELSE ${name}(${x}) END)`,
      );
    }
    case 'ceil':
    case 'ceiling':
    case 'floor': {
      // These keep their argument's type ([MATH]: ceil of a bigint is a bigint), where DuckDB's
      // take a double. An integral x is itself; otherwise x moves past trunc(x) away from zero when
      // it lies on that side (-0.5 rounds up to -0.0, as Java's Math.ceil). The function itself is
      // bound first, so a mistaken argument is still refused naming it.
      const [side, step] = name === 'floor' ? ['<', '-'] : ['>', '+'];
      return bindOnce(
        scope.budget,
        bindable(arity(1)),
        ([x]) =>
          `(CASE WHEN ${name}(${x}) = (${x}) THEN (${x}) WHEN (${x}) ${side} 0 THEN trunc(${x}) ${step} 1 ELSE trunc(${x}) END)`,
      );
    }
    case 'concat': {
      // The || operator ([TRINO-STRING]: "the same functionality as the SQL-standard concatenation
      // operator"), so NULL when any value is NULL, where DuckDB's concat() skips NULLs. A varchar
      // ([STRING]) even when every value is a NULL literal.
      const values = args().map(concatOperand);
      if (values.length === 0) break;
      if (rawArgs.some((arg) => mayGrow(arg)))
        return `CAST(${concatWithin(scope.budget, values)} AS VARCHAR)`;
      return `CAST(${balancedChain(
        values.map((v) => `(${v})`),
        '||',
      )} AS VARCHAR)`;
    }
    case 'split_part': {
      // The field `index` (from 1) of the string split on the delimiter, NULL when the index is
      // larger than the number of fields ([TRINO-STRING]), where DuckDB's split_part() answers ''.
      // A list index past the end is NULL. string_split() takes a NULL delimiter as none, so one
      // that is not a literal also nulls the index. Field indexes start with 1 ([TRINO-STRING]), where
      // a list index below 1 counts from the end (-1 the last field): refused in Trino's words.
      // The count is checked first: with fewer arguments rawArgs[1] is absent.
      const bound = bindable(arity(3));
      const literal = rawArgs[1]!.length === 1 && rawArgs[1]![0]!.kind === 'string';
      return bindOnce(scope.budget, bound, ([text, delimiter, index]) => {
        const at = literal ? index : `if((${delimiter}) IS NULL, NULL, ${index})`;
        const checked = `CASE WHEN (${at}) <= 0 THEN error('Index must be greater than zero') ELSE (${at}) END`;
        return `CAST(string_split(${text}, ${delimiter})[${checked}] AS VARCHAR)`;
      });
    }
    case 'lpad':
    case 'rpad': {
      // Pads x1 to `size` characters with x2, or truncates it to them ([STRING]), as DuckDB's do.
      // DuckDB takes the size as an INTEGER and answers '' for a negative one, which Trino refuses
      // in the words below (its StringFunctions.pad).
      const [text, size, pad] = arity(3);
      const padTokens = rawArgs[2]!;
      if (padTokens.length === 1 && padTokens[0]!.kind === 'string' && padTokens[0]!.text === '')
        throw validation(
          `${linePosition(scope.query, nameTok.offset)}: ${name}() needs a non-empty padding string`,
        );
      const [sizeTok] = rawArgs[1]!.length === 1 ? rawArgs[1]! : [];
      scope.budget.paddedChars +=
        sizeTok?.kind === 'number' && /^\d+$/.test(sizeTok.text)
          ? Math.min(Number(sizeTok.text), MAX_PAD_CHARS)
          : MAX_PAD_CHARS;
      if (scope.budget.paddedChars > MAX_PADDED_CHARS)
        throw unsupported(
          scope,
          nameTok,
          `lpad() and rpad() building more than ${MAX_PADDED_CHARS} characters in one query are not supported`,
        );
      // NOTE: a size past one page is cut to one character more than a page: the row then fails
      // the query as Timestream's would (too large for a page), without building gigabytes first.
      const bounded = bindOnce(
        scope.budget,
        [{ sql: size!, repeats: callsRepeating(rawArgs[1]!) }],
        ([n]) =>
          `CASE WHEN (${n}) < 0 OR (${n}) > ${MAX_TARGET_LENGTH} THEN error('${TARGET_LENGTH_RANGE}') ` +
          `WHEN (${n}) > ${MAX_PAD_CHARS} THEN ${MAX_PAD_CHARS} ELSE (${n}) END`,
      );
      return `${name}(${text}, CAST(${bounded} AS INTEGER), ${pad})`;
    }
    case 'position': {
      // position(substring IN string) is strpos(string, substring) ([TRINO-STRING]).
      const sides = splitTopLevel(argTokens, (t) => isWord(t, 'in'));
      if (rawArgs.length !== 1 || sides.length !== 2 || sides.some((side) => side.length === 0))
        throw unsupported(scope, nameTok, 'position() takes (substring IN string)');
      const [substring, string] = sides.map((side) => translateExpression(scope, side));
      return `strpos(${string}, ${substring})`;
    }
    case 'greatest':
    case 'least': {
      // NULL when any value is NULL ([GREATEST]), where DuckDB's skip NULLs.
      const values = args();
      if (values.length === 0) break;
      return bindOnce(scope.budget, bindable(values), (refs) => {
        const anyNull = joinWithin(
          refs.map((v) => `(${v}) IS NULL`),
          ' OR ',
        );
        return `(CASE WHEN ${anyNull} THEN NULL ELSE ${name}(${joinWithin(refs, ', ')}) END)`;
      });
    }
  }
  if (SAME_FUNCTIONS.has(name) || name in RENAMED_FUNCTIONS) {
    return `${RENAMED_FUNCTIONS[name] ?? name}(${joinWithin(args(), ', ')})`;
  }
  if (WINDOW_FUNCTIONS.has(name))
    throw unsupported(scope, nameTok, `window functions (${name}()) are not supported`);
  // Timestream's row and array values (supported-data-types), which the store cannot build.
  if (name === 'row' || name === 'array_agg')
    throw unsupported(
      scope,
      nameTok,
      `${name === 'row' ? 'rows (ROW(...))' : 'arrays (array_agg())'} are not supported`,
    );
  throw validation(`${linePosition(scope.query, nameTok.offset)}: Function '${nameTok.text}' not registered`);
}

/** Most arguments of one function call, as in Trino. */
const MAX_CALL_ARGUMENTS = 127;

/**
 * Trino's functions that only run over a window, which Timestream has: "not registered" would say
 * Timestream lacks them.
 */
const WINDOW_FUNCTIONS: ReadonlySet<string> = new Set([
  'row_number',
  'rank',
  'dense_rank',
  'percent_rank',
  'cume_dist',
  'ntile',
  'lag',
  'lead',
  'first_value',
  'last_value',
  'nth_value',
]);

/**
 * DuckDB's timestamp types as typeof() names them; their text is `YYYY-MM-DD hh:mm:ss[.fraction]`
 * with a four-digit year, as TIMESTAMP_NS holds no other (1677 to 2262).
 */
const TIMESTAMP_TYPE_NAMES = "'TIMESTAMP_NS', 'TIMESTAMP', 'TIMESTAMP_MS', 'TIMESTAMP_S'";

function castSql(scope: ExpressionScope, nameTok: Token, name: string, argTokens: readonly Token[]): string {
  const type = argTokens[argTokens.length - 1];
  if (
    argTokens.length < 3 ||
    !isWord(argTokens[argTokens.length - 2], 'as') ||
    type?.kind !== 'ident' ||
    !CAST_TYPES[type.text.toLowerCase()]
  ) {
    throw unsupported(
      scope,
      nameTok,
      `${name}(x AS <type>) needs one of the types ${Object.keys(CAST_TYPES).join(', ')}`,
    );
  }
  const valueTokens = argTokens.slice(0, -2);
  const value = translateExpression(scope, valueTokens);
  const target = CAST_TYPES[type.text.toLowerCase()]!;
  const cast = (sql: string) => `${name.toUpperCase()}(${sql} AS ${target})`;
  if (target === 'VARCHAR') {
    // Trino's text of a double is Java's (String.valueOf: `1.0E21`, `NaN`), not DuckDB's (`1e+21`,
    // `nan`). The TRY_CAST binds for any type. A DECIMAL (DuckDB's `1.50`) is a DOUBLE column
    // (results.ts; Timestream has no decimal type), so its text is a double's too. A timestamp or
    // time has as many fraction digits as its type's precision (Trino's TimestampToVarchar), nine
    // for Timestream's nanosecond types (facts 4.3), where DuckDB's text drops trailing zeros
    // (`1970-01-01 00:00:00`).
    return bindOnce(scope.budget, [{ sql: value, repeats: true }], ([x]) => {
      const text = cast(x!);
      const nanoFraction = (whole: number) =>
        `left(${text}, ${whole}) || '.' || rpad(substr(${text}, ${whole + 2}), 9, '0')`;
      return (
        `(CASE WHEN typeof(${x}) IN ('DOUBLE', 'FLOAT') OR typeof(${x}) LIKE 'DECIMAL%' ` +
        `THEN ${javaDoubleTextSql(`TRY_CAST(${x} AS DOUBLE)`)} ` +
        `WHEN typeof(${x}) IN (${TIMESTAMP_TYPE_NAMES}) THEN ${nanoFraction(19)} ` +
        `WHEN typeof(${x}) IN ('TIME', 'TIME_NS') THEN ${nanoFraction(8)} ` +
        `WHEN typeof(${x}) = 'INTERVAL' THEN ${intervalTextSql(x!)} ELSE ${text} END)`
      );
    });
  }
  if (target !== 'BIGINT' && target !== 'INTEGER') return cast(value);
  // Trino rounds a double half away from zero (2.5 to 3, -2.5 to -3), where DuckDB's cast rounds
  // half to even (to 2 and -2); round() is Trino's rounding. The TRY_CAST binds for any type.
  return bindOnce(
    scope.budget,
    [{ sql: value, repeats: callsRepeating(valueTokens) }],
    ([x]) =>
      `(CASE WHEN typeof(${x}) IN ('DOUBLE', 'FLOAT') THEN ${cast(`round(TRY_CAST(${x} AS DOUBLE))`)} ELSE ${cast(x!)} END)`,
  );
}

/**
 * to_milliseconds(x) or to_nanoseconds(x) of an interval day to second as well as of a timestamp
 * ([DT]: `to_milliseconds(INTERVAL '2' DAY + INTERVAL '3' HOUR)` is 183600000), where `timestamp`
 * is the call's SQL for a timestamp: no column holds an interval, but an expression does (`now() -
 * time`, `INTERVAL '1' DAY`), and DuckDB's cast of one to a timestamp fails. typeof() is known when
 * DuckDB binds, so only the branch of x's type runs; the TRY_CAST binds for any type. An interval
 * with a month part is Trino's interval year to month, which these functions do not take.
 */
function intervalOrTimestampSql(name: string, x: string, epoch: string, timestamp: string): string {
  const interval = `TRY_CAST(${x} AS INTERVAL)`;
  return (
    `(CASE WHEN typeof(${x}) <> 'INTERVAL' THEN ${timestamp} ` +
    `WHEN datepart('year', ${interval}) <> 0 OR datepart('month', ${interval}) <> 0 ` +
    `THEN error('${name}() takes an interval day to second, not an interval year to month') ` +
    `ELSE ${epoch}(${interval}) END)`
  );
}

/**
 * Copies of repeated parts (`a{1000}` makes 999) the regexp_like patterns of one query may make
 * together: DuckDB compiles each pattern in time growing with its copies, about 1.4 µs each (2000
 * calls of `a{1000}`, 62 000 characters of query, took 2.9 s), so this keeps it near 0.3 s.
 */
export const MAX_REGEX_COPIES = 200_000;

/** Java-semantics REGEXP_LIKE as RE2 (see java-regex.ts); the pattern must be a literal. */
function regexpLike(scope: ExpressionScope, nameTok: Token, rawArgs: readonly Token[][]): string {
  if (rawArgs.length !== 2) throw unsupported(scope, nameTok, 'regexp_like() takes 2 arguments');
  const [subjectTokens, patternTokens] = rawArgs as [Token[], Token[]];
  if (patternTokens.length !== 1 || patternTokens[0]!.kind !== 'string') {
    throw unsupported(scope, nameTok, 'regexp_like() needs a string literal pattern');
  }
  const { pattern, crlfPattern } = translateJavaRegex(patternTokens[0]!.text, scope.budget);
  if (scope.budget.regexCopies > MAX_REGEX_COPIES)
    throw unsupported(
      scope,
      nameTok,
      `regexp_like() patterns repeating more than ${MAX_REGEX_COPIES} copies of their parts in one query are not supported`,
    );
  const subject = translateExpression(scope, subjectTokens);
  if (crlfPattern === undefined) return `regexp_matches(${subject}, ${sqlLiteral(pattern)})`;
  return bindOnce(
    scope.budget,
    [{ sql: subject, repeats: callsRepeating(subjectTokens) }],
    ([s]) =>
      `(CASE WHEN suffix(${s}, chr(13) || chr(10)) THEN regexp_matches(${s}, ${sqlLiteral(crlfPattern)}) ELSE regexp_matches(${s}, ${sqlLiteral(pattern)}) END)`,
  );
}
