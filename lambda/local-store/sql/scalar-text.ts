// SPDX-License-Identifier: Apache-2.0
// Timestream's textual ScalarValue formats (facts 4.3) computed from exact integers: TIMESTAMP
// `YYYY-MM-DD hh:mm:ss.nnnnnnnnn` (UTC), DATE, TIME and INTERVAL_DAY_TO_SECOND `D hh:mm:ss.nnnnnnnnn`.

const NANOS_PER_SECOND = 1_000_000_000n;
const NANOS_PER_DAY = 86_400n * NANOS_PER_SECOND;

const pad = (n: bigint | number, width: number) => String(n).padStart(width, '0');

function floorDiv(a: bigint, b: bigint): [bigint, bigint] {
  const q = a / b;
  const r = a % b;
  return r < 0n ? [q - 1n, r + b] : [q, r];
}

/** Formats days since 1970-01-01 as `YYYY-MM-DD` (proleptic Gregorian, Hinnant's algorithm). */
export function formatDate(daysSinceEpoch: number): string {
  const z = daysSinceEpoch + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year < 0 ? '-' : ''}${pad(Math.abs(year), 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Formats nanoseconds within a day as `hh:mm:ss.nnnnnnnnn`. */
export function formatTimeOfDay(nanosOfDay: bigint): string {
  const [seconds, nanos] = floorDiv(nanosOfDay, NANOS_PER_SECOND);
  const s = Number(seconds);
  return `${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}.${pad(nanos, 9)}`;
}

/** `00`..`59`: two-digit fields of the TIMESTAMP hot path. */
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => pad(n, 2));
/** The last date formatted by formatTimestampNanos: rows of a result mostly share a few days. */
let lastDay = NaN;
let lastDate = '';

/** Formats nanoseconds since the Unix epoch as a Timestream TIMESTAMP. */
export function formatTimestampNanos(nanosSinceEpoch: bigint): string {
  // Hot path of every TIMESTAMP cell (figure 5): one BigInt split, then exact double arithmetic
  // (|seconds| < 2^53), a remembered date and table lookups instead of BigInt divisions and pads.
  const remainder = nanosSinceEpoch % NANOS_PER_SECOND;
  let seconds = Number((nanosSinceEpoch - remainder) / NANOS_PER_SECOND);
  let nanos = Number(remainder);
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1_000_000_000;
  }
  const days = Math.floor(seconds / 86_400);
  const secondOfDay = seconds - days * 86_400;
  if (days !== lastDay) {
    lastDate = formatDate(days);
    lastDay = days;
  }
  const minuteOfDay = Math.floor(secondOfDay / 60);
  const fraction = nanos === 0 ? '000000000' : pad(nanos, 9);
  return `${lastDate} ${TWO_DIGITS[Math.floor(minuteOfDay / 60)]}:${TWO_DIGITS[minuteOfDay % 60]}:${TWO_DIGITS[secondOfDay % 60]}.${fraction}`;
}

/** Formats a day-to-second interval given in nanoseconds as `D hh:mm:ss.nnnnnnnnn`. */
export function formatDayToSecond(totalNanos: bigint): string {
  const sign = totalNanos < 0n ? '-' : '';
  const magnitude = totalNanos < 0n ? -totalNanos : totalNanos;
  return `${sign}${magnitude / NANOS_PER_DAY} ${formatTimeOfDay(magnitude % NANOS_PER_DAY)}`;
}

/** Formats a year-to-month interval given in months as `Y-M`. */
export function formatYearToMonth(months: number): string {
  const sign = months < 0 ? '-' : '';
  const m = Math.abs(months);
  return `${sign}${Math.floor(m / 12)}-${m % 12}`;
}

const MICROS_PER_DAY = 86_400_000_000;

/**
 * DuckDB SQL giving the text formatYearToMonth or formatDayToSecond gives for the INTERVAL `value`,
 * the one its cell has: `Y-M` when it has a month part (Trino's IntervalYearMonth text), else
 * `D hh:mm:ss.nnnnnnnnn`. `value` is repeated, so it must be short SQL such as a lambda-bound name;
 * it may be of any type (TRY_CAST binds for every one). DuckDB's own cast writes `1 year` and
 * `24:00:00`.
 */
export function intervalTextSql(value: string): string {
  const interval = `TRY_CAST(${value} AS INTERVAL)`;
  const months = `(datepart('year', ${interval}) * 12 + datepart('month', ${interval}))`;
  const sign = (n: string) => `CASE WHEN ${n} < 0 THEN '-' ELSE '' END`;
  const text = (n: string) => `CAST(${n} AS VARCHAR)`;
  const two = (n: string) => `lpad(${text(n)}, 2, '0')`;
  const yearToMonth = `${sign(months)} || ${text(`abs(${months}) // 12`)} || '-' || ${text(`abs(${months}) % 12`)}`;
  // ts_micros: the interval in microseconds, its days counted as 24 hours (DuckDB keeps them apart).
  const micros =
    `datepart('day', ${interval}) * ${MICROS_PER_DAY} + datepart('hour', ${interval}) * 3600000000 + ` +
    `datepart('minute', ${interval}) * 60000000 + datepart('microseconds', ${interval})`;
  const m = 'abs(ts_micros)';
  const dayToSecond =
    `list_transform([${micros}], lambda ts_micros: ${sign('ts_micros')} || ${text(`${m} // ${MICROS_PER_DAY}`)} || ' ' || ` +
    `${two(`${m} // 3600000000 % 24`)} || ':' || ${two(`${m} // 60000000 % 60`)} || ':' || ` +
    `${two(`${m} // 1000000 % 60`)} || '.' || lpad(${text(`${m} % 1000000`)}, 6, '0') || '000')[1]`;
  return `CASE WHEN ${months} <> 0 THEN ${yearToMonth} ELSE ${dayToSecond} END`;
}
