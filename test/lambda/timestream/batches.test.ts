// SPDX-License-Identifier: Apache-2.0
import type { _Record } from '@aws-sdk/client-timestream-write';
import type { TimeSeries } from '../../../lambda/prompb/types';
import { staleNaN } from '../../../lambda/prompb/stale';
import { fromDimensionName } from '../../../lambda/timestream/label-names';
import {
  MAX_RECORDS_PER_WRITE,
  meteredWriteUnits,
  referenceWriteUnits,
  toWriteBatches,
  type MappingOptions,
  type WriteBatch,
} from '../../../lambda/timestream/records';
import { formatMeasureValue } from '../../../lambda/timestream/values';
import { realisticWriteRequest } from '../../support/payloads';
import { realisticRequest } from '../../../scripts/bench-records';

const T0 = 1_700_000_000_000;
const LENIENT: MappingOptions = { failOnLongLabel: false, failOnInvalidSampleValue: false };
const TYPES = { MeasureValueType: 'DOUBLE', TimeUnit: 'MILLISECONDS' } as const;

function series(labels: Record<string, string>, samples: Array<[number, number]>): TimeSeries {
  return {
    labels: Object.keys(labels)
      .sort()
      .map((name) => ({ name, value: labels[name] })),
    samples: samples.map(([timestamp, value]) => ({ timestamp, value })),
  };
}

function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/** Checks the batch invariants and returns the written samples as "labels|time|value" lines. */
function checkBatches(batches: WriteBatch[]): string[] {
  const written: string[] = [];
  for (const batch of batches) {
    const common = batch.commonAttributes;
    expect(common).toMatchObject(TYPES);
    expect(batch.records.length).toBeGreaterThanOrEqual(1);
    expect(batch.records.length).toBeLessThanOrEqual(MAX_RECORDS_PER_WRITE);
    expect(batch.sampleCount).toBe(batch.records.length);
    const commonNames = new Set((common.Dimensions ?? []).map((d) => d.Name));
    for (const record of batch.records) {
      expect(record.MeasureValueType).toBeUndefined();
      expect(record.TimeUnit).toBeUndefined();
      // Exactly one side carries each of MeasureName and Time.
      expect((record.MeasureName === undefined) !== (common.MeasureName === undefined)).toBe(true);
      expect((record.Time === undefined) !== (common.Time === undefined)).toBe(true);
      for (const d of record.Dimensions ?? []) expect(commonNames.has(d.Name)).toBe(false);
      const names = [...(common.Dimensions ?? []), ...(record.Dimensions ?? [])].map((d) => d.Name);
      expect(new Set(names).size).toBe(names.length);
      const labels: Record<string, string> = { __name__: (record.MeasureName ?? common.MeasureName)! };
      for (const d of [...(common.Dimensions ?? []), ...(record.Dimensions ?? [])])
        labels[fromDimensionName(d.Name!)] = d.Value!;
      written.push(`${labelKey(labels)}|${record.Time ?? common.Time}|${record.MeasureValue}`);
    }
    // Hoisting is complete: nothing all records share is left in the records.
    const records = batch.records;
    if (records.length > 1) {
      if (common.MeasureName === undefined)
        expect(records.every((r) => r.MeasureName === records[0].MeasureName)).toBe(false);
      if (common.Time === undefined) expect(records.every((r) => r.Time === records[0].Time)).toBe(false);
      for (const d of records[0].Dimensions ?? []) {
        expect(
          records.every((r) => (r.Dimensions ?? []).some((e) => e.Name === d.Name && e.Value === d.Value)),
        ).toBe(false);
      }
    }
  }
  return written;
}

function expectedSamples(timeseries: TimeSeries[]): string[] {
  return timeseries.flatMap(({ labels, samples }) =>
    samples
      .filter((s) => Number.isFinite(s.value))
      .map(
        (s) =>
          `${labelKey(Object.fromEntries(labels.filter((l) => l.value !== '').map((l) => [l.name, l.value])))}|${s.timestamp}|${formatMeasureValue(s.value)}`,
      ),
  );
}

