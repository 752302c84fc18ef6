// SPDX-License-Identifier: Apache-2.0
import { likeMatcher } from '../../../../lambda/local-store/sql/like';

const A60 = 'a'.repeat(60);

describe('likeMatcher', () => {
  test.each([
    {
      name: 'a literal matches only itself',
      pattern: 'abc',
      yes: ['abc'],
      no: ['ab', 'abcd', 'xabc', 'ABC'],
    },
    { name: '% alone matches every name', pattern: '%', yes: ['', 'a', 'db.x-1'], no: [] },
    { name: 'a prefix', pattern: 'o%', yes: ['o', 'other'], no: ['bo', ''] },
    { name: 'a suffix', pattern: '%_db', yes: ['xdb', 'my_db'], no: ['db', 'dbx'] },
    { name: '_ is exactly one character', pattern: '_', yes: ['t', '_', '😀'], no: ['', 'ab'] },
    {
      name: 'parts in order, not overlapping',
      pattern: 'a%b%a',
      yes: ['aba', 'axbxa', 'abba'],
      no: ['ab', 'aa'],
    },
    { name: 'runs of % and _', pattern: '%%_%%', yes: ['x', 'xyz'], no: [''] },
    { name: 'a prefix and a suffix do not overlap', pattern: 'ab%ba', yes: ['abba', 'abxba'], no: ['aba'] },
    {
      name: 'a part anywhere, up to the last character',
      pattern: '%b%',
      yes: ['b', 'abc'],
      no: ['', 'a', 'ac'],
    },
    { name: 'a part after the prefix, not in it', pattern: 'ab%b%', yes: ['abb', 'abxb'], no: ['ab', 'abx'] },
    {
      name: 'parts do not overlap each other',
      pattern: '%aa%aa%',
      yes: ['aaaa', 'aabaa'],
      no: ['aaa', 'aaab'],
    },
    {
      name: 'a character outside the BMP is one character, in the pattern and in the name',
      pattern: '_😀%',
      yes: ['x😀', '😀😀y'],
      no: ['😀', 'xy😀'],
    },
    { name: 'regex metacharacters are plain', pattern: '.*(x)', yes: ['.*(x)'], no: ['ab(x)'] },
    {
      // As a regex `^.*a.*a….*b$` this backtracks for hours on the 60 `a`s; matched part by part it
      // costs at most the name's length squared, whatever the pattern's length.
      name: '%a written thousands of times with a final b',
      pattern: `${'%a'.repeat(131_000)}%b`,
      yes: [],
      no: [A60, 'a'.repeat(256), `${A60}c`],
    },
    {
      name: 'the same pattern ending with a',
      pattern: `${'%a'.repeat(50)}%`,
      yes: [A60],
      no: ['a'.repeat(49)],
    },
  ])('$name', ({ pattern, yes, no }) => {
    const matches = likeMatcher(pattern);
    for (const name of yes) expect([name, matches(name)]).toEqual([name, true]);
    for (const name of no) expect([name, matches(name)]).toEqual([name, false]);
  });
});
