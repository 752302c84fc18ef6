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
  const fixed = fewDecimals(value);
  if (fixed !== undefined) return fixed;
  const text = String(value);
  const e = text.indexOf('e');
  return e < 0 ? text : expandExponent(text, e);
}

/** 2^50: below it, the scaled value's rounding errors stay under a quarter (see fewDecimals). */
const SCALED_LIMIT = 2 ** 50;

/**
 * The same text as the String path for values with at most 9 decimals that are not too large
 * (most sample values: counters, byte counts, gauges such as `12345.67` or `0.52`), else
 * undefined. A hand-written fast path on a measured hot path: `String()` of a non-integer double,
 * or of an integer past 2^31, is a runtime call of ~200 ns, 5–8% of the connector's thread in
 * figure 4 (bench/NOTES.md); this costs ~55–120 ns.
 *
 * Why it is exact: with D decimals chosen so that |v|·10^D < 2^50, the rounding interval of v is
 * less than a quarter of 10^-D wide, so at most one D-decimal number N·10^-D parses to v, and
 * `Math.round(|v| * 10^D)` finds it whenever it exists (the product's own error is under an
 * eighth). `N / 10^D === |v|` then proves the round trip (the division is correctly rounded, as
 * parsing is). Every shorter round-tripping text is N with trailing zeros dropped, so dropping
 * them gives the fewest digits, which is what `String()` writes: the same digits, positional.
 */
function fewDecimals(value: number): string | undefined {
  const magnitude = value < 0 ? -value : value;
  // The most decimals the bound allows, in steps of three: 1.1e6, 1.1e9, 1.1e12 and 2^50.
  let scale = 1e9;
  let decimals = 9;
  while (!(magnitude * scale < SCALED_LIMIT)) {
    if (scale === 1) return undefined; // also NaN and ±Infinity
    scale /= 1e3;
    decimals -= 3;
  }
  const scaled = Math.round(magnitude * scale);
  if (scaled / scale !== magnitude) return undefined;
  // The quotient just checked is the magnitude itself, so its integer part is the whole part
  // (exact: the quotient is an integer, or at least 10^-D from one with an error under 10^-D / 8).
  const whole = Math.floor(magnitude);
  let fraction = (scaled - whole * scale) | 0; // below 1e9
  let text = integerText(whole);
  if (fraction !== 0) {
    while (fraction % 10 === 0) {
      fraction = (fraction / 10) | 0;
      decimals--;
    }
    text += '.' + ('' + fraction).padStart(decimals, '0');
  }
  return value < 0 ? '-' + text : text;
}

/** Decimal digits of a non-negative integer below 2^53, from parts that stay small integers. */
function integerText(n: number): string {
  if (n < 0x80000000) return '' + n;
  const high = Math.floor(n / 1e9);
  return '' + high + ('' + (n - high * 1e9)).padStart(9, '0');
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
