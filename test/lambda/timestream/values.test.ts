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
    // The few-decimals path (values.ts fewDecimals): each of its four scales, their edges, and
    // integers past 2^31 that it writes in two parts.
    { name: '12345.67', value: 12345.67, text: '12345.67' },
    { name: '-0.52', value: -0.52, text: '-0.52' },
    { name: '0.000000001 (nine decimals)', value: 0.000000001, text: '0.000000001' },
    { name: '0.0000000001 (ten decimals)', value: 1e-10, text: '0.0000000001' },
    { name: '1125899.906842 (past the nine-decimal scale)', value: 1125899.906842, text: '1125899.906842' },
    { name: '1125899906.842 (past the six-decimal scale)', value: 1125899906.842, text: '1125899906.842' },
    { name: '2^50 - 0.125', value: 2 ** 50 - 0.125, text: '1125899906842623.9' },
    { name: '2^50 - 1', value: 2 ** 50 - 1, text: '1125899906842623' },
    { name: '2^31', value: 2 ** 31, text: '2147483648' },
    { name: '16000000000.5', value: 16000000000.5, text: '16000000000.5' },
    { name: '1000000000.000001', value: 1000000000.000001, text: '1000000000.000001' },
    { name: '-98765432109.001', value: -98765432109.001, text: '-98765432109.001' },
    { name: '0.1 (a repeating binary fraction)', value: 0.1, text: '0.1' },
    { name: '100.000000001', value: 100.000000001, text: '100.000000001' },
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

  /** The text before the few-decimals path: String(), with exponents expanded (its own cases above). */
  function viaString(value: number): string {
    if (value === 0) return Object.is(value, -0) ? '-0' : '0';
    const text = String(value);
    if (!text.includes('e')) return text;
    return formatMeasureValue(value); // exponent form: outside the fast path's range
  }

  test('writes decimal values of every size and precision exactly as String() does', () => {
    // Decimal texts of every size and precision: the fast path's range, its edges and beyond.
    const decimal = fc
      .tuple(fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }), fc.integer({ min: 0, max: 16 }))
      .map(([digits, point]) => Number(`${digits}e-${point}`));
    const nearScaleEdges = fc
      .tuple(
        fc.constantFrom(2 ** 50 / 1e9, 2 ** 50 / 1e6, 2 ** 50 / 1e3, 2 ** 50, 2 ** 31),
        fc.integer({ min: -64, max: 64 }),
      )
      .map(([edge, steps]) => edge + steps * Number.EPSILON * edge);
    fc.assert(
      fc.property(
        fc.oneof(decimal, nearScaleEdges, fc.double({ noNaN: true, noDefaultInfinity: true })),
        (value) => {
          expect(formatMeasureValue(value)).toBe(viaString(value));
        },
      ),
      { numRuns: 20000, seed: 16 },
    );
  });
});
