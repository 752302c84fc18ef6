// SPDX-License-Identifier: Apache-2.0
// Turns Timestream query pages into Prometheus series in one pass over the rows: columns mapped
// by name (never position), series keyed by their label set, samples sorted and de-duplicated.

import type { ColumnInfo, Row } from '@aws-sdk/client-timestream-query';
import { retryable } from '../core/errors';
import type { ColumnarSeries } from '../prompb/encode';
import type { Label } from '../prompb/types';
import { labelNamesOf } from './label-names';
import { compareLabels, compareUtf8 } from './labels-compare';
import type { ScannedPage } from './page-scan';

export type { ColumnInfo, Row } from '@aws-sdk/client-timestream-query';

/** One page of a Timestream Query response (the fields this module reads). */
export interface QueryPage {
  ColumnInfo: ColumnInfo[];
  Rows: Row[];
}

const TIME_COLUMN = 'time';
const NAME_COLUMN = 'measure_name';
const VALUE_COLUMN = 'measure_value::double';
const MEASURE_VALUE_PREFIX = 'measure_value::';

/** A label-carrying column; `keyPart` is its name, length-prefixed, for the series key. */
interface LabelColumn {
  index: number;
  label: string;
  keyPart: string;
}

interface ColumnPlan {
  time: number;
  value: number;
  /** Sorted by label name, byte-wise, so keys and label lists come out canonical. */
  labels: LabelColumn[];
}

/**
 * A series being collected: its labels, its position in `entries`, how many samples it has and
 * where its first and (just past) its last sample arrived.
 */
interface SeriesAccumulator {
  labels: Label[];
  index: number;
  count: number;
  start: number;
  end: number;
}

/** Initial capacity of the sample columns, in samples; they double as needed. */
const INITIAL_SAMPLES = 4096;

/**
 * Collects rows of any number of pages into series. Rows without a double value (NullValue or
 * another measure type) are skipped. When one series has two rows at the same millisecond, one
 * sample is kept (keepsOver), whatever order the rows came in, and the others are counted in
 * duplicateSamples.
 */
export class SeriesAssembler {
  private readonly series = new Map<string, SeriesAccumulator>();
  private readonly entries: SeriesAccumulator[] = [];
  /**
   * Every sample in arrival order, with the index of its series: typed columns, no object or
   * array per sample or series, so the collector never copies them (figure 5: on a 1000-series
   * read, objects per sample and growing arrays per series cost more than scanning the rows).
   */
  private times: Float64Array = new Float64Array(INITIAL_SAMPLES);
  private values: Float64Array = new Float64Array(INITIAL_SAMPLES);
  private owners: Int32Array = new Int32Array(INITIAL_SAMPLES);
  private count = 0;
  /** Whether some series' samples did not arrive one after another. */
  private interleaved = false;
  private duplicates = 0;
  /**
   * The byte ranges in lastBytes of the label values of the last scanned row, by plan position
   * ((-1, -1) = absent), and its series.
   */
  private lastStart = new Int32Array(0);
  private lastEnd = new Int32Array(0);
  private lastBytes: Buffer = Buffer.alloc(0);
  private lastSeries: SeriesAccumulator | undefined;
  /** The label columns lastValues is laid out by (their key parts, joined). */
  private lastPlan = '';

  /** Samples finishColumns dropped because their series had another at the same millisecond. */
  get duplicateSamples(): number {
    return this.duplicates;
  }

  /** Samples added so far, same-millisecond duplicates included (finishColumns drops those). */
  get sampleCount(): number {
    return this.count;
  }

  /** Series added so far; finishColumns returns each of them. */
  get seriesCount(): number {
    return this.entries.length;
  }

  /** Adds the rows of one page; linear in its rows. Throws retryable on a malformed time or double. */
  addPage(page: QueryPage): void {
    const plan = planColumns(page.ColumnInfo);
    if (plan === undefined) return;
    for (const row of page.Rows) {
      const data = row.Data;
      // JSON.parse leaves a null Data that the SDK's deserialiser drops: no Data either way.
      if (data === undefined || data === null) continue;
      const valueText = data[plan.value]?.ScalarValue;
      if (valueText === undefined || valueText === '' || data[plan.value]?.NullValue === true) continue;
      const timeText = data[plan.time]?.ScalarValue;
      if (timeText === undefined) continue;
      let key = '';
      for (const column of plan.labels) {
        const value = data[column.index]?.ScalarValue;
        // An empty value is no label at all in Prometheus, like a NULL cell.
        if (value === undefined || value === '' || data[column.index]?.NullValue === true) continue;
        key += `${column.keyPart}${value.length}:${value}`;
      }
      const acc = this.series.get(key) ?? this.newSeries(key, rowLabels(data, plan));
      this.add(acc, parseTimestampMs(timeText), parseDouble(valueText));
    }
  }

