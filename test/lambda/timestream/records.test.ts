// SPDX-License-Identifier: Apache-2.0
import type { _Record } from '@aws-sdk/client-timestream-write';
import { ConnectorError } from '../../../lambda/core/errors';
import type { Label, TimeSeries } from '../../../lambda/prompb/types';
import { staleNaN } from '../../../lambda/prompb/stale';
import { fromDimensionName } from '../../../lambda/timestream/label-names';
import {
  MAX_REJECTION_REASONS,
  MAX_TIMESTAMP_MS,
  refusedByMapping,
  skippedByPolicy,
  toWriteBatches,
  type MappingOptions,
  type RecordLimits,
} from '../../../lambda/timestream/records';

const T0 = 1_700_000_000_000;
const LENIENT: MappingOptions = { failOnLongLabel: false, failOnInvalidSampleValue: false };
/** Small limits, so that limit cases have short, exact reason texts. */
const SMALL: RecordLimits = {
  maxMeasureNameBytes: 4,
  maxDimensions: 2,
  maxDimensionPairBytes: 12,
  maxDimensionNameBytes: 6,
};

/** Builds a series; `values` are functions so NaN payloads survive (V8 canonicalises NaN in double arrays). */
function series(
  labels: Record<string, string> | Label[],
  values: Array<number | (() => number)> = [1],
): TimeSeries {
  const list = Array.isArray(labels)
    ? labels
    : Object.keys(labels)
        .sort()
        .map((name) => ({ name, value: labels[name] }));
  return {
    labels: list,
    samples: values.map((v, i) => ({ value: typeof v === 'function' ? v() : v, timestamp: T0 + i * 1000 })),
  };
}

/** Every record of every batch merged with its CommonAttributes. */
function mergedRecords(timeseries: TimeSeries[], options: MappingOptions = LENIENT): _Record[] {
  return toWriteBatches(timeseries, options).batches.flatMap((b) =>
    b.records.map((r) => ({
      ...b.commonAttributes,
      ...r,
      Dimensions: [...(b.commonAttributes.Dimensions ?? []), ...(r.Dimensions ?? [])],
    })),
  );
}

describe('toWriteBatches mapping', () => {
  test('maps __name__ to MeasureName, labels to dimensions, value and time to DOUBLE and MILLISECONDS', () => {
    const result = toWriteBatches(
      [series({ __name__: 'up', instance: 'a:9100', job: 'node' }, [0.5])],
      LENIENT,
    );
    expect(result.batches).toStrictEqual([
      {
        commonAttributes: {
          MeasureValueType: 'DOUBLE',
          TimeUnit: 'MILLISECONDS',
          Dimensions: [
            { Name: 'instance', Value: 'a:9100' },
            { Name: 'job', Value: 'node' },
          ],
          MeasureName: 'up',
          Time: '1700000000000',
        },
        records: [{ MeasureValue: '0.5' }],
        sampleCount: 1,
      },
    ]);
    expect(result).toMatchObject({
      received: 1,
      rejections: [],
      rejectedSeries: 0,
      ignored: {
        stale: 0,
        non_finite: 0,
        native_histogram: 0,
        invalid_series: 0,
        long_label: 0,
        invalid_timestamp: 0,
      },
    });
  });

  test('drops labels with an empty value, as Prometheus treats them as absent', () => {
    const [record] = mergedRecords([
      series([
        { name: '__name__', value: 'up' },
        { name: 'a', value: '' },
        { name: 'b', value: 'x' },
      ]),
    ]);
    expect(record.Dimensions).toStrictEqual([{ Name: 'b', Value: 'x' }]);
  });

  const name60 = 'n'.repeat(60);
  test.each([
    { name: 'time', label: 'time', dimension: '_time' },
    { name: 'measure_name', label: 'measure_name', dimension: '_measure_name' },
    { name: 'measure_value', label: 'measure_value', dimension: '_measure_value' },
    { name: 'measure_value::double', label: 'measure_value::double', dimension: null },
    { name: 'ts_x', label: 'ts_x', dimension: '_ts_x' },
    { name: '_x', label: '_x', dimension: '__x' },
    { name: '__meta', label: '__meta', dimension: '___meta' },
    { name: 'plain', label: 'job', dimension: 'job' },
    { name: '60-byte name', label: name60, dimension: name60 },
    {
      name: '59-byte name that grows to 60 when escaped',
      label: `_${'n'.repeat(58)}`,
      dimension: `__${'n'.repeat(58)}`,
    },
  ])('stores label $name under a dimension name that maps back', ({ label, dimension }) => {
    const result = toWriteBatches(
      [
        series([
          { name: '__name__', value: 'up' },
          { name: label, value: 'v' },
        ]),
      ],
      LENIENT,
    );
    if (dimension === null) {
      // ':' cannot be in a Timestream dimension name; not a legal Prometheus label name either.
      expect(result.ignored.invalid_series).toBe(1);
      return;
    }
    const dims = result.batches[0].commonAttributes.Dimensions!;
    expect(dims).toStrictEqual([{ Name: dimension, Value: 'v' }]);
    expect(fromDimensionName(dims[0].Name!)).toBe(label);
  });

  test.each([
    { name: '61-byte name', label: 'n'.repeat(61), bytes: 61, stored: '' },
    {
      name: '60-byte name that grows to 61 when escaped',
      label: `_${'n'.repeat(59)}`,
      bytes: 61,
      stored: ' \\(stored with "_" in front\\)',
    },
  ])('rejects a $name as long', ({ label, bytes, stored }) => {
    const result = toWriteBatches(
      [
        series([
          { name: '__name__', value: 'up' },
          { name: label, value: 'v' },
        ]),
      ],
      LENIENT,
    );
    expect(result.ignored.long_label).toBe(1);
    expect(result.rejections[0]).toMatch(
      new RegExp(` of ${bytes} bytes, over the Timestream dimension name limit of 60${stored}: "${label}"$`),
    );
  });
});

