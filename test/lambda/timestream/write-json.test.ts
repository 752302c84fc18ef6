// SPDX-License-Identifier: Apache-2.0
// The hand-rendered WriteRecords body (from per-series JSON fragments) must be byte-identical to
// JSON.stringify of the same request, whatever the label text, cached or not.
import { decodeWriteRequest, encodeWriteRequest } from '../../../lambda/prompb/codec';
import { DEFAULT_DECODE_LIMITS } from '../../../lambda/codec/remote';
import type { Label, TimeSeries } from '../../../lambda/prompb/types';
import { toWriteBatches, type WriteBatch } from '../../../lambda/timestream/records';
import { renderWriteRecordsBody } from '../../../lambda/timestream/write-json';
import { realisticRequest } from '../../../scripts/bench-records';

const LENIENT = { failOnLongLabel: false, failOnInvalidSampleValue: false };
const T0 = 1_700_000_000_000;

function stringified(target: { database: string; table: string }, batch: WriteBatch): string {
  return JSON.stringify({
    DatabaseName: target.database,
    TableName: target.table,
    CommonAttributes: batch.commonAttributes,
    Records: batch.records,
  });
}

function series(labels: Record<string, string>, samples: Array<[number, number]>): TimeSeries {
  return {
    labels: Object.keys(labels)
      .sort()
      .map((name) => ({ name, value: labels[name] })),
    samples: samples.map(([timestamp, value]) => ({ timestamp, value })),
  };
}

/** Label text that JSON escapes, or that is not ASCII. */
const awkward = [
  series({ __name__: 'm"q', job: 'a\\b', path: 'C:\\dir "x"\n\u0001' }, [[T0, 1]]),
  series({ __name__: 'm"q', job: 'a\\b', path: '\u2028\u2029' }, [[T0, -0]]),
  series({ __name__: 'm😀', job: 'a\\b', é: 'Grüße €', time: 'reserved name' }, [[T0 + 1, 1e-9]]),
  series({ __name__: 'm😀', job: 'lone \ud800 surrogate', _x: 'escaped name' }, [[T0 + 1, 5e-324]]),
  series({ __name__: 'm😀', job: 'lone \ud800 surrogate', ts_y: '\u007f\u0000' }, [
    [T0 + 2, 1.7976931348623157e308],
  ]),
];

/** A decoded request: frozen when the decoder hands out frozen labels arrays (cached process-wide). */
function decoded(timeseries: TimeSeries[], frozen: boolean): TimeSeries[] {
  return decodeWriteRequest(encodeWriteRequest({ timeseries }), DEFAULT_DECODE_LIMITS).timeseries.map(
    ({ labels, samples }) => ({ labels: frozen ? (Object.freeze(labels) as Label[]) : labels, samples }),
  );
}

