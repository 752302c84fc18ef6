// SPDX-License-Identifier: Apache-2.0
import { StoreError } from '../../../lambda/local-store/errors';
import {
  normalizeRecords,
  parseMeasureValue,
  parseTime,
  seriesKey,
} from '../../../lambda/local-store/records';

const base = {
  Dimensions: [{ Name: 'host', Value: 'a' }],
  MeasureName: 'cpu',
  MeasureValue: '1',
  Time: '1000',
};

describe('normalizeRecords', () => {
  test('merges CommonAttributes with record fields taking precedence and defaults applied', () => {
    const [record] = normalizeRecords(
      [{ Dimensions: [{ Name: 'core', Value: '0' }], MeasureValue: '2.5', Time: '7' }],
      {
        Dimensions: [{ Name: 'host', Value: 'a' }],
        MeasureName: 'cpu',
        MeasureValue: '9',
        Time: '1',
        TimeUnit: 'SECONDS',
      },
    );
    expect(record).toEqual({
      index: 0,
      dimensions: [
        { name: 'host', value: 'a' },
        { name: 'core', value: '0' },
      ],
      measureName: 'cpu',
      measure: { type: 'DOUBLE', value: 2.5, key: '2.5' },
      timeNs: 7_000_000_000n,
      version: 1n,
      series: seriesKey(
        [
          { name: 'core', value: '0' },
          { name: 'host', value: 'a' },
        ],
        'cpu',
      ),
      limitViolation: undefined,
    });
  });

  test('hashes the same series for any dimension order and a different one for another measure', () => {
    const a = seriesKey(
      [
        { name: 'a', value: '1' },
        { name: 'b', value: '2' },
      ],
      'm',
    );
    expect(
      seriesKey(
        [
          { name: 'b', value: '2' },
          { name: 'a', value: '1' },
        ],
        'm',
      ),
    ).toBe(a);
    expect(
      seriesKey(
        [
          { name: 'a', value: '1' },
          { name: 'b', value: '2' },
        ],
        'n',
      ),
    ).not.toBe(a);
    expect(seriesKey([{ name: 'a', value: '1b' }], 'm')).not.toBe(
      seriesKey(
        [
          { name: 'a', value: '1' },
          { name: 'b', value: '' },
        ],
        'm',
      ),
    );
  });

  test.each([
    {
      name: 'a non-list',
      records: 'x',
      message:
        "1 validation error detected: Value with length 0 at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1",
    },
    {
      name: 'a missing measure name',
      records: [{ ...base, MeasureName: undefined }],
      message: 'Measure name must be specified for record at index 0.',
    },
    {
      name: 'an empty dimension value',
      records: [{ ...base, Dimensions: [{ Name: 'host', Value: '' }] }],
      message: 'Dimension value of host must not be empty.',
    },
    {
      name: 'a repeated dimension',
      records: [
        {
          ...base,
          Dimensions: [
            { Name: 'h', Value: '1' },
            { Name: 'h', Value: '2' },
          ],
        },
      ],
      message: 'Duplicate dimension name h for record at index 0. Dimension names must be unique.',
    },
    {
      name: 'an unknown TimeUnit',
      records: [{ ...base, TimeUnit: 'HOURS' }],
      message: 'Invalid TimeUnit HOURS.',
    },
    {
      name: 'a TIMESTAMP measure',
      records: [{ ...base, MeasureValueType: 'TIMESTAMP' }],
      message:
        'The embedded local store does not support multi-measure records (MeasureValueType MULTI or TIMESTAMP, MeasureValues) yet.',
    },
    {
      name: 'a fractional Version',
      records: [{ ...base, Version: 1.5 }],
      message: 'Record version must be a positive integer (1 or greater).',
    },
  ])('refuses $name with ValidationException', ({ records, message }) => {
    expect(() => normalizeRecords(records, undefined)).toThrow(
      new StoreError('ValidationException', message),
    );
  });

  test('marks a long dimension name as a per-record limit violation instead of failing the call', () => {
    const [record] = normalizeRecords(
      [{ ...base, Dimensions: [{ Name: 'x'.repeat(61), Value: 'v' }] }],
      undefined,
    );
    expect(record.limitViolation).toBe(
      `Dimension name ${'x'.repeat(61)} exceeds the maximum length of 60 bytes.`,
    );
  });
});