describe('toWriteBatches validation', () => {
  test.each([
    {
      name: 'no labels',
      labels: [] as Label[],
      problem: 'invalid_series',
      reason: 'series {} has no labels',
    },
    {
      name: 'a label name twice',
      labels: [
        { name: '__name__', value: 'up' },
        { name: 'job', value: 'a' },
        { name: 'job', value: 'b' },
      ],
      problem: 'invalid_series',
      reason: 'series up{job="a", job="b"} has label name "job" more than once',
    },
    {
      name: 'a label name twice, unsorted',
      labels: [
        { name: 'job', value: 'a' },
        { name: '__name__', value: 'up' },
        { name: 'job', value: 'b' },
      ],
      problem: 'invalid_series',
      reason: 'series up{job="a", job="b"} has label name "job" more than once',
    },
    {
      name: 'no __name__',
      labels: [{ name: 'job', value: 'a' }],
      problem: 'invalid_series',
      reason: 'series {job="a"} has no metric name (__name__ label missing or empty)',
    },
    {
      name: 'an empty __name__',
      labels: [
        { name: '__name__', value: '' },
        { name: 'job', value: 'a' },
      ],
      problem: 'invalid_series',
      reason: 'series {job="a"} has no metric name (__name__ label missing or empty)',
    },
    {
      name: 'only empty values',
      labels: [
        { name: '__name__', value: '' },
        { name: 'job', value: '' },
      ],
      problem: 'invalid_series',
      reason: 'series {job=""} has no labels with a value',
    },
    {
      name: 'a label name with a colon',
      labels: [
        { name: '__name__', value: 'up' },
        { name: 'a:b', value: 'x' },
      ],
      problem: 'invalid_series',
      reason:
        'series up{a:b="x"} has label name "a:b", which contains \':\' (not a valid Timestream dimension name)',
    },
    {
      name: 'an empty label name',
      labels: [
        { name: '', value: 'x' },
        { name: '__name__', value: 'up' },
      ],
      problem: 'invalid_series',
      reason: 'series up{="x"} has an empty label name (not a valid Timestream dimension name)',
    },
    {
      name: 'a label value whose bytes were not UTF-8',
      labels: [
        { name: '__name__', value: 'up' },
        { name: 'job', value: 'a\ufffd', malformedUtf8: true as const },
      ],
      problem: 'invalid_series',
      reason: 'series up{job="a\ufffd"} has label "job" with bytes that are not UTF-8 (shown as U+FFFD)',
    },
    {
      name: 'a metric name whose bytes were not UTF-8',
      labels: [{ name: '__name__', value: '\ufffd', malformedUtf8: true as const }],
      problem: 'invalid_series',
      reason: 'series \ufffd{} has label "__name__" with bytes that are not UTF-8 (shown as U+FFFD)',
    },
    {
      name: 'a metric name over the limit',
      labels: [{ name: '__name__', value: 'upup1' }],
      problem: 'long_label',
      reason: 'series upup1{} has a metric name of 5 bytes, over the Timestream measure name limit of 4',
    },
    {
      name: 'a metric name over the limit in UTF-8 bytes only',
      labels: [{ name: '__name__', value: 'ab€' }],
      problem: 'long_label',
      reason: 'series ab€{} has a metric name of 5 bytes, over the Timestream measure name limit of 4',
    },
    {
      name: 'too many dimensions',
      labels: [
        { name: '__name__', value: 'up' },
        { name: 'a', value: '1' },
        { name: 'b', value: '2' },
        { name: 'c', value: '3' },
      ],
      problem: 'long_label',
      reason: 'series up{a="1", b="2", c="3"} has 3 dimensions, over the Timestream limit of 2',
    },
    {
      name: 'dimension pairs over the limit',
      labels: [
        { name: '__name__', value: 'up' },
        { name: 'ab', value: 'cdefg' },
        { name: 'h', value: 'ijklmn' },
      ],
      problem: 'long_label',
      reason:
        'series up{ab="cdefg", h="ijklmn"} has dimension names and values of 14 bytes in total, over the Timestream limit of 12',
    },
    {
      name: 'a dimension name over the limit after escaping',
      labels: [
        { name: '__name__', value: 'up' },
        { name: 'ts_abc', value: 'x' },
      ],
      problem: 'long_label',
      reason:
        'series up{ts_abc="x"} has a label name of 7 bytes, over the Timestream dimension name limit of 6 (stored with "_" in front): "ts_abc"',
    },
  ])('rejects a series with $name', ({ labels, problem, reason }) => {
    const result = toWriteBatches(
      [
        { labels, samples: [1, 2, 3].map((value) => ({ value, timestamp: T0 + value })) },
        series({ __name__: 'ok' }),
      ],
      {
        ...LENIENT,
        limits: SMALL,
      },
    );
    expect(result.rejections).toStrictEqual([reason]);
    expect(result.rejectedSeries).toBe(1);
    expect(result.received).toBe(4);
    expect(result.ignored).toStrictEqual({
      stale: 0,
      non_finite: 0,
      native_histogram: 0,
      invalid_series: problem === 'invalid_series' ? 3 : 0,
      long_label: problem === 'long_label' ? 3 : 0,
      invalid_timestamp: 0,
    });
    expect(result.batches.map((b) => b.sampleCount)).toStrictEqual([1]);
  });

  test.each([
    { name: 'no label but __name__', labels: { __name__: 'solo' } as Record<string, string> },
    { name: 'only empty labels besides __name__', labels: { __name__: 'solo', job: '' } },
  ])('writes a series with $name under the _no_labels dimension (Timestream needs one)', ({ labels }) => {
    const result = toWriteBatches([series(labels)], LENIENT);
    expect(result.rejectedSeries).toBe(0);
    expect(
      result.batches.map((b) => [b.commonAttributes.Dimensions, b.commonAttributes.MeasureName]),
    ).toStrictEqual([[[{ Name: '_no_labels', Value: 'true' }], 'solo']]);
  });

  test('accepts a metric name of exactly the limit in UTF-8 bytes', () => {
    const result = toWriteBatches([series({ __name__: 'u€' })], {
      ...LENIENT,
      limits: { ...SMALL, maxMeasureNameBytes: 4 },
    });
    expect(result.rejectedSeries).toBe(0);
  });

  test.each([
    { name: 'metric name of 256 bytes', labels: { __name__: 'm'.repeat(256) }, rejected: 0 },
    { name: 'metric name of 257 bytes', labels: { __name__: 'm'.repeat(257) }, rejected: 1 },
    { name: 'metric name of 86 three-byte characters', labels: { __name__: '€'.repeat(86) }, rejected: 1 },
    {
      name: '128 dimensions',
      labels: Object.fromEntries([
        ['__name__', 'up'],
        ...Array.from({ length: 128 }, (_, i) => [`l${i}`, 'v']),
      ]),
      rejected: 0,
    },
    {
      name: '129 dimensions',
      labels: Object.fromEntries([
        ['__name__', 'up'],
        ...Array.from({ length: 129 }, (_, i) => [`l${i}`, 'v']),
      ]),
      rejected: 1,
    },
    { name: 'dimension pairs of 2048 bytes', labels: { __name__: 'up', a: 'v'.repeat(2047) }, rejected: 0 },
    { name: 'dimension pairs of 2049 bytes', labels: { __name__: 'up', a: 'v'.repeat(2048) }, rejected: 1 },
  ])('applies the Timestream default limit to a $name', ({ labels, rejected }) => {
    const result = toWriteBatches([series(labels)], LENIENT);
    expect(result.rejectedSeries).toBe(rejected);
    expect(result.ignored.long_label).toBe(rejected);
  });

  test('keeps the first reasons and counts every rejected series', () => {
    const bad = Array.from({ length: MAX_REJECTION_REASONS + 2 }, (_, i) => series({ job: `j${i}` }));
    const result = toWriteBatches(bad, LENIENT);
    expect(result.rejectedSeries).toBe(12);
    expect(result.rejections).toHaveLength(10);
    expect(result.rejections[9]).toBe(
      'series {job="j9"} has no metric name (__name__ label missing or empty)',
    );
    expect(result.batches).toStrictEqual([]);
  });
});

