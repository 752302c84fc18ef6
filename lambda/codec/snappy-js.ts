// SPDX-License-Identifier: Apache-2.0
// Pure-JS snappy block decoding that validates while it decodes, in one pass: the fallback when
// the native `snappy` binding is absent, and the source of the exact error message for a block
// the native decoder refused. Header parsing and the size limit are snappy.ts's.

import { badRequest } from '../core/errors';

/** Literals and copies up to this many bytes are copied byte by byte (fastest of 8-64 measured). */
const SHORT_COPY_BYTES = 16;

/**
 * Decodes the elements of a snappy block starting at `start` (just past the length header) into
 * a new buffer of exactly `decodedLength` bytes, and throws a `bad_request` ConnectorError on the
 * first inconsistency: a literal or copy running past the end of the block, a copy offset of 0 or
 * reaching before the start of the output, more or less output than the header declares. Work is
 * linear in the block and output sizes, so corrupt input never hangs.
 *
 * Hand-written instead of snappyjs (which trusts its input and needed a separate validation walk)
 * because one pass is about twice as fast on the remote-write payload (scripts/bench-decode.ts).
 */
export function decodeSnappyElements(block: Uint8Array, start: number, decodedLength: number): Uint8Array {
  // NOTE: allocUnsafe is safe here: the buffer is returned only when every byte was written.
  const out = Buffer.allocUnsafe(decodedLength);
  const end = block.length;
  let pos = start;
  let outPos = 0;
  while (pos < end) {
    const tag = block[pos++];
    const kind = tag & 3;
    if (kind === 0) {
      let length = (tag >>> 2) + 1;
      if (length > 60) {
        const extraBytes = length - 60;
        if (pos + extraBytes > end) throw corrupt('literal length runs past the end', pos);
        length = 0;
        for (let i = extraBytes - 1; i >= 0; i--) length = length * 256 + block[pos + i];
        length += 1;
        pos += extraBytes;
      }
      if (length > end - pos) throw corrupt(`literal of ${length} bytes runs past the end`, pos);
      if (length > decodedLength - outPos) throw exceeds(decodedLength, pos + length);
      if (length <= SHORT_COPY_BYTES) {
        for (let i = 0; i < length; i++) out[outPos + i] = block[pos + i];
      } else {
        out.set(block.subarray(pos, pos + length), outPos);
      }
      pos += length;
      outPos += length;
      continue;
    }
    let length: number;
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
    if (length > decodedLength - outPos) throw exceeds(decodedLength, pos);
    const from = outPos - offset;
    // Overlapping copies (offset < length) repeat a pattern and must go byte by byte.
    if (length <= SHORT_COPY_BYTES || offset < length) {
      for (let i = 0; i < length; i++) out[outPos + i] = out[from + i];
    } else {
      out.copyWithin(outPos, from, from + length);
    }
    outPos += length;
  }
  if (outPos !== decodedLength) {
    throw badRequest(`cannot decode snappy block: decoded ${outPos} bytes, header declares ${decodedLength}`);
  }
  return out;
}

function exceeds(decodedLength: number, pos: number) {
  return corrupt(`decoded data exceeds the declared ${decodedLength} bytes`, pos);
}

function corrupt(reason: string, pos: number) {
  return badRequest(`cannot decode snappy block: ${reason} (at byte ${pos})`);
}
