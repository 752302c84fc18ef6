// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';
import { StoreError } from '../../../lambda/local-store/errors';
import {
  normalizeRecords,
  parseMeasureValue,
  parseTime,
  SeriesCache,
  compareUtf8,
  measureKey,
  seriesKey,
} from '../../../lambda/local-store/records';

/** The type and message of the StoreError `run` throws (toThrow alone compares only the message). */
function thrown(run: () => unknown): [string, string] | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof StoreError) return [error.type, error.message];
    throw error;
  }
  return undefined;
}

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
      measure: { type: 'DOUBLE', value: 2.5 },
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
      slotMemo: { owner: undefined, slot: undefined },
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

  test('tells apart series whose names or values hold a NUL (they shared one identity)', () => {
    const split = seriesKey(
      [
        { name: 'a', value: 'x' },
        { name: 'b', value: 'y' },
      ],
      'm',
    );
    expect(seriesKey([{ name: 'a', value: 'x\u0000b\u0000y' }], 'm')).not.toBe(split);
    expect(seriesKey([{ name: 'a', value: 'x' }], 'b\u0000y\u0000\u0001m')).not.toBe(
      seriesKey([{ name: 'a', value: 'x' }], 'b'),
    );
    expect(seriesKey([{ name: 'a', value: 'x\u0000' }], '\u0001m')).not.toBe(
      seriesKey([{ name: 'a', value: 'x' }], '\u0000\u0001m'),
    );
    // NUL-free series keep the key stored on disk (ts_series).
    expect(split).toBe(
      createHash('sha256').update('a\u0000x\u0000b\u0000y\u0000\u0001m').digest('hex').slice(0, 32),
    );
    // The escaped form is on disk too: its text is fixed as well, dimensions sorted by name.
    expect(
      seriesKey(
        [
          { name: 'b', value: 'y' },
          { name: 'a', value: 'x\u0000' },
        ],
        'm',
      ),
    ).toBe(
      createHash('sha256')
        .update(
          `\u0002${JSON.stringify([
            [
              ['a', 'x\u0000'],
              ['b', 'y'],
            ],
            'm',
          ])}`,
        )
        .digest('hex')
        .slice(0, 32),
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
      name: 'a record without dimensions (none in CommonAttributes either)',
      records: [{ ...base, Dimensions: undefined }],
      message: 'At least one dimension is required for a record.',
    },
    {
      name: 'a record with an empty dimension list',
      records: [base, { ...base, Dimensions: [] }],
      message: 'At least one dimension is required for a record.',
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
    {
      name: 'a missing list of records',
      records: undefined,
      message:
        "1 validation error detected: Value null at 'records' failed to satisfy constraint: Member must not be null",
    },
    {
      name: 'a null list of records',
      records: null,
      message:
        "1 validation error detected: Value null at 'records' failed to satisfy constraint: Member must not be null",
    },
    {
      name: 'no records',
      records: [],
      message:
        "1 validation error detected: Value with length 0 at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1",
    },
    {
      name: 'more records than a call holds',
      records: Array.from({ length: 101 }, () => base),
      message:
        "1 validation error detected: Value with length 101 at 'records' failed to satisfy constraint: Member must have length less than or equal to 100",
    },
    {
      name: 'an unknown MeasureValueType',
      records: [base, { ...base, MeasureValueType: 'FLOAT' }],
      message: 'Invalid MeasureValueType FLOAT for record at index 1.',
    },
    {
      name: 'a MULTI measure',
      records: [{ ...base, MeasureValueType: 'MULTI' }],
      message:
        'The embedded local store does not support multi-measure records (MeasureValueType MULTI or TIMESTAMP, MeasureValues) yet.',
    },
    {
      name: 'MeasureValues on a DOUBLE record',
      records: [{ ...base, MeasureValues: [] }],
      message:
        'The embedded local store does not support multi-measure records (MeasureValueType MULTI or TIMESTAMP, MeasureValues) yet.',
    },
    {
      name: 'an empty measure name',
      records: [base, { ...base, MeasureName: '' }],
      message: 'Measure name must be specified for record at index 1.',
    },
    {
      name: 'a null dimension',
      records: [base, { ...base, Dimensions: [null] }],
      message: 'Dimension name and value must be non-null strings for record at index 1.',
    },
    {
      name: 'an empty dimension name',
      records: [{ ...base, Dimensions: [{ Name: '', Value: 'a' }] }],
      message: 'Dimension name and value must be non-null strings for record at index 0.',
    },
    {
      name: 'a numeric dimension value',
      records: [{ ...base, Dimensions: [{ Name: 'host', Value: 1 }] }],
      message: 'Dimension name and value must be non-null strings for record at index 0.',
    },
    {
      name: 'a BIGINT dimension',
      records: [{ ...base, Dimensions: [{ Name: 'host', Value: '1', DimensionValueType: 'BIGINT' }] }],
      message: 'Invalid DimensionValueType BIGINT for dimension host.',
    },
    {
      name: '129 dimensions',
      records: [
        { ...base, Dimensions: Array.from({ length: 129 }, (_, i) => ({ Name: `d${i}`, Value: 'v' })) },
      ],
      message:
        "1 validation error detected: Value at 'records.1.member.dimensions' failed to satisfy constraint: Member must have length less than or equal to 128",
    },
    {
      name: 'an empty measure value',
      records: [{ ...base, MeasureValue: '' }],
      message: 'Measure value must be a string of 1 to 2048 characters for record at index 0.',
    },
    {
      name: 'a numeric measure value',
      records: [{ ...base, MeasureValue: 1 }],
      message: 'Measure value must be a string of 1 to 2048 characters for record at index 0.',
    },
    {
      name: 'no Time on either side',
      records: [{ ...base, Time: undefined }],
      message: 'Invalid time for record.',
    },
    {
      name: 'a numeric Time',
      records: [{ ...base, Time: 1000 }],
      message: 'Invalid time for record.',
    },
    {
      name: 'a zero Version',
      records: [{ ...base, Version: 0 }],
      message: 'Record version must be a positive integer (1 or greater).',
    },
    {
      name: 'a Version as a string',
      records: [{ ...base, Version: '2' }],
      message: 'Record version must be a positive integer (1 or greater).',
    },
    // Only the text exactLongVersions makes of a long Version reads as one, no other string.
    {
      name: 'a Version as a string of 17 digits',
      records: [{ ...base, Version: '12345678901234567' }],
      message: 'Record version must be a positive integer (1 or greater).',
    },
    {
      name: 'a Version as a string that is no number',
      records: [{ ...base, Version: 'version-2' }],
      message: 'Record version must be a positive integer (1 or greater).',
    },
    {
      name: 'a Version past 2^53',
      records: [{ ...base, Version: 2 ** 53 }],
      message: 'Record version must be a positive integer (1 or greater).',
    },
  ])('refuses $name with ValidationException', ({ records, message }) => {
    expect(thrown(() => normalizeRecords(records, undefined))).toEqual(['ValidationException', message]);
  });

  test.each([
    {
      name: 'a duplicate of a CommonAttributes dimension',
      common: { Dimensions: [{ Name: 'host', Value: 'b' }] },
      message: 'Duplicate dimension name host for record at index 0. Dimension names must be unique.',
    },
    {
      name: 'MeasureValues in CommonAttributes',
      common: { MeasureValues: [] },
      message:
        'The embedded local store does not support multi-measure records (MeasureValueType MULTI or TIMESTAMP, MeasureValues) yet.',
    },
  ])('refuses $name with ValidationException', ({ common, message }) => {
    expect(thrown(() => normalizeRecords([base], common))).toEqual(['ValidationException', message]);
  });

  test.each([
    {
      name: 'a record that is not an object',
      records: [base, 'x'],
      common: {},
      message: "Expected an object at 'records.2'",
    },
    { name: 'a null record', records: [null], common: {}, message: "Expected an object at 'records.1'" },
    {
      name: 'a record that is a list',
      records: [[]],
      common: {},
      message: "Expected an object at 'records.1'",
    },
    {
      name: 'CommonAttributes that are a list',
      records: [base],
      common: [],
      message: "Expected an object at 'commonAttributes'",
    },
    {
      name: 'record Dimensions that are not a list',
      records: [{ ...base, Dimensions: { Name: 'host', Value: 'a' } }],
      common: {},
      message: 'Dimensions must be a list',
    },
    {
      name: 'CommonAttributes Dimensions that are not a list',
      records: [base],
      common: { Dimensions: 'host' },
      message: 'Dimensions must be a list',
    },
  ])('refuses $name with SerializationException', ({ records, common, message }) => {
    expect(thrown(() => normalizeRecords(records, common))).toEqual(['SerializationException', message]);
  });

  test.each([
    'measure_name',
    'measure_value',
    'time',
    'ts_non_existent_col',
    'ts_x',
    'measure_value_x',
    // Column names may not start with measure_name either (facts 3.4, quotas "System identifiers").
    'measure_name_x',
    'measure_names',
    'a:b',
  ])('refuses the dimension name %p', (name) => {
    expect(
      thrown(() => normalizeRecords([{ ...base, Dimensions: [{ Name: name, Value: 'v' }] }], {})),
    ).toEqual([
      'ValidationException',
      `Dimension name ${name} is not allowed: it may not be a reserved name (measure_name, measure_value, time), start with ts_, measure_name or measure_value, or contain ':'.`,
    ]);
  });

  test('refuses a dimension name with a NUL, which its DuckDB column could not be named', () => {
    expect(
      thrown(() => normalizeRecords([{ ...base, Dimensions: [{ Name: 'a\u0000b', Value: 'v' }] }], {})),
    ).toEqual([
      'ValidationException',
      'Dimension name "a\\u0000b" is not allowed: the embedded local store cannot hold a NUL character in a dimension name.',
    ]);
  });

  test.each([
    ['a high surrogate at its end', 'a\ud800'],
    ['a low surrogate at its start', '\udc00b'],
    ['a pair in the wrong order', 'a\ude00\ud83d'],
  ])('refuses a dimension name with %s, which its DuckDB column would not keep', (_, name) => {
    expect(
      thrown(() => normalizeRecords([{ ...base, Dimensions: [{ Name: name, Value: 'v' }] }], {})),
    ).toEqual([
      'ValidationException',
      `Dimension name ${JSON.stringify(name)} is not allowed: the embedded local store cannot hold an unpaired UTF-16 surrogate in a dimension name.`,
    ]);
  });

  test('accepts a dimension name with a whole surrogate pair', () => {
    const [record] = normalizeRecords([{ ...base, Dimensions: [{ Name: 'a\ud83d\ude00', Value: 'v' }] }], {});
    expect(record.dimensions).toEqual([{ name: 'a\ud83d\ude00', value: 'v' }]);
  });

  test('accepts a record whose only dimensions come from CommonAttributes', () => {
    const [record] = normalizeRecords([{ ...base, Dimensions: undefined }], {
      Dimensions: [{ Name: 'job', Value: 'j' }],
    });
    expect(record.dimensions).toEqual([{ name: 'job', value: 'j' }]);
  });

  const named = (count: number) => Array.from({ length: count }, (_, i) => ({ Name: `d${i}`, Value: 'v' }));
  test.each([
    { name: '128 dimensions', record: { ...base, Dimensions: named(128) }, violation: undefined },
    {
      name: 'a VARCHAR dimension',
      record: { ...base, Dimensions: [{ Name: 'host', Value: 'a', DimensionValueType: 'VARCHAR' }] },
      violation: undefined,
    },
    {
      name: 'a 60-byte dimension name',
      record: { ...base, Dimensions: [{ Name: 'x'.repeat(60), Value: 'v' }] },
      violation: undefined,
    },
    {
      // Bytes, not characters: 31 characters of two bytes each.
      name: 'a 62-byte dimension name',
      record: { ...base, Dimensions: [{ Name: 'é'.repeat(31), Value: 'v' }] },
      violation: `Dimension name ${'é'.repeat(31)} exceeds the maximum length of 60 bytes.`,
    },
    {
      name: 'a 256-byte measure name',
      record: { ...base, MeasureName: 'm'.repeat(256) },
      violation: undefined,
    },
    {
      name: 'a 257-byte measure name',
      record: { ...base, MeasureName: 'm'.repeat(257) },
      violation: 'Measure name exceeds the maximum length of 256 bytes.',
    },
    {
      name: 'a 258-byte measure name',
      record: { ...base, MeasureName: 'é'.repeat(129) },
      violation: 'Measure name exceeds the maximum length of 256 bytes.',
    },
    {
      name: 'dimension pairs of 2048 bytes',
      record: { ...base, Dimensions: [{ Name: 'host', Value: 'v'.repeat(2044) }] },
      violation: undefined,
    },
    {
      name: 'dimension pairs of 2049 bytes (counted in bytes, over the merged list)',
      record: { ...base, Dimensions: [{ Name: 'host', Value: `é${'v'.repeat(2039)}` }] },
      common: { Dimensions: [{ Name: 'job', Value: 'j' }] },
      violation:
        'The size of the dimension name-value pairs (2049 bytes) exceeds the maximum of 2 KB per series.',
    },
    {
      // The first limit broken is the one named.
      name: 'a long dimension name and a long measure name',
      record: { ...base, MeasureName: 'm'.repeat(257), Dimensions: [{ Name: 'x'.repeat(61), Value: 'v' }] },
      violation: `Dimension name ${'x'.repeat(61)} exceeds the maximum length of 60 bytes.`,
    },
  ])('accepts $name, with its limit violation if any', ({ record, common, violation }) => {
    const [normalized] = normalizeRecords([record], common ?? {});
    expect(normalized.limitViolation).toBe(violation);
  });

  test('parses each record its own time and version, also when only the TimeUnit changes', () => {
    const records = normalizeRecords(
      [
        { ...base, Time: '1', TimeUnit: 'SECONDS', Version: 5 },
        { ...base, Time: '1', TimeUnit: 'MILLISECONDS', Version: null },
        { ...base, Time: '1', TimeUnit: 'MICROSECONDS' },
        { ...base, Time: '1', TimeUnit: 'NANOSECONDS' },
        { ...base, Time: '1' },
      ],
      { TimeUnit: 'SECONDS', Version: 3 },
    );
    expect(records.map((r) => [r.timeNs, r.version])).toEqual([
      [1_000_000_000n, 5n],
      [1_000_000n, 3n],
      [1_000n, 3n],
      [1n, 3n],
      [1_000_000_000n, 3n],
    ]);
    // JSON null reads as an absent Version on both sides.
    expect(normalizeRecords([{ ...base, Version: null }], { Version: null })[0].version).toBe(1n);
  });

  test('reads a null Dimensions, DimensionValueType or MeasureValues as absent, as it reads a null Version', () => {
    const records = normalizeRecords(
      [
        { ...base, Dimensions: null },
        {
          ...base,
          Dimensions: [{ Name: 'core', Value: '0', DimensionValueType: null }],
          MeasureValues: null,
        },
      ],
      { Dimensions: [{ Name: 'host', Value: 'a' }], MeasureValues: null },
    );
    expect(records.map((r) => r.dimensions)).toEqual([
      [{ name: 'host', value: 'a' }],
      [
        { name: 'host', value: 'a' },
        { name: 'core', value: '0' },
      ],
    ]);
    expect(normalizeRecords([base], { Dimensions: null })[0].dimensions).toEqual([
      { name: 'host', value: 'a' },
    ]);
  });

  test('accepts exactly 100 records in a call (facts 3.1, 3.3)', () => {
    const records = Array.from({ length: 100 }, (_, i) => ({ ...base, Time: String(1000 + i) }));
    expect(normalizeRecords(records, undefined).map((r) => r.index)).toEqual(records.map((_, i) => i));
  });

  test.each([
    { name: 'Version 1, the smallest', version: 1, expected: 1n },
    { name: 'the largest safe integer Version', version: 2 ** 53 - 1, expected: 2n ** 53n - 1n },
  ])('accepts $name (facts 3.1: Version >= 1)', ({ version, expected }) => {
    expect(normalizeRecords([{ ...base, Version: version }], undefined)[0].version).toBe(expected);
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
      expected: { type: 'DOUBLE', value: 1e6 },
      key: '1000000',
    },
    {
      name: 'negative zero',
      raw: '-0.0',
      type: 'DOUBLE' as const,
      expected: { type: 'DOUBLE', value: -0 },
      key: '0',
    },
    {
      name: 'the smallest subnormal',
      raw: '5e-324',
      type: 'DOUBLE' as const,
      expected: { type: 'DOUBLE', value: 5e-324 },
      key: '5e-324',
    },
    {
      name: 'int64 max',
      raw: '9223372036854775807',
      type: 'BIGINT' as const,
      expected: { type: 'BIGINT', value: 9223372036854775807n },
      key: '9223372036854775807',
    },
    {
      name: 'TRUE',
      raw: 'TRUE',
      type: 'BOOLEAN' as const,
      expected: { type: 'BOOLEAN', value: true },
      key: 'true',
    },
    {
      name: 'a varchar',
      raw: 'héllo',
      type: 'VARCHAR' as const,
      expected: { type: 'VARCHAR', value: 'héllo' },
      key: 'héllo',
    },
    {
      name: 'FALSE',
      raw: 'FALSE',
      type: 'BOOLEAN' as const,
      expected: { type: 'BOOLEAN', value: false },
      key: 'false',
    },
    {
      name: 'int64 min',
      raw: '-9223372036854775808',
      type: 'BIGINT' as const,
      expected: { type: 'BIGINT', value: -9223372036854775808n },
      key: '-9223372036854775808',
    },
    {
      name: 'a leading dot',
      raw: '.5',
      type: 'DOUBLE' as const,
      expected: { type: 'DOUBLE', value: 0.5 },
      key: '0.5',
    },
    {
      name: 'a trailing dot',
      raw: '+1.',
      type: 'DOUBLE' as const,
      expected: { type: 'DOUBLE', value: 1 },
      key: '1',
    },
    {
      name: 'several integer digits',
      raw: '12.5',
      type: 'DOUBLE' as const,
      expected: { type: 'DOUBLE', value: 12.5 },
      key: '12.5',
    },
    {
      name: 'several digits after a leading dot',
      raw: '.25',
      type: 'DOUBLE' as const,
      expected: { type: 'DOUBLE', value: 0.25 },
      key: '0.25',
    },
    {
      name: 'a signed capital exponent',
      raw: '-2.5E+3',
      type: 'DOUBLE' as const,
      expected: { type: 'DOUBLE', value: -2500 },
      key: '-2500',
    },
    {
      name: 'a negative exponent',
      raw: '1e-5',
      type: 'DOUBLE' as const,
      expected: { type: 'DOUBLE', value: 0.00001 },
      key: '0.00001',
    },
    {
      name: 'a plus-signed BIGINT',
      raw: '+42',
      type: 'BIGINT' as const,
      expected: { type: 'BIGINT', value: 42n },
      key: '42',
    },
    {
      name: 'a 2048-char varchar',
      raw: 'x'.repeat(2048),
      type: 'VARCHAR' as const,
      expected: { type: 'VARCHAR', value: 'x'.repeat(2048) },
      key: 'x'.repeat(2048),
    },
    {
      name: 'a varchar with lone surrogates as DuckDB stores it, a pair kept',
      raw: 'a\ud800b\udc00c\ud83d\ude00',
      type: 'VARCHAR' as const,
      expected: { type: 'VARCHAR', value: 'a\ufffdb\ufffdc\ud83d\ude00' },
      key: 'a\ufffdb\ufffdc\ud83d\ude00',
    },
  ])('parses $name', ({ raw, type, expected, key }) => {
    const parsed = parseMeasureValue(raw, type, 0);
    expect(parsed).toEqual(expected);
    expect(measureKey(parsed)).toBe(key);
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
    {
      name: 'int64 underflow',
      raw: '-9223372036854775809',
      type: 'BIGINT' as const,
      message:
        'Invalid measure value -9223372036854775809 for measure value type BIGINT for record at index 0.',
    },
    {
      name: 'a decimal as BIGINT',
      raw: '1.0',
      type: 'BIGINT' as const,
      message: 'Invalid measure value 1.0 for measure value type BIGINT for record at index 0.',
    },
    {
      name: 'text as DOUBLE',
      raw: '1x',
      type: 'DOUBLE' as const,
      message: 'Invalid measure value 1x for measure value type DOUBLE for record at index 0.',
    },
    {
      name: '-NaN',
      raw: '-NaN',
      type: 'DOUBLE' as const,
      message:
        'Timestream only supports finite IEEE Standard 754 floating point precision for double measure value type.',
    },
    {
      name: '+Infinity',
      raw: '+Infinity',
      type: 'DOUBLE' as const,
      message:
        'Timestream only supports finite IEEE Standard 754 floating point precision for double measure value type.',
    },
    // Each of these differs from a valid value by one character; the regular expressions must
    // hold at both ends and take exactly the documented forms.
    ...[
      { raw: 'x1', type: 'DOUBLE' as const },
      { raw: '1e', type: 'DOUBLE' as const },
      { raw: '.x', type: 'DOUBLE' as const },
      { raw: '1.2.3', type: 'DOUBLE' as const },
      { raw: '+-1', type: 'DOUBLE' as const },
      { raw: 'xnan', type: 'DOUBLE' as const },
      { raw: 'nanx', type: 'DOUBLE' as const },
      { raw: 'x42', type: 'BIGINT' as const },
      { raw: '4 2', type: 'BIGINT' as const },
    ].map(({ raw, type }) => ({
      name: `${JSON.stringify(raw)} as ${type}`,
      raw,
      type,
      message: `Invalid measure value ${raw} for measure value type ${type} for record at index 0.`,
    })),
    {
      name: 'NAN in capitals',
      raw: 'NAN',
      type: 'DOUBLE' as const,
      message:
        'Timestream only supports finite IEEE Standard 754 floating point precision for double measure value type.',
    },
    {
      // Valid syntax, but past the largest double.
      name: '1e400',
      raw: '1e400',
      type: 'DOUBLE' as const,
      message:
        'Timestream only supports finite IEEE Standard 754 floating point precision for double measure value type.',
    },
  ])('refuses $name', ({ raw, type, message }) => {
    expect(thrown(() => parseMeasureValue(raw, type, 0))).toEqual(['ValidationException', message]);
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
    { name: 'a time of 256 digits', raw: `${'0'.repeat(255)}7`, unit: 'MICROSECONDS', expected: 7_000n },
  ])('converts $name', ({ raw, unit, expected }) => {
    expect(parseTime(raw, unit)).toBe(expected);
  });

  test.each([
    { name: 'a negative time', raw: '-1' },
    { name: 'past 2262', raw: '9223372036854776' },
    { name: 'a decimal', raw: '1.5' },
    { name: 'an empty time', raw: '' },
    { name: 'a time of 257 digits', raw: '0'.repeat(257) },
    { name: 'a number rather than a string', raw: 1000 },
  ])('refuses $name with "Invalid time for record."', ({ raw }) => {
    expect(() => parseTime(raw, 'MILLISECONDS')).toThrow(
      new StoreError('ValidationException', 'Invalid time for record.'),
    );
  });

  test.each(['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'milliseconds', 5])(
    'refuses the TimeUnit %p with a ValidationException (not a TypeError from Object.prototype)',
    (unit) => {
      expect(() => parseTime('1700000000123', unit)).toThrow(
        new StoreError('ValidationException', `Invalid TimeUnit ${String(unit)}.`),
      );
    },
  );
});

