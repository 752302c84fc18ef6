// SPDX-License-Identifier: Apache-2.0
// The process-wide cache from the raw bytes of a TimeSeries' label section to its decoded, frozen
// Label[]: Prometheus resends the same series on every scrape, so a warm process decodes a label
// set once and afterwards only hashes and compares its bytes. Bounded in entries and bytes, with
// two-generation eviction; which sections to look up and admit is decode-write.ts's decision.

import { randomBytes } from 'node:crypto';
import { cacheMemoryBytes } from '../config/function-memory';
import type { Label, LabelsMemo } from './types';

/**
 * Entries per generation: well above the series of a large Prometheus (100 k), so that a working
 * set of that size fits in one generation. A generation that fills up within every round of
 * scrapes (the bound was 100 k) moves each series to the next generation once per round, a copy
 * and a new entry per sample: with 100 k series that was ~7% of the connector's CPU in figure 4
 * (bench/figures/ingest.ts, --cpu-prof). Two generations are kept, so at most twice this many.
 */
export const DEFAULT_MAX_SECTION_ENTRIES = 250_000;
/**
 * Approximate bytes per generation (see sectionCost). A typical 12-label series costs about 1 470
 * by that estimate (its ~320 key bytes and what the entry keeps alive): ~140 MiB for 100 k series,
 * so that many still fit in one generation, and at most twice that when series churn. The memory
 * share below bounds it first in any function of 1280 MB or less.
 */
export const DEFAULT_MAX_SECTION_CACHE_BYTES = 160 * 1024 * 1024;
/**
 * Each generation gets at most this share of the process's memory (the smaller of V8's heap limit
 * and the Lambda function's memory size), so both together stay under a quarter of it: a 128 MB
 * function keeps ~16 MiB per generation (~11 k series) instead of running out of memory.
 */
const MEMORY_SHARE_PER_GENERATION = 1 / 8;

/** The default byte bound per generation for a process with this much memory. */
export function defaultSectionCacheBytes(memoryBytes = cacheMemoryBytes()): number {
  return Math.min(DEFAULT_MAX_SECTION_CACHE_BYTES, Math.floor(memoryBytes * MEMORY_SHARE_PER_GENERATION));
}
/** Longer label sections (real ones are a few hundred bytes) are decoded every time, not cached. */
export const MAX_CACHED_SECTION_BYTES = 4096;
/**
 * Entries sharing one hash value per generation. Past it a section is not admitted, so crafted
 * collisions cost at most this many byte comparisons per lookup and generation.
 */
export const MAX_ENTRIES_PER_HASH = 8;
/**
 * Approximate heap bytes an entry keeps alive besides its key and labels: the entry, its array and
 * map slot, and what its memo holds (series-cache.ts: the prepared series and its JSON fragments),
 * which lives as long as the entry. NOTE: measured through the write path (connector, 30 000
 * churning 6- and 12-label series, heap after GC): 1 027 and 1 537 bytes per entry, of which 84 and
 * 156 are the label interner's rows, bounded on their own. The entry and array alone (192 bytes
 * and 16 per label, the bound until then) let a generation grow to ~2.3 times its share.
 */
const ENTRY_OVERHEAD_BYTES = 480;
/** Approximate heap bytes per label of an entry: its Label object, decoded strings and dimension. */
const LABEL_OVERHEAD_BYTES = 56;
/**
 * Bits of the doorkeeper, a bitmap of section hashes seen once (128 KiB). A section is admitted
 * the second time it is offered, so series that never come back (churn) cost a bit, not an entry:
 * keeping decoded labels alive costs about 1 µs per series in garbage collection, which series
 * seen only once never pay back (scripts/bench-decode.ts, "cold").
 */
const DOORKEEPER_BITS = 1 << 20;
/** The tag of a Label field in a TimeSeries (field 1, length-delimited). */
const TAG_LABEL = 0x0a;
/** First arena size; arenas double up to what the byte bound needs. */
const INITIAL_ARENA_BYTES = 64 * 1024;

/** Configures a {@link LabelSectionCache}; defaults are the constants above. */
export interface LabelSectionCacheOptions {
  /** Entries per generation. @default DEFAULT_MAX_SECTION_ENTRIES */
  readonly maxEntries?: number;
  /** Approximate heap bytes per generation. @default defaultSectionCacheBytes() */
  readonly maxBytes?: number;
  /** Mixed into every hash so collisions cannot be precomputed; random unless given (tests). */
  readonly seed?: number;
  /** Admit a section only when it is offered a second time (see DOORKEEPER_BITS). @default true */
  readonly doorkeeper?: boolean;
}

/** A cached label section as lookups return it: its labels' memo (types.ts) and its length in bytes. */
export interface CachedSection extends LabelsMemo {
  readonly length: number;
}

