// SPDX-License-Identifier: Apache-2.0
// UTF-8 string decoding for the protobuf reader, tuned for label names and values: short ASCII
// strings come from a small intern table, everything else from native decoders.

import { isUtf8 } from 'node:buffer';

/** Strings up to this many bytes are interned; label names and most values are shorter. */
const MAX_INTERNED_BYTES = 64;
/** Slots in the intern table (a power of two); a collision simply replaces the older string. */
const INTERN_SLOTS = 4096;

// NOTE: process-wide on purpose: a warm Lambda or server sees the same label names and values on
// every request. Strings are immutable, so sharing them is safe; the table's size is fixed.
const interned: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);

// Invalid UTF-8 becomes U+FFFD as the WHATWG decoder does; a leading BOM is kept, as Go keeps it.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Decodes bytes [start, end) of `bytes` (a Buffer view of the message) as UTF-8. Invalid sequences
 * are replaced with U+FFFD (TextDecoder semantics) rather than rejected.
 */
export function decodeUtf8(bytes: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length === 0) return '';
  if (length > MAX_INTERNED_BYTES) return decodeLong(bytes, start, end);
  let hash = 0x811c9dc5; // FNV-1a
  let high = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    high |= byte;
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  if (high >= 0x80) return utf8.decode(bytes.subarray(start, end));
  const slot = (hash ^ (hash >>> 16)) & (INTERN_SLOTS - 1);
  const candidate = interned[slot];
  if (candidate !== undefined && candidate.length === length && sameAscii(candidate, bytes, start)) {
    return candidate;
  }
  const decoded = bytes.toString('latin1', start, end);
  interned[slot] = decoded;
  return decoded;
}

function sameAscii(candidate: string, bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < candidate.length; i++) {
    if (candidate.charCodeAt(i) !== bytes[start + i]) return false;
  }
  return true;
}

function decodeLong(bytes: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    if (bytes[i] >= 0x80) return utf8.decode(bytes.subarray(start, end));
  }
  return bytes.toString('latin1', start, end);
}

/**
 * Whether decodeUtf8 of bytes [start, end) gave `decoded` by replacing bytes that are not UTF-8.
 * Costs a scan of `decoded` only, unless it holds U+FFFD, which well-formed input may also hold.
 */
export function replacedMalformedUtf8(decoded: string, bytes: Buffer, start: number, end: number): boolean {
  return decoded.includes('\uFFFD') && !isUtf8(bytes.subarray(start, end));
}
