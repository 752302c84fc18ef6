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

/** Formats nanoseconds since the Unix epoch as a Timestream TIMESTAMP. */
export function formatTimestampNanos(nanosSinceEpoch: bigint): string {
  const [days, nanosOfDay] = floorDiv(nanosSinceEpoch, NANOS_PER_DAY);
  return `${formatDate(Number(days))} ${formatTimeOfDay(nanosOfDay)}`;
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
