// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { formatMeasureValue, MAX_MEASURE_VALUE_CHARS } from '../../../lambda/timestream/values';

const POSITIONAL = /^-?\d+(\.\d+)?$/;

/** Significant digits of a decimal text, without sign, point, exponent, leading or trailing zeros. */
function significantDigits(text: string): string {
  return text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
}

describe('formatMeasureValue', () => {
  test.each([
    { name: '1e-9', value: 1e-9, text: '0.000000001' },
    { name: '0.1 + 0.2', value: 0.1 + 0.2, text: '0.30000000000000004' },
    { name: '5e-324 (Number.MIN_VALUE)', value: Number.MIN_VALUE, text: `0.${'0'.repeat(323)}5` },
    { name: 'largest double', value: 1.7976931348623157e308, text: `17976931348623157${'0'.repeat(292)}` },
    { name: '2^53 + 2', value: 2 ** 53 + 2, text: '9007199254740994' },
    { name: 'negative zero', value: -0, text: '-0' },
    { name: 'zero', value: 0, text: '0' },
    { name: '1e21', value: 1e21, text: `1${'0'.repeat(21)}` },
    { name: '123.456', value: 123.456, text: '123.456' },
    { name: '1e-7', value: 1e-7, text: '0.0000001' },
    { name: '-1.5e-300', value: -1.5e-300, text: `-0.${'0'.repeat(299)}15` },
    { name: '-2.5e22', value: -2.5e22, text: `-25${'0'.repeat(21)}` },
    { name: '1.2345e-5', value: 1.2345e-5, text: '0.000012345' },
    { name: 'integer', value: 42, text: '42' },
  ])('writes $name as plain digits that parse back bit-identically', ({ value, text }) => {
    const out = formatMeasureValue(value);
    expect(out).toBe(text);
    expect(Object.is(Number(out), value)).toBe(true);
    expect(out.length).toBeLessThanOrEqual(MAX_MEASURE_VALUE_CHARS);
  });

  test('round-trips every finite double with the shortest digits, in positional notation', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const out = formatMeasureValue(value);
        expect(Object.is(Number(out), value)).toBe(true);
        expect(out).toMatch(POSITIONAL);
        expect(out.length).toBeLessThanOrEqual(MAX_MEASURE_VALUE_CHARS);
        expect(significantDigits(out)).toBe(significantDigits(String(Math.abs(value))));
      }),
      { numRuns: 5000 },
    );
  });
});
