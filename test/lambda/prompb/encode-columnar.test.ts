// SPDX-License-Identifier: Apache-2.0
// encodeReadResponse is a thin wrapper over encodeColumnarReadResponse, so the encoder is checked
// against fixed bytes and against protobufjs (test/fixtures/prompb-oracle.ts), not against itself.
import fc from 'fast-check';
import { decodeReadResponse, encodeReadResponse } from '../../../lambda/prompb/codec';
import { encodeColumnarReadResponse, type ColumnarSeries } from '../../../lambda/prompb/encode';
import type { ReadResponse } from '../../../lambda/prompb/types';
import { oracle, oracleView, withBits } from '../../fixtures/prompb-oracle';

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
  test('writes the ReadResponse bytes Go writes: default value and zero timestamp omitted, -0 kept', () => {
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
      '0a740a4a0a0e0a085f5f6e616d655f5f120275700a0b0a036a6f6212046e6f6465121009000000000000f03f1080d095' +
        'ffbc3112071098c596ffbc31121009000000000000008010b0ba97ffbc310a260a0e0a085f5f6e616d655f5f1202c3bc' +
        '121409000000000000f87f10fbffffffffffffffff010a000a0d0a0b1209090000000000000440',
    );
    expect(decodeReadResponse(encoded)).toEqual(asResponse(results));
    expect(Buffer.from(encodeReadResponse(asResponse(results)))).toEqual(Buffer.from(encoded));
  });

  test('writes what protobufjs and our decoder read back as the same samples, bit for bit', () => {
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
        const encoded = encodeColumnarReadResponse(results);
        expect(oracleView(oracle.ReadResponse, encoded)).toEqual(withBits(asResponse(results)));
        expect(withBits(decodeReadResponse(encoded))).toEqual(withBits(asResponse(results)));
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
