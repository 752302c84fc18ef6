// SPDX-License-Identifier: Apache-2.0
import { jsProperty } from '../../../../lambda/local-store/sql/char-set';
import { translateJavaRegex } from '../../../../lambda/local-store/sql/java-regex';
import {
  MAX_JOINED_OPTIONAL,
  MAX_REGEX_NESTING,
  MAX_REGEX_RANGES,
} from '../../../../lambda/local-store/sql/java-regex-parser';
import { refusal } from '../store-refusal';

const LONGEST_QUERY = 262_144;
const invalid = (description: string, index: number) => ({
  type: 'ValidationException',
  message: `Invalid regular expression: ${description} near index ${index}`,
  status: 400,
});
const tooDeep = (index: number) =>
  invalid('Groups and classes nested more than 256 deep are not supported by the embedded store', index);
const tooManyRanges = (index: number) =>
  invalid(
    'Character classes of more than 262144 code point ranges in one pattern are not supported by the embedded store',
    index,
  );
const nest = (open: string, inner: string, close: string, depth: number) =>
  open.repeat(depth) + inner + close.repeat(depth);

describe('Java regex patterns the parser bounds', () => {
  test('nest at most 256 deep and hold at most 262 144 ranges', () => {
    expect([MAX_REGEX_NESTING, MAX_REGEX_RANGES]).toEqual([256, 262_144]);
  });

  test.each([
    {
      name: 'groups nested 256 deep',
      pattern: nest('(?:', 'a', ')', 256),
      re2: `${nest('(?:', 'a', ')', 256)}`,
    },
    { name: 'classes nested 256 deep', pattern: `[a${nest('[', 'b', ']', 255)}]`, re2: '[a-b]' },
  ])('translates $name', ({ pattern, re2 }) => {
    expect(translateJavaRegex(pattern)).toEqual({ pattern: re2 });
  });

  test.each([
    { name: 'groups nested 257 deep', pattern: nest('(', 'a', ')', 257), at: 256 },
    { name: 'lookaheads nested 257 deep', pattern: nest('(?=', 'a', ')', 257), at: 256 * 3 },
    { name: 'classes nested 257 deep', pattern: `[a${nest('[', 'b', ']', 256)}]`, at: 257 },
    // The parser and emitter recurse once per level: this deep, the stack overflowed (a 500).
    {
      name: 'groups nested as deep as a query can hold',
      pattern: nest('(', 'a', ')', LONGEST_QUERY / 2 - 100),
      at: 256,
    },
    {
      name: 'classes nested as deep as a query can hold',
      pattern: `[a${nest('[', 'b', ']', LONGEST_QUERY / 2 - 100)}]`,
      at: 257,
    },
  ])('refuses $name where the nesting passes the limit', ({ pattern, at }) => {
    expect(refusal(() => translateJavaRegex(pattern))).toEqual(tooDeep(at));
  });

  test('refuses Unicode property classes past the range limit where they pass it', () => {
    // How many ranges \p{L} is depends on the Unicode version of the JS engine.
    const perClass = jsProperty('gc=L')!.length;
    const classes = Math.floor(MAX_REGEX_RANGES / perClass) + 1;
    expect(refusal(() => translateJavaRegex('\\p{L}'.repeat(classes + 10)))).toEqual(
      tooManyRanges(5 * classes),
    );
  });

  // Each was an internal error (500, `Maximum call stack size exceeded`): the items were spread
  // into one call's arguments.
  test.each([
    { name: 'a class of characters', pattern: `[${'ab'.repeat(LONGEST_QUERY / 2 - 10)}]`, re2: '[a-b]' },
    { name: 'a class of literal &', pattern: `[${'a&'.repeat(LONGEST_QUERY / 2 - 10)}]`, re2: '[\\x{26}a]' },
    {
      name: 'a class of characters above U+00FF',
      pattern: `[${'ĀĂ'.repeat(LONGEST_QUERY / 2 - 10)}]`,
      re2: '[\\x{100}\\x{102}]',
    },
  ])('translates $name as long as a query can hold', ({ pattern, re2 }) => {
    expect(translateJavaRegex(pattern)).toEqual({ pattern: re2 });
  });

  test('refuses a property name as long as a query can hold as unknown', () => {
    const pattern = `\\p{${'a'.repeat(LONGEST_QUERY - 10)}}`;
    expect(refusal(() => translateJavaRegex(pattern))).toMatchObject({
      type: 'ValidationException',
      message: expect.stringMatching(
        /^Invalid regular expression: Unknown character property name \{a+\} near index 0/,
      ),
    });
  });

  test('refuses case-folded negated classes written as often as a query can hold', () => {
    // Each is some 700 ranges to fold and negate: 26 000 of them took 10 s to refuse.
    const pattern = '(?iu)[^\\p{L}k]'.repeat(Math.floor(LONGEST_QUERY / 14));
    expect(refusal(() => translateJavaRegex(pattern))).toMatchObject({
      type: 'ValidationException',
      message: expect.stringMatching(
        /^Invalid regular expression: Character classes of more than 262144 code point ranges in one pattern are not supported by the embedded store near index \d+$/,
      ),
    });
  });
});

