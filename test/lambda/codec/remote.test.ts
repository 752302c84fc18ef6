// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import {
  DEFAULT_DECODE_LIMITS,
  readReadBody,
  readWriteBody,
  writeColumnarReadBody,
  writeReadBody,
} from '../../../lambda/codec/remote';
import { snappyCompress, snappyUncompress } from '../../../lambda/codec/snappy';
import { ConnectorError } from '../../../lambda/core/errors';
import { decodeReadResponse, encodeReadRequest, encodeWriteRequest } from '../../../lambda/prompb/codec';
import type { ReadRequest, ReadResponse, WriteRequest } from '../../../lambda/prompb/types';
import { bytes, varint } from '../../fixtures/protowire';
import { caught } from '../../support/errors';

type Headers = Record<string, string>;

const request: WriteRequest = {
  timeseries: [{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1000 }] }],
};
const body = snappyCompress(encodeWriteRequest(request));
const PROMETHEUS_HEADERS = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'user-agent': 'Prometheus/2.42.0',
  'x-prometheus-remote-write-version': '0.1.0',
};
const SMALL_DECODED_LIMIT = { ...DEFAULT_DECODE_LIMITS, maxDecodedBytes: 8 };
const V2_MESSAGE =
  'remote-write 2.0 is not supported yet; configure protobuf_message: prometheus.WriteRequest';

