// SPDX-License-Identifier: Apache-2.0
// Parses a Java `java.util.regex` pattern into a small AST of code-point sets, sequences,
// alternations, repeats and anchors, applying Java's flags (`(?idmsux)`) while parsing; throws
// Java's PatternSyntaxException reasons as ValidationExceptions. Emission to RE2 is java-regex.ts.
import { validation, type StoreError } from '../errors';
import {
  ESCAPE_CLASSES,
  LINE_TERMINATORS,
  foldAsciiCase,
  foldUnicodeChar,
  foldUnicodeRange,
  intersect,
  javaProperty,
  negate,
  single,
  union,
  unionAll,
  type CharSet,
} from './char-set';
import { oneCodePoint } from './java-lookaround';

/** RE2's largest repetition count. */
const MAX_REPEAT = 1000;
/**
 * Deepest nesting of groups and classes the store translates: the parser and the emitter recurse
 * once per level, and 50 000 nested groups overflowed the stack (answered as a 500).
 */
export const MAX_REGEX_NESTING = 256;
/**
 * Code-point ranges the sets of one pattern may hold together. Folding, negating and joining sets
 * costs time with their ranges (26 000 classes such as `(?iu)[^\p{L}k]` took 10 s before the SQL
 * bound refused them), and their RE2 takes a character or more each (\p{L}: ~700 ranges, 10 600
 * characters), so no pattern that fits the SQL bound (sql/bounds.ts) needs nearly this many.
 */
export const MAX_REGEX_RANGES = 262_144;

export type Node =
  /**
   * `literal`: a character written as such, which Java joins with its neighbours into a slice;
   * `slice`: what it matches there when that differs (foldUnicodeChar).
   */
  | { t: 'set'; set: CharSet; literal?: true; slice?: CharSet }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; branches: Node[] }
  | { t: 'group'; body: Node }
  /** `at`: the index of its quantifier. */
  | { t: 'repeat'; body: Node; min: number; max: number; lazy: boolean; at: number }
  | { t: 'assert'; re2: string }
  /** A lookaround of one code point in `set` (java-lookaround.ts gives it an RE2 meaning). */
  | { t: 'look'; ahead: boolean; negated: boolean; set: CharSet; at: number }
  | { t: 'dollar'; unix: boolean; at: number }
  | { t: 'linebreak'; at: number };

interface Flags {
  i: boolean;
  d: boolean;
  m: boolean;
  s: boolean;
  u: boolean;
  x: boolean;
}

/**
 * Most optional copies of one character that adjacent repetitions of it may add up to. RE2 joins
 * them into one (`a?a?` is `a{0,2}`, `(?:a{0,1000})a{0,1000}` is `a{0,2000}`), past its own
 * limit of 1000, and compiles such a repetition in time growing with the square of its length:
 * ten `a{0,1000}` (130 characters) took DuckDB 0.6 s to compile, a hundred 32 s.
 */
export const MAX_JOINED_OPTIONAL = 1000;

/** The character set a repetition repeats, through groups RE2 drops (a group emits `(?:...)`). */
function repeatedSet(node: Node): CharSet | undefined {
  let body = node;
  for (let k = 0; k <= MAX_REGEX_NESTING && body.t !== 'set'; k++) {
    if (body.t === 'group') body = body.body;
    else if (body.t === 'seq' && body.items.length === 1) body = body.items[0]!;
    else return undefined;
  }
  return body.t === 'set' ? body.set : undefined;
}

const sameSet = (a: CharSet, b: CharSet) =>
  a.length === b.length && a.every(([lo, hi], k) => lo === b[k]![0] && hi === b[k]![1]);

/**
 * Refuses a pattern whose adjacent repetitions of one character set, joined as RE2 joins them
 * (through groups, which its parser flattens into the sequence around them), add up to more than
 * MAX_JOINED_OPTIONAL optional copies. Recurses once per group, as deep as MAX_REGEX_NESTING.
 */