  /**
   * addPage for a scanned page (page-scan.ts), with the same outcome, reading cells as bytes: a
   * row whose label bytes equal the previous row's (rows mostly come grouped by series) decodes
   * no label and builds no series key, and times and doubles are parsed from the bytes.
   */
  addScannedPage(page: ScannedPage): void {
    const plan = planColumns(page.columnInfo);
    if (plan === undefined) return;
    const { rowStarts, bytes, cellStart, cellEnd } = page;
    const labels = plan.labels;
    const planKey = labels.map((l) => l.keyPart).join('');
    if (planKey !== this.lastPlan) {
      this.lastPlan = planKey;
      this.lastStart = new Int32Array(labels.length);
      this.lastEnd = new Int32Array(labels.length);
      this.lastSeries = undefined;
    }
    const lastStart = this.lastStart;
    const lastEnd = this.lastEnd;
    for (let r = 0; r < page.rowCount; r++) {
      const first = rowStarts[r]!;
      const width = rowStarts[r + 1]! - first;
      if (plan.value >= width || plan.time >= width) continue;
      const valueStart = cellStart[first + plan.value]!;
      const valueEnd = cellEnd[first + plan.value]!;
      // A NullValue or '' has no double.
      if (valueStart === valueEnd) continue;
      const timeStart = cellStart[first + plan.time]!;
      if (timeStart < 0) continue;
      let acc = this.lastSeries;
      const lastBytes = this.lastBytes;
      for (let j = 0; j < labels.length && acc !== undefined; j++) {
        const index = labels[j]!.index;
        // A NULL cell (-1, -1), an empty value and a missing column all have no bytes: in Prometheus
        // each is no label at all, so they compare equal.
        const inRow = index < width;
        const start = inRow ? cellStart[first + index]! : -1;
        const end = inRow ? cellEnd[first + index]! : -1;
        if (!sameBytes(bytes, start, end, lastBytes, lastStart[j]!, lastEnd[j]!)) acc = undefined;
      }
      if (acc === undefined) acc = this.seriesOf(page, first, width, plan);
      this.add(
        acc,
        timestampAt(bytes, timeStart, cellEnd[first + plan.time]!),
        doubleAt(bytes, valueStart, valueEnd),
      );
    }
  }

  /** The series of the row whose cells start at `first`, remembered as the last row's. */
  private seriesOf(page: ScannedPage, first: number, width: number, plan: ColumnPlan): SeriesAccumulator {
    const { bytes, cellStart, cellEnd } = page;
    const labels = plan.labels;
    const values = new Array<string | undefined>(labels.length);
    let key = '';
    for (let j = 0; j < labels.length; j++) {
      const index = labels[j]!.index;
      let start = -1;
      let end = -1;
      if (index < width && cellStart[first + index]! !== cellEnd[first + index]!) {
        start = cellStart[first + index]!;
        end = cellEnd[first + index]!;
        const value = bytes.toString('utf8', start, end);
        values[j] = value;
        key += `${labels[j]!.keyPart}${value.length}:${value}`;
      }
      this.lastStart[j] = start;
      this.lastEnd[j] = end;
    }
    this.lastBytes = bytes;
    let acc = this.series.get(key);
    if (acc === undefined) {
      const seriesLabels: Label[] = [];
      for (let j = 0; j < labels.length; j++) {
        const value = values[j];
        if (value !== undefined) seriesLabels.push({ name: labels[j]!.label, value });
      }
      acc = this.newSeries(key, seriesLabels);
    }
    this.lastSeries = acc;
    return acc;
  }

  private newSeries(key: string, labels: Label[]): SeriesAccumulator {
    const acc = { labels, index: this.entries.length, count: 0, start: 0, end: 0 };
    this.entries.push(acc);
    this.series.set(key, acc);
    return acc;
  }

