// SPDX-License-Identifier: Apache-2.0
import { DEFAULT_DECODE_LIMITS } from '../../../lambda/codec/remote';
import {
  decodeReadRequest,
  decodeReadResponse,
  decodeWriteRequest,
  encodeReadRequest,
  encodeReadResponse,
  encodeWriteRequest,
} from '../../../lambda/prompb/codec';
import { LabelSectionCache, sharedLabelSectionCache } from '../../../lambda/prompb/label-section-cache';
import { isStaleNaN, staleNaN } from '../../../lambda/prompb/stale';
import type { ReadRequest, ReadResponse, WriteRequest } from '../../../lambda/prompb/types';
import { nodeExporterWriteRequest } from '../../fixtures/prompb-payloads';
import { oracle, oracleEncode, oracleView, withBits } from '../../fixtures/prompb-oracle';
import { bitsOf, bytes, doubleBitsField, label, lenField, varintField } from '../../fixtures/protowire';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** Prometheus' ordinary NaN, value.NormalNaN = 0x7ff8000000000001. */
function normalNaN(): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, 0x7ff8000000000001n);
  return view.getFloat64(0);
}

const SPECIAL_VALUES = [
  staleNaN(),
  normalNaN(),
  NaN,
  -0,
  0,
  Infinity,
  -Infinity,
  5e-324,
  -Number.MAX_VALUE,
  1e-9,
];

const specialRequest: WriteRequest = {
  timeseries: [
    {
      labels: [
        { name: '__name__', value: 'up' },
        { name: 'instance', value: 'höst:9100 ✓' },
        { name: 'job', value: '' },
      ],
      samples: SPECIAL_VALUES.map((value, i) => ({
        value,
        timestamp: [0, -1, 1, 2 ** 53 - 1, -(2 ** 53 - 1)][i % 5],
      })),
    },
    { labels: [], samples: [] },
  ],
};

describe('golden payloads', () => {
  // Bytes as Go's Prometheus marshals them: up{job="node"} 1 @1000.
  const GOLDEN_WRITE = `0a 2b
      0a 0e 0a 08 5f5f6e616d655f5f 12 02 7570
      0a 0b 0a 03 6a6f62 12 04 6e6f6465
      12 0c 09 000000000000f03f 10 e807`;
  const goldenWrite: WriteRequest = {
    timeseries: [
      {
        labels: [
          { name: '__name__', value: 'up' },
          { name: 'job', value: 'node' },
        ],
        samples: [{ value: 1, timestamp: 1000 }],
      },
    ],
  };

  test('decodes and encodes a WriteRequest byte for byte', () => {
    expect(decodeWriteRequest(fromHex(GOLDEN_WRITE), DEFAULT_DECODE_LIMITS)).toEqual(goldenWrite);
    expect(hex(encodeWriteRequest(goldenWrite))).toBe(GOLDEN_WRITE.replace(/\s+/g, ''));
  });

  // {__name__=~"up|down"} over [1000, 2000], accepted types [SAMPLES, STREAMED_XOR_CHUNKS] packed.
  const GOLDEN_READ = `0a 1d 08 e807 10 d00f
      1a 15 08 02 12 08 5f5f6e616d655f5f 1a 07 75707c646f776e
      12 02 00 01`;
  const goldenRead: ReadRequest = {
    queries: [
      {
        startTimestampMs: 1000,
        endTimestampMs: 2000,
        matchers: [{ type: 2, name: '__name__', value: 'up|down' }],
      },
    ],
    acceptedResponseTypes: [0, 1],
  };

  test('decodes and encodes a ReadRequest byte for byte', () => {
    expect(decodeReadRequest(fromHex(GOLDEN_READ), DEFAULT_DECODE_LIMITS)).toEqual(goldenRead);
    expect(hex(encodeReadRequest(goldenRead))).toBe(GOLDEN_READ.replace(/\s+/g, ''));
  });

  test('encodes a ReadResponse with an empty result byte for byte', () => {
    const response: ReadResponse = { results: [{ timeseries: goldenWrite.timeseries }, { timeseries: [] }] };
    const expected = `0a 2d ${GOLDEN_WRITE} 0a 00`.replace(/\s+/g, '');
    expect(hex(encodeReadResponse(response))).toBe(expected);
    expect(decodeReadResponse(fromHex(expected))).toEqual(response);
  });
});

