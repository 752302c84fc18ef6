// SPDX-License-Identifier: Apache-2.0
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { ConnectorError, ErrorKind } from '../../../lambda/core/errors';
import {
  MAX_JAVA_CLASS_CHARS,
  matchesEmpty,
  re2ToJavaRegex,
  translateRe2,
} from '../../../lambda/timestream/regex';
import { ALPHABET, javaToJs, re2Cases, re2Reference } from './re2-emulation';

/** The message of the bad-request error translating `re2` throws; fails the test otherwise. */
function badRequestMessage(re2: string): string {
  let caught: unknown;
  try {
    re2ToJavaRegex(re2);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ConnectorError);
  expect((caught as ConnectorError).kind).toBe(ErrorKind.BadRequest);
  return (caught as ConnectorError).message;
}

describe('re2ToJavaRegex', () => {
  test.each([
    { name: 'literal', re2: 'foo', java: '^(?:foo)\\z' },
    { name: 'empty pattern', re2: '', java: '^(?:)\\z' },
    { name: 'alternation', re2: 'a|b', java: '^(?:a|b)\\z' },
    { name: 'empty alternative', re2: 'a|', java: '^(?:a|)\\z' },
    { name: 'empty group', re2: '()', java: '^(?:(?:))\\z' },
    { name: 'dot excludes only newline', re2: '.', java: '^(?:[^\\n])\\z' },
    { name: 'dot-all flag', re2: '(?s).', java: '^(?:[\\s\\S])\\z' },
    { name: 'dot-all scoped', re2: '(?s:.)x.', java: '^(?:(?:[\\s\\S])x[^\\n])\\z' },
    { name: 'flag cleared', re2: '(?s)(?-s:.).', java: '^(?:(?:[^\\n])[\\s\\S])\\z' },
    { name: 'dollar is end of text', re2: 'a$', java: '^(?:a\\z)\\z' },
    { name: 'caret is start of text', re2: '^a', java: '^(?:^a)\\z' },
    { name: '\\A and \\z', re2: '\\Aa\\z', java: '^(?:^a\\z)\\z' },
    { name: 'multi-line anchors', re2: '(?m)^a$', java: '^(?:(?<![^\\n])a(?![^\\n]))\\z' },
    {
      name: 'word boundary',
      re2: '\\ba',
      java: '^(?:(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))a)\\z',
    },
    {
      name: 'not word boundary',
      re2: '\\B',
      java: '^(?:(?:(?<=[0-9A-Za-z_])(?=[0-9A-Za-z_])|(?<![0-9A-Za-z_])(?![0-9A-Za-z_])))\\z',
    },
    { name: 'named group P', re2: '(?P<name>a)', java: '^(?:(?:a))\\z' },
    // Go accepts a group name given twice (Prometheus 2.42 matches "ab" with it); C++ RE2 would not.
    { name: 'group name given twice', re2: '(?P<n>a)(?P<n>b)', java: '^(?:(?:a)(?:b))\\z' },
    { name: 'named group', re2: '(?<n_1>a)', java: '^(?:(?:a))\\z' },
    { name: 'capture', re2: '(a)(b)', java: '^(?:(?:a)(?:b))\\z' },
    { name: 'posix class', re2: '[[:alpha:]]', java: '^(?:[A-Za-z])\\z' },
    { name: 'negated posix', re2: '[[:^alpha:]]', java: '^(?:[\\x{0}-@\\[-`{-\\x{10FFFF}])\\z' },
    { name: 'posix word and xdigit', re2: '[[:word:][:xdigit:]]', java: '^(?:[0-9A-Z_a-z])\\z' },
    { name: 'perl digit', re2: '\\d', java: '^(?:[0-9])\\z' },
    { name: 'perl space (no VT)', re2: '\\s', java: '^(?:[\\t\\n\\f\\r ])\\z' },
    { name: 'perl word negated', re2: '\\W', java: '^(?:[\\x{0}-/:-@\\[-\\^`{-\\x{10FFFF}])\\z' },
    { name: 'perl in class', re2: '[\\d_]', java: '^(?:[0-9_])\\z' },
    { name: 'negated perl in class', re2: '[\\D]', java: '^(?:[\\x{0}-/:-\\x{10FFFF}])\\z' },
    { name: 'unicode letter', re2: '\\pL', java: '^(?:[\\p{L}])\\z' },
    { name: 'unicode braces', re2: '\\p{Lu}', java: '^(?:[\\p{Lu}])\\z' },
    { name: 'unicode script', re2: '\\p{Greek}', java: '^(?:[\\p{IsGreek}])\\z' },
    { name: 'unicode negated', re2: '\\PL', java: '^(?:[\\P{L}])\\z' },
    { name: 'unicode caret negation', re2: '\\p{^Greek}', java: '^(?:[\\P{IsGreek}])\\z' },
    { name: 'unicode Other', re2: '\\pC', java: '^(?:[\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}])\\z' },
    { name: 'unicode Any', re2: '\\p{Any}', java: '^(?:[\\x{0}-\\x{10FFFF}])\\z' },
    // (?i) becomes each character's case folding orbit, never Java's i flag.
    { name: 'case-insensitive', re2: '(?i)ab1', java: '^(?:[Aa][Bb]1)\\z' },
    { name: 'case-insensitive scoped', re2: 'a(?i:b)c', java: '^(?:a(?:[Bb])c)\\z' },
    { name: 'case-insensitive class', re2: '(?i)[a-c]', java: '^(?:[A-Ca-c])\\z' },
    { name: 'case-insensitive k and the Kelvin sign', re2: '(?i)k', java: '^(?:[Kk\u212A])\\z' },
    { name: 'case-insensitive dotless i folds to nothing', re2: '(?i)\u0131', java: '^(?:\u0131)\\z' },
    { name: 'case-insensitive negated class', re2: '(?i)[^s]', java: '^(?:[^Ss\u017F])\\z' },
    {
      name: 'case-insensitive negated perl class',
      re2: '(?i)\\W',
      java: '^(?:[\\x{0}-/:-@\\[-\\^`{-\u017E\u0180-\u2129\u212B-\\x{10FFFF}])\\z', // without ſ and K
    },
    { name: 'case-insensitive property', re2: '(?i)\\p{Cherokee}', java: '^(?:[\\p{IsCherokee}])\\z' },
    { name: 'ungreedy swaps', re2: '(?U)a*b*?', java: '^(?:a*?b*)\\z' },
    { name: 'lazy', re2: 'a+?', java: '^(?:a+?)\\z' },
    { name: 'hex escapes', re2: '\\x41\\x{1F600}', java: '^(?:A😀)\\z' },
    { name: 'quoted literal', re2: '\\Q.*+\\E', java: '^(?:\\.\\*\\+)\\z' },
    { name: 'unterminated quote', re2: '\\Qa|b', java: '^(?:a\\|b)\\z' },
    { name: 'octal', re2: '\\101\\0', java: '^(?:A\\x{0})\\z' },
    { name: 'control escapes', re2: '\\a\\f\\t\\n\\r\\v', java: '^(?:\\x{7}\\f\\t\\n\\r\\x{B})\\z' },
    { name: 'escaped punctuation', re2: '\\.\\*\\_\\-', java: '^(?:\\.\\*_-)\\z' },
    { name: 'repeat counts', re2: 'a{2}b{2,}c{2,5}', java: '^(?:a{2}b{2,}c{2,5})\\z' },
    { name: 'literal brace', re2: 'a{,5}', java: '^(?:a\\{,5\\})\\z' },
    { name: 'literal brace leading zero', re2: 'a{01}', java: '^(?:a\\{01\\})\\z' },
    { name: 'lone brace', re2: '{', java: '^(?:\\{)\\z' },
    { name: 'close brace', re2: 'a}', java: '^(?:a\\})\\z' },
    { name: 'class with ] first', re2: '[]a]', java: '^(?:[\\]a])\\z' },
    { name: 'class with - last', re2: '[a-]', java: '^(?:[\\-a])\\z' },
    { name: 'class with [', re2: '[[]', java: '^(?:[\\[])\\z' },
    { name: 'class intersection chars', re2: '[a&&b]', java: '^(?:[\\&ab])\\z' },
    { name: 'class caret not first', re2: '[a^]', java: '^(?:[\\^a])\\z' },
    { name: 'negated class', re2: '[^a-z]', java: '^(?:[^a-z])\\z' },
    { name: 'empty class', re2: '[^\\x00-\\x{10FFFF}]', java: '^(?:[^\\x{0}-\\x{10FFFF}])\\z' },
    { name: 'full class', re2: '[\\x00-\\x{10FFFF}]', java: '^(?:[\\x{0}-\\x{10FFFF}])\\z' },
    { name: 'java-only metacharacters', re2: '#<>=!\'"', java: '^(?:#<>=!\'")\\z' },
    { name: 'non-ASCII literal', re2: 'é中😀', java: '^(?:é中😀)\\z' },
    { name: 'invisible characters', re2: '  ​', java: '^(?:\\x{2028}\\x{A0}\\x{200B})\\z' },
    {
      name: 'repeated assertion',
      re2: '^*a\\b+',
      java: '^(?:a(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_])))\\z',
    },
    { name: 'nullable counted repeat', re2: '(a|^){2,3}', java: '^(?:(?:a|^)(?:a|^)(?:a|^){0,1})\\z' },
    { name: 'nested repeat group', re2: '(a*)*', java: '^(?:(?:a*)*)\\z' },
    // A repeat after a flag group repeats the repeat before it: (?:a*)+, never Java's possessive a*+.
    { name: 'repeat after a flag group', re2: 'a*(?i)+', java: '^(?:(?:a*)+)\\z' },
    { name: 'count after a flag group', re2: 'a{2}(?i){3}', java: '^(?:(?:a{2}){3})\\z' },
    { name: 'nested counts of exactly 1000', re2: '(a{100}){10}', java: '^(?:(?:a{100}){10})\\z' },
    // Go's repeatIsValid stops at a {0}: what it repeats zero times is not counted.
    {
      name: 'nested counts under a zero count',
      re2: '((a{100}){0}){11}',
      java: `^(?:${'(?:(?:a{100}){0})'.repeat(11)})\\z`,
    },
    { name: 'DEL', re2: '\x7f', java: '^(?:\\x{7F})\\z' },
    { name: 'escaped DEL', re2: '\\\x7f', java: '^(?:\\x{7F})\\z' },
    { name: 'octal stops before 8', re2: '\\08', java: '^(?:\\x{0}8)\\z' },
    { name: 'octal takes at most three digits', re2: '\\1234', java: '^(?:S4)\\z' },
    { name: 'upper-case hex digits', re2: '\\x4A\\x{4a}', java: '^(?:JJ)\\z' },
    { name: 'brace with a bad maximum is literal', re2: 'a{2,x}', java: '^(?:a\\{2,x\\})\\z' },
    { name: 'quoted backslash', re2: '\\Qa\\.b\\E', java: '^(?:a\\\\\\.b)\\z' },
    { name: 'unicode doubly negated', re2: '\\P{^Greek}', java: '^(?:[\\p{IsGreek}])\\z' },
    { name: 'unicode Any negated is empty', re2: '\\P{Any}', java: '^(?:[^\\s\\S])\\z' },
    { name: 'empty set negated is everything', re2: '[^\\P{Any}]', java: '^(?:[\\s\\S])\\z' },
    {
      // Java versions disagree on whether [^a[^X]] negates the nested class too.
      name: 'negated class with a nested negated set',
      re2: '[^a\\PC]',
      java: '^(?:[[\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}]&&[^a]])\\z',
    },
  ])('$name: $re2', ({ re2, java }) => {
    expect(re2ToJavaRegex(re2)).toBe(java);
  });

  test.each([
    {
      name: 'backreference',
      re2: '(a)\\1',
      message: 'invalid escape sequence (backreferences are not supported by RE2): `\\1`',
    },
    {
      name: 'escape of 8',
      re2: '\\8',
      message: 'invalid escape sequence (backreferences are not supported by RE2): `\\8`',
    },
    { name: 'lookahead', re2: 'a(?=b)', message: 'lookaround is not supported by RE2: `(?=`' },
    { name: 'negative lookahead', re2: '(?!b)', message: 'lookaround is not supported by RE2: `(?!`' },
    { name: 'lookbehind', re2: '(?<=a)b', message: 'lookaround is not supported by RE2: `(?<=`' },
    { name: 'negative lookbehind', re2: '(?<!a)b', message: 'lookaround is not supported by RE2: `(?<!`' },
    {
      name: 'named backreference',
      re2: '(?P<x>a)(?P=x)',
      message: 'backreferences and recursion are not supported by RE2: `(?P=`',
    },
    { name: 'atomic group', re2: '(?>a)', message: 'invalid or unsupported Perl syntax: `(?>`' },
    {
      name: 'possessive quantifier',
      re2: 'a*+',
      message: 'invalid nested repetition operator (possessive quantifiers are not RE2): `+`',
    },
    {
      name: 'double star',
      re2: 'a**',
      message: 'invalid nested repetition operator (possessive quantifiers are not RE2): `*`',
    },
    {
      name: 'repeat of repeat count',
      re2: 'a{2}{3}',
      message: 'invalid nested repetition operator (possessive quantifiers are not RE2): `{3}`',
    },
    { name: 'missing argument', re2: '*a', message: 'missing argument to repetition operator: `*`' },
    {
      name: 'missing argument after bar',
      re2: 'a|*',
      message: 'missing argument to repetition operator: `*`',
    },
    {
      name: 'repeat count over 1000',
      re2: 'a{1001}',
      message: 'invalid repeat count (RE2 allows at most 1000): `{1001}`',
    },
    {
      name: 'repeat max below min',
      re2: 'a{3,2}',
      message: 'invalid repeat count (RE2 allows at most 1000): `{3,2}`',
    },
    {
      name: 'nested repeat over 1000',
      re2: '(a{100}){11}',
      message: 'invalid repeat count (nested repetition over 1000): `{11}`',
    },
    { name: 'missing paren', re2: '(a', message: 'missing closing )' },
    { name: 'unexpected paren', re2: 'a)', message: 'unexpected )' },
    { name: 'missing bracket', re2: '[a', message: 'missing closing ]: `[a`' },
    { name: 'empty brackets', re2: '[]', message: 'missing closing ]: `[]`' },
    { name: 'bad range', re2: '[z-a]', message: 'invalid character class range: `z-a`' },
    { name: 'unknown posix class', re2: '[[:foo:]]', message: 'invalid character class range: `[:foo:]`' },
    {
      name: 'unknown unicode class',
      re2: '\\p{Klingon}',
      message: 'invalid character class range (unknown Unicode class): `\\p{Klingon}`',
    },
    { name: 'unterminated unicode class', re2: '\\p{L', message: 'invalid character class range: `\\p{L`' },
    { name: 'trailing backslash', re2: 'a\\', message: 'trailing backslash at end of expression' },
    { name: 'unknown escape', re2: '\\q', message: 'invalid escape sequence: `\\q`' },
    { name: '\\Z', re2: 'a\\Z', message: 'invalid escape sequence (not supported by RE2): `\\Z`' },
    { name: '\\C', re2: '\\C', message: 'invalid escape sequence (not supported by RE2): `\\C`' },
    { name: 'backspace in class', re2: '[\\b]', message: 'invalid escape sequence: `\\b`' },
    { name: 'hex over max code point', re2: '\\x{110000}', message: 'invalid escape sequence: `\\x{110000`' },
    { name: 'empty hex braces', re2: '\\x{}', message: 'invalid escape sequence: `\\x{}`' },
    { name: 'short hex', re2: '\\xg1', message: 'invalid escape sequence: `\\xg1`' },
    { name: 'unknown flag', re2: '(?x)a', message: 'invalid or unsupported Perl syntax: `(?x`' },
    { name: 'empty negated flags', re2: '(?i-)a', message: 'invalid or unsupported Perl syntax: `(?i-)`' },
    { name: 'invalid group name', re2: '(?P<a-b>x)', message: 'invalid named capture: `(?P<a-b>`' },
    { name: 'unterminated group name', re2: '(?P<ab', message: 'invalid named capture: `(?P<ab`' },
    { name: 'empty group name', re2: '(?P<>a)', message: 'invalid named capture: `(?P<>`' },
    { name: 'flags negated twice', re2: '(?i--s)a', message: 'invalid or unsupported Perl syntax: `(?i--`' },
    {
      name: 'repeat maximum over 1000',
      re2: 'a{0,1001}',
      message: 'invalid repeat count (RE2 allows at most 1000): `{0,1001}`',
    },
    {
      name: 'repeat count overflowing',
      re2: 'a{99999999999}',
      message: 'invalid repeat count (RE2 allows at most 1000): `{99999999999}`',
    },
    {
      name: 'nested repeat over 1000 from zero',
      re2: '(a{100}){0,11}',
      message: 'invalid repeat count (nested repetition over 1000): `{0,11}`',
    },
    {
      name: 'nested repeat over 1000 unbounded',
      re2: '(a{100}){11,}',
      message: 'invalid repeat count (nested repetition over 1000): `{11,}`',
    },
    {
      name: 'nested repeat just over 1000',
      re2: '(a{91}){11}',
      message: 'invalid repeat count (nested repetition over 1000): `{11}`',
    },
    { name: 'upper-case non-hex digit', re2: '\\xG0', message: 'invalid escape sequence: `\\xG0`' },
    { name: 'second hex digit missing', re2: '\\x4g', message: 'invalid escape sequence: `\\x4g`' },
    { name: 'escape \\e (Java, not RE2)', re2: '\\e', message: 'invalid escape sequence: `\\e`' },
    {
      name: 'unicode class at the end',
      re2: '\\p',
      message: 'invalid character class range (unknown Unicode class): `\\p`',
    },
    { name: 'range one below', re2: '[b-a]', message: 'invalid character class range: `b-a`' },
    {
      name: 'posix class named after a method',
      re2: '[[:toString:]]',
      message: 'invalid character class range: `[:toString:]`',
    },
    {
      name: 'posix class named __proto__',
      re2: '[[:__proto__:]]',
      message: 'invalid character class range: `[:__proto__:]`',
    },
    {
      name: 'posix class with an empty name',
      re2: '[[::]]',
      message: 'invalid character class range: `[::]`',
    },
  ])('rejects $name', ({ re2, message }) => {
    expect(badRequestMessage(re2)).toBe(`invalid regex ${JSON.stringify(re2)}: ${message}`);
  });

  test('quotes a pattern of 200 characters and a fragment of 100 whole', () => {
    const pattern = `${'a'.repeat(199)}\\`;
    expect(badRequestMessage(pattern)).toBe(
      `invalid regex ${JSON.stringify(pattern)}: trailing backslash at end of expression`,
    );
    const fragment = `[${'b'.repeat(99)}`;
    expect(badRequestMessage(fragment)).toBe(
      `invalid regex "${fragment}": missing closing ]: \`${fragment}\``,
    );
  });

  test('keeps the error message short for a long pattern', () => {
    const re2 = `${'a'.repeat(300)}[${'b'.repeat(300)}`;
    expect(() => re2ToJavaRegex(re2)).toThrow(
      `invalid regex "${'a'.repeat(200)}…": missing closing ]: \`[${'b'.repeat(99)}…\``,
    );
  });

  const tooLarge = (re2: string) =>
    `regex too large for Timestream ${JSON.stringify(re2.length > 200 ? `${re2.slice(0, 200)}…` : re2)}: spelled out in Java (classes, case folding, word boundaries, repeats) it takes over 262144 characters`;

  // Each [^\p{Lu}] under (?i) lists every lower-case letter with an upper-case partner (~750
  // characters); \b is spelled out as ~70; a repeat whose body may match empty is written out
  // once per mandatory iteration. Go (Prometheus 2.42) accepts every pattern below.
  test.each([
    { name: 'folded classes', re2: `(?i)${'[^\\p{Lu}]'.repeat(400)}` },
    { name: 'a folded class written out by a repeat', re2: '(?:(?i)[^\\p{Lu}]|^){400}' },
    { name: 'a repeat written out inside a repeat', re2: '(?:(?:(?i)[^\\p{Lu}]|^){20}|^){20}' },
    { name: 'word boundaries', re2: '\\b'.repeat(4000) },
    { name: 'multi-line anchors', re2: `(?m)${'^'.repeat(30_000)}` },
    { name: 'a long literal written out by a repeat', re2: `(?:${'a'.repeat(300)}|^){1000}` },
    { name: 'an optional tail written out', re2: `(?:${'a'.repeat(300)}|^){900,}` },
    // 518 written-out copies of the 506-character body fit; the optional 519th does not.
    { name: 'an optional tail just past the limit', re2: `(?:${'a'.repeat(500)}|^){519,}` },
    { name: 'folded literals', re2: `(?i)${'k'.repeat(60_000)}` },
    // Each \b spells out 71 characters and each ^ one: 3692 * 71 + 12 is exactly the limit.
    { name: 'one character past the limit', re2: `${'\\b'.repeat(3692)}${'^'.repeat(13)}` },
  ])('refuses $name that would not fit in a Timestream query', ({ re2 }) => {
    expect(badRequestMessage(re2)).toBe(tooLarge(re2));
  });

  test('keeps nothing of a class too large to translate', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // 300 000 code points, every other one from U+20000: each a range of its own, over the budget.
    const points = Array.from({ length: 300_000 }, (_, i) => String.fromCodePoint(0x20000 + 2 * i));
    const re2 = `[${points.join('')}]`;
    gc();
    const before = process.memoryUsage().heapUsed;
    expect(badRequestMessage(re2)).toBe(tooLarge(re2));
    gc();
    // Kept, the refused class's spelling and its key held some 9 MB until another class came.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(2 * 1024 * 1024);
  });

  test.each([
    { name: 'folded classes', re2: `(?i)${'[^\\p{Lu}]'.repeat(100)}` },
    { name: 'a folded class written out by a repeat', re2: '(?:(?i)[^\\p{Lu}]|^){100}' },
    { name: 'word boundaries', re2: '\\b'.repeat(3000) },
    { name: 'a long literal written out by a repeat', re2: `(?:${'a'.repeat(200)}|^){1000}` },
    { name: 'a long literal repeated by a count', re2: `(?:${'a'.repeat(60_000)}){1000}` },
  ])('translates $name that fit', ({ re2 }) => {
    expect(re2ToJavaRegex(re2).length).toBeLessThan(MAX_JAVA_CLASS_CHARS);
  });

  // The limit counts what is spelled out, not the pattern's own text, so these end a little over it.
  test.each([
    { name: 'exactly the limit', re2: `${'\\b'.repeat(3692)}${'^'.repeat(12)}`, length: 262_151 },
    { name: 'a count without an optional tail', re2: `(?:${'a'.repeat(500)}|^){519}`, length: 262_621 },
  ])('translates $name of spelled-out text', ({ re2, length }) => {
    expect(re2ToJavaRegex(re2).length).toBe(length);
  });

  test.each([
    { name: 'capture groups', open: '(' },
    { name: 'non-capturing groups', open: '(?:' },
    { name: 'scoped flag groups', open: '(?i:' },
    { name: 'named groups', open: '(?P<n>' },
  ])('refuses $name nested 1000 deep (MAX_NESTING_DEPTH counts the whole pattern too)', ({ open }) => {
    expect(badRequestMessage(open.repeat(1000) + ')'.repeat(1000))).toMatch(/: expression nests too deeply$/);
    expect(() => re2ToJavaRegex(open.repeat(999) + ')'.repeat(999))).not.toThrow();
  });

  test('rejects nesting deeper than RE2 allows', () => {
    expect(() => re2ToJavaRegex('('.repeat(1001) + ')'.repeat(1001))).toThrow('expression nests too deeply');
    expect(re2ToJavaRegex('('.repeat(999) + ')'.repeat(999))).toBe(
      `^(?:${'(?:'.repeat(999)}${')'.repeat(999)})\\z`,
    );
  });
});

