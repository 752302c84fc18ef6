// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { StoreError } from '../../../lambda/local-store/errors';
import { meterWriteRequest } from '../../../lambda/local-store/metering';
import {
  NormalizedRecord,
  normalizeRecords,
  SeriesCache,
  type WireRecord,
} from '../../../lambda/local-store/records';
import {
  exactLongVersions,
  LONG_VERSION_MARK,
  MAX_SCANNED_RECORDS,
  ScannedRecord,
  ScannedRecords,
  scanWriteRecords,
} from '../../../lambda/local-store/write-scan';

const COMMON = {
  MeasureValueType: 'DOUBLE',
  TimeUnit: 'MILLISECONDS',
  Dimensions: [{ Name: 'job', Value: 'node' }],
  MeasureName: 'cpu',
  Time: '1000',
};
const dims = (...pairs: [string, string][]) => pairs.map(([Name, Value]) => ({ Name, Value }));
const body = (records: unknown[], common: unknown = COMMON) =>
  JSON.stringify({ DatabaseName: 'db', TableName: 'tbl', CommonAttributes: common, Records: records });

/** What normalizeRecords and metering make of a parsed request: records, or the error thrown. */
function outcome(request: Record<string, unknown>, cache = new SeriesCache()): unknown {
  try {
    const records = normalizeRecords(request.Records, request.CommonAttributes, cache);
    const common = request.CommonAttributes as WireRecord | undefined;
    const metering =
      request.Records instanceof ScannedRecords
        ? meterWriteRequest(
            request.Records.records as WireRecord[],
            common,
            request.Records.ownDimensionBytes,
          )
        : meterWriteRequest(request.Records as WireRecord[], common);
    return { records, metering };
  } catch (error) {
    return { error: error instanceof StoreError ? [error.type, error.message] : String(error) };
  }
}