describe('toWriteBatches sample values', () => {
  test('skips staleness markers and non-finite values, counting them apart', () => {
    const result = toWriteBatches(
      [series({ __name__: 'up' }, [1, staleNaN, NaN, Infinity, -Infinity, 2])],
      LENIENT,
    );
    expect(result.received).toBe(6);
    expect(result.ignored).toStrictEqual({
      stale: 1,
      non_finite: 3,
      native_histogram: 0,
      invalid_series: 0,
      long_label: 0,
      invalid_timestamp: 0,
    });
    expect(result.rejectedSeries).toBe(0);
    expect(result.batches.flatMap((b) => b.records.map((r) => [r.MeasureValue, r.Time]))).toStrictEqual([
      ['1', '1700000000000'],
      ['2', '1700000005000'],
    ]);
  });

  test('writes nothing for a series whose samples are all skipped', () => {
    const result = toWriteBatches([series({ __name__: 'up' }, [staleNaN, NaN])], LENIENT);
    expect(result.batches).toStrictEqual([]);
    expect(result.ignored).toStrictEqual({
      stale: 1,
      non_finite: 1,
      native_histogram: 0,
      invalid_series: 0,
      long_label: 0,
      invalid_timestamp: 0,
    });
  });

  test('counts native histogram samples as received and ignored, and never refuses their series', () => {
    const histogramsOnly = { labels: [{ name: 'job', value: 'no metric name' }], samples: [] };
    const result = toWriteBatches([histogramsOnly, series({ __name__: 'up' }, [1])], LENIENT, 5);
    expect(result.received).toBe(6);
    expect(result.ignored).toStrictEqual({
      stale: 0,
      non_finite: 0,
      native_histogram: 5,
      invalid_series: 0,
      long_label: 0,
      invalid_timestamp: 0,
    });
    expect(result.rejectedSeries).toBe(0);
    expect(result.rejections).toStrictEqual([]);
    expect(result.batches.flatMap((b) => b.records.map((r) => r.MeasureValue))).toStrictEqual(['1']);
  });

  test('never fails the request for a staleness marker, whatever the policy', () => {
    const result = toWriteBatches([series({ __name__: 'up' }, [staleNaN])], {
      failOnLongLabel: true,
      failOnInvalidSampleValue: true,
    });
    expect(result.ignored.stale).toBe(1);
  });

  test('does not fail the request for a staleness marker in a series refused anyway', () => {
    const result = toWriteBatches([series({ job: 'a' }, [staleNaN])], {
      failOnLongLabel: false,
      failOnInvalidSampleValue: true,
    });
    expect([result.ignored.stale, result.ignored.invalid_series, result.rejectedSeries]).toEqual([1, 0, 0]);
    expect(result.rejections).toStrictEqual([]);
  });

  // Prometheus sends the staleness marker of a series whose target is gone, also of one whose
  // samples were refused (here a metric name over 256 bytes): a skip, never a refusal.
  test.each([
    { policy: 'lenient', failOnLongLabel: false },
    { policy: '--fail-on-long-label', failOnLongLabel: true },
  ])('skips the staleness markers of an over-limit series without refusing it ($policy)', (policy) => {
    const result = toWriteBatches(
      [
        series({ __name__: `long_${'x'.repeat(260)}` }, [staleNaN, staleNaN]),
        series({ __name__: 'up' }, [1]),
      ],
      { failOnLongLabel: policy.failOnLongLabel, failOnInvalidSampleValue: true },
    );
    expect(result.received).toBe(3);
    expect(result.ignored).toStrictEqual({
      stale: 2,
      non_finite: 0,
      native_histogram: 0,
      invalid_series: 0,
      long_label: 0,
      invalid_timestamp: 0,
    });
    expect([result.rejectedSeries, result.rejections]).toStrictEqual([0, []]);
    expect(result.batches.flatMap((b) => b.records.map((r) => r.MeasureValue))).toStrictEqual(['1']);
  });

  test('still refuses an over-limit series that carries a value beside its staleness marker', () => {
    const result = toWriteBatches([series({ __name__: `long_${'x'.repeat(260)}` }, [1, staleNaN])], LENIENT);
    expect([result.ignored.long_label, result.ignored.stale, result.rejectedSeries]).toEqual([2, 0, 1]);
  });
});

