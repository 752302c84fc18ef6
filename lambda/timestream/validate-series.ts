// SPDX-License-Identifier: Apache-2.0
// Per-series checks before any Timestream record is built: label-set sanity (SPEC section 4) and
// Timestream's naming and size limits (reference/timestream-facts.md 3.3, 3.4). Turns a valid
// label set into the measure name and dimensions every record of the series carries.

import type { Dimension } from '@aws-sdk/client-timestream-write';
import type { Label } from '../prompb/types';
import { NO_LABELS_DIMENSION, toDimensionName } from './label-names';

/** Timestream limits a series must fit; TIMESTREAM_RECORD_LIMITS holds the service defaults. */
export interface RecordLimits {
  /** Longest measure name (the metric name), in UTF-8 bytes. */
  maxMeasureNameBytes: number;
  /** Most dimensions per record (labels other than `__name__`). */
  maxDimensions: number;
  /** Largest sum of dimension name and value sizes of one series, in UTF-8 bytes. */
  maxDimensionPairBytes: number;
  /** Longest dimension name after the label-name mapping, in UTF-8 bytes. */
  maxDimensionNameBytes: number;
}

/**
 * Service defaults from https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html
 * (reference/timestream-facts.md 3.3). "Dimension name+value pair size per series: 2 KB" is read
 * as the sum, over all dimensions of a series, of the UTF-8 bytes of each name and value, with
 * 2 KB = 2048 bytes; the metric name is not a dimension and has its own 256-byte limit.
 */
export const TIMESTREAM_RECORD_LIMITS: Readonly<RecordLimits> = Object.freeze({
  maxMeasureNameBytes: 256,
  maxDimensions: 128,
  maxDimensionPairBytes: 2048,
  maxDimensionNameBytes: 60,
});

/** Why a series is refused: a malformed label set, or a label set over a Timestream limit. */
export type SeriesProblem = 'invalid_series' | 'long_label';

/** A valid series as Timestream will store it. */
export interface PreparedSeries {
  measureName: string;
  /**
   * In label order; names already mapped by toDimensionName; empty-valued labels dropped; just
   * NO_LABELS_DIMENSION for a series with no label but `__name__`.
   */
  dimensions: Dimension[];
}

/** A refused series: the problem class and a one-line reason naming the series. */
export interface SeriesRejection {
  problem: SeriesProblem;
  reason: string;
}

/** Longest series description in a reason, in characters, so error bodies stay a few lines. */
const MAX_DESCRIPTION_CHARS = 200;

/**
 * Checks one label set and returns its measure name and dimensions, or why it is refused.
 *
 * Labels with an empty value are dropped first, as Prometheus treats them as absent (and
 * Timestream has no empty dimension value). Then: no labels left, a name given twice, or no
 * `__name__` is `invalid_series`; so is a label name Timestream can never hold (empty, or
 * containing `:` or NUL), and a label whose bytes were not UTF-8 (Label.malformedUtf8). Limits in
 * `limits` exceeded is `long_label`.
 *
 * `dimensionCache` (one per request) maps Label objects already found valid to their Dimension:
 * the decoder shares one Label object per distinct label, so each is checked and allocated once,
 * and series share Dimension objects (read-only).
 */
