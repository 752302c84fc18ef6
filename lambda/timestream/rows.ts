// SPDX-License-Identifier: Apache-2.0
// Turns Timestream query pages into Prometheus series in one pass over the rows: columns mapped
// by name (never position), series keyed by their label set, samples sorted and de-duplicated.

import type { ColumnInfo, Row } from '@aws-sdk/client-timestream-query';
import { retryable } from '../core/errors';
import type { Label, Sample, TimeSeries } from '../prompb/types';
import { fromDimensionName, toDimensionName } from './label-names';
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

interface SeriesAccumulator {
  labels: Label[];
  samples: Sample[];
}

/**
 * Collects rows of any number of pages into series. Rows without a double value (NullValue or
 * another measure type) are skipped. When one series has two rows at the same millisecond, the
 * row seen last (the later page, or later in its page) wins.
 */
export class SeriesAssembler {
  private readonly series = new Map<string, SeriesAccumulator>();
  /** The label values (undefined = absent) and series of the last scanned row, by plan position. */
  private lastValues: (string | undefined)[] = [];
  private lastSeries: SeriesAccumulator | undefined;
  /** The label columns lastValues is laid out by (their key parts, joined). */
  private lastPlan = '';

  /** Adds the rows of one page; linear in its rows. Throws retryable on a malformed time or double. */
  addPage(page: QueryPage): void {
    const plan = planColumns(page.ColumnInfo);
    if (plan === undefined) return;
    for (const row of page.Rows) {
      const data = row.Data;
      if (data === undefined) continue;
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
      let acc = this.series.get(key);
      if (acc === undefined) {
        acc = { labels: rowLabels(data, plan), samples: [] };
        this.series.set(key, acc);
      }
      acc.samples.push({ timestamp: parseTimestampMs(timeText), value: parseDouble(valueText) });
    }
  }

  /**
   * addPage for a scanned page (page-scan.ts), with the same outcome; a row whose label values
   * equal the previous row's (rows mostly come grouped by series) skips building its series key.
   */
  addScannedPage(page: ScannedPage): void {
    const plan = planColumns(page.columnInfo);
    if (plan === undefined) return;
    const { rowStarts, cells } = page;
    const labels = plan.labels;
    const planKey = labels.map((l) => l.keyPart).join('');
    if (planKey !== this.lastPlan) {
      this.lastPlan = planKey;
      this.lastValues = new Array<string | undefined>(labels.length);
      this.lastSeries = undefined;
    }
    const last = this.lastValues;
    for (let r = 0; r < page.rowCount; r++) {
      const first = rowStarts[r]!;
      const width = rowStarts[r + 1]! - first;
      const valueText = plan.value < width ? cells[first + plan.value] : undefined;
      if (valueText === undefined || valueText === '') continue;
      const timeText = plan.time < width ? cells[first + plan.time] : undefined;
      if (timeText === undefined) continue;
      let acc = this.lastSeries;
      for (let j = 0; j < labels.length && acc !== undefined; j++) {
        const index = labels[j]!.index;
        // An empty value is no label at all in Prometheus, like a NULL cell.
        const value = index < width ? cells[first + index] || undefined : undefined;
        if (value !== last[j]) acc = undefined;
      }
      if (acc === undefined) {
        let key = '';
        for (let j = 0; j < labels.length; j++) {
          const index = labels[j]!.index;
          const value = index < width ? cells[first + index] || undefined : undefined;
          last[j] = value;
          if (value !== undefined) key += `${labels[j]!.keyPart}${value.length}:${value}`;
        }
        acc = this.series.get(key);
        if (acc === undefined) {
          const seriesLabels: Label[] = [];
          for (let j = 0; j < labels.length; j++) {
            const value = last[j];
            if (value !== undefined) seriesLabels.push({ name: labels[j]!.label, value });
          }
          acc = { labels: seriesLabels, samples: [] };
          this.series.set(key, acc);
        }
        this.lastSeries = acc;
      }
      acc.samples.push({ timestamp: parseTimestampMs(timeText), value: parseDouble(valueText) });
    }
  }