describe('agreement with protobufjs', () => {
  test.each([
    { name: 'node_exporter-like request, series repeated', request: nodeExporterWriteRequest(300, 3) },
    { name: 'special values, negative timestamps, UTF-8 and empty series', request: specialRequest },
  ])('decodes protobufjs bytes of $name to the same message, bit for bit', ({ request }) => {
    const encoded = oracleEncode(oracle.WriteRequest, request);
    expect(withBits(decodeWriteRequest(encoded, DEFAULT_DECODE_LIMITS))).toEqual(withBits(request));
  });

  test.each([
    { name: 'node_exporter-like request', request: nodeExporterWriteRequest(300, 3) },
    { name: 'special values', request: specialRequest },
  ])('encodes $name to bytes protobufjs decodes to the same message', ({ request }) => {
    expect(oracleView(oracle.WriteRequest, encodeWriteRequest(request))).toEqual(withBits(request));
  });

  const readRequest: ReadRequest = {
    queries: [
      {
        startTimestampMs: -5,
        endTimestampMs: 1_767_225_600_000,
        matchers: [
          { type: 0, name: '__name__', value: 'up' },
          { type: 3, name: 'job', value: '' },
        ],
        hints: {
          stepMs: 15000,
          func: 'rate',
          startMs: 1,
          endMs: 2,
          grouping: ['job', ''],
          by: true,
          rangeMs: 300000,
        },
      },
      { startTimestampMs: 0, endTimestampMs: 0, matchers: [] },
    ],
    acceptedResponseTypes: [1, 0],
  };

  test('decodes a protobufjs-encoded ReadRequest with hints and encodes what protobufjs decodes', () => {
    expect(decodeReadRequest(oracleEncode(oracle.ReadRequest, readRequest), DEFAULT_DECODE_LIMITS)).toEqual(
      readRequest,
    );
    expect(oracleView(oracle.ReadRequest, encodeReadRequest(readRequest))).toEqual(withBits(readRequest));
  });

  test('reads a ReadResponse protobufjs wrote and writes one protobufjs reads', () => {
    const response: ReadResponse = {
      results: [{ timeseries: specialRequest.timeseries }, { timeseries: [] }],
    };
    expect(withBits(decodeReadResponse(oracleEncode(oracle.ReadResponse, response)))).toEqual(
      withBits(response),
    );
    expect(oracleView(oracle.ReadResponse, encodeReadResponse(response))).toEqual(withBits(response));
  });

  test('skips exemplars, histograms and metadata protobufjs encodes, counting exemplars and histograms', () => {
    const full = {
      timeseries: [
        {
          labels: [{ name: '__name__', value: 'http_requests_total' }],
          samples: [{ value: 3, timestamp: 7 }],
          exemplars: [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 1, timestamp: 6 }],
          histograms: [
            {
              countInt: 5,
              sum: 2.5,
              schema: -2,
              zeroThreshold: 1e-128,
              zeroCountInt: 1,
              positiveSpans: [{ offset: -1, length: 2 }],
              positiveDeltas: [1, -1],
              negativeCounts: [1.5],
              resetHint: 2,
              timestamp: 8,
            },
          ],
        },
      ],
      metadata: [{ type: 1, metricFamilyName: 'http_requests_total', help: 'Requests.', unit: 'requests' }],
    };
    expect(decodeWriteRequest(oracleEncode(oracle.WriteRequest, full), DEFAULT_DECODE_LIMITS)).toEqual({
      timeseries: [
        {
          labels: [{ name: '__name__', value: 'http_requests_total' }],
          samples: [{ value: 3, timestamp: 7 }],
        },
      ],
      nativeHistograms: 1,
      exemplars: 1,
    });
  });

  test('counts the native histograms and exemplars of every series, also of series without float samples', () => {
    const histogram = (timestamp: number) => ({ countInt: 1, sum: 1, schema: 3, zeroCountInt: 1, timestamp });
    const exemplar = (value: number) => ({
      labels: [{ name: 'trace_id', value: 'abc' }],
      value,
      timestamp: 1,
    });
    const request = {
      timeseries: [
        { labels: [{ name: '__name__', value: 'a' }], histograms: [histogram(1), histogram(2)] },
        {
          labels: [{ name: '__name__', value: 'b' }],
          samples: [{ value: 1, timestamp: 1 }],
          exemplars: [exemplar(1), exemplar(2)],
        },
        {
          labels: [{ name: '__name__', value: 'c' }],
          histograms: [histogram(3), histogram(4)],
          exemplars: [exemplar(3)],
        },
      ],
    };
    expect(decodeWriteRequest(oracleEncode(oracle.WriteRequest, request), DEFAULT_DECODE_LIMITS)).toEqual({
      timeseries: [
        { labels: [{ name: '__name__', value: 'a' }], samples: [] },
        { labels: [{ name: '__name__', value: 'b' }], samples: [{ value: 1, timestamp: 1 }] },
        { labels: [{ name: '__name__', value: 'c' }], samples: [] },
      ],
      nativeHistograms: 4,
      exemplars: 3,
    });
  });

  test('leaves nativeHistograms and exemplars out of a request without any', () => {
    const decoded = decodeWriteRequest(
      oracleEncode(oracle.WriteRequest, { timeseries: [{ labels: [{ name: '__name__', value: 'b' }] }] }),
      DEFAULT_DECODE_LIMITS,
    );
    expect(Object.keys(decoded)).toStrictEqual(['timeseries']);
  });
});

