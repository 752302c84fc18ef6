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
/** Every member of an orbit, ascending: the code points folding can add to or find in a class. */
let cased: Int32Array | undefined;
/** The first and last member of `cased[i]`'s orbit, so a walk skips orbits inside one range. */
let orbitFirst: Int32Array | undefined;
let orbitLast: Int32Array | undefined;

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
  cased = Int32Array.from(orbitOf.keys()).sort();
  orbitFirst = cased.map((cp) => orbitOf!.get(cp)![0]!);
  orbitLast = cased.map((cp) => orbitOf!.get(cp)!.at(-1)!);
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
  caseOrbits();
  const members = cased!;
  const added: Range[] = [];
  // Only the cased code points inside the class are visited (binary search to each range's
  // first), and only orbit members outside it are added: a wide class (`[a-zß-ẞ]`) costs what it
  // holds of the ~2 800 cased code points, and sorts a few ranges, not a thousand (0.33 ms a
  // class before, the cost of a read whose matchers hold thousands of them). An orbit that lies
  // within the visited range has nothing outside it, so it is passed over on two array reads:
  // only the orbits crossing a range's ends are looked up (77 µs a `[a-zß-ẞ]` before).
  const first = orbitFirst!;
  const last = orbitLast!;
  for (const [lo, hi] of set) {
    let a = 0;
    let b = members.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (members[mid]! < lo) a = mid + 1;
      else b = mid;
    }
    for (let i = a; i < members.length && members[i]! <= hi; i++) {
      if (first[i]! >= lo && last[i]! <= hi) continue;
      for (const other of orbitOf!.get(members[i]!)!) if (!inRanges(set, other)) added.push([other, other]);
    }
  }
  return added.length === 0 ? set : normalizeRanges([...set, ...added]);
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
