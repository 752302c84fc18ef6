// SPDX-License-Identifier: Apache-2.0
// The rows of a query result as UTF-8 JSON text in a few large buffers instead of a JS string each.
// A result is kept until its last page is served, and the connector's reads allocate while it is
// kept: as strings, the rows of a 1000-series query (~240 000 rows, ~48 MB) were copied by every
// young-generation collection until they were promoted, about as much collector time as the
// query's own execution (figure 5; GC entries from perf_hooks). Buffers are not copied by the
// collector, and a page becomes a copy of byte ranges instead of a join and an encoding.

/** Bytes of a segment at most; a row longer than this gets a segment of its own. */
export const ROW_SEGMENT_BYTES = 256 * 1024;
/**
 * Bytes of the first segment; each next one is twice the one before, up to ROW_SEGMENT_BYTES, so a
 * result of a few rows does not hold a quarter of a megabyte.
 */
export const FIRST_SEGMENT_BYTES = 8 * 1024;
/** Rows the index arrays start with; they double as rows are added. */
const INITIAL_ROWS = 1024;
const COMMA = 0x2c;

/**
 * Row texts in order, appended once and then read by index ranges. Each row is stored followed by
 * a comma, so the rows [from, to) of one segment are one contiguous range of `row,row,...,` and a
 * page copies a range per segment. Rows never straddle segments.
 */
export class RowTexts {
  private readonly segments: (Buffer | undefined)[] = [];
  /** Index of the first row of each segment. */
  private readonly segmentFirst: number[] = [];
  private current: Buffer | undefined;
  private used = 0;
  /** Byte offset of each row from `base` on within its segment. */
  private starts = new Int32Array(INITIAL_ROWS);
  /** UTF-8 bytes of each row from `base` on (its comma excluded). */
  private lengths = new Int32Array(INITIAL_ROWS);
  /** Row whose entries are first in `starts` and `lengths`: released rows leave the index too. */
  private base = 0;
  private rows = 0;
  private bytes = 0;
  private longest = 0;
  /** Rows before this index were released and can no longer be read. */
  private releasedBelow = 0;
  /** UTF-8 bytes of the rows before releasedBelow. */
  private releasedBytes = 0;
  /** Segments before this index were released. */
  private firstHeld = 0;
  private held = 0;

  constructor(
    private readonly segmentBytes = ROW_SEGMENT_BYTES,
    private readonly firstSegmentBytes = Math.min(FIRST_SEGMENT_BYTES, segmentBytes),
  ) {}

  /** Holds `texts` in order. */
  static from(texts: readonly string[]): RowTexts {
    const out = new RowTexts();
    for (const text of texts) out.add(text);
    return out;
  }

  /** Number of rows added. */
  get length(): number {
    return this.rows;
  }

  /** UTF-8 bytes of all rows added, separators excluded. */
  get totalBytes(): number {
    return this.bytes;
  }

  /** UTF-8 bytes of the rows added and not released, separators excluded. */
  get liveBytes(): number {
    return this.bytes - this.releasedBytes;
  }

  /** UTF-8 bytes of the longest row added (its comma excluded). */
  get longestBytes(): number {
    return this.longest;
  }

  /** Bytes of the segments and index entries not released (what holding these rows costs). */
  get heldBytes(): number {
    return this.held + this.starts.byteLength + this.lengths.byteLength;
  }

  /** Appends one row's text. */
  add(text: string): void {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes: when that bound fits, no measuring first.
    let room = this.current === undefined ? -1 : this.current.length - this.used;
    if (room < text.length * 3 + 1) {
      const size = Buffer.byteLength(text) + 1;
      if (room < size) {
        this.startSegment(size);
        room = this.current!.length;
      }
    }
    this.commitRow(this.current!.write(text, this.used));
  }

  /**
   * Makes room for one row of exactly `bytes` UTF-8 bytes, which the caller writes into
   * `rowTarget` from `rowStart` on and then hands over with commitRow. Spares a row assembled
   * from pieces (row-text.ts) their joining into one string and that string's encoding.
   */
  reserveRow(bytes: number): void {
    if (this.current === undefined || this.current.length - this.used < bytes + 1)
      this.startSegment(bytes + 1);
  }

  /** The buffer the reserved row is written into. */
  get rowTarget(): Buffer {
    return this.current!;
  }

  /** Where the reserved row starts in rowTarget. */
  get rowStart(): number {
    return this.used;
  }