export function checkJoinedRepetitions(root: Node): void {
  let run: { set: CharSet; optional: number } | undefined;
  const visit = (node: Node): void => {
    if (node.t === 'seq') {
      for (const item of node.items) visit(item);
      return;
    }
    if (node.t === 'group') {
      visit(node.body);
      return;
    }
    const set = node.t === 'set' ? node.set : node.t === 'repeat' ? repeatedSet(node.body) : undefined;
    if (set === undefined) {
      run = undefined;
      if (node.t === 'alt' || node.t === 'repeat')
        for (const branch of node.t === 'alt' ? node.branches : [node.body]) {
          visit(branch);
          run = undefined;
        }
      return;
    }
    // A plain character joins the run without adding an optional copy (`a?aa?` is `a{1,3}`).
    const optional = node.t === 'repeat' && node.max !== Infinity ? node.max - node.min : 0;
    if (run === undefined || !sameSet(run.set, set)) run = { set, optional: 0 };
    run.optional += optional;
    if (node.t === 'repeat' && run.optional > MAX_JOINED_OPTIONAL)
      throw syntax(
        `Adjacent repetitions of one character adding up to more than ${MAX_JOINED_OPTIONAL} optional copies are not supported by the embedded store`,
        node.at,
      );
  };
  visit(root);
}

/**
 * The copies RE2 makes of repeated parts beyond the one written (`a{1000}` is 999, `(?:ab){3}` 4):
 * RE2 expands a counted repetition into its copies, and compiling each costs time. Recurses once
 * per group, as deep as MAX_REGEX_NESTING.
 */
export function repetitionCopies(root: Node): number {
  const sizes = (node: Node): { written: number; expanded: number } => {
    switch (node.t) {
      case 'seq':
      case 'alt': {
        let [written, expanded] = [0, 0];
        for (const item of node.t === 'seq' ? node.items : node.branches) {
          const size = sizes(item);
          written += size.written;
          expanded += size.expanded;
        }
        return { written, expanded };
      }
      case 'group':
        return sizes(node.body);
      case 'repeat': {
        const body = sizes(node.body);
        const count = Math.max(node.max === Infinity ? node.min : node.max, 1);
        return { written: body.written, expanded: body.expanded * count };
      }
      default:
        return { written: 1, expanded: 1 };
    }
  };
  const { written, expanded } = sizes(root);
  return expanded - written;
}

/** Builds the ValidationException for a pattern problem, Java-style (`... near index N`). */
export function syntax(description: string, index: number, pattern?: string): StoreError {
  const where = pattern === undefined ? ` near index ${index}` : ` near index ${index}: ${pattern}`;
  return validation(`Invalid regular expression: ${description}${where}`);
}

const unsupported = (construct: string, index: number) =>
  syntax(`${construct} is a Java regex feature the embedded store cannot evaluate`, index);

const BACKSLASH = 0x5c;
const isAsciiLetter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * Rewrites `\Q...\E` quotes into escaped characters before parsing, as Java does
 * (Pattern.RemoveQEQuoting): a quote is not an atom, so what follows applies to the text around
 * it (`a\Q\E*` is `a*`, `[\Qa\E-c]` the range `a-c`), and quoted letters, digits and non-ASCII
 * characters stay bare. Code points of the pattern are kept, so indices are Java's.
 */
export function removeQuoting(cps: readonly number[]): number[] {
  let i = 0;
  while (i < cps.length - 1 && !(cps[i] === BACKSLASH && cps[i + 1] === 0x51))
    i += cps[i] === BACKSLASH ? 2 : 1;
  if (i >= cps.length - 1) return [...cps];
  const out = cps.slice(0, i);
  i += 2;
  let inQuote = true;
  let beginQuote = true;
  while (i < cps.length) {
    const c = cps[i++]!;
    if (c > 0x7f || isAsciiLetter(c)) out.push(c);
    else if (c >= 0x30 && c <= 0x39) {
      // Written `\x3N`, as Java does, so a quote's first digit never continues an escape before it.
      if (beginQuote) out.push(BACKSLASH, 0x78, 0x33);
      out.push(c);
    } else if (c !== BACKSLASH) {
      if (inQuote) out.push(BACKSLASH);
      out.push(c);
    } else if (inQuote) {
      if (cps[i] === 0x45) {
        i++;
        inQuote = false;
      } else out.push(BACKSLASH, BACKSLASH);
    } else if (cps[i] === 0x51) {
      i++;
      inQuote = true;
      beginQuote = true;
      continue;
    } else {
      out.push(c);
      if (i < cps.length) out.push(cps[i++]!);
    }
    beginQuote = false;
  }
  return out;
}

