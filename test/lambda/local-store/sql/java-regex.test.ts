// SPDX-License-Identifier: Apache-2.0
// regexp_like with Java java.util.regex semantics, evaluated by real DuckDB through the translator.
// Expected results of the first table were produced by java.util.regex (JDK 25, Matcher.find) on
// exactly these inputs (the rows under "Edges of the parser" by JDK 17, the JDK at hand when they
// were added); 'error' means Pattern.compile threw PatternSyntaxException.
import { StoreError } from '../../../../lambda/local-store/errors';
import { translateJavaRegex } from '../../../../lambda/local-store/sql/java-regex';
import { scalars, sqlString, subjectsFixture, type Fixture } from './duck-fixture';

const JAVA_CASES: [pattern: string, subject: string, java: boolean | 'error'][] = [
  ['a$', 'a\n', true],
  ['a\\z', 'a\n', false],
  ['a\\Z', 'a\n', true],
  ['a$', 'a', true],
  ['a$', 'a\r\n', true],
  ['a$', 'a\r', true],
  ['a$', 'a\u2028', true],
  ['a$', 'a\u0085', true],
  ['a$', 'a\n\n', false],
  ['a\\r$', 'a\r\n', false],
  ['\\r$', '\r\n', false],
  ['a$', 'ab', false],
  ['(?d)a$', 'a\r', false],
  ['(?d)a$', 'a\n', true],
  ['(?d)a\\r$', 'a\r\n', true],
  ['a.b', 'a\rb', false],
  ['a.b', 'a\u2028b', false],
  ['a.b', 'a\u0085b', false],
  ['a.b', 'a\nb', false],
  ['a.b', 'a\tb', true],
  ['(?s)a.b', 'a\rb', true],
  ['(?d)a.b', 'a\rb', true],
  ['(?d)a.b', 'a\nb', false],
  ['(?i)abc', 'xABCx', true],
  ['(?i)\u00e9', '\u00c9', false],
  ['(?iu)\u00e9', '\u00c9', true],
  ['(?i:a)b', 'AB', false],
  ['(?i:a)b', 'Ab', true],
  ['a(?i)b|c', 'C', true],
  ['((?i)a)b', 'AB', false],
  ['^(?:a|b)\\z', 'a', true],
  ['^(?:a|b)\\z', 'ab', false],
  ['^(?:a|b)\\z', 'b\n', false],
  ['^(?:a|b)$', 'b\n', true],
  ['^a|b$', 'xb', true],
  ['^a|b$', 'xa', false],
  ['(?P<n>x)', 'x', 'error'],
  ['(?<n>x)', 'x', true],
  ['(?<n>x)(?<n>y)', 'xy', 'error'],
  ['[[:alpha:]]', 'b', false],
  ['[[:alpha:]]', ':', true],
  ['[[:alpha:]]', 'h', true],
  ['\\p{Alpha}', '\u00e9', false],
  ['\\p{Lower}+', 'abc', true],
  ['\\p{L}', '\u00e9', true],
  ['\\p{IsLatin}', '\u00e9', true],
  ['\\p{Lu}', 'a', false],
  ['\\P{Digit}', '1', false],
  ['\\Qa.b\\E', 'axb', false],
  ['\\Qa.b\\E', 'a.b', true],
  ['\\Qa.b', 'a.b', true],
  ['[a-z&&[^aeiou]]', 'a', false],
  ['[a-z&&[^aeiou]]', 'b', true],
  ['[^a[b]]', 'b', false],
  ['[]a]', ']', true],
  ['a{2}', 'aa', true],
  ['a{2,}', 'a', false],
  ['a{', 'a{', 'error'],
  ['{a}', '{a}', 'error'],
  ['a**', 'a', 'error'],
  ['*a', 'a', 'error'],
  ['a)', 'a', 'error'],
  ['(a', 'a', 'error'],
  ['[a', 'a', 'error'],
  ['a*?b', 'aab', true],
  ['\\d+', '\u0661', false],
  ['\\w', '\u00e9', false],
  ['\\s', '\u00a0', false],
  ['\\h', '\u00a0', true],
  ['\\x41', 'A', true],
  ['\\x{1F600}', '\u{1F600}', true],
  ['\\u00e9', '\u00e9', true],
  ['\\0101', 'A', true],
  ['\\cA', '\u0001', true],
  ['\\t', '\t', true],
  ['\\e', '\u001b', true],
  ['\\y', 'y', 'error'],
  ['\\.', '.', true],
  ['(?x) a b # c', 'ab', true],
  ['(?x)[ a]', ' ', false],
  ['a\\b', 'a b', true],
  ['\\b\u00e9', ' \u00e9', false],
  ['', '', true],
  ['', 'x', true],
  ['a|', 'b', true],
  ['[a-]', '-', true],
  ['[\\w-]', '-', true],
  ['[a-\\d]', '-', 'error'],
  ['\\R', '\r\n', true],
  ['[^\\n]', '\r', true],
  ['.', '\u0000', true],
  ['(?i)[a-c]', 'B', true],
  ['(?i)[^a]', 'A', false],
  ['(?s).\\z', '\n', true],
  ['^$', '', true],
  ['^$', '\n', true],
  ['(a$)?', 'a\n', true],
  ['\\p{Foo}', 'a', 'error'],
  ['\\k<n>', 'a', 'error'],
  ['a{2,1}', 'aa', 'error'],
  ['(?i)K', '\u212a', false],
  ['^*a', 'a', true],
  ['^?a', 'ba', true],
  ['a$?', 'ab', true],
  ['a\\b+', 'ab', false],
  ['{2}a', 'a', true],
  ['a{2}{3}', 'aaaaaa', true],
  ['a{2}*', 'aa', 'error'],
  ['(?i)*a', 'a', 'error'],
  ['(?i)\\p{Lower}', 'B', true],
  ['(?i)\\p{Lu}', 'b', true],
  ['(?i)\\p{Lt}', 'a', true],
  ['(?i)\\p{Lower}', '\u00c9', false],
  ['(?i)[^\\p{Lower}]', 'B', false],
  ['(?i)\\P{Lower}', 'b', false],
  ['(?i)\\p{Punct}', 'a', false],
  ['a\\R', 'a\r\n', true],
  // Anchors and empty groups where DuckDB's regexp_matches-to-LIKE rewrite misread them.
  ['a^b', 'ab', false],
  ['^(?:a^b)\\z', 'ab', false],
  ['b^', 'bb', false],
  ['^^', 'x', true],
  ['a\\zb', 'ab', false],
  ['\\z\\z', 'x', true],
  ['()ab', 'xab', true],
  ['ab()', 'abx', true],
  ['^a()', 'ab', true],
  // Property names as Pattern.family() reads them: `Is` with a POSIX name is the Unicode class,
  // general categories are case-sensitive, `scx=` and long category names are unknown.
  ['\\p{IsDigit}', '\u0661', true],
  ['\\p{IsAlpha}', '\u00e9', true],
  ['\\p{IsPunct}', '$', false],
  ['\\p{IsAssigned}', 'a', true],
  ['\\p{IsHex_Digit}', '\u0661', true],
  ['\\p{IsWord}', '\u0301', true],
  ['\\p{Letter}', 'a', 'error'],
  ['\\p{L1}', '\u00e9', true],
  ['\\p{sc=latin}', 'a', true],
  ['\\p{scx=Latin}', 'a', 'error'],
  ['\\p{gc=Alpha}', 'a', true],
  ['\\p{Lowercase}', 'a', 'error'],
  ['\\p{IsCntrl}', '\u0085', true],
  ['\\p{IsLowercase}', '\u00aa', true],
  ['(?i)\\p{IsLower}', '\u00c9', true],
  ['\\p{all}', '\n', true],
  // \Q..\E is rewritten into escapes before parsing (RemoveQEQuoting), so it is no atom.
  ['a\\Q\\E*', 'b', true],
  ['a\\Q\\E{2}', 'a', false],
  ['a*\\Q\\E?b', 'aab', true],
  ['[\\Qa\\E-c]', 'b', true],
  ['[\\Q0\\E-9]', '5', true],
  ['(?x)\\Q a\\E', ' a', true],
  ['\\Qa\\\\E', 'a\\', true],
  ['a+\\Q\\E*', 'a', 'error'],
  // \B where no character boundary has one (RE2 also tried the bytes inside `é` and U+2029).
  ['\\B', 'a\u00e9a', false],
  ['x*\\B', 'a\u00e9a', false],
  ['\\B', 'S\u2029_', false],
  ['(?:(?<=[0-9A-Za-z_])(?=[0-9A-Za-z_])|(?<![0-9A-Za-z_])(?![0-9A-Za-z_]))', 'a\u00e9a', false],
  // `&&` as Pattern.clazz reads it: an empty operand stands for the item before it, and characters
  // below U+0100 join where the class ends, also inside an intersection made before them.
  ['[&&a]', 'a', true],
  ['[a&&]', 'a', true],
  ['[&&]', 'a', 'error'],
  ['[a[b]&&]', 'a', false],
  ['[[b]a&&]', 'a', 'error'],
  ['[a&&[b]&c]', '&', true],
  ['[a&&&b]', 'b', true],
  ['[a&&&&b]', 'a', false],
  ['(?iu)[k&&]', '\u212a', true],
  // Java matches a run of literal characters as one slice: under (?iu) `ß` there also matches `ẞ`
  // (alone, quantified or after a group it does not).
  ['(?iu)a\u00df', 'a\u1e9e', true],
  ['(?iu)\u00dfa', '\u1e9ea', true],
  ['(?iu)^a\u00df*$', 'a\u1e9e', false],
  ['(?iu)a(?iu)\u00df', 'a\u1e9e', false],
  ['(?iu)\\x61\\u00df', 'A\u1e9e', true],
  // Edges of the parser: COMMENTS whitespace, flags turned off, \B, \Q with a quantifier, escapes.
  ['(?x)a\rb', 'ab', true],
  ['(?i)a(?-i)b', 'AB', false],
  ['(?i)a(?-i)b', 'Ab', true],
  ['a\\B', 'ab', true],
  ['a\\B', 'a b', false],
  ['^\\Qab\\E+\\z', 'abb', true],
  ['^\\Qab\\E+\\z', 'abab', false],
  ['^\\0400\\z', ' 0', true],
  ['\\x{110000}', 'a', 'error'],
  ['^\\ud800\\udfff\\z', '\u{103ff}', true],
  ['(?<1a>x)', 'x', 'error'],
  ['(?i)\\p{Upper}', 'b', true],
  ['[a-[b]]', '-', true],
  ['[z-a]', 'z', 'error'],
  ['[a-zc]', 'x', true],
  ['(?i)z', 'Z', true],
  ['(?i)A', 'a', true],
  ['\\s', '\u000b', true],
  ['\\v', '\u0085', true],
  ['\\p{Print}', ' ', true],
  ['(?-c)a', 'a', true],
  ['(?-U)a', 'a', true],
  ['(?iu-U)\u00e9', '\u00c9', false],
  ['(?iu)(?-U)k', '\u212a', false],
];