describe('batching invariants', () => {
  test.each([
    { name: 'the realistic bench request', timeseries: () => realisticRequest(3, 2000) },
    {
      name: 'the shared realistic payload, 3 samples per series',
      timeseries: () =>
        realisticWriteRequest({
          series: 700,
          samplesPerSeries: 3,
          startMs: T0,
          externalLabels: { cluster: 'c1' },
        }).timeseries,
    },
    {
      name: 'one series with 250 samples',
      timeseries: () => [
        series(
          { __name__: 'up', job: 'a' },
          Array.from({ length: 250 }, (_, i): [number, number] => [T0 + i, i / 3]),
        ),
      ],
    },
    {
      name: 'series with more distinct label names than key columns (MAX_KEY_CELLS)',
      timeseries: () =>
        Array.from({ length: 3000 }, (_, s) =>
          series({ __name__: 'm', job: `j${s % 3}`, [`a${s}`]: 'x', [`b${s}`]: 'y' }, [[T0, s]]),
        ),
    },
    {
      // Every metric name distinct (no score) and 1500 label names each shared by two series
      // (some score): the measure name ranks past the 1398 key columns, so it is never hoisted.
      name: 'series whose measure name ranks past the key columns',
      timeseries: () =>
        Array.from({ length: 3000 }, (_, s) =>
          series({ __name__: `m${s}`, job: `j${s % 3}`, [`a${s >> 1}`]: 'x' }, [[T0, s]]),
        ),
    },
    {
      name: 'series with several samples each, mixed with stale markers',
      timeseries: () =>
        Array.from({ length: 40 }, (_, s) => {
          const ts = series(
            { __name__: `m${s % 3}`, job: `j${s % 2}`, instance: `i${s}` },
            Array.from({ length: 7 }, (_, i): [number, number] => [T0 + i * 15_000, s * 1e-9 + i]),
          );
          ts.samples.push({ timestamp: T0 + 7 * 15_000, value: staleNaN() });
          return ts;
        }),
    },
  ])('writes every valid sample of $name exactly once, with exact time and value', ({ timeseries }) => {
    const input = timeseries();
    const { batches } = toWriteBatches(input, LENIENT);
    const written = checkBatches(batches);
    expect(written.sort()).toStrictEqual(expectedSamples(input).sort());
    for (const line of written) {
      const value = line.slice(line.lastIndexOf('|') + 1);
      expect(formatMeasureValue(Number(value))).toBe(value);
    }
  });

  test('keeps the write units of the realistic bench request at or under a third of the reference connector', () => {
    const input = realisticRequest(1, 2000);
    const ours = toWriteBatches(input, LENIENT).batches.reduce((sum, b) => sum + meteredWriteUnits(b), 0);
    expect(ours * 3).toBeLessThanOrEqual(referenceWriteUnits(input));
  });
});

