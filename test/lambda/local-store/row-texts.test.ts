// SPDX-License-Identifier: Apache-2.0
import { RowTexts } from '../../../lambda/local-store/row-texts';

// Segments of 16 bytes so that a handful of rows spans several of them.
const SEGMENT = 16;
/** Bytes of a small result's index: starts and lengths, 1024 Int32 entries each. */
const SMALL_INDEX = 2 * 4 * 1024;

const ROW_SETS: { name: string; texts: string[] }[] = [
  {
    name: 'short ASCII rows over several segments',
    texts: ['{"a":1}', '{"b":22}', '[3]', '{"c":"x"}', '4', '55'],
  },
  { name: 'a row longer than a segment', texts: ['1', 'x'.repeat(40), '2', 'y'.repeat(17), '3'] },
  { name: 'multibyte UTF-8 (2, 3 and 4 bytes)', texts: ['"ü"', '"Zürich ☃"', '"𝄞𝄞𝄞𝄞"', '"é"', '"☃☃☃☃☃"'] },
  // 10 bytes with its comma leave 6 in the first segment: the second row's 6 bytes fit, its comma not.
  { name: 'a row filling a segment but for its comma', texts: ['abcdefghi', '€€', 'z'] },
  { name: 'empty rows', texts: ['', 'a', '', '', 'bcd'] },
  { name: 'one row', texts: ['{"only":true}'] },
];

function utf8(text: string): number {
  return Buffer.byteLength(text);
}

/** Adds `text` by reserving its bytes and writing them in place, as sql/row-text.ts does. */
function addWritten(rows: RowTexts, text: string): void {
  const bytes = Buffer.from(text);
  rows.reserveRow(bytes.length);
  rows.rowTarget.set(bytes, rows.rowStart);
  rows.commitRow(bytes.length);
}

const ADDERS: { how: string; put: (rows: RowTexts, text: string) => void }[] = [
  { how: 'add', put: (rows, text) => rows.add(text) },
  { how: 'reserveRow and commitRow', put: addWritten },
];

