// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { decodeReadResponse, encodeReadResponse } from '../../../lambda/prompb/codec';
import { encodeColumnarReadResponse, type ColumnarSeries } from '../../../lambda/prompb/encode';
import type { ReadResponse } from '../../../lambda/prompb/types';

/** The ReadResponse whose series hold exactly the samples of `results`' columns. */
function asResponse(results: ColumnarSeries[][]): ReadResponse {
  return {
    results: results.map((list) => ({
      timeseries: list.map(({ labels, timestamps, values }) => ({
        labels: [...labels],
        samples: Array.from(timestamps, (timestamp, i) => ({ timestamp, value: values[i]! })),
      })),
    })),
  };
}

const series = (labels: [string, string][], samples: [number, number][]): ColumnarSeries => ({
  labels: labels.map(([name, value]) => ({ name, value })),
  timestamps: Float64Array.from(samples, ([t]) => t),
  values: Float64Array.from(samples, ([, v]) => v),
});

describe('encodeColumnarReadResponse', () => {
  test('writes the bytes encodeReadResponse writes for the same samples', () => {
    const results = [
      [
        series(
          [
            ['__name__', 'up'],
            ['job', 'node'],
          ],
          [
            [1_700_000_000_000, 1],
            [1_700_000_015_000, 0],
            [1_700_000_030_000, -0],
          ],
        ),
        series([['__name__', 'ü']], [[-5, NaN]]),
      ],
      [],
      [series([], [[0, 2.5]])],
    ];
    const encoded = encodeColumnarReadResponse(results);
    expect(Buffer.from(encoded).toString('hex')).toBe(
      Buffer.from(encodeReadResponse(asResponse(results))).toString('hex'),
    );
    expect(decodeReadResponse(encoded)).toEqual(asResponse(results));
  });

  test('agrees with encodeReadResponse on any series', () => {
    const text = fc.string({ maxLength: 8 });
    const sample = fc.tuple(
      fc.oneof(fc.maxSafeInteger(), fc.integer({ min: -3, max: 3 })),
      fc.oneof(fc.double(), fc.constantFrom(0, -0)),
    );
    const seriesArb = fc
      .tuple(fc.array(fc.tuple(text, text), { maxLength: 4 }), fc.array(sample, { maxLength: 6 }))
      .map(([labels, samples]) => series(labels, samples));
    fc.assert(
      fc.property(fc.array(fc.array(seriesArb, { maxLength: 4 }), { maxLength: 3 }), (results) => {
        expect(Buffer.from(encodeColumnarReadResponse(results))).toEqual(
          Buffer.from(encodeReadResponse(asResponse(results))),
        );
      }),
      { numRuns: 300 },
    );
  });

  test('rejects a timestamp that is no safe integer, as encodeReadResponse does', () => {
    for (const bad of [2 ** 53, 1.5, NaN, Infinity]) {
      const results = [[series([], [[bad, 1]])]];
      expect(() => encodeColumnarReadResponse(results)).toThrow(
        new RangeError(`cannot encode ${bad} as int64: not a safe integer`),
      );
      expect(() => encodeReadResponse(asResponse(results))).toThrow(RangeError);
    }
  });
});