describe('CommonAttributes for small inputs', () => {
  const ext = { cluster: 'eu', job: 'node', instance: 'a:9100' };
  test.each([
    {
      name: 'one scrape of one target: labels, and time hoisted; metric names per record',
      input: [
        series({ ...ext, __name__: 'up' }, [[T0, 1]]),
        series({ ...ext, __name__: 'load1' }, [[T0, 0.25]]),
      ],
      batches: [
        {
          commonAttributes: {
            ...TYPES,
            Dimensions: [
              { Name: 'cluster', Value: 'eu' },
              { Name: 'instance', Value: 'a:9100' },
              { Name: 'job', Value: 'node' },
            ],
            Time: String(T0),
          },
          records: [
            { MeasureName: 'up', MeasureValue: '1' },
            { MeasureName: 'load1', MeasureValue: '0.25' },
          ],
          sampleCount: 2,
        },
      ],
    },
    {
      name: 'one series over time: everything but time and value hoisted',
      input: [
        series({ ...ext, __name__: 'up' }, [
          [T0, 1],
          [T0 + 15_000, 0],
        ]),
      ],
      batches: [
        {
          commonAttributes: {
            ...TYPES,
            Dimensions: [
              { Name: 'cluster', Value: 'eu' },
              { Name: 'instance', Value: 'a:9100' },
              { Name: 'job', Value: 'node' },
            ],
            MeasureName: 'up',
          },
          records: [
            { MeasureValue: '1', Time: String(T0) },
            { MeasureValue: '0', Time: String(T0 + 15_000) },
          ],
          sampleCount: 2,
        },
      ],
    },
    {
      name: 'different label names: only the shared pairs hoisted',
      input: [
        series({ __name__: 'm', job: 'a', x: '1' }, [[T0, 1]]),
        series({ __name__: 'm', job: 'a', y: '2' }, [[T0 + 1, 2]]),
        series({ __name__: 'm', job: 'b', x: '1' }, [[T0 + 2, 3]]),
      ],
      batches: [
        {
          commonAttributes: { ...TYPES, MeasureName: 'm' },
          // Ordered by job (two records share "a"), then x (absent first).
          records: [
            {
              Dimensions: [
                { Name: 'job', Value: 'a' },
                { Name: 'y', Value: '2' },
              ],
              MeasureValue: '2',
              Time: String(T0 + 1),
            },
            {
              Dimensions: [
                { Name: 'job', Value: 'a' },
                { Name: 'x', Value: '1' },
              ],
              MeasureValue: '1',
              Time: String(T0),
            },
            {
              Dimensions: [
                { Name: 'job', Value: 'b' },
                { Name: 'x', Value: '1' },
              ],
              MeasureValue: '3',
              Time: String(T0 + 2),
            },
          ],
          sampleCount: 3,
        },
      ],
    },
  ])('$name', ({ input, batches }) => {
    expect(toWriteBatches(input, LENIENT).batches).toStrictEqual(batches);
  });

  test('cuts where the units are fewest, not at every 100 records', () => {
    // 16 B per record (time and value) after hoisting: 100 + 100 + 50 records would be 2 + 2 + 1
    // units; four calls of at most 63 records (2 B of common measure name + 2 B of common
    // dimension + 63 * 16 B = 1012 B) are 4 units.
    const input = [
      series(
        { __name__: 'up', j: 'a' },
        Array.from({ length: 250 }, (_, i): [number, number] => [T0 + i, 1]),
      ),
    ];
    const { batches } = toWriteBatches(input, LENIENT);
    expect(batches.map((b) => b.commonAttributes)).toStrictEqual(
      Array(4).fill({ ...TYPES, Dimensions: [{ Name: 'j', Value: 'a' }], MeasureName: 'up' }),
    );
    expect(batches.map((b) => b.sampleCount)).toStrictEqual([61, 63, 63, 63]);
    expect(batches.map(meteredWriteUnits)).toStrictEqual([1, 1, 1, 1]);
  });

  test('keeps the latest cut among plans of equal cost', () => {
    // 150 records of 16 B after hoisting: 87..100 records then 63..50 all cost 2 + 1 units in two
    // calls. The plan is a function of the request, so the cuts (and the calls) are pinned too.
    const input = [
      series(
        { __name__: 'up', j: 'a' },
        Array.from({ length: 150 }, (_, i): [number, number] => [T0 + i, 1]),
      ),
    ];
    const { batches } = toWriteBatches(input, LENIENT);
    expect(batches.map((b) => b.sampleCount)).toStrictEqual([87, 63]);
    expect(batches.map(meteredWriteUnits)).toStrictEqual([2, 1]);
  });
});