export function prepareSeries(
  labels: readonly Label[],
  limits: RecordLimits,
  dimensionCache?: Map<Label, Dimension>,
): PreparedSeries | SeriesRejection {
  const n = labels.length;
  if (n === 0) return { problem: 'invalid_series', reason: 'series {} has no labels' };
  if (hasDuplicateName(labels)) {
    return {
      problem: 'invalid_series',
      reason: `series ${describeSeries(labels)} has label name "${duplicateName(labels)}" more than once`,
    };
  }
  let measureName = '';
  const dimensions: Dimension[] = [];
  let pairChars = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    const { name, value } = label;
    if (value === '') continue;
    if (label.malformedUtf8 === true) {
      return {
        problem: 'invalid_series',
        reason: `series ${describeSeries(labels)} has label "${name}" with bytes that are not UTF-8 (shown as U+FFFD)`,
      };
    }
    if (name === '__name__') {
      measureName = value;
      continue;
    }
    const known = dimensionCache?.get(label);
    if (known !== undefined) {
      dimensions.push(known);
      pairChars += known.Name!.length + value.length;
      continue;
    }
    // NOTE: NUL ends an SQL identifier early, so no store can make it a column (issue 8 fuzzing).
    if (name === '' || name.includes(':') || name.includes('\u0000')) {
      const why =
        name === ''
          ? 'an empty label name'
          : `label name "${name}", which contains ${name.includes(':') ? "':'" : 'NUL'}`;
      return {
        problem: 'invalid_series',
        reason: `series ${describeSeries(labels)} has ${why} (not a valid Timestream dimension name)`,
      };
    }
    // Only names starting with '_', 'm' or 't' can need escaping (label-names.ts); skip the call otherwise.
    const first = name.charCodeAt(0);
    const dimensionName = first === 95 || first === 109 || first === 116 ? toDimensionName(name) : name;
    // Three bytes per UTF-16 unit bounds the UTF-8 size, so the exact count is rarely needed.
    if (dimensionName.length * 3 > limits.maxDimensionNameBytes) {
      const bytes = utf8ByteLength(dimensionName);
      if (bytes > limits.maxDimensionNameBytes) {
        // NOTE: the sizes before the name, which comes last: the answer cuts each reason to 300
        // characters, and the name also shows in the series, so a long one cut the limit off. The
        // escape's note comes after the limit for the same reason: before it, a series of 200
        // characters (describeSeries' most) pushed the limit past the cut.
        const stored = dimensionName === name ? '' : ' (stored with "_" in front)';
        return {
          problem: 'long_label',
          reason: `series ${describeSeries(labels)} has a label name of ${bytes} bytes, over the Timestream dimension name limit of ${limits.maxDimensionNameBytes}${stored}: "${name}"`,
        };
      }
    }
    const dimension: Dimension = { Name: dimensionName, Value: value };
    dimensionCache?.set(label, dimension);
    dimensions.push(dimension);
    pairChars += dimensionName.length + value.length;
  }
  if (measureName === '') {
    if (dimensions.length === 0)
      return {
        problem: 'invalid_series',
        reason: `series ${describeSeries(labels)} has no labels with a value`,
      };
    return {
      problem: 'invalid_series',
      reason: `series ${describeSeries(labels)} has no metric name (__name__ label missing or empty)`,
    };
  }
  if (dimensions.length === 0) dimensions.push(NO_LABELS_DIMENSION);
  if (measureName.length * 3 > limits.maxMeasureNameBytes) {
    const bytes = utf8ByteLength(measureName);
    if (bytes > limits.maxMeasureNameBytes) {
      return {
        problem: 'long_label',
        reason: `series ${describeSeries(labels)} has a metric name of ${bytes} bytes, over the Timestream measure name limit of ${limits.maxMeasureNameBytes}`,
      };
    }
  }
  if (dimensions.length > limits.maxDimensions) {
    return {
      problem: 'long_label',
      reason: `series ${describeSeries(labels)} has ${dimensions.length} dimensions, over the Timestream limit of ${limits.maxDimensions}`,
    };
  }
  if (pairChars * 3 > limits.maxDimensionPairBytes) {
    let bytes = 0;
    for (const d of dimensions) bytes += utf8ByteLength(d.Name!) + utf8ByteLength(d.Value!);
    if (bytes > limits.maxDimensionPairBytes) {
      return {
        problem: 'long_label',
        reason: `series ${describeSeries(labels)} has dimension names and values of ${bytes} bytes in total, over the Timestream limit of ${limits.maxDimensionPairBytes}`,
      };
    }
  }
  return { measureName, dimensions };
}

/** Tells a rejection from a prepared series. */
export function isRejection(result: PreparedSeries | SeriesRejection): result is SeriesRejection {
  return (result as SeriesRejection).problem !== undefined;
}

/** Counts the UTF-8 bytes of `text` without allocating (lone surrogates count as 3, like TextEncoder). */
export function utf8ByteLength(text: string): number {
  const n = text.length;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** Whether two non-empty-valued labels share a name (empty-valued ones are absent, as in Prometheus). */
function hasDuplicateName(labels: readonly Label[]): boolean {
  // Senders sort labels by name (remote-write 1.0 requires it), so a strictly increasing list,
  // checked in one pass, is the common proof; anything else falls back to a set.
  let sorted = true;
  for (let i = 1; i < labels.length; i++) {
    if (!(labels[i - 1].name < labels[i].name)) {
      sorted = false;
      break;
    }
  }
  return !sorted && duplicateName(labels) !== undefined;
}

function duplicateName(labels: readonly Label[]): string | undefined {
  const seen = new Set<string>();
  for (const { name, value } of labels) {
    if (value === '') continue;
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/** Renders a label set the PromQL way, `name{a="b", …}`, cut to MAX_DESCRIPTION_CHARS. */
export function describeSeries(labels: readonly Label[]): string {
  let name = '';
  const parts: string[] = [];
  for (const l of labels) {
    if (l.name === '__name__' && name === '') name = l.value;
    else parts.push(`${l.name}=${JSON.stringify(l.value)}`);
  }
  const text = `${name}{${parts.join(', ')}}`;
  return text.length <= MAX_DESCRIPTION_CHARS ? text : `${text.slice(0, MAX_DESCRIPTION_CHARS)}…`;
}