describe('RowTexts', () => {
  describe.each(ROW_SETS.flatMap((set) => ADDERS.map((adder) => ({ ...set, ...adder }))))(
    '$name ($how)',
    ({ texts, put }) => {
      const rows = new RowTexts(SEGMENT);
      for (const text of texts) put(rows, text);
      const ranges: [number, number][] = [];
      for (let from = 0; from <= texts.length; from++)
        for (let to = from; to <= texts.length; to++) ranges.push([from, to]);

      test('length and byte counts', () => {
        expect(rows.length).toBe(texts.length);
        expect(rows.totalBytes).toBe(texts.reduce((sum, text) => sum + utf8(text), 0));
        expect(texts.map((_, i) => rows.byteLength(i))).toEqual(texts.map(utf8));
      });

      test.each(ranges)('rows [%i, %i) as text, bytes and a copy', (from, to) => {
        const expected = texts.slice(from, to).join(',');
        expect(rows.rangeText(from, to)).toBe(expected);
        expect(rows.rangeBytes(from, to)).toBe(utf8(expected));
        // The copy lands at an offset and touches nothing around it.
        const target = Buffer.alloc(utf8(expected) + 4, 0x2a);
        expect(rows.copyRange(from, to, target, 2)).toBe(utf8(expected));
        expect(target.toString('utf8')).toBe(`**${expected}**`);
      });
    },
  );

  test('from() holds the texts in order in the default segment size', () => {
    const texts = Array.from(
      { length: 5000 },
      (_, i) => `{"Data":[{"ScalarValue":"${i}"}],"pad":"${'p'.repeat(i % 97)}"}`,
    );
    const rows = RowTexts.from(texts);
    expect(rows.length).toBe(5000);
    expect(rows.rangeText(0, 5000)).toBe(texts.join(','));
    expect(rows.rangeText(4321, 4323)).toBe(`${texts[4321]},${texts[4322]}`);
  });

  test('release drops whole segments before a row; those rows can no longer be read', () => {
    const texts = Array.from({ length: 12 }, (_, i) => `row-${i}`); // 6 bytes + comma: 2 rows per segment
    const rows = new RowTexts(SEGMENT);
    for (const text of texts) rows.add(text);
    rows.release(5);
    // Row 5 shares a segment with row 4, so reading from 5 still works; before 5 throws.
    expect(rows.rangeText(5, 12)).toBe(texts.slice(5).join(','));
    expect(() => rows.rangeText(4, 6)).toThrow(new RangeError('rows before 5 were released'));
    expect(() => rows.copyRange(0, 1, Buffer.alloc(16), 0)).toThrow(RangeError);
    // Releasing less than before changes nothing.
    rows.release(2);
    expect(() => rows.rangeText(4, 5)).toThrow(RangeError);
    expect(rows.rangeText(11, 12)).toBe('row-11');
    // An empty range reads nothing, released or not.
    expect(rows.rangeText(3, 3)).toBe('');
    expect(rows.rangeBytes(7, 7)).toBe(0);
  });

  test('release answers whether it moved the released bound', () => {
    const rows = new RowTexts(SEGMENT);
    for (let i = 0; i < 6; i++) rows.add(`r${i}`);
    expect([3, 3, 2, 4, 0, 6, 6].map((below) => rows.release(below))).toEqual([
      true,
      false,
      false,
      true,
      false,
      true,
      false,
    ]);
  });

  test('rows added after a release are readable', () => {
    const rows = new RowTexts(SEGMENT);
    for (let i = 0; i < 6; i++) rows.add(`r${i}`);
    rows.release(6);
    rows.add('late');
    expect(rows.rangeText(6, 7)).toBe('late');
    expect(rows.length).toBe(7);
  });

  // Index entries: 2 × 4 bytes a row, in arrays that double from 1024 rows.
  const ONE_SEGMENT = 1024 * 1024;
  test.each([
    // [rows, released below, index bytes before, index bytes after]
    [5000, 4990, 2 * 4 * 8192, SMALL_INDEX], // 10 rows kept: back to the smallest index
    [5000, 2000, 2 * 4 * 8192, 2 * 4 * 8192], // 3000 kept need 4096 entries: not a fourfold shrink
    [5000, 3000, 2 * 4 * 8192, 2 * 4 * 2048], // 2000 kept: 2048 entries
    [5000, 2952, 2 * 4 * 8192, 2 * 4 * 2048], // exactly 2048 kept: 2048 entries, a fourfold shrink
    [5000, 3976, 2 * 4 * 8192, SMALL_INDEX], // exactly 1024 kept: the smallest index
    [5000, 5000, 2 * 4 * 8192, SMALL_INDEX], // everything released
    [1000, 999, SMALL_INDEX, SMALL_INDEX], // already the smallest
  ])(
    '%i rows released below %i: the index goes from %i to %i bytes, the rest stays readable',
    (count, below, before, after) => {
      // One segment large enough for every row, so held bytes move with the index alone.
      const rows = new RowTexts(ONE_SEGMENT, ONE_SEGMENT);
      const texts = Array.from({ length: count }, (_, i) => `{"r":${i}}`);
      for (const text of texts) rows.add(text);
      expect(rows.heldBytes).toBe(ONE_SEGMENT + before);
      rows.release(below);
      expect(rows.heldBytes).toBe(ONE_SEGMENT + after);
      expect(rows.rangeText(below, count)).toBe(texts.slice(below).join(','));
      for (let i = below; i < count; i++) expect(rows.byteLength(i)).toBe(utf8(texts[i]!));
      expect(() => rows.rangeText(below - 1, count)).toThrow(RangeError);
      // Appending after the shrink grows the index again from where it is.
      const late = Array.from({ length: 3000 }, (_, i) => `late-${i}`);
      for (const text of late) rows.add(text);
      expect(rows.rangeText(below, count + late.length)).toBe([...texts.slice(below), ...late].join(','));
      expect(rows.length).toBe(count + late.length);
    },
  );
});

describe('RowTexts segments', () => {
  test('start small and double up to the segment size; heldBytes counts them until released', () => {
    const rows = new RowTexts(64, 16);
    const sizes: number[] = [];
    let held = 0;
    for (let i = 0; i < 40; i++) {
      rows.add('0123456'); // 8 bytes with its comma
      if (rows.heldBytes !== held) sizes.push(rows.heldBytes - held);
      held = rows.heldBytes;
    }
    // 320 bytes of rows: 16 + 32 + 64 + 64 + 64 + 64 + 64, besides the index.
    expect(sizes).toEqual([SMALL_INDEX + 16, 32, 64, 64, 64, 64, 64]);
    rows.release(14); // the first three segments hold rows 0-1, 2-5 and 6-13
    expect(rows.heldBytes).toBe(SMALL_INDEX + 4 * 64);
    expect(rows.rangeText(14, 16)).toBe('0123456,0123456');
  });

  test('a row larger than the next segment gets a segment of its size', () => {
    const rows = new RowTexts(64, 16);
    rows.add('x'.repeat(100));
    expect(rows.heldBytes).toBe(SMALL_INDEX + 101);
    rows.add('y');
    expect(rows.heldBytes).toBe(SMALL_INDEX + 101 + 64);
  });
});