describe('decodeWriteRequest', () => {
  test('keeps the staleness marker bits 0x7ff0000000000002', () => {
    const encoded = bytes(
      lenField(1, lenField(1, label('__name__', 'up')), lenField(2, doubleBitsField(1, 0x7ff0000000000002n))),
    );
    const value = decodeWriteRequest(encoded, DEFAULT_DECODE_LIMITS).timeseries[0].samples[0].value;
    expect(isStaleNaN(value)).toBe(true);
    expect(bitsOf(value)).toBe(0x7ff0000000000002n);
  });

  test('keeps NaN payloads through optimised code on a large request', () => {
    const request = nodeExporterWriteRequest(20_000, 2);
    const withMarkers: WriteRequest = {
      timeseries: request.timeseries.map((series, i) => ({
        labels: series.labels,
        samples: [{ value: i % 2 === 0 ? staleNaN() : normalNaN(), timestamp: i }],
      })),
    };
    const encoded = encodeWriteRequest(withMarkers);
    for (let round = 0; round < 5; round++) {
      const decoded = decodeWriteRequest(encoded, DEFAULT_DECODE_LIMITS);
      const stale = decoded.timeseries.filter((series) => isStaleNaN(series.samples[0].value)).length;
      const normal = decoded.timeseries.filter(
        (series) => bitsOf(series.samples[0].value) === 0x7ff8000000000001n,
      ).length;
      expect([stale, normal]).toEqual([10_000, 10_000]);
    }
  });

  test('gives repeated series the same labels array and shares Label objects between series', () => {
    const request = nodeExporterWriteRequest(6, 2); // 3 distinct series, each twice
    // A fresh section cache: Label objects are shared between series first decoded together.
    const { timeseries } = decodeWriteRequest(
      encodeWriteRequest(request),
      DEFAULT_DECODE_LIMITS,
      new LabelSectionCache(),
    );
    expect(timeseries[0].labels).toBe(timeseries[3].labels);
    expect(timeseries[1].labels).toBe(timeseries[4].labels);
    expect(timeseries[0].labels).not.toBe(timeseries[1].labels);
    const job = (i: number) => timeseries[i].labels.find((l) => l.name === 'job');
    expect(job(0)).toBe(job(1));
    expect(timeseries.map((s) => s.labels)).toEqual(request.timeseries.map((s) => s.labels));
  });

  test('does not merge series whose labels differ only in one byte', () => {
    const a = lenField(1, lenField(1, label('a', 'x')), lenField(1, label('b', 'y')));
    const b = lenField(1, lenField(1, label('a', 'x')), lenField(1, label('b', 'z')));
    const { timeseries } = decodeWriteRequest(bytes(a, b, a), DEFAULT_DECODE_LIMITS);
    expect(timeseries.map((s) => s.labels.map((l) => l.value).join())).toEqual(['x,y', 'x,z', 'x,y']);
    expect(timeseries[0].labels).toBe(timeseries[2].labels);
  });

  test('joins label fields split around samples without touching the shared array', () => {
    const split = lenField(
      1,
      lenField(1, label('a', '1')),
      lenField(2, varintField(2, 5)),
      lenField(1, label('b', '2')),
    );
    const plain = lenField(1, lenField(1, label('a', '1')));
    const { timeseries } = decodeWriteRequest(bytes(plain, split, plain), DEFAULT_DECODE_LIMITS);
    expect(timeseries[1]).toEqual({
      labels: [
        { name: 'a', value: '1' },
        { name: 'b', value: '2' },
      ],
      samples: [{ value: 0, timestamp: 5 }],
    });
    expect(timeseries[2].labels).toEqual([{ name: 'a', value: '1' }]);
  });

  // Each section used to be joined by a concat of all before it: 512 one-label sections copied
  // 131 000 labels per series, so a 3 MB body of such series held the event loop for 30 s.
  test('joins 512 label sections split around other fields with one copy, not one per section', () => {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 512; i++) parts.push(lenField(1, label(`l${i}`, `${i}`)), varintField(5, 0));
    const concat = jest.spyOn(Array.prototype, 'concat');
    try {
      const { timeseries } = decodeWriteRequest(lenField(1, ...parts), {
        ...DEFAULT_DECODE_LIMITS,
        maxLabelsPerSeries: 512,
      });
      expect(concat).toHaveBeenCalledTimes(1);
      expect(timeseries[0].labels).toEqual(
        Array.from({ length: 512 }, (_, i) => ({ name: `l${i}`, value: `${i}` })),
      );
    } finally {
      concat.mockRestore();
    }
  });

  test.each([
    {
      case: 'a byte that is no UTF-8 in the name',
      name: [0x61, 0xff, 0x62],
      value: [0x78],
      decoded: ['a\ufffdb', 'x'],
      malformed: true,
    },
    {
      case: 'a truncated sequence in the value',
      name: [0x61],
      value: [0x78, 0xe2, 0x82],
      decoded: ['a', 'x\ufffd'],
      malformed: true,
    },
    {
      case: 'an encoded surrogate in the value',
      name: [0x61],
      value: [0xed, 0xa0, 0x80],
      decoded: ['a', '\ufffd\ufffd\ufffd'],
      malformed: true,
    },
    {
      case: 'a well-formed U+FFFD',
      name: [0x61],
      value: [0xef, 0xbf, 0xbd],
      decoded: ['a', '\ufffd'],
      malformed: false,
    },
    {
      // The length prefix 0x80 0x01 is no UTF-8: only the value's own bytes may be checked.
      case: 'a well-formed U+FFFD after a 128-byte name',
      name: Array(128).fill(0x61),
      value: [0xef, 0xbf, 0xbd],
      decoded: ['a'.repeat(128), '\ufffd'],
      malformed: false,
    },
    {
      case: 'a byte-order mark, kept',
      name: [0x61],
      value: [0xef, 0xbb, 0xbf, 0x78],
      decoded: ['a', '\ufeffx'],
      malformed: false,
    },
  ])(
    'decodes $case (bytes that are not UTF-8 become U+FFFD; malformedUtf8: $malformed)',
    ({ name, value, decoded, malformed }) => {
      const raw = bytes(lenField(1, lenField(1, lenField(1, name), lenField(2, value))));
      const expected = { name: decoded[0], value: decoded[1], ...(malformed ? { malformedUtf8: true } : {}) };
      for (const sections of [sharedLabelSectionCache, null]) {
        const [label] = decodeWriteRequest(raw, DEFAULT_DECODE_LIMITS, sections).timeseries[0].labels;
        expect({ ...label }).toStrictEqual(expected);
      }
    },
  );

  test.each([
    { case: 'name', name: [[0xff], [0x61]], value: [[0x78]] },
    { case: 'value', name: [[0x61]], value: [[0xff], [0x78]] },
  ])('flags a label by the $case it keeps, not by a malformed one a later field replaced', (fields) => {
    const name = fields.name.map((b) => lenField(1, b));
    const value = fields.value.map((b) => lenField(2, b));
    const raw = bytes(lenField(1, lenField(1, ...name, ...value)));
    for (const sections of [sharedLabelSectionCache, null]) {
      const [label] = decodeWriteRequest(raw, DEFAULT_DECODE_LIMITS, sections).timeseries[0].labels;
      expect({ ...label }).toStrictEqual({ name: 'a', value: 'x' });
    }
  });

  test('decodes the same short strings correctly across requests (intern table)', () => {
    const first = decodeWriteRequest(
      bytes(lenField(1, lenField(1, label('job', 'node')))),
      DEFAULT_DECODE_LIMITS,
    );
    const second = decodeWriteRequest(
      bytes(lenField(1, lenField(1, label('job', 'nodf')))),
      DEFAULT_DECODE_LIMITS,
    );
    expect([first.timeseries[0].labels[0].value, second.timeseries[0].labels[0].value]).toEqual([
      'node',
      'nodf',
    ]);
  });
});