describe('scanWriteRecords', () => {
  test('reads a compact body into scalar members and dimensions text', () => {
    const text = body([
      { Dimensions: dims(['host', 'a'], ['core', '0']), MeasureValue: '1.5' },
      { MeasureName: 'up', MeasureValue: '1', Time: '2000', TimeUnit: 'SECONDS', Version: 3 },
      {},
      { Version: 102345678901239 },
    ]);
    const scanned = scanWriteRecords(text)!;
    expect(scanned.DatabaseName).toBe('db');
    expect(scanned.TableName).toBe('tbl');
    expect(scanned.CommonAttributes).toEqual(COMMON);
    expect((scanned.Records as ScannedRecords).records).toEqual([
      {
        DimensionsText: '[{"Name":"host","Value":"a"},{"Name":"core","Value":"0"}]',
        MeasureValue: '1.5',
      },
      { MeasureName: 'up', MeasureValue: '1', Time: '2000', TimeUnit: 'SECONDS', Version: 3 },
      {},
      { Version: 102345678901239 },
    ]);
  });

  test.each([
    {
      name: 'whitespace in a record',
      text: body([{ MeasureValue: '1' }]).replace('"MeasureValue":', '"MeasureValue": '),
    },
    {
      name: 'whitespace between members',
      text: body([{ MeasureValue: '1' }]).replace(',"Records"', ', "Records"'),
    },
    { name: 'an escape in a record member', text: body([{ MeasureName: 'a"b', MeasureValue: '1' }]) },
    { name: 'an escape in a dimension value', text: body([{ Dimensions: dims(['a', 'x\\y']) }]) },
    { name: 'a control character', text: body([{ MeasureName: 'a\u0001b' }]) },
    { name: 'a null member', text: body([{ MeasureValue: null }]) },
    { name: 'MeasureValues', text: body([{ MeasureValues: [] }]) },
    {
      name: 'DimensionValueType',
      text: body([{ Dimensions: [{ Name: 'a', Value: 'b', DimensionValueType: 'VARCHAR' }] }]),
    },
    { name: 'Value before Name', text: body([{ Dimensions: [{ Value: 'b', Name: 'a' }] }]) },
    {
      // Raw, as JSON.stringify would escape it (JSON.parse refuses it raw).
      name: 'a raw control character in a dimension name',
      text: body([{ Dimensions: dims(['a_b', 'c']) }]).replace('a_b', 'a\tb'),
    },
    {
      name: 'a raw control character in a record member',
      text: body([{ MeasureName: 'a_b', MeasureValue: '1' }]).replace('a_b', 'a\tb'),
    },
    { name: 'a numeric dimension value', text: body([{ Dimensions: [{ Name: 'a', Value: 1 }] }]) },
    {
      name: 'a dimension with a third member',
      text: body([{ Dimensions: [{ Name: 'a', Value: 'b', X: 'c' }] }]),
    },
    { name: 'a dimension that is not an object', text: body([{ Dimensions: ['a'] }]) },
    { name: 'Dimensions not a list', text: body([{ Dimensions: { Name: 'a', Value: 'b' } }]) },
    {
      name: 'a trailing comma in Dimensions',
      text: body([{ Dimensions: dims(['a', 'b']) }]).replace('"b"}]', '"b"},]'),
    },
    {
      name: 'dimensions without a comma between them',
      text: body([{ Dimensions: dims(['a', 'b'], ['c', 'd']) }]).replace('"b"},{', '"b"}{'),
    },
    {
      name: 'an unclosed Dimensions list',
      text: body([{ Dimensions: dims(['a', 'b']), MeasureValue: '1' }]).replace('"b"}],', '"b"},'),
    },
    { name: 'a Version that is not a plain integer', text: body([{ Version: 1.5 }]) },
    { name: 'a zero Version', text: body([{ Version: 0 }]) },
    { name: 'a 16-digit Version', text: body([{ Version: 1234567890123456 }]) },
    { name: 'a numeric MeasureValue', text: body([{ MeasureValue: 1 }]) },
    { name: 'a repeated record member', text: '{"Records":[{"MeasureValue":"1","MeasureValue":"2"}]}' },
    { name: 'a repeated top-level member', text: '{"Records":[],"Records":[]}' },
    // JSON.parse would keep the last of repeated members; the scan keeps to one reading.
    { name: 'a repeated Dimensions', text: '{"Records":[{"Dimensions":[],"Dimensions":[]}]}' },
    { name: 'a repeated Version', text: '{"Records":[{"Version":1,"Version":2}]}' },
    { name: 'a Version with a leading zero', text: '{"Records":[{"Version":01}]}' },
    { name: 'a body that does not open with a brace', text: 'x"Records":[]}' },
    { name: 'an unknown top-level member', text: '{"Records":[],"Extra":1}' },
    { name: 'no Records', text: '{"DatabaseName":"db"}' },
    { name: 'trailing text', text: `${body([{}])} ` },
    { name: 'a cut-off body', text: body([{ MeasureValue: '1' }]).slice(0, -3) },
    { name: 'Records not an array', text: '{"Records":{}}' },
    {
      name: 'more records than scanned',
      text: body(Array.from({ length: MAX_SCANNED_RECORDS + 1 }, () => ({ MeasureValue: '1' }))),
    },
  ])('leaves $name to JSON.parse', ({ text }) => {
    expect(scanWriteRecords(text)).toBeUndefined();
  });

  // Per-record objects are made by `new`, so that V8 never allocates them in the old generation
  // (ScannedRecord's note); object literals would pass every other test here.
  test('makes each record and its normalized form and value with `new`, every scanned member present', () => {
    const scanned = scanWriteRecords(
      body([
        { Dimensions: dims(['host', 'a']), MeasureValue: '1.5' },
        { MeasureValue: '2', MeasureValueType: 'BIGINT', Version: 2 },
      ]),
    )!;
    const records = (scanned.Records as ScannedRecords).records;
    for (const record of records) {
      expect(record).toBeInstanceOf(ScannedRecord);
      expect(Object.keys(record)).toEqual([
        'DimensionsText',
        'MeasureName',
        'MeasureValue',
        'MeasureValueType',
        'Time',
        'TimeUnit',
        'Version',
      ]);
    }
    const normalized = normalizeRecords(scanned.Records, scanned.CommonAttributes);
    expect(normalized.map((r) => r.measure)).toEqual([
      { type: 'DOUBLE', value: 1.5 },
      { type: 'BIGINT', value: 2n },
    ]);
    for (const record of normalized) {
      expect(record).toBeInstanceOf(NormalizedRecord);
      expect(Object.getPrototypeOf(record.measure)).not.toBe(Object.prototype);
    }
  });

  test('reads escapes and nesting in the members it parses with JSON.parse', () => {
    const common = { Dimensions: dims(['a"b', 'c\\d'], ['e', '[}']), MeasureName: 'm,}' };
    const scanned = scanWriteRecords(body([{ MeasureValue: '1' }], common))!;
    expect(scanned.CommonAttributes).toEqual(common);
  });

  test.each([
    {
      name: 'realistic records',
      records: [
        { Dimensions: dims(['host', 'a'], ['core', '0']), MeasureValue: '1.5' },
        { Dimensions: dims(['host', 'a'], ['core', '1']), MeasureValue: '-2e3', Time: '2000' },
        { Dimensions: dims(['hóst', 'ä']), MeasureName: 'other', MeasureValue: '3', Version: 7 },
        { MeasureName: 'no_dims', MeasureValue: 'true', MeasureValueType: 'BOOLEAN' },
        { Dimensions: [], MeasureValue: '12', MeasureValueType: 'BIGINT', TimeUnit: 'SECONDS' },
        { Dimensions: dims(['path', '/a],{b}['], ['le', '+Inf']), MeasureValue: '4' },
      ],
    },
    { name: 'an empty dimension name', records: [{ Dimensions: dims(['', 'x']), MeasureValue: '1' }] },
    { name: 'a duplicate dimension name', records: [{ Dimensions: dims(['job', 'x']), MeasureValue: '1' }] },
    { name: 'a reserved dimension name', records: [{ Dimensions: dims(['ts_x', 'x']), MeasureValue: '1' }] },
    { name: 'an empty dimension value', records: [{ Dimensions: dims(['a', '']), MeasureValue: '1' }] },
    { name: 'an invalid value', records: [{ MeasureValue: 'abc' }] },
    { name: 'an invalid time', records: [{ MeasureValue: '1', Time: '12x' }] },
    { name: 'an unknown type', records: [{ MeasureValue: '1', MeasureValueType: 'FLOAT' }] },
    {
      name: 'a long dimension name',
      records: [{ Dimensions: dims(['n'.repeat(61), 'v']), MeasureValue: '1' }],
    },
    { name: 'no records', records: [] },
    { name: 'an empty measure name', records: [{ MeasureName: '', MeasureValue: '1' }] },
    { name: 'an empty record', records: [{}] },
  ])('normalizes and meters like the JSON.parse path: $name', ({ records }) => {
    const text = body(records);
    const scanned = scanWriteRecords(text)!;
    expect(scanned).toBeDefined();
    expect(outcome(scanned)).toEqual(outcome(JSON.parse(text)));
  });

  test.each([
    { name: 'no CommonAttributes', common: undefined },
    { name: 'CommonAttributes without dimensions', common: { MeasureName: 'm', Time: '5' } },
    { name: 'CommonAttributes the cache does not key', common: { Dimensions: [{ Name: 'a', Value: 1 }] } },
  ])('normalizes like the JSON.parse path with $name', ({ common }) => {
    const text = body(
      [{ Dimensions: dims(['host', 'a']), MeasureName: 'm', MeasureValue: '1', Time: '9' }],
      common,
    );
    expect(outcome(scanWriteRecords(text)!)).toEqual(outcome(JSON.parse(text)));
  });

  test('answers cached series like fresh ones, apart for another measure name or scope', () => {
    const cache = new SeriesCache();
    const records = [
      { Dimensions: dims(['host', 'a']), MeasureValue: '1' },
      { Dimensions: dims(['host', 'a']), MeasureName: 'mem', MeasureValue: '2' },
    ];
    const first = outcome(scanWriteRecords(body(records))!, cache);
    const again = outcome(scanWriteRecords(body(records))!, cache);
    const otherScope = { ...COMMON, Dimensions: dims(['job', 'other']) };
    const scoped = outcome(scanWriteRecords(body(records, otherScope))!, cache);
    expect(first).toEqual(outcome(JSON.parse(body(records))));
    expect(again).toEqual(first);
    expect(scoped).toEqual(outcome(JSON.parse(body(records, otherScope))));
    const series = (o: unknown) => (o as { records: { series: string }[] }).records.map((r) => r.series);
    expect(new Set([...series(first), ...series(scoped)]).size).toBe(4);
  });

  const hosts = (...names: string[]) =>
    names.map((host) => ({ Dimensions: dims(['host', host]), MeasureValue: '1' }));
  const other = { ...COMMON, Dimensions: dims(['job', 'other']) };
  test.each([
    {
      name: 'the same order again',
      calls: [{ records: hosts('a', 'b', 'c') }, { records: hosts('a', 'b', 'c') }],
    },
    { name: 'series swapped', calls: [{ records: hosts('a', 'b', 'c') }, { records: hosts('a', 'c', 'b') }] },
    {
      name: 'a new series where a known one followed',
      calls: [{ records: hosts('a', 'b') }, { records: hosts('a', 'd', 'b') }, { records: hosts('a', 'b') }],
    },
    {
      name: 'the follower under another measure name',
      calls: [
        { records: hosts('a', 'b') },
        {
          records: [
            ...hosts('a'),
            { Dimensions: dims(['host', 'b']), MeasureName: 'mem', MeasureValue: '2' },
          ],
        },
      ],
    },
    {
      name: 'the follower under other CommonAttributes dimensions',
      calls: [
        { records: hosts('a', 'b') },
        { records: hosts('a', 'b'), common: other },
        { records: hosts('a', 'b') },
      ],
    },
    {
      name: 'a follower whose text only starts like the last one',
      calls: [{ records: hosts('a', 'b') }, { records: hosts('a', 'bb') }, { records: hosts('a', 'b') }],
    },
  ])(
    'answers each call like the JSON.parse path when series follow each other differently: $name',
    ({ calls }) => {
      const cache = new SeriesCache();
      for (const { records, common } of calls as { records: unknown[]; common?: unknown }[]) {
        const text = body(records, common);
        expect(outcome(scanWriteRecords(text)!, cache)).toEqual(outcome(JSON.parse(text)));
      }
    },
  );

  test('looks only the first record of a call up when its series follow each other as before', () => {
    const cache = new SeriesCache();
    const text = body(hosts('a', 'b', 'c', 'd'));
    const first = normalizeRecords(scanWriteRecords(text)!.Records, COMMON, cache);
    const lookups = jest.spyOn(cache, 'getText');
    const again = normalizeRecords(scanWriteRecords(text)!.Records, COMMON, cache);
    expect(lookups).toHaveBeenCalledTimes(1);
    expect(again.map((r) => r.dimensions)).toEqual(first.map((r) => r.dimensions));
    again.forEach((record, i) => expect(record.dimensions).toBe(first[i].dimensions));
  });

  test('keeps answering correctly after the cache starts over', () => {
    const cache = new SeriesCache(2);
    const records = ['a', 'b', 'c', 'a'].map((host) => ({
      Dimensions: dims(['host', host]),
      MeasureValue: '1',
    }));
    const text = body(records);
    expect(outcome(scanWriteRecords(text)!, cache)).toEqual(outcome(JSON.parse(text)));
    expect(outcome(scanWriteRecords(text)!, cache)).toEqual(outcome(JSON.parse(text)));
  });

  test('reads only what JSON.parse reads the same way, on random and corrupted bodies', () => {
    // Mostly characters a plain string holds, some that end, escape or nest JSON strings and
    // lists, a control character and non-ASCII: every character the scan has to stop at.
    const chars = fc.oneof(
      { arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '[', ']', '{', '}', ',', ':', 'é', '😀'), weight: 12 },
      { arbitrary: fc.constantFrom('"', '\\', '\u0001', '\t'), weight: 1 },
    );
    const strings = fc.array(chars, { maxLength: 5 }).map((c) => c.join(''));
    const record = fc.record(
      {
        Dimensions: fc.array(fc.record({ Name: strings, Value: strings }), { maxLength: 3 }),
        MeasureValue: strings,
        Time: fc.constantFrom('1000', '2000'),
      },
      { requiredKeys: ['MeasureValue'] },
    );
    // Corruptions: a character of `chars` inserted, or one removed, near the start of one of the
    // Dimensions lists (where the scan's expression works), or anywhere.
    const corruption = fc.tuple(fc.nat(), fc.nat(), fc.boolean(), chars);
    const corrupt = (text: string, [which, offset, remove, c]: [number, number, boolean, string]) => {
      const lists = [...text.matchAll(/"Dimensions":\[/g)].map((m) => m.index + 13);
      const i =
        lists.length > 0 && which % 4 !== 0
          ? Math.min(lists[which % lists.length] + (offset % 40), text.length - 1)
          : offset % text.length;
      return remove ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + c + text.slice(i);
    };
    let scannedCount = 0;
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 4 }),
        fc.array(corruption, { maxLength: 2 }),
        (records, cuts) => {
          const text = cuts.reduce(corrupt, body(records));
          const scanned = scanWriteRecords(text);
          if (scanned === undefined) return;
          const parsed = JSON.parse(text) as { Records: Record<string, unknown>[] };
          const asParsed = (scanned.Records as ScannedRecords).records.map(({ DimensionsText, ...rest }) =>
            DimensionsText === undefined
              ? rest
              : { Dimensions: JSON.parse(DimensionsText) as unknown, ...rest },
          );
          expect(asParsed).toEqual(parsed.Records);
          expect({ ...scanned, Records: undefined }).toEqual({ ...parsed, Records: undefined });
          scannedCount++;
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
    expect(scannedCount).toBeGreaterThan(300); // the property held on bodies the scan took
  });
});

