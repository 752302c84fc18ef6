// SPDX-License-Identifier: Apache-2.0
// The mapping validates and maps each distinct series (shared labels array) and each distinct
// label (shared Label object) once per request; that must never change what is written.
import { DEFAULT_DECODE_LIMITS } from '../../../lambda/codec/remote';
import { decodeWriteRequest, encodeWriteRequest } from '../../../lambda/prompb/codec';
import type { Label, TimeSeries } from '../../../lambda/prompb/types';
import { toWriteBatches } from '../../../lambda/timestream/records';
import { prepareSeries, TIMESTREAM_RECORD_LIMITS } from '../../../lambda/timestream/validate-series';
import { realisticWriteRequest } from '../../support/payloads';
import { realisticRequest } from '../../../scripts/bench-records';

const LENIENT = { failOnLongLabel: false, failOnInvalidSampleValue: false };

/** The same request with no array or Label object shared between series. */
function unshared(timeseries: readonly TimeSeries[]): TimeSeries[] {
  return timeseries.map(({ labels, samples }) => ({
    labels: labels.map((l) => ({ ...l })),
    samples: samples.map((s) => ({ ...s })),
  }));
}

describe('toWriteBatches on decoded requests (shared label arrays and Label objects)', () => {
  const bad: TimeSeries = {
    labels: [
      { name: '__name__', value: 'up' },
      { name: 'a:b', value: 'x' },
    ],
    samples: [{ value: 1, timestamp: 1000 }],
  };
  const requests: Array<[string, TimeSeries[]]> = [
    ['a Prometheus 2.42 request (each series once)', realisticRequest(2, 2000)],
    [
      'a request repeating every series four times, with a refused series twice',
      [
        ...realisticWriteRequest({ series: 150, samplesPerSeries: 4, startMs: 1_700_000_000_000 }).timeseries,
        bad,
        bad,
      ],
    ],
  ];

  it.each(requests)('%s: writes exactly what the unshared request writes', (_name, timeseries) => {
    const decoded = decodeWriteRequest(encodeWriteRequest({ timeseries }), DEFAULT_DECODE_LIMITS).timeseries;
    const shared = toWriteBatches(decoded, LENIENT);
    const plain = toWriteBatches(unshared(decoded), LENIENT);
    expect(JSON.parse(JSON.stringify(shared))).toEqual(JSON.parse(JSON.stringify(plain)));
  });
});

describe('prepareSeries with a dimension cache', () => {
  it('gives series that share Label objects the same Dimension objects and the same result', () => {
    const job: Label = { name: 'job', value: 'node' };
    const reserved: Label = { name: 'time', value: 'x' };
    const cache = new Map();
    const a = prepareSeries(
      [{ name: '__name__', value: 'up' }, job, reserved],
      TIMESTREAM_RECORD_LIMITS,
      cache,
    );
    const b = prepareSeries(
      [{ name: '__name__', value: 'down' }, job, reserved],
      TIMESTREAM_RECORD_LIMITS,
      cache,
    );
    expect(a).toEqual({
      measureName: 'up',
      dimensions: [
        { Name: 'job', Value: 'node' },
        { Name: '_time', Value: 'x' },
      ],
    });
    expect(b).toEqual({ measureName: 'down', dimensions: (a as { dimensions: unknown[] }).dimensions });
    expect((b as { dimensions: unknown[] }).dimensions[0]).toBe(
      (a as { dimensions: unknown[] }).dimensions[0],
    );
    expect(cache.size).toBe(2);
  });

  it('never caches a label it refuses', () => {
    const cache = new Map();
    const colon: Label = { name: 'a:b', value: 'x' };
    const first = prepareSeries([{ name: '__name__', value: 'up' }, colon], TIMESTREAM_RECORD_LIMITS, cache);
    expect(first).toMatchObject({ problem: 'invalid_series' });
    expect(cache.size).toBe(0);
  });
});
