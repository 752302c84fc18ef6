// SPDX-License-Identifier: Apache-2.0
// The process-wide label section cache: the same labels array across requests, limits applied as
// if nothing were cached, bounded size and eviction, and a decode that never differs from an
// uncached one, even on random and corrupted requests.
import fc from 'fast-check';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../../../lambda/codec/remote';
import { ConnectorError } from '../../../lambda/core/errors';
import { decodeWriteRequest, encodeWriteRequest } from '../../../lambda/prompb/codec';
import {
  DEFAULT_MAX_SECTION_CACHE_BYTES,
  LabelSectionCache,
  MAX_CACHED_SECTION_BYTES,
  MAX_ENTRIES_PER_HASH,
  defaultSectionCacheBytes,
  hashSection,
} from '../../../lambda/prompb/label-section-cache';
import type { Label, TimeSeries, WriteRequest } from '../../../lambda/prompb/types';
import { cacheMemoryBytes } from '../../../lambda/config/function-memory';
import { nodeExporterWriteRequest } from '../../fixtures/prompb-payloads';
import { bytes, label, lenField, strField } from '../../fixtures/protowire';

const encode = (timeseries: TimeSeries[]) => encodeWriteRequest({ timeseries });
const series = (labels: Label[], value = 1): TimeSeries => ({
  labels,
  samples: [{ value, timestamp: 1000 }],
});
const JOB = [
  { name: '__name__', value: 'up' },
  { name: 'job', value: 'node' },
];
const OTHER = [
  { name: '__name__', value: 'up' },
  { name: 'job', value: 'prometheus' },
];

/** The result of `decode`, or the kind and message of the ConnectorError it throws. */
function outcome(decode: () => WriteRequest): unknown {
  try {
    return decode();
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    return { kind: error.kind, message: error.message };
  }
}