  /** Returns the series sorted by labels.Compare, each with ascending, unique timestamps. */
  finish(): TimeSeries[] {
    const out: TimeSeries[] = [];
    for (const { labels, samples } of this.series.values()) {
      if (samples.length === 0) continue;
      out.push({ labels, samples: sortUnique(samples) });
    }
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }
}

function rowLabels(data: NonNullable<Row['Data']>, plan: ColumnPlan): Label[] {
  const labels: Label[] = [];
  for (const column of plan.labels) {
    const value = data[column.index]?.ScalarValue;
    if (value === undefined || value === '' || data[column.index]?.NullValue === true) continue;
    labels.push({ name: column.label, value });
  }
  return labels;
}

/** Stable sort by time, then keep the last sample of each timestamp. */
function sortUnique(samples: Sample[]): Sample[] {
  let sorted = true;
  for (let i = 1; i < samples.length && sorted; i++)
    sorted = samples[i - 1]!.timestamp <= samples[i]!.timestamp;
  if (!sorted) samples.sort((a, b) => a.timestamp - b.timestamp);
  const out: Sample[] = [];
  for (const sample of samples) {
    if (out.length > 0 && out[out.length - 1]!.timestamp === sample.timestamp) out[out.length - 1] = sample;
    else out.push(sample);
  }
  return out;
}

function planColumns(columns: readonly ColumnInfo[]): ColumnPlan | undefined {
  let time = -1;
  let value = -1;
  const byLabel = new Map<string, { index: number; canonical: boolean }>();
  columns.forEach((column, index) => {
    const name = column.Name;
    if (name === undefined) return;
    if (name === TIME_COLUMN) time = index;
    else if (name === VALUE_COLUMN) value = index;
    else if (name.startsWith(MEASURE_VALUE_PREFIX)) return;
    else {
      const label = name === NAME_COLUMN ? '__name__' : fromDimensionName(name);
      // Two columns naming one label can only come from another writer ("x" and "_x"); the one
      // this connector would have written wins, and measure_name always wins for __name__.
      const canonical = name === NAME_COLUMN || (label !== '__name__' && toDimensionName(label) === name);
      const seen = byLabel.get(label);
      if (seen === undefined || (!seen.canonical && canonical)) byLabel.set(label, { index, canonical });
    }
  });
  if (time < 0 || value < 0) return undefined;
  const labels = [...byLabel].map(([label, { index }]) => ({
    index,
    label,
    keyPart: `${label.length}:${label}`,
  }));
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
 */
export function parseTimestampMs(text: string): number {
  const length = text.length;
  const ok =
    length >= 19 &&
    text.charCodeAt(4) === 0x2d /* - */ &&
    text.charCodeAt(7) === 0x2d &&
    text.charCodeAt(10) === 0x20 /* space */ &&
    text.charCodeAt(13) === 0x3a /* : */ &&
    text.charCodeAt(16) === 0x3a &&
    (length === 19 || (text.charCodeAt(19) === 0x2e /* . */ && length > 20 && length <= 29));
  let ms = NaN;
  if (ok) {
    const day = dayOf(text);
    const fraction = length > 20 ? digits(text, 20, length - 20) : 0;
    const fractionMs =
      length === 29
        ? Math.floor(fraction / 1_000_000) // Timestream's nine digits
        : Math.floor(fraction / 10 ** Math.max(0, length - 23)) * 10 ** Math.max(0, 23 - length);
    const hour = digits(text, 11, 2);
    const minute = digits(text, 14, 2);
    const second = digits(text, 17, 2);
    if (hour < 24 && minute < 60 && second < 60) {
      ms = ((day * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + fractionMs;
    }
  }
  if (!Number.isFinite(ms)) throw retryable(`unexpected timestamp from Timestream: ${JSON.stringify(text)}`);
  return ms;
}

/** The `YYYY-MM-DD` parsed last and its day number: a result's rows share a few dates (figure 5). */
let lastDateText = '';
let lastDay = NaN;

/** Days since the epoch of the date `text` starts with, NaN when it is no valid date. */
function dayOf(text: string): number {
  if (lastDateText.length === 10 && text.startsWith(lastDateText)) return lastDay;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31)) return NaN;
  lastDay = daysFromCivil(year, month, day);
  lastDateText = text.slice(0, 10);
  return lastDay;
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