describe('SeriesCache', () => {
  const dims = (...pairs: [string, string][]) => pairs.map(([Name, Value]) => ({ Name, Value }));

  test('gives a cached series the same identity, dimensions and limit check as a fresh one', () => {
    const cache = new SeriesCache();
    const common = { Dimensions: dims(['job', 'node']), MeasureName: 'cpu', Time: '1000' };
    const records = [
      { Dimensions: dims(['host', 'a']), MeasureValue: '1' },
      { Dimensions: dims(['host', 'a']), MeasureValue: '2', Time: '2000' },
      { Dimensions: dims(['host', 'b']), MeasureValue: '3' },
    ];
    const first = normalizeRecords(records, common, cache);
    const again = normalizeRecords(records, common, cache);
    const fresh = normalizeRecords(records, common);
    expect(again).toEqual(fresh);
    expect(first).toEqual(fresh);
    // Records of one series share one dimension list (the writer caches column layouts by it).
    expect(again[0].dimensions).toBe(again[1].dimensions);
    expect(again[0].dimensions).toBe(first[0].dimensions);
    expect(again.map((r) => r.timeNs)).toEqual([1_000_000_000n, 2_000_000_000n, 1_000_000_000n]);
  });

  test.each([
    {
      name: 'a value that looks like the next dimension',
      a: dims(['a', 'b'], ['c', 'd']),
      b: dims(['a', 'b\u0000c\u0000d']),
    },
    { name: 'a name/value split at another point', a: dims(['ab', 'c']), b: dims(['a', 'bc']) },
    { name: 'digits that could extend a length prefix', a: dims(['a', '1:b']), b: dims(['a1', 'b']) },
  ])('keeps series apart whose keys could run together: $name', ({ a, b }) => {
    const cache = new SeriesCache();
    const [ra] = normalizeRecords(
      [{ Dimensions: a, MeasureName: 'm', MeasureValue: '1', Time: '1' }],
      {},
      cache,
    );
    const [rb] = normalizeRecords(
      [{ Dimensions: b, MeasureName: 'm', MeasureValue: '1', Time: '1' }],
      {},
      cache,
    );
    // A shared cache key would hand the second record the first one's dimensions.
    expect(ra.dimensions).toEqual(a.map((d) => ({ name: d.Name, value: d.Value })));
    expect(rb.dimensions).toEqual(b.map((d) => ({ name: d.Name, value: d.Value })));
    expect(rb.series).toBe(seriesKey(rb.dimensions, 'm'));
  });

  test('still refuses a record whose dimensions differ from a cached series only by a value type', () => {
    const cache = new SeriesCache();
    normalizeRecords([{ ...base }], {}, cache);
    const typed = { ...base, Dimensions: [{ Name: 'host', Value: 'a', DimensionValueType: 'BIGINT' }] };
    expect(() => normalizeRecords([typed], {}, cache)).toThrow(
      'Invalid DimensionValueType BIGINT for dimension host.',
    );
  });

  test('starts over when full, so its size stays bounded', () => {
    const cache = new SeriesCache(2);
    const identity = {
      dimensions: [],
      series: 's',
      limitViolation: undefined,
      slotMemo: { owner: undefined, slot: undefined },
    };
    cache.set('a', identity);
    cache.set('b', identity);
    expect(cache.get('a')).toBe(identity);
    cache.set('c', identity);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, undefined, identity]);
  });
});

