// SPDX-License-Identifier: Apache-2.0
import {
  LabelCache,
  LabelSetCache,
  MAX_ENTRIES_PER_HASH,
  hashBytes,
} from '../../../lambda/prompb/byte-cache';
import type { Label } from '../../../lambda/prompb/types';

const label = (name: string, value: string): Label => ({ name, value });

/** The raw 32-bit block whose murmur3 mixing (k * c1, rotl 15, * c2) is `mixed`. */
function unmix(mixed: number): number {
  const m = 2n ** 32n;
  const inverse = (a: bigint) => {
    let [t, nt, r, nr] = [0n, 1n, m, a];
    while (nr !== 0n) {
      const q = r / nr;
      [t, nt, r, nr] = [nt, t - q * nt, nr, r - q * nr];
    }
    return ((t % m) + m) % m;
  };
  const k = Number((BigInt(mixed >>> 0) * inverse(0x1b873593n)) % m);
  const rotated = ((k >>> 15) | (k << 17)) >>> 0;
  return Number((BigInt(rotated) * inverse(0xcc9e2d51n)) % m);
}

/**
 * 2^pairs blocks sequences of one hash whatever the state before them: in each pair, the first
 * block's mixed value flipped in bit 18 flips bit 31 of the state (rotl 13, then * 5 keeps it),
 * which the second block's mixed value flipped in bit 31 cancels.
 */
function collidingBlocks(pairs: number): number[][] {
  return Array.from({ length: 2 ** pairs }, (_, variant) =>
    Array.from({ length: pairs }, (_, i) => {
      const flip = (variant >> i) & 1;
      return [unmix((0x12345678 + i) ^ (flip << 18)), unmix((0x0badf00d + i) ^ (flip ? 0x80000000 : 0))];
    }).flat(),
  );
}

describe('LabelCache', () => {
  // Three Label messages' worth of bytes: 'job=api' twice and 'job=apx' (same length), 'job=ap'.
  const buf = new TextEncoder().encode('job=apijob=apxjob=apijob=ap');
  const API = [0, 7] as const;
  const APX = [7, 14] as const;
  const API_AGAIN = [14, 21] as const;
  const AP = [21, 27] as const;

  test('finds a cached label by the content of its bytes, at another offset', () => {
    const cache = new LabelCache(buf);
    const hash = hashBytes(buf, ...API);
    const entry = cache.add(hash, ...API, label('job', 'api'));
    expect(hashBytes(buf, ...API_AGAIN)).toBe(hash);
    expect(cache.get(hash, ...API_AGAIN)).toBe(entry);
  });

  test.each([
    { name: 'the same length but other bytes', other: APX, value: 'apx' },
    { name: 'a prefix of its bytes', other: AP, value: 'ap' },
  ])('never answers a hash collision with $name with the cached label', ({ other, value }) => {
    const cache = new LabelCache(buf);
    const collision = 42; // both ranges given the same hash
    const api = cache.add(collision, ...API, label('job', 'api'));
    expect(cache.get(collision, other[0], other[1])).toBeUndefined();
    const entry = cache.add(collision, other[0], other[1], label('job', value));
    expect(cache.get(collision, other[0], other[1])).toBe(entry);
    expect(cache.get(collision, ...API_AGAIN)).toBe(api); // the older entry stays reachable
    expect([api.id, entry.id]).toEqual([0, 1]);
  });

  test('caches at most MAX_ENTRIES_PER_HASH labels of one hash; the next gets an id and is not cached', () => {
    const sequences = collidingBlocks(4).slice(0, MAX_ENTRIES_PER_HASH + 1);
    const bytes = new Uint8Array(new Uint32Array(sequences.flat()).buffer); // little-endian
    const ranges = sequences.map((_, i) => [i * 32, i * 32 + 32] as const);
    const hashes = new Set(ranges.map(([start, end]) => hashBytes(bytes, start, end)));
    expect(hashes.size).toBe(1);
    const [hash] = hashes;
    const cache = new LabelCache(bytes);
    const entries = ranges.map(([start, end], i) => cache.add(hash, start, end, label('l', String(i))));
    expect(entries.map((e) => e.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ranges.map(([start, end]) => cache.get(hash, start, end))).toEqual([
      ...entries.slice(0, MAX_ENTRIES_PER_HASH),
      undefined,
    ]);
  });
});

describe('LabelSetCache', () => {
  const a = label('a', '1');
  const b = label('b', '2');
  const c = label('c', '3');

  test('returns the same array for the same ids, and a copy of only the first count labels', () => {
    const cache = new LabelSetCache();
    const first = cache.intern([0, 1, 9], [a, b, c], 2);
    expect(first).toEqual([a, b]);
    expect(cache.intern([0, 1], [a, b], 2)).toBe(first);
  });

  test.each([
    { name: 'another first id', ids: [2, 1] },
    { name: 'another last id', ids: [0, 2] },
    { name: 'one id more', ids: [0, 1, 2] },
    { name: 'one id fewer', ids: [0] },
  ])('keeps a set with $name apart', ({ ids }) => {
    const cache = new LabelSetCache();
    const labels = [a, b, c];
    const first = cache.intern([0, 1], labels, 2);
    const other = cache.intern(ids, labels, ids.length);
    expect(other).not.toBe(first);
    expect(other).toEqual(labels.slice(0, ids.length));
  });

  test('keeps two sets whose ids hash alike apart, and both reachable', () => {
    // [3, 1343] and [11, 1215] have the same 32-bit hash (found by search over two-id sets).
    const cache = new LabelSetCache();
    const first = cache.intern([3, 1343], [a, b], 2);
    const second = cache.intern([11, 1215], [b, c], 2);
    expect(second).toEqual([b, c]);
    expect(cache.intern([3, 1343], [a, b], 2)).toBe(first);
    expect(cache.intern([11, 1215], [b, c], 2)).toBe(second);
  });

  test('never answers a set with a longer one that starts with its ids and hashes alike', () => {
    // [0] and [0, 1719409525] have the same 32-bit hash (the second id solved for by inverting the mix).
    const cache = new LabelSetCache();
    const longer = cache.intern([0, 1719409525], [a, b], 2);
    expect(cache.intern([0], [a], 1)).toEqual([a]);
    expect(cache.intern([0, 1719409525], [a, b], 2)).toBe(longer);
  });

  test('caches at most MAX_ENTRIES_PER_HASH sets of one hash; the next is copied, not cached', () => {
    const sets = collidingBlocks(4).slice(0, MAX_ENTRIES_PER_HASH + 1);
    const cache = new LabelSetCache();
    const labels = [a, b, c, a, b, c, a, b];
    const interned = sets.map((ids) => cache.intern(ids, labels, ids.length));
    const again = sets.map((ids) => cache.intern(ids, labels, ids.length));
    expect(again.map((set, i) => set === interned[i])).toEqual([
      ...Array<boolean>(MAX_ENTRIES_PER_HASH).fill(true),
      false,
    ]);
    expect(again[MAX_ENTRIES_PER_HASH]).toEqual(labels);
  });
});
