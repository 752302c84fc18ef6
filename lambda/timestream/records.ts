// SPDX-License-Identifier: Apache-2.0
// Remote-write samples -> Timestream WriteRecords batches (SPEC section 4): per-series validation,
// sample filtering and counting, then batching with CommonAttributes (batches.ts). Pure: the
// caller sends the batches and turns the counts into the HTTP answer.

import type { Label, Sample, TimeSeries } from '../prompb/types';
import { isStaleNaN } from '../prompb/stale';
import { badRequest, type ConnectorError } from '../core/errors';
import { buildBatches, type SeriesToWrite, type WriteBatch } from './batches';
import {
  TIMESTREAM_RECORD_LIMITS,
  describeSeries,
  isRejection as isRejected,
  type RecordLimits,
} from './validate-series';
import { lookupSeries as lookup, newRequestScope, type InternedSeries } from './series-cache';

// NOTE: module-local copies of the functions called per series: a call through an imported
// binding reads the other module's exports object each time, which in the CommonJS the figures
// run as (tsx) is a getter call that showed as ~6% of figure 1's mapping under --cpu-prof
// (bench/figures/write-cpu.ts), with the same copies in batches.ts, batch-order.ts, chunk-plan.ts
// and series-cache.ts. A bundle (the Lambda) binds imports directly either way.
const lookupSeries = lookup;
const isRejection = isRejected;

export { MAX_RECORDS_PER_WRITE, type WriteBatch } from './batches';
export { TIMESTREAM_RECORD_LIMITS, type RecordLimits } from './validate-series';
export { meteredWriteUnits, referenceWriteUnits } from './write-units';

/** Rejection reasons kept in MappingResult.rejections; the rest are only counted. */
export const MAX_REJECTION_REASONS = 10;

/** The policy knobs of the mapping (SPEC section 2: fail_on_long_label, fail_on_invalid_sample_value). */
export interface MappingOptions {
  /** Fail the whole request (400) on a series over a Timestream limit instead of skipping it. */
  failOnLongLabel: boolean;
  /** Fail the whole request (400) on a NaN or ±Inf sample (not a staleness marker) instead of skipping it. */
  failOnInvalidSampleValue: boolean;
  /** @default TIMESTREAM_RECORD_LIMITS */
  limits?: RecordLimits;
}

/** Why a sample was not written: the `reason` label of the ignored-samples metric. */
export type IgnoreReason =
  'stale' | 'non_finite' | 'native_histogram' | 'invalid_series' | 'long_label' | 'invalid_timestamp';

/** Every reason at zero: a request's counts before its mapping, and what a resent (5xx) one reports. */
export const NOTHING_IGNORED: Readonly<Record<IgnoreReason, number>> = Object.freeze({
  stale: 0,
  non_finite: 0,
  native_histogram: 0,
  invalid_series: 0,
  long_label: 0,
  invalid_timestamp: 0,
});

/**
 * Latest sample time Timestream accepts, in ms: 2262-04-11 23:47:16.854 UTC, the last millisecond
 * of int64 nanoseconds (reference/timestream-facts.md 3.3). Times before the epoch are refused too.
 */
export const MAX_TIMESTAMP_MS = 9_223_372_036_854;

/**
 * Whether Timestream can hold a sample at `timestampMs`. NOTE: checked here because Timestream
 * answers a time outside this range with a ValidationException for the whole WriteRecords call
 * ("Invalid time for record."), which would refuse every other sample sharing the call.
 */
export function isWritableTime(timestampMs: number): boolean {
  return timestampMs >= 0 && timestampMs <= MAX_TIMESTAMP_MS;
}

/** The batches to send and what was left out, and why. */
export interface MappingResult {
  /** Each 1..MAX_RECORDS_PER_WRITE records. */
  batches: WriteBatch[];
  /** Samples in the request, native histogram samples included. */
  received: number;
  /** Samples skipped, by reason; a rejected series counts all of its samples. */
  ignored: Record<IgnoreReason, number>;
  /** One line per rejected series or sample time, the first MAX_REJECTION_REASONS of them. */
  rejections: string[];
  /** Series refused permanently (invalid or over a limit); the handler answers 400 when non-zero. */
  rejectedSeries: number;
}

/**
 * Samples a mapping skipped by policy, never an error: staleness markers, non-finite values and
 * native histograms.
 */
export function skippedByPolicy(ignored: Readonly<Record<IgnoreReason, number>>): number {
  return ignored.stale + ignored.non_finite + ignored.native_histogram;
}

/** Samples a mapping refused permanently (counted as rejected; the request answers 400). */
export function refusedByMapping(ignored: Readonly<Record<IgnoreReason, number>>): number {
  return ignored.invalid_series + ignored.long_label + ignored.invalid_timestamp;
}

