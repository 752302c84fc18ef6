// SPDX-License-Identifier: Apache-2.0
// Keeps what a query makes the translator and DuckDB build in proportion to the query: a value a
// translation needs several times is bound once rather than repeated, parts are counted before
// they are joined, and strings that would pass a page are refused before DuckDB builds them.
import { validation } from '../errors';
import { MAX_PAGE_BYTES, PAGE_EXCEEDED_MESSAGE } from '../query-executor';

/**
 * Longest SQL the store hands DuckDB for one query: 16 times Timestream's longest query string
 * (262 144 characters), far above what any query needs short of `regexp_like` patterns with
 * hundreds of Unicode property classes, each spelled out as hundreds of ranges.
 */
export const MAX_TRANSLATED_SQL_CHARS = 16 * 262_144;

/**
 * Values one query's SQL may bind to a DuckDB lambda parameter (bindOnce, concatWithin,
 * replaceWithin): DuckDB takes ~0.5 ms to plan each, more when they nest (4 300 checked replace()
 * calls took 2.2 s, 457 bin() nested 63 deep 17 s), so this bounds planning to about a second.
 */
export const MAX_BINDINGS = 1024;

/** What one query's translation has used of its limits. */
export interface Budget {
  /** Values bound to a DuckDB lambda parameter (MAX_BINDINGS). */
  bindings: number;
  /** Characters its lpad() and rpad() calls can build (MAX_PADDED_CHARS, expressions.ts). */
  paddedChars: number;
  /** Copies RE2 makes of its regexp_like patterns' repeated parts (MAX_REGEX_COPIES, expressions.ts). */
  regexCopies: number;
}

/** The budget of a query not yet translated. */
export const newBudget = (): Budget => ({ bindings: 0, paddedChars: 0, regexCopies: 0 });

/** The refusal of a query whose translation would pass MAX_TRANSLATED_SQL_CHARS. */
export const tooComplex = () =>
  validation(
    `The query is too complex for the embedded store: its SQL would exceed ${MAX_TRANSLATED_SQL_CHARS} characters`,
  );

/**
 * Joins translated parts, refusing before the join when together they would pass
 * MAX_TRANSLATED_SQL_CHARS (a join copies every part). @throws StoreError
 */
export function joinWithin(parts: readonly string[], separator: string): string {
  withinBound(parts, separator.length);
  return parts.join(separator);
}

/**
 * Joins values with an associative binary operator as a balanced tree of parenthesised pairs.
 * NOTE: DuckDB's parser nests a flat chain one level per operator and answers a chain of ~1000
 * with a syntax error (`concat()` of 999 values did); the tree is as deep as the logarithm of its
 * length.
 */
export function balancedChain(values: readonly string[], operator: string): string {
  withinBound(values, operator.length + 4);
  return pairTree(values, (a, b) => `(${a} ${operator} ${b})`);
}

/** Refuses `values` whose SQL, with `perValue` characters added for each, would pass the bound. */
function withinBound(values: readonly string[], perValue: number): void {
  let length = 0;
  for (const value of values) length += value.length + perValue;
  if (length > MAX_TRANSLATED_SQL_CHARS) throw tooComplex();
}

/** Folds `values` (at least one) into a balanced tree of pairs made by `join`, left half first. */
function pairTree(values: readonly string[], join: (left: string, right: string) => string): string {
  const pair = (from: number, to: number): string => {
    if (to - from === 1) return values[from]!;
    const mid = (from + to) >> 1;
    return join(pair(from, mid), pair(mid, to));
  };
  return pair(0, values.length);
}

/** A translated value, and whether repeating its SQL would repeat a repetition (see bindOnce). */
export interface Bindable {
  sql: string;
  /** Whether the value's SQL itself repeats some of its parts (bin(), ceil(), ... within it). */
  repeats: boolean;
}

/**
 * Gives `body` each value as SQL it may use several times: the value's own SQL, unless one of the
 * values repeats parts of itself; then fields of a DuckDB lambda parameter the values are bound
 * to once, so repetitions never multiply.
 */
