// SPDX-License-Identifier: Apache-2.0
// Code-point sets for the Java regex translator: Java's predefined and POSIX classes, Unicode
// properties, case folding, set algebra, and rendering as an RE2 character class. Sets are kept as
// sorted, disjoint, inclusive [lo, hi] ranges so negation and `&&` intersection are exact.

export type CharSet = readonly (readonly [number, number])[];

/** Largest Unicode code point. */
export const MAX_CODE_POINT = 0x10ffff;

/** Builds a set from possibly overlapping ranges. */
export function charSet(ranges: readonly (readonly [number, number])[]): CharSet {
  const sorted = [...ranges].filter(([lo, hi]) => lo <= hi).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export const single = (cp: number): CharSet => [[cp, cp]];
export const union = (...sets: CharSet[]): CharSet => charSet(sets.flat());

/** Complements a set within [0, MAX_CODE_POINT]. */
export function negate(set: CharSet): CharSet {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of set) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

export function intersect(a: CharSet, b: CharSet): CharSet {
  return negate(union(negate(a), negate(b)));
}

/** Adds the ASCII case counterparts (Java CASE_INSENSITIVE without UNICODE_CASE). */
export function foldAsciiCase(set: CharSet): CharSet {
  const extra: [number, number][] = [];
  for (const [lo, hi] of set) {
    for (const [from, to, delta] of [
      [0x61, 0x7a, -32],
      [0x41, 0x5a, 32],
    ] as const) {
      const a = Math.max(lo, from);
      const b = Math.min(hi, to);
      if (a <= b) extra.push([a + delta, b + delta]);
    }
  }
  return union(set, extra);
}

/** A code point whose simple upper-case mapping or upper-then-lower mapping is another one. */
interface CaseRow {
  cp: number;
  upper: number;
  /** Character.toLowerCase(Character.toUpperCase(cp)): what Java's UNICODE_CASE compares. */
  folded: number;
}

/** Last code point walked for case mappings: every cased letter is below it (Adlam ends at U+1E943). */
const LAST_CASED = 0x1ffff;
let caseRows: CaseRow[] | undefined;
/** The cased code points by their upper-then-lower mapping, for foldUnicodeChar. */
let byFolded: Map<number, number[]> | undefined;

/**
 * Java's simple case mapping from JavaScript's: its full mapping when that is one code point, else
 * none (`ß` has no simple upper case); U+0130 is the one full mapping of two code points whose
 * simple mapping Java uses (`İ` lower-cases to `i`).
 */
function simpleCase(cp: number, mapped: string): number {
  const first = mapped.codePointAt(0)!;
  if (mapped.length === (first > 0xffff ? 2 : 1)) return first;
  return cp === 0x130 ? 0x69 : cp;
}
const lowerOf = (cp: number) => simpleCase(cp, String.fromCodePoint(cp).toLowerCase());

/** Titlecase letters (gc=Lt) by their lower case, for upperOf; built on first use. */
let titlecaseByLower: Map<number, number> | undefined;

/**
 * Java's simple upper case. Where the full upper case is longer than one code point, the simple
 * one is still a single letter when a titlecase letter lower-cases to `cp`: the Greek letters with
 * ypogegrammeni (`ᾀ` upper-cases to `ἈΙ` in full but to `ᾈ` simply, and `ᾳ` to `ᾼ`), 27 of them;
 * otherwise (`ß`, `ŉ`, `ǰ`, `ﬀ`) there is none.
 */
function upperOf(cp: number): number {
  const mapped = String.fromCodePoint(cp).toUpperCase();
  const first = mapped.codePointAt(0)!;
  if (mapped.length === (first > 0xffff ? 2 : 1)) return first;
  if (titlecaseByLower === undefined) {
    titlecaseByLower = new Map();
    const titlecase = /\p{Lt}/u;
    for (let t = 0; t <= LAST_CASED; t++) {
      if (t >= 0xd800 && t <= 0xdfff) continue;
      const letter = String.fromCodePoint(t);
      if (titlecase.test(letter)) titlecaseByLower.set(simpleCase(t, letter.toLowerCase()), t);
    }
  }
  return titlecaseByLower.get(cp) ?? cp;
}

/** The cased code points, walked once on first use (~130 k code points, tens of ms). */
function cased(): readonly CaseRow[] {
  if (caseRows !== undefined) return caseRows;
  const rows: CaseRow[] = [];
  for (let cp = 0; cp <= LAST_CASED; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const upper = upperOf(cp);
    const folded = lowerOf(upper);
    if (upper !== cp || folded !== cp) rows.push({ cp, upper, folded });
  }
  byFolded = new Map();
  for (const row of rows) {
    const same = byFolded.get(row.folded);
    if (same === undefined) byFolded.set(row.folded, [row.cp]);
    else same.push(row.cp);
  }
  return (caseRows = rows);
}

/**
 * Java UNICODE_CASE for one character, as a literal or a class member (Pattern.single, SliceU): it
 * matches every character whose upper-then-lower mapping equals its own, so `k` also matches the
 * Kelvin sign and `s` the long s, whose mappings land on them; an uncased character only itself.
 */
export function foldUnicodeChar(cp: number): CharSet {
  const upper = upperOf(cp);
  const key = lowerOf(upper);
  if (upper === key) return single(cp);
  const out: [number, number][] = [
    [cp, cp],
    [key, key],
  ];
  cased();
  for (const other of byFolded!.get(key) ?? []) out.push([other, other]);
  return charSet(out);
}

/**
 * Java UNICODE_CASE for a class range (Pattern.CIRangeU): a character in the range, or whose upper
 * case, or upper-then-lower case, is in it. Not what its characters one by one would give: `[J-L]`
 * does not match the Kelvin sign (its mappings give itself and `k`), while `K` and `[K]` do.
 */
export function foldUnicodeRange(lo: number, hi: number): CharSet {
  const out: [number, number][] = [[lo, hi]];
  for (const row of cased())
    if ((row.upper >= lo && row.upper <= hi) || (row.folded >= lo && row.folded <= hi))
      out.push([row.cp, row.cp]);
  return charSet(out);
}

const r = (lo: string, hi: string = lo): [number, number] => [lo.codePointAt(0)!, hi.codePointAt(0)!];
const DIGIT = charSet([r('0', '9')]);
const LOWER = charSet([r('a', 'z')]);
const UPPER = charSet([r('A', 'Z')]);
const ALPHA = union(LOWER, UPPER);
const ALNUM = union(ALPHA, DIGIT);
const PUNCT = charSet([r('!', '/'), r(':', '@'), r('[', '`'), r('{', '~')]);
const GRAPH = union(ALNUM, PUNCT);
const SPACE = charSet([r(' '), [0x09, 0x0d]]);

/** Java's ASCII predefined classes (`\d`, `\w`, ...) by escape letter, without UNICODE_CHARACTER_CLASS. */
export const ESCAPE_CLASSES: Readonly<Record<string, CharSet>> = {
  d: DIGIT,
  w: union(ALNUM, single(0x5f)),
  s: SPACE,
  h: charSet([
    [0x20, 0x20],
    [0x09, 0x09],
    [0xa0, 0xa0],
    [0x1680, 0x1680],
    [0x180e, 0x180e],
    [0x2000, 0x200a],
    [0x202f, 0x202f],
    [0x205f, 0x205f],
    [0x3000, 0x3000],
  ]),
  v: charSet([
    [0x0a, 0x0d],
    [0x85, 0x85],
    [0x2028, 0x2029],
  ]),
};

/** Java's POSIX character classes (`\p{Alpha}`, ...), US-ASCII only as Java defines them. */
export const POSIX_CLASSES: Readonly<Record<string, CharSet>> = {
  Lower: LOWER,
  Upper: UPPER,
  ASCII: charSet([[0, 0x7f]]),
  Alpha: ALPHA,
  Digit: DIGIT,
  Alnum: ALNUM,
  Punct: PUNCT,
  Graph: GRAPH,
  Print: union(GRAPH, single(0x20)),
  Blank: charSet([r(' '), [0x09, 0x09]]),
  Cntrl: charSet([
    [0, 0x1f],
    [0x7f, 0x7f],
  ]),
  XDigit: charSet([r('0', '9'), r('a', 'f'), r('A', 'F')]),
  Space: SPACE,
};

/** Java's line terminators, excluded by `.` without DOTALL. */
export const LINE_TERMINATORS = charSet([
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x85, 0x85],
  [0x2028, 0x2029],
]);

