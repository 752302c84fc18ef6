// SPDX-License-Identifier: Apache-2.0
// Pre-encoded remote-write bodies for the ingest figure: the realistic label sets of
// test/support/payloads.ts, one sample per TimeSeries, snappy-compressed, built before any timing.
// Every series gets one new sample per round, so no target ever sees a duplicate.

import { snappyCompress } from '../../lambda/codec/snappy';
import { encodeWriteRequest } from '../../lambda/prompb/codec';
import type { Label } from '../../lambda/prompb/types';
import { realisticLabelSets } from '../../test/support/payloads';

/** Bytes of a series entry's tail: Sample header (2), double field (1 + 8), timestamp field (1 + 6). */
const SAMPLE_TAIL_BYTES = 18;
/** A millisecond timestamp between 2^35 and 2^42 encodes as a 6-byte varint. */
const TIMESTAMP_VARINT_BYTES = 6;
const MIN_SIX_BYTE_MS = 2 ** 35;
const MAX_SIX_BYTE_MS = 2 ** 42 - 1;
/** realisticLabelSets(n) holds about 0.7 n distinct series for n ≈ 100 k; draw from a larger pool. */
const LABEL_POOL_FACTOR = 1.6;

/** Shape of the generated load. */
export interface BodyPlan {
  series: number;
  samplesPerRequest: number;
  rounds: number;
  /** Timestamp of round 0 (ms); round r is `startMs + r * stepMs`. */
  startMs: number;
  stepMs: number;
}

/** The bodies, in send order: round by round, each round covering every series once. */
export interface Bodies {
  plan: BodyPlan;
  bodies: Buffer[];
  /** Samples in body i (the last body of a round may be short). */
  samples: number[];
  /** Compressed bytes over all bodies. */
  totalBytes: number;
  /** The leading bodies that write every series' first sample (the first round). */
  firstRoundBodies: number;
}

/**
 * Builds `rounds × ceil(series / samplesPerRequest)` bodies. Each series entry is encoded once;
 * a round only rewrites the value and timestamp bytes in place and compresses the result.
 */
export function buildBodies(plan: BodyPlan): Bodies {
  const lastMs = plan.startMs + (plan.rounds - 1) * plan.stepMs;
  if (plan.startMs < MIN_SIX_BYTE_MS || lastMs > MAX_SIX_BYTE_MS)
    throw new RangeError('bench timestamps must encode as 6-byte varints');
  const sets = distinctLabelSets(plan.series);
  const slots: { raw: Uint8Array; tails: Int32Array }[] = [];
  for (let first = 0; first < sets.length; first += plan.samplesPerRequest) {
    const slice = sets.slice(first, first + plan.samplesPerRequest);
    const raw = encodeWriteRequest({
      timeseries: slice.map((labels) => ({ labels, samples: [{ value: 1, timestamp: plan.startMs }] })),
    });
    // Each entry ends with its sample: find the entry ends by walking the length prefixes.
    const tails = new Int32Array(slice.length);
    let offset = 0;
    for (let i = 0; i < slice.length; i++) {
      offset += 1; // field tag 0x0a
      let length = 0;
      for (let shift = 0; ; shift += 7) {
        const byte = raw[offset++];
        length |= (byte & 0x7f) << shift;
        if (byte < 0x80) break;
      }
      offset += length;
      tails[i] = offset - SAMPLE_TAIL_BYTES;
    }
    slots.push({ raw, tails });
  }
  const bodies: Buffer[] = [];
  const samples: number[] = [];
  let totalBytes = 0;
  for (let round = 0; round < plan.rounds; round++) {
    const timestamp = plan.startMs + round * plan.stepMs;
    slots.forEach(({ raw, tails }, slot) => {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let i = 0; i < tails.length; i++) {
        const at = tails[i];
        const series = slot * plan.samplesPerRequest + i;
        view.setFloat64(at + 3, sampleValue(series, round), true);
        writeVarint6(raw, at + 2 + 9 + 1, timestamp);
      }
      const body = Buffer.from(snappyCompress(raw));
      bodies.push(body);
      samples.push(tails.length);
      totalBytes += body.length;
    });
  }
  return { plan, bodies, samples, totalBytes, firstRoundBodies: slots.length };
}

/**
 * The first `count` distinct label sets of realisticLabelSets: its histogram family repeats after
 * about 10 k series, and a repeated series would turn new samples into duplicates.
 */
export function distinctLabelSets(count: number): Label[][] {
  const pool = realisticLabelSets(Math.ceil(count * LABEL_POOL_FACTOR), 1);
  const seen = new Set<string>();
  const out: Label[][] = [];
  for (const labels of pool) {
    const key = labels.map((l) => `${l.name}\u0000${l.value}`).join('\u0001');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(labels);
    if (out.length === count) return out;
  }
  throw new RangeError(`only ${out.length} distinct realistic series in a pool of ${pool.length}`);
}

/** A deterministic, non-zero, finite value that changes every round. */
export function sampleValue(series: number, round: number): number {
  return 1 + ((series * 7919 + round * 104_729) % 1_000_003) / 64;
}

function writeVarint6(out: Uint8Array, at: number, value: number): void {
  let rest = value;
  for (let i = 0; i < TIMESTAMP_VARINT_BYTES; i++) {
    const low = rest % 128;
    rest = Math.floor(rest / 128);
    out[at + i] = i < TIMESTAMP_VARINT_BYTES - 1 ? low | 0x80 : low;
  }
}
