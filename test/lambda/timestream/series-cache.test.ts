// SPDX-License-Identifier: Apache-2.0
import type { Label, LabelsMemo, TimeSeries } from '../../../lambda/prompb/types';
import { LabelInterner, defaultInternerBounds } from '../../../lambda/timestream/label-interner';
import { toWriteBatches } from '../../../lambda/timestream/records';
import {
  ROW_HEADER,
  ROW_SLOTS_PER_DIMENSION,
  lookupSeries,
  newRequestScope,
  type InternedSeries,
} from '../../../lambda/timestream/series-cache';
import { TIMESTREAM_RECORD_LIMITS } from '../../../lambda/timestream/validate-series';
import { realisticRequest } from '../../../scripts/bench-records';
import { DEFAULT_DECODE_LIMITS } from '../../../lambda/codec/remote';
import { decodeWriteRequest, encodeWriteRequest } from '../../../lambda/prompb/codec';
import { LabelSectionCache } from '../../../lambda/prompb/label-section-cache';

const LENIENT = { failOnLongLabel: false, failOnInvalidSampleValue: false };

function labels(pairs: Record<string, string>): Label[] {
  return Object.keys(pairs)
    .sort()
    .map((name) => ({ name, value: pairs[name] }));
}

/** The arena row of `entry` as [count, measure pair, measure bytes, (name, pair, bytes)...]. */
function row(interner: LabelInterner, entry: InternedSeries): number[] {
  const arena = entry.persistent ? interner.arena.data : interner.scratch.data;
  const length = ROW_HEADER + ROW_SLOTS_PER_DIMENSION * arena[entry.row];
  return Array.from(arena.subarray(entry.row, entry.row + length));
}

