// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import type { Label } from '../../../lambda/prompb/types';
import { compareLabels, compareUtf8 } from '../../../lambda/timestream/labels-compare';

/** The reference: Go's string comparison is byte-wise on UTF-8. */
const byteCompare = (a: string, b: string) =>
  Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));

describe('compareUtf8', () => {
  test.each([
    { name: 'equal', a: 'abc', b: 'abc', expected: 0 },
    { name: 'prefix first', a: 'ab', b: 'abc', expected: -1 },
    { name: 'ASCII order', a: 'B', b: 'a', expected: -1 },
    { name: 'underscore after upper case', a: 'Z', b: '__name__', expected: -1 },
    { name: 'astral after U+E000..U+FFFF (UTF-16 says before)', a: '😀', b: '\uFFFD', expected: 1 },
    { name: 'U+FFFD before astral', a: 'x\uFFFD', b: 'x\u{10000}', expected: -1 },
    { name: 'private use before astral', a: '\uE000', b: '\u{1F600}', expected: -1 },
    { name: 'two astral characters', a: '\u{1F600}', b: '\u{1F601}', expected: -1 },
    { name: 'astral vs BMP below surrogates', a: '\u{10000}', b: '\uD7FF', expected: 1 },
  ])('$name', ({ a, b, expected }) => {
    expect(compareUtf8(a, b)).toBe(expected);
    expect(compareUtf8(b, a)).toBe(0 - expected);
    expect(byteCompare(a, b)).toBe(expected);
  });

  test('agrees with byte-wise UTF-8 comparison', () => {
    const chars = fc.constantFrom(
      'a',
      'b',
      'é',
      '\uD7FF',
      '\uE000',
      '\uFFFD',
      '\uFFFF',
      '😀',
      '\u{10000}',
      '\u{10FFFF}',
    );
    const strings = fc.array(chars, { maxLength: 4 }).map((c) => c.join(''));
    fc.assert(
      fc.property(strings, strings, (a, b) => {
        expect(Math.sign(compareUtf8(a, b))).toBe(byteCompare(a, b));
      }),
      { numRuns: 2000, seed: 42 },
    );
  });
});

describe('compareLabels', () => {
  const l = (...pairs: string[]): Label[] => {
    const out: Label[] = [];
    for (let i = 0; i < pairs.length; i += 2) out.push({ name: pairs[i]!, value: pairs[i + 1]! });
    return out;
  };

  test.each([
    { name: 'equal', a: l('a', '1', 'b', '2'), b: l('a', '1', 'b', '2'), sign: 0 },
    { name: 'name decides first', a: l('a', '9'), b: l('b', '1'), sign: -1 },
    { name: 'then value', a: l('a', '1', 'b', '9'), b: l('a', '2', 'b', '1'), sign: -1 },
    { name: 'shorter set first', a: l('a', '1'), b: l('a', '1', 'b', '1'), sign: -1 },
    { name: 'value byte order, not UTF-16', a: l('a', '\uFFFD'), b: l('a', '😀'), sign: -1 },
    { name: 'name byte order, not UTF-16', a: l('😀', ''), b: l('\uE000', ''), sign: 1 },
    { name: 'empty sets', a: l(), b: l(), sign: 0 },
  ])('$name', ({ a, b, sign }) => {
    expect(Math.sign(compareLabels(a, b))).toBe(sign);
    expect(Math.sign(compareLabels(b, a))).toBe(0 - sign);
  });
});