  private add(acc: SeriesAccumulator, timestamp: number, value: number): void {
    const at = this.count;
    if (at === this.times.length) {
      this.times = grownFloats(this.times);
      this.values = grownFloats(this.values);
      const owners = new Int32Array(this.owners.length * 2);
      owners.set(this.owners);
      this.owners = owners;
    }
    this.times[at] = timestamp;
    this.values[at] = value;
    this.owners[at] = acc.index;
    if (acc.count === 0) acc.start = at;
    else if (acc.end !== at) this.interleaved = true;
    acc.end = at + 1;
    acc.count++;
    this.count = at + 1;
  }

  /**
   * Returns the series sorted by labels.Compare, each with ascending, unique timestamps, its
   * samples as columns (as the read response encoder takes them); call once.
   */
  finishColumns(): ColumnarSeries[] {
    const entries = this.entries;
    const out: ColumnarSeries[] = [];
    if (!this.interleaved) {
      // Rows came grouped by series (the usual order): each series' samples are one run already.
      for (const { labels, count, start } of entries) {
        if (count > 0)
          out.push(
            this.unique(
              labels,
              this.times.subarray(start, start + count),
              this.values.subarray(start, start + count),
            ),
          );
      }
      return out.sort((a, b) => compareLabels(a.labels, b.labels));
    }
    // The samples grouped by series (a counting sort, each series' samples in arrival order).
    const next = new Int32Array(entries.length);
    for (let i = 0, at = 0; i < entries.length; i++) {
      next[i] = at;
      at += entries[i]!.count;
    }
    const times = new Float64Array(this.count);
    const values = new Float64Array(this.count);
    for (let r = 0; r < this.count; r++) {
      const at = next[this.owners[r]!]!++;
      times[at] = this.times[r]!;
      values[at] = this.values[r]!;
    }
    for (let i = 0, at = 0; i < entries.length; i++) {
      const { labels, count } = entries[i]!;
      if (count > 0)
        out.push(this.unique(labels, times.subarray(at, at + count), values.subarray(at, at + count)));
      at += count;
    }
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  /** sortUnique, counting the samples it drops. */
  private unique(labels: Label[], timestamps: Float64Array, values: Float64Array): ColumnarSeries {
    const series = sortUnique(labels, timestamps, values);
    this.duplicates += timestamps.length - series.timestamps.length;
    return series;
  }
}

const grownFloats = (array: Float64Array): Float64Array => {
  const larger = new Float64Array(array.length * 2);
  larger.set(array);
  return larger;
};

function rowLabels(data: NonNullable<Row['Data']>, plan: ColumnPlan): Label[] {
  const labels: Label[] = [];
  for (const column of plan.labels) {
    const value = data[column.index]?.ScalarValue;
    if (value === undefined || value === '' || data[column.index]?.NullValue === true) continue;
    labels.push({ name: column.label, value });
  }
  return labels;
}

/**
 * Sorts by time and keeps one sample per millisecond; the columns themselves when already so.
 * Of samples sharing a millisecond (another tool's sub-millisecond times, which Prometheus cannot
 * tell apart), the one that comes last in keepsOver's order stays, whatever order the rows came
 * in, so a read answers the same every time.
 */
function sortUnique(labels: Label[], timestamps: Float64Array, values: Float64Array): ColumnarSeries {
  let strictly = true;
  for (let i = 1; i < timestamps.length && strictly; i++) strictly = timestamps[i - 1]! < timestamps[i]!;
  if (strictly) return { labels, timestamps, values };
  const order = Array.from(timestamps, (_, i) => i).sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);
  const outTimes = new Float64Array(order.length);
  const outValues = new Float64Array(order.length);
  let length = 0;
  for (const i of order) {
    if (length > 0 && outTimes[length - 1] === timestamps[i]) {
      if (keepsOver(values[i]!, outValues[length - 1]!)) outValues[length - 1] = values[i]!;
    } else {
      outTimes[length] = timestamps[i]!;
      outValues[length++] = values[i]!;
    }
  }
  return { labels, timestamps: outTimes.subarray(0, length), values: outValues.subarray(0, length) };
}

/**
 * Whether `value` replaces `kept` at one millisecond: the larger one stays (for a counter, the
 * later of the two), +0 over -0 and NaN over any number, a total order, so which row arrived
 * first never matters.
 */
function keepsOver(value: number, kept: number): boolean {
  if (Number.isNaN(kept)) return false;
  if (Number.isNaN(value)) return true;
  return value > kept || (value === kept && Object.is(kept, -0));
}

