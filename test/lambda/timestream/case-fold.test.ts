// SPDX-License-Identifier: Apache-2.0
import { foldOrbit, foldPartners, foldRanges } from '../../../lambda/timestream/case-fold';

const cps = (s: string) => Array.from(s, (c) => c.codePointAt(0)!);

describe('foldOrbit', () => {
  // Go's unicode.SimpleFold orbits (what Prometheus' regexp matches under (?i)).
  test.each([
    ['k', 'Kk\u212A'], // Kelvin sign
    ['\u212A', 'Kk\u212A'],
    ['s', 'Ss\u017F'], // long s
    ['\u00DF', '\u00DF\u1E9E'], // sharp s and its capital
    ['\u03C3', '\u03A3\u03C2\u03C3'], // sigma, final sigma
    ['\u03B8', '\u0398\u03B8\u03D1\u03F4'], // theta, its symbol forms
    ['\u01C5', '\u01C4\u01C5\u01C6'], // titlecase digraph
    ['\u1F80', '\u1F80\u1F88'], // iota subscript
    ['\u00B5', '\u00B5\u039C\u03BC'], // micro sign
    ['\u0131', '\u0131'], // dotless i folds with nothing
    ['\u0130', '\u0130'], // nor does dotted capital I
    ['i', 'Ii'],
    ['1', '1'],
    ['\u{10428}', '\u{10400}\u{10428}'], // Deseret, astral
  ])('%j folds with %j', (c, orbit) => {
    expect(foldOrbit(c.codePointAt(0)!)).toEqual(cps(orbit));
  });
});

describe('foldRanges', () => {
  test.each([
    {
      name: 'a small range',
      ranges: [[0x61, 0x63]],
      folded: [
        [0x41, 0x43],
        [0x61, 0x63],
      ],
    },
    {
      name: 'a large range, with partners far outside it',
      ranges: [[0x4a, 0x7ff]],
      // From outside the range: the Kelvin sign (of k), Angstrom sign (å), Ohm sign (ω), capital
      // sharp s (ß) and the Greek prosgegrammeni (ι).
      includes: [0x212a, 0x212b, 0x2126, 0x1e9e, 0x1fbe],
    },
    { name: 'caseless characters', ranges: [[0x30, 0x39]], folded: [[0x30, 0x39]] },
  ])('$name', ({ ranges, folded, includes }) => {
    const out = foldRanges(ranges as [number, number][]);
    if (folded) expect(out).toEqual(folded);
    for (const cp of includes ?? []) expect(out.some(([lo, hi]) => lo <= cp && cp <= hi)).toBe(true);
  });

  // Against every member's orbit, one by one: narrow and wide classes, one range or several (the
  // fold visits only the cased code points inside and adds only what lies outside).
  test.each([
    { name: 'U+0100, 1400 code points', ranges: [[0x100, 0x100 + 1399]] },
    { name: 'U+0100, 1600 code points', ranges: [[0x100, 0x100 + 1599]] },
    { name: 'U+1E00, 300 code points', ranges: [[0x1e00, 0x1e00 + 299]] },
    { name: 'U+1E00, 3000 code points', ranges: [[0x1e00, 0x1e00 + 2999]] },
    {
      name: '[a-zß-ẞ]',
      ranges: [
        [0x61, 0x7a],
        [0xdf, 0x1e9e],
      ],
    },
    {
      name: '[^a]',
      ranges: [
        [0, 0x60],
        [0x62, 0x10ffff],
      ],
    },
    {
      name: 'k and K, out of order',
      ranges: [
        [0x6b, 0x6b],
        [0x4b, 0x4b],
      ],
    },
  ])('$name: each member with its whole orbit', ({ ranges }) => {
    const expected = new Set<number>();
    for (const [from, to] of ranges)
      for (let cp = from!; cp <= to!; cp++) for (const other of foldOrbit(cp)) expected.add(cp).add(other);
    const members = new Set<number>();
    for (const [lo, hi] of foldRanges(ranges as [number, number][]))
      for (let cp = lo; cp <= hi; cp++) members.add(cp);
    expect(members.size).toBe(expected.size);
    for (const cp of expected) if (!members.has(cp)) expect(cp).toBe('a member of the folded class');
  });
});

describe('foldPartners', () => {
  test.each([
    ['Lt', '\u01C6', true], // dž joins the titlecase Dž
    ['Lt', 'a', false],
    ['Lu', 'a', true],
    ['Lu', '\u0131', false],
    ['IsGreek', '\u00B5', true], // micro sign, of the orbit of mu
    ['IsGreek', '\u03BC', false], // mu is Greek itself
    ['Nd', '1', false],
  ])('\\p{%s} gains %j: %j', (name, c, expected) => {
    const cp = c.codePointAt(0)!;
    expect(foldPartners(name).some(([lo, hi]) => lo <= cp && cp <= hi)).toBe(expected);
  });
});
