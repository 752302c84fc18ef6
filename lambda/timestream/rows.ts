// SPDX-License-Identifier: Apache-2.0
// Turns Timestream query pages into Prometheus series in one pass over the rows: columns mapped
// by name (never position), series keyed by their label set, samples sorted and de-duplicated.

import type { ColumnInfo, Row } from '@aws-sdk/client-timestream-query';
import { retryable } from '../core/errors';
import type { Label, Sample, TimeSeries } from '../prompb/types';
import { fromDimensionName, toDimensionName } from './label-names';
import { compareLabels, compareUtf8 } from './labels-compare';

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
    if (month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && second < 60) {
      ms =
        ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + fractionMs;
    }
  }
  if (!Number.isFinite(ms)) throw retryable(`unexpected timestamp from Timestream: ${JSON.stringify(text)}`);
  return ms;
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
