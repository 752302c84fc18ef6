// SPDX-License-Identifier: Apache-2.0
// Hostile bodies built by hand (snappy bombs, endless and truncated varints, wrong wire types,
// lengths past the end, 100 k labels, 1 MiB names) and every configurable decode limit at n and
// n+1, through both edges. Memory stays bounded by construction: each case is refused from a
// header or a counter before anything of the claimed size is allocated.

import type { DecodeLimits } from '../../lambda/codec/remote';
import { DEFAULT_DECODE_LIMITS } from '../../lambda/codec/remote';
import { snappyCompress } from '../../lambda/codec/snappy';
import type { HttpRequest } from '../../lambda/core/http';
import { startServer } from '../../lambda/entrypoints/server';
import { encodeReadRequest, encodeWriteRequest } from '../../lambda/prompb/codec';
import type { Label, LabelMatcher, ReadRequest, WriteRequest } from '../../lambda/prompb/types';
import { CaptureLogger } from '../support/capture-logger';
import { BASIC_AUTH, EDGES, startHarness, type Harness } from '../support/harness';
import { lengthField } from './generators';
import { checkClientResponse } from './support';

const NOW_MS = 1_763_000_000_000;
const MiB = 1024 * 1024;
const HEADERS = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  authorization: BASIC_AUTH,
};

/** A Label message body. */
const labelBytes = (name: string | Buffer, value: string | Buffer) =>
  Buffer.concat([lengthField(1, Buffer.from(name)), lengthField(2, Buffer.from(value))]);

/** A WriteRequest of one series with these Label message bodies and no samples. */
const seriesWithLabels = (labels: Buffer[]) =>
  lengthField(1, Buffer.concat(labels.map((label) => lengthField(1, label))));

/** A ReadRequest with one query of `matchers` (already encoded LabelMatcher bodies). */
const queryWithMatchers = (matchers: Buffer[]) =>
  lengthField(1, Buffer.concat(matchers.map((matcher) => lengthField(3, matcher))));

const matcherBytes = (name: string | Buffer, value: string | Buffer) =>
  Buffer.concat([
    Buffer.from([0x08, 0x00]),
    lengthField(2, Buffer.from(name)),
    lengthField(3, Buffer.from(value)),
  ]);

const HUNDRED_K_LABELS = seriesWithLabels(
  Array.from({ length: 100_000 }, (_, i) => labelBytes(`l${i}`, 'v')),
);
const ONE_MIB = Buffer.alloc(MiB, 'n');

interface Case {
  name: string;
  /** The raw request body (already snappy or deliberately not). */
  body: Buffer | Uint8Array;
  status: number;
  /** What the first line of the answer must say. */
  message: RegExp;
}

const SNAPPY_CASES: Case[] = [
  {
    name: 'a 6-byte body whose snappy header declares 4 GiB',
    body: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]),
    status: 413,
    message:
      /^decoded body of 4294967295 bytes \(snappy header\) exceeds the limit of 67108864 bytes \(--max-decoded-bytes, max_decoded_bytes\)$/,
  },
  {
    name: 'a snappy header declaring one byte over the decoded limit',
    body: Buffer.from([0x81, 0x80, 0x80, 0x20, 0x00]),
    status: 413,
    message:
      /^decoded body of 67108865 bytes \(snappy header\) exceeds the limit of 67108864 bytes \(--max-decoded-bytes, max_decoded_bytes\)$/,
  },
  {
    name: 'a snappy length header that never ends',
    body: Buffer.alloc(10, 0x80),
    status: 400,
    message: /^cannot decode snappy block: length header is not a uint32 varint$/,
  },
  {
    name: 'a truncated snappy length header',
    body: Buffer.from([0x80]),
    status: 400,
    message: /^cannot decode snappy block: truncated length header$/,
  },
  {
    name: 'a snappy literal longer than the body',
    body: Buffer.from([0x0a, 0x24, 0x61, 0x62]),
    status: 400,
    message: /^cannot decode snappy block: literal of 10 bytes runs past the end/,
  },
  {
    name: 'a snappy copy before any output',
    body: Buffer.from([0x04, 0x01, 0x01]),
    status: 400,
    message: /^cannot decode snappy block: copy offset 1 is outside the 0 bytes decoded so far/,
  },
];

