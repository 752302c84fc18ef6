// SPDX-License-Identifier: Apache-2.0
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../../../lambda/codec/remote';
import { decodeReadRequest, decodeWriteRequest } from '../../../lambda/prompb/codec';
import {
  bytes,
  doubleField,
  fixed32Field,
  label,
  lenField,
  sample,
  strField,
  tag,
  varint,
  varintField,
} from '../../fixtures/protowire';
import { caught } from '../../support/errors';

const series = (...parts: Uint8Array[]) => lenField(1, ...parts);
const labelField = (name: string, value: string) => lenField(1, label(name, value));
const sampleField = (value: number, timestamp: number | bigint) => lenField(2, sample(value, timestamp));
const up = labelField('__name__', 'up');

describe('decodeWriteRequest wire-format errors', () => {
  test.each([
    { name: 'truncated tag varint', body: bytes(0x8a), message: 'truncated varint' },
    { name: 'field number 0', body: bytes(0x02, 0x00), message: 'invalid field number 0' },
    { name: 'group never closed', body: bytes(tag(5, 3)), message: 'group of field 5 is not closed' },
    {
      name: 'end-group outside a group',
      body: bytes(tag(1, 4)),
      message: 'field 1 ends a group that was never started',
    },
    {
      name: 'group closed by another field',
      body: bytes(tag(5, 3), tag(6, 4)),
      message: 'group of field 5 is closed by an end-group of field 6',
    },
    {
      name: 'nested group never closed',
      body: bytes(tag(5, 3), tag(6, 3), tag(6, 4)),
      message: 'group of field 5 is not closed',
    },
    {
      // The end-group that follows in the buffer belongs to the next message, not to the sample.
      name: 'group in a sample closed after the sample',
      body: series(up, lenField(2, tag(9, 3)), tag(9, 4)),
      message: 'cannot decode timeseries 0: cannot decode sample 0: group of field 9 is not closed',
    },
    {
      name: 'groups nested 101 deep',
      body: bytes(
        ...Array.from({ length: 101 }, () => tag(5, 3)),
        ...Array.from({ length: 101 }, () => tag(5, 4)),
      ),
      message: 'groups nested more than 100 deep',
    },
    {
      name: 'a field of ours as a group',
      body: bytes(tag(1, 3), tag(1, 4)),
      message: 'field 1 (timeseries) has wire type 3 (start-group), expected 2 (length-delimited)',
    },
    {
      name: 'wire type 7 inside a group',
      body: bytes(tag(5, 3), tag(6, 7)),
      message: 'field 6 has invalid wire type 7',
    },
    { name: 'wire type 6', body: bytes(tag(9, 6)), message: 'field 9 has invalid wire type 6' },
    { name: 'wire type 7', body: bytes(tag(9, 7)), message: 'field 9 has invalid wire type 7' },
    {
      name: 'timeseries as varint',
      body: varintField(1, 3),
      message: 'field 1 (timeseries) has wire type 0 (varint), expected 2 (length-delimited)',
    },
    {
      name: 'metadata as 32-bit',
      body: fixed32Field(3),
      message: 'field 3 (metadata) has wire type 5 (32-bit), expected 2 (length-delimited)',
    },
    {
      name: 'timeseries length past the end',
      body: bytes(tag(1, 2), varint(50), up),
      message: 'cannot decode timeseries 0: length 50 exceeds remaining 16 bytes',
    },
    {
      name: 'length varint with 11 bytes',
      body: bytes(tag(1, 2), Array(10).fill(0x80), 0x00),
      message: 'cannot decode timeseries 0: varint longer than 10 bytes',
    },
    {
      name: 'label length past the end, path-style',
      body: bytes(
        series(up),
        series(up),
        series(up),
        series(up, up, bytes(tag(1, 2), varint(4000), Array(12).fill(0x61))),
      ),
      message: 'cannot decode timeseries 3: cannot decode label 2: length 4000 exceeds remaining 12 bytes',
    },
    {
      name: 'samples as 64-bit',
      body: series(up, doubleField(2, 1)),
      message:
        'cannot decode timeseries 0: field 2 (samples) has wire type 1 (64-bit), expected 2 (length-delimited)',
    },
    {
      name: 'labels as varint',
      body: series(varintField(1, 1)),
      message:
        'cannot decode timeseries 0: field 1 (labels) has wire type 0 (varint), expected 2 (length-delimited)',
    },
    {
      name: 'exemplars as varint',
      body: series(up, varintField(3, 1)),
      message:
        'cannot decode timeseries 0: field 3 (exemplars) has wire type 0 (varint), expected 2 (length-delimited)',
    },
    {
      name: 'histograms as 32-bit',
      body: series(up, fixed32Field(4)),
      message:
        'cannot decode timeseries 0: field 4 (histograms) has wire type 5 (32-bit), expected 2 (length-delimited)',
    },
    {
      name: 'label name as varint',
      body: series(lenField(1, varintField(1, 7))),
      message:
        'cannot decode timeseries 0: cannot decode label 0: field 1 (name) has wire type 0 (varint), expected 2 (length-delimited)',
    },
    {
      name: 'sample value as varint',
      body: series(up, lenField(2, varintField(1, 7))),
      message:
        'cannot decode timeseries 0: cannot decode sample 0: field 1 (value) has wire type 0 (varint), expected 1 (64-bit)',
    },
    {
      name: 'sample timestamp as 64-bit',
      body: series(up, sampleField(1, 1), lenField(2, doubleField(2, 1))),
      message:
        'cannot decode timeseries 0: cannot decode sample 1: field 2 (timestamp) has wire type 1 (64-bit), expected 0 (varint)',
    },
    {
      name: 'truncated double',
      body: series(up, lenField(2, tag(1, 1), [0, 0, 0, 0])),
      message: 'cannot decode timeseries 0: cannot decode sample 0: truncated double: 4 of 8 bytes left',
    },
    {
      // The next series follows in the buffer: a double must not be read past its sample.
      name: 'double one byte short, another series after it',
      body: bytes(series(up, lenField(2, tag(1, 1), Array(7).fill(0))), series(up)),
      message: 'cannot decode timeseries 0: cannot decode sample 0: truncated double: 7 of 8 bytes left',
    },
    {
      name: 'truncated timestamp varint',
      body: series(up, lenField(2, tag(2, 0), [0x80, 0x80])),
      message:
        'cannot decode timeseries 0: cannot decode sample 0: cannot decode timestamp: truncated varint',
    },
    {
      name: 'timestamp varint over 10 bytes',
      body: series(up, lenField(2, tag(2, 0), Array(10).fill(0xff), 0x01)),
      message:
        'cannot decode timeseries 0: cannot decode sample 0: cannot decode timestamp: varint longer than 10 bytes',
    },
    {
      name: 'timestamp varint overflowing 64 bits',
      body: series(up, lenField(2, tag(2, 0), Array(9).fill(0xff), 0x02)),
      message:
        'cannot decode timeseries 0: cannot decode sample 0: cannot decode timestamp: varint overflows 64 bits',
    },
    {
      name: 'unknown varint field overflowing 64 bits',
      body: bytes(tag(20, 0), Array(9).fill(0xff), 0x02),
      message: 'varint overflows 64 bits',
    },
    {
      name: 'unknown 64-bit field cut short',
      body: series(up, tag(9, 1), Uint8Array.of(1, 2)),
      message: 'cannot decode timeseries 0: truncated fixed-width field: 2 of 8 bytes left',
    },
    {
      // The next series' tag follows in the buffer: a varint must not be read past its message.
      name: 'unknown varint field cut off at the end of a series',
      body: bytes(series(up, tag(5, 0)), series(up)),
      message: 'cannot decode timeseries 0: truncated varint',
    },
    {
      name: 'unknown 32-bit field cut short',
      body: bytes(tag(9, 5), [1, 2, 3]),
      message: 'truncated fixed-width field: 3 of 4 bytes left',
    },
  ])('refuses $name with 400', ({ body, message }) => {
    const error = caught(() => decodeWriteRequest(body, DEFAULT_DECODE_LIMITS));
    expect([error.kind, error.message]).toEqual(['bad_request', message]);
  });

  test.each([
    { name: 'timestamp 2^53-1', timestamp: 2n ** 53n - 1n, expected: 2 ** 53 - 1 },
    { name: 'timestamp -(2^53-1)', timestamp: -(2n ** 53n - 1n), expected: -(2 ** 53 - 1) },
    { name: 'timestamp -1 (10-byte varint)', timestamp: -1n, expected: -1 },
    { name: 'timestamp -2^32', timestamp: -(2n ** 32n), expected: -(2 ** 32) },
    { name: 'timestamp 2^32 + 5', timestamp: 2n ** 32n + 5n, expected: 2 ** 32 + 5 },
    // Past ±(2^53-1), brought to it: the write path refuses that sample alone (records.ts).
    { name: 'timestamp 2^53 (clamped)', timestamp: 2n ** 53n, expected: 2 ** 53 - 1 },
    { name: 'timestamp 2^63-1 (clamped)', timestamp: 2n ** 63n - 1n, expected: 2 ** 53 - 1 },
    { name: 'timestamp -2^63 (clamped)', timestamp: -(2n ** 63n), expected: -(2 ** 53 - 1) },
  ])('accepts $name', ({ timestamp, expected }) => {
    const decoded = decodeWriteRequest(series(up, sampleField(2, timestamp)), DEFAULT_DECODE_LIMITS);
    expect(decoded.timeseries[0].samples).toEqual([{ value: 2, timestamp: expected }]);
  });

  test('skips unknown fields of every wire type at every level', () => {
    const unknown = (field: number) =>
      bytes(
        varintField(field, 2n ** 63n),
        doubleField(field + 1, 1),
        lenField(field + 2, [1, 2, 3]),
        fixed32Field(field + 3),
      );
    const body = bytes(
      unknown(20),
      varintField(2, 1), // reserved in WriteRequest
      series(
        unknown(10),
        lenField(1, unknown(5), label('job', 'x'), unknown(7)),
        lenField(2, sample(1, 2), unknown(3)),
        unknown(12),
      ),
      unknown(1000),
    );
    expect(decodeWriteRequest(body, DEFAULT_DECODE_LIMITS)).toEqual({
      timeseries: [{ labels: [{ name: 'job', value: 'x' }], samples: [{ value: 1, timestamp: 2 }] }],
    });
  });

  // Go's decoders (gogoproto in Prometheus 2.42, protobuf-go) skip an unknown group like any other
  // unknown field, so Prometheus accepts such a body.
  test.each([
    {
      name: 'in WriteRequest',
      body: bytes(tag(7, 3), varintField(1, 5), tag(7, 4), series(up, sampleField(1, 2))),
    },
    { name: 'in TimeSeries', body: series(up, tag(9, 3), lenField(1, [1, 2]), tag(9, 4), sampleField(1, 2)) },
    {
      name: 'in Label',
      body: series(lenField(1, tag(5, 3), tag(5, 4), label('__name__', 'up')), sampleField(1, 2)),
    },
    { name: 'in Sample', body: series(up, lenField(2, tag(9, 3), fixed32Field(1), tag(9, 4), sample(1, 2))) },
    {
      name: 'nested 100 deep, holding every wire type',
      body: bytes(
        ...Array.from({ length: 100 }, (_, i) => tag(5 + i, 3)),
        varintField(1, 2n ** 63n),
        doubleField(2, 1),
        lenField(3, tag(1, 3)), // bytes, not a group: skipped unread
        fixed32Field(4),
        ...Array.from({ length: 100 }, (_, i) => tag(104 - i, 4)),
        series(up, sampleField(1, 2)),
      ),
    },
  ])('skips an unknown group $name', ({ body }) => {
    expect(decodeWriteRequest(body, DEFAULT_DECODE_LIMITS)).toEqual({
      timeseries: [{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 2 }] }],
    });
  });

  test('decodes an empty message to no series (metadata-only requests)', () => {
    expect(decodeWriteRequest(new Uint8Array(0), DEFAULT_DECODE_LIMITS)).toEqual({ timeseries: [] });
    expect(decodeWriteRequest(lenField(3, strField(2, 'up')), DEFAULT_DECODE_LIMITS)).toEqual({
      timeseries: [],
    });
  });
});

