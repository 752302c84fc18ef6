// SPDX-License-Identifier: Apache-2.0
// The character-level half of the RE2 parser: escapes, character classes and repeat counts,
// read exactly as Go's regexp/syntax reads them (the structural half is regex-parse.ts).

import { badRequest } from '../core/errors';
import type { ClassSet, RegexNode } from './regex-ast';
import {
  MAX_CODE_POINT,
  PERL_CLASSES,
  POSIX_CLASSES,
  type Range,
  normalizeRanges,
  unicodeClass,
} from './regex-classes';

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
const isOctal = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x37;
const isAlnum = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const hexValue = (c: number | undefined) => {
  if (c === undefined) return -1;
  if (isDigit(c)) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
};
/** Longest offending piece quoted in an error message; error bodies stay a few lines. */
const MAX_FRAGMENT_CHARS = 100;
/** Longest prefix of the pattern itself quoted in an error message. */
const MAX_PATTERN_CHARS = 200;
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}…` : s);

/** A pattern as error messages quote it: JSON, its first MAX_PATTERN_CHARS characters. */
export const quotePattern = (pattern: string) => JSON.stringify(clip(pattern, MAX_PATTERN_CHARS));

/** The code point of a one-character string. */
export const ch = (s: string) => s.codePointAt(0)!;

/** A cursor over a pattern's code points with the scanning rules shared by the parser. */
export class Re2Scanner {
  protected readonly cps: number[];
  protected i = 0;

  constructor(protected readonly pattern: string) {
    this.cps = Array.from(pattern, (c) => c.codePointAt(0)!);
  }

  protected fail(what: string, fragment?: string): never {
    const detail = fragment === undefined ? what : `${what}: \`${clip(fragment, MAX_FRAGMENT_CHARS)}\``;
    throw badRequest(`invalid regex ${quotePattern(this.pattern)}: ${detail}`);
  }

  protected text(from: number, to: number): string {
    let out = '';
    for (let k = from; k < to; k++) out += String.fromCodePoint(this.cps[k]!);
    return out;
  }

  /** Parses `{n}`, `{n,}` or `{n,m}` at the cursor like Go; undefined means `{` is a literal. */
  protected parseRepeatCounts(): [number, number] | undefined {
    let j = this.i + 1;
    const parseInt = (): number | undefined => {
      if (!isDigit(this.cps[j])) return undefined;
      if (this.cps[j] === ch('0') && isDigit(this.cps[j + 1])) return undefined; // no leading zeros
      let n = 0;
      while (isDigit(this.cps[j])) {
        if (n >= 1e8) n = -1e9; // Go marks overflow; it is then a repeat-size error
        n = n * 10 + this.cps[j]! - 0x30;
        j++;
      }
      return n < 0 ? -1 : n;
    };
    const min = parseInt();
    if (min === undefined) return undefined;
    let max = min;
    if (this.cps[j] === ch(',')) {
      j++;
      if (this.cps[j] === ch('}')) max = -1;
      else {
        const m = parseInt();
        if (m === undefined) return undefined;
        max = m;
        if (m < 0) return this.closeCounts(j, -1, m);
      }
    }
    return this.closeCounts(j, min, max);
  }

  protected closeCounts(j: number, min: number, max: number): [number, number] | undefined {
    if (this.cps[j] !== ch('}')) return undefined;
    this.i = j + 1;
    return [min, max];
  }

  /** Parses `\d \s \w` (and upper-case negations) or `\pX \p{Name}` at the cursor, if present. */
  protected parseClassEscape(): ClassSet | undefined {
    if (this.cps[this.i] !== ch('\\')) return undefined;
    const letter = this.cps[this.i + 1] === undefined ? '' : String.fromCodePoint(this.cps[this.i + 1]!);
    const perl = PERL_CLASSES[letter.toLowerCase()];
    if (
      perl !== undefined &&
      (letter === 'd' ||
        letter === 's' ||
        letter === 'w' ||
        letter === 'D' ||
        letter === 'S' ||
        letter === 'W')
    ) {
      this.i += 2;
      return { ranges: [...perl], props: [], negated: letter !== letter.toLowerCase() };
    }
    if (letter !== 'p' && letter !== 'P') return undefined;
    const start = this.i;
    let negated = letter === 'P';
    let name: string;
    if (this.cps[this.i + 2] === ch('{')) {
      const end = this.cps.indexOf(ch('}'), this.i + 3);
      if (end < 0) this.fail('invalid character class range', this.text(start, this.cps.length));
      name = this.text(this.i + 3, end);
      this.i = end + 1;
    } else {
      name = this.cps[this.i + 2] === undefined ? '' : String.fromCodePoint(this.cps[this.i + 2]!);
      this.i = Math.min(this.cps.length, this.i + 3);
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    const resolved = unicodeClass(name);
    if (resolved === undefined)
      this.fail('invalid character class range (unknown Unicode class)', this.text(start, this.i));
    return resolved.kind === 'ranges'
      ? { ranges: resolved.ranges, props: [], negated }
      : { ranges: [], props: resolved.javaNames, negated };
  }

  /** Parses an escape that denotes one code point (after the cursor's backslash), like Go's parseEscape. */
  protected parseEscape(): number {
    const start = this.i;
    this.i++;
    const c = this.cps[this.i++];
    if (c === undefined) this.fail('trailing backslash at end of expression');
    const bad = (why = 'invalid escape sequence') =>
      this.fail(why, this.text(start, Math.min(this.i, this.cps.length)));
    if (c < 0x80 && !isAlnum(c)) return c;
    if (isOctal(c) && (c === ch('0') || isOctal(this.cps[this.i]))) {
      let r = c - 0x30;
      for (let k = 1; k < 3 && isOctal(this.cps[this.i]); k++) r = r * 8 + this.cps[this.i++]! - 0x30;
      return r;
    }
    if (isDigit(c)) bad('invalid escape sequence (backreferences are not supported by RE2)');
    const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    const letter = String.fromCodePoint(c);
    if (simple[letter] !== undefined) return simple[letter];
    if (letter !== 'x') bad();
    if (this.cps[this.i] === ch('{')) {
      this.i++;
      let r = 0;
      let digits = 0;
      for (;;) {
        const d = this.cps[this.i++];
        if (d === undefined) bad();
        if (d === ch('}')) break;
        const v = hexValue(d);
        if (v < 0) bad();
        r = r * 16 + v;
        if (r > MAX_CODE_POINT) bad();
        digits++;
      }
      if (digits === 0) bad();
      return r;
    }
    const x = hexValue(this.cps[this.i]);
    const y = hexValue(this.cps[this.i + 1]);
    this.i = Math.min(this.cps.length, this.i + 2);
    if (x < 0 || y < 0) bad();
    return x * 16 + y;
  }

  protected parseClass(fold: boolean): RegexNode {
    const start = this.i;
    this.i++;
    let negated = false;
    if (this.cps[this.i] === ch('^')) {
      negated = true;
      this.i++;
    }
    const ranges: Range[] = [];
    const items: ClassSet[] = [];
    let first = true;
    while (first || this.cps[this.i] !== ch(']')) {
      if (this.i >= this.cps.length) this.fail('missing closing ]', this.text(start, this.cps.length));
      first = false;
      if (this.cps[this.i] === ch('[') && this.cps[this.i + 1] === ch(':')) {
        const set = this.parsePosixClass();
        if (set !== undefined) {
          items.push(set);
          continue;
        }
      }
      const escaped = this.parseClassEscape();
      if (escaped !== undefined) {
        items.push(escaped);
        continue;
      }
      const rangeStart = this.i;
      const lo = this.parseClassChar(start);
      let hi = lo;
      if (
        this.cps[this.i] === ch('-') &&
        this.cps[this.i + 1] !== undefined &&
        this.cps[this.i + 1] !== ch(']')
      ) {
        this.i++;
        hi = this.parseClassChar(start);
        if (hi < lo) this.fail('invalid character class range', this.text(rangeStart, this.i));
      }
      ranges.push([lo, hi]);
    }
    this.i++;
    return { kind: 'class', ranges: normalizeRanges(ranges), items, negated, fold };
  }

  protected parseClassChar(classStart: number): number {
    const c = this.cps[this.i];
    if (c === undefined) this.fail('missing closing ]', this.text(classStart, this.cps.length));
    if (c === ch('\\')) return this.parseEscape();
    this.i++;
    return c;
  }

  /** Parses `[:name:]` / `[:^name:]` like Go: the closing `:]` is searched in the whole rest. */
  protected parsePosixClass(): ClassSet | undefined {
    let end = -1;
    for (let j = this.i + 2; j + 1 < this.cps.length; j++) {
      if (this.cps[j] === ch(':') && this.cps[j + 1] === ch(']')) {
        end = j;
        break;
      }
    }
    if (end < 0) return undefined;
    const text = this.text(this.i, end + 2);
    let name = this.text(this.i + 2, end);
    const negated = name.startsWith('^');
    if (negated) name = name.slice(1);
    const ranges = Object.hasOwn(POSIX_CLASSES, name) ? POSIX_CLASSES[name] : undefined;
    if (ranges === undefined) this.fail('invalid character class range', text);
    this.i = end + 2;
    return { ranges: [...ranges], props: [], negated };
  }
}
