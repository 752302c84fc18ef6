// SPDX-License-Identifier: Apache-2.0
// Snappy block format (not the framed format, which remote write forbids) with the checks a
// server needs: the declared length is read and limited before anything is allocated, and the
// whole block is validated before snappyjs copies a byte, so corrupt input is a 400, never a hang.

import { badRequest, tooLarge } from '../core/errors';

interface SnappyJs {
  uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  compress(data: Uint8Array): Uint8Array;
}
// NOTE: snappyjs ships no type declarations; this is the subset used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappyjs = require('snappyjs') as SnappyJs;

/** Largest length the snappy header may declare: the format stores it as a uint32 varint. */
const MAX_SNAPPY_DECLARED_BYTES = 0xffffffff;
/** snappyjs reads the header into an int32, so longer outputs are refused whatever the limit. */
const MAX_SNAPPYJS_DECODED_BYTES = 0x7fffffff;
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

/**
 * Walks every element of the block the way a decoder would, without copying, and throws on the
 * first inconsistency. After this pass snappyjs cannot read out of bounds, write past the
 * declared length, or loop: it trusts its input and, unguarded, spins forever on a literal whose
 * 4-byte length is negative as an int32, and pads short output with zeros.
 */
function validateElements(block: Uint8Array, start: number, decodedLength: number): void {
  const end = block.length;
  let pos = start;
  let outPos = 0;
  while (pos < end) {
    const tag = block[pos++];
    const kind = tag & 3;
    let length: number;
    if (kind === 0) {
      length = (tag >>> 2) + 1;
      if (length > 60) {
        const extraBytes = length - 60;
        if (pos + extraBytes > end) throw corrupt('literal length runs past the end', pos);
        length = 0;
        for (let i = extraBytes - 1; i >= 0; i--) length = length * 256 + block[pos + i];
        length += 1;
        pos += extraBytes;
      }
      if (length > end - pos) throw corrupt(`literal of ${length} bytes runs past the end`, pos);
      pos += length;
    } else {
      let offset: number;
      if (kind === 1) {
        if (pos + 1 > end) throw corrupt('copy runs past the end', pos);
        length = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | block[pos];
        pos += 1;
      } else if (kind === 2) {
        if (pos + 2 > end) throw corrupt('copy runs past the end', pos);
        length = (tag >>> 2) + 1;
        offset = block[pos] | (block[pos + 1] << 8);
        pos += 2;
      } else {
        if (pos + 4 > end) throw corrupt('copy runs past the end', pos);
        length = (tag >>> 2) + 1;
        offset = (block[pos] | (block[pos + 1] << 8) | (block[pos + 2] << 16)) + block[pos + 3] * 0x1000000;
        pos += 4;
      }
      if (offset === 0 || offset > outPos)
        throw corrupt(`copy offset ${offset} is outside the ${outPos} bytes decoded so far`, pos);
    }
    outPos += length;
    if (outPos > decodedLength)
      throw corrupt(`decoded data exceeds the declared ${decodedLength} bytes`, pos);
  }
  if (outPos !== decodedLength) {
    throw badRequest(`cannot decode snappy block: decoded ${outPos} bytes, header declares ${decodedLength}`);
  }
}

function corrupt(reason: string, pos: number) {
  return badRequest(`cannot decode snappy block: ${reason} (at byte ${pos})`);
}

/**
 * Decodes one snappy block. The declared length is checked against `maxDecodedBytes` before any
 * allocation (a tiny body may claim gigabytes), then the block is validated, then decoded.
 * Throws `payload_too_large` naming the limit, or `bad_request` for corrupt input.
 */
export function snappyUncompress(block: Uint8Array, maxDecodedBytes: number): Uint8Array {
  const { decodedLength, headerBytes } = readHeader(block);
  const limit = Math.min(maxDecodedBytes, MAX_SNAPPYJS_DECODED_BYTES);
  if (decodedLength > limit) {
    throw tooLarge(
      `decoded body of ${decodedLength} bytes (snappy header) exceeds the limit of ${limit} bytes`,
    );
  }
  validateElements(block, headerBytes, decodedLength);
  // NOTE: a plain Uint8Array view keeps snappyjs on its Uint8Array path for Buffer inputs too.
  const view = new Uint8Array(block.buffer, block.byteOffset, block.byteLength);
  return snappyjs.uncompress(view, decodedLength);
}

/** Encodes `data` as one snappy block (what Prometheus sends and expects back from remote read). */
export function snappyCompress(data: Uint8Array): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return snappyjs.compress(view);
}