describe('compareUtf8', () => {
  test.each([
    { name: 'ASCII', a: 'job', b: 'instance' },
    { name: 'a prefix', a: 'le', b: 'len' },
    { name: 'a surrogate pair against U+FFFD', a: '\u{1F600}', b: '\uFFFD' },
    { name: 'U+E000 against a surrogate pair', a: '\uE000', b: '\u{10000}' },
    { name: 'Latin-1 against ASCII', a: 'é', b: 'z' },
    { name: 'equal strings', a: 'mode', b: 'mode' },
  ])('orders like the UTF-8 bytes: $name', ({ a, b }) => {
    const bytes = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(Math.sign(compareUtf8(a, b))).toBe(bytes);
    expect(Math.sign(compareUtf8(b, a)) + 0).toBe(0 - bytes + 0);
  });
});

describe('SeriesCache scopes', () => {
  test('keeps one record key apart under different CommonAttributes dimensions', () => {
    const cache = new SeriesCache();
    const common = (job: string) => ({
      Dimensions: [{ Name: 'job', Value: job }],
      MeasureName: 'm',
      Time: '1',
    });
    const own = [{ Dimensions: [{ Name: 'host', Value: 'a' }], MeasureValue: '1' }];
    const [a] = normalizeRecords(own, common('x'), cache);
    const [b] = normalizeRecords(own, common('y'), cache);
    expect([a.series, b.series]).toEqual([
      seriesKey(
        [
          { name: 'job', value: 'x' },
          { name: 'host', value: 'a' },
        ],
        'm',
      ),
      seriesKey(
        [
          { name: 'job', value: 'y' },
          { name: 'host', value: 'a' },
        ],
        'm',
      ),
    ]);
  });

  test('counts entries over every scope against its capacity', () => {
    const cache = new SeriesCache(2);
    const identity = {
      dimensions: [],
      series: 's',
      limitViolation: undefined,
      slotMemo: { owner: undefined, slot: undefined },
    };
    cache.set('k', identity, 'one');
    cache.set('k', identity, 'two');
    expect([cache.get('k', 'one'), cache.get('k', 'two')]).toEqual([identity, identity]);
    cache.set('k', identity, 'three');
    expect([cache.get('k', 'one'), cache.get('k', 'two'), cache.get('k', 'three')]).toEqual([
      undefined,
      undefined,
      identity,
    ]);
  });
});