describe('renderWriteRecordsBody', () => {
  const targets = [
    { database: 'PrometheusDatabase', table: 'PrometheusMetricsTable' },
    { database: 'db "quoted"\u2028', table: 'tab€' },
    // The opening is cached for the last target: change the table alone, then the database alone.
    { database: 'db "quoted"\u2028', table: 'PrometheusMetricsTable' },
    { database: 'other', table: 'PrometheusMetricsTable' },
  ];
  test.each([
    { name: 'the realistic bench request', input: () => realisticRequest(4, 2000) },
    {
      name: 'the realistic request decoded, labels frozen',
      input: () => decoded(realisticRequest(5, 2000), true),
    },
    { name: 'label text that JSON escapes', input: () => awkward },
    { name: 'label text that JSON escapes, decoded and frozen', input: () => decoded(awkward, true) },
  ])('renders $name exactly as JSON.stringify does, first and second time', ({ input }) => {
    const timeseries = input();
    for (let round = 0; round < 2; round++) {
      const { batches } = toWriteBatches(timeseries, LENIENT);
      expect(batches.length).toBeGreaterThan(0);
      for (const target of targets)
        for (const batch of batches)
          expect(renderWriteRecordsBody(target, batch)).toBe(stringified(target, batch));
    }
  });

  it('renders CommonAttributes made from fragments: hoisted dimensions, measure name and time', () => {
    // Same metric, time and escaped job on every series: all three go into CommonAttributes.
    const input = ['a', 'b "c"', 'é\u2028'].map((pod) =>
      series({ __name__: 'm"q', job: 'a\\b "x"', pod }, [[T0, 1.5]]),
    );
    const { batches } = toWriteBatches(input, LENIENT);
    expect(batches).toHaveLength(1);
    expect(batches[0].commonAttributes).toStrictEqual({
      MeasureValueType: 'DOUBLE',
      TimeUnit: 'MILLISECONDS',
      Dimensions: [{ Name: 'job', Value: 'a\\b "x"' }],
      MeasureName: 'm"q',
      Time: String(T0),
    });
    for (const target of [...targets, targets[0]])
      expect(renderWriteRecordsBody(target, batches[0])).toBe(stringified(target, batches[0]));
  });

  // A series' record heads are cached for the dimensions it kept in its last chunk; here series
  // `s` keeps a different subset in `b` than in `a` (the second `a` caches it). With more than
  // 30 dimensions the subsets are not cached: as 32-bit masks these two would look alike.
  test.each([
    { name: '3 dimensions', width: 3 },
    { name: '33 dimensions, beyond the cached masks', width: 33 },
  ])('renders a series that keeps other dimensions than in the last request ($name)', ({ width }) => {
    // Frozen, as the decoder's: only such a series is cached from one request to the next.
    const wide = (value: (d: number) => string, time: number) => {
      const labels: Record<string, string> = { __name__: 'wide' };
      for (let d = 0; d < width; d++) labels[`d${String(d).padStart(2, '0')}`] = value(d);
      const ts = series(labels, [[time, 1]]);
      Object.freeze(ts.labels);
      return ts;
    };
    const s = wide(() => 's', T0);
    const a = [s, wide((d) => (d >= width - 2 ? 's' : 't'), T0)];
    const b = [s, wide((d) => (d === 0 || d === width - 2 ? 's' : 'u'), T0)];
    for (const input of [a, a, b, a]) {
      const { batches } = toWriteBatches(input, LENIENT);
      expect(batches).toHaveLength(1);
      expect(renderWriteRecordsBody(targets[0], batches[0])).toBe(stringified(targets[0], batches[0]));
    }
  });

  it('renders the measure name of a series whose cached head is from a call hoisting it', () => {
    // Series `s` keeps only `i` in both requests; in `a` its call hoists the metric name (the
    // second `a` caches its record head without it), in `b` the call does not, so its head must.
    const frozen = (name: string, i: string) => {
      const ts = series({ __name__: name, job: 'j', i }, [[T0, 1]]);
      Object.freeze(ts.labels);
      return ts;
    };
    const s = frozen('m', '1');
    const a = [s, frozen('m', '2')];
    const b = [s, frozen('n', '2')];
    for (const input of [a, a, b]) {
      const [batch, ...more] = toWriteBatches(input, LENIENT).batches;
      expect(more).toHaveLength(0);
      expect(renderWriteRecordsBody(targets[0], batch)).toBe(stringified(targets[0], batch));
    }
    const { batches } = toWriteBatches(b, LENIENT);
    expect(JSON.parse(renderWriteRecordsBody(targets[0], batches[0])).Records).toStrictEqual([
      { Dimensions: [{ Name: 'i', Value: '1' }], MeasureName: 'm', MeasureValue: '1' },
      { Dimensions: [{ Name: 'i', Value: '2' }], MeasureName: 'n', MeasureValue: '1' },
    ]);
  });

  test.each([
    {
      name: 'a hand-built batch',
      batch: {
        commonAttributes: { MeasureValueType: 'DOUBLE', TimeUnit: 'MILLISECONDS' },
        records: [{ MeasureName: 'a', MeasureValue: '1', Time: '2', Version: 3 }],
        sampleCount: 1,
      } as WriteBatch,
    },
    {
      name: 'a copy of a mapped batch with a record added',
      batch: (() => {
        const batch = toWriteBatches(realisticRequest(6, 50), LENIENT).batches[0];
        return { ...batch, records: [...batch.records, { MeasureName: 'x', MeasureValue: '2' }] };
      })(),
    },
  ])('falls back to JSON.stringify for $name', ({ batch }) => {
    expect(renderWriteRecordsBody(targets[0], batch)).toBe(stringified(targets[0], batch));
  });

  it('builds records on first read, keeps them, and retires its parts when they are replaced', () => {
    const [first, second] = toWriteBatches(realisticRequest(7, 300), LENIENT).batches;
    expect(Object.keys(first)).toStrictEqual(['commonAttributes', 'sampleCount', 'records']);
    const body = renderWriteRecordsBody(targets[0], first);
    const records = first.records;
    expect(first.records).toBe(records);
    expect(records).toHaveLength(first.sampleCount);
    expect(renderWriteRecordsBody(targets[0], first)).toBe(body);
    expect(body).toBe(stringified(targets[0], first));

    const replaced = [{ MeasureName: 'y', MeasureValue: '-1.5', Time: '7' }];
    second.records = replaced;
    expect(second.records).toBe(replaced);
    expect(renderWriteRecordsBody(targets[0], second)).toBe(stringified(targets[0], second));
    expect(JSON.parse(renderWriteRecordsBody(targets[0], second)).Records).toStrictEqual(replaced);
  });

  it('renders records assigned in place of its parts even when they are as many', () => {
    // Same length as the parts, so only the retirement of the parts tells them apart.
    const [batch] = toWriteBatches(realisticRequest(9, 300), LENIENT).batches;
    const replaced = batch.records.map((record) => ({ ...record, MeasureValue: '42' }));
    batch.records = replaced;
    expect(renderWriteRecordsBody(targets[0], batch)).toBe(stringified(targets[0], batch));
    expect(JSON.parse(renderWriteRecordsBody(targets[0], batch)).Records).toStrictEqual(replaced);
  });

  it('falls back to JSON.stringify when the records read were changed in length', () => {
    const [batch] = toWriteBatches(realisticRequest(8, 300), LENIENT).batches;
    batch.records.pop();
    expect(renderWriteRecordsBody(targets[1], batch)).toBe(stringified(targets[1], batch));
    expect(JSON.parse(renderWriteRecordsBody(targets[1], batch)).Records).toHaveLength(batch.sampleCount - 1);
  });
});