describe('matchesEmpty', () => {
  test.each([
    { name: 'empty pattern', re2: '', expected: true },
    { name: 'literal', re2: 'a', expected: false },
    { name: 'star', re2: 'a*', expected: true },
    { name: 'plus', re2: 'a+', expected: false },
    { name: 'optional', re2: 'a?', expected: true },
    { name: 'zero count', re2: 'a{0}', expected: true },
    { name: 'count from zero', re2: 'a{0,3}', expected: true },
    { name: 'count from one', re2: 'a{1,3}', expected: false },
    { name: 'empty alternative', re2: 'a|', expected: true },
    { name: 'no empty alternative', re2: 'a|b', expected: false },
    { name: 'dot star', re2: '.*', expected: true },
    { name: 'dot plus', re2: '.+', expected: false },
    { name: 'anchors', re2: '^$', expected: true },
    { name: 'text anchors', re2: '\\A\\z', expected: true },
    { name: 'multi-line anchors', re2: '(?m)^$', expected: true },
    { name: 'word boundary', re2: '\\b', expected: false },
    { name: 'not word boundary', re2: '\\B', expected: true },
    { name: 'empty group plus', re2: '()+', expected: true },
    { name: 'concat with a required char', re2: 'a*b*c', expected: false },
    { name: 'empty class star', re2: '[^\\x00-\\x{10FFFF}]*', expected: true },
    { name: 'empty quote', re2: '\\Q\\E', expected: true },
  ])('$name: $re2 -> $expected', ({ re2, expected }) => {
    expect(matchesEmpty(re2)).toBe(expected);
    expect(translateRe2(re2).matchesEmpty).toBe(expected);
  });
});