describe('toWriteBatches sample times', () => {
  const at = (timestamp: number, value = 1) => ({ timestamp, value });
  const RANGE = '(0 to 9223372036854 ms: 1970-01-01 to 2262-04-11 UTC)';

  test.each([
    { name: 'before the epoch', bad: -5, shown: '-5 ms' },
    { name: 'one millisecond before the epoch', bad: -1, shown: '-1 ms' },
    {
      name: 'one millisecond past 2262-04-11 23:47:16.854 UTC',
      bad: MAX_TIMESTAMP_MS + 1,
      shown: '9223372036855 ms',
    },
    // The decoder brings int64 times past ±(2^53-1) to those, so the reason cannot say which.
    { name: 'the largest exact double', bad: Number.MAX_SAFE_INTEGER, shown: '9007199254740991 ms or later' },
    {
      name: 'the smallest exact double',
      bad: -Number.MAX_SAFE_INTEGER,
      shown: '-9007199254740991 ms or earlier',
    },
  ])('refuses a sample $name and writes the others of the series', ({ bad, shown }) => {
    const result = toWriteBatches(
      [{ labels: [{ name: '__name__', value: 'up' }], samples: [at(T0), at(bad, 2), at(T0 + 1000, 3)] }],
      { failOnLongLabel: true, failOnInvalidSampleValue: true },
    );
    expect(result.received).toBe(3);
    expect(result.ignored).toStrictEqual({
      stale: 0,
      non_finite: 0,
      native_histogram: 0,
      invalid_series: 0,
      long_label: 0,
      invalid_timestamp: 1,
    });
    expect(refusedByMapping(result.ignored)).toBe(1);
    expect(result.rejectedSeries).toBe(0);
    expect(result.rejections).toStrictEqual([
      `series up{} has a sample at ${shown}, outside the times Timestream can store ${RANGE}`,
    ]);
    expect(result.batches.flatMap((b) => b.records.map((r) => [r.MeasureValue, r.Time]))).toStrictEqual([
      ['1', String(T0)],
      ['3', String(T0 + 1000)],
    ]);
  });

  test('accepts the first and the last millisecond Timestream can store', () => {
    const result = toWriteBatches(
      [{ labels: [{ name: '__name__', value: 'up' }], samples: [at(0), at(MAX_TIMESTAMP_MS, 2)] }],
      LENIENT,
    );
    expect(result.ignored.invalid_timestamp).toBe(0);
    expect(
      mergedRecords([
        { labels: [{ name: '__name__', value: 'up' }], samples: [at(0), at(MAX_TIMESTAMP_MS, 2)] },
      ]).map((r) => r.Time),
    ).toStrictEqual(['0', '9223372036854']);
    expect(result.rejections).toStrictEqual([]);
  });

  test('counts a non-finite value at a bad time as non-finite, and a staleness marker as stale', () => {
    const result = toWriteBatches(
      [{ labels: [{ name: '__name__', value: 'up' }], samples: [at(-1, NaN), at(-1, staleNaN()), at(T0)] }],
      LENIENT,
    );
    expect(result.ignored).toStrictEqual({
      stale: 1,
      non_finite: 1,
      native_histogram: 0,
      invalid_series: 0,
      long_label: 0,
      invalid_timestamp: 0,
    });
    expect(result.batches.map((b) => b.sampleCount)).toStrictEqual([1]);
  });

  test('writes nothing for a series whose every sample is at a bad time, and keeps the first reasons', () => {
    const timeseries = Array.from({ length: MAX_REJECTION_REASONS + 2 }, (_, i) => ({
      labels: [{ name: '__name__', value: `m${i}` }],
      samples: [at(-1 - i)],
    }));
    const result = toWriteBatches(timeseries, LENIENT);
    expect(result.batches).toStrictEqual([]);
    expect(result.ignored.invalid_timestamp).toBe(MAX_REJECTION_REASONS + 2);
    expect(result.rejections).toHaveLength(MAX_REJECTION_REASONS);
    expect(result.rejections[1]).toBe(
      `series m1{} has a sample at -2 ms, outside the times Timestream can store ${RANGE}`,
    );
  });
});