  /** Adds the row written at rowStart, `written` bytes long (at most what was reserved). */
  commitRow(written: number): void {
    const segment = this.current!;
    const start = this.used;
    segment[start + written] = COMMA;
    this.used = start + written + 1;
    if (this.rows - this.base === this.starts.length) this.resize(this.starts.length * 2);
    this.starts[this.rows - this.base] = start;
    this.lengths[this.rows - this.base] = written;
    this.rows += 1;
    this.bytes += written;
    if (written > this.longest) this.longest = written;
  }

  /** UTF-8 bytes of row `i`. */
  byteLength(i: number): number {
    return this.lengths[i - this.base]!;
  }

  /** UTF-8 bytes of rows [from, to) joined with commas (one subtraction per segment, not per row). */
  rangeBytes(from: number, to: number): number {
    let bytes = 0;
    this.forEachPiece(from, to, (_segment, start, end) => {
      bytes += end - start;
    });
    return bytes;
  }

  /** Copies rows [from, to) joined with commas into `target` at `at`; returns the bytes written. */
  copyRange(from: number, to: number, target: Buffer, at: number): number {
    let written = 0;
    this.forEachPiece(from, to, (segment, start, end) => {
      written += segment.copy(target, at + written, start, end);
    });
    return written;
  }

  /** The text of rows [from, to) joined with commas. */
  rangeText(from: number, to: number): string {
    let text = '';
    this.forEachPiece(from, to, (segment, start, end) => {
      text += segment.toString('utf8', start, end);
    });
    return text;
  }

  /**
   * Lets go of the segments that only hold rows before `below`, and of their index entries once
   * that shrinks the index fourfold; those rows can no longer be read. Returns whether `below`
   * moved the released bound (held bytes may then have changed).
   */
  release(below: number): boolean {
    if (below <= this.releasedBelow) return false;
    for (let i = this.releasedBelow; i < Math.min(below, this.rows); i++)
      this.releasedBytes += this.byteLength(i);
    this.releasedBelow = below;
    // A large result's index (8 bytes a row: 4 MB for half a million rows) would otherwise stay
    // whole while only its last page is held for a retry of that page.
    const kept = Math.max(0, this.rows - below);
    let capacity = INITIAL_ROWS;
    while (capacity < kept) capacity *= 2;
    if (capacity * 4 <= this.starts.length) this.resize(capacity, Math.min(below, this.rows));
    for (
      ;
      this.firstHeld + 1 < this.segments.length && this.segmentFirst[this.firstHeld + 1]! <= below;
      this.firstHeld++
    ) {
      this.held -= this.segments[this.firstHeld]!.length;
      this.segments[this.firstHeld] = undefined;
    }
    return true;
  }

  /** Calls `piece` with each segment's byte range of rows [from, to), the last comma left out. */
  private forEachPiece(
    from: number,
    to: number,
    piece: (segment: Buffer, start: number, end: number) => void,
  ): void {
    if (to <= from) return;
    if (from < this.releasedBelow) throw new RangeError(`rows before ${this.releasedBelow} were released`);
    let k = this.segmentOf(from);
    let row = from;
    while (row < to) {
      const next = k + 1 < this.segmentFirst.length ? this.segmentFirst[k + 1]! : this.rows;
      const last = Math.min(to, next) - 1;
      // Up to and including the comma after `last`, except after the range's final row.
      const end = this.starts[last - this.base]! + this.lengths[last - this.base]! + (last < to - 1 ? 1 : 0);
      piece(this.segments[k]!, this.starts[row - this.base]!, end);
      row = last + 1;
      k += 1;
    }
  }

  /** The segment holding row `i`, by binary search over the segments' first rows. */
  private segmentOf(i: number): number {
    let lo = 0;
    let hi = this.segmentFirst.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segmentFirst[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private startSegment(atLeast: number): void {
    const growing = this.current === undefined ? this.firstSegmentBytes : this.current.length * 2;
    this.current = Buffer.allocUnsafe(Math.max(Math.min(growing, this.segmentBytes), atLeast));
    this.held += this.current.length;
    this.used = 0;
    this.segments.push(this.current);
    this.segmentFirst.push(this.rows);
  }

  /** Moves the index entries of rows [base, rows) into arrays of `capacity` entries. */
  private resize(capacity: number, base = this.base): void {
    const from = base - this.base;
    const to = this.rows - this.base;
    const starts = new Int32Array(capacity);
    starts.set(this.starts.subarray(from, to));
    this.starts = starts;
    const lengths = new Int32Array(capacity);
    lengths.set(this.lengths.subarray(from, to));
    this.lengths = lengths;
    this.base = base;
  }
}