/**
 * Validates `timeseries`, drops staleness markers and non-finite samples, refuses samples whose
 * time Timestream cannot hold, and builds WriteRecords batches that share as much as possible
 * through CommonAttributes. Every written sample appears in exactly one record; nothing non-finite
 * and no time outside [0, MAX_TIMESTAMP_MS] ever does. `nativeHistograms`, the native histogram
 * samples the request carried (WriteRequest.nativeHistograms), are counted as received and ignored:
 * Timestream has no type for them. A series without float samples (one that carried only native
 * histograms) or with only staleness markers writes nothing, so it refuses nothing for its labels.
 *
 * @throws ConnectorError kind `bad_request` when `failOnLongLabel` and a series exceeds a limit, or
 *   when `failOnInvalidSampleValue` and a sample is NaN or ±Inf (staleness markers never fail).
 */
export function toWriteBatches(
  timeseries: readonly TimeSeries[],
  options: MappingOptions,
  nativeHistograms = 0,
): MappingResult {
  const limits = options.limits ?? TIMESTREAM_RECORD_LIMITS;
  const ignored: Record<IgnoreReason, number> = { ...NOTHING_IGNORED, native_histogram: nativeHistograms };
  const rejections: string[] = [];
  let rejectedSeries = 0;
  let received = nativeHistograms;
  const toWrite: SeriesToWrite[] = [];
  // The decoder gives series with identical label bytes one shared labels array (Prometheus sends
  // a series once per sample, and again every scrape), so each distinct series is validated and
  // mapped once per request, or once per process (series-cache.ts).
  const scope = newRequestScope();

  for (const { labels, samples, memo } of timeseries) {
    if (samples.length === 0) continue;
    received += samples.length;
    const prepared = lookupSeries(labels, limits, scope, undefined, memo);
    if (isRejection(prepared)) {
      // Prometheus ends a series that left its target with a staleness marker, also one whose
      // samples were refused: it writes nothing, so its labels refuse nothing (as histograms).
      if (samples.every(isStaleSample)) {
        ignored.stale += samples.length;
        continue;
      }
      if (prepared.problem === 'long_label' && options.failOnLongLabel)
        throw badRequest(`${prepared.reason} (fail_on_long_label)`);
      // The flag fails the request for any NaN or ±Inf, also one in a series refused anyway;
      // otherwise the request's other series were written.
      if (options.failOnInvalidSampleValue) {
        const invalid = samples.find(
          (sample) => sample.value - sample.value !== 0 && !isStaleNaN(sample.value),
        );
        if (invalid !== undefined) throw invalidSampleValue(labels, invalid);
      }
      ignored[prepared.problem] += samples.length;
      if (rejections.length < MAX_REJECTION_REASONS) rejections.push(prepared.reason);
      rejectedSeries++;
      continue;
    }
    let writable = 0;
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i].value;
      if (v - v === 0) {
        // v - v === 0 is false for NaN and ±Inf
        const t = samples[i].timestamp;
        if (isWritableTime(t)) writable++;
        else {
          ignored.invalid_timestamp++;
          if (rejections.length < MAX_REJECTION_REASONS)
            rejections.push(
              `series ${describeSeries(labels)} has a sample at ${describeTime(t)}, outside the times Timestream can store ` +
                `(0 to ${MAX_TIMESTAMP_MS} ms: 1970-01-01 to 2262-04-11 UTC)`,
            );
        }
      } else if (isStaleNaN(v)) ignored.stale++;
      else if (options.failOnInvalidSampleValue) throw invalidSampleValue(labels, samples[i]);
      else ignored.non_finite++;
    }
    if (writable === 0) continue;
    toWrite.push(
      new SeriesEntry(prepared, writable === samples.length ? samples : samples.filter(isWritableSample)),
    );
  }

  return { batches: buildBatches(toWrite), received, ignored, rejections, rejectedSeries };
}

/**
 * A SeriesToWrite made with `new`, not a literal: V8 allocates a literal's objects straight in the
 * old generation once enough of them outlive a young collection (allocation-site pretenuring), as
 * these do while the request is sent, and then only full collections free them (see
 * decode-write.ts; measured on figure 1 with --trace-gc).
 */
class SeriesEntry implements SeriesToWrite {
  constructor(
    readonly series: InternedSeries,
    readonly samples: readonly Sample[],
  ) {}
}

/** The refusal of a request with a NaN or ±Inf sample under `failOnInvalidSampleValue`. */
function invalidSampleValue(labels: readonly Label[], sample: Sample): ConnectorError {
  return badRequest(
    `series ${describeSeries(labels)} has sample value ${sample.value} at ${sample.timestamp} ms, which Timestream cannot store (fail_on_invalid_sample_value)`,
  );
}

/** A refused sample's time for its reason: the decoder brings int64 times past ±(2^53-1) to those. */
function describeTime(timestampMs: number): string {
  if (timestampMs >= Number.MAX_SAFE_INTEGER) return `${Number.MAX_SAFE_INTEGER} ms or later`;
  if (timestampMs <= -Number.MAX_SAFE_INTEGER) return `${-Number.MAX_SAFE_INTEGER} ms or earlier`;
  return `${timestampMs} ms`;
}

function isStaleSample(sample: Sample): boolean {
  return isStaleNaN(sample.value);
}

function isWritableSample(sample: Sample): boolean {
  return sample.value - sample.value === 0 && isWritableTime(sample.timestamp);
}
