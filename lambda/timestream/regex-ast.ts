// SPDX-License-Identifier: Apache-2.0
// The parse tree of an RE2 pattern with every flag already resolved, so that emitting another
// dialect never has to reason about RE2's flag scoping again.

import type { Range } from './regex-classes';

/** Zero-width assertions; the line forms only arise under RE2's `(?m)`. */
export type AssertKind =
  'beginText' | 'endText' | 'beginLine' | 'endLine' | 'wordBoundary' | 'noWordBoundary';

/** A set used inside a character class that is matched as a whole, then possibly negated. */
export interface ClassSet {
  ranges: Range[];
  /** Java `\p{..}` names whose union this set is (empty for a pure range set). */
  props: string[];
  negated: boolean;
}

export type RegexNode =
  | { kind: 'empty' }
  /** One code point; `fold` when RE2's `(?i)` was in effect. */
  | { kind: 'literal'; cp: number; fold: boolean }
  /**
   * A character class: the union of `items` (and of `ranges`), negated as a whole when `negated`.
   * Negated items stay separate instead of being complemented into ranges because case folding
   * applies before negation in RE2 (`(?i)[[:^lower:]]` excludes `A`).
   */
  | { kind: 'class'; ranges: Range[]; items: ClassSet[]; negated: boolean; fold: boolean }
  /** `.`: every code point, or every one but `\n` (RE2 without the `s` flag). */
  | { kind: 'dot'; dotNL: boolean }
  | { kind: 'assert'; what: AssertKind }
  /** Any parenthesised group; captures and names never change whether a pattern matches. */
  | { kind: 'group'; sub: RegexNode }
  | { kind: 'concat'; subs: RegexNode[] }
  | { kind: 'alt'; subs: RegexNode[] }
  /** `max` -1 means unbounded; `braces` marks the `{n,m}` form, which RE2 limits. */
  | { kind: 'repeat'; sub: RegexNode; min: number; max: number; lazy: boolean; braces: boolean };

/** Whether `node` matches the empty string (every assertion is evaluated at the only position, 0). */
export function nodeMatchesEmpty(node: RegexNode): boolean {
  switch (node.kind) {
    case 'empty':
      return true;
    case 'literal':
    case 'class':
    case 'dot':
      return false;
    case 'assert':
      // At position 0 of "": text and line boundaries hold; no word character, so no \b.
      return node.what !== 'wordBoundary';
    case 'group':
      return nodeMatchesEmpty(node.sub);
    case 'concat':
      return node.subs.every(nodeMatchesEmpty);
    case 'alt':
      return node.subs.some(nodeMatchesEmpty);
    case 'repeat':
      return node.min === 0 || nodeMatchesEmpty(node.sub);
  }
}

/** Whether `node` can match an empty substring somewhere (assertions can, wherever they hold). */
export function nodeMayMatchEmpty(node: RegexNode): boolean {
  switch (node.kind) {
    case 'empty':
    case 'assert':
      return true;
    case 'literal':
    case 'class':
    case 'dot':
      return false;
    case 'group':
      return nodeMayMatchEmpty(node.sub);
    case 'concat':
      return node.subs.every(nodeMayMatchEmpty);
    case 'alt':
      return node.subs.some(nodeMayMatchEmpty);
    case 'repeat':
      return node.min === 0 || nodeMayMatchEmpty(node.sub);
  }
}

/**
 * Returns the finite set of strings `node` matches when it is built only from case-sensitive
 * literals, groups, concatenations and alternations (e.g. `a|bc|()`), otherwise undefined.
 */
export function literalAlternatives(node: RegexNode): string[] | undefined {
  switch (node.kind) {
    case 'empty':
      return [''];
    case 'literal':
      // A surrogate code point (`\x{D800}`) matches nothing; as SQL text it would become U+FFFD.
      return node.fold || (node.cp >= 0xd800 && node.cp <= 0xdfff)
        ? undefined
        : [String.fromCodePoint(node.cp)];
    case 'group':
      return literalAlternatives(node.sub);
    case 'alt': {
      const out = new Set<string>();
      let chars = 0;
      for (const sub of node.subs) {
        const strings = literalAlternatives(sub);
        if (strings === undefined) return undefined;
        for (const s of strings) {
          // Counted before the set hashes (and so flattens) the string, repeats too: the work stays
          // bounded however often an alternation's branches expand to the same strings.
          chars += s.length;
          if (chars > MAX_LITERAL_CHARS) return undefined;
          out.add(s);
        }
      }
      return [...out];
    }
    case 'concat': {
      // Each string of `acc` repeats the text after it, so a run of single strings (a literal's
      // characters) is joined before it is appended to every one: appended character by
      // character, `(a|b|c|d)(e|f|g|h)(i|j|k|l)` then 64 KiB of literals built 64 strings of
      // 64 KiB in 4 million steps, seconds of CPU for SQL Timestream would refuse.
      let acc = [''];
      let run: string[] = [];
      const appendRun = () => {
        if (run.length === 0) return;
        const tail = run.join('');
        acc = acc.map((prefix) => prefix + tail);
        run = [];
      };
      for (const sub of node.subs) {
        const strings = literalAlternatives(sub);
        if (strings === undefined) return undefined;
        if (strings.length === 1) {
          run.push(strings[0]!);
          continue;
        }
        if (acc.length * strings.length > MAX_LITERAL_ALTERNATIVES) return undefined;
        appendRun();
        acc = acc.flatMap((prefix) => strings.map((s) => prefix + s));
      }
      appendRun();
      let chars = 0;
      for (const s of acc) chars += s.length;
      return chars > MAX_LITERAL_CHARS ? undefined : [...new Set(acc)];
    }
    default:
      return undefined;
  }
}

/** Cap on the literal strings an alternation may expand to before it is sent as a regex instead. */
export const MAX_LITERAL_ALTERNATIVES = 64;
/**
 * Cap on the characters of the literal strings together before the pattern is sent as a regex
 * instead: Timestream's whole QueryString (timestream/sql.ts), which an `IN (…)` list of more
 * could never fit in, though the regex may.
 */
export const MAX_LITERAL_CHARS = 262_144;