describe('encoders', () => {
  test.each([
    { name: 'fractional', timestamp: 1.5, message: 'cannot encode 1.5 as int64: not a safe integer' },
    {
      name: '2^53',
      timestamp: 2 ** 53,
      message: 'cannot encode 9007199254740992 as int64: not a safe integer',
    },
  ])('refuse a $name timestamp with RangeError', ({ timestamp, message }) => {
    const request: WriteRequest = { timeseries: [{ labels: [], samples: [{ value: 1, timestamp }] }] };
    expect(() => encodeWriteRequest(request)).toThrow(new RangeError(message));
  });

  test('writes -0 but omits +0, so both survive a round trip', () => {
    const request: WriteRequest = {
      timeseries: [
        {
          labels: [],
          samples: [
            { value: -0, timestamp: 1 },
            { value: 0, timestamp: 1 },
          ],
        },
      ],
    };
    expect(hex(encodeWriteRequest(request))).toBe(
      '0a11120b0900000000000000801001120210 01'.replace(/\s+/g, ''),
    );
    expect(withBits(decodeWriteRequest(encodeWriteRequest(request), DEFAULT_DECODE_LIMITS))).toEqual(
      withBits(request),
    );
  });
});

describe('decodeReadRequest and decodeReadResponse edge cases', () => {
  const query = (...parts: Uint8Array[]) => lenField(1, ...parts);

  test('accepts a message of exactly maxDecodedBytes', () => {
    const body = bytes(query(varintField(1, 5)));
    const limits = { ...DEFAULT_DECODE_LIMITS, maxDecodedBytes: body.length };
    expect(decodeReadRequest(body, limits).queries).toEqual([
      { startTimestampMs: 5, endTimestampMs: 0, matchers: [] },
    ]);
  });

  test('reads hints only up to their own length: a matcher after them is a matcher', () => {
    const body = bytes(
      query(lenField(4, varintField(1, 7)), lenField(3, varintField(1, 1), lenField(2, [0x6a]))),
    );
    expect(decodeReadRequest(body, DEFAULT_DECODE_LIMITS).queries[0]).toEqual({
      startTimestampMs: 0,
      endTimestampMs: 0,
      matchers: [{ type: 1, name: 'j', value: '' }],
      hints: { stepMs: 7, func: '', startMs: 0, endMs: 0, grouping: [], by: false, rangeMs: 0 },
    });
  });

  test('reads any nonzero hints.by as true, as proto3 bool', () => {
    const body = bytes(query(lenField(4, varintField(6, 2))));
    expect(decodeReadRequest(body, DEFAULT_DECODE_LIMITS).queries[0]?.hints?.by).toBe(true);
  });

  test('merges hints sent twice, as protobuf merges a message field (and protobufjs does)', () => {
    // step_ms 1 and grouping "a", then func "x" and grouping "b".
    const body = bytes(
      query(
        lenField(4, varintField(1, 1), lenField(5, [0x61])),
        lenField(4, lenField(2, [0x78]), lenField(5, [0x62])),
      ),
    );
    const hints = { stepMs: 1, func: 'x', startMs: 0, endMs: 0, grouping: ['a', 'b'], by: false, rangeMs: 0 };
    expect(decodeReadRequest(body, DEFAULT_DECODE_LIMITS).queries[0]?.hints).toEqual(hints);
    expect(oracleView(oracle.ReadRequest, body)).toMatchObject({ queries: [{ hints }] });
  });

  test('refuses a packed accepted_response_types whose varint runs past its length', () => {
    // Packed length 1 holding 0x80 (a varint cut off), then a byte 0x01 the varint must not take.
    const body = bytes([0x12, 0x01, 0x80, 0x01]);
    expect(() => decodeReadRequest(body, DEFAULT_DECODE_LIMITS)).toThrow(
      'cannot decode accepted_response_types: truncated varint',
    );
  });

  test('encodes response types of several bytes with their varint lengths', () => {
    const request: ReadRequest = { queries: [], acceptedResponseTypes: [0, 1, 300] as never[] };
    expect(hex(encodeReadRequest(request))).toBe('120400 01 ac02'.replace(/\s+/g, ''));
    expect(
      decodeReadRequest(encodeReadRequest(request), DEFAULT_DECODE_LIMITS).acceptedResponseTypes,
    ).toEqual([0, 1, 300]);
  });

  test('a ReadResponse skips unknown fields beside its results', () => {
    const body = bytes(varintField(2, 1), lenField(1, varintField(3, 1)), lenField(1));
    expect(decodeReadResponse(body)).toEqual({ results: [{ timeseries: [] }, { timeseries: [] }] });
  });
});
