// SPDX-License-Identifier: Apache-2.0
// Fuzzes POST /write through both edges (node:http server and Lambda adapter) with random, mutated
// and absurd bodies: never a crash or a 5xx for client input, always a short text 4xx (or a 204
// when the input happens to be a valid request), and the connector keeps serving afterwards.

import fc from 'fast-check';
import { snappyCompress } from '../../lambda/codec/snappy';
import { encodeWriteRequest } from '../../lambda/prompb/codec';
import { BASIC_AUTH, EDGES, startHarness, type Edge, type Harness } from '../support/harness';
import { realisticWriteRequest } from '../support/payloads';
import { absurdWriteRequest, mutatedBody, protoMessage } from './generators';
import { budgetMs, checkClientResponse, property, reportCounts, runs } from './support';

const HEADERS = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'x-prometheus-remote-write-version': '0.1.0',
  authorization: BASIC_AUTH,
};
const NOW_MS = 1_763_000_000_000;
const WRITE_STATUSES = [204, 400, 413];

const validProto = encodeWriteRequest(
  realisticWriteRequest({ series: 6, samplesPerSeries: 2, startMs: NOW_MS, seed: 3 }),
);
const validBody = snappyCompress(validProto);

let h: Harness;
const tried: Record<string, number> = {};
const statuses: Record<string, number> = {};

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  reportCounts('fuzz-write', {
    ...tried,
    ...Object.fromEntries(Object.entries(statuses).map(([s, n]) => [`status${s}`, n])),
  });
  await h.close();
});

/** Sends one body and fails the property with the reason when the answer is not a clean one. */
async function expectClean(
  edge: Edge,
  kind: string,
  body: Uint8Array,
  allowed: readonly number[] = WRITE_STATUSES,
  headers: Record<string, string> = HEADERS,
): Promise<void> {
  tried[kind] = (tried[kind] ?? 0) + 1;
  const response = await h.send(edge, '/write', body, headers);
  statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  expect(checkClientResponse(response, allowed)).toBeUndefined();
  expect(response.headers['x-prometheus-remote-write-samples-written']).toMatch(/^\d+$/);
}

describe.each(EDGES)('POST /write through the %s edge', (edge) => {
  test(
    'answers random bytes as snappy with a short 4xx (or 204 for an empty request)',
    () =>
      property(
        fc.uint8Array({ maxLength: 512 }),
        (body) => expectClean(edge, 'randomBytes', body),
        runs(200),
      ),
    budgetMs(60_000),
  );

  test(
    'answers valid snappy around random protobuf with a short 4xx or 204',
    () =>
      property(
        protoMessage(),
        (proto) => expectClean(edge, 'randomProtobuf', snappyCompress(proto)),
        runs(200),
      ),
    budgetMs(60_000),
  );

  test(
    'answers mutated snappy bodies with a short 4xx or 204',
    () => property(mutatedBody([validBody]), (body) => expectClean(edge, 'mutatedSnappy', body), runs(200)),
    budgetMs(60_000),
  );

  test(
    'answers mutated protobuf inside valid snappy with a short 4xx or 204',
    () =>
      property(
        mutatedBody([validProto]),
        (proto) => expectClean(edge, 'mutatedProtobuf', snappyCompress(proto)),
        runs(200),
      ),
    budgetMs(60_000),
  );

  test(
    'answers well-formed requests with absurd contents with 204 or a short 400/413',
    () =>
      property(
        absurdWriteRequest,
        (request) => expectClean(edge, 'absurdRequest', snappyCompress(encodeWriteRequest(request))),
        runs(100),
      ),
    budgetMs(120_000),
  );

  test(
    'answers random Content-Type and Content-Encoding headers with 415 or a decoding status',
    () =>
      property(
        fc.record({
          'content-type': fc.oneof(
            fc.string({ maxLength: 60 }),
            fc.constant('application/x-protobuf;proto=io.prometheus.write.v2.Request'),
          ),
          'content-encoding': fc.oneof(
            fc.constantFrom('gzip', 'snappy', '', 'zstd'),
            fc.string({ maxLength: 20 }),
          ),
        }),
        (headers) =>
          expectClean(edge, 'randomHeaders', validBody, [204, 400, 413, 415], {
            ...HEADERS,
            ...headers,
          }),
        runs(100),
      ),
    budgetMs(60_000),
  );

  test('still writes a valid request after the fuzzing', async () => {
    const response = await h.send(edge, '/write', validBody, HEADERS);
    expect(response.status).toBe(204);
    expect(response.headers['x-prometheus-remote-write-samples-written']).toBe('12');
  });
});
