// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { formatJavaDouble } from '../../../../lambda/local-store/sql/java-double';
import { formatDate, formatTimestampNanos } from '../../../../lambda/local-store/sql/scalar-text';

/** The TIMESTAMP text by plain BigInt arithmetic, the way the hot path must agree with. */
function referenceTimestamp(nanos: bigint): string {
  const day = 86_400_000_000_000n;
  const days = nanos >= 0n || nanos % day === 0n ? nanos / day : nanos / day - 1n;
  let rest = nanos - days * day;
  const part = (unit: bigint, width: number) => {
    const value = rest / unit;
    rest -= value * unit;
    return String(value).padStart(width, '0');
  };
  const time = `${part(3_600_000_000_000n, 2)}:${part(60_000_000_000n, 2)}:${part(1_000_000_000n, 2)}`;
  return `${formatDate(Number(days))} ${time}.${String(rest).padStart(9, '0')}`;
}

/** Java's Double.toString in the plain range, written out from the shortest exponential digits. */
function referencePlain(value: number): string {
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const sign = value < 0 ? '-' : '';
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  return `${sign}${whole}.${digits.slice(exponent + 1) || '0'}`;
}

describe('formatTimestampNanos', () => {
  test.each([
    { name: 'the epoch', nanos: 0n, text: '1970-01-01 00:00:00.000000000' },
    { name: 'one nanosecond before it', nanos: -1n, text: '1969-12-31 23:59:59.999999999' },
    { name: 'a whole second before it', nanos: -1_000_000_000n, text: '1969-12-31 23:59:59.000000000' },
    { name: 'nanosecond digits', nanos: 1_600_000_000_123_456_789n, text: '2020-09-13 12:26:40.123456789' },
    { name: 'the largest int64', nanos: 9_223_372_036_854_775_807n, text: '2262-04-11 23:47:16.854775807' },
    { name: 'the smallest int64', nanos: -9_223_372_036_854_775_808n, text: '1677-09-21 00:12:43.145224192' },
  ])('formats $name', ({ nanos, text }) => {
    expect(formatTimestampNanos(nanos)).toBe(text);
  });

  test('agrees with plain BigInt arithmetic for any int64', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (nanos) => {
        expect(formatTimestampNanos(nanos)).toBe(referenceTimestamp(nanos));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('formatJavaDouble in the plain range [1e-3, 1e7)', () => {
  test('writes the shortest digits out as Java does, integral values with ".0"', () => {
    const plain = fc
      .double({ min: 1e-3, max: 1e7, maxExcluded: true, noNaN: true })
      .chain((v) => fc.constantFrom(v, -v, Math.round(v), -Math.round(v)))
      .filter((v) => Math.abs(v) >= 1e-3 && Math.abs(v) < 1e7);
    fc.assert(
      fc.property(plain, (value) => {
        expect(formatJavaDouble(value)).toBe(referencePlain(value));
      }),
      { numRuns: 5000 },
    );
  });
});