// NOTE: repeating such a value multiplied the SQL per level of nesting: ceil() repeats its
// argument six times, so ceil() nested 6 deep was 858 473 characters (4 s of DuckDB planning)
// from 46, and bin() nested 14 deep 2.5 million (76 s).
export function bindOnce(
  budget: Budget,
  values: readonly Bindable[],
  body: (refs: string[]) => string,
): string {
  if (!values.some(({ repeats }) => repeats)) return body(values.map(({ sql }) => sql));
  if (++budget.bindings > MAX_BINDINGS)
    throw validation(
      `The query is too complex for the embedded store: it has more than ${MAX_BINDINGS} calls of replace(), concat() or || that can lengthen strings, or of bin(), ceil(), greatest() and the like nested in one another`,
    );
  if (values.length === 1)
    return `list_transform([${values[0]!.sql}], lambda ${PARAMETER}: ${body([PARAMETER])})[1]`;
  const fields = values.map(({ sql }, k) => `a${k} := ${sql}`).join(', ');
  const refs = values.map((_, k) => `struct_extract(${PARAMETER}, 'a${k}')`);
  return `list_transform([struct_pack(${fields})], lambda ${PARAMETER}: ${body(refs)})[1]`;
}

// NOTE: a name no column can have (Timestream reserves the `ts_` prefix, and the store's hidden
// columns are others): DuckDB reads a column before a lambda parameter of the same name. Fields
// are read with struct_extract, as `p.a0` could name a column of a table called p.
const PARAMETER = 'ts_value';

/**
 * Fails the query, as a row too large for a page would, where a string would pass MAX_PAGE_BYTES,
 * which no page can hold: refused before DuckDB builds it. NOTE: also where such a string is not
 * part of the result (`length(...)` of it), as lpad() and rpad() cut to a page's size do.
 */
const tooLong = (bytes: string, value: string) =>
  `CASE WHEN ${bytes} > ${MAX_PAGE_BYTES} THEN error('${PAGE_EXCEEDED_MESSAGE}') ELSE ${value} END`;
const bytesOf = (value: string) => `strlen(CAST(${value} AS VARCHAR))`;
const guarded = (values: readonly string[]) => values.map((sql) => ({ sql, repeats: true }));

/**
 * Concatenates values with `||`, refusing a result longer than a page: a balanced tree of pairs,
 * each checked before it joins the next, so DuckDB stops at the first pair past the limit.
 */
// NOTE: lpad() results (each up to a page) written thousands of times built gigabytes before the
// page limit saw the row (121 s and 0.8 GB for 100 of them, their folding quadratic).
export function concatWithin(budget: Budget, values: readonly string[]): string {
  withinBound(values, CONCAT_PAIR_CHARS);
  return pairTree(values, (left, right) =>
    bindOnce(budget, guarded([left, right]), ([a, b]) =>
      tooLong(`${bytesOf(a!)} + ${bytesOf(b!)}`, `${a} || ${b}`),
    ),
  );
}
/** SQL concatWithin adds for each pair, at most. */
const CONCAT_PAIR_CHARS = 400;

/**
 * replace(text, search, replacement), refusing a result longer than a page before it is built:
 * its length follows from how often `search` occurs, counted with a replace() that cannot grow.
 */
// NOTE: nested, replace() multiplies a string's size: 200 characters by 5000 by 5000 is 5 GB.
export function replaceWithin(budget: Budget, text: string, search: string, replacement: string): string {
  return bindOnce(budget, guarded([text, search, replacement]), ([s, f, t]) => {
    const removed = `strlen(replace(CAST(${s} AS VARCHAR), ${f}, ''))`;
    const occurrences = `(${bytesOf(s!)} - ${removed}) // greatest(${bytesOf(f!)}, 1)`;
    const bytes = `${bytesOf(s!)} + ${occurrences} * (${bytesOf(t!)} - ${bytesOf(f!)})`;
    return tooLong(bytes, `replace(${s}, ${f}, ${t})`);
  });
}