/** Whether a result column holds a dimension: not time, measure_name or measure_value::*. */
function isDimensionColumn(name: string): boolean {
  return name !== TIME_COLUMN && name !== NAME_COLUMN && !name.startsWith(MEASURE_VALUE_PREFIX);
}

/** The dimension columns of a result (isDimensionColumn). */
export function dimensionColumnsOf(columns: readonly ColumnInfo[]): string[] {
  const names: string[] = [];
  for (const { Name: name } of columns) if (name !== undefined && isDimensionColumn(name)) names.push(name);
  return names;
}

function planColumns(columns: readonly ColumnInfo[]): ColumnPlan | undefined {
  let time = -1;
  let value = -1;
  let name = -1;
  const dimensions: { index: number; name: string }[] = [];
  columns.forEach((column, index) => {
    const columnName = column.Name;
    if (columnName === undefined) return;
    if (columnName === TIME_COLUMN) time = index;
    else if (columnName === VALUE_COLUMN) value = index;
    else if (columnName === NAME_COLUMN) name = index;
    else if (isDimensionColumn(columnName)) dimensions.push({ index, name: columnName });
  });
  if (time < 0 || value < 0) return undefined;
  // One label per column (labelNamesOf), so rows of different Timestream series, such as one
  // with `job` and one with `_job` written by another tool, never read back as one series.
  const labelOf = labelNamesOf(dimensions.map((d) => d.name));
  const labels: { index: number; label: string; keyPart: string }[] = [];
  for (const { index, name: columnName } of dimensions) {
    const label = labelOf.get(columnName);
    if (label !== undefined) labels.push({ index, label, keyPart: `${label.length}:${label}` });
  }
  if (name >= 0) labels.push({ index: name, label: '__name__', keyPart: '8:__name__' });
  labels.sort((a, b) => compareUtf8(a.label, b.label));
  return { time, value, labels };
}

/** Parses a Timestream double (Java `Double.toString` style: `1.0E-9`, `NaN`, `Infinity`) bit-exactly. */
export function parseDouble(text: string): number {
  const value = Number(text);
  if (Number.isNaN(value) && text !== 'NaN')
    throw retryable(`unexpected double from Timestream: ${JSON.stringify(text)}`);
  return value;
}

const digit = (text: string, i: number): number => {
  const d = text.charCodeAt(i) - 0x30;
  return d >= 0 && d <= 9 ? d : NaN;
};
const digits = (text: string, from: number, count: number): number => {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + digit(text, i);
  return n;
};

/**
 * Parses a Timestream TIMESTAMP (`YYYY-MM-DD HH:MM:SS.nnnnnnnnn`, UTC) to whole milliseconds,
 * truncating sub-millisecond digits; no Date parsing, so no local-time or precision pitfalls.
 * Throws a Retryable ConnectorError for any other text, a day past its month's length included.
 */
export function parseTimestampMs(text: string): number {
  const ok =
    text.length >= 19 &&
    text[4] === '-' &&
    text[7] === '-' &&
    text[10] === ' ' &&
    text[13] === ':' &&
    text[16] === ':' &&
    (text.length === 19 || (text[19] === '.' && text.length > 20 && text.length <= 29));
  let ms = NaN;
  if (ok) {
    const year = digits(text, 0, 4);
    const month = digits(text, 5, 2);
    const day = digits(text, 8, 2);
    const fraction = text.length > 20 ? digits(text, 20, text.length - 20) : 0;
    const fractionMs =
      Math.floor(fraction / 10 ** Math.max(0, text.length - 23)) * 10 ** Math.max(0, 23 - text.length);
    const hour = digits(text, 11, 2);
    const minute = digits(text, 14, 2);
    const second = digits(text, 17, 2);
    if (isDayOfMonth(year, month, day) && hour < 24 && minute < 60 && second < 60) {
      ms =
        ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + fractionMs;
    }
  }
  if (!Number.isFinite(ms)) throw retryable(`unexpected timestamp from Timestream: ${JSON.stringify(text)}`);
  return ms;
}

/** Days of each month in a leap year, by month number; index 0 is unused. */
const MONTH_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether `day` is a day of `month` in `year`, proleptic Gregorian (year 0 is a leap year);
 * false when any of them is NaN. The leap-year test runs only for February 29.
 */
