// SPDX-License-Identifier: Apache-2.0
// Translates a Java `java.util.regex` pattern (what Timestream's REGEXP_LIKE evaluates) into RE2
// syntax for DuckDB's linear-time `regexp_matches`, preserving Java's meaning exactly or refusing.
//
// Choice: translation (not a JS UDF) keeps matching linear-time and lets DuckDB push filters down.
// Exact: literals, quantified anchors, classes incl. nesting, `&&`, negation of the whole class (JDK 9+), `[[:alpha:]]`
// read as Java reads it (a union of `[`, `:`, letters), ASCII `\d\w\s\h\v`, POSIX `\p{Alpha}`, Unicode
// properties, `\Q..\E`, `.` without DOTALL excluding all five line terminators, `$`/`\Z` before a
// final terminator (never between `\r\n`), `\z`, `(?idmsux-idmsux)` and scoped `(?i:..)`, named groups,
// one-character lookarounds that mean `^`/`$` of a `\n` line, `\b` or `\B` or precede a class (what
// the connector emits; java-lookaround.ts).
// Refused with a message naming the construct (RE2 cannot express them): other lookaround, atomic groups,
// possessive quantifiers, backreferences, `\G`, `\X`, `\b{g}`, `\N{..}`, `(?U)`, `(?c)`, `^`/`$` under MULTILINE, `$` not at
// the end of the pattern, `\R` not at the end, repetition counts above 1000. Gaps: `(?iu)` uses simple
// per-code-point case mapping; `\b` is ASCII (JDK 19+ semantics); Java's find() steps by UTF-16
// unit, so it also starts inside a surrogate pair, where `\B` holds and `.` or `\uDE00` match the low
// surrogate alone (`\B.` finds one in "a😀"), while the store starts only between code points.
import { LINE_TERMINATORS, charSet, re2Char, toRe2Class } from './char-set';
import { isZeroWidth, re2Assertion } from './java-lookaround';
import { Parser, checkJoinedRepetitions, repetitionCopies, syntax, type Node } from './java-regex-parser';

const LINE_BREAKS = toRe2Class(
  charSet([
    [0x0a, 0x0d],
    [0x85, 0x85],
    [0x2028, 0x2029],
  ]),
);

/** RE2 patterns equivalent to a Java pattern under partial matching. */
export interface Re2Translation {
  /** Pattern for subjects that do not end with `\r\n`. */
  pattern: string;
  /** Pattern for subjects ending with `\r\n`, when it differs (Java's `$` never matches between them). */
  crlfPattern?: string;
}

/**
 * Translates a Java regex into RE2 with the same partial-match meaning.
 * Throws a ValidationException StoreError naming the problem for invalid or untranslatable patterns.
 * Adds the copies RE2 makes of its repeated parts to `used` (MAX_REGEX_COPIES, expressions.ts).
 */
export function translateJavaRegex(javaPattern: string, used?: { regexCopies: number }): Re2Translation {
  const parser = new Parser(javaPattern);
  const ast = parser.parse();
  checkJoinedRepetitions(ast);
  const whole: Place = { tail: true, crlf: false, first: true, last: true };
  const pattern = fromCharacterBoundaries(emit(ast, whole));
  const crlfPattern = parser.sawTerminatorDollar
    ? fromCharacterBoundaries(emit(ast, { ...whole, crlf: true }))
    : undefined;
  // Each RE2 pattern DuckDB compiles counts: the CRLF variant is a second one.
  if (used) used.regexCopies += repetitionCopies(ast) * (crlfPattern === undefined ? 1 : 2);
  return crlfPattern === undefined || crlfPattern === pattern ? { pattern } : { pattern, crlfPattern };
}

/**
 * NOTE: an unanchored RE2 search (DuckDB's regexp_matches) also tries the positions between the
 * bytes of a UTF-8 character, where `\\B` holds (both neighbours are non-word bytes): `\\B` matched
 * "aéa", where Java finds no position. A lazy prefix of whole characters starts the match at
 * character boundaries only; a pattern led by a bare `\\A` (only a leading `^` of the whole
 * pattern emits one, see anchor()) already starts there. No other assertion holds inside a
 * character, and re2Char() escapes a literal backslash, so `\\B` in the RE2 text is the assertion.
 */
function fromCharacterBoundaries(re2: string): string {
  return re2.includes('\\B') && !re2.startsWith('\\A') ? `\\A(?s:.)*?(?:${re2})` : re2;
}

/** Where a node is emitted. */
interface Place {
  /** Nothing can be matched after it (for `$` and `\R`). */
  tail: boolean;
  /** Emitting the pattern for subjects ending with `\r\n`. */
  crlf: boolean;
  /** Nothing is emitted before it, so RE2 sees it first in the pattern's top-level sequence. */
  first: boolean;
  /** Nothing is emitted after it. */
  last: boolean;
}

const inside = (place: Place, tail: boolean): Place => ({ ...place, tail, first: false, last: false });

/** Whether a node emits no RE2 text at all. */
const emitsNothing = (node: Node): boolean =>
  (node.t === 'seq' && node.items.every(emitsNothing)) || (node.t === 'group' && emitsNothing(node.body));

