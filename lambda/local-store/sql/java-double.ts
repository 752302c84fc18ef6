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

/**
 * DuckDB SQL giving the text formatJavaDouble gives for the DOUBLE `value`, which is what Trino's
 * CAST(double AS varchar) gives (String.valueOf). `value` is repeated, so it must be short SQL such
 * as a lambda-bound name. DuckDB's own cast writes the same shortest digits in another layout
 * (`1e+21`, `1e-07`, `9007199254740994.0`, `nan`), so its text is taken apart into significant
 * digits and a decimal exponent and laid out again as Java does. The lambda parameters are named
 * `ts_…`, a prefix no column has (Timestream reserves it), as bindOnce's are.
 */
export function javaDoubleTextSql(value: string): string {
  const magnitude = `abs(${value})`;
  // Java's two-digit rule (formatOutsidePlainRange): only a subnormal can have a closer decimal
  // of two digits than its shortest one of one digit; printf's %.1e is that nearest decimal.
  const twoDigits = `printf('%.1e', ${magnitude})`;
  const shortest = `CAST(${magnitude} AS VARCHAR)`;
  const text =
    `CASE WHEN ${magnitude} < ${MIN_NORMAL_SQL} AND regexp_matches(${shortest}, '^[0-9]e') ` +
    `AND CAST(${twoDigits} AS DOUBLE) = ${magnitude} THEN ${twoDigits} ELSE ${shortest} END`;
  // ts_text: DuckDB's text; ts_parts: its digits without the point, how many stand before it, and
  // the exponent after an e.
  const parts =
    `struct_pack(d := replace(regexp_extract(ts_text, '^[0-9.]+'), '.', ''), ` +
    `w := length(regexp_extract(ts_text, '^[0-9]*')), ` +
    `x := coalesce(TRY_CAST(regexp_extract(ts_text, 'e([-+]?[0-9]+)$', 1) AS INTEGER), 0))`;
  // digits: significant digits; exponent: of the first of them (d.ddd × 10^exponent).
  const layout =
    `struct_pack(digits := trim(struct_extract(ts_parts, 'd'), '0'), exponent := CAST(struct_extract(ts_parts, 'x') + ` +
    `struct_extract(ts_parts, 'w') - 1 - (length(struct_extract(ts_parts, 'd')) - length(ltrim(struct_extract(ts_parts, 'd'), '0'))) AS INTEGER))`;
  const digits = `struct_extract(ts_layout, 'digits')`;
  const exponent = `struct_extract(ts_layout, 'exponent')`;
  const rest = `coalesce(nullif(substr(${digits}, ${exponent} + 2), ''), '0')`;
  const plain =
    `CASE WHEN ${exponent} >= 0 THEN left(rpad(${digits}, ${exponent} + 1, '0'), ${exponent} + 1) || '.' || ${rest} ` +
    `ELSE '0.' || repeat('0', -${exponent} - 1) || ${digits} END`;
  const scientific = `left(${digits}, 1) || '.' || coalesce(nullif(substr(${digits}, 2), ''), '0') || 'E' || ${exponent}`;
  const finite =
    `list_transform([${text}], lambda ts_text: list_transform([${parts}], lambda ts_parts: ` +
    `list_transform([${layout}], lambda ts_layout: CASE WHEN ${magnitude} >= ${PLAIN_MIN} AND ${magnitude} < ${PLAIN_MAX} ` +
    `THEN ${plain} ELSE ${scientific} END)[1])[1])[1]`;
  return (
    `CASE WHEN isnan(${value}) THEN 'NaN' WHEN ${value} = 'Infinity'::DOUBLE THEN 'Infinity' ` +
    `WHEN ${value} = '-Infinity'::DOUBLE THEN '-Infinity' ` +
    `WHEN ${value} = 0 THEN CASE WHEN signbit(${value}) THEN '-0.0' ELSE '0.0' END ` +
    `ELSE CASE WHEN ${value} < 0 THEN '-' ELSE '' END || ${finite} END`
  );
}

/** The least normal double, below which Java's two-digit rule can apply. */
const MIN_NORMAL_SQL = '2.2250738585072014e-308';