function isDayOfMonth(year: number, month: number, day: number): boolean {
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= MONTH_DAYS[month]! &&
    (day !== 29 || month !== 2 || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)))
  );
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Whether a[aStart, aEnd) and b[bStart, bEnd) hold the same bytes. */
function sameBytes(
  a: Buffer,
  aStart: number,
  aEnd: number,
  b: Buffer,
  bStart: number,
  bEnd: number,
): boolean {
  const length = aEnd - aStart;
  if (length !== bEnd - bStart) return false;
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/** `10 ** k` for k up to 15, each exact. */
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, k) => 10 ** k);
/** Decimal digits whose integer value is certainly below 2^53. */
const MAX_EXACT_DIGITS = 15;

/**
 * parseDouble of the UTF-8 text bytes[start, end). Plain decimals of at most 15 digits are
 * computed as digits / 10^fraction-digits: both are exact doubles and IEEE division rounds
 * correctly, so the result is bit for bit what Number() gives (Clinger's fast path); measured on
 * figure 5 at about a quarter of the cost of decoding the text and calling Number().
 */
export function doubleAt(bytes: Buffer, start: number, end: number): number {
  let i = start;
  const negative = bytes[i] === 0x2d; /* - */
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = 0;
  const integerStart = i;
  for (let d: number; i < end && (d = bytes[i]! - 0x30) >= 0 && d <= 9; i++, digits++)
    mantissa = mantissa * 10 + d;
  let plain = i > integerStart;
  if (plain && i < end) {
    plain = bytes[i] === 0x2e; /* . */
    const fractionStart = ++i;
    for (let d: number; i < end && (d = bytes[i]! - 0x30) >= 0 && d <= 9; i++, digits++)
      mantissa = mantissa * 10 + d;
    fractionDigits = i - fractionStart;
    plain = plain && fractionDigits > 0 && i === end;
  }
  if (!plain || digits > MAX_EXACT_DIGITS) return parseDouble(bytes.toString('utf8', start, end));
  const value = fractionDigits === 0 ? mantissa : mantissa / POWERS_OF_TEN[fractionDigits]!;
  return negative ? -value : value;
}

/** The `YYYYMMDD` parsed last by timestampAt and its day number. */
let lastDateKey = -1;
let lastDateDay = NaN;

/**
 * parseTimestampMs of the UTF-8 text bytes[start, end): Timestream's own 29-byte form is read
 * from the bytes, anything else through parseTimestampMs (same value, same errors).
 */
export function timestampAt(bytes: Buffer, start: number, end: number): number {
  if (
    end - start === 29 &&
    bytes[start + 4] === 0x2d /* - */ &&
    bytes[start + 7] === 0x2d &&
    bytes[start + 10] === 0x20 /* space */ &&
    bytes[start + 13] === 0x3a /* : */ &&
    bytes[start + 16] === 0x3a &&
    bytes[start + 19] === 0x2e /* . */
  ) {
    const dateKey =
      digitsAt(bytes, start, 4) * 10_000 +
      digitsAt(bytes, start + 5, 2) * 100 +
      digitsAt(bytes, start + 8, 2);
    if (dateKey !== lastDateKey) {
      const year = Math.floor(dateKey / 10_000);
      const month = Math.floor(dateKey / 100) % 100;
      const day = dateKey % 100;
      // NaN (a non-digit) fails this test too.
      if (isDayOfMonth(year, month, day)) {
        lastDateDay = daysFromCivil(year, month, day);
        lastDateKey = dateKey;
      }
    }
    const hour = digitsAt(bytes, start + 11, 2);
    const minute = digitsAt(bytes, start + 14, 2);
    const second = digitsAt(bytes, start + 17, 2);
    // Sub-millisecond digits are truncated, but must be digits.
    const millis = digitsAt(bytes, start + 20, 3);
    if (
      dateKey === lastDateKey &&
      millis >= 0 &&
      hour < 24 &&
      minute < 60 &&
      second < 60 &&
      digitsAt(bytes, start + 23, 6) >= 0
    ) {
      return ((lastDateDay * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis;
    }
  }
  return parseTimestampMs(bytes.toString('utf8', start, end));
}

/** The number the `count` ASCII digits at `from` spell, NaN when one is no digit. */
function digitsAt(bytes: Buffer, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = bytes[i]! - 0x30;
    n = d >= 0 && d <= 9 ? n * 10 + d : NaN;
  }
  return n;
}