describe('write units', () => {
  // AWS example (metering-and-pricing.writes.html): 100 events of 83 B are 9 units in one request
  // without common attributes, 3 units with 52 B of common attributes and 27 B per event.
  const dims83 = [{ Name: 'host', Value: 'h'.repeat(56) }]; // 8 time + 7 name + 4 + 56 + 8 value = 83
  test.each([
    {
      name: '100 events of 83 B without common attributes',
      batch: {
        commonAttributes: { ...TYPES },
        records: Array.from({ length: 100 }, (): _Record => ({
          Dimensions: dims83,
          MeasureName: 'm'.repeat(7),
          MeasureValue: '1',
          Time: '1',
        })),
        sampleCount: 100,
      },
      units: 9,
    },
    {
      name: '52 B common and 27 B per event',
      batch: {
        commonAttributes: { ...TYPES, Dimensions: [{ Name: 'region', Value: 'r'.repeat(46) }] },
        records: Array.from({ length: 100 }, (): _Record => ({
          MeasureName: 'm'.repeat(11),
          MeasureValue: '1',
          Time: '1',
        })),
        sampleCount: 100,
      },
      units: 3,
    },
    {
      name: 'common time counted once',
      batch: {
        commonAttributes: { ...TYPES, MeasureName: 'm', Time: '1' },
        records: Array.from({ length: 128 }, (): _Record => ({ MeasureValue: '1' })),
        sampleCount: 128,
      },
      units: 2, // 1 + 8 + 128 * 8 = 1033 B
    },
    // 16 B time and value + 1 B measure name + name + 3 B per euro sign.
    {
      name: 'a UTF-8 dimension value, 1024 B',
      batch: {
        commonAttributes: { ...TYPES },
        records: [
          {
            Dimensions: [{ Name: 'ab', Value: '€'.repeat(335) }],
            MeasureName: 'm',
            MeasureValue: '1',
            Time: '1',
          },
        ],
        sampleCount: 1,
      },
      units: 1,
    },
    {
      name: 'a UTF-8 dimension value, 1025 B',
      batch: {
        commonAttributes: { ...TYPES },
        records: [
          {
            Dimensions: [{ Name: 'abc', Value: '€'.repeat(335) }],
            MeasureName: 'm',
            MeasureValue: '1',
            Time: '1',
          },
        ],
        sampleCount: 1,
      },
      units: 2,
    },
    {
      name: 'a UTF-8 measure name, 1025 B',
      batch: {
        commonAttributes: { ...TYPES },
        records: [
          {
            Dimensions: [{ Name: 'abc', Value: 'm' }],
            MeasureName: '€'.repeat(335),
            MeasureValue: '1',
            Time: '1',
          },
        ],
        sampleCount: 1,
      },
      units: 2,
    },
  ])('meters $name', ({ batch, units }) => {
    expect(meteredWriteUnits(batch)).toBe(units);
  });

  test('meters the reference connector: 100 records per call, no common attributes, non-finite samples dropped', () => {
    const input = Array.from({ length: 150 }, () =>
      series({ __name__: 'm'.repeat(7), host: 'h'.repeat(56) }, [[T0, 1]]),
    );
    input.push(series({ __name__: 'x', host: 'y' }, [[T0, NaN]]));
    expect(referenceWriteUnits(input)).toBe(9 + 5); // 8300 B, then 50 * 83 = 4150 B
  });

  // A record of the reference is 8 B of time, 8 B of value, the metric name and every other label
  // name and value, in UTF-8 bytes; `__name__` itself is no dimension name.
  const host = (bytes: number) => 'h'.repeat(bytes - 16 - 'host'.length - 'm'.length);
  test.each([
    {
      name: 'a record of exactly 1024 B',
      input: [series({ __name__: 'm', host: host(1024) }, [[T0, 1]])],
      units: 1,
    },
    { name: 'a record of 1025 B', input: [series({ __name__: 'm', host: host(1025) }, [[T0, 1]])], units: 2 },
    {
      name: 'a record of 1024 B beside ±Infinity samples, dropped',
      input: [
        series({ __name__: 'm', host: host(1024) }, [
          [T0, Infinity],
          [T0 + 1, 1],
          [T0 + 2, -Infinity],
        ]),
      ],
      units: 1,
    },
    {
      name: 'a record of 1025 B in 1019 characters (a UTF-8 value)',
      input: [series({ __name__: 'm', host: '€'.repeat(3) + host(1025 - 9) }, [[T0, 1]])],
      units: 2,
    },
    {
      // 100 records of 1030 B are 101 units, the 101st record another 2; one call would be 102.
      name: '101 records of 1030 B, cut into calls of 100',
      input: [
        series(
          { __name__: 'm', host: host(1030) },
          Array.from({ length: 101 }, (_, i): [number, number] => [T0 + i, 1]),
        ),
      ],
      units: 103,
    },
  ])('meters the reference connector for $name', ({ input, units }) => {
    expect(referenceWriteUnits(input)).toBe(units);
  });
});
