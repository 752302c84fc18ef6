// SPDX-License-Identifier: Apache-2.0
// Parses a Prometheus regex the way Go's regexp/syntax does with the Perl flags Prometheus uses
// (RE2 syntax: one-line, Perl extensions, Unicode groups), rejecting what Go rejects. Groups,
// alternation, repetition and flags live here; escapes and classes in regex-scan.ts.

import type { RegexNode } from './regex-ast';
import { Re2Scanner, ch } from './regex-scan';

/** RE2's limit on `{n,m}` counts, also applied to nested counts multiplied (Go syntax/parse.go). */
export const MAX_REPEAT_COUNT = 1000;
/**
 * Bound on the parser's stack, whose bottom frame is the pattern itself: at most 999 groups open
 * at once, so 1000 nested groups are refused (tested). Keeps the recursive emitter safe. NOTE: not
 * Go's maxHeight (1000), which measures the parse tree, where non-capturing and flag groups add no
 * height: Prometheus takes `(?:` nested 1000 deep, which is answered 400 here, and refuses capture
 * groups nested somewhat less deep, which are taken here. Neither occurs in real selectors.
 */
export const MAX_NESTING_DEPTH = 1000;

interface Flags {
  fold: boolean;
  multiLine: boolean;
  dotNL: boolean;
  ungreedy: boolean;
}

interface Frame {
  /** Flags to restore when the group closes. */
  saved: Flags;
  done: RegexNode[][];
  current: RegexNode[];
}

/** Parses `pattern` as RE2; throws badRequest naming the offending construct, as Go would. */
export function parseRe2(pattern: string): RegexNode {
  return new Parser(pattern).parse();
}

class Parser extends Re2Scanner {
  private flags: Flags = { fold: false, multiLine: false, dotNL: false, ungreedy: false };
  private readonly stack: Frame[] = [];

  private get top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  parse(): RegexNode {
    this.stack.push({ saved: this.flags, done: [], current: [] });
    let lastRepeat = false;
    while (this.i < this.cps.length) {
      const start = this.i;
      const c = this.cps[this.i]!;
      let repeated = false;
      switch (c) {
        case ch('('):
          this.openGroup();
          break;
        case ch('|'):
          this.top.done.push(this.top.current);
          this.top.current = [];
          this.i++;
          break;
        case ch(')'):
          this.closeGroup();
          break;
        case ch('^'):
          this.push({ kind: 'assert', what: this.flags.multiLine ? 'beginLine' : 'beginText' });
          this.i++;
          break;
        case ch('$'):
          this.push({ kind: 'assert', what: this.flags.multiLine ? 'endLine' : 'endText' });
          this.i++;
          break;
        case ch('.'):
          this.push({ kind: 'dot', dotNL: this.flags.dotNL });
          this.i++;
          break;
        case ch('['):
          this.push(this.parseClass(this.flags.fold));
          break;
        case ch('*'):
        case ch('+'):
        case ch('?'): {
          this.i++;
          const [min, max] = c === ch('*') ? [0, -1] : c === ch('+') ? [1, -1] : [0, 1];
          this.repeat(start, min, max, false, lastRepeat);
          repeated = true;
          break;
        }
        case ch('{'): {
          const counts = this.parseRepeatCounts();
          if (counts === undefined) {
            this.literal(c);
            this.i++;
            break;
          }
          const [min, max] = counts;
          if (min < 0 || min > MAX_REPEAT_COUNT || max > MAX_REPEAT_COUNT || (max >= 0 && min > max)) {
            this.fail('invalid repeat count (RE2 allows at most 1000)', this.text(start, this.i));
          }
          this.repeat(start, min, max, true, lastRepeat);
          repeated = true;
          break;
        }
        case ch('\\'):
          this.parseBackslash();
          break;
        default:
          this.literal(c);
          this.i++;
      }
      lastRepeat = repeated;
    }
    if (this.stack.length > 1) this.fail('missing closing )');
    return this.finish(this.stack.pop()!);
  }

  private push(node: RegexNode): void {
    this.top.current.push(node);
  }

  private literal(cp: number): void {
    this.push({ kind: 'literal', cp, fold: this.flags.fold });
  }

  private finish(frame: Frame): RegexNode {
    const alts = [...frame.done, frame.current].map((items): RegexNode =>
      items.length === 0
        ? { kind: 'empty' }
        : items.length === 1
          ? items[0]!
          : { kind: 'concat', subs: items },
    );
    return alts.length === 1 ? alts[0]! : { kind: 'alt', subs: alts };
  }

  private repeat(start: number, min: number, max: number, braces: boolean, lastRepeat: boolean): void {
    let lazy = false;
    if (this.cps[this.i] === ch('?')) {
      lazy = true;
      this.i++;
    }
    const op = this.text(start, this.i);
    if (lastRepeat) this.fail('invalid nested repetition operator (possessive quantifiers are not RE2)', op);
    const sub = this.top.current.pop();
    if (sub === undefined) this.fail('missing argument to repetition operator', op);
    const node: RegexNode = { kind: 'repeat', sub, min, max, lazy: lazy !== this.flags.ungreedy, braces };
    if (braces && (min >= 2 || max >= 2) && !repeatIsValid(node, MAX_REPEAT_COUNT)) {
      this.fail('invalid repeat count (nested repetition over 1000)', op);
    }
    this.push(node);
  }

