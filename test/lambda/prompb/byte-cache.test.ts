// SPDX-License-Identifier: Apache-2.0
import { LabelCache, LabelSetCache, hashBytes } from '../../../lambda/prompb/byte-cache';
import type { Label } from '../../../lambda/prompb/types';

const label = (name: string, value: string): Label => ({ name, value });

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
});