// Java accepts these; RE2 cannot express them, so the store refuses them naming the construct.
const REFUSED: [pattern: string, construct: string][] = [
  ['x{1001}', 'A repetition count above 1000'],
  ['x{0,1001}', 'A repetition count above 1000'],
  ['(?=ab)', 'Lookahead of anything but one character or class'],
  ['(?<=a)b', 'Lookbehind is a Java regex feature'],
  ['(?>a)', 'An atomic group'],
  ['a++', 'A possessive quantifier'],
  ['(a)\\1', 'A backreference'],
  ['(?m)^a', "'^' in MULTILINE mode"],
  ['(?U)\\w', 'UNICODE_CHARACTER_CLASS (?U)'],
  ['a$b', "'$' or '\\Z' is only supported at the end of the pattern"],
  ['\\p{javaLowerCase}', 'java.lang.Character class'],
  ['\\p{InGreek}', 'Unicode block'],
  ['\\R{2}', "'\\R' is only supported at the end of the pattern"],
  ['(?c)[\u00e9]', 'CANON_EQ (?c)'],
  ['a\\b{g}', '\\b{g} (grapheme cluster boundary)'],
  ['[\\N{LATIN SMALL LETTER A}-c]', '\\N{...} (a character by its Unicode name)'],
];

describe('regexp_like (Java semantics on DuckDB)', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await subjectsFixture(JAVA_CASES.map(([, subject]) => subject));
  });
  afterAll(() => fixture.close());

  // A case's first Unicode property scans every code point, and its class can be large for DuckDB to
  // compile (`\p{IsWord}` took 3–5 s on a loaded machine): 30 s each, as this checks semantics.
  test.each(
    JAVA_CASES.map(([pattern, subject, java], k) => ({
      name: `${JSON.stringify(pattern)} on ${JSON.stringify(subject)} is ${java}`,
      pattern,
      k,
      java,
    })),
  )(
    '$name',
    async ({ pattern, k, java }) => {
      const query = `SELECT regexp_like(l, ${sqlString(pattern)}) FROM db.t WHERE measure_name = 'c${k}'`;
      if (java === 'error') {
        await expect(fixture.query(query)).rejects.toMatchObject({
          type: 'ValidationException',
          message: expect.stringMatching(/^Invalid regular expression: /),
        });
      } else {
        expect(scalars((await fixture.query(query)).rows)).toEqual([[String(java)]]);
      }
    },
    30_000,
  );

  test.each(REFUSED.map(([pattern, construct]) => ({ name: pattern, pattern, construct })))(
    'refuses $name naming the construct',
    ({ pattern, construct }) => {
      expect(() => translateJavaRegex(pattern)).toThrow(StoreError);
      expect(() => translateJavaRegex(pattern)).toThrow(construct);
    },
  );

  // Java evaluates these; RE2 (DuckDB) refused them as "invalid repetition size: {501}" and
  // "pattern too large - compile failed", read as a mistake in the pattern.
  test.each([
    {
      pattern: '(?:a{2}){501}',
      message:
        'Repetition counts multiplying to more than 1000 (nested {501}) are not supported by the embedded store',
    },
    {
      pattern: '(?:\\p{L}{100}){10}',
      message: 'The pattern is too large for the embedded store to evaluate (RE2 cannot compile it)',
    },
  ])('refuses $pattern, past RE2 limits, as not supported', async ({ pattern, message }) => {
    await expect(
      fixture.query(`SELECT regexp_like(l, ${sqlString(pattern)}) FROM db.t`),
    ).rejects.toMatchObject({
      type: 'ValidationException',
      message: `Invalid regular expression: ${message}`,
    });
  });

  test('answers the RE2-only named group syntax with the Java error text', async () => {
    await expect(fixture.query(`SELECT regexp_like(l, '(?P<n>x)') FROM db.t`)).rejects.toMatchObject({
      type: 'ValidationException',
      message: 'Invalid regular expression: Unknown inline modifier near index 2: (?P<n>x)',
    });
  });

  test('is NULL (not false) for an absent dimension, so NOT regexp_like keeps absent rows out too', async () => {
    await fixture.createTable('db', 'nulls', ['l'], ['DOUBLE']);
    await fixture.insert('db', 'nulls', [{ measure_name: 'm', time: 1n }]);
    const result = await fixture.query(`SELECT regexp_like(l, 'a'), NOT regexp_like(l, 'a') FROM db.nulls`);
    expect(scalars(result.rows)).toEqual([[null, null]]);
  });

  test('uses the pattern as one quoted literal even when it contains a quote', async () => {
    await fixture.insert('db', 't', [{ l: "O'Brien", measure_name: 'quote', time: 1n }]);
    const result = await fixture.query(
      `SELECT regexp_like(l, '^O''B') FROM db.t WHERE measure_name = 'quote'`,
    );
    expect(scalars(result.rows)).toEqual([['true']]);
  });

  test.each([
    { name: 'a leading \\A and a trailing \\z stay bare', java: '^(?:ab)\\z', re2: '\\A(?:ab)\\z' },
    { name: 'an inner ^ is captured', java: '^(?:a^b)\\z', re2: '\\A(?:a(\\A)b)\\z' },
    { name: 'an inner \\z is captured', java: 'a\\zb\\z', re2: 'a(\\z)b\\z' },
    { name: 'a repeated anchor is captured', java: '^^', re2: '\\A(\\A)' },
    { name: 'an empty group emits nothing', java: '^a()', re2: '\\Aa' },
  ])('keeps DuckDB from rewriting misread anchors into LIKE: $name', ({ java, re2 }) => {
    expect(translateJavaRegex(java)).toEqual({ pattern: re2 });
  });

  test.each([
    { name: 'a surrogate pair is one code point', java: '\\ud800\\udfff', re2: '\\x{103ff}' },
    { name: 'a high surrogate alone keeps what follows', java: '\\ud800\\u0041', re2: '\\x{d800}A' },
    { name: 'adjacent ranges merge into one', java: '[a-bc]', re2: '[a-c]' },
    { name: 'a complement keeps the last code point', java: '[^\\x{0}-\\x{10fffe}]', re2: '\\x{10ffff}' },
    {
      name: 'Adlam folds (the last cased script)',
      java: '(?iu)[\\x{1e900}-\\x{1e901}]',
      re2: '[\\x{1e900}-\\x{1e901}\\x{1e922}-\\x{1e923}]',
    },
  ])('renders sets as Java reads them: $name', ({ java, re2 }) => {
    expect(translateJavaRegex(java)).toEqual({ pattern: re2 });
  });

  test('emits the CRLF variant only for subjects ending in \\r\\n', () => {
    expect(translateJavaRegex('^(?:a|b)\\z')).toEqual({ pattern: '\\A(?:a|b)\\z' });
    expect(translateJavaRegex('a$')).toEqual({
      pattern: 'a[\\x{a}\\x{d}\\x{85}\\x{2028}-\\x{2029}]?\\z',
      crlfPattern: 'a(?:\\x{d}\\x{a})?\\z',
    });
  });
});