function emit(node: Node, place: Place): string {
  const assertion = lookCluster(node, place);
  if (assertion !== undefined) return assertion;
  switch (node.t) {
    case 'set':
      return node.set.length === 1 && node.set[0]![0] === node.set[0]![1]
        ? re2Char(node.set[0]![0])
        : toRe2Class(node.set);
    case 'seq':
      return emitSeq(node.items, place);
    case 'alt':
      return node.branches.map((b) => emit(b, inside(place, place.tail))).join('|');
    case 'group': {
      // NOTE: `(?:)` first or last would reach DuckDB's LIKE rewrite as an empty match, which it
      // drops with the `%` beside it (`ab(?:)` became suffix 'ab'; see anchor()).
      const body = emit(node.body, place);
      return body === '' ? '' : `(?:${body})`;
    }
    case 'repeat': {
      const body = `(?:${emit(node.body, inside(place, place.tail && node.max <= 1))})`;
      const max = node.max === Infinity ? '' : String(node.max);
      const count = node.min === node.max ? `{${node.min}}` : `{${node.min},${max}}`;
      return body + count + (node.lazy ? '?' : '');
    }
    case 'assert':
      return anchor(node.re2, place);
    case 'look':
      // Only reached when neither it nor an enclosing zero-width group means an RE2 assertion.
      throw syntax(
        `${node.ahead ? 'Lookahead' : 'Lookbehind'} is a Java regex feature the embedded store cannot evaluate ` +
          `unless it means ^ or $ of a line, \\b or \\B, or precedes a class`,
        node.at,
      );
    case 'linebreak':
      // NOTE: Java's \R is atomic (never `\r` alone before `\n`); without lookahead that is only
      // expressible when nothing follows it.
      if (!place.tail)
        throw syntax(`'\\R' is only supported at the end of the pattern (Java's \\R is atomic)`, node.at);
      return `(?:\\x{d}\\x{a}|${LINE_BREAKS})`;
    case 'dollar':
      if (!place.tail)
        throw syntax(
          `'$' or '\\Z' is only supported at the end of the pattern (use \\z or move it)`,
          node.at,
        );
      if (node.unix) return '\\x{a}?\\z';
      // NOTE: Java's `$` matches before a final terminator but never between `\r` and `\n`, so
      // subjects ending with `\r\n` get a pattern that only skips the pair (see translateJavaRegex).
      return place.crlf ? '(?:\\x{d}\\x{a})?\\z' : `${toRe2Class(LINE_TERMINATORS)}?\\z`;
  }
}

function emitSeq(items: readonly Node[], place: Place): string {
  // noneBefore[k]: items[0..k) emit nothing; noneAfter[k]: items[k..] emit nothing (kept linear).
  const noneBefore = new Array<boolean>(items.length + 1).fill(true);
  const noneAfter = new Array<boolean>(items.length + 1).fill(true);
  for (let k = 0; k < items.length; k++) noneBefore[k + 1] = noneBefore[k]! && emitsNothing(items[k]!);
  for (let k = items.length - 1; k >= 0; k--) noneAfter[k] = noneAfter[k + 1]! && emitsNothing(items[k]!);
  const placeOf = (from: number, to: number): Place => ({
    tail: place.tail && to === items.length,
    crlf: place.crlf,
    first: place.first && noneBefore[from]!,
    last: place.last && noneAfter[to]!,
  });
  let out = '';
  for (let k = 0; k < items.length;) {
    // A run of zero-width items with a lookaround (`(?<=\\w)(?!\\w)`) may mean one RE2 assertion
    // where no item alone does (emit() already tried the whole sequence); each run is tried once.
    let end = k + 1;
    if (isZeroWidth(items[k]!)) while (end < items.length && isZeroWidth(items[end]!)) end++;
    const run = end - k > 1 && end - k < items.length ? items.slice(k, end) : undefined;
    const assertion = run && lookCluster({ t: 'seq', items: run }, placeOf(k, end));
    if (assertion !== undefined) out += assertion;
    else for (let j = k; j < end; j++) out += emit(items[j]!, placeOf(j, j + 1));
    k = end;
  }
  return out;
}

/** Emits a zero-width node holding a lookaround as one RE2 assertion, if one means the same. */
function lookCluster(node: Node, place: Place): string | undefined {
  const re2 = re2Assertion(node);
  return re2 === undefined ? undefined : anchor(re2, place);
}

/**
 * Emits an assertion. NOTE: for `regexp_matches(column, constant)` DuckDB's optimizer rewrites a
 * pattern that RE2 parses as a sequence of literals and `\A`, `\z` or empty matches into LIKE,
 * skipping those anchors wherever they stand: `\A(?:a\Ab)\z` became `= 'ab'` and `a\zb`
 * `contains 'ab'` (DuckDB 1.5, RegexOptimizationRule), while the same call on a literal is right.
 * Only a leading `\A` and a trailing `\z` are read right, so any other is wrapped in a capture,
 * which DuckDB does not rewrite (RE2 still answers match or no match, unchanged).
 */
function anchor(re2: string, place: Place): string {
  if ((re2 === '\\A' && !place.first) || (re2 === '\\z' && !place.last)) return `(${re2})`;
  return re2;
}
