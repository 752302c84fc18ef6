// SPDX-License-Identifier: Apache-2.0
// Process-wide integer ids for dimension names and (name, value) pairs, so that per-request
// batching (batch-order.ts) works on integers looked up in typed arrays instead of hashing the
// same strings again for every request. Bounded: past defaultInternerBounds the tables start over.

import { cacheMemoryBytes } from '../config/function-memory';
import { utf8ByteLength } from './validate-series';

/** Approximate heap bytes of an interned pair: its map entry, JSON text and byte count. */
const PAIR_BYTES = 150;
/**
 * Bounds of the tables, before they are dropped and ids start over (a new generation), as a share
 * of the memory the process may use (cacheMemoryBytes), between a floor and a ceiling. The
 * ceilings hold a working set well above a large Prometheus (100 k series, ~150 k distinct pairs,
 * ~3.5 M arena slots); tables that fill up within every round of scrapes restart again and again,
 * and refreshing every series' ids was ~15% of the connector's CPU in figure 4 (bench/figures/
 * ingest.ts, --cpu-prof, with the former fixed bounds of 2^17 pairs and 2^21 slots, now the floors).
 */
const PAIRS_MEMORY_SHARE = 1 / 16;
const MIN_INTERNED_PAIRS = 1 << 17; // ~20 MiB
const MAX_INTERNED_PAIRS = 1 << 19; // ~75 MiB
const ARENA_MEMORY_SHARE = 1 / 32;
const MIN_ARENA_SLOTS = 1 << 21; // 8 MiB
const MAX_ARENA_SLOTS = 1 << 23; // 32 MiB

/** The default bounds of a LabelInterner for a process with `memoryBytes` to size caches against. */
export function defaultInternerBounds(memoryBytes = cacheMemoryBytes()): {
  pairs: number;
  arenaSlots: number;
} {
  const clamp = (value: number, min: number, max: number) => Math.max(min, Math.min(max, Math.floor(value)));
  return {
    pairs: clamp((memoryBytes * PAIRS_MEMORY_SHARE) / PAIR_BYTES, MIN_INTERNED_PAIRS, MAX_INTERNED_PAIRS),
    arenaSlots: clamp((memoryBytes * ARENA_MEMORY_SHARE) / 4, MIN_ARENA_SLOTS, MAX_ARENA_SLOTS),
  };
}

/** The global name id of the measure name; dimension names get ids from 1. */
export const MEASURE_NAME_GLOBAL_ID = 0;

/** A growable run of int32 slots handed out front to back. */
export class Arena {
  data = new Int32Array(1 << 14);
  used = 0;

  /** Reserves `slots` slots; returns the offset of the first. */
  allocate(slots: number): number {
    const at = this.used;
    if (at + slots > this.data.length) {
      const grown = new Int32Array(Math.max(this.data.length * 2, at + slots));
      grown.set(this.data.subarray(0, at));
      this.data = grown;
    }
    this.used = at + slots;
    return at;
  }
}

/** Generations are unique across interners, so ids are never taken from the wrong one. */
let generations = 0;

/** Ids of one generation. Ids from an older generation must not be used with a newer one. */
export class LabelInterner {
  /** Changes whenever the tables start over. */
  generation = generations++;
  private names = new Map<string, number>();
  private pairs: Array<Map<string, number>> = [new Map()];
  /** UTF-8 bytes and JSON text of each name id (0 for the measure name). */
  nameBytes: number[] = [0];
  private nameJson: string[] = [''];
  /**
   * JSON text of each pair id: `{"Name":…,"Value":…}` for a dimension (what JSON.stringify gives
   * for a Dimension), the JSON string of the measure name for a measure name.
   */
  pairJson: string[] = [];
  /** UTF-8 bytes of the value of each pair id. */
  pairBytes = new Int32Array(1024);
  pairCount = 0;
  /**
   * Per-series id rows (series-cache.ts lays them out), one after the other in the order series
   * are first seen: batching reads them sequentially instead of chasing one small array per series.
   * `arena` holds the rows of series cached across requests, `scratch` those of one request only.
   */
  readonly arena = new Arena();
  readonly scratch = new Arena();

  constructor(
    private readonly maxPairs = defaultInternerBounds().pairs,
    private readonly maxArenaSlots = defaultInternerBounds().arenaSlots,
  ) {}

  /** Starts over when the tables are over their bounds; call only between requests. */
  trim(): void {
    if (this.pairCount <= this.maxPairs && this.arena.used <= this.maxArenaSlots) return;
    this.generation = generations++;
    this.names = new Map();
    this.pairs = [new Map()];
    this.nameBytes = [0];
    this.nameJson = [''];
    this.pairJson = [];
    this.pairCount = 0;
    this.arena.used = 0;
  }

  /** Returns the id of dimension name `name` (already mapped by toDimensionName). */
  nameId(name: string): number {
    let id = this.names.get(name);
    if (id === undefined) {
      id = this.nameBytes.length;
      this.names.set(name, id);
      this.nameBytes.push(utf8ByteLength(name));
      this.nameJson.push(`{"Name":${JSON.stringify(name)},"Value":`);
      this.pairs.push(new Map());
    }
    return id;
  }

  /** Returns the id of value `value` under name id `nameId`. */
  pairId(nameId: number, value: string): number {
    const values = this.pairs[nameId];
    let id = values.get(value);
    if (id === undefined) {
      id = this.pairCount++;
      if (id === this.pairBytes.length) this.grow();
      values.set(value, id);
      this.pairBytes[id] = utf8ByteLength(value);
      const valueJson = JSON.stringify(value);
      // NOTE: join makes a flat string; a concatenation would stay a tree that every request
      // body containing it walks again (write-json.ts).
      this.pairJson.push(
        nameId === MEASURE_NAME_GLOBAL_ID ? valueJson : [this.nameJson[nameId], valueJson, '}'].join(''),
      );
    }
    return id;
  }

  private grow(): void {
    const bytes = new Int32Array(this.pairBytes.length * 2);
    bytes.set(this.pairBytes);
    this.pairBytes = bytes;
  }
}

/** The interner of the process: batching is synchronous, so one set of tables serves every request. */
export const labelInterner = new LabelInterner();
