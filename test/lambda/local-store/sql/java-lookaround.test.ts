// SPDX-License-Identifier: Apache-2.0
// One-character lookarounds in regexp_like, as the connector emits them for RE2's `(?m)^`, `(?m)$`,
// `\b`, `\B` and folded negated classes (lambda/timestream/regex.ts), evaluated by real DuckDB
// through the translator. Expected results were produced by java.util.regex (JDK 25,
// Matcher.find) on exactly these inputs.
import { StoreError } from '../../../../lambda/local-store/errors';
import { translateJavaRegex } from '../../../../lambda/local-store/sql/java-regex';
import { scalars, sqlString, subjectsFixture, type Fixture } from './duck-fixture';

const W = '[0-9A-Za-z_]';
const BEGIN_LINE = '(?<![^\\n])';
const END_LINE = '(?![^\\n])';
const WORD_BOUNDARY = `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`;
const NO_WORD_BOUNDARY = `(?:(?<=${W})(?=${W})|(?<!${W})(?!${W}))`;

const JAVA_CASES: [pattern: string, subject: string, java: boolean][] = [
  [`^(?:x${END_LINE})\\z`, 'x', true],
  [`x${END_LINE}`, 'x\ny', true],
  [`x${END_LINE}`, 'xy', false],
  [`x${END_LINE}`, 'x\r', false],
  [`${BEGIN_LINE}x`, 'a\nx', true],
  [`${BEGIN_LINE}x`, 'ax', false],
  [`${BEGIN_LINE}x`, 'a\rx', false],
  [`a\\n${BEGIN_LINE}`, 'a\n', true],
  [`^(?:${BEGIN_LINE}x${END_LINE}\\n?)\\z`, 'x\n', true],
  [`x${WORD_BOUNDARY}`, 'x y', true],
  [`x${WORD_BOUNDARY}`, 'xy', false],
  [`x${WORD_BOUNDARY}`, 'x_', false],
  [`x${WORD_BOUNDARY}`, 'x\u00e9', true],
  [`${NO_WORD_BOUNDARY}x`, 'ax', true],
  [`${NO_WORD_BOUNDARY}x`, ' x', false],
  [`${NO_WORD_BOUNDARY}x`, '\u00e9x', false],
  ['(?iu:(?![0[^a-z]])[\\s\\S])', 'B', true],
  ['(?iu:(?![0[^a-z]])[\\s\\S])', '0', false],
  ['(?=a)a', 'a', true],
  ['(?<![\\s\\S])a', 'ba', false],
  ['a(?![\\s\\S])', 'ab', false],
];

// What the cases above become: RE2's own assertions, or one class for a lookahead before a class.
const TRANSLATIONS: { name: string; java: string; re2: string }[] = [
  { name: '(?m)$ as emitted', java: `^(?:x${END_LINE})\\z`, re2: '\\A(?:x(?m:$))\\z' },
  { name: '(?m)^ as emitted', java: `^(?:(?:${BEGIN_LINE})x)\\z`, re2: '\\A(?:(?m:^)x)\\z' },
  { name: '\\b as emitted', java: `^(?:x${WORD_BOUNDARY})\\z`, re2: '\\A(?:x\\b)\\z' },
  { name: '\\B as emitted', java: `^(?:${NO_WORD_BOUNDARY}x)\\z`, re2: '\\A(?:\\Bx)\\z' },
  { name: 'a lookahead before a class', java: '(?![b-z])[a-c]', re2: 'a' },
  { name: 'a lookbehind at the start', java: '(?<![\\s\\S])a', re2: '\\Aa' },
  { name: 'an ungrouped run meaning \\b', java: '(?<=\\w)(?!\\w)|(?<!\\w)(?=\\w)', re2: '\\b' },
];

const REFUSED: { name: string; pattern: string; message: string }[] = [
  {
    name: 'a lookahead on its own',
    pattern: '(?=a)',
    message: 'Lookahead is a Java regex feature the embedded store cannot evaluate',
  },
  {
    name: 'a lookbehind that is not \\b once the lookahead is added',
    pattern: '(?<=\\w)(?!\\w)',
    message: 'Lookbehind is a Java regex feature the embedded store cannot evaluate',
  },
  {
    name: 'a lookahead before a quantified class',
    pattern: '(?!a)[a-c]*',
    message: 'Lookahead is a Java regex feature the embedded store cannot evaluate',
  },
  {
    name: 'a lookahead of two characters',
    pattern: '(?=ab)a',
    message: 'Lookahead of anything but one character or class',
  },
];

describe('regexp_like with one-character lookarounds (Java semantics on DuckDB)', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await subjectsFixture(JAVA_CASES.map(([, subject]) => subject));
  });
  afterAll(() => fixture.close());

  test.each(
    JAVA_CASES.map(([pattern, subject, java], k) => ({
      name: `${JSON.stringify(pattern)} on ${JSON.stringify(subject)} is ${java}`,
      pattern,
      k,
      java,
    })),
  )('$name', async ({ pattern, k, java }) => {
    const query = `SELECT regexp_like(l, ${sqlString(pattern)}) FROM db.t WHERE measure_name = 'c${k}'`;
    expect(scalars((await fixture.query(query)).rows)).toEqual([[String(java)]]);
  });

  test.each(TRANSLATIONS)('translates $name', ({ java, re2 }) => {
    expect(translateJavaRegex(java)).toEqual({ pattern: re2 });
  });

  test.each(REFUSED)('refuses $name naming it', ({ pattern, message }) => {
    expect(() => translateJavaRegex(pattern)).toThrow(StoreError);
    expect(() => translateJavaRegex(pattern)).toThrow(message);
  });
});
