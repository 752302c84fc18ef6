// SPDX-License-Identifier: Apache-2.0
// Translates Prometheus' fully anchored RE2 matchers into java.util.regex patterns that mean the
// same under Timestream's partial-match REGEXP_LIKE, re-emitted from a parse tree (never by
// string replacement) in a small, explicit subset of Java syntax.

import { badRequest } from '../core/errors';
import { foldOrbit, foldPartners, foldRanges } from './case-fold';
import type { ClassSet, RegexNode } from './regex-ast';
import { literalAlternatives, nodeMatchesEmpty, nodeMayMatchEmpty } from './regex-ast';
import { type Range, negateRanges, normalizeRanges } from './regex-classes';
import { parseRe2 } from './regex-parse';
import { quotePattern } from './regex-scan';

/** What the SQL builder needs to know about one RE2 matcher value. */
export interface Re2Translation {
  /** The anchored Java pattern: `^(?:…)\z`. */
  javaRegex: string;
  /** Whether the anchored pattern matches "" (so an absent label matches too). */
  matchesEmpty: boolean;
  /** Whether it matches every string (`(?s).*`), so it constrains nothing. */
  matchesAll: boolean;
  /** The exact strings it matches when that set is small and literal (`a|b`), else undefined. */
  literals: string[] | undefined;
}

/**
 * Most characters of spelled-out text in one Java pattern: Timestream takes at most 262 144
 * characters of SQL, and what the translation spells out can make a short pattern far longer:
 * classes and case folding (`(?i)\\P{Lu}` lists every lower-case letter with an upper-case
 * partner), word boundaries (about 70 characters each) and the written-out iterations of a
 * repeat whose body may match empty (`(?:x|^){1000}` holds `x` a thousand times).
 */
export const MAX_JAVA_CLASS_CHARS = 262_144;
/** Characters spelled-out text may still take in the pattern being emitted. */
let classBudget = 0;

/** Thrown by spend() when a pattern's spelled-out text outgrows MAX_JAVA_CLASS_CHARS. */
class ClassBudgetExceeded extends Error {}

/** Counts `chars` characters against the pattern's budget. @throws ClassBudgetExceeded */
function charge(chars: number): void {
  classBudget -= chars;
  if (classBudget < 0) throw new ClassBudgetExceeded();
}

/** Counts `text` against the pattern's budget. @throws ClassBudgetExceeded */
function spend(text: string): string {
  charge(text.length);
  return text;
}

/** Parses `re2` once and returns its Java form and the facts the SQL builder uses; throws badRequest. */
export function translateRe2(re2: string): Re2Translation {
  const root = parseRe2(re2);
  classBudget = MAX_JAVA_CLASS_CHARS;
  let body: string;
  try {
    body = emit(root);
  } catch (error) {
    if (!(error instanceof ClassBudgetExceeded)) throw error;
    throw badRequest(
      `regex too large for Timestream ${quotePattern(re2)}: spelled out in Java (classes, case folding, word boundaries, repeats) it takes over ${MAX_JAVA_CLASS_CHARS} characters`,
    );
  }
  return {
    javaRegex: `^(?:${body})\\z`,
    matchesEmpty: nodeMatchesEmpty(root),
    matchesAll: isDotNLStar(root),
    literals: literalAlternatives(root),
  };
}

/** Returns the anchored Java pattern for a Prometheus RE2 matcher value; throws badRequest naming what cannot be translated. */
export function re2ToJavaRegex(re2: string): string {
  return translateRe2(re2).javaRegex;
}

/** Returns whether the fully anchored RE2 pattern matches "" (then an absent label matches too). */
export function matchesEmpty(re2: string): boolean {
  return nodeMatchesEmpty(parseRe2(re2));
}

function isDotNLStar(node: RegexNode): boolean {
  if (node.kind === 'group') return isDotNLStar(node.sub);
  return (
    node.kind === 'repeat' && node.min === 0 && node.max === -1 && node.sub.kind === 'dot' && node.sub.dotNL
  );
}

// RE2's \b and \B are ASCII; Java's \b differs between versions, so both are spelled out.
const WORD = '[0-9A-Za-z_]';
const ASSERTS: Readonly<Record<string, string>> = {
  beginText: '^',
  endText: '\\z',
  // RE2 (?m) lines end at \n only; Java's (?m) also at \r, \u0085, \u2028, \u2029 (and never
  // matches ^ after a final \n), so line anchors become lookarounds on \n.
  beginLine: '(?<![^\\n])',
  endLine: '(?![^\\n])',
  wordBoundary: `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`,
  noWordBoundary: `(?:(?<=${WORD})(?=${WORD})|(?<!${WORD})(?!${WORD}))`,
};