describe('toWriteBatches failure policies', () => {
  function thrown(fn: () => unknown): ConnectorError {
    try {
      fn();
    } catch (e) {
      return e as ConnectorError;
    }
    throw new Error('expected a throw');
  }

  test.each([
    {
      name: 'a long label with fail_on_long_label',
      input: [series({ __name__: 'upup1' })],
      options: { failOnLongLabel: true, failOnInvalidSampleValue: false, limits: SMALL },
      message:
        'series upup1{} has a metric name of 5 bytes, over the Timestream measure name limit of 4 (fail_on_long_label)',
    },
    {
      name: 'NaN with fail_on_invalid_sample_value',
      input: [series({ __name__: 'up', job: 'a' }, [1, NaN])],
      options: { failOnLongLabel: false, failOnInvalidSampleValue: true },
      message:
        'series up{job="a"} has sample value NaN at 1700000001000 ms, which Timestream cannot store (fail_on_invalid_sample_value)',
    },
    {
      name: 'NaN in a series refused for a long label, with fail_on_invalid_sample_value only',
      input: [series({ __name__: 'up' }, [1]), series({ __name__: 'upup1' }, [2, NaN])],
      options: { failOnLongLabel: false, failOnInvalidSampleValue: true, limits: SMALL },
      message:
        'series upup1{} has sample value NaN at 1700000001000 ms, which Timestream cannot store (fail_on_invalid_sample_value)',
    },
    {
      name: '+Inf in a series refused for having no name, with fail_on_invalid_sample_value',
      input: [series({ __name__: 'up' }, [1]), series({ job: 'a' }, [Infinity])],
      options: { failOnLongLabel: true, failOnInvalidSampleValue: true },
      message:
        'series {job="a"} has sample value Infinity at 1700000000000 ms, which Timestream cannot store (fail_on_invalid_sample_value)',
    },
    {
      name: '-Inf with fail_on_invalid_sample_value',
      input: [series({ __name__: 'up' }, [-Infinity])],
      options: { failOnLongLabel: false, failOnInvalidSampleValue: true },
      message:
        'series up{} has sample value -Infinity at 1700000000000 ms, which Timestream cannot store (fail_on_invalid_sample_value)',
    },
  ])('fails the whole request with 400 for $name', ({ input, options, message }) => {
    const error = thrown(() => toWriteBatches(input, options));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.kind).toBe('bad_request');
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
  });

  test('does not fail the request for an invalid series even with both policies on', () => {
    const result = toWriteBatches([series({ job: 'a' }), series({ __name__: 'up' })], {
      failOnLongLabel: true,
      failOnInvalidSampleValue: true,
    });
    expect(result.rejectedSeries).toBe(1);
    expect(result.batches).toHaveLength(1);
  });
});

describe('skippedByPolicy and refusedByMapping', () => {
  test('split the ignored samples into policy skips and refusals, each reason counted once', () => {
    const ignored = {
      stale: 1,
      non_finite: 10,
      native_histogram: 100,
      invalid_series: 1000,
      long_label: 10000,
      invalid_timestamp: 100000,
    };
    expect(skippedByPolicy(ignored)).toBe(111);
    expect(refusedByMapping(ignored)).toBe(111000);
  });
});

describe('toWriteBatches measure value text', () => {
  test.each([
    { value: -0, text: '-0' },
    { value: -1.5, text: '-1.5' },
    { value: 0.1 + 0.2, text: '0.30000000000000004' },
    { value: 1e-7, text: '0.0000001' },
    { value: 1e21, text: '1000000000000000000000' },
    { value: 2 ** 53 + 2, text: '9007199254740994' },
  ])('writes $value as $text', ({ value, text }) => {
    const [record] = mergedRecords([series({ __name__: 'up' }, [value])]);
    expect(record.MeasureValue).toBe(text);
    expect(Object.is(Number(record.MeasureValue), value)).toBe(true);
  });
});