describe('translateRe2 facts', () => {
  test.each([
    { name: 'literal', re2: 'abc', literals: ['abc'], matchesAll: false },
    { name: 'alternation', re2: 'a|b|a', literals: ['a', 'b'], matchesAll: false },
    { name: 'grouped product', re2: '(a|b)(c|)', literals: ['ac', 'a', 'bc', 'b'], matchesAll: false },
    { name: 'escaped metacharacters', re2: '\\.\\*', literals: ['.*'], matchesAll: false },
    { name: 'case-insensitive is not literal', re2: '(?i)a', literals: undefined, matchesAll: false },
    { name: 'surrogate code point is not literal', re2: '\\x{D800}', literals: undefined, matchesAll: false },
    { name: 'dot star is not all (newlines)', re2: '.*', literals: undefined, matchesAll: false },
    { name: 'dot-all star', re2: '(?s).*', literals: undefined, matchesAll: true },
    { name: 'dot-all star grouped', re2: '((?s:.*))', literals: undefined, matchesAll: true },
    {
      name: 'too many literals',
      re2: '(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)',
      literals: undefined,
      matchesAll: false,
    },
  ])('$name', ({ re2, literals, matchesAll }) => {
    const t = translateRe2(re2);
    expect(t.literals).toEqual(literals);
    expect(t.matchesAll).toBe(matchesAll);
  });
});