/** A cached section; its memo moves along with it to a newer generation. */
class StoredEntry implements CachedSection {
  owner: unknown = undefined;
  value: unknown = undefined;
  /**
   * The entry of the section that followed this one last time (see follower), always of the same
   * generation, so that dropping a generation drops every link into it.
   */
  follower: StoredEntry | undefined = undefined;
  constructor(
    readonly generation: Generation,
    readonly labels: readonly Label[],
    /** Where the key bytes sit in the generation's arena. */
    readonly offset: number,
    readonly length: number,
    readonly next: StoredEntry | undefined,
  ) {}
}

/** One generation: a hash table over keys copied into one arena buffer. */
class Generation {
  readonly table = new Map<number, StoredEntry>();
  arena = Buffer.allocUnsafe(0);
  arenaUsed = 0;
  entries = 0;
  bytes = 0;
  /**
   * Set when a section was turned away for want of room. Entries seldom fill the byte bound
   * exactly, so `bytes` alone would stay just under it, the generation would never be replaced, and
   * no new series would be cached again for the life of the process.
   */
  full = false;

  find(hash: number, buf: Buffer, start: number, end: number): StoredEntry | undefined {
    const length = end - start;
    for (let e = this.table.get(hash); e !== undefined; e = e.next) {
      // NOTE: Buffer#compare, not a JS loop: for ~300-byte keys the native call is about three
      // times cheaper (measured while writing this; scripts/bench-decode.ts shows the total).
      if (e.length === length && buf.compare(this.arena, e.offset, e.offset + length, start, end) === 0)
        return e;
    }
    return undefined;
  }

  chainLength(hash: number): number {
    let n = 0;
    for (let e = this.table.get(hash); e !== undefined; e = e.next) n++;
    return n;
  }

  insert(
    hash: number,
    buf: Buffer,
    start: number,
    end: number,
    labels: readonly Label[],
    cost: number,
  ): StoredEntry {
    const length = end - start;
    if (this.arenaUsed + length > this.arena.length) {
      const grown = Buffer.allocUnsafe(
        Math.max(INITIAL_ARENA_BYTES, 2 * this.arena.length, this.arenaUsed + length),
      );
      grown.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = grown;
    }
    const offset = this.arenaUsed;
    // NOTE: TypedArray#set from a plain Uint8Array view: Buffer#copy's argument checks and
    // Buffer#subarray's Buffer construction each cost more than the copy itself here.
    this.arena.set(new Uint8Array(buf.buffer, buf.byteOffset + start, length), offset);
    this.arenaUsed += length;
    const entry = new StoredEntry(this, labels, offset, length, this.table.get(hash));
    this.table.set(hash, entry);
    this.entries++;
    this.bytes += cost;
    return entry;
  }
}

/**
 * Label arrays by the bytes of the label section they were decoded from, across requests.
 * Lookups compare the bytes, so a hash collision costs a comparison, never wrong labels.
 *
 * A section is admitted the second time it is offered (doorkeeper). Eviction is by generation:
 * entries go into the current generation; when it is full at the start of a request ({@link startRequest}) it becomes the previous one and the one before is
 * dropped; an entry found in the previous generation moves to the current one. Nothing is evicted
 * during a request, so an entry found once is found again until the request ends.
 */
export class LabelSectionCache {
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly seed: number;
  private current = new Generation();
  private previous = new Generation();
  /** Hashes offered once since the last new generation; undefined when admitting at once. */
  private readonly seen: Uint32Array | undefined;

  constructor(options: LabelSectionCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_SECTION_ENTRIES;
    this.maxBytes = options.maxBytes ?? defaultSectionCacheBytes();
    // NOTE: a secret seed also keeps the table's own integer keys from being chosen by senders.
    this.seed = options.seed ?? randomBytes(4).readInt32LE(0);
    this.seen = options.doorkeeper === false ? undefined : new Uint32Array(DOORKEEPER_BITS / 32);
  }

  /** Entries held, both generations together (a promoted entry counts in both until evicted). */
  get size(): number {
    return this.current.entries + this.previous.entries;
  }

  /** Starts a new generation when the current one is full; call before decoding a request. */
  startRequest(): void {
    const g = this.current;
    if (!g.full && g.entries < this.maxEntries && g.bytes < this.maxBytes) return;
    this.previous = this.current;
    this.current = new Generation();
    this.seen?.fill(0);
  }

  /** Returns the hash of bytes [start, end) of `view` that get and add take. */
  hash(view: DataView, start: number, end: number): number {
    return hashSection(view, start, end, this.seed);
  }