describe('decodeWriteRequest limits', () => {
  const limits = (overrides: Partial<DecodeLimits>): DecodeLimits => ({
    ...DEFAULT_DECODE_LIMITS,
    ...overrides,
  });
  const seriesOf = (labels: number, samples: number) =>
    series(
      ...Array.from({ length: labels }, (_, i) => labelField(`l${i}`, 'v')),
      ...Array.from({ length: samples }, (_, i) => sampleField(1, i)),
    );

  test.each([
    {
      name: 'maxSeries',
      body: (n: number) => bytes(...Array.from({ length: n }, () => seriesOf(1, 1))),
      limits: limits({ maxSeries: 5 }),
      message:
        'more than 5 timeseries exceeds the limit of 5 (--max-series-per-request, max_series_per_request)',
    },
    {
      name: 'maxSamples across series',
      body: (n: number) => bytes(seriesOf(1, 2), seriesOf(1, n - 2)),
      limits: limits({ maxSamples: 5 }),
      message:
        'cannot decode timeseries 1: more than 5 samples exceeds the limit of 5 (--max-samples-per-request, max_samples_per_request)',
    },
    {
      name: 'maxLabelsPerSeries',
      body: (n: number) => bytes(seriesOf(1, 1), seriesOf(n, 1)),
      limits: limits({ maxLabelsPerSeries: 5 }),
      message:
        'cannot decode timeseries 1: more than 5 labels exceeds the limit of 5 (--max-labels-per-series, max_labels_per_series)',
    },
    {
      name: 'maxLabelsPerSeries with split label fields',
      body: (n: number) =>
        series(
          labelField('a', 'b'),
          sampleField(1, 1),
          ...Array.from({ length: n - 1 }, (_, i) => labelField(`l${i}`, 'v')),
        ),
      limits: limits({ maxLabelsPerSeries: 5 }),
      message:
        'cannot decode timeseries 0: more than 5 labels exceeds the limit of 5 (--max-labels-per-series, max_labels_per_series)',
    },
    {
      name: 'maxLabelBytes on a name',
      body: (n: number) => series(labelField('x'.repeat(n), 'v')),
      limits: limits({ maxLabelBytes: 5 }),
      message:
        'cannot decode timeseries 0: cannot decode label 0: name of 6 bytes exceeds the limit of 5 (a fixed limit)',
    },
    {
      name: 'maxLabelBytes on a value',
      body: (n: number) => series(labelField('a', 'é'.repeat(n / 2) + 'x'.repeat(n % 2))),
      limits: limits({ maxLabelBytes: 5 }),
      message:
        'cannot decode timeseries 0: cannot decode label 0: value of 6 bytes exceeds the limit of 5 (a fixed limit)',
    },
  ])('applies $name at n-1 and n, refuses n+1 with 413', ({ body, limits: l, message }) => {
    expect(() => decodeWriteRequest(body(4), l)).not.toThrow();
    expect(() => decodeWriteRequest(body(5), l)).not.toThrow();
    const error = caught(() => decodeWriteRequest(body(6), l));
    expect([error.status, error.message]).toEqual([413, message]);
  });

  test('refuses a label past maxLabelsPerSeries with 413 before decoding it', () => {
    const cutThirdLabel = bytes(tag(1, 2), varint(50), 0x61);
    const body = series(labelField('a', '1'), labelField('b', '2'), cutThirdLabel);
    const error = caught(() => decodeWriteRequest(body, limits({ maxLabelsPerSeries: 2 })));
    expect([error.status, error.message]).toEqual([
      413,
      'cannot decode timeseries 0: more than 2 labels exceeds the limit of 2 (--max-labels-per-series, max_labels_per_series)',
    ]);
  });

  test('applies maxDecodedBytes to the message size', () => {
    const body = seriesOf(1, 1);
    expect(() => decodeWriteRequest(body, limits({ maxDecodedBytes: body.length }))).not.toThrow();
    const error = caught(() => decodeWriteRequest(body, limits({ maxDecodedBytes: body.length - 1 })));
    expect([error.status, error.message]).toEqual([
      413,
      `message of ${body.length} bytes exceeds the limit of ${body.length - 1} (--max-decoded-bytes, max_decoded_bytes)`,
    ]);
  });
});