/**
 * Scanned properties, by the JS property name that matched (`gc=Lu`, `sc=Latin`): a finite set,
 * however many ways a pattern spells them (`IsLu`, `general_category=Lu`, `GC=Lu`, ...).
 */
// NOTE: keyed by the pattern's own spelling, every new spelling cost a 40 ms scan of all code
// points and stayed cached for ever, unknown ones too.
const propertyCache = new Map<string, CharSet>();

/**
 * Resolves a Unicode property as Java names it (`L`, `Lu`, `IsL`, `gc=Lu`, `IsLatin`, `sc=Latin`,
 * `script=Latin`, `IsAlphabetic`), using the JS engine's Unicode tables; `undefined` if unknown.
 * Java's `In<Block>` and `java*` properties have no JS equivalent and are reported unknown.
 */
export function unicodeProperty(name: string): CharSet | undefined {
  for (const candidate of propertyCandidates(name)) {
    const cached = propertyCache.get(candidate);
    if (cached !== undefined) return cached;
    let re: RegExp;
    try {
      re = new RegExp(`^\\p{${candidate}}$`, 'u');
    } catch {
      continue;
    }
    const set = scan(re);
    propertyCache.set(candidate, set);
    return set;
  }
  return undefined;
}

/** The JS property names a Java property name may mean, in the order Java resolves them. */
function propertyCandidates(name: string): string[] {
  const candidates: string[] = [];
  const eq = /^(gc|general_category|sc|script|scx?)=(.+)$/i.exec(name);
  if (eq) {
    const key = eq[1]!.toLowerCase().startsWith('g') ? 'gc' : 'sc';
    candidates.push(`${key}=${eq[2]}`);
  } else if (name.startsWith('Is')) {
    const rest = name.slice(2);
    candidates.push(`gc=${rest}`, `sc=${rest}`, binaryPropertyName(rest));
  } else if (!name.startsWith('In') && !name.startsWith('java')) {
    candidates.push(`gc=${name}`);
  }
  return candidates;
}