/** Latin-1 characters whose case mappings leave it, kept out of Java's class bit set under `(?iu)`. */
const OUT_OF_BITS = [0xff, 0xb5, 0x49, 0x69, 0x53, 0x73, 0x4b, 0x6b, 0xc5, 0xe5];

/** Parses one pattern; `sawTerminatorDollar` tells whether a `$` needs the CRLF variant. */
export class Parser {
  private readonly cps: number[];
  private pos = 0;
  private flags: Flags = { i: false, d: false, m: false, s: false, u: false, x: false };
  private readonly groupNames = new Set<string>();
  /** Groups and classes open at the current position. */
  private depth = 0;
  /** Ranges of the sets made so far (MAX_REGEX_RANGES). */
  private ranges = 0;
  sawTerminatorDollar = false;

  constructor(private readonly source: string) {
    this.cps = removeQuoting(Array.from(source, (c) => c.codePointAt(0)!));
  }

  parse(): Node {
    const node = this.alternation();
    if (this.pos < this.cps.length) throw this.error(`Unmatched closing ')'`);
    return node;
  }

  private error(description: string): StoreError {
    return syntax(description, this.pos, this.source);
  }

  /** Counts a group or class opened at `at`; close() counts it closed. */
  private open(at: number): void {
    if (++this.depth > MAX_REGEX_NESTING)
      throw syntax(
        `Groups and classes nested more than ${MAX_REGEX_NESTING} deep are not supported by the embedded store`,
        at,
      );
  }

  private close(): void {
    this.depth--;
  }

  /** Counts the ranges of a set made while parsing, and returns it. */
  private made(set: CharSet): CharSet {
    this.ranges += set.length;
    if (this.ranges > MAX_REGEX_RANGES)
      throw syntax(
        `Character classes of more than ${MAX_REGEX_RANGES} code point ranges in one pattern are not supported by the embedded store`,
        this.pos,
      );
    return set;
  }

  private peekRaw(offset = 0): number | undefined {
    return this.cps[this.pos + offset];
  }