describe('translateRe2 literals past what a query can hold', () => {
  // 64 strings, each the product's three characters and the suffix: 64 * (3 + 4093) = 262 144.
  const PRODUCT = '(a|b|c|d)(e|f|g|h)(i|j|k|l)';
  test.each([
    { name: 'a product of 262 144 characters', re2: `${PRODUCT}${'x'.repeat(4093)}`, count: 64 },
    { name: 'one character more', re2: `${PRODUCT}${'x'.repeat(4094)}`, count: undefined },
    {
      name: 'an alternation of 262 144 characters',
      re2: `${'y'.repeat(131_072)}|${'z'.repeat(131_072)}`,
      count: 2,
    },
    { name: 'one character more', re2: `${'y'.repeat(131_072)}|${'z'.repeat(131_073)}`, count: undefined },
    // The product of 64 KiB of literals was 64 strings of 64 KiB: ~4 s of CPU for a 400.
    { name: 'a product then 64 KiB of literals', re2: `${PRODUCT}${'x'.repeat(65_509)}`, count: undefined },
  ])('$name: sent as IN (…) only when it fits ($count strings)', ({ re2, count }) => {
    const t = translateRe2(re2);
    expect(t.literals?.length).toBe(count);
    expect(t.literals?.reduce((sum, l) => sum + l.length, 0)).toBe(count === undefined ? undefined : 262_144);
  });
});

