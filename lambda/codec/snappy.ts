// SPDX-License-Identifier: Apache-2.0
// Snappy block format (not the framed format, which remote write forbids) with the checks a
// server needs: the declared length is read and limited before anything is allocated, and corrupt
// input is a 400, never a hang or a crash. Blocks are decoded by the native `snappy` binding when
// one loads (snappy-native.ts), else by the pure-JS decoder (snappy-js.ts); errors read the same.

import { badRequest, tooLarge } from '../core/errors';
import { limitSetting } from '../prompb/protobuf-reader';
import { decodeSnappyElements } from './snappy-js';
import { type NativeSnappyBinding, loadNativeSnappy } from './snappy-native';

interface SnappyJs {
  compress(data: Uint8Array): Uint8Array;
}
// NOTE: snappyjs ships no type declarations; this is the subset used here (compression only).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappyjs = require('snappyjs') as SnappyJs;

/** Largest length the snappy header may declare: the format stores it as a uint32 varint. */
const MAX_SNAPPY_DECLARED_BYTES = 0xffffffff;
/** Outputs over 2 GiB are refused whatever the limit (snappyjs, used before, read an int32). */
const MAX_DECODED_BLOCK_BYTES = 0x7fffffff;
/** A uint32 varint takes at most 5 bytes. */
const MAX_HEADER_BYTES = 5;

interface Header {
  decodedLength: number;
  headerBytes: number;
}

function readHeader(block: Uint8Array): Header {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < MAX_HEADER_BYTES; i++) {
    if (i >= block.length) {
      throw badRequest(
        block.length === 0
          ? 'cannot decode snappy block: empty body'
          : 'cannot decode snappy block: truncated length header',
      );
    }
    const byte = block[i];
    value += (byte & 0x7f) * multiplier;
    if (byte < 0x80) {
      if (value > MAX_SNAPPY_DECLARED_BYTES) break;
      return { decodedLength: value, headerBytes: i + 1 };
    }
    multiplier *= 128;
  }
  throw badRequest('cannot decode snappy block: length header is not a uint32 varint');
}

/**
 * Reads the decoded length a snappy block declares in its varint header, without decoding.
 * Throws a `bad_request` ConnectorError when the header is missing or malformed.
 */
export function snappyDecodedLength(block: Uint8Array): number {
  return readHeader(block).decodedLength;
}

/** How blocks are decoded and encoded: the native binding or pure JS. */
export interface SnappyImplementation {
  readonly name: 'native' | 'js';
  /**
   * Decodes the elements of `block` after its `headerBytes`-byte length header into exactly
   * `decodedLength` bytes; throws a `bad_request` ConnectorError for a corrupt block.
   */
  decodeElements(block: Uint8Array, headerBytes: number, decodedLength: number): Uint8Array;
  /** Encodes `data` as one snappy block. */
  compress(data: Uint8Array): Uint8Array;
}

/** Pure JS: the single-pass validating decoder (snappy-js.ts) and snappyjs for compression. */
export const JS_SNAPPY: SnappyImplementation = Object.freeze({
  name: 'js',
  decodeElements: decodeSnappyElements,
  compress(data: Uint8Array): Uint8Array {
    // NOTE: a plain Uint8Array view keeps snappyjs on its Uint8Array path for Buffer inputs too.
    return snappyjs.compress(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  },
});

/**
 * Wraps the native binding. Rust's `snap` checks every element and the output length itself, so
 * valid blocks skip the JS walk; a block it refuses is decoded again in JS only to produce the
 * same error message as the JS path.
 */
export function nativeSnappy(binding: NativeSnappyBinding): SnappyImplementation {
  // NOTE: copyOutputData: on figure 1's payload an external buffer per call cost 2-4x more CPU in
  // total (GC of external memory included) than copying the output into a V8 buffer (measured
  // with process.cpuUsage while choosing; scripts/bench-decode.ts shows the result).
  const options = { asBuffer: true, copyOutputData: true } as const;
  return Object.freeze({
    name: 'native',
    decodeElements(block: Uint8Array, headerBytes: number, decodedLength: number): Uint8Array {
      let decoded: Buffer | string;
      try {
        decoded = binding.uncompressSync(block, options);
      } catch (error) {
        decodeSnappyElements(block, headerBytes, decodedLength); // throws the JS path's message
        throw badRequest(`cannot decode snappy block: ${(error as Error).message}`, { cause: error });
      }
      if (typeof decoded === 'string' || decoded.length !== decodedLength) {
        throw badRequest(
          `cannot decode snappy block: decoded ${decoded.length} bytes, header declares ${decodedLength}`,
        );
      }
      return decoded;
    },
    compress: (data: Uint8Array): Uint8Array => binding.compressSync(data, options),
  });
}

const nativeLoadFailures: string[] = [];

/** The implementation chosen once per process: native when a binding loads, else JS. */
export const SNAPPY: SnappyImplementation = ((binding) =>
  binding === undefined ? JS_SNAPPY : nativeSnappy(binding))(loadNativeSnappy(undefined, nativeLoadFailures));

/** What the entry points log once at start-up when SNAPPY is JS, with SNAPPY_FALLBACK_REASONS. */
export const SNAPPY_FALLBACK_MESSAGE =
  'native snappy did not load: decoding snappy in pure JavaScript, which costs more CPU per request';

/**
 * Why no native binding loaded, one reason per place tried (empty when SNAPPY is native), for the
 * start-up log: otherwise a zip whose binary is missing or for another architecture decodes in
 * pure JS, costing CPU, with no sign of it.
 */
export const SNAPPY_FALLBACK_REASONS: readonly string[] = SNAPPY.name === 'js' ? nativeLoadFailures : [];

/**
 * Decodes one snappy block. The declared length is checked against `maxDecodedBytes` before any
 * allocation (a tiny body may claim gigabytes), then the block is decoded and validated by
 * `implementation` (by default the process's, SNAPPY).
 * Throws `payload_too_large` naming the limit, or `bad_request` for corrupt input.
 */
export function snappyUncompress(
  block: Uint8Array,
  maxDecodedBytes: number,
  implementation: SnappyImplementation = SNAPPY,
): Uint8Array {
  const { decodedLength, headerBytes } = readHeader(block);
  const limit = Math.min(maxDecodedBytes, MAX_DECODED_BLOCK_BYTES);
  if (decodedLength > limit) {
    const setting =
      limit === maxDecodedBytes ? limitSetting('maxDecodedBytes') : 'the largest snappy block decoded';
    throw tooLarge(
      `decoded body of ${decodedLength} bytes (snappy header) exceeds the limit of ${limit} bytes (${setting})`,
    );
  }
  return implementation.decodeElements(block, headerBytes, decodedLength);
}

/** Encodes `data` as one snappy block (what Prometheus sends and expects back from remote read). */
export function snappyCompress(data: Uint8Array, implementation: SnappyImplementation = SNAPPY): Uint8Array {
  return implementation.compress(data);
}
