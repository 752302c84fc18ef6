// SPDX-License-Identifier: Apache-2.0
// The decoder's per-request caches: Label objects by the raw bytes of their Label message, and
// label arrays by the sequence of labels they hold, so a label pair or a whole label set repeated
// in one request is decoded and allocated once. Both live for one decode call only.

import type { Label } from './types';

/**
 * Entries kept per hash in each cache. The hash is unseeded murmur3 mixing, whose collisions an
 * attacker can make at will (two 4-byte blocks flipped in the right bits collide whatever came
 * before), so an unbounded chain made a request of colliding labels quadratic: 16 384 of them
 * (2 MB) took seconds. Past the bound a label or set is simply not cached.
 */
export const MAX_ENTRIES_PER_HASH = 8;

/** A decoded label and the byte range it was decoded from. */
interface LabelEntry {
  readonly start: number;
  readonly end: number;
  readonly label: Label;
  /** Small integer naming the distinct label within the request. */
  readonly id: number;
  readonly next: LabelEntry | undefined;
  /** Entries in the chain from this one on (this one included). */
  readonly depth: number;
}

interface LabelSetEntry {
  readonly ids: readonly number[];
  readonly labels: Label[];
  readonly next: LabelSetEntry | undefined;
  /** Entries in the chain from this one on (this one included). */
  readonly depth: number;
}

/** Returns a 32-bit hash of bytes [start, end) (murmur3-style mixing, 4 bytes per step). */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = end - start;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    h = mix(h, buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
  }
  for (; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return finish(h);
}

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number): number {
  h ^= h >>> 16;
  return Math.imul(h, 0x85ebca6b) | 0;
}

// NOTE: a JS loop, not Buffer#compare: for ranges of tens of bytes the native call costs more.
function sameBytes(buf: Uint8Array, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) {
    if (buf[a + i] !== buf[b + i]) return false;
  }
  return true;
}

/**
 * Labels by the content of their bytes within one buffer. Ranges are compared byte by byte, so a
 * hash collision costs a comparison, never a wrong label.
 */
export class LabelCache {
  private readonly entries = new Map<number, LabelEntry>();
  private nextId = 0;

  constructor(private readonly buf: Uint8Array) {}

  /** Returns the entry for a Label message occupying [start, end) with hash `hash`, if cached. */
  get(hash: number, start: number, end: number): LabelEntry | undefined {
    const length = end - start;
    for (let e = this.entries.get(hash); e !== undefined; e = e.next) {
      if (e.end - e.start === length && sameBytes(this.buf, start, e.start, length)) return e;
    }
    return undefined;
  }

  /**
   * Caches `label`, decoded from [start, end), and returns its entry; past MAX_ENTRIES_PER_HASH
   * entries with its hash the entry (with an id of its own) is returned without being cached.
   */
  add(hash: number, start: number, end: number, label: Label): LabelEntry {
    const next = this.entries.get(hash);
    const depth = (next?.depth ?? 0) + 1;
    const entry = { start, end, label, id: this.nextId++, next, depth };
    if (depth <= MAX_ENTRIES_PER_HASH) this.entries.set(hash, entry);
    return entry;
  }
}

/** Label arrays by the ids (LabelCache) of the labels they hold, in order. */
export class LabelSetCache {
  private readonly entries = new Map<number, LabelSetEntry>();

  /**
   * Returns the cached array holding the labels with ids `ids[0..count)`, or caches a copy of
   * `labels[0..count)` under them and returns that copy.
   */
  intern(ids: readonly number[], labels: readonly Label[], count: number): Label[] {
    let h = count;
    for (let i = 0; i < count; i++) h = mix(h, ids[i]);
    const hash = finish(h);
    const first = this.entries.get(hash);
    for (let e = first; e !== undefined; e = e.next) {
      if (e.ids.length === count && sameIds(e.ids, ids, count)) return e.labels;
    }
    const copy = labels.slice(0, count);
    const depth = (first?.depth ?? 0) + 1;
    if (depth <= MAX_ENTRIES_PER_HASH) {
      this.entries.set(hash, { ids: ids.slice(0, count), labels: copy, next: first, depth });
    }
    return copy;
  }
}

function sameIds(a: readonly number[], b: readonly number[], count: number): boolean {
  for (let i = 0; i < count; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}
