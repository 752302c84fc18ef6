// SPDX-License-Identifier: Apache-2.0
// Builds the Timestream SELECT for one remote-read query: time range plus PromQL label matchers
// with their exact semantics (absent label = value ""), identifiers and literals always quoted.

import { badRequest } from '../core/errors';
import { type LabelMatcher, MatcherType, type Query } from '../prompb/types';
import { dimensionNamesOf } from './label-names';
import { type Re2Translation, translateRe2 } from './regex';
import { quotePattern } from './regex-scan';

/** Earliest time Timestream can hold; earlier range starts are clamped to it. */
export const MIN_QUERY_TIME_MS = 0;
/** Latest time Timestream queries accept (2262-04-11 23:47:16.854, int64 ns); later ends are clamped. */
export const MAX_QUERY_TIME_MS = 9_223_372_036_854;
/**
 * Longest QueryString Timestream takes (Query model: 1..262144 characters, counted as the store
 * counts them, in UTF-16 units). https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html
 */
export const MAX_QUERY_STRING_CHARS = 262_144;

/** Returns `name` as a double-quoted SQL identifier, `"` doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Returns `value` as a single-quoted SQL literal, `'` doubled. Backslashes stay as they are:
 * Trino-style literals give `\` no meaning, so regex escapes reach REGEXP_LIKE unchanged.
 */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export interface SelectInput {
  database: string;
  table: string;
  query: Query;
  /** The table's dimension column names as stored (label names mapped by labelNamesOf). */
  dimensionColumns: ReadonlySet<string>;
}

/**
 * A matcher's meaning split by case: whether it matches an absent label (NULL column), and what
 * it requires of a present value (a predicate, possibly negated, or a constant).
 */
interface Condition {
  matchesAbsent: boolean;
  present:
    | boolean
    | { kind: 'in'; values: string[]; negated: boolean }
    | { kind: 'regex'; java: string; negated: boolean };
}

/**
 * Each regex matcher's translation: a query is built again when Timestream refuses a column it
 * names (reader.ts), and translating every regex again each time multiplied their cost.
 */
const translations = new WeakMap<LabelMatcher, { re2: string; translation: Re2Translation }>();

/**
 * Builds the SELECT for one query, or returns null when its matchers can never match (answer
 * empty without calling Timestream). Throws badRequest for an invalid regex or time range.
 */
export function buildSelect(input: SelectInput): string | null {
  const { query } = input;
  const startMs = timeBound(query.startTimestampMs, 'start');
  const endMs = timeBound(query.endTimestampMs, 'end');
  // The same label-to-column rule the rows are read back with, so a matcher on a label a read
  // returns (even one from a column another tool wrote, such as `_job`) finds its column.
  const columnsByLabel = dimensionNamesOf(input.dimensionColumns);
  const from = Math.max(startMs, MIN_QUERY_TIME_MS);
  const to = Math.min(endMs, MAX_QUERY_TIME_MS);
  const build = (literals: boolean): string | null => {
    const conditions: string[] = [];
    let never = false;
    for (const matcher of query.matchers) {
      // Every matcher is evaluated, so an invalid regex is a 400 even when another one is false.
      const condition = matcherCondition(matcher, columnsByLabel, literals);
      if (condition === false) never = true;
      else if (condition !== true) conditions.push(condition);
    }
    if (never || from > to) return null;
    // Rows another tool wrote with sub-millisecond times read back truncated to their millisecond,
    // so the range runs to the last nanosecond of `to`: ending it at `to` itself would leave out
    // samples the read reports at `to`, and answer another of its duplicates there than a longer
    // range. No time lies past the last queryable millisecond, whose last nanosecond is no value
    // from_nanoseconds takes everywhere (int64's largest), so a range reaching it has no end bound.
    const where = [
      to < MAX_QUERY_TIME_MS
        ? `time BETWEEN from_milliseconds(${from}) AND from_nanoseconds(${BigInt(to) * 1_000_000n + 999_999n})`
        : `time >= from_milliseconds(${from})`,
      ...conditions,
    ];
    return `SELECT * FROM ${quoteIdentifier(input.database)}.${quoteIdentifier(input.table)} WHERE ${where.join(' AND ')}`;
  };
  let sql = build(true);
  // NOTE: `IN (…)` spells each string of a regex of literals out quoted, 3 characters more than in
  // the regex: a Grafana multi-value variable of 20 000 short values passes the limit that way and
  // fits as its regex.
  if (sql !== null && sql.length > MAX_QUERY_STRING_CHARS) {
    const asRegexes = build(false);
    if (asRegexes !== null && asRegexes.length < sql.length) sql = asRegexes;
  }
  // Timestream refuses a longer one in its model's words (`Value at 'queryString' …`), which name
  // neither the matchers nor what to change: several Grafana multi-value variables in one selector
  // get there, each of them short enough alone.
  if (sql !== null && sql.length > MAX_QUERY_STRING_CHARS) {
    throw badRequest(
      `query too long for Timestream: its matchers make SQL of ${sql.length} characters, over Timestream's limit of ${MAX_QUERY_STRING_CHARS}; select fewer or shorter label values`,
    );
  }
  return sql;
}