const NAMED_ESCAPES: Readonly<Record<number, string>> = { 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
const SPECIAL_OUTSIDE = '\\^$.|?*+()[]{}';
// Inside a Java class `[` nests, `&&` intersects, `^` negates and `-` ranges: all escaped.
const SPECIAL_INSIDE = '\\[]^-&';

/** Control, format, unassigned, private-use and separator characters: spelled as escapes. */
const INVISIBLE = /[\p{C}\p{Z}]/u;

/** Spells one code point for Java, escaping metacharacters and anything invisible. */
function javaChar(cp: number, inClass: boolean): string {
  if (cp < 0x80) {
    const named = NAMED_ESCAPES[cp];
    if (named !== undefined) return named;
    if (cp < 0x20 || cp === 0x7f) return hexEscape(cp);
    const c = String.fromCharCode(cp);
    return (inClass ? SPECIAL_INSIDE : SPECIAL_OUTSIDE).includes(c) ? `\\${c}` : c;
  }
  const c = String.fromCodePoint(cp);
  return INVISIBLE.test(c) ? hexEscape(cp) : c;
}

const hexEscape = (cp: number) => `\\x{${cp.toString(16).toUpperCase()}}`;

/** A literal under RE2's `(?i)`: the class of its case folding orbit (case-fold.ts), never Java's i flag. */
function foldedLiteral(cp: number): string {
  const orbit = foldOrbit(cp);
  if (orbit.length === 1) return javaChar(cp, false);
  return spend(`[${rangesBody(normalizeRanges(orbit.map((c): Range => [c, c])))}]`);
}

function emit(node: RegexNode): string {
  switch (node.kind) {
    case 'empty':
      return '';
    case 'literal':
      return node.fold ? foldedLiteral(node.cp) : javaChar(node.cp, false);
    case 'dot':
      return node.dotNL ? '[\\s\\S]' : '[^\\n]';
    case 'assert':
      return spend(ASSERTS[node.what]!);
    case 'class':
      return emitClass(node);
    case 'group':
      return `(?:${emit(node.sub)})`;
    case 'alt':
      return node.subs.map(emit).join('|');
    case 'concat':
      return emitConcat(node.subs);
    case 'repeat':
      return emitRepeat(node);
  }
}

function emitConcat(subs: readonly RegexNode[]): string {
  let out = '';
  for (const sub of subs) out += sub.kind === 'alt' ? `(?:${emit(sub)})` : emit(sub);
  return out;
}

function isZeroWidth(node: RegexNode): boolean {
  if (node.kind === 'group') return isZeroWidth(node.sub);
  return node.kind === 'empty' || node.kind === 'assert';
}

function emitRepeat(node: Extract<RegexNode, { kind: 'repeat' }>): string {
  // Repeating an assertion is the assertion once (or nothing when it may repeat zero times);
  // spelled that way it avoids Java's special cases for quantified zero-width groups.
  if (isZeroWidth(node.sub)) return node.min === 0 ? '' : emit(node.sub);
  const sub = node.sub;
  const single = sub.kind === 'dot' || sub.kind === 'class' || sub.kind === 'group' || sub.kind === 'literal';
  const atom = single ? emit(sub) : `(?:${emit(sub)})`;
  const lazy = node.lazy ? '?' : '';
  if (node.min >= 2 && nodeMayMatchEmpty(sub)) {
    // Java stops a loop after an iteration that matched empty, even below the minimum count, so
    // (?:a|^){2} would not match "a". Mandatory iterations are written out; optional ones may
    // stop early harmlessly (an empty iteration can always be dropped).
    const optional = node.max === -1 || node.max > node.min;
    // Every copy after the first repeats the body's text (checked before it is built: up to a
    // thousand copies of a 64 KiB body).
    charge(atom.length * (node.min - 1 + (optional ? 1 : 0)));
    const tail =
      node.max === -1
        ? `${atom}*${lazy}`
        : node.max > node.min
          ? `${atom}{0,${node.max - node.min}}${lazy}`
          : '';
    return atom.repeat(node.min) + tail;
  }
  let quantifier: string;
  if (node.min === 0 && node.max === -1) quantifier = '*';
  else if (node.min === 1 && node.max === -1) quantifier = '+';
  else if (node.min === 0 && node.max === 1) quantifier = '?';
  else if (node.max === -1) quantifier = `{${node.min},}`;
  else if (node.min === node.max) quantifier = `{${node.min}}`;
  else quantifier = `{${node.min},${node.max}}`;
  // Greediness never changes whether an anchored pattern matches; it is kept for readability.
  return atom + quantifier + lazy;
}

function rangesBody(ranges: readonly Range[]): string {
  // Joined once, not appended piece by piece: a class of hundreds of ranges is kept (spelledClasses)
  // and a rope of that many pieces would make every collection walk them.
  const parts: string[] = [];
  for (const [lo, hi] of ranges) {
    parts.push(javaChar(lo, true));
    if (hi > lo + 1) parts.push('-');
    if (hi > lo) parts.push(javaChar(hi, true));
  }
  return parts.join('');
}

const propRef = (name: string, negated: boolean) => `\\${negated ? 'P' : 'p'}{${name}}`;

/**
 * Classes already spelled out, by their parse: a `(?i)` class or property costs tens to hundreds
 * of microseconds to fold and spell (`(?i)\p{Lu}` lists some 600 ranges), and the same classes
 * come back in every matcher of a dashboard's reads. Bounded by the text it keeps.
 */
const spelledClasses = new Map<string, string>();
let spelledChars = 0;
const SPELLED_CLASSES_MAX_CHARS = 4 * 1024 * 1024;

function emitClass(node: Extract<RegexNode, { kind: 'class' }>): string {
  const key = JSON.stringify(node);
  let out = spelledClasses.get(key);
  if (out === undefined) {
    out = spellClass(node);
    const chars = out.length + key.length;
    // A class as large as a whole pattern's budget is not kept: it may never fit in a query, and
    // one past SPELLED_CLASSES_MAX_CHARS would be held, alone and whole, until another came.
    if (chars <= MAX_JAVA_CLASS_CHARS) {
      if (spelledChars + chars > SPELLED_CLASSES_MAX_CHARS) {
        spelledClasses.clear();
        spelledChars = 0;
      }
      spelledClasses.set(key, out);
      spelledChars += chars;
    }
  }
  return spend(out);
}

function spellClass(node: Extract<RegexNode, { kind: 'class' }>): string {
  // RE2 folds every part of a class before it negates the part or the whole.
  const ranges: Range[] = node.fold ? foldRanges(node.ranges) : [...node.ranges];
  const props: string[] = [];
  const nested: string[] = []; // bodies of negated nested classes
  for (const item of node.items) addItem(item, node.fold, ranges, props, nested);
  const flat = rangesBody(normalizeRanges(ranges)) + props.join('');
  let out: string;
  if (flat === '' && nested.length === 1) {
    // A lone negated set: [^X] as it is, or X itself when the class negates it again.
    out = node.negated ? `[${nested[0]}]` : `[^${nested[0]}]`;
  } else {
    const body = flat + nested.map((b) => `[^${b}]`).join('');
    if (body === '') out = node.negated ? '[\\s\\S]' : '[^\\s\\S]';
    // Java versions disagree on whether a leading ^ also negates nested classes, so a negated
    // class with nested parts is written as the intersection of its complements, which is still
    // one atom (a quantifier after "not this class, then any code point" took only the latter).
    else if (node.negated && nested.length > 0)
      out = `[${[...nested.map((b) => `[${b}]`), ...(flat === '' ? [] : [`[^${flat}]`])].join('&&')}]`;
    else out = `[${node.negated ? '^' : ''}${body}]`;
  }
  return out;
}

function addItem(item: ClassSet, folded: boolean, ranges: Range[], props: string[], nested: string[]): void {
  if (item.props.length === 0) {
    const set = folded ? foldRanges(item.ranges) : item.ranges;
    ranges.push(...(item.negated ? negateRanges(set) : set));
    return;
  }
  // One property's partners are canonical already (and shared): only a union needs sorting.
  const partners = !folded
    ? []
    : item.props.length === 1
      ? foldPartners(item.props[0]!)
      : normalizeRanges(item.props.flatMap(foldPartners));
  if (!item.negated) {
    props.push(...item.props.map((p) => propRef(p, false)));
    ranges.push(...partners);
  } else if (item.props.length === 1 && partners.length === 0) {
    props.push(propRef(item.props[0]!, true));
  } else {
    nested.push(item.props.map((p) => propRef(p, false)).join('') + rangesBody(partners));
  }
}