describe('lookupSeries', () => {
  test.each([
    { name: 'a frozen labels array', frozen: true, sameAcrossRequests: true },
    { name: 'a plain labels array', frozen: false, sameAcrossRequests: false },
  ])(
    'prepares $name once per request, and across requests only when frozen',
    ({ frozen, sameAcrossRequests }) => {
      const interner = new LabelInterner();
      const set = labels({ __name__: 'up', job: 'node', time: 'x' });
      if (frozen) Object.freeze(set);
      const first = newRequestScope(interner);
      const a = lookupSeries(set, TIMESTREAM_RECORD_LIMITS, first, interner);
      expect(lookupSeries(set, TIMESTREAM_RECORD_LIMITS, first, interner)).toBe(a);
      const b = lookupSeries(set, TIMESTREAM_RECORD_LIMITS, newRequestScope(interner), interner);
      expect(b === a).toBe(sameAcrossRequests);
      expect(b).toMatchObject({
        measureName: 'up',
        dimensions: [
          { Name: 'job', Value: 'node' },
          { Name: '_time', Value: 'x' },
        ],
        dimensionJson: ['{"Name":"job","Value":"node"}', '{"Name":"_time","Value":"x"}'],
        measureNameJson: '"up"',
        recordBytes: 16 + 2 + (3 + 4) + (5 + 1),
      });
    },
  );

  test("keeps a series in its labels' memo, one per limits, and ignores a memo of other labels", () => {
    const interner = new LabelInterner();
    const set = Object.freeze(labels({ __name__: 'up', job: 'node' }));
    const other = Object.freeze(labels({ __name__: 'up', job: 'other' }));
    const strict = { ...TIMESTREAM_RECORD_LIMITS, maxMeasureNameBytes: 1 };
    const memo: LabelsMemo = { labels: set, owner: undefined, value: undefined };
    const look = (limits: typeof strict, memoOf: readonly Label[] = set) =>
      lookupSeries(memoOf, limits, newRequestScope(interner), interner, memo);

    const a = look(TIMESTREAM_RECORD_LIMITS);
    expect(a).toMatchObject({ measureName: 'up' });
    expect([memo.owner, memo.value]).toEqual([TIMESTREAM_RECORD_LIMITS, a]);
    // Found in the memo, not by the labels array: a value put there is what comes back.
    const planted = { ...(a as InternedSeries) };
    memo.value = planted;
    expect(look(TIMESTREAM_RECORD_LIMITS)).toBe(planted);
    expect(look(strict)).toMatchObject({ problem: 'long_label' });
    expect(memo.owner).toBe(strict);
    const forOther = look(TIMESTREAM_RECORD_LIMITS, other);
    expect(forOther).toMatchObject({ dimensions: [{ Name: 'job', Value: 'other' }] });
    expect(memo.owner).toBe(strict);
    // A plain (not frozen) array is prepared per request only, so its memo stays empty.
    const plain = labels({ __name__: 'up', job: 'plain' });
    const plainMemo: LabelsMemo = { labels: plain, owner: undefined, value: undefined };
    lookupSeries(plain, TIMESTREAM_RECORD_LIMITS, newRequestScope(interner), interner, plainMemo);
    expect(plainMemo.owner).toBeUndefined();
  });

  test('caches a refusal of a frozen labels array like a prepared series', () => {
    const interner = new LabelInterner();
    const set = Object.freeze(labels({ __name__: 'up', 'a:b': 'x' }));
    const a = lookupSeries(set, TIMESTREAM_RECORD_LIMITS, newRequestScope(interner), interner);
    expect(a).toMatchObject({ problem: 'invalid_series' });
    expect(lookupSeries(set, TIMESTREAM_RECORD_LIMITS, newRequestScope(interner), interner)).toBe(a);
  });

  test('keeps one cache per limits object: other limits give their own outcome', () => {
    const interner = new LabelInterner();
    const set = Object.freeze(labels({ __name__: 'up', job: 'node' }));
    const strict = { ...TIMESTREAM_RECORD_LIMITS, maxMeasureNameBytes: 1 };
    expect(lookupSeries(set, TIMESTREAM_RECORD_LIMITS, newRequestScope(interner), interner)).toMatchObject({
      measureName: 'up',
    });
    expect(lookupSeries(set, strict, newRequestScope(interner), interner)).toMatchObject({
      problem: 'long_label',
    });
  });

  test("reuses the scratch arena from its start in every request, so plain arrays' rows never pile up", () => {
    const interner = new LabelInterner();
    const look = () =>
      lookupSeries(
        labels({ __name__: 'up', job: 'node' }),
        TIMESTREAM_RECORD_LIMITS,
        newRequestScope(interner),
        interner,
      ) as InternedSeries;
    const first = look();
    expect([first.persistent, first.row, interner.scratch.used]).toEqual([
      false,
      0,
      ROW_HEADER + ROW_SLOTS_PER_DIMENSION,
    ]);
    const second = look();
    expect([second.row, interner.scratch.used]).toEqual([0, ROW_HEADER + ROW_SLOTS_PER_DIMENSION]);
  });

  test('finds a frozen series again in a later request on the same row, without allocating another', () => {
    const interner = new LabelInterner();
    const set = Object.freeze(labels({ __name__: 'up', job: 'node' }));
    const look = () =>
      lookupSeries(set, TIMESTREAM_RECORD_LIMITS, newRequestScope(interner), interner) as InternedSeries;
    const first = look();
    const used = interner.arena.used;
    expect([look().row, interner.arena.used]).toEqual([first.row, used]);
  });

  test('keeps one cache per limits object within one request too', () => {
    const interner = new LabelInterner();
    const set = Object.freeze(labels({ __name__: 'up', job: 'node' }));
    const strict = { ...TIMESTREAM_RECORD_LIMITS, maxMeasureNameBytes: 1 };
    const scope = newRequestScope(interner);
    const a = lookupSeries(set, TIMESTREAM_RECORD_LIMITS, scope, interner);
    expect(a).toMatchObject({ measureName: 'up' });
    expect(lookupSeries(set, strict, scope, interner)).toMatchObject({ problem: 'long_label' });
    expect(lookupSeries(set, TIMESTREAM_RECORD_LIMITS, scope, interner)).toBe(a);
  });

  test('re-interns a cached series after the interner starts over, with the same sizes', () => {
    const interner = new LabelInterner(2);
    const set = Object.freeze(labels({ __name__: 'up', job: 'node', instance: 'a:9100' }));
    const entry = lookupSeries(
      set,
      TIMESTREAM_RECORD_LIMITS,
      newRequestScope(interner),
      interner,
    ) as InternedSeries;
    const before = { generation: entry.generation, bytes: entry.recordBytes, row: row(interner, entry) };
    // Three pairs are over the bound of 2: the next request starts a new generation.
    lookupSeries(
      labels({ __name__: 'other', x: 'y' }),
      TIMESTREAM_RECORD_LIMITS,
      newRequestScope(interner),
      interner,
    );
    const again = lookupSeries(
      set,
      TIMESTREAM_RECORD_LIMITS,
      newRequestScope(interner),
      interner,
    ) as InternedSeries;
    expect(again).toBe(entry);
    expect(again.generation).toBeGreaterThan(before.generation);
    expect(again.recordBytes).toBe(before.bytes);
    expect(row(interner, again)[0]).toBe(2);
    expect(
      row(interner, again).filter((_, i) => i === 2 || (i >= ROW_HEADER && (i - ROW_HEADER) % 3 === 2)),
    ).toEqual(before.row.filter((_, i) => i === 2 || (i >= ROW_HEADER && (i - ROW_HEADER) % 3 === 2)));
  });
});

