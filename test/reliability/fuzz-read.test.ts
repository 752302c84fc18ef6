// SPDX-License-Identifier: Apache-2.0
// Fuzzes POST /read through both edges with random, mutated and absurd bodies (hostile matcher
// names, values and regexes, extreme ranges): never a crash or a 5xx for client input, always a
// short text 4xx or a 200 with a decodable response, and the connector keeps serving afterwards.

import fc from 'fast-check';
import { snappyCompress, snappyUncompress } from '../../lambda/codec/snappy';
import { decodeReadResponse, encodeReadRequest } from '../../lambda/prompb/codec';
import type { ReadRequest } from '../../lambda/prompb/types';
import { BASIC_AUTH, EDGES, startHarness, type Edge, type Harness } from '../support/harness';
import { realisticWriteRequest } from '../support/payloads';
import { absurdReadRequest, mutatedBody, protoMessage } from './generators';
import { budgetMs, checkClientResponse, property, reportCounts, runs } from './support';

const HEADERS = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'x-prometheus-remote-read-version': '0.1.0',
  authorization: BASIC_AUTH,
};
const NOW_MS = 1_763_000_000_000;
const READ_STATUSES = [200, 400, 413];

const validRequest: ReadRequest = {
  queries: [
    {
      startTimestampMs: NOW_MS - 60_000,
      endTimestampMs: NOW_MS + 60_000,
      matchers: [
        { type: 0, name: '__name__', value: 'node_cpu_seconds_total' },
        { type: 2, name: 'mode', value: 'user|idle' },
        { type: 1, name: 'cpu', value: '3' },
      ],
    },
  ],
  acceptedResponseTypes: [0],
};
const validProto = encodeReadRequest(validRequest);
const validBody = snappyCompress(validProto);

let h: Harness;
const tried: Record<string, number> = {};
const statuses: Record<string, number> = {};

beforeAll(async () => {
  h = await startHarness();
  const write = await h.write(
    'server',
    realisticWriteRequest({ series: 30, samplesPerSeries: 3, startMs: NOW_MS - 30_000, seed: 5 }),
  );
  expect(write.status).toBe(204);
});
afterAll(async () => {
  reportCounts('fuzz-read', {
    ...tried,
    ...Object.fromEntries(Object.entries(statuses).map(([s, n]) => [`status${s}`, n])),
  });
  await h.close();
});

async function expectClean(edge: Edge, kind: string, body: Uint8Array): Promise<void> {
  tried[kind] = (tried[kind] ?? 0) + 1;
  const response = await h.send(edge, '/read', body, HEADERS);
  statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  expect(checkClientResponse(response, READ_STATUSES)).toBeUndefined();
  if (response.status === 200) {
    // A 200 is always a well-formed snappy ReadResponse.
    expect(() => decodeReadResponse(snappyUncompress(response.body, 1 << 30))).not.toThrow();
  }
}

describe.each(EDGES)('POST /read through the %s edge', (edge) => {
  test(
    'answers random bytes with a short 4xx (or 200 for an empty request)',
    () =>
      property(
        fc.uint8Array({ maxLength: 512 }),
        (body) => expectClean(edge, 'randomBytes', body),
        runs(200),
      ),
    budgetMs(60_000),
  );

  test(
    'answers valid snappy around random protobuf with a short 4xx or 200',
    () =>
      property(
        protoMessage(),
        (proto) => expectClean(edge, 'randomProtobuf', snappyCompress(proto)),
        runs(200),
      ),
    budgetMs(60_000),
  );

  test(
    'answers mutated bodies with a short 4xx or 200',
    () =>
      property(
        fc.oneof(
          mutatedBody([validBody]),
          mutatedBody([validProto]).map((proto) => Buffer.from(snappyCompress(proto))),
        ),
        (body) => expectClean(edge, 'mutated', body),
        runs(200),
      ),
    budgetMs(60_000),
  );

  test(
    'answers hostile matchers, regexes and ranges with 200 or a short 400/413',
    () =>
      property(
        absurdReadRequest,
        (request) => expectClean(edge, 'absurdRequest', snappyCompress(encodeReadRequest(request))),
        runs(200),
      ),
    budgetMs(120_000),
  );

  test('still answers a valid read after the fuzzing', async () => {
    const response = await h.send(edge, '/read', validBody, HEADERS);
    expect(response.status).toBe(200);
    const decoded = decodeReadResponse(snappyUncompress(response.body, 1 << 30));
    expect(decoded.results).toHaveLength(1);
    expect(decoded.results[0].timeseries.length).toBeGreaterThan(0);
  });
});