function timeBound(ms: number, which: string): number {
  if (!Number.isFinite(ms)) throw badRequest(`invalid ${which} timestamp: ${ms}`);
  return Math.trunc(ms);
}

/**
 * Translates one matcher into SQL, or true (constrains nothing) / false (never matches). A label
 * whose column the table lacks is absent on every row, so its matcher is decided here. `literals`:
 * whether a regex of literals becomes `=` / `IN (…)` rather than REGEXP_LIKE.
 */
function matcherCondition(
  matcher: LabelMatcher,
  columnsByLabel: ReadonlyMap<string, string>,
  literals: boolean,
): string | boolean {
  const isName = matcher.name === '__name__';
  // Stored label names and values are UTF-8 (writes refuse others), so a matcher's name that is
  // not names no stored label, and its value that is not equals none, as Prometheus compares bytes.
  const columnName =
    matcher.malformedName === true ? undefined : isName ? 'measure_name' : columnsByLabel.get(matcher.name);
  let condition: Condition;
  switch (matcher.type) {
    case MatcherType.EQ:
    case MatcherType.NEQ:
      condition = matcher.malformedValue === true ? NO_VALUE : equalTo([matcher.value]);
      break;
    case MatcherType.RE:
    case MatcherType.NRE: {
      // Go's regexp refuses such a pattern, so Prometheus does too.
      if (matcher.malformedValue === true) {
        throw badRequest(`invalid regex ${quotePattern(matcher.value)}: invalid UTF-8`);
      }
      let known = translations.get(matcher);
      if (known?.re2 !== matcher.value) {
        known = { re2: matcher.value, translation: translateRe2(matcher.value) };
        translations.set(matcher, known);
      }
      condition = regexMatch(known.translation, literals);
      break;
    }
    default:
      throw badRequest(
        `unknown matcher type ${String(matcher.type)} for label ${JSON.stringify(matcher.name)}`,
      );
  }
  if (matcher.type === MatcherType.NEQ || matcher.type === MatcherType.NRE) condition = complement(condition);
  if (columnName === undefined) return condition.matchesAbsent;
  // measure_name is never NULL, so only the present-value side matters for __name__.
  return render(quoteIdentifier(columnName), isName ? undefined : condition.matchesAbsent, condition.present);
}

/** Matches neither an absent label nor any stored value. */
const NO_VALUE: Condition = { matchesAbsent: false, present: false };

/** Stored dimensions are never "", so "" among `values` stands for the absent label. */
function equalTo(values: readonly string[]): Condition {
  const nonEmpty = [...new Set(values.filter((v) => v !== ''))];
  return {
    matchesAbsent: values.includes(''),
    present: nonEmpty.length === 0 ? false : { kind: 'in', values: nonEmpty, negated: false },
  };
}

function regexMatch(t: Re2Translation, literals: boolean): Condition {
  if (literals && t.literals !== undefined) return equalTo(t.literals);
  return {
    matchesAbsent: t.matchesEmpty,
    present: t.matchesAll ? true : { kind: 'regex', java: t.javaRegex, negated: false },
  };
}

/** The PromQL complement: absent and present cases flip separately, so SQL NULLs never leak in. */
function complement(c: Condition): Condition {
  const present = typeof c.present === 'boolean' ? !c.present : { ...c.present, negated: !c.present.negated };
  return { matchesAbsent: !c.matchesAbsent, present };
}

/** Renders a condition on a present column; `matchesAbsent` undefined for a never-NULL column. */
function render(
  col: string,
  matchesAbsent: boolean | undefined,
  present: Condition['present'],
): string | boolean {
  if (typeof present === 'boolean') {
    if (matchesAbsent === undefined || matchesAbsent === present) return present;
    return present ? `${col} IS NOT NULL` : `${col} IS NULL`;
  }
  let predicate: string;
  if (present.kind === 'regex') {
    predicate = `${present.negated ? 'NOT ' : ''}regexp_like(${col}, ${quoteLiteral(present.java)})`;
  } else if (present.values.length === 1) {
    predicate = `${col} ${present.negated ? '<>' : '='} ${quoteLiteral(present.values[0]!)}`;
  } else {
    predicate = `${col} ${present.negated ? 'NOT IN' : 'IN'} (${present.values.map(quoteLiteral).join(', ')})`;
  }
  if (matchesAbsent === true) return `(${col} IS NULL OR ${predicate})`;
  // A comparison with NULL is NULL (not true), so a present-only predicate needs no guard; the
  // guard is kept for negated regexes to make the intent explicit, as SPEC 5 writes it.
  if (matchesAbsent === false && present.kind === 'regex' && present.negated)
    return `(${col} IS NOT NULL AND ${predicate})`;
  return predicate;
}