  /** Peeks past whitespace and `#` comments in COMMENTS mode. */
  private peek(): number | undefined {
    if (this.flags.x) {
      for (;;) {
        const c = this.cps[this.pos];
        if (c === undefined) break;
        if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) this.pos++;
        else if (c === 0x23) {
          while (
            this.pos < this.cps.length &&
            !LINE_TERMINATORS.some(([lo, hi]) => this.cps[this.pos]! >= lo && this.cps[this.pos]! <= hi)
          )
            this.pos++;
        } else break;
      }
    }
    return this.cps[this.pos];
  }

  private is(ch: string): boolean {
    return this.peek() === ch.codePointAt(0);
  }

  private alternation(): Node {
    const branches = [this.sequence()];
    while (this.is('|')) {
      this.pos++;
      branches.push(this.sequence());
    }
    return branches.length === 1 ? branches[0]! : { t: 'alt', branches };
  }

  private sequence(): Node {
    const items: Node[] = [];
    // Java reads a run of unquantified literal characters as one slice, matched by other rules
    // than each character alone under (?iu) (foldUnicodeChar); a group, even `(?i)`, ends a run.
    let run = 0;
    const endRun = () => {
      if (run >= 2)
        for (let k = items.length - run; k < items.length; k++) {
          const item = items[k]!;
          if (item.t === 'set' && item.slice) items[k] = { t: 'set', set: item.slice };
        }
      run = 0;
    };
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === 0x7c /* | */ || c === 0x29 /* ) */) break;
      const atom = this.atom();
      if (atom === null) {
        endRun(); // a flag group
        continue;
      }
      let item = atom.quantifiable ? this.quantifier(atom.node) : this.noQuantifier(atom.node);
      // NOTE: a lookahead right before a one-code-point class tests the code point that class
      // consumes (both read it with codePointAt), so `(?![X])[\s\S]` is exactly `[^X]`.
      for (let look = items[items.length - 1]; look?.t === 'look' && look.ahead && item.t === 'set';) {
        items.pop();
        item = { t: 'set', set: intersect(item.set, look.negated ? negate(look.set) : look.set) };
        look = items[items.length - 1];
      }
      if (item.t === 'set' && item.literal) run++;
      else endRun();
      items.push(item);
    }
    endRun();
    // NOTE: `(?i)` lasts until its enclosing group ends (group() restores flags at `)`), across `|`.
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  private noQuantifier(node: Node): Node {
    const c = this.peek();
    if (c === 0x2a || c === 0x2b || c === 0x3f)
      throw this.error(`Dangling meta character '${String.fromCodePoint(c)}'`);
    return node;
  }

  private quantifier(body: Node): Node {
    const start = this.pos;
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === 0x2a) [min, max] = [0, Infinity];
    else if (c === 0x2b) [min, max] = [1, Infinity];
    else if (c === 0x3f) [min, max] = [0, 1];
    else if (c === 0x7b) {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 24)));
      if (!m) throw this.error('Illegal repetition');
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (max < min) throw this.error('Illegal repetition range');
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) {
        throw unsupported(`A repetition count above ${MAX_REPEAT}`, start);
      }
      this.pos += m[0].length - 1;
    } else return body;
    this.pos++;
    let lazy = false;
    if (this.peek() === 0x3f) {
      lazy = true;
      this.pos++;
    } else if (this.peek() === 0x2b) {
      throw unsupported('A possessive quantifier', this.pos);
    }
    return this.noQuantifier({ t: 'repeat', body, min, max, lazy, at: start });
  }

  private atom(): { node: Node; quantifiable: boolean } | null {
    const c = this.peek()!;
    const ch = String.fromCodePoint(c);
    const at = this.pos;
    this.pos++;
    switch (ch) {
      case '(':
        return this.group(at);
      case '[':
        return { node: { t: 'set', set: this.charClass() }, quantifiable: true };
      case '.': {
        const set = this.flags.s
          ? negate([])
          : this.flags.d
            ? negate(single(0x0a))
            : negate(LINE_TERMINATORS);
        return { node: { t: 'set', set: this.made(set) }, quantifiable: true };
      }
      case '^':
        if (this.flags.m) throw unsupported(`'^' in MULTILINE mode`, at);
        return { node: { t: 'assert', re2: '\\A' }, quantifiable: true }; // Java quantifies anchors too
      case '$':
        return { node: this.dollar(at), quantifiable: true };
      case '*':
      case '+':
      case '?':
        throw syntax(`Dangling meta character '${ch}'`, at, this.source);
      case '{':
        // NOTE: where an atom is expected Java applies a valid `{n,m}` to an empty atom (`{2}a`, `a{2}{3}`).
        this.pos--;
        return { node: this.quantifier({ t: 'seq', items: [] }), quantifiable: false };
      case '\\':
        return this.escapeAtom(at);
      default:
        return { node: this.literal(c), quantifiable: true };
    }
  }

  private dollar(at: number): Node {
    if (this.flags.m) throw unsupported(`'$' in MULTILINE mode`, at);
    if (!this.flags.d) this.sawTerminatorDollar = true;
    return { t: 'dollar', unix: this.flags.d, at };
  }

  private literal(cp: number): Node {
    const set = this.made(this.foldChar(cp));
    if (!(this.flags.i && this.flags.u)) return { t: 'set', set, literal: true };
    const slice = foldUnicodeChar(cp, true);
    return slice.length === set.length
      ? { t: 'set', set, literal: true }
      : { t: 'set', set, literal: true, slice: this.made(slice) };
  }

  /** One character under the case flags (Java folds a character and a class range differently). */
  private foldChar(cp: number): CharSet {
    if (!this.flags.i) return single(cp);
    return this.flags.u ? foldUnicodeChar(cp) : foldAsciiCase(single(cp));
  }

  /** A class range under the case flags. */
  private foldRange(lo: number, hi: number): CharSet {
    if (!this.flags.i) return [[lo, hi]];
    return this.flags.u ? foldUnicodeRange(lo, hi) : foldAsciiCase([[lo, hi]]);
  }

  private group(at: number): { node: Node; quantifiable: boolean } | null {
    this.open(at);
    try {
      return this.groupBody(at);
    } finally {
      this.close();
    }
  }

  private groupBody(at: number): { node: Node; quantifiable: boolean } | null {
    const saved = { ...this.flags };
    if (this.peekRaw() === 0x3f /* ? */) {
      this.pos++;
      const kind = this.peekRaw() === undefined ? '' : String.fromCodePoint(this.peekRaw()!);
      if (kind === ':') this.pos++;
      else if (kind === '=' || kind === '!') {
        this.pos++;
        return this.lookaround(at, true, kind === '!', saved);
      } else if (kind === '>') throw unsupported('An atomic group', at);
      else if (kind === '<') {
        this.pos++;
        const next = this.peekRaw() === undefined ? '' : String.fromCodePoint(this.peekRaw()!);
        if (next === '=' || next === '!') {
          this.pos++;
          return this.lookaround(at, false, next === '!', saved);
        }
        this.groupName();
      } else {
        const scoped = this.inlineFlags();
        if (!scoped) return null; // `(?i)`: applies until the enclosing group ends
      }
    }
    const body = this.alternation();
    if (this.peek() !== 0x29) throw this.error('Unclosed group');
    this.pos++;
    this.flags = saved;
    return { node: { t: 'group', body }, quantifiable: true };
  }

  /** Parses a lookaround body after `(?=`, `(?!`, `(?<=` or `(?<!`; only one code point is supported. */
  private lookaround(
    at: number,
    ahead: boolean,
    negated: boolean,
    saved: Flags,
  ): { node: Node; quantifiable: boolean } {
    const body = this.alternation();
    if (this.peek() !== 0x29) throw this.error('Unclosed group');
    this.pos++;
    this.flags = saved;
    const set = oneCodePoint(body);
    if (set === undefined) {
      throw unsupported(`${ahead ? 'Lookahead' : 'Lookbehind'} of anything but one character or class`, at);
    }
    return { node: { t: 'look', ahead, negated, set, at }, quantifiable: true };
  }

  private groupName(): void {
    const m = /^([a-zA-Z][a-zA-Z0-9]*)>/.exec(
      String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 64)),
    );
    if (!m) throw this.error("named capturing group is missing trailing '>' or has an invalid name");
    if (this.groupNames.has(m[1]!)) throw this.error(`Named capturing group <${m[1]}> is already defined`);
    this.groupNames.add(m[1]!);
    this.pos += m[0].length;
  }

  /** Parses `idmsux-idmsux` then `)` (returns false) or `:` (returns true, flags scoped to the group). */
  private inlineFlags(): boolean {
    let on = true;
    for (;;) {
      const c = this.peekRaw();
      const ch = c === undefined ? '' : String.fromCodePoint(c);
      this.pos++;
      if (ch === ')') return false;
      if (ch === ':') return true;
      if (ch === '-') on = false;
      else if (ch === 'U') {
        if (on) throw unsupported('UNICODE_CHARACTER_CLASS (?U)', this.pos - 1);
        this.flags.u = false; // Java's `-U` also turns UNICODE_CASE off
      } else if (ch === 'c') {
        // Java then matches classes and properties by canonical equivalence (NFCCharProperty).
        if (on) throw unsupported('CANON_EQ (?c)', this.pos - 1);
      } else if ('idmsux'.includes(ch) && ch !== '') this.flags[ch as keyof Flags] = on;
      else throw syntax('Unknown inline modifier', this.pos - 1, this.source);
    }
  }

  private escapeAtom(at: number): { node: Node; quantifiable: boolean } | null {
    const c = this.peekRaw();
    const ch = c === undefined ? '' : String.fromCodePoint(c);
    const assertions: Record<string, string> = { b: '\\b', B: '\\B', A: '\\A', z: '\\z' };
    if (
      ch === 'b' &&
      this.cps[this.pos + 1] === 0x7b &&
      this.cps[this.pos + 2] === 0x67 &&
      this.cps[this.pos + 3] === 0x7d
    )
      throw unsupported('\\b{g} (grapheme cluster boundary)', at);
    if (ch in assertions) {
      this.pos++;
      return { node: { t: 'assert', re2: assertions[ch]! }, quantifiable: true };
    }
    if (ch === 'Z') {
      this.pos++;
      return { node: this.dollar(at), quantifiable: true };
    }
    if (ch === 'R') {
      this.pos++;
      return { node: { t: 'linebreak', at }, quantifiable: true };
    }
    if (ch === 'G') throw unsupported('\\G', at);
    if (ch === 'X') throw unsupported('\\X (grapheme cluster)', at);
    if (ch === 'k' || (c !== undefined && c >= 0x31 && c <= 0x39)) throw unsupported('A backreference', at);
    const item = this.escape();
    return {
      node: item.cp === undefined ? { t: 'set', set: this.made(item.set) } : this.literal(item.cp),
      quantifiable: true,
    };
  }

  /** Parses an escape after `\` that denotes a character or a class (shared by classes and atoms). */
  private escape(): { cp?: number; set: CharSet } {
    const at = this.pos - 1;
    const c = this.cps[this.pos++];
    if (c === undefined) throw syntax('Unexpected internal error', at, this.source);
    const ch = String.fromCodePoint(c);
    const one = (cp: number) => ({ cp, set: single(cp) });
    // Java resolves `\N{name}` with Character.codePointOf; JS has no table of character names.
    if (ch === 'N' && this.cps[this.pos] === 0x7b && this.cps.indexOf(0x7d, this.pos) >= 0)
      throw unsupported('\\N{...} (a character by its Unicode name)', at);
    const simple: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, a: 7, e: 27 };
    if (ch in simple) return one(simple[ch]!);
    const lower = ch.toLowerCase();
    if ('dwshv'.includes(lower) && ch !== '' && /[a-zA-Z]/.test(ch)) {
      const set = ESCAPE_CLASSES[lower]!;
      return { set: ch === lower ? set : negate(set) };
    }
    if (ch === 'p' || ch === 'P') {
      const set = this.property();
      return { set: ch === 'p' ? set : negate(set) };
    }
    if (ch === '0') {
      const m = /^([0-3][0-7]{2}|[0-7]{1,2})/.exec(
        String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 3)),
      );
      if (!m) throw syntax('Illegal octal escape sequence', at, this.source);
      this.pos += m[0].length;
      return one(parseInt(m[0], 8));
    }
    if (ch === 'x') return one(this.hexEscape(at));
    if (ch === 'u') return one(this.unicodeEscape(at));
    if (ch === 'c') {
      const x = this.cps[this.pos++];
      if (x === undefined) throw syntax('Illegal control escape sequence', at, this.source);
      return one(x ^ 64);
    }
    if (/[a-zA-Z0-9]/.test(ch)) throw syntax('Illegal/unsupported escape sequence', at, this.source);
    return one(c);
  }

  private hexEscape(at: number): number {
    const text = String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 12));
    const m = /^\{([0-9a-fA-F]+)\}/.exec(text) ?? /^([0-9a-fA-F]{2})/.exec(text);
    const cp = m ? parseInt(m[1]!, 16) : NaN;
    if (!m || !(cp <= 0x10ffff)) throw syntax('Illegal hexadecimal escape sequence', at, this.source);
    this.pos += m[0].length;
    return cp;
  }

  private unicodeEscape(at: number): number {
    const read = () => {
      const m = /^[0-9a-fA-F]{4}/.exec(String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 4)));
      if (!m) throw syntax('Illegal Unicode escape sequence', at, this.source);
      this.pos += 4;
      return parseInt(m[0], 16);
    };
    const hi = read();
    if (hi >= 0xd800 && hi <= 0xdbff && this.cps[this.pos] === 0x5c && this.cps[this.pos + 1] === 0x75) {
      const save = this.pos;
      this.pos += 2;
      const lo = read();
      if (lo >= 0xdc00 && lo <= 0xdfff) return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
      this.pos = save;
    }
    return hi;
  }

  private property(): CharSet {
    const at = this.pos - 2;
    let name: string;
    if (this.cps[this.pos] === 0x7b) {
      const end = this.cps.indexOf(0x7d, this.pos);
      if (end < 0) throw syntax('Unclosed character family', at, this.source);
      name = this.cps
        .slice(this.pos + 1, end)
        .map((cp) => String.fromCodePoint(cp))
        .join('');
      this.pos = end + 1;
    } else {
      const c = this.cps[this.pos++];
      if (c === undefined) throw syntax('Illegal character family', at, this.source);
      name = String.fromCodePoint(c);
    }
    const property = javaProperty(name, this.flags.i);
    if (property.kind === 'unsupported') throw unsupported(property.construct, at);
    if (property.kind === 'unknown') throw syntax(property.description, at, this.source);
    return property.set;
  }

  /** Parses a class after `[` up to and including its `]`; negation covers the whole class (JDK 9+). */
  private charClass(): CharSet {
    this.open(this.pos - 1);
    try {
      return this.made(this.classBody(true));
    } finally {
      this.close();
    }
  }

  /**
   * Parses a class body as Java's Pattern.clazz does, up to its `]`, which it takes when `consume`
   * (an `&&` operand leaves it to the class around it). Java's quirks are kept: an empty operand of
   * `&&` stands for the item before it (`[&&a]` and `[a&&]` are `[a]`, `[a[b]&&]` is `[b]`), and
   * the characters Java keeps in its bit set (below U+0100) join the class where it ends, also
   * inside an intersection made before them (`[a&&[b]&c]` is `[a&c]`).
   */
  private classBody(consume: boolean): CharSet {
    const negated = consume && this.peekRaw() === 0x5e;
    if (negated) this.pos++;
    // The class so far is a ∪ (BITS ∩ b), BITS being the bit set as it is when the class ends;
    // each part list is joined when needed (joining at every item would be quadratic).
    let a: CharSet[] | undefined;
    let b: CharSet = [];
    let curr: CharSet | 'bits' | undefined;
    const bits: CharSet[] = [];
    let hasBits = false;
    const all = negate([]);
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw this.error('Unclosed character class');
      if (c === 0x5b) {
        this.pos++;
        curr = this.charClass(); // counted by charClass
        (a ??= []).push(curr);
        continue;
      }
      if (c === 0x26 && this.peekRaw(1) === 0x26) {
        this.pos += 2;
        let right: CharSet[] | undefined;
        for (let d = this.peek(); d !== 0x5d && d !== 0x26; d = this.peek()) {
          if (d === 0x5b) this.pos++;
          (right ??= []).push(d === 0x5b ? this.charClass() : this.operand());
        }
        if (hasBits) {
          if (a === undefined) curr = 'bits';
          a ??= [];
          b = all;
          hasBits = false;
        }
        if (right !== undefined) curr = unionAll(right);
        if (a === undefined) {
          if (right === undefined) throw this.error('Bad class syntax');
          a = [curr as CharSet];
        } else {
          if (curr === undefined) throw this.error('Bad intersection syntax');
          const joined = unionAll(a);
          if (curr === 'bits') [a, b] = [[], union(joined, b)];
          else [a, b] = [[intersect(joined, curr)], intersect(b, curr)];
        }
        continue;
      }
      if (c === 0x5d && (a !== undefined || hasBits)) {
        if (consume) this.pos++;
        const bitSet = unionAll(bits);
        const result = a === undefined ? bitSet : unionAll([...a, intersect(bitSet, hasBits ? all : b)]);
        return negated ? negate(result) : result;
      }
      const item = this.classItem();
      if (item.bits) {
        bits.push(item.set);
        hasBits = true;
        curr = undefined;
      } else {
        curr = item.set;
        (a ??= []).push(curr);
      }
    }
  }

  /** Parses an `&&` operand; a chained `&&` recurses (as in Java), so each counts as nesting. */
  private operand(): CharSet {
    this.open(this.pos);
    try {
      return this.made(this.classBody(false));
    } finally {
      this.close();
    }
  }

  /**
   * Parses one class item: a character, a range or an escaped class (Java's Pattern.range), with
   * whether Java keeps it in the class's bit set (a character below U+0100, but not those whose
   * case mappings leave that range under `(?iu)`: Pattern.bitsOrSingle).
   */
  private classItem(): { set: CharSet; bits: boolean } {
    const lo = this.classAtom();
    if (lo.cp === undefined) return { set: this.made(lo.set), bits: false };
    if (
      this.peek() === 0x2d &&
      this.peekRaw(1) !== 0x5d &&
      this.peekRaw(1) !== 0x5b &&
      this.peekRaw(1) !== undefined
    ) {
      this.pos++;
      const hi = this.classAtom();
      if (hi.cp === undefined || hi.cp < lo.cp) throw this.error('Illegal character range');
      return { set: this.made(this.foldRange(lo.cp, hi.cp)), bits: false };
    }
    const single = lo.cp < 0x100 && !(this.flags.i && this.flags.u && OUT_OF_BITS.includes(lo.cp));
    return { set: this.made(this.foldChar(lo.cp)), bits: single };
  }

  private classAtom(): { cp?: number; set: CharSet } {
    const c = this.cps[this.pos++]!;
    if (c !== 0x5c) return { cp: c, set: single(c) };
    return this.escape();
  }
}
