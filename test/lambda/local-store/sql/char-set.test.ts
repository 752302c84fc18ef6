// SPDX-License-Identifier: Apache-2.0
import { unicodeProperty } from '../../../../lambda/local-store/sql/char-set';

describe('unicodeProperty', () => {
  // Each property is scanned over every code point (tens of milliseconds) once, whatever the
  // spelling: one set, the same object, for every spelling of it.
  test.each([
    { name: 'Lu', spellings: ['Lu', 'IsLu', 'gc=Lu', 'GC=Lu', 'general_category=Lu', 'General_Category=Lu'] },
    { name: 'Latin', spellings: ['IsLatin', 'sc=Latin', 'script=Latin', 'SCRIPT=Latin', 'scx=Latin'] },
    { name: 'Alphabetic', spellings: ['IsAlphabetic', 'Isalphabetic', 'IsALPHABETIC'] },
  ])('resolves every spelling of $name to one set', ({ spellings }) => {
    const sets = spellings.map(unicodeProperty);
    expect(sets[0]).toBeDefined();
    for (const set of sets) expect(set).toBe(sets[0]);
  });

  test.each(['Latin', 'InBasicLatin', 'javaLowerCase', 'gc=Nope', 'IsNope'])('reports %s unknown', (name) => {
    expect(unicodeProperty(name)).toBeUndefined();
  });
});