  private openGroup(): void {
    const start = this.i;
    if (this.stack.length >= MAX_NESTING_DEPTH) this.fail('expression nests too deeply');
    if (this.cps[this.i + 1] !== ch('?')) {
      this.i++;
      this.stack.push({ saved: this.flags, done: [], current: [] });
      return;
    }
    const rest = this.text(this.i, Math.min(this.cps.length, this.i + 4));
    if (/^\(\?P?</.test(rest) && !/^\(\?<[=!]/.test(rest)) {
      this.namedGroup();
      return;
    }
    if (/^\(\?(<?[=!])/.test(rest))
      this.fail('lookaround is not supported by RE2', rest.slice(0, rest[2] === '<' ? 4 : 3));
    if (/^\(\?P[=>]/.test(rest)) this.fail('backreferences and recursion are not supported by RE2', rest);
    if (/^\(\?[>#|]/.test(rest)) this.fail('invalid or unsupported Perl syntax', rest.slice(0, 3));
    this.i += 2;
    const flags = { ...this.flags };
    let negate = false;
    let sawFlag = false;
    while (this.i < this.cps.length) {
      const c = String.fromCodePoint(this.cps[this.i++]!);
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        const on = !negate;
        if (c === 'i') flags.fold = on;
        else if (c === 'm') flags.multiLine = on;
        else if (c === 's') flags.dotNL = on;
        else flags.ungreedy = on;
        sawFlag = true;
      } else if (c === '-' && !negate) {
        negate = true;
        sawFlag = false;
      } else if ((c === ':' || c === ')') && (!negate || sawFlag)) {
        if (c === ':') {
          if (this.stack.length >= MAX_NESTING_DEPTH) this.fail('expression nests too deeply');
          this.stack.push({ saved: this.flags, done: [], current: [] });
        }
        this.flags = flags;
        return;
      } else {
        break;
      }
    }
    this.fail('invalid or unsupported Perl syntax', this.text(start, this.i));
  }

  private namedGroup(): void {
    const start = this.i;
    const nameStart = this.cps[this.i + 2] === ch('P') ? this.i + 4 : this.i + 3;
    const end = this.cps.indexOf(ch('>'), nameStart);
    if (end < 0) this.fail('invalid named capture', this.text(start, this.cps.length));
    const name = this.text(nameStart, end);
    if (name === '' || !/^[\p{L}\p{N}_]+$/u.test(name))
      this.fail('invalid named capture', this.text(start, end + 1));
    // NOTE: Go's regexp/syntax (what Prometheus compiles) accepts a name given twice, unlike C++ RE2.
    this.i = end + 1;
    this.stack.push({ saved: this.flags, done: [], current: [] });
  }

  private closeGroup(): void {
    if (this.stack.length <= 1) this.fail('unexpected )');
    const frame = this.stack.pop()!;
    this.flags = frame.saved;
    this.i++;
    this.push({ kind: 'group', sub: this.finish(frame) });
  }

  private parseBackslash(): void {
    const c = this.cps[this.i + 1];
    if (c === undefined) this.fail('trailing backslash at end of expression');
    const letter = String.fromCodePoint(c);
    const asserts: Record<string, RegexNode> = {
      A: { kind: 'assert', what: 'beginText' },
      z: { kind: 'assert', what: 'endText' },
      b: { kind: 'assert', what: 'wordBoundary' },
      B: { kind: 'assert', what: 'noWordBoundary' },
    };
    if (asserts[letter] !== undefined) {
      this.push(asserts[letter]);
      this.i += 2;
      return;
    }
    if (letter === 'Q') {
      let j = this.i + 2;
      while (j < this.cps.length && !(this.cps[j] === ch('\\') && this.cps[j + 1] === ch('E')))
        this.literal(this.cps[j++]!);
      this.i = Math.min(this.cps.length, j + 2);
      return;
    }
    if (letter === 'C' || letter === 'Z')
      this.fail('invalid escape sequence (not supported by RE2)', `\\${letter}`);
    const set = this.parseClassEscape();
    if (set !== undefined) {
      this.push({ kind: 'class', ranges: [], items: [set], negated: false, fold: this.flags.fold });
      return;
    }
    this.literal(this.parseEscape());
  }
}

/** Go's repeatIsValid: nested `{n,m}` counts multiplied must stay within `limit`. */
function repeatIsValid(node: RegexNode, limit: number): boolean {
  let n = limit;
  if (node.kind === 'repeat' && node.braces) {
    let m = node.max;
    if (m === 0) return true;
    if (m < 0) m = node.min;
    if (m > n) return false;
    if (m > 0) n = Math.floor(n / m);
  }
  switch (node.kind) {
    case 'repeat':
    case 'group':
      return repeatIsValid(node.sub, n);
    case 'concat':
    case 'alt':
      return node.subs.every((s) => repeatIsValid(s, n));
    default:
      return true;
  }
}