const WRITE_CASES: Case[] = [
  ...SNAPPY_CASES,
  {
    name: 'a protobuf tag whose varint never ends',
    body: snappyCompress(Buffer.alloc(12, 0xff)),
    status: 400,
    message: /^cannot decode WriteRequest: .*varint/,
  },
  {
    name: 'a truncated varint',
    body: snappyCompress(Buffer.from([0x08, 0xff])),
    status: 400,
    message: /^cannot decode WriteRequest: .*varint/,
  },
  {
    name: 'timeseries sent with the varint wire type',
    body: snappyCompress(Buffer.from([0x08, 0x01])),
    status: 400,
    message: /^cannot decode WriteRequest: .*wire type/,
  },
  {
    name: 'a timeseries length beyond the body',
    body: snappyCompress(Buffer.from([0x0a, 0xe8, 0x07, 1, 2, 3])),
    status: 400,
    message: /^cannot decode WriteRequest: .*length 1000 exceeds/,
  },
  {
    name: 'a group (deprecated wire type 3)',
    body: snappyCompress(Buffer.from([0x0b])),
    status: 400,
    message: /^cannot decode WriteRequest: .*wire type/,
  },
  {
    name: 'a series with 100 000 labels',
    body: snappyCompress(HUNDRED_K_LABELS),
    status: 413,
    message:
      /more than 1000 labels exceeds the limit of 1000 \(--max-labels-per-series, max_labels_per_series\)$/,
  },
  {
    name: 'a 1 MiB label name',
    body: snappyCompress(seriesWithLabels([labelBytes(ONE_MIB, 'v')])),
    status: 413,
    message: /exceeds the limit of 65536 \(a fixed limit\)$/,
  },
  {
    name: 'a 1 MiB metric name',
    body: snappyCompress(seriesWithLabels([labelBytes('__name__', ONE_MIB)])),
    status: 413,
    message: /exceeds the limit of 65536 \(a fixed limit\)$/,
  },
  {
    name: 'a label name containing NUL (found by the soak fuzzer: it used to reach the store as a 503)',
    body: snappyCompress(
      encodeWriteRequest({
        timeseries: [
          {
            labels: [
              { name: '\u0000ob', value: 'x' },
              { name: '__name__', value: 'm' },
            ],
            samples: [{ value: 1, timestamp: NOW_MS }],
          },
        ],
      }),
    ),
    status: 400,
    message:
      /^wrote 0 of 1 samples; refused 1 samples of 1 invalid or over-limit series and 0 samples rejected by Timestream$/,
  },
];

const READ_CASES: Case[] = [
  ...SNAPPY_CASES,
  {
    name: 'a protobuf tag whose varint never ends',
    body: snappyCompress(Buffer.alloc(12, 0xff)),
    status: 400,
    message: /^cannot decode ReadRequest: .*varint/,
  },
  {
    name: 'a query length beyond the body',
    body: snappyCompress(Buffer.from([0x0a, 0xe8, 0x07, 1, 2, 3])),
    status: 400,
    message: /^cannot decode ReadRequest: .*length 1000 exceeds/,
  },
  {
    name: 'an unknown matcher type',
    body: snappyCompress(queryWithMatchers([Buffer.from([0x08, 0x07])])),
    status: 400,
    message: /^cannot decode ReadRequest: .*unknown matcher type 7/,
  },
  {
    name: 'a query with 100 000 matchers',
    body: snappyCompress(
      queryWithMatchers(Array.from({ length: 100_000 }, (_, i) => matcherBytes(`l${i}`, 'v'))),
    ),
    status: 413,
    message: /more than 1000 matchers exceeds the limit of 1000 \(a fixed limit\)$/,
  },
  {
    name: 'a 1 MiB matcher value',
    body: snappyCompress(queryWithMatchers([matcherBytes('__name__', ONE_MIB)])),
    status: 413,
    message: /value of 1048576 bytes exceeds the limit of 262144 \(a fixed limit\)$/,
  },
  {
    name: 'a 1 MiB matcher name',
    body: snappyCompress(queryWithMatchers([matcherBytes(ONE_MIB, 'v')])),
    status: 413,
    message: /name of 1048576 bytes exceeds the limit of 65536 \(a fixed limit\)$/,
  },
];