// Java spells binary properties case-insensitively with optional underscores (IsWhite_Space, IsWhiteSpace).
const BINARY_PROPERTIES = [
  'Alphabetic',
  'Ideographic',
  'Letter',
  'Lowercase',
  'Uppercase',
  'Titlecase',
  'Punctuation',
  'Control',
  'White_Space',
  'Digit',
  'Hex_Digit',
  'Join_Control',
  'Noncharacter_Code_Point',
  'Assigned',
  'Emoji',
];
function binaryPropertyName(name: string): string {
  const key = name.replaceAll('_', '').toLowerCase();
  const map: Record<string, string> = {
    letter: 'L',
    punctuation: 'P',
    control: 'Cc',
    digit: 'Nd',
    assigned: 'Assigned',
  };
  const found = BINARY_PROPERTIES.find((p) => p.replaceAll('_', '').toLowerCase() === key);
  if (!found) return name;
  return map[key] ? `gc=${map[key]}` : found;
}

function scan(re: RegExp): CharSet {
  const out: [number, number][] = [];
  let start = -1;
  for (let cp = 0; cp <= MAX_CODE_POINT + 1; cp++) {
    const hit = cp <= MAX_CODE_POINT && !(cp >= 0xd800 && cp <= 0xdfff) && re.test(String.fromCodePoint(cp));
    if (hit && start < 0) start = cp;
    if (!hit && start >= 0) {
      out.push([start, cp - 1]);
      start = -1;
    }
  }
  return charSet(out);
}

/** Renders a set as an RE2 class; the empty set becomes a class that matches nothing. */
export function toRe2Class(set: CharSet): string {
  if (set.length === 0) return `[^\\x{0}-\\x{10FFFF}]`;
  const parts = set.map(([lo, hi]) => (lo === hi ? re2Char(lo) : `${re2Char(lo)}-${re2Char(hi)}`));
  return `[${parts.join('')}]`;
}

/** Renders one code point for an RE2 pattern, escaped unless it is a plain ASCII letter or digit. */
export function re2Char(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) {
    return String.fromCodePoint(cp);
  }
  return `\\x{${cp.toString(16)}}`;
}