describe('decodeReadRequest', () => {
  const matcher = (type: number, name: string, value: string) =>
    lenField(3, varintField(1, type), strField(2, name), strField(3, value));
  const query = (...parts: Uint8Array[]) => lenField(1, varintField(1, 1), varintField(2, 2), ...parts);

  test('accepts packed and unpacked accepted_response_types and keeps unknown values', () => {
    const body = bytes(query(), varintField(2, 1), lenField(2, [0, 7]), varintField(2, 0));
    expect(decodeReadRequest(body, DEFAULT_DECODE_LIMITS)).toEqual({
      queries: [{ startTimestampMs: 1, endTimestampMs: 2, matchers: [] }],
      acceptedResponseTypes: [1, 0, 7, 0],
    });
  });

  // protobufjs (the oracle) and Prometheus' Go decoder both read an enum as int32, so a wider
  // varint keeps its low 32 bits; reading it as int64 refused or misnamed these.
  test.each([
    { name: 'a response type of 2^32', body: varintField(2, 2n ** 32n), types: [0] },
    { name: 'a packed response type of 2^63 + 1', body: lenField(2, varint(2n ** 63n + 1n)), types: [1] },
    { name: 'a response type of -1 (ten bytes)', body: varintField(2, -1), types: [-1] },
  ])('reads $name as int32, as protobuf does', ({ body, types }) => {
    expect(decodeReadRequest(body, DEFAULT_DECODE_LIMITS).acceptedResponseTypes).toEqual(types);
  });

  test.each([
    { name: '2^32 + 2', type: 2n ** 32n + 2n, expected: 2 },
    { name: '2^60 + 3', type: 2n ** 60n + 3n, expected: 3 },
  ])('reads a matcher type of $name as int32, as protobuf does', ({ type, expected }) => {
    const body = lenField(1, lenField(3, varintField(1, type), strField(2, 'a'), strField(3, 'b')));
    expect(decodeReadRequest(body, DEFAULT_DECODE_LIMITS).queries[0].matchers).toEqual([
      { type: expected, name: 'a', value: 'b' },
    ]);
  });

  test('skips unknown groups in ReadRequest, Query and LabelMatcher', () => {
    const group = bytes(tag(9, 3), varintField(1, 1), tag(9, 4));
    const body = bytes(
      group,
      query(group, lenField(3, group, varintField(1, 2), strField(2, 'a'), strField(3, 'b'))),
    );
    expect(decodeReadRequest(body, DEFAULT_DECODE_LIMITS)).toEqual({
      queries: [{ startTimestampMs: 1, endTimestampMs: 2, matchers: [{ type: 2, name: 'a', value: 'b' }] }],
      acceptedResponseTypes: [],
    });
  });

  test('clamps time bounds beyond ±(2^53-1) ms instead of refusing them (Prometheus sends math.MinInt64 for "since ever")', () => {
    const twos = (v: bigint) => BigInt.asUintN(64, v);
    const body = bytes(
      lenField(
        1,
        varintField(1, twos(-(2n ** 63n))),
        varintField(2, 2n ** 63n - 1n),
        lenField(
          4,
          varintField(1, 2n ** 60n),
          varintField(3, twos(-(2n ** 62n))),
          varintField(4, 2n ** 53n),
          varintField(7, twos(-(2n ** 53n) - 1n)),
        ),
      ),
    );
    const max = Number.MAX_SAFE_INTEGER;
    expect(decodeReadRequest(body, DEFAULT_DECODE_LIMITS).queries).toEqual([
      {
        startTimestampMs: -max,
        endTimestampMs: max,
        matchers: [],
        hints: { stepMs: max, func: '', startMs: -max, endMs: max, grouping: [], by: false, rangeMs: -max },
      },
    ]);
  });

  test.each([
    {
      name: 'unknown matcher type',
      body: query(matcher(4, 'a', 'b')),
      message: 'cannot decode query 0: cannot decode matcher 0: unknown matcher type 4',
    },
    {
      name: 'negative matcher type',
      body: query(matcher(-1, 'a', 'b')),
      message: 'cannot decode query 0: cannot decode matcher 0: unknown matcher type -1',
    },
    {
      name: 'response types as 32-bit',
      body: fixed32Field(2),
      message: 'field 2 (accepted_response_types) has wire type 5, expected 0 (varint) or 2 (packed)',
    },
    {
      name: 'truncated packed response types',
      body: lenField(2, [0x80]),
      message: 'cannot decode accepted_response_types: truncated varint',
    },
    {
      name: 'start as string',
      body: lenField(1, strField(1, 'x')),
      message:
        'cannot decode query 0: field 1 (start_timestamp_ms) has wire type 2 (length-delimited), expected 0 (varint)',
    },
    {
      name: 'hints.by as 64-bit',
      body: query(lenField(4, doubleField(6, 1))),
      message:
        'cannot decode query 0: cannot decode hints: field 6 (by) has wire type 1 (64-bit), expected 0 (varint)',
    },
  ])('refuses $name with 400', ({ body, message }) => {
    const error = caught(() => decodeReadRequest(body, DEFAULT_DECODE_LIMITS));
    expect([error.status, error.message]).toEqual([400, message]);
  });

  test.each([
    {
      name: 'maxQueries',
      body: (n: number) => bytes(...Array.from({ length: n }, () => query())),
      limits: { ...DEFAULT_DECODE_LIMITS, maxQueries: 5 },
      message: 'more than 5 queries exceeds the limit of 5 (a fixed limit)',
    },
    {
      name: 'maxMatchersPerQuery',
      body: (n: number) => bytes(query(), query(...Array.from({ length: n }, () => matcher(0, 'a', 'b')))),
      limits: { ...DEFAULT_DECODE_LIMITS, maxMatchersPerQuery: 5 },
      message: 'cannot decode query 1: more than 5 matchers exceeds the limit of 5 (a fixed limit)',
    },
    {
      // Counted over all queries: one matcher in the first, the rest in the second (8 bytes each).
      name: 'maxMatcherBytes',
      body: (n: number) =>
        bytes(
          query(matcher(2, 'a', 'b')),
          query(...Array.from({ length: n - 1 }, () => matcher(2, 'a', 'b'))),
        ),
      limits: { ...DEFAULT_DECODE_LIMITS, maxMatcherBytes: 40 },
      message:
        'cannot decode query 1: cannot decode matcher 4: matchers totalling more than 40 bytes exceeds the limit of 40 (a fixed limit)',
    },
    {
      name: 'maxMatcherValueBytes on a matcher value',
      body: (n: number) => query(matcher(2, 'a', '.'.repeat(n))),
      limits: { ...DEFAULT_DECODE_LIMITS, maxMatcherValueBytes: 5 },
      message:
        'cannot decode query 0: cannot decode matcher 0: value of 6 bytes exceeds the limit of 5 (a fixed limit)',
    },
  ])('applies $name at n-1 and n, refuses n+1 with 413', ({ body, limits, message }) => {
    expect(() => decodeReadRequest(body(4), limits)).not.toThrow();
    expect(() => decodeReadRequest(body(5), limits)).not.toThrow();
    const error = caught(() => decodeReadRequest(body(6), limits));
    expect([error.status, error.message]).toEqual([413, message]);
  });

  // A Grafana multi-value variable of ~5000 `host:port` values is one alternation of ~110 KB: its
  // value may pass a label's 64 KiB, and whether its SQL fits Timestream is decided on the SQL.
  test.each([
    {
      name: 'a matcher value',
      body: (n: number) => query(matcher(2, 'instance', 'x'.repeat(n))),
      limit: 262_144,
      message:
        'cannot decode query 0: cannot decode matcher 0: value of 262145 bytes exceeds the limit of 262144 (a fixed limit)',
    },
    {
      name: 'a matcher value of two-byte characters',
      body: (n: number) => query(matcher(2, 'instance', 'é'.repeat(n / 2) + 'x'.repeat(n % 2))),
      limit: 262_144,
      message:
        'cannot decode query 0: cannot decode matcher 0: value of 262145 bytes exceeds the limit of 262144 (a fixed limit)',
    },
    {
      name: 'a matcher name',
      body: (n: number) => query(matcher(2, 'x'.repeat(n), 'v')),
      limit: 65_536,
      message:
        'cannot decode query 0: cannot decode matcher 0: name of 65537 bytes exceeds the limit of 65536 (a fixed limit)',
    },
    {
      name: 'a hints grouping label',
      body: (n: number) => query(lenField(4, strField(5, 'x'.repeat(n)))),
      limit: 65_536,
      message:
        'cannot decode query 0: cannot decode hints: grouping of 65537 bytes exceeds the limit of 65536 (a fixed limit)',
    },
  ])('accepts $name of $limit bytes by default, refuses one more with 413', ({ body, limit, message }) => {
    expect(() => decodeReadRequest(body(limit), DEFAULT_DECODE_LIMITS)).not.toThrow();
    const error = caught(() => decodeReadRequest(body(limit + 1), DEFAULT_DECODE_LIMITS));
    expect([error.status, error.message]).toEqual([413, message]);
  });

  // A few MiB of packed zeros once decoded into an array of tens of millions of response types
  // (gigabytes of heap from a 3 MB body); hints.grouping the same with empty strings.
  test.each([
    {
      name: 'accepted_response_types (packed)',
      body: (n: number) => lenField(2, new Uint8Array(n)),
      message: 'more than 1000 accepted_response_types exceeds the limit of 1000 (a fixed limit)',
    },
    {
      name: 'accepted_response_types (unpacked)',
      body: (n: number) => bytes(...Array.from({ length: n }, () => varintField(2, 0))),
      message: 'more than 1000 accepted_response_types exceeds the limit of 1000 (a fixed limit)',
    },
    {
      name: 'hints.grouping',
      body: (n: number) => query(lenField(4, ...Array.from({ length: n }, () => strField(5, 'a')))),
      message:
        'cannot decode query 0: cannot decode hints: more than 1000 grouping labels exceeds the limit of 1000 (a fixed limit)',
    },
  ])('accepts 1000 $name, refuses 1001 with 413', ({ body, message }) => {
    expect(() => decodeReadRequest(body(1000), DEFAULT_DECODE_LIMITS)).not.toThrow();
    const error = caught(() => decodeReadRequest(body(1001), DEFAULT_DECODE_LIMITS));
    expect([error.status, error.message]).toEqual([413, message]);
  });
});
