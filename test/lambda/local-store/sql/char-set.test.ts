// SPDX-License-Identifier: Apache-2.0
import { javaProperty } from '../../../../lambda/local-store/sql/char-set';

describe('javaProperty', () => {
  const setOf = (name: string) => {
    const property = javaProperty(name, false);
    if (property.kind !== 'set') throw new Error(`${name} is ${property.kind}`);
    return property.set;
  };

  // Each JS property is scanned over every code point (tens of milliseconds) once, whatever the
  // spelling: one set, the same object, for every spelling of it.
  test.each([
    { name: 'Lu', spellings: ['Lu', 'IsLu', 'gc=Lu', 'GC=Lu', 'general_category=Lu', 'General_Category=Lu'] },
    { name: 'Latin', spellings: ['IsLatin', 'sc=Latin', 'script=Latin', 'SCRIPT=latin', 'IsLATIN'] },
    { name: 'Alphabetic', spellings: ['IsAlphabetic', 'Isalphabetic', 'IsALPHABETIC', 'IsAlpha'] },
  ])('resolves every spelling of $name to one set', ({ spellings }) => {
    const sets = spellings.map(setOf);
    for (const set of sets) expect(set).toBe(sets[0]);
  });

  // Java spells general categories and `name=value` values case-sensitively, `Is` names of
  // binary properties and scripts in any case, and knows no `scx=`.
  test.each(['Latin', 'gc=Nope', 'IsNope', 'scx=Latin', 'Letter', 'gc=Letter', 'lu', 'gc=lu', 'sc=Qaai'])(
    'reports %s unknown',
    (name) => {
      expect(javaProperty(name, false).kind).toBe('unknown');
    },
  );

  test.each(['InBasicLatin', 'blk=Greek', 'javaLowerCase', 'IsjavaLowerCase', 'gc=javaDigit'])(
    'refuses %s as a construct the store cannot evaluate',
    (name) => {
      expect(javaProperty(name, false).kind).toBe('unsupported');
    },
  );
});