describe('decodeWriteRequest with a label section cache', () => {
  test('gives the same frozen labels array to the same series in later requests once admitted', () => {
    const cache = new LabelSectionCache();
    const body = encode([series(JOB, 1), series(OTHER, 2)]);
    const first = decodeWriteRequest(body, DEFAULT_DECODE_LIMITS, cache); // seen once: not admitted
    const second = decodeWriteRequest(body, DEFAULT_DECODE_LIMITS, cache); // seen twice: admitted
    const third = decodeWriteRequest(
      encode([series(OTHER, 3), series(JOB, 4)]),
      DEFAULT_DECODE_LIMITS,
      cache,
    );
    expect(second.timeseries[0].labels).not.toBe(first.timeseries[0].labels);
    expect(third.timeseries[1].labels).toBe(second.timeseries[0].labels);
    expect(third.timeseries[0].labels).toBe(second.timeseries[1].labels);
    expect(third.timeseries.map((s) => s.samples[0].value)).toEqual([3, 4]);
    const labels = third.timeseries[1].labels;
    expect([Object.isFrozen(labels), labels.every((l) => Object.isFrozen(l))]).toEqual([true, true]);
    expect(() => labels.push({ name: 'x', value: 'y' })).toThrow(TypeError);
    expect(cache.size).toBe(2);
  });

  test('gives equal but distinct arrays across caches, and unfrozen arrays without one', () => {
    const body = encode([series(JOB)]);
    const a = decodeWriteRequest(body, DEFAULT_DECODE_LIMITS, new LabelSectionCache()).timeseries[0].labels;
    const b = decodeWriteRequest(body, DEFAULT_DECODE_LIMITS, new LabelSectionCache()).timeseries[0].labels;
    const uncached = decodeWriteRequest(body, DEFAULT_DECODE_LIMITS, null).timeseries[0].labels;
    expect([a === b, a, b, uncached, Object.isFrozen(uncached)]).toEqual([false, JOB, JOB, JOB, false]);
  });

  test('uses the shared process-wide cache by default', () => {
    const body = encode([series([{ name: 'shared', value: 'default-cache' }])]);
    decodeWriteRequest(body, DEFAULT_DECODE_LIMITS);
    const a = decodeWriteRequest(body, DEFAULT_DECODE_LIMITS).timeseries[0].labels;
    expect(decodeWriteRequest(body, DEFAULT_DECODE_LIMITS).timeseries[0].labels).toBe(a);
  });

  const LONG = 'v'.repeat(40);
  test.each<{ name: string; limits: Partial<DecodeLimits> }>([
    { name: 'fewer labels per series than cached', limits: { maxLabelsPerSeries: 2 } },
    { name: 'exactly the cached label count', limits: { maxLabelsPerSeries: 3 } },
    { name: 'a label value limit below a cached value', limits: { maxLabelBytes: 39 } },
    { name: 'a label value limit equal to the longest cached value', limits: { maxLabelBytes: 40 } },
  ])('applies $name exactly as without the cache', ({ limits }) => {
    const labels = [...JOB, { name: 'long', value: LONG }];
    const body = encode([series(labels), series(labels)]);
    const cache = new LabelSectionCache();
    decodeWriteRequest(body, DEFAULT_DECODE_LIMITS, cache); // warm: repeated, so admitted
    const strict = { ...DEFAULT_DECODE_LIMITS, ...limits };
    expect(outcome(() => decodeWriteRequest(body, strict, cache))).toEqual(
      outcome(() => decodeWriteRequest(body, strict, null)),
    );
  });

  test('counts labels split around samples against the limit like the uncached decoder', () => {
    const split = lenField(
      1,
      lenField(1, label('a', '1')),
      lenField(1, label('b', '2')),
      lenField(2),
      lenField(1, label('a', '1')),
      lenField(1, label('b', '2')),
    );
    const cache = new LabelSectionCache({ doorkeeper: false });
    decodeWriteRequest(split, DEFAULT_DECODE_LIMITS, cache);
    for (const maxLabelsPerSeries of [3, 4]) {
      const limits = { ...DEFAULT_DECODE_LIMITS, maxLabelsPerSeries };
      expect(outcome(() => decodeWriteRequest(split, limits, cache))).toEqual(
        outcome(() => decodeWriteRequest(split, limits, null)),
      );
    }
  });

  test(`decodes sections over ${MAX_CACHED_SECTION_BYTES} bytes every time, without caching them`, () => {
    const body = encode([series([{ name: 'big', value: 'x'.repeat(MAX_CACHED_SECTION_BYTES) }])]);
    const cache = new LabelSectionCache();
    const a = decodeWriteRequest(body, DEFAULT_DECODE_LIMITS, cache).timeseries[0].labels;
    const b = decodeWriteRequest(body, DEFAULT_DECODE_LIMITS, cache).timeseries[0].labels;
    expect([a === b, a, cache.size]).toEqual([false, b, 0]);
  });

  // A 'big' label with an n-byte value (128 <= n < 16 Ki) makes a section of n + 10 bytes: a
  // two-byte length prefix, the name field (5), the value's tag and two-byte length (3).
  test.each([
    { name: 'whose 256-byte label needs a two-byte length prefix', valueBytes: 248, cached: true },
    {
      name: `of exactly ${MAX_CACHED_SECTION_BYTES} bytes`,
      valueBytes: MAX_CACHED_SECTION_BYTES - 10,
      cached: true,
    },
    {
      name: `of ${MAX_CACHED_SECTION_BYTES + 1} bytes`,
      valueBytes: MAX_CACHED_SECTION_BYTES - 9,
      cached: false,
    },
  ])('caches a section $name only up to the bound: $cached', ({ valueBytes, cached }) => {
    const body = encode([series([{ name: 'big', value: 'x'.repeat(valueBytes) }])]);
    const cache = new LabelSectionCache({ doorkeeper: false });
    const a = decodeWriteRequest(body, DEFAULT_DECODE_LIMITS, cache).timeseries[0].labels;
    const b = decodeWriteRequest(body, DEFAULT_DECODE_LIMITS, cache).timeseries[0].labels;
    expect([a === b, cache.size]).toEqual([cached, cached ? 1 : 0]);
  });

  test('finds sections admitted before their generation outgrew its first key arena', () => {
    // 40 sections of about 4 KiB: the 64 KiB arena is replaced by larger ones, twice.
    const body = encode(
      Array.from({ length: 40 }, (_, i) => series([{ name: `s${i}`, value: 'x'.repeat(4000) }])),
    );
    const cache = new LabelSectionCache({ doorkeeper: false });
    const first = decodeWriteRequest(body, DEFAULT_DECODE_LIMITS, cache).timeseries;
    const again = decodeWriteRequest(body, DEFAULT_DECODE_LIMITS, cache).timeseries;
    expect(again.filter((s, i) => s.labels !== first[i].labels)).toEqual([]);
    expect(cache.size).toBe(40);
  });

  test('gives a section of the previous generation its array while the current one is full', () => {
    const cache = new LabelSectionCache({ maxEntries: 1, doorkeeper: false });
    const a = decodeWriteRequest(encode([series(JOB)]), DEFAULT_DECODE_LIMITS, cache).timeseries[0].labels;
    // A new generation starts; OTHER fills it, so JOB cannot move into it but is still found.
    const { timeseries } = decodeWriteRequest(
      encode([series(OTHER), series(JOB)]),
      DEFAULT_DECODE_LIMITS,
      cache,
    );
    expect(timeseries[1].labels).toBe(a);
  });

  const S = [{ name: 's', value: '1' }];
  test.each<{ name: string; before: Label[][] }>([
    { name: 'a lookup finds', before: [] },
    { name: 'follows the cached series before it', before: [S] },
  ])('refuses a series cut inside its last label whose whole section $name', ({ before }) => {
    const bare = (labels: Label[]): TimeSeries => ({ labels, samples: [] });
    const whole = encode([...before, JOB].map(bare));
    const cache = new LabelSectionCache({ doorkeeper: false });
    decodeWriteRequest(whole, DEFAULT_DECODE_LIMITS, cache); // caches every section, linked in order
    // The last series declared one byte short: its section's bytes are all there, but its last
    // label ends one byte past the series, in the request, where nothing may be read as a label.
    const cut = Uint8Array.from(whole);
    cut[whole.length - encode([bare(JOB)]).length + 1] -= 1;
    expect(outcome(() => decodeWriteRequest(cut, DEFAULT_DECODE_LIMITS, cache))).toEqual({
      kind: 'bad_request',
      message: `cannot decode timeseries ${before.length}: cannot decode label 1: length 11 exceeds remaining 10 bytes`,
    });
  });

  test('keeps repeated series sharing one array within a request even when the cache is full', () => {
    const request = nodeExporterWriteRequest(12, 2); // 6 distinct series, each twice
    const cache = new LabelSectionCache({ maxEntries: 2 });
    const { timeseries } = decodeWriteRequest(encodeWriteRequest(request), DEFAULT_DECODE_LIMITS, cache);
    for (let i = 0; i < 6; i++) expect(timeseries[i + 6].labels).toBe(timeseries[i].labels);
    expect(cache.size).toBe(2);
    expect(timeseries.map((s) => s.labels)).toEqual(request.timeseries.map((s) => s.labels));
  });

  test('gives each series from a cached section the memo of that section, invisible to comparisons', () => {
    const cache = new LabelSectionCache({ doorkeeper: false });
    const split = lenField(1, lenField(1, label('a', '1')), lenField(2), lenField(1, label('b', '2')));
    const decode = () =>
      decodeWriteRequest(encode([series(JOB, 1), series(OTHER, 2)]), DEFAULT_DECODE_LIMITS, cache);
    const first = decode().timeseries;
    const again = decode().timeseries;
    const memos = first.map((s) => s.memo);
    expect(memos.map((m, i) => m?.labels === first[i].labels)).toEqual([true, true]);
    expect(memos[0]).not.toBe(memos[1]);
    expect(again.every((s, i) => s.memo === memos[i])).toBe(true);
    expect(again).toEqual([series(JOB, 1), series(OTHER, 2)]);
    expect(decodeWriteRequest(split, DEFAULT_DECODE_LIMITS, cache).timeseries[0].memo).toBeUndefined();
    expect(
      decodeWriteRequest(encode([series(JOB)]), DEFAULT_DECODE_LIMITS, null).timeseries[0].memo,
    ).toBeUndefined();
  });

  describe('finds a series by the one before it when the order repeats', () => {
    const S = [{ name: 's', value: '1' }]; // one label, so a limit of one passes it
    const [A, B, C, D] = ['a', 'b', 'c', 'd'].map((job) => [
      { name: '__name__', value: 'up' },
      { name: 'job', value: job },
    ]);
    const extended = [...B, { name: 'zone', value: 'z' }]; // B's bytes, then one more label
    test.each<{ name: string; order: Label[][]; limits?: Partial<DecodeLimits>; lookups: number }>([
      { name: 'the same order again', order: [S, A, B, C], lookups: 1 },
      { name: 'two series swapped', order: [S, A, C, B], lookups: 3 },
      { name: 'a new series in between', order: [S, A, D, B, C], lookups: 3 },
      { name: "the follower's labels and one more", order: [S, A, extended, C], lookups: 3 },
      {
        name: 'a lower label limit than the follower has',
        order: [S, A, B, C],
        limits: { maxLabelsPerSeries: 1 },
        lookups: 1,
      },
    ])('$name: $lookups lookups, and the labels of the uncached decoder', ({ order, limits, lookups }) => {
      const cache = new LabelSectionCache({ doorkeeper: false });
      decodeWriteRequest(encode([S, A, B, C].map((labels) => series(labels))), DEFAULT_DECODE_LIMITS, cache);
      const hash = jest.spyOn(cache, 'hash');
      const body = encode(order.map((labels) => series(labels)));
      const decodeLimits = { ...DEFAULT_DECODE_LIMITS, ...limits };
      const cached = outcome(() => decodeWriteRequest(body, decodeLimits, cache));
      expect(hash).toHaveBeenCalledTimes(lookups);
      expect(cached).toEqual(outcome(() => decodeWriteRequest(body, decodeLimits, null)));
      // Each series got its whole label run as one cached array (the cache admits at once here).
      if (!limits)
        expect((cached as WriteRequest).timeseries.every((s) => s.memo?.labels === s.labels)).toBe(true);
    });
  });

  // Requests drawn from a small alphabet, so sections repeat across requests, some corrupted.
  const name = fc.constantFrom('__name__', 'job', 'instance', 'a', '', 'é');
  const value = fc.constantFrom('up', 'node', '10.0.0.1:9100', '', 'x'.repeat(70), 'ü');
  const seriesArb = fc.record({
    labels: fc.array(fc.record({ name, value }), { maxLength: 4 }),
    samples: fc.array(fc.record({ value: fc.double(), timestamp: fc.integer() }), { maxLength: 2 }),
  });
  const body = fc
    .tuple(
      fc.array(seriesArb, { maxLength: 5 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 2 }),
    )
    .map(([timeseries, edits]) => {
      const encoded = encode(timeseries);
      for (const [at, b] of edits) if (encoded.length > 0) encoded[at % encoded.length] = b;
      return encoded;
    });
  const limits = fc.record({
    maxLabelsPerSeries: fc.integer({ min: 0, max: 5 }),
    maxLabelBytes: fc.integer({ min: 0, max: 80 }),
  });

  test('never decodes differently from the uncached decoder, whatever came before', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(body, limits), { minLength: 1, maxLength: 8 }), (requests) => {
        const cache = new LabelSectionCache({ maxEntries: 6, doorkeeper: requests.length % 2 === 0 });
        for (const [bytesIn, l] of requests) {
          const decodeLimits = { ...DEFAULT_DECODE_LIMITS, ...l };
          expect(outcome(() => decodeWriteRequest(bytesIn, decodeLimits, cache))).toEqual(
            outcome(() => decodeWriteRequest(bytesIn, decodeLimits, null)),
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('LabelSectionCache', () => {
  const keyBytes = (text: string) => Buffer.from(bytes(strField(1, text)));
  const entry = (value: string) => Object.freeze([{ name: 'k', value }]);
  const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.byteLength);

  test('compares bytes, so keys sharing a hash get their own entries, up to the per-hash bound', () => {
    const cache = new LabelSectionCache({ doorkeeper: false });
    const keys = Array.from({ length: MAX_ENTRIES_PER_HASH + 1 }, (_, i) => keyBytes(`key-${i}`));
    keys.forEach((k, i) => cache.add(42, k, 0, k.length, entry(`v${i}`)));
    const found = keys.map((k) => cache.lookup(42, k, 0, k.length)?.labels[0].value);
    expect(found).toEqual([...keys.slice(0, -1).map((_, i) => `v${i}`), undefined]);
    expect(cache.lookup(43, keys[0], 0, keys[0].length)?.labels).toBeUndefined();
  });

  test('finds keys anywhere in a buffer and hashes equal bytes equally', () => {
    const cache = new LabelSectionCache({ seed: 7, doorkeeper: false });
    const key = keyBytes('instance');
    const framed = Buffer.concat([Buffer.from([1, 2, 3]), key, Buffer.from([9])]);
    expect(hashSection(view(framed), 3, 3 + key.length, 7)).toBe(hashSection(view(key), 0, key.length, 7));
    cache.add(cache.hash(view(key), 0, key.length), key, 0, key.length, entry('v'));
    const hash = cache.hash(view(framed), 3, 3 + key.length);
    expect(cache.lookup(hash, framed, 3, 3 + key.length)?.labels[0].value).toBe('v');
    expect(cache.lookup(hash, framed, 3, 2 + key.length)?.labels).toBeUndefined();
  });

  test('evicts by generation at request starts, keeping entries used in the previous one', () => {
    const cache = new LabelSectionCache({ maxEntries: 2, doorkeeper: false });
    const [a, b, c] = ['a', 'b', 'c'].map(keyBytes);
    const add = (k: Buffer, v: string) => cache.add(1, k, 0, k.length, entry(v));
    const has = (k: Buffer) => cache.lookup(1, k, 0, k.length)?.labels !== undefined;
    add(a, 'a');
    add(b, 'b');
    add(c, 'c'); // the generation is full: not admitted, and nothing is evicted mid-request
    expect([has(a), has(b), has(c)]).toEqual([true, true, false]);
    cache.startRequest(); // a and b move to the previous generation
    add(c, 'c');
    expect(has(a)).toBe(true); // promoted into the current generation with c
    cache.startRequest(); // current (c, a) full: it becomes the previous one, b is dropped
    expect([has(a), has(b), has(c)]).toEqual([true, false, true]);
  });

  test('moves a memo along with its section, and links followers within a generation only', () => {
    const cache = new LabelSectionCache({ maxEntries: 2, doorkeeper: false });
    const [a, b] = ['a', 'b'].map(keyBytes);
    const added = cache.add(1, a, 0, a.length, entry('a'))!;
    const next = cache.add(2, b, 0, b.length, entry('b'), added)!;
    Object.assign(next, { owner: 'mapping', value: 42 });
    expect(cache.follower(added, b, 0, b.length, 4096, 1)).toBe(next);
    expect(cache.follower(added, b, 0, b.length, b.length - 1, 1)).toBeUndefined(); // over maxBytes
    expect(cache.follower(added, b, 0, b.length, 4096, 0)).toBeUndefined(); // over maxLabels
    expect(cache.follower(added, a, 0, a.length, 4096, 1)).toBeUndefined(); // other bytes
    cache.startRequest(); // full: a and b are now the previous generation
    expect(cache.follower(added, b, 0, b.length, 4096, 1)).toBeUndefined();
    const moved = cache.lookup(2, b, 0, b.length)!;
    expect([moved === next, moved.labels, moved.owner, moved.value]).toEqual([
      false,
      next.labels,
      'mapping',
      42,
    ]);
  });

  test('bounds the approximate bytes of a generation', () => {
    const cache = new LabelSectionCache({ maxBytes: 2000, doorkeeper: false });
    const keys = Array.from({ length: 10 }, (_, i) => keyBytes(`${i}`.repeat(100)));
    keys.forEach((k, i) => cache.add(i, k, 0, k.length, entry(`${i}`)));
    // Each entry costs its 102 key bytes + 480 overhead + 56 per label = 638.
    expect(cache.size).toBe(3);
    // Exactly three entries' bytes: full by bytes (not entries), so the next request starts a
    // new generation, which admits again; one byte less and the 56 bytes per label keep out the third.
    const [exact, tight] = [3 * 638, 3 * 638 - 1].map((maxBytes) => {
      const c = new LabelSectionCache({ maxBytes, doorkeeper: false });
      keys.forEach((k, i) => c.add(i, k, 0, k.length, entry(`${i}`)));
      return c;
    });
    expect([exact.size, tight.size]).toEqual([3, 2]);
    exact.startRequest();
    exact.add(9, keys[9], 0, keys[9].length, entry('9'));
    expect(exact.size).toBe(4);
  });

  test("counts what an entry keeps alive, so a 128 MB function's generation holds ~11 k typical series", () => {
    // A typical 12-label series: ~320 key bytes. Through the write path such an entry keeps ~1 400
    // bytes alive (its labels, and the prepared series its memo holds). Counted as its key, 192
    // and 16 per label (704 bytes), a 16 MiB generation took 23 831 of them, ~33 MiB of heap.
    const cache = new LabelSectionCache({ maxBytes: 16 * 1024 * 1024, doorkeeper: false });
    const labels = Object.freeze(Array.from({ length: 12 }, (_, i) => ({ name: `n${i}`, value: 'v' })));
    for (let i = 0; i < 30_000; i++) {
      const key = Buffer.alloc(320, 0x61);
      key.writeUInt32LE(i, 0);
      cache.add(i, key, 0, key.length, labels);
    }
    // 16 MiB / (320 + 480 + 12 x 56 = 1 472 bytes).
    expect(cache.size).toBe(11_397);
  });

  test('starts a new generation once a section did not fit, though its bytes stay under the bound', () => {
    // Three sections fill 2000 bytes to 3 x 638 = 1914; a fourth would pass the bound. The
    // generation used to be replaced only at the bound itself, which entries seldom fill exactly:
    // from then on no new series was cached for the life of the process.
    const cache = new LabelSectionCache({ maxBytes: 2000, doorkeeper: false });
    const keys = ['a', 'b', 'c', 'd'].map((c) => keyBytes(c.repeat(100)));
    const add = (i: number) => cache.add(i, keys[i], 0, keys[i].length, entry(`${i}`));
    [0, 1, 2].forEach(add);
    cache.startRequest(); // nothing turned away yet: the generation stays
    expect(cache.size).toBe(3);
    expect(add(3)).toBeUndefined();
    cache.startRequest(); // a section was turned away: the generation becomes the previous one
    expect(add(3)?.labels).toEqual([{ name: 'k', value: '3' }]);
    expect(cache.lookup(0, keys[0], 0, keys[0].length)?.labels).toEqual([{ name: 'k', value: '0' }]);
    // The found one moved to the new generation and still counts in the previous one.
    expect(cache.size).toBe(5);
  });

  test(`admits keys of up to ${MAX_CACHED_SECTION_BYTES} bytes, also when offered directly`, () => {
    const cache = new LabelSectionCache({ doorkeeper: false });
    const [fits, long] = [MAX_CACHED_SECTION_BYTES, MAX_CACHED_SECTION_BYTES + 1].map((n) =>
      Buffer.alloc(n, 1),
    );
    expect([fits, long].map((k, i) => cache.add(i, k, 0, k.length, entry('v')) !== undefined)).toEqual([
      true,
      false,
    ]);
  });

  test('admits a section the second time it is offered, and forgets offers with each new generation', () => {
    const cache = new LabelSectionCache({ maxEntries: 1 });
    const [a, b] = ['a', 'b'].map(keyBytes);
    const offer = (k: Buffer) => cache.add(5, k, 0, k.length, entry('v'));
    const has = (k: Buffer) => cache.lookup(5, k, 0, k.length)?.labels !== undefined;
    offer(a);
    expect(has(a)).toBe(false);
    offer(a);
    expect(has(a)).toBe(true);
    offer(b); // same hash bit: b counts as seen and is admitted, but the generation is full
    cache.startRequest(); // full: a new generation, and the doorkeeper starts over
    offer(b);
    expect(has(b)).toBe(false);
    offer(b);
    expect(has(b)).toBe(true);
  });
});

describe('defaultSectionCacheBytes', () => {
  const MiB = 1024 * 1024;
  it.each([
    ['a 128 MB Lambda function', 4096 * MiB, 128, 16 * MiB],
    ['a 256 MB Lambda function', 4096 * MiB, 256, 32 * MiB],
    ['a 512 MB Lambda function (the stack default)', 4096 * MiB, 512, 64 * MiB],
    ['a 1280 MB Lambda function', 4096 * MiB, 1280, DEFAULT_MAX_SECTION_CACHE_BYTES],
    ['a 3008 MB Lambda function', 4096 * MiB, 3008, DEFAULT_MAX_SECTION_CACHE_BYTES],
    ['a small V8 heap outside Lambda', 200 * MiB, NaN, 25 * MiB],
    ['a large V8 heap outside Lambda', 4096 * MiB, NaN, DEFAULT_MAX_SECTION_CACHE_BYTES],
    ['a heap smaller than the function memory', 96 * MiB, 1024, 12 * MiB],
  ])('gives an eighth of the memory per generation, at most the default, for %s', (_, heap, mb, want) => {
    expect(defaultSectionCacheBytes(cacheMemoryBytes(heap, mb))).toBe(want);
  });
});