describe('readWriteBody', () => {
  test.each([
    { name: 'Prometheus 2.42 headers', headers: PROMETHEUS_HEADERS },
    { name: 'no Content-Type', headers: { 'content-encoding': 'snappy' } },
    { name: 'a blank Content-Type', headers: { 'content-encoding': 'snappy', 'content-type': ' ' } },
    {
      name: 'explicit 1.0 message',
      headers: {
        'content-encoding': 'snappy',
        'content-type': 'application/x-protobuf;proto=prometheus.WriteRequest',
      },
    },
    {
      name: '1.0 message with spacing, case and quotes',
      headers: {
        'content-encoding': ' Snappy ',
        'content-type': 'Application/X-Protobuf ; Proto="prometheus.WriteRequest"',
      },
    },
    // Read as snappy anyway, as Prometheus' own receiver and the reference connector read it.
    { name: 'no Content-Encoding', headers: { 'content-type': 'application/x-protobuf' } },
    { name: 'no headers at all', headers: {} },
    { name: 'identity encoding', headers: { 'content-encoding': 'identity' } },
  ])('decodes a remote-write 1.0 body with $name', ({ headers }) => {
    expect(readWriteBody(body, headers as Headers, DEFAULT_DECODE_LIMITS)).toEqual(request);
  });

  test.each([
    {
      name: '2.0 message',
      type: 'application/x-protobuf;proto=io.prometheus.write.v2.Request',
      message: V2_MESSAGE,
    },
    {
      name: '2.0 message, spaced and upper-case',
      type: 'application/x-protobuf ; PROTO = IO.Prometheus.Write.V2.Request',
      message: V2_MESSAGE,
    },
    {
      name: 'unknown message',
      type: 'application/x-protobuf;proto=foo.Bar',
      message: 'unsupported protobuf message "foo.bar"; expected prometheus.WriteRequest',
    },
    {
      name: 'JSON',
      type: 'application/json',
      message: 'unsupported Content-Type "application/json"; remote write needs application/x-protobuf',
    },
  ])('answers 415 to a $name content type, before decoding', ({ type, message }) => {
    const error = caught(() =>
      readWriteBody(
        Uint8Array.of(0xff),
        { 'content-encoding': 'snappy', 'content-type': type },
        DEFAULT_DECODE_LIMITS,
      ),
    );
    expect([error.status, error.message]).toEqual([415, message]);
  });

  test.each(['gzip', 'deflate', 'snappy, gzip'])('answers 415 to Content-Encoding %s', (encoding) => {
    const error = caught(() =>
      readWriteBody(Uint8Array.of(0xff), { 'content-encoding': encoding }, DEFAULT_DECODE_LIMITS),
    );
    expect([error.status, error.message]).toEqual([
      415,
      `unsupported Content-Encoding "${encoding}"; remote storage bodies are snappy`,
    ]);
  });

  test.each([
    {
      name: 'an empty body',
      body: new Uint8Array(0),
      headers: PROMETHEUS_HEADERS,
      message: 'empty body; expected a snappy-compressed WriteRequest',
    },
    {
      name: 'an empty unencoded body',
      body: new Uint8Array(0),
      headers: {},
      message: 'empty body; expected a snappy-compressed WriteRequest',
    },
    {
      name: 'an uncompressed WriteRequest without Content-Encoding',
      body: encodeWriteRequest(request),
      headers: {},
      message:
        'cannot decode snappy block: copy offset 3594 is outside the 0 bytes decoded so far (at byte 4); no Content-Encoding: snappy was sent, and remote-write bodies are snappy-compressed',
    },
    {
      name: 'an uncompressed WriteRequest with identity encoding',
      body: encodeWriteRequest(request),
      headers: { 'content-encoding': 'identity' },
      message:
        'cannot decode snappy block: copy offset 3594 is outside the 0 bytes decoded so far (at byte 4); no Content-Encoding: snappy was sent, and remote-write bodies are snappy-compressed',
    },
    {
      name: 'a truncated body',
      body: body.subarray(0, body.length - 3),
      headers: PROMETHEUS_HEADERS,
      message: `cannot decode snappy block: literal of ${body.length - 2} bytes runs past the end (at byte 2)`,
    },
    {
      name: 'garbage',
      body: Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
      headers: PROMETHEUS_HEADERS,
      message: 'cannot decode snappy block: length header is not a uint32 varint',
    },
    {
      name: 'valid snappy around invalid protobuf',
      body: snappyCompress(Uint8Array.of(0x0a, 0x05, 0x0a)),
      headers: PROMETHEUS_HEADERS,
      message: 'cannot decode WriteRequest: cannot decode timeseries 0: length 5 exceeds remaining 1 bytes',
    },
  ])('answers 400 to $name', ({ body: b, headers, message }) => {
    const error = caught(() => readWriteBody(b, headers as Headers, DEFAULT_DECODE_LIMITS));
    expect([error.status, error.message]).toEqual([400, message]);
  });

  test('answers 413 to a snappy bomb naming the limit', () => {
    const bomb = bytes(varint(256 * 1024 * 1024), 0x00, 0x61);
    const error = caught(() => readWriteBody(bomb, PROMETHEUS_HEADERS, DEFAULT_DECODE_LIMITS));
    expect([error.status, error.message]).toEqual([
      413,
      'decoded body of 268435456 bytes (snappy header) exceeds the limit of 67108864 bytes (--max-decoded-bytes, max_decoded_bytes)',
    ]);
  });

  test('throws nothing but ConnectorError for mutated snappy bodies', () => {
    const valid = snappyCompress(
      encodeWriteRequest({ timeseries: [...request.timeseries, ...request.timeseries] }),
    );
    const mutated = fc
      .array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 3,
      })
      .map((edits) => {
        const copy = Uint8Array.from(valid);
        for (const [at, value] of edits) copy[at] = value;
        return copy;
      });
    fc.assert(
      fc.property(mutated, (b) => {
        try {
          readWriteBody(b, PROMETHEUS_HEADERS, DEFAULT_DECODE_LIMITS);
        } catch (error) {
          if (!(error instanceof ConnectorError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });

  test('answers 413 for a decode limit with the path to the failing series', () => {
    const error = caught(() =>
      readWriteBody(body, PROMETHEUS_HEADERS, { ...DEFAULT_DECODE_LIMITS, maxSamples: 0 }),
    );
    expect([error.status, error.message]).toEqual([
      413,
      'cannot decode WriteRequest: cannot decode timeseries 0: more than 0 samples exceeds the limit of 0 (--max-samples-per-request, max_samples_per_request)',
    ]);
  });
});

test.each([
  { name: 'readWriteBody', read: () => readWriteBody(body, PROMETHEUS_HEADERS, SMALL_DECODED_LIMIT) },
  { name: 'readReadBody', read: () => readReadBody(body, {}, SMALL_DECODED_LIMIT) },
])('$name answers 413 to a body whose snappy header exceeds the configured max_decoded_bytes', ({ read }) => {
  const error = caught(read);
  expect([error.status, error.message]).toEqual([
    413,
    `decoded body of ${snappyUncompress(body, 1024).length} bytes (snappy header) exceeds the limit of 8 bytes (--max-decoded-bytes, max_decoded_bytes)`,
  ]);
});

describe('readReadBody / writeReadBody', () => {
  const readRequest: ReadRequest = {
    queries: [
      { startTimestampMs: 1, endTimestampMs: 2, matchers: [{ type: 0, name: '__name__', value: 'up' }] },
    ],
    acceptedResponseTypes: [],
  };
  const readBody = snappyCompress(encodeReadRequest(readRequest));

  test.each([
    {
      name: 'Prometheus read headers',
      headers: {
        'content-encoding': 'snappy',
        'content-type': 'application/x-protobuf',
        'x-prometheus-remote-read-version': '0.1.0',
      },
    },
    { name: 'no headers (Prometheus decodes snappy regardless)', headers: {} },
    // README: a missing or identity Content-Encoding is read as snappy too; only others get 415.
    { name: 'identity encoding (read as snappy, as with none)', headers: { 'content-encoding': 'identity' } },
  ])('decodes a ReadRequest with $name', ({ headers }) => {
    expect(readReadBody(readBody, headers as Headers, DEFAULT_DECODE_LIMITS)).toEqual(readRequest);
  });

  test.each([
    {
      name: 'gzip encoding',
      body: readBody,
      headers: { 'content-encoding': 'gzip' },
      status: 415,
      message: 'unsupported Content-Encoding "gzip"; remote storage bodies are snappy',
    },
    {
      name: 'empty body',
      body: new Uint8Array(0),
      headers: {},
      status: 400,
      message: 'empty body; expected a snappy-compressed ReadRequest',
    },
    {
      name: 'corrupt protobuf',
      body: snappyCompress(Uint8Array.of(0x0b)),
      headers: {},
      status: 400,
      message:
        'cannot decode ReadRequest: field 1 (queries) has wire type 3 (start-group), expected 2 (length-delimited)',
    },
    {
      name: 'too many queries',
      body: readBody,
      headers: {},
      status: 413,
      message: 'cannot decode ReadRequest: more than 0 queries exceeds the limit of 0 (a fixed limit)',
      limits: { ...DEFAULT_DECODE_LIMITS, maxQueries: 0 },
    },
  ])('refuses $name', ({ body: b, headers, status, message, limits }) => {
    const error = caught(() => readReadBody(b, headers as Headers, limits ?? DEFAULT_DECODE_LIMITS));
    expect([error.status, error.message]).toEqual([status, message]);
  });

  test('writes a snappy-compressed ReadResponse', () => {
    const response: ReadResponse = { results: [{ timeseries: request.timeseries }] };
    expect(decodeReadResponse(snappyUncompress(writeReadBody(response), 1024))).toEqual(response);
  });

  test('writes the same body from samples as columns', () => {
    const columns = request.timeseries.map(({ labels, samples }) => ({
      labels,
      timestamps: Float64Array.from(samples, (sample) => sample.timestamp),
      values: Float64Array.from(samples, (sample) => sample.value),
    }));
    expect(Buffer.from(writeColumnarReadBody([columns, []]))).toEqual(
      Buffer.from(writeReadBody({ results: [{ timeseries: request.timeseries }, { timeseries: [] }] })),
    );
  });
});

test('DEFAULT_DECODE_LIMITS holds the documented values', () => {
  expect(DEFAULT_DECODE_LIMITS).toEqual({
    maxDecodedBytes: 67_108_864,
    maxSeries: 1_000_000,
    maxLabelsPerSeries: 1000,
    maxSamples: 1_000_000,
    maxLabelBytes: 65_536,
    maxMatcherValueBytes: 262_144,
    maxQueries: 1000,
    maxMatchersPerQuery: 1000,
    maxMatcherBytes: 1_048_576,
  });
});
