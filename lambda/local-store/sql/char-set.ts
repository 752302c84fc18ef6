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
/** The union of a list of sets; spreading a long list into union() overflows the stack. */
export const unionAll = (sets: readonly CharSet[]): CharSet => charSet(sets.flat());

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
 * Kelvin sign and `s` the long s, whose mappings land on them. Alone or in a class, a character
 * whose upper case is its own lower case (`ß`) matches only itself; within a run of literal
 * characters (`inSlice`, Java's SliceU) it too matches the characters mapped onto it (`ẞ`).
 */
export function foldUnicodeChar(cp: number, inSlice = false): CharSet {
  const upper = upperOf(cp);
  const key = lowerOf(upper);
  if (upper === key && !inSlice) return single(cp);
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
 * Scanned JS properties, by JS name (`gc=Lu`, `sc=Latin`, `Alphabetic`): a finite set, however
 * many ways a pattern spells them.
 */
// NOTE: keyed by the pattern's own spelling, every new spelling cost a 40 ms scan of all code
// points and stayed cached for ever, unknown ones too.
const propertyCache = new Map<string, CharSet>();

/** The code points of a JS Unicode property (`gc=Lu`, `Alphabetic`), or undefined if JS lacks it. */
export function jsProperty(name: string): CharSet | undefined {
  const cached = propertyCache.get(name);
  if (cached !== undefined) return cached;
  let re: RegExp;
  try {
    re = new RegExp(`^\\p{${name}}$`, 'u');
  } catch {
    return undefined;
  }
  const set = scan(re);
  propertyCache.set(name, set);
  return set;
}

const js = (name: string): CharSet => jsProperty(name)!;
const gc = (...categories: string[]): CharSet =>
  categories.length === 1 ? js(`gc=${categories[0]}`) : union(...categories.map((c) => js(`gc=${c}`)));
const ALL: CharSet = [[0, MAX_CODE_POINT]];
const CASED = (): CharSet => union(js('Lowercase'), js('Uppercase'), gc('Lt'));
const HEX_DIGIT = (): CharSet =>
  union(
    gc('Nd'),
    charSet([r('0', '9'), r('A', 'F'), r('a', 'f'), [0xff10, 0xff19], [0xff21, 0xff26], [0xff41, 0xff46]]),
  );
const WHITE_SPACE = (): CharSet =>
  union(
    gc('Zs', 'Zl', 'Zp'),
    charSet([
      [0x09, 0x0d],
      [0x85, 0x85],
    ]),
  );
const UNICODE_BLANK = (): CharSet => union(gc('Zs'), single(0x09));
const UNICODE_GRAPH = (): CharSet => negate(gc('Zs', 'Zl', 'Zp', 'Cc', 'Cs', 'Cn'));

type Property = (caseInsensitive: boolean) => CharSet;

/**
 * Java's Unicode binary properties and Unicode POSIX classes by upper-case name, for `\p{IsName}`
 * (CharPredicates.forUnicodeProperty, JDK 25): `\p{IsDigit}` is every decimal digit and
 * `\p{IsPunct}` all of gc=P, while `\p{Digit}` and `\p{Punct}` are ASCII.
 */
const UNICODE_PROPERTIES: Readonly<Record<string, Property>> = {
  ALPHABETIC: () => js('Alphabetic'),
  ASSIGNED: () => js('Assigned'),
  CONTROL: () => gc('Cc'),
  EMOJI: () => js('Emoji'),
  EMOJI_PRESENTATION: () => js('Emoji_Presentation'),
  EMOJI_MODIFIER: () => js('Emoji_Modifier'),
  EMOJI_MODIFIER_BASE: () => js('Emoji_Modifier_Base'),
  EMOJI_COMPONENT: () => js('Emoji_Component'),
  EXTENDED_PICTOGRAPHIC: () => js('Extended_Pictographic'),
  HEXDIGIT: HEX_DIGIT,
  HEX_DIGIT: HEX_DIGIT,
  IDEOGRAPHIC: () => js('Ideographic'),
  JOINCONTROL: () => [[0x200c, 0x200d]],
  JOIN_CONTROL: () => [[0x200c, 0x200d]],
  LETTER: () => gc('L'),
  LOWERCASE: (i) => (i ? CASED() : js('Lowercase')),
  NONCHARACTERCODEPOINT: () => js('Noncharacter_Code_Point'),
  NONCHARACTER_CODE_POINT: () => js('Noncharacter_Code_Point'),
  TITLECASE: (i) => (i ? CASED() : gc('Lt')),
  PUNCTUATION: () => gc('P'),
  UPPERCASE: (i) => (i ? CASED() : js('Uppercase')),
  WHITESPACE: WHITE_SPACE,
  WHITE_SPACE: WHITE_SPACE,
  WORD: () => union(js('Alphabetic'), gc('Mn', 'Me', 'Mc', 'Nd', 'Pc'), [[0x200c, 0x200d]]),
  ALPHA: () => js('Alphabetic'),
  LOWER: (i) => (i ? CASED() : js('Lowercase')),
  UPPER: (i) => (i ? CASED() : js('Uppercase')),
  SPACE: WHITE_SPACE,
  PUNCT: () => gc('P'),
  XDIGIT: HEX_DIGIT,
  ALNUM: () => union(js('Alphabetic'), gc('Nd')),
  CNTRL: () => gc('Cc'),
  DIGIT: () => gc('Nd'),
  BLANK: UNICODE_BLANK,
  GRAPH: UNICODE_GRAPH,
  PRINT: () => intersect(union(UNICODE_GRAPH(), UNICODE_BLANK()), negate(gc('Cc'))),
};

/** Java's general categories under their exact names, read case-insensitively for Lu, Ll and Lt. */
const CATEGORY_NAMES = [
  'Cn',
  'Lu',
  'Ll',
  'Lt',
  'Lm',
  'Lo',
  'Mn',
  'Me',
  'Mc',
  'Nd',
  'Nl',
  'No',
  'Zs',
  'Zl',
  'Zp',
  'Cc',
  'Cf',
  'Co',
  'Cs',
  'Pd',
  'Ps',
  'Pe',
  'Pc',
  'Po',
  'Sm',
  'Sc',
  'Sk',
  'So',
  'Pi',
  'Pf',
  'L',
  'M',
  'N',
  'Z',
  'C',
  'P',
  'S',
  'LC',
];

/** What a Java property name means, resolved as Pattern.family() does. */
export type JavaProperty =
  | { kind: 'set'; set: CharSet }
  /** Java knows it but the store cannot evaluate it (Unicode blocks, java.lang.Character methods). */
  | { kind: 'unsupported'; construct: string }
  /** Java's PatternSyntaxException description. */
  | { kind: 'unknown'; description: string };

const found = (set: CharSet): JavaProperty => ({ kind: 'set', set });

/**
 * Java's case-sensitive property names (CharPredicates.forProperty): general categories, `LD`,
 * `L1`, `all` and the ASCII POSIX classes; `java*` names are refused.
 */
function forProperty(name: string, caseInsensitive: boolean): JavaProperty | undefined {
  if (caseInsensitive && ['Lu', 'Ll', 'Lt'].includes(name)) return found(gc('Lu', 'Ll', 'Lt'));
  if (CATEGORY_NAMES.includes(name)) return found(gc(name));
  if (name === 'LD') return found(union(gc('L'), gc('Nd')));
  if (name === 'L1') return found([[0, 0xff]]);
  if (name === 'all') return found(ALL);
  if (caseInsensitive && (name === 'Lower' || name === 'Upper')) return found(POSIX_CLASSES.Alpha!);
  if (Object.hasOwn(POSIX_CLASSES, name)) return found(POSIX_CLASSES[name]!);
  // Java's list of java.lang.Character methods; none has a JS equivalent.
  if (JAVA_METHOD_PROPERTIES.includes(name))
    return { kind: 'unsupported', construct: `The java.lang.Character class \\p{${name}}` };
  return undefined;
}

const JAVA_METHOD_PROPERTIES = [
  'javaLowerCase',
  'javaUpperCase',
  'javaAlphabetic',
  'javaIdeographic',
  'javaTitleCase',
  'javaDigit',
  'javaDefined',
  'javaLetter',
  'javaLetterOrDigit',
  'javaJavaIdentifierStart',
  'javaJavaIdentifierPart',
  'javaUnicodeIdentifierStart',
  'javaUnicodeIdentifierPart',
  'javaIdentifierIgnorable',
  'javaSpaceChar',
  'javaWhitespace',
  'javaISOControl',
  'javaMirrored',
];

/** Script names whose JS spelling is not the upper-case name in title case. */
const JS_SCRIPT_SPELLINGS: Readonly<Record<string, string>> = { SIGNWRITING: 'SignWriting' };
/** Script aliases JS knows and Java does not. */
const NOT_JAVA_SCRIPTS = new Set(['QAAI', 'QAAC']);

/** Java's Character.UnicodeScript.forName (upper-cased names and 4-letter codes), via JS's `sc=`. */
function forUnicodeScript(name: string): JavaProperty | undefined {
  const upper = name.toUpperCase();
  if (NOT_JAVA_SCRIPTS.has(upper) || !/^[A-Z]+(_[A-Z]+)*$/.test(upper)) return undefined;
  const spelled =
    JS_SCRIPT_SPELLINGS[upper] ??
    upper
      .split('_')
      .map((w) => w[0] + w.slice(1).toLowerCase())
      .join('_');
  const set = jsProperty(`sc=${spelled}`);
  return set === undefined ? undefined : found(set);
}

const block = (name: string): JavaProperty => ({
  kind: 'unsupported',
  construct: `The Unicode block \\p{${name}}`,
});

/**
 * Resolves what `\p{name}` means to Java (Pattern.family, JDK 25) with the JS engine's Unicode
 * tables: `name=value` for sc, script, gc, general_category (value case-sensitive) and blocks;
 * `In` for blocks; `Is` for binary properties and Unicode POSIX classes (any case), then
 * categories, then scripts (any case); otherwise categories and ASCII POSIX classes.
 */
export function javaProperty(name: string, caseInsensitive: boolean): JavaProperty {
  const eq = name.indexOf('=');
  if (eq >= 0) {
    const key = name.slice(0, eq).toLowerCase();
    const value = name.slice(eq + 1);
    const resolved =
      key === 'sc' || key === 'script'
        ? forUnicodeScript(value)
        : key === 'gc' || key === 'general_category'
          ? forProperty(value, caseInsensitive)
          : key === 'blk' || key === 'block'
            ? block(name)
            : undefined;
    return (
      resolved ?? {
        kind: 'unknown',
        description: `Unknown Unicode property {name=<${key}>, value=<${value}>}`,
      }
    );
  }
  let resolved: JavaProperty | undefined;
  if (name.startsWith('In')) resolved = block(name);
  else if (name.startsWith('Is')) {
    const short = name.slice(2);
    const unicode = Object.hasOwn(UNICODE_PROPERTIES, short.toUpperCase())
      ? UNICODE_PROPERTIES[short.toUpperCase()]
      : undefined;
    resolved = unicode
      ? found(unicode(caseInsensitive))
      : (forProperty(short, caseInsensitive) ?? forUnicodeScript(short));
  } else resolved = forProperty(name, caseInsensitive);
  return resolved ?? { kind: 'unknown', description: `Unknown character property name {${name}}` };
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
