// SPDX-License-Identifier: Apache-2.0
// Measures remote-write decoding cost per sample on a realistic 2000-sample payload: snappy block
// decoding, the hand-written protobuf decoder, and protobufjs on the same bytes for comparison.
// Run with `npx tsx scripts/bench-decode.ts`. Numbers are printed, never asserted (SPEC 9).

import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { DEFAULT_DECODE_LIMITS } from '../lambda/codec/remote';
import { snappyCompress, snappyUncompress } from '../lambda/codec/snappy';
import { decodeWriteRequest, encodeWriteRequest } from '../lambda/prompb/codec';
import { nodeExporterWriteRequest } from '../test/fixtures/prompb-payloads';

/** Samples per request: Prometheus' max_samples_per_send default since 2.45. */
const SAMPLES_PER_REQUEST = 2000;
/** Timed runs per measurement; the median is reported. */
const RUNS = 15;
/** Decodes per timed run, so that one run lasts tens of milliseconds. */
const ITERATIONS_PER_RUN = 40;

const root = protobuf.loadSync(path.join(__dirname, '..', 'proto', 'remote.proto'));
const WriteRequestType = root.lookupType('prometheus.WriteRequest');

function medianMicrosPerSample(run: () => void): number {
  for (let i = 0; i < ITERATIONS_PER_RUN * 3; i++) run(); // warm-up, lets V8 optimise
  const perRun: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS_PER_RUN; i++) run();
    const elapsedNs = Number(process.hrtime.bigint() - start);
    perRun.push(elapsedNs / 1000 / ITERATIONS_PER_RUN / SAMPLES_PER_REQUEST);
  }
  perRun.sort((a, b) => a - b);
  return perRun[Math.floor(perRun.length / 2)];
}

function bench(title: string, scrapes: number): void {
  const request = nodeExporterWriteRequest(SAMPLES_PER_REQUEST, scrapes);
  const encoded = encodeWriteRequest(request);
  const compressed = snappyCompress(encoded);
  let sink = 0;
  const snappy = medianMicrosPerSample(() => {
    sink += snappyUncompress(compressed, DEFAULT_DECODE_LIMITS.maxDecodedBytes).length;
  });
  const ours = medianMicrosPerSample(() => {
    sink += decodeWriteRequest(encoded, DEFAULT_DECODE_LIMITS).timeseries.length;
  });
  const theirs = medianMicrosPerSample(() => {
    sink += (WriteRequestType.decode(encoded) as unknown as { timeseries: unknown[] }).timeseries.length;
  });
  const distinct = Math.ceil(SAMPLES_PER_REQUEST / scrapes);
  console.log(
    `${title}: ${SAMPLES_PER_REQUEST} samples, ${distinct} distinct series, ` +
      `${encoded.length} bytes protobuf, ${compressed.length} bytes snappy`,
  );
  console.log(`  snappy uncompress        ${snappy.toFixed(3)} µs/sample`);
  console.log(`  protobuf decode (ours)   ${ours.toFixed(3)} µs/sample`);
  console.log(`  protobuf decode (protobufjs) ${theirs.toFixed(3)} µs/sample`);
  console.log(`  snappy + ours            ${(snappy + ours).toFixed(3)} µs/sample`);
  if (sink === 0) console.log('unreachable');
}

bench('every series distinct', 1);
bench('each series scraped 4 times', 4);