// Java's UNICODE_CASE compares upper-then-lower mappings: a letter matches every character whose
// mappings land on its own (`k` the Kelvin sign, `s` the long s), and a class range is folded
// differently from a character. Expected: java.util.regex (JDK 17, Pattern.matches) on exactly
// these subjects, by code point.
const FOLD_SUBJECTS = [
  0x6b, 0x4b, 0x212a, 0x73, 0x53, 0x17f, 0x69, 0x49, 0x131, 0x130, 0x3c3, 0x3a3, 0x3c2, 0xdf, 0x1e9e, 0xb5,
  0x3bc, 0x39c, 0xe5, 0xc5, 0x212b, 0x61, 0x41, 0x1f80, 0x1f88, 0x1fb3, 0x1fbc,
];
const FOLD_CASES: [pattern: string, matched: number[]][] = [
  ['(?iu)k', [0x6b, 0x4b, 0x212a]],
  ['(?iu)[k]', [0x6b, 0x4b, 0x212a]],
  ['(?iu)[j-l]', [0x6b, 0x4b, 0x212a]],
  ['(?iu)K', [0x6b, 0x4b, 0x212a]],
  ['(?iu)[K]', [0x6b, 0x4b, 0x212a]],
  ['(?iu)[J-L]', [0x6b, 0x4b]],
  ['(?iu)s', [0x73, 0x53, 0x17f]],
  ['(?iu)[r-t]', [0x73, 0x53, 0x17f]],
  ['(?iu)\u0131', [0x69, 0x49, 0x131, 0x130]],
  ['(?iu)i', [0x69, 0x49, 0x131, 0x130]],
  ['(?iu)\u03c3', [0x3c3, 0x3a3, 0x3c2]],
  ['(?iu)\u00df', [0xdf]],
  ['(?iu)\u1e9e', [0xdf, 0x1e9e]],
  ['(?iu)\u00b5', [0xb5, 0x3bc, 0x39c]],
  ['(?iu)\u00e5', [0xe5, 0xc5, 0x212b]],
  [
    '(?iu)[^a-z]',
    [
      0x3c3, 0x3a3, 0x3c2, 0xdf, 0x1e9e, 0xb5, 0x3bc, 0x39c, 0xe5, 0xc5, 0x212b, 0x1f80, 0x1f88, 0x1fb3,
      0x1fbc,
    ],
  ],
  // Letters with ypogegrammeni upper-case to two code points in full (`ᾀ` to `ἈΙ`) but to the
  // titlecase letter simply (`ᾈ`), which is what Java compares.
  ['(?iu)\u1f80', [0x1f80, 0x1f88]],
  ['(?iu)\u1f88', [0x1f80, 0x1f88]],
  ['(?iu)[\u1fb3]', [0x1fb3, 0x1fbc]],
  ['(?iu)[\u1f88-\u1f8a]', [0x1f80, 0x1f88]],
  ['(?iu)[\u1fb0-\u1fb4]', [0x1fb3, 0x1fbc]],
];

describe('regexp_like (?iu) folding as Java does', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await subjectsFixture(
      FOLD_SUBJECTS.map((cp) => String.fromCodePoint(cp)),
      FOLD_SUBJECTS.map((cp) => `u${cp}`),
    );
  });
  afterAll(() => fixture.close());

  test.each(FOLD_CASES.map(([pattern, matched]) => ({ pattern, matched })))(
    '$pattern',
    async ({ pattern, matched }) => {
      const query = `SELECT measure_name FROM db.t WHERE regexp_like(l, ${sqlString(`^(?:${pattern})\\z`)})`;
      const found = scalars((await fixture.query(query)).rows).map(([name]) => Number(name!.slice(1)));
      expect(found.sort((a, b) => a - b)).toEqual([...matched].sort((a, b) => a - b));
    },
  );
});