describe('parseMeasureValue', () => {
  test.each([
    {
      name: 'exponent notation',
      raw: '1e+06',
      type: 'DOUBLE' as const,
      expected: { type: 'DOUBLE', value: 1e6, key: '1000000' },
    },
    {
      name: 'negative zero',
      raw: '-0.0',
      type: 'DOUBLE' as const,
      expected: { type: 'DOUBLE', value: -0, key: '0' },
    },
    {
      name: 'the smallest subnormal',
      raw: '5e-324',
      type: 'DOUBLE' as const,
      expected: { type: 'DOUBLE', value: 5e-324, key: '5e-324' },
    },
    {
      name: 'int64 max',
      raw: '9223372036854775807',
      type: 'BIGINT' as const,
      expected: { type: 'BIGINT', value: 9223372036854775807n, key: '9223372036854775807' },
    },
    {
      name: 'TRUE',
      raw: 'TRUE',
      type: 'BOOLEAN' as const,
      expected: { type: 'BOOLEAN', value: true, key: 'true' },
    },
    {
      name: 'a varchar',
      raw: 'héllo',
      type: 'VARCHAR' as const,
      expected: { type: 'VARCHAR', value: 'héllo', key: 'héllo' },
    },
  ])('parses $name', ({ raw, type, expected }) => {
    expect(parseMeasureValue(raw, type, 0)).toEqual(expected);
  });

  test.each([
    {
      name: 'int64 overflow',
      raw: '9223372036854775808',
      type: 'BIGINT' as const,
      message:
        'Invalid measure value 9223372036854775808 for measure value type BIGINT for record at index 0.',
    },
    {
      name: 'yes as boolean',
      raw: 'yes',
      type: 'BOOLEAN' as const,
      message: 'Invalid measure value yes for measure value type BOOLEAN for record at index 0.',
    },
    {
      name: 'inf',
      raw: 'inf',
      type: 'DOUBLE' as const,
      message:
        'Timestream only supports finite IEEE Standard 754 floating point precision for double measure value type.',
    },
    {
      name: 'a 2049-char value',
      raw: 'x'.repeat(2049),
      type: 'VARCHAR' as const,
      message: 'Measure value must be a string of 1 to 2048 characters for record at index 0.',
    },
  ])('refuses $name', ({ raw, type, message }) => {
    expect(() => parseMeasureValue(raw, type, 0)).toThrow(new StoreError('ValidationException', message));
  });
});

describe('parseTime', () => {
  test.each([
    {
      name: 'milliseconds by default',
      raw: '1700000000123',
      unit: undefined,
      expected: 1_700_000_000_123_000_000n,
    },
    {
      name: 'the largest TIMESTAMP_NS',
      raw: '9223372036854775807',
      unit: 'NANOSECONDS',
      expected: 9_223_372_036_854_775_807n,
    },
    { name: 'zero', raw: '0', unit: 'SECONDS', expected: 0n },
  ])('converts $name', ({ raw, unit, expected }) => {
    expect(parseTime(raw, unit)).toBe(expected);
  });

  test.each([
    { name: 'a negative time', raw: '-1' },
    { name: 'past 2262', raw: '9223372036854776' },
    { name: 'a decimal', raw: '1.5' },
  ])('refuses $name with "Invalid time for record."', ({ raw }) => {
    expect(() => parseTime(raw, 'MILLISECONDS')).toThrow(
      new StoreError('ValidationException', 'Invalid time for record.'),
    );
  });
});