  /**
   * Returns the section cached for the bytes [start, end) of `buf`, if any: its labels and the
   * memo the caller may use. Remembers it as the follower of `previous` (the section the caller
   * found just before).
   */
  lookup(
    hash: number,
    buf: Buffer,
    start: number,
    end: number,
    previous?: LabelsMemo,
  ): CachedSection | undefined {
    let found = this.current.find(hash, buf, start, end);
    if (found === undefined) {
      const old = this.previous.find(hash, buf, start, end);
      if (old === undefined) return undefined;
      found = this.admit(hash, buf, start, end, old.labels);
      if (found === undefined) return old;
      found.owner = old.owner;
      found.value = old.value;
    }
    linkFollower(previous, found);
    return found;
  }

  /**
   * Returns the section that followed `previous` last time when `buf` holds exactly its bytes
   * from `start` and no further label field follows them before `end` (so they are the whole run
   * of label fields there), or undefined. A hit costs one byte comparison where a lookup hashes
   * the section and probes the table: Prometheus sends a shard's series in much the same order
   * every time, so the follower is usually the one.
   */
  follower(
    previous: LabelsMemo | undefined,
    buf: Buffer,
    start: number,
    end: number,
    maxBytes: number,
    maxLabels: number,
  ): CachedSection | undefined {
    if (!(previous instanceof StoredEntry)) return undefined;
    const guess = previous.follower;
    if (guess === undefined || guess.generation !== this.current) return undefined;
    const length = guess.length;
    const runEnd = start + length;
    if (length > maxBytes || guess.labels.length > maxLabels || runEnd > end) return undefined;
    if (runEnd < end && buf[runEnd] === TAG_LABEL) return undefined;
    const arena = guess.generation.arena;
    return buf.compare(arena, guess.offset, guess.offset + length, start, runEnd) === 0 ? guess : undefined;
  }

  /**
   * Offers `labels` for the section occupying [start, end) of `buf` (the caller has checked it is
   * not cached). It is cached when it was offered before (doorkeeper), unless the generation is
   * full, the section is long or its hash is crowded. The labels must be frozen: every later
   * request with the same bytes gets this array.
   */
  add(
    hash: number,
    buf: Buffer,
    start: number,
    end: number,
    labels: readonly Label[],
    previous?: LabelsMemo,
  ): CachedSection | undefined {
    const seen = this.seen;
    if (seen !== undefined) {
      const bit = hash & (DOORKEEPER_BITS - 1);
      const mask = 1 << (bit & 31);
      if ((seen[bit >>> 5] & mask) === 0) {
        seen[bit >>> 5] |= mask;
        return undefined;
      }
    }
    const added = this.admit(hash, buf, start, end, labels);
    if (added !== undefined) linkFollower(previous, added);
    return added;
  }

  private admit(
    hash: number,
    buf: Buffer,
    start: number,
    end: number,
    labels: readonly Label[],
  ): StoredEntry | undefined {
    const g = this.current;
    const length = end - start;
    const cost = sectionCost(length, labels.length);
    if (length > MAX_CACHED_SECTION_BYTES) return undefined;
    if (g.entries >= this.maxEntries || g.bytes + cost > this.maxBytes) {
      g.full = true;
      return undefined;
    }
    if (g.chainLength(hash) >= MAX_ENTRIES_PER_HASH) return undefined;
    return g.insert(hash, buf, start, end, labels, cost);
  }
}

/**
 * Remembers `entry` as the follower of `previous` (see LabelSectionCache.follower) when both are
 * of one generation, so that no link reaches into another.
 */
function linkFollower(previous: LabelsMemo | undefined, entry: StoredEntry): void {
  if (previous instanceof StoredEntry && previous.generation === entry.generation) previous.follower = entry;
}

/** Approximate heap bytes an entry holds: its key, overheads, and the label slots. */
function sectionCost(keyBytes: number, labels: number): number {
  return keyBytes + ENTRY_OVERHEAD_BYTES + LABEL_OVERHEAD_BYTES * labels;
}

/**
 * Returns a 32-bit hash of bytes [start, end) of `view`, two 32-bit lanes at a time. Not a
 * cryptographic hash: the seed and MAX_ENTRIES_PER_HASH bound what collisions can cost.
 * Hand-written over DataView words because it runs once per series on the hot path; byte reads
 * took about three times as long on real label sections.
 */
export function hashSection(view: DataView, start: number, end: number, seed: number): number {
  let h1 = seed ^ (end - start);
  let h2 = 0x2f5a1c37 ^ seed;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    h1 = Math.imul(((h1 << 5) | (h1 >>> 27)) ^ view.getInt32(i, true), 0x9e3779b1);
    h2 = Math.imul(((h2 << 7) | (h2 >>> 25)) ^ view.getInt32(i + 4, true), 0x85ebca77);
  }
  for (; i < end; i++) h1 = Math.imul(h1 ^ view.getUint8(i), 0x01000193);
  let h = h1 ^ Math.imul(h2, 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** The cache decodeWriteRequest uses unless given another: one per process (or worker thread). */
export const sharedLabelSectionCache = new LabelSectionCache();
