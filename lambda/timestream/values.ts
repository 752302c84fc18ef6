// SPDX-License-Identifier: Apache-2.0
// Sample values as Timestream DOUBLE measure values: the shortest decimal text that parses back
// to the identical float64. Filtering of NaN/±Inf is the caller's job (records.ts).

/** Timestream's limit on a MeasureValue, in characters (reference/timestream-facts.md 3.1). */
export const MAX_MEASURE_VALUE_CHARS = 2048;

/**
 * Formats a finite float64 as the shortest decimal string that `Number()` (and Java's
 * `Double.parseDouble`) parses back to the identical value, in plain positional notation.
 *
 * JS `String(v)` already yields the shortest round-tripping digits, but switches to exponent
 * notation below 1e-6 and from 1e21 on (`1e-9`, `1.7976931348623157e+308`). Whether Timestream
 * accepts exponents in MeasureValue is UNCONFIRMED (reference/timestream-facts.md 3.5: only indirect
 * evidence), while plain digits are what every decimal parser accepts, so exponents are expanded
 * to positional digits with the same significant digits. This costs nothing in the common range
 * (no `e` in the string) and nothing on the bill (a DOUBLE is metered as 8 bytes whatever its
 * text); the longest outputs are 5e-324 (326 chars) and 1.7976931348623157e308 (309 chars), well
 * under MAX_MEASURE_VALUE_CHARS. `-0` is kept as `"-0"` (String(-0) is `"0"`) so the sign bit
 * survives the round trip.
 *
 * The result for NaN or ±Infinity is unspecified; never send those to Timestream.
 */
export function formatMeasureValue(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const text = String(value);
  const e = text.indexOf('e');
  return e < 0 ? text : expandExponent(text, e);
}

/** Rewrites `[-]d[.ddd]e±x` (JS exponent form) as positional digits with the same digits. */
function expandExponent(text: string, e: number): string {
  const negative = text.charCodeAt(0) === 45; // '-'
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  // Position of the decimal point relative to the start of `digits` (JS always puts one digit
  // before the point in exponent form).
  const point = 1 + exponent;
  let body: string;
  if (point <= 0) body = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) body = digits + '0'.repeat(point - digits.length);
  else body = digits.slice(0, point) + '.' + digits.slice(point);
  return negative ? '-' + body : body;
}