describe('toWriteBatches with the process-wide series cache', () => {
  const frozen = (timeseries: TimeSeries[]): TimeSeries[] =>
    timeseries.map(({ labels: l, samples }) => ({
      labels: Object.freeze(l.map((x) => ({ ...x }))) as Label[],
      samples,
    }));
  test.each([
    {
      name: 'the same request twice',
      requests: () => [realisticRequest(7, 2000), realisticRequest(7, 2000)],
    },
    {
      name: 'overlapping requests',
      requests: () => [realisticRequest(8, 1500), realisticRequest(8, 2000), realisticRequest(9, 700)],
    },
  ])('writes for $name exactly what uncached mapping writes', ({ requests }) => {
    const plain = requests();
    const cached = plain.map(frozen);
    // Frozen arrays shared between the requests, as the decoder's cache shares them.
    for (let r = 1; r < cached.length; r++)
      for (let s = 0; s < Math.min(cached[r].length, cached[0].length); s++)
        if (JSON.stringify(cached[r][s].labels) === JSON.stringify(cached[0][s].labels))
          cached[r][s].labels = cached[0][s].labels;
    for (let r = 0; r < plain.length; r++)
      expect(JSON.stringify(toWriteBatches(cached[r], LENIENT))).toBe(
        JSON.stringify(toWriteBatches(plain[r], LENIENT)),
      );
  });

  test('writes for requests decoded through the label section cache (memos) what uncached mapping writes', () => {
    const cache = new LabelSectionCache({ doorkeeper: false });
    const requests = [realisticRequest(10, 2000), realisticRequest(10, 2000), realisticRequest(11, 900)];
    const decoded = requests.map(
      (timeseries) =>
        decodeWriteRequest(encodeWriteRequest({ timeseries }), DEFAULT_DECODE_LIMITS, cache).timeseries,
    );
    expect(decoded[1].every((series) => series.memo?.labels === series.labels)).toBe(true);
    for (let r = 0; r < requests.length; r++)
      expect(JSON.stringify(toWriteBatches(decoded[r], LENIENT))).toBe(
        JSON.stringify(toWriteBatches(requests[r], LENIENT)),
      );
  });
});

describe('LabelInterner', () => {
  test('gives stable ids, JSON text as JSON.stringify and sizes in UTF-8 bytes', () => {
    const interner = new LabelInterner();
    const name = interner.nameId('path');
    const pair = interner.pairId(name, 'C:\\ "€"');
    expect(interner.nameId('path')).toBe(name);
    expect(interner.pairId(name, 'C:\\ "€"')).toBe(pair);
    expect(interner.pairJson[pair]).toBe(JSON.stringify({ Name: 'path', Value: 'C:\\ "€"' }));
    expect(interner.pairBytes[pair]).toBe(Buffer.byteLength('C:\\ "€"'));
    expect(interner.nameBytes[name]).toBe(4);
    const measure = interner.pairId(0, 'up\u2028');
    expect(interner.pairJson[measure]).toBe(JSON.stringify('up\u2028'));
  });

  test('starts over only past its bound, and only when trimmed', () => {
    const interner = new LabelInterner(3);
    const first = interner.generation;
    for (const value of ['a', 'b', 'c']) interner.pairId(interner.nameId('n'), value);
    interner.trim();
    expect([interner.generation, interner.pairCount]).toEqual([first, 3]);
    interner.pairId(interner.nameId('n'), 'd');
    interner.trim();
    expect([interner.generation === first, interner.pairCount, interner.arena.used]).toEqual([false, 0, 0]);
    const second = interner.generation;
    interner.trim();
    expect(interner.generation).toBe(second);
  });

  test('starts over when its arena is past its bound, with few pairs', () => {
    const interner = new LabelInterner(1000, 8);
    const first = interner.generation;
    interner.arena.allocate(8);
    interner.trim();
    expect(interner.generation).toBe(first);
    interner.arena.allocate(1);
    interner.trim();
    expect([interner.generation === first, interner.arena.used]).toEqual([false, 0]);
  });

  test("gives the ids of a new generation their own JSON text and sizes, never an older pair's", () => {
    const interner = new LabelInterner(1);
    for (const value of ['a', 'b']) interner.pairId(interner.nameId('job'), value);
    interner.trim();
    const pair = interner.pairId(interner.nameId('instance'), 'host:9100');
    expect([pair, interner.pairJson[pair], interner.pairBytes[pair]]).toEqual([
      0,
      '{"Name":"instance","Value":"host:9100"}',
      9,
    ]);
  });

  test('grows its pair tables and arenas keeping what they hold', () => {
    const interner = new LabelInterner();
    const name = interner.nameId('n');
    for (let v = 0; v < 5000; v++) interner.pairId(name, `v${v}`);
    expect(interner.pairBytes[4999]).toBe(5);
    // Each growth keeps the pair that made it grow (ids 1024, 2048 and 4096).
    expect([1023, 1024, 2048, 4096].map((id) => interner.pairBytes[id])).toEqual([5, 5, 5, 5]);
    const at = interner.arena.allocate(3);
    interner.arena.data.set([7, 8, 9], at);
    interner.arena.allocate(1 << 15);
    expect(Array.from(interner.arena.data.subarray(at, at + 3))).toEqual([7, 8, 9]);
  });
});

describe('defaultInternerBounds', () => {
  const MiB = 1024 * 1024;
  it.each([
    ['a 128 MB Lambda function: the floors', 128 * MiB, { pairs: 1 << 17, arenaSlots: 1 << 21 }],
    ['a 512 MB Lambda function (the stack default)', 512 * MiB, { pairs: 223_696, arenaSlots: 4_194_304 }],
    ['a 4 GiB heap (local mode): the ceilings', 4096 * MiB, { pairs: 1 << 19, arenaSlots: 1 << 23 }],
  ])('gives %s', (_, memory, want) => {
    expect(defaultInternerBounds(memory)).toStrictEqual(want);
  });
});
