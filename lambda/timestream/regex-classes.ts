// SPDX-License-Identifier: Apache-2.0
// Character sets of the RE2 dialect Prometheus uses (Go regexp/syntax with Perl flags): code point
// range sets, the ASCII Perl and POSIX classes, and the Unicode class names RE2 accepts.

/** Inclusive code point range. */
export type Range = readonly [number, number];

/** The largest Unicode code point; RE2 rejects `\x{...}` above it. */
export const MAX_CODE_POINT = 0x10ffff;

/** Sorts and merges ranges into the canonical form (ascending, disjoint, non-adjacent). */
export function normalizeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) {
      if (hi > last[1]) last[1] = hi;
    } else {
      out.push([lo, hi]);
    }
  }
  return out;
}

/** Returns the complement of canonical ranges within [0, MAX_CODE_POINT]. */
export function negateRanges(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of normalizeRanges(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

const r = (a: string, b: string = a): Range => [a.codePointAt(0)!, b.codePointAt(0)!];

const DIGIT: Range[] = [r('0', '9')];
const SPACE_PERL: Range[] = [r('\t', '\n'), r('\f', '\r'), r(' ')];
const WORD: Range[] = [r('0', '9'), r('A', 'Z'), r('_'), r('a', 'z')];

/** RE2's Perl classes `\d \s \w`: ASCII only (`\s` is `[\t\n\f\r ]`, without `\v`, unlike Java). */
export const PERL_CLASSES: Readonly<Record<string, readonly Range[]>> = { d: DIGIT, s: SPACE_PERL, w: WORD };

/** RE2's POSIX classes `[[:name:]]`, all ASCII (regexp/syntax perl_groups.go). */
export const POSIX_CLASSES: Readonly<Record<string, readonly Range[]>> = {
  alnum: [r('0', '9'), r('A', 'Z'), r('a', 'z')],
  alpha: [r('A', 'Z'), r('a', 'z')],
  ascii: [[0, 0x7f]],
  blank: [r('\t'), r(' ')],
  cntrl: [
    [0, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: DIGIT,
  graph: [r('!', '~')],
  lower: [r('a', 'z')],
  print: [r(' ', '~')],
  punct: [r('!', '/'), r(':', '@'), r('[', '`'), r('{', '~')],
  space: [r('\t', '\r'), r(' ')],
  upper: [r('A', 'Z')],
  word: WORD,
  xdigit: [r('0', '9'), r('A', 'F'), r('a', 'f')],
};

/**
 * Go's unicode.Categories keys (what `\p{..}` accepts besides scripts and `Any`). Go's `C` is
 * Cc|Cf|Co|Cs without unassigned code points, so it is emitted as those four for Java.
 */
const CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(
    ' ',
  ),
);

/** A Unicode class resolved for Java: a union of Java `\p{..}` names, or explicit ranges. */
export type UnicodeClass = { kind: 'props'; javaNames: string[] } | { kind: 'ranges'; ranges: Range[] };

/**
 * Resolves an RE2 Unicode class name (`L`, `Greek`, `Any`) or returns undefined when RE2 rejects it.
 * Script names are checked against the Unicode data of this Node (RE2 accepts long names only;
 * short aliases such as `Grek` slip through: documented deviation).
 */
export function unicodeClass(name: string): UnicodeClass | undefined {
  if (name === 'Any') return { kind: 'ranges', ranges: [[0, MAX_CODE_POINT]] };
  if (name === 'C') return { kind: 'props', javaNames: ['Cc', 'Cf', 'Co', 'Cs'] };
  if (CATEGORIES.has(name)) return { kind: 'props', javaNames: [name] };
  if (!/^[A-Za-z][A-Za-z_]*$/.test(name)) return undefined;
  try {
    new RegExp(`\\p{Script=${name}}`, 'u');
  } catch {
    return undefined;
  }
  return { kind: 'props', javaNames: [`Is${name}`] };
}
