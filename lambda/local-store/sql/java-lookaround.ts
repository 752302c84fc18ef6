// SPDX-License-Identifier: Apache-2.0
// Gives zero-width Java clusters built from one-code-point lookarounds an RE2 meaning, since RE2 has
// no lookaround: such a cluster only tests the code points just before and just after the position,
// so it is evaluated on every kind of neighbour and kept when an RE2 assertion agrees everywhere.
// That covers what the connector emits for RE2's `(?m)^`, `(?m)$`, `\b` and `\B` (lambda/timestream/
// regex.ts). A lookahead right before a class is folded into the class by the parser instead.
import { ESCAPE_CLASSES, MAX_CODE_POINT, single, toRe2Class, unionAll, type CharSet } from './char-set';
import type { Node } from './java-regex-parser';

/** Stands for "no code point": the start of the subject before, its end after. */
const EDGE = -1;
const NEWLINE = 0x0a;
/** RE2's `\b` and `\B` (and the store's Java `\b`, JDK 19+) use ASCII word characters. */
const WORD = ESCAPE_CLASSES.w!;

/**
 * Bounds on what is evaluated, so a hostile pattern cannot make translation slow; the connector's
 * clusters have at most 8 nodes and 4 kinds of neighbour.
 */
const MAX_CLUSTER_NODES = 64;
const MAX_NEIGHBOURS = 64;

type Predicate = (before: number, after: number) => boolean;

/** Whether `cp` is in `set` (sorted disjoint ranges), by binary search. */
function has(set: CharSet, cp: number): boolean {
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [from, to] = set[mid]!;
    if (cp < from) hi = mid - 1;
    else if (cp > to) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * RE2's zero-width assertions on the neighbours they look at. `never` is a class matching nothing:
 * it fails wherever the assertion would. RE2's `(?m:^)` also holds after a final `\n`, as
 * `(?<![^\n])` does, and `(?m:$)` only before `\n` or at the end, as `(?![^\n])` does.
 */
const RE2_ASSERTIONS: readonly { re2: string; holds: Predicate }[] = [
  { re2: '', holds: () => true },
  { re2: toRe2Class([]), holds: () => false },
  { re2: '\\A', holds: (before) => before === EDGE },
  { re2: '\\z', holds: (_, after) => after === EDGE },
  { re2: '(?m:^)', holds: (before) => before === EDGE || before === NEWLINE },
  { re2: '(?m:$)', holds: (_, after) => after === EDGE || after === NEWLINE },
  { re2: '\\b', holds: (before, after) => has(WORD, before) !== has(WORD, after) },
  { re2: '\\B', holds: (before, after) => has(WORD, before) === has(WORD, after) },
];

/** A zero-width node read as a test of its neighbours, with the sets its lookarounds test. */
interface Cluster {
  holds: Predicate;
  lookSets: CharSet[];
}

/** Returns whether `node` is small, never consumes input and is made of what re2Assertion() reads. */
export const isZeroWidth = (node: Node): boolean => cluster(node) !== undefined;

/**
 * Returns the RE2 assertion meaning exactly what the zero-width `node` means, or undefined when it
 * holds no lookaround, may consume input, is too large, or no RE2 assertion agrees with it on every
 * pair of neighbours.
 */
export function re2Assertion(node: Node): string | undefined {
  const found = cluster(node);
  if (found === undefined || found.lookSets.length === 0) return undefined;
  // Every set is constant between consecutive boundaries, and code points in the same sets are
  // interchangeable, so one code point per combination (plus the edge) stands for all of them.
  // NOTE: Java's lookbehind may read the low surrogate of a supplementary code point instead of
  // the code point; every RE2 assertion treats both as "other", so a cluster agreeing with one
  // everywhere means the same either way.
  const sets = [WORD, single(NEWLINE), ...found.lookSets];
  const boundaries = new Set([0]);
  for (const set of sets) for (const [lo, hi] of set) boundaries.add(lo).add(hi + 1);
  const neighbours = [EDGE];
  const kinds = new Set<string>();
  for (const cp of boundaries) {
    const kind = sets.map((set) => (has(set, cp) ? '1' : '0')).join('');
    if (cp > MAX_CODE_POINT || kinds.has(kind)) continue;
    kinds.add(kind);
    neighbours.push(cp);
    if (neighbours.length > MAX_NEIGHBOURS) return undefined;
  }
  const agrees = (other: Predicate) =>
    neighbours.every((before) =>
      neighbours.every((after) => other(before, after) === found.holds(before, after)),
    );
  return RE2_ASSERTIONS.find((a) => agrees(a.holds))?.re2;
}

/** Reads a zero-width node of at most MAX_CLUSTER_NODES nodes; undefined otherwise. */
function cluster(node: Node): Cluster | undefined {
  const lookSets: CharSet[] = [];
  let budget = MAX_CLUSTER_NODES;
  const read = (n: Node): Predicate | undefined => {
    if (--budget < 0) return undefined;
    switch (n.t) {
      case 'look': {
        const { ahead, negated, set } = n;
        lookSets.push(set);
        return ahead
          ? (_, after) => (after !== EDGE && has(set, after)) !== negated
          : (before) => (before !== EDGE && has(set, before)) !== negated;
      }
      case 'assert':
        return RE2_ASSERTIONS.find((a) => a.re2 === n.re2)?.holds;
      case 'group':
        return read(n.body);
      case 'seq':
      case 'alt': {
        const parts: Predicate[] = [];
        for (const part of n.t === 'seq' ? n.items : n.branches) {
          const p = read(part);
          if (p === undefined) return undefined;
          parts.push(p);
        }
        return n.t === 'seq'
          ? (before, after) => parts.every((p) => p(before, after))
          : (before, after) => parts.some((p) => p(before, after));
      }
      default:
        return undefined;
    }
  };
  const holds = read(node);
  return holds === undefined ? undefined : { holds, lookSets };
}

/** Returns the code points `node` matches when it always consumes exactly one, else undefined. */
export function oneCodePoint(node: Node): CharSet | undefined {
  if (node.t === 'set') return node.set;
  if (node.t === 'group') return oneCodePoint(node.body);
  if (node.t === 'seq' && node.items.length === 1) return oneCodePoint(node.items[0]!);
  if (node.t !== 'alt') return undefined;
  const sets = node.branches.map(oneCodePoint);
  return sets.every((s) => s !== undefined) ? unionAll(sets as CharSet[]) : undefined;
}
