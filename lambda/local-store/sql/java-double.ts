// SPDX-License-Identifier: Apache-2.0
// Formats a double the way Java's `Double.toString` does (JDK 19+, shortest round-trip digits),
// which is how Timestream renders DOUBLE values (facts 4.3): `40.0`, `0.001`, `1.0E-9`,
// `1.6554878837710001E9`, `NaN`, `Infinity`. The text parses back to the identical double.

/** Java prints plain decimals for magnitudes in [1e-3, 1e7) and computerized E notation outside. */
const PLAIN_MIN = 1e-3;
const PLAIN_MAX = 1e7;

/** Formats `value` as Java's `Double.toString` would. */
export function formatJavaDouble(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= PLAIN_MIN && magnitude < PLAIN_MAX) {
    // Hot path of every DOUBLE cell (figure 5): in this range JavaScript's String() prints the same
    // shortest digits in the same plain notation, and Java's two-digit rule only matters for
    // subnormals; an integral value only lacks Java's ".0".
    return Number.isInteger(value) ? `${value}.0` : String(value);
  }
  return formatOutsidePlainRange(value);
}

/** formatJavaDouble for NaN, infinities, zeros and magnitudes outside [1e-3, 1e7). */
function formatOutsidePlainRange(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  // toExponential() without an argument yields the shortest digits that round-trip.
  let [mantissa, exponentText] = magnitude.toExponential().split('e') as [string, string];
  if (mantissa.length === 1) {
    // NOTE: Java renders at least two significant digits and, when one would do, picks the
    // two-digit decimal nearest the exact value: Double.MIN_VALUE is 4.9E-324, not 5.0E-324.
    const two = magnitude.toExponential(1);
    if (Number(two) === magnitude) [mantissa, exponentText] = two.split('e') as [string, string];
  }
  const digits = mantissa.replace('.', '').replace(/(?<=.)0$/, '');
  return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${Number(exponentText)}`;
}
