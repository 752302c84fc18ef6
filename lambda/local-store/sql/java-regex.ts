// SPDX-License-Identifier: Apache-2.0
// Translates a Java `java.util.regex` pattern (what Timestream's REGEXP_LIKE evaluates) into RE2
// syntax for DuckDB's linear-time `regexp_matches`, preserving Java's meaning exactly or refusing.
//
// Choice: translation (not a JS UDF) keeps matching linear-time and lets DuckDB push filters down.
// Exact: literals, quantified anchors, classes incl. nesting, `&&`, negation of the whole class (JDK 9+), `[[:alpha:]]`
// read as Java reads it (a union of `[`, `:`, letters), ASCII `\d\w\s\h\v`, POSIX `\p{Alpha}`, Unicode
// properties, `\Q..\E`, `.` without DOTALL excluding all five line terminators, `$`/`\Z` before a
// final terminator (never between `\r\n`), `\z`, `(?idmsux-idmsux)` and scoped `(?i:..)`, named groups.
// Refused with a message naming the construct (RE2 cannot express them): lookaround, atomic groups,
// possessive quantifiers, backreferences, `\G`, `\X`, `(?U)`, `^`/`$` under MULTILINE, `$` not at
// the end of the pattern, `\R` not at the end, repetition counts above 1000. Gaps: `(?iu)` uses simple
// per-code-point case mapping; `\b` is ASCII (JDK 19+ semantics).
import { LINE_TERMINATORS, charSet, re2Char, toRe2Class } from './char-set';
import { Parser, syntax, type Node } from './java-regex-parser';

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
 */
export function translateJavaRegex(javaPattern: string): Re2Translation {
  const parser = new Parser(javaPattern);
  const ast = parser.parse();
  const pattern = emit(ast, true, false);
  const crlfPattern = parser.sawTerminatorDollar ? emit(ast, true, true) : undefined;
  return crlfPattern === undefined || crlfPattern === pattern ? { pattern } : { pattern, crlfPattern };
}

function emit(node: Node, tail: boolean, crlf: boolean): string {
  switch (node.t) {
    case 'set':
      return node.set.length === 1 && node.set[0]![0] === node.set[0]![1]
        ? re2Char(node.set[0]![0])
        : toRe2Class(node.set);
    case 'seq':
      return node.items.map((item, k) => emit(item, tail && k === node.items.length - 1, crlf)).join('');
    case 'alt':
      return node.branches.map((b) => emit(b, tail, crlf)).join('|');
    case 'group':
      return `(?:${emit(node.body, tail, crlf)})`;
    case 'repeat': {
      const body = `(?:${emit(node.body, tail && node.max <= 1, crlf)})`;
      const max = node.max === Infinity ? '' : String(node.max);
      const count = node.min === node.max ? `{${node.min}}` : `{${node.min},${max}}`;
      return body + count + (node.lazy ? '?' : '');
    }
    case 'assert':
      return node.re2;
    case 'linebreak':
      // NOTE: Java's \R is atomic (never `\r` alone before `\n`); without lookahead that is only
      // expressible when nothing follows it.
      if (!tail)
        throw syntax(`'\\R' is only supported at the end of the pattern (Java's \\R is atomic)`, node.at);
      return `(?:\\x{d}\\x{a}|${LINE_BREAKS})`;
    case 'dollar':
      if (!tail)
        throw syntax(
          `'$' or '\\Z' is only supported at the end of the pattern (use \\z or move it)`,
          node.at,
        );
      if (node.unix) return '\\x{a}?\\z';
      // NOTE: Java's `$` matches before a final terminator but never between `\r` and `\n`, so
      // subjects ending with `\r\n` get a pattern that only skips the pair (see translateJavaRegex).
      return crlf ? '(?:\\x{d}\\x{a})?\\z' : `${toRe2Class(LINE_TERMINATORS)}?\\z`;
  }
}