describe('exactLongVersions', () => {
  test.each([
    {
      name: 'a Version of 16 or more digits, compact or spaced, in a record or CommonAttributes',
      text: '{"CommonAttributes":{"Version": 9007199254740993},"Records":[{"Version":1234567890123456}]}',
      versions: [`${LONG_VERSION_MARK}9007199254740993`, `${LONG_VERSION_MARK}1234567890123456`],
    },
    {
      name: 'a negative one (refused later, as any Version below 1)',
      text: '{"Records":[{"Version":-1234567890123456}]}',
      versions: [`${LONG_VERSION_MARK}-1234567890123456`],
    },
    {
      name: 'after JSON whitespace other than spaces (tab, line feed, carriage return)',
      text: '{"Records":[{"Version"\t:\n12345678901234567},{"Version":\r\n\t12345678901234568}]}',
      versions: [`${LONG_VERSION_MARK}12345678901234567`, `${LONG_VERSION_MARK}12345678901234568`],
    },
    {
      name: 'after a string holding one escaped quote',
      text: '{"Records":[{"Dimensions":[{"Name":"size","Value":"5\\""}],"Version":12345678901234567}]}',
      versions: [`${LONG_VERSION_MARK}12345678901234567`],
    },
    {
      name: 'nothing shorter, nor a fraction or an exponent',
      text: '{"Records":[{"Version":123456789012345},{"Version":1234567890123456.5},{"Version":12345678901234567e3},{"Version":12345678901234567E3}]}',
      versions: [123456789012345, 1234567890123456.5, 12345678901234567e3, 12345678901234567e3],
    },
  ])('keeps as text $name', ({ text, versions }) => {
    const parsed = JSON.parse(exactLongVersions(text)) as {
      CommonAttributes?: { Version: unknown };
      Records: { Version: unknown }[];
    };
    const found = [parsed.CommonAttributes?.Version, ...parsed.Records.map((r) => r.Version)];
    expect(found.filter((v) => v !== undefined)).toEqual(versions);
  });

  test('keeps a long Version of CommonAttributes exact in a compact body the scan reads', () => {
    const text =
      '{"DatabaseName":"db","TableName":"tb","CommonAttributes":{"Version":9007199254740993},' +
      '"Records":[{"Dimensions":[{"Name":"host","Value":"a"}],"MeasureName":"m","MeasureValue":"1","Time":"1"}]}';
    const request = scanWriteRecords(text);
    expect([request?.Records instanceof ScannedRecords, request?.CommonAttributes]).toEqual([
      true,
      { Version: `${LONG_VERSION_MARK}9007199254740993` },
    ]);
  });

  test('never changes text inside a string', () => {
    const value = '"Version":12345678901234567 \\"Version":12345678901234567 {"Version": 12345678901234567}';
    const dimensions = JSON.stringify([{ Name: 'Version', Value: value }]);
    const text = `{"Records":[{"Dimensions":${dimensions},"Version":12345678901234567}]}`;
    const parsed = JSON.parse(exactLongVersions(text)) as {
      Records: { Dimensions: { Name: string; Value: string }[]; Version: unknown }[];
    };
    expect(parsed.Records).toEqual([
      { Dimensions: [{ Name: 'Version', Value: value }], Version: `${LONG_VERSION_MARK}12345678901234567` },
    ]);
  });
});