describe('adjacent repetitions of one character, which RE2 joins into one', () => {
  const tooMany = (index: number) =>
    invalid(
      'Adjacent repetitions of one character adding up to more than 1000 optional copies are not supported by the embedded store',
      index,
    );

  test('add up to at most 1000 optional copies', () => {
    expect(MAX_JOINED_OPTIONAL).toBe(1000);
  });

  test.each([
    { name: 'one a{0,1000}', pattern: 'a{0,1000}', re2: '(?:a){0,1000}' },
    { name: 'a{0,500} twice', pattern: 'a{0,500}a{0,500}', re2: '(?:a){0,500}(?:a){0,500}' },
    {
      name: 'a{1000} a hundred times (no optional copy)',
      pattern: 'a{1000}'.repeat(100),
      re2: '(?:a){1000}'.repeat(100),
    },
    { name: 'a* a thousand times', pattern: 'a*'.repeat(1000), re2: '(?:a){0,}'.repeat(1000) },
    {
      name: 'a? and b? alternating, 2000 of them',
      pattern: 'a?b?'.repeat(1000),
      re2: '(?:a){0,1}(?:b){0,1}'.repeat(1000),
    },
    { name: '(?:ab)? 2000 times', pattern: '(?:ab)?'.repeat(2000), re2: '(?:(?:ab)){0,1}'.repeat(2000) },
  ])('translates $name', ({ pattern, re2 }) => {
    expect(translateJavaRegex(pattern)).toEqual({ pattern: re2 });
  });

  // Joined by RE2 into a{0,100000}, this 930-character pattern took DuckDB 32 s to compile.
  test.each([
    { name: 'a{0,1000} a hundred times', pattern: 'a{0,1000}'.repeat(100), at: 10 },
    { name: 'a{0,1000} twice through a group', pattern: '(?:a{0,1000})a{0,1000}', at: 14 },
    { name: 'a{0,500} twice around a plain a', pattern: 'a{0,500}aa{0,501}', at: 10 },
    { name: 'a? 1001 times', pattern: 'a?'.repeat(1001), at: 2001 },
    { name: '[ab]? 1001 times', pattern: '[ab]?'.repeat(1001), at: 5004 },
    { name: '(a?) 1001 times', pattern: '(a?)'.repeat(1001), at: 4002 },
    { name: 'a? as many times as a query holds', pattern: 'a?'.repeat(LONGEST_QUERY / 2 - 100), at: 2001 },
  ])('refuses $name where the copies pass the limit', ({ pattern, at }) => {
    expect(refusal(() => translateJavaRegex(pattern))).toEqual(tooMany(at));
  });
});
