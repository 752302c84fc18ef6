// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { DEFAULT_DECODE_LIMITS } from '../../../lambda/codec/remote';
import { ConnectorError } from '../../../lambda/core/errors';
import {
  decodeReadRequest,
  decodeReadResponse,
  decodeWriteRequest,
  encodeReadRequest,
  encodeReadResponse,
  encodeWriteRequest,
} from '../../../lambda/prompb/codec';
import type {
  Query,
  ReadRequest,
  ReadResponse,
  TimeSeries,
  WriteRequest,
} from '../../../lambda/prompb/types';
import { oracle, oracleView, withBits } from '../../fixtures/prompb-oracle';

const RUNS = 200;

function doubleFromBits(bits: bigint): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, bits);
  return view.getFloat64(0);
}

const anyDouble = fc.oneof(
  fc.double(),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(doubleFromBits), // NaN payloads included
  fc.bigInt({ min: 0x7ff0000000000001n, max: 0x7fffffffffffffffn }).map(doubleFromBits),
  fc.constantFrom(-0, 0, 5e-324, -2.2250738585072e-308, Infinity, -Infinity),
);
const int64 = fc.oneof(
  fc.maxSafeInteger(),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 32, -(2 ** 32)),
);
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('', '__name__', 'job'),
);

const labelsArb = fc.array(fc.record({ name: text, value: text }), { maxLength: 6 });
const seriesArb: fc.Arbitrary<TimeSeries> = fc.record({
  labels: labelsArb,
  samples: fc.array(fc.record({ value: anyDouble, timestamp: int64 }), { maxLength: 4 }),
});
const writeRequestArb: fc.Arbitrary<WriteRequest> = fc.record({
  timeseries: fc.array(seriesArb, { maxLength: 6 }),
});
const readResponseArb: fc.Arbitrary<ReadResponse> = fc.record({
  results: fc.array(fc.record({ timeseries: fc.array(seriesArb, { maxLength: 4 }) }), { maxLength: 3 }),
});
const queryArb: fc.Arbitrary<Query> = fc.record(
  {
    startTimestampMs: int64,
    endTimestampMs: int64,
    matchers: fc.array(
      fc.record({
        type: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>,
        name: text,
        value: text,
      }),
      { maxLength: 4 },
    ),
    hints: fc.record({
      stepMs: int64,
      func: text,
      startMs: int64,
      endMs: int64,
      grouping: fc.array(text, { maxLength: 3 }),
      by: fc.boolean(),
      rangeMs: int64,
    }),
  },
  { requiredKeys: ['startTimestampMs', 'endTimestampMs', 'matchers'] },
);
const readRequestArb: fc.Arbitrary<ReadRequest> = fc.record({
  queries: fc.array(queryArb, { maxLength: 3 }),
  acceptedResponseTypes: fc.array(fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1>, { maxLength: 3 }),
});

describe('round trips (fast-check)', () => {
  test('WriteRequest: decode(encode(x)) is x bit for bit, re-encoding is byte-equal, protobufjs agrees', () => {
    fc.assert(
      fc.property(writeRequestArb, (request) => {
        const encoded = encodeWriteRequest(request);
        const decoded = decodeWriteRequest(encoded, DEFAULT_DECODE_LIMITS);
        expect(withBits(decoded)).toEqual(withBits(request));
        expect(encodeWriteRequest(decoded)).toEqual(encoded);
        expect(oracleView(oracle.WriteRequest, encoded)).toEqual(withBits(request));
      }),
      { numRuns: RUNS },
    );
  });

  test('ReadResponse: decode(encode(x)) is x bit for bit and re-encoding is byte-equal', () => {
    fc.assert(
      fc.property(readResponseArb, (response) => {
        const encoded = encodeReadResponse(response);
        const decoded = decodeReadResponse(encoded);
        expect(withBits(decoded)).toEqual(withBits(response));
        expect(encodeReadResponse(decoded)).toEqual(encoded);
      }),
      { numRuns: RUNS },
    );
  });

  test('ReadRequest: decode(encode(x)) is x, re-encoding is byte-equal, protobufjs agrees', () => {
    fc.assert(
      fc.property(readRequestArb, (request) => {
        const encoded = encodeReadRequest(request);
        const decoded = decodeReadRequest(encoded, DEFAULT_DECODE_LIMITS);
        expect(decoded).toEqual(request);
        expect(encodeReadRequest(decoded)).toEqual(encoded);
        expect(oracleView(oracle.ReadRequest, encoded)).toEqual(withBits(request));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzzing', () => {
  const decoders: [string, (bytes: Uint8Array) => unknown][] = [
    ['WriteRequest', (b) => decodeWriteRequest(b, DEFAULT_DECODE_LIMITS)],
    ['ReadRequest', (b) => decodeReadRequest(b, DEFAULT_DECODE_LIMITS)],
    ['ReadResponse', (b) => decodeReadResponse(b)],
  ];
  const valid = fc.oneof(
    writeRequestArb.map(encodeWriteRequest),
    readRequestArb.map(encodeReadRequest),
    readResponseArb.map(encodeReadResponse),
  );
  const mutated = fc
    .tuple(
      valid,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.nat(),
    )
    .map(([bytes, edits, cut]) => {
      const copy = Uint8Array.from(bytes);
      for (const [at, value] of edits) if (copy.length > 0) copy[at % copy.length] = value;
      return cut % 3 === 0 ? copy.subarray(0, cut % (copy.length + 1)) : copy;
    });

  test.each(decoders)(
    '%s decoding of random and mutated bytes throws nothing but ConnectorError',
    (_name, decode) => {
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), (bytes) => {
          try {
            decode(bytes);
          } catch (error) {
            if (!(error instanceof ConnectorError)) throw error;
          }
        }),
        { numRuns: 1000 },
      );
    },
  );
});