describe('the Java translation means what the anchored RE2 pattern means', () => {
  const strings = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 6 }).map((chars) => chars.join(''));

  test.each([
    { name: 'case-sensitive patterns', folded: false },
    { name: 'patterns under (?i)', folded: true },
  ])('$name', ({ folded }) => {
    fc.assert(
      fc.property(re2Cases(folded), fc.array(strings, { minLength: 1, maxLength: 20 }), (c, inputs) => {
        const reference = re2Reference(c, folded);
        const java = javaToJs(re2ToJavaRegex(c.re2));
        for (const input of inputs) expect([input, java.test(input)]).toEqual([input, reference.test(input)]);
        expect(translateRe2(c.re2).matchesEmpty).toBe(reference.test(''));
      }),
      { numRuns: 400, seed: 20240611 },
    );
  });

  // What Prometheus 2.42 (Go's regexp) answers for these, found comparing remote reads through the
  // connector with Prometheus' own TSDB; Java's (?iu) answered each of them the other way.
  test.each([
    ['(?i)[A-Z]', '\u212A', true], // Kelvin sign
    ['(?i)[[:upper:]]', '\u212A', true],
    ['(?i)[A-Z]', '\u0131', false], // dotless i
    ['(?i)[J-L]', '\u212A', true],
    ['(?i)i', '\u0130', false], // capital I with dot
    ['(?i)i', '\u0131', false],
    ['(?i)[a-z]', '\u0130', false],
    ['(?i)\\w', '\u0131', false],
    ['(?i)\\w', '\u017F', true], // long s
    ['(?i)\u00DF', '\u1E9E', true], // ß, ẞ
    ['(?i)[\u0391-\u03A9]', '\u2126', true], // Greek capitals, Ohm sign
    ['(?i)[\u00C0-\u00C6]', '\u212B', true], // Angstrom sign
    ['(?i)[\\x{212a}-\\x{212c}]', 'k', true],
    ['(?i)[\\x{212a}-\\x{212c}]', '\u00E5', true],
    ['(?i)\u1F80', '\u1F88', true],
    ['(?i)\\p{Lu}', '\u0131', false],
    ['(?i)\\p{Lu}', '\u0138', false], // kra: no upper case
    ['(?i)\\p{Lu}', 'a', true],
    ['(?i)\\p{Ll}', '\u0130', false],
    ['(?i)\\p{Lt}', 'a', false],
    ['(?i)\\p{Lt}', '\u01C6', true], // dž, of the orbit of the titlecase Dž
    ['(?i)\\p{Greek}', '\u00B5', true], // micro sign
    ['(?i)\\P{Lu}', 'a', false],
    ['(?i)[^k]', '\u212A', false],
    ['(?i)\\W', '\u212A', false],
    ['(?i)[^\\p{Lu}]', 'b', false],
  ])('(?i) as Go folds it: %j on %j is %j', (re2, input, expected) => {
    expect(javaToJs(re2ToJavaRegex(re2)).test(input)).toBe(expected);
    // Without any i flag, the Java pattern means the same in java.util.regex and in JavaScript.
    expect(re2ToJavaRegex(re2)).not.toMatch(/\(\?[a-z]*i/);
  });

  test.each([
    // Java's (?m) anchors also fire at \r, \u2028 and \u0085, and its $ before a final \n.
    { name: 'end anchor before a final newline', re2: 'a', input: 'a\n', expected: false },
    { name: 'dot and carriage return', re2: 'a.b', input: 'a\rb', expected: true },
    { name: 'dot and line separator', re2: '.', input: '\u2028', expected: true },
    { name: 'dot and next line', re2: '.', input: '\u0085', expected: true },
    { name: 'dot and newline', re2: '.', input: '\n', expected: false },
    { name: 'multi-line end at carriage return', re2: '(?m)a$\\r', input: 'a\r', expected: false },
    { name: 'multi-line start after a final newline', re2: '(?m)a\\n^', input: 'a\n', expected: true },
    { name: 'perl space excludes vertical tab', re2: '\\s', input: '\x0B', expected: false },
    { name: 'posix space includes vertical tab', re2: '[[:space:]]', input: '\x0B', expected: true },
    { name: 'word boundary is ASCII', re2: 'é\\b', input: 'é', expected: false },
    { name: 'nullable counted repeat', re2: '(a|^){2}', input: 'a', expected: true },
    { name: 'unanchored substring does not match', re2: 'prom', input: 'prometheus', expected: false },
    { name: 'astral character is one dot', re2: '.', input: '😀', expected: true },
    { name: 'astral character is not two dots', re2: '..', input: '😀', expected: false },
    // The translation of a negated class with nested parts must stay one atom under a quantifier.
    { name: 'repeated negated class with nested parts', re2: '[^a\\PC]+', input: '\x00a', expected: false },
    { name: 'repeated folded negated class', re2: '(?i)[^\\PLk]+', input: 'ak', expected: false },
    { name: 'counted negated class with nested parts', re2: '[^a\\PC]{2}', input: '\x00a', expected: false },
  ])('$name', ({ re2, input, expected }) => {
    expect(javaToJs(re2ToJavaRegex(re2)).test(input)).toBe(expected);
  });
});
