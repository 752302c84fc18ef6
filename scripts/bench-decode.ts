// SPDX-License-Identifier: Apache-2.0
// Measures remote-write decoding CPU per sample on figure 1's payload (five realistic 2000-sample
// requests, one sample per series): snappy block decoding (native binding, our pure-JS decoder,
// snappyjs for reference) and the protobuf walk with the label section cache warm (series seen
// in earlier requests), cold (series new to the cache; series seen once and admitted now) and
// off, plus protobufjs for reference.
// Run with `npx tsx scripts/bench-decode.ts`. Numbers are printed, never asserted (SPEC 9).

import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { REQUEST_SAMPLES, realisticRequests } from '../bench/support';
import { DEFAULT_DECODE_LIMITS } from '../lambda/codec/remote';
import { JS_SNAPPY, SNAPPY, snappyUncompress } from '../lambda/codec/snappy';
import { decodeWriteRequest, encodeWriteRequest } from '../lambda/prompb/codec';
import { LabelSectionCache } from '../lambda/prompb/label-section-cache';

/** Timed runs per measurement; the median is reported. */
const RUNS = 11;
/** Decodes per timed run, so that one run lasts tens of milliseconds. */
const ITERATIONS_PER_RUN = 30;

const root = protobuf.loadSync(path.join(__dirname, '..', 'proto', 'remote.proto'));
const WriteRequestType = root.lookupType('prometheus.WriteRequest');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappyjs = require('snappyjs') as { uncompress(block: Uint8Array): Uint8Array };

/** Median CPU time (user + system, all threads: GC included) per sample of `run`, in µs. */
function medianMicrosPerSample(run: () => void): number {
  for (let i = 0; i < ITERATIONS_PER_RUN * 2; i++) run(); // warm-up, lets V8 optimise
  const perRun: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < ITERATIONS_PER_RUN; i++) run();
    const used = process.cpuUsage(start);
    perRun.push((used.user + used.system) / ITERATIONS_PER_RUN / REQUEST_SAMPLES);
  }
  perRun.sort((a, b) => a - b);
  return perRun[Math.floor(perRun.length / 2)];
}

function main(): void {
  const requests = realisticRequests(5);
  const encoded = requests.map((timeseries) => encodeWriteRequest({ timeseries }));
  const compressed = encoded.map((bytes) => JS_SNAPPY.compress(bytes));
  const max = DEFAULT_DECODE_LIMITS.maxDecodedBytes;
  let k = 0;
  const next = () => k++ % encoded.length;
  let sink = 0;
  const warm = new LabelSectionCache();
  // A fresh cache per request without the doorkeeper: every section is admitted on first sight.
  const admitting = () => new LabelSectionCache({ doorkeeper: false });

  const rows: [string, () => void][] = [
    [
      `snappy, ${SNAPPY.name} (what this process uses)`,
      () => (sink += snappyUncompress(compressed[next()], max).length),
    ],
    ['snappy, pure-JS fallback', () => (sink += snappyUncompress(compressed[next()], max, JS_SNAPPY).length)],
    [
      'snappy, snappyjs without validation (reference)',
      () => (sink += snappyjs.uncompress(compressed[next()]).length),
    ],
    [
      'protobuf, warm label cache (series seen before)',
      () => (sink += decodeWriteRequest(encoded[next()], DEFAULT_DECODE_LIMITS, warm).timeseries.length),
    ],
    [
      'protobuf, cold: series new to the cache',
      () =>
        (sink += decodeWriteRequest(encoded[next()], DEFAULT_DECODE_LIMITS, new LabelSectionCache())
          .timeseries.length),
    ],
    [
      'protobuf, cold: series seen once, admitted now',
      () =>
        (sink += decodeWriteRequest(encoded[next()], DEFAULT_DECODE_LIMITS, admitting()).timeseries.length),
    ],
    [
      'protobuf, no label cache',
      () => (sink += decodeWriteRequest(encoded[next()], DEFAULT_DECODE_LIMITS, null).timeseries.length),
    ],
    [
      'protobuf, protobufjs (reference)',
      () =>
        (sink += (WriteRequestType.decode(encoded[next()]) as unknown as { timeseries: unknown[] }).timeseries
          .length),
    ],
  ];
  const bytes = (list: Uint8Array[]) => Math.round(list.reduce((n, b) => n + b.length, 0) / list.length);
  console.log(
    `${requests.length} requests of ${REQUEST_SAMPLES} samples (one per series), ` +
      `${bytes(encoded)} bytes protobuf, ${bytes(compressed)} bytes snappy on average; CPU µs/sample, median of ${RUNS}`,
  );
  const results = new Map<string, number>();
  for (const [name, run] of rows) {
    const micros = medianMicrosPerSample(run);
    results.set(name, micros);
    console.log(`  ${name.padEnd(52)} ${micros.toFixed(3)}`);
  }
  const total = (snappy: string, proto: string) => (results.get(snappy)! + results.get(proto)!).toFixed(3);
  const [native, js] = [rows[0][0], rows[1][0]];
  for (const [label, proto] of [
    ['warm', rows[3][0]],
    ['new series', rows[4][0]],
    ['admission', rows[5][0]],
  ]) {
    console.log(
      `  ${`total native / JS snappy, ${label}`.padEnd(52)} ${total(native, proto)} / ${total(js, proto)}`,
    );
  }
  if (sink === 0) console.log('unreachable');
}

main();
