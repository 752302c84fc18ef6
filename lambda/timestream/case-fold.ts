// SPDX-License-Identifier: Apache-2.0
// RE2's `(?i)` spelled out as explicit character sets. Go's regexp (what Prometheus runs) matches a
// folded character against its whole simple case folding orbit (`k`, `K` and the Kelvin sign `K`;
// `ß` and `ẞ`; never `ı` or `İ`), folds a class before negating it, and adds to `\p{..}` the
// characters whose orbit meets it. Java's `(?iu)`, which Timestream would apply instead, compares
// upper-then-lower case mappings: `ı` matches `i`, `[A-Z]` misses the Kelvin sign, and under it
// `\p{Lt}` matches every cased letter. So the connector emits the orbits themselves.

import { type Range, normalizeRanges } from './regex-classes';

/** Code points below this can be cased (the last cased letter, Adlam U+1E943, is under it). */
const CASED_LIMIT = 0x20000;

let orbits: readonly (readonly number[])[] | undefined;
let orbitOf: Map<number, readonly number[]> | undefined;

/**
 * The simple case folding orbits of this runtime's Unicode data, each ascending, in ascending
 * order of their first member. JavaScript's `/iu` compares by simple case folding, as Go does:
 * every orbit is joined through single code point upper or lower case mappings that `/iu` holds
 * equal. Built on first use (~50 ms), since only `(?i)` matchers need it.
 */
function caseOrbits(): readonly (readonly number[])[] {
  if (orbits !== undefined) return orbits;
  const parent = new Map<number, number>();
  const root = (cp: number): number => {
    let r = cp;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  for (let cp = 0; cp < CASED_LIMIT; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    for (const mapped of [c.toLowerCase(), c.toUpperCase()]) {
      const other = mapped.codePointAt(0)!;
      // Multi-character mappings (`ß` → "SS") are full case mappings, not simple folding.
      if (mapped === c || mapped.length !== String.fromCodePoint(other).length) continue;
      if (!new RegExp(`^\\u{${cp.toString(16)}}$`, 'iu').test(mapped)) continue;
      const [a, b] = [root(cp), root(other)];
      if (!parent.has(a)) parent.set(a, a);
      if (!parent.has(b)) parent.set(b, b);
      if (a !== b) parent.set(a, b);
    }
  }
  const byRoot = new Map<number, number[]>();
  for (const cp of parent.keys()) {
    const r = root(cp);
    let members = byRoot.get(r);
    if (members === undefined) byRoot.set(r, (members = []));
    members.push(cp);
  }
  orbits = [...byRoot.values()].map((m) => m.sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);
  orbitOf = new Map();
  for (const orbit of orbits) for (const cp of orbit) orbitOf.set(cp, orbit);
  return orbits;
}

/** The code points `(?i)` makes `cp` match, itself included, ascending. */
export function foldOrbit(cp: number): readonly number[] {
  caseOrbits();
  return orbitOf!.get(cp) ?? [cp];
}

/** Whether `cp` is in canonical `ranges`, by binary search. */
function inRanges(ranges: readonly Range[], cp: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [from, to] = ranges[mid]!;
    if (cp < from) hi = mid - 1;
    else if (cp > to) lo = mid + 1;
    else return true;
  }
  return false;
}

/** `ranges` with every orbit that meets them added whole (RE2's folded class), canonical. */
export function foldRanges(ranges: readonly Range[]): Range[] {
  const set = normalizeRanges(ranges);
  const all = caseOrbits();
  let size = 0;
  for (const [lo, hi] of set) size += hi - lo + 1;
  const added: Range[] = [];
  // Whichever is smaller is walked: the class's own members, or every orbit (~1 500), so a
  // pattern of many small classes costs a lookup per member, not a pass over the orbits each.
  if (size <= all.length) {
    for (const [lo, hi] of set) {
      for (let cp = lo; cp <= hi; cp++)
        for (const other of orbitOf!.get(cp) ?? []) added.push([other, other]);
    }
  } else {
    for (const orbit of all) {
      if (orbit.some((cp) => inRanges(set, cp))) for (const cp of orbit) added.push([cp, cp]);
    }
  }
  return normalizeRanges([...set, ...added]);
}

const partnersOf = new Map<string, Range[]>();

/**
 * The characters outside the Java property `javaName` (`Lu`, `IsGreek`) whose orbit meets it: what
 * RE2 adds to `(?i)\p{..}` (Go's unicode.FoldCategory and FoldScript tables), canonical.
 */
export function foldPartners(javaName: string): Range[] {
  let partners = partnersOf.get(javaName);
  if (partners !== undefined) return partners;
  const js = javaName.startsWith('Is') ? `Script=${javaName.slice(2)}` : javaName;
  const property = new RegExp(`^\\p{${js}}$`, 'u');
  const out: Range[] = [];
  for (const orbit of caseOrbits()) {
    const inside = orbit.filter((cp) => property.test(String.fromCodePoint(cp)));
    if (inside.length > 0 && inside.length < orbit.length) {
      for (const cp of orbit) if (!inside.includes(cp)) out.push([cp, cp]);
    }
  }
  partners = normalizeRanges(out);
  partnersOf.set(javaName, partners);
  return partners;
}