describe('hand-built hostile bodies', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  describe.each(EDGES)('through the %s edge', (edge) => {
    test.each(WRITE_CASES)('/write answers $status to $name', async ({ body, status, message }) => {
      const response = await h.send(edge, '/write', body, HEADERS);
      expect(checkClientResponse(response, [status])).toBeUndefined();
      expect(response.body.toString('utf8').split('\n')[0]).toMatch(message);
    });

    test.each(READ_CASES)('/read answers $status to $name', async ({ body, status, message }) => {
      const response = await h.send(edge, '/read', body, HEADERS);
      expect(checkClientResponse(response, [status])).toBeUndefined();
      expect(response.body.toString('utf8').split('\n')[0]).toMatch(message);
    });
  });

  test('writes nothing to Timestream for any of them', () => {
    expect(h.store.metering().calls).toBe(0);
  });
});

const metricSeries = (index: number, extra: Label[] = [], samples = 1) => ({
  labels: [{ name: '__name__', value: 'limit_probe' }, { name: 'i', value: String(index) }, ...extra],
  samples: Array.from({ length: samples }, (_, s) => ({ value: s, timestamp: NOW_MS + s })),
});
const seriesCount = (n: number): WriteRequest => ({
  timeseries: Array.from({ length: n }, (_, i) => metricSeries(i)),
});
const labelCount = (n: number): WriteRequest => ({
  timeseries: [
    metricSeries(
      0,
      Array.from({ length: n - 2 }, (_, i) => ({ name: `x${i}`, value: 'v' })),
    ),
  ],
});
const sampleCount = (n: number): WriteRequest => ({ timeseries: [metricSeries(0, [], n)] });
const valueBytes = (n: number): WriteRequest => ({
  timeseries: [metricSeries(0, [{ name: 'pad', value: 'p'.repeat(n) }])],
});
/** A request whose encoding is exactly `n` bytes (100 ≤ n < 16 KiB), padded through a label value. */
function encodedBytes(n: number): WriteRequest {
  for (let pad = 0; pad < n; pad++) {
    if (encodeWriteRequest(valueBytes(pad)).length === n) return valueBytes(pad);
  }
  throw new Error(`no padding encodes to exactly ${n} bytes`);
}
const matcherCount = (n: number): ReadRequest => ({
  queries: [
    {
      startTimestampMs: NOW_MS,
      endTimestampMs: NOW_MS + 1000,
      matchers: Array.from({ length: n }, (_, i): LabelMatcher => ({ type: 1, name: `m${i}`, value: 'v' })),
    },
  ],
  acceptedResponseTypes: [0],
});
const queryCount = (n: number): ReadRequest => ({
  queries: Array.from({ length: n }, () => matcherCount(1).queries[0]),
  acceptedResponseTypes: [0],
});

interface LimitCase {
  name: string;
  limits: Partial<DecodeLimits>;
  route: '/write' | '/read';
  build: (n: number) => WriteRequest | ReadRequest;
  n: number;
  okStatus: number;
  message: string;
}

const LIMIT_CASES: LimitCase[] = [
  {
    name: 'maxSeries',
    limits: { maxSeries: 10 },
    route: '/write',
    build: seriesCount,
    n: 10,
    okStatus: 204,
    message:
      'more than 10 timeseries exceeds the limit of 10 (--max-series-per-request, max_series_per_request)',
  },
  {
    name: 'maxLabelsPerSeries',
    limits: { maxLabelsPerSeries: 8 },
    route: '/write',
    build: labelCount,
    n: 8,
    okStatus: 204,
    message: 'more than 8 labels exceeds the limit of 8 (--max-labels-per-series, max_labels_per_series)',
  },
  {
    name: 'maxSamples',
    limits: { maxSamples: 20 },
    route: '/write',
    build: sampleCount,
    n: 20,
    okStatus: 204,
    message:
      'more than 20 samples exceeds the limit of 20 (--max-samples-per-request, max_samples_per_request)',
  },
  {
    name: 'maxLabelBytes',
    limits: { maxLabelBytes: 100 },
    route: '/write',
    build: valueBytes,
    n: 100,
    okStatus: 204,
    message: 'exceeds the limit of 100 (a fixed limit)',
  },
  {
    name: 'maxDecodedBytes',
    limits: { maxDecodedBytes: 1000 },
    route: '/write',
    build: encodedBytes,
    n: 1000,
    okStatus: 204,
    message:
      'decoded body of 1001 bytes (snappy header) exceeds the limit of 1000 bytes (--max-decoded-bytes, max_decoded_bytes)',
  },
  {
    name: 'maxMatchersPerQuery',
    limits: { maxMatchersPerQuery: 4 },
    route: '/read',
    build: matcherCount,
    n: 4,
    okStatus: 200,
    message: 'more than 4 matchers exceeds the limit of 4 (a fixed limit)',
  },
  {
    name: 'maxQueries',
    limits: { maxQueries: 3 },
    route: '/read',
    build: queryCount,
    n: 3,
    okStatus: 200,
    message: 'more than 3 queries exceeds the limit of 3 (a fixed limit)',
  },
];

describe.each(LIMIT_CASES)('the $name limit', ({ limits, route, build, n, okStatus, message }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ connector: { decodeLimits: { ...DEFAULT_DECODE_LIMITS, ...limits } } });
  });
  afterAll(() => h.close());

  const send = (edge: (typeof EDGES)[number], count: number) => {
    const message = build(count);
    const proto =
      route === '/write'
        ? encodeWriteRequest(message as WriteRequest)
        : encodeReadRequest(message as ReadRequest);
    return h.send(edge, route, snappyCompress(proto), HEADERS);
  };

  test.each(EDGES)(
    'accepts exactly the limit and answers 413 naming it one past it (%s edge)',
    async (edge) => {
      expect((await send(edge, n)).status).toBe(okStatus);
      const over = await send(edge, n + 1);
      expect(checkClientResponse(over, [413])).toBeUndefined();
      expect(over.body.toString('utf8')).toContain(message);
    },
  );
});

describe('the server edge body limit', () => {
  const LIMIT = 1024;
  const seen: { bytes: number; oversize: HttpRequest['oversizeBody'] }[] = [];
  // The core answers an oversize body (test/integration/core covers its answer); here, what the edge hands it.
  const handler = async (request: HttpRequest) => {
    seen.push({ bytes: request.body.length, oversize: request.oversizeBody });
    return request.oversizeBody === undefined
      ? { status: 204, headers: {}, body: '' }
      : { status: 413, headers: {}, body: 'refused by the handler\n' };
  };
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      telemetryPath: '/metrics',
      maxBodyBytes: LIMIT,
      handler,
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
      logger: new CaptureLogger(),
    });
    url = server.url;
    close = server.close;
  });
  afterAll(() => close());

  /** Sends `size` bytes, with Content-Length or chunked (no declared length). */
  const post = (size: number, chunked: boolean) => {
    const bytes = new Uint8Array(size);
    const body = chunked
      ? new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes.subarray(0, size >> 1));
            controller.enqueue(bytes.subarray(size >> 1));
            controller.close();
          },
        })
      : bytes;
    return fetch(`${url}/write`, { method: 'POST', body, duplex: 'half' } as RequestInit);
  };

  test.each([
    { name: 'with Content-Length', chunked: false },
    { name: 'chunked', chunked: true },
  ])(
    'passes exactly the limit, and one byte over it hands the core no body but the limit, closing the connection ($name)',
    async ({ chunked }) => {
      seen.length = 0;
      expect((await post(LIMIT, chunked)).status).toBe(204);
      const over = await post(LIMIT + 1, chunked);
      expect([over.status, over.headers.get('connection'), await over.text()]).toEqual([
        413,
        'close',
        'refused by the handler\n',
      ]);
      expect(seen).toEqual([
        { bytes: LIMIT, oversize: undefined },
        { bytes: 0, oversize: { limitBytes: LIMIT, option: '--max-body-bytes' } },
      ]);
    },
  );
});
