// SPDX-License-Identifier: Apache-2.0
// The NULL cells of one DuckDB DataChunk being appended, kept as validity masks and copied into
// the chunk in one call per column.
//
// NOTE: hand-written on a measured hot path. The node-api's `setItem(i, null)` keeps a vector's
// validity mask as BigInts and pays several BigInt operations per cell, and once a vector holds a
// NULL every later `setItem` on it pays them too. The three value columns a DOUBLE sample leaves
// NULL cost 0.2-0.4 µs per row that way: about 9% of the embedded store's CPU per record came
// back when they were written as masks instead (bench/README.md, "Figure 4"). Here a NULL is one bit
// cleared in a byte array, and `@duckdb/node-bindings` (the library the node-api is built on)
// copies each mask into its vector.

import duckdb from '@duckdb/node-bindings';
import type { DuckDBDataChunk } from '@duckdb/node-api';

/** Bits in one word of a DuckDB validity mask (a uint64 per 64 rows). */
const ROWS_PER_WORD = 64;
const BYTES_PER_WORD = 8;

/** Bytes of a DuckDB validity mask covering `rows` rows (whole uint64 words). */
export function validityMaskBytes(rows: number): number {
  return Math.ceil(rows / ROWS_PER_WORD) * BYTES_PER_WORD;
}

export class NullMasks {
  /** Per column, its validity bits (set = valid), row r at byte r >> 3, bit r & 7; or none. */
  private readonly masks: (Uint8Array<ArrayBuffer> | undefined)[];

  /**
   * @param columns columns of the chunk
   * @param rows most rows of the chunk
   */
  constructor(
    columns: number,
    private readonly rows: number,
  ) {
    this.masks = new Array<Uint8Array<ArrayBuffer> | undefined>(columns).fill(undefined);
  }

  /** Marks row `row` of column `column` NULL; its vector's item is then never read. */
  setNull(column: number, row: number): void {
    if (!(Number.isInteger(row) && row >= 0 && row < this.rows))
      throw new RangeError(`row ${row} is outside the chunk's ${this.rows} rows`);
    let mask = this.masks[column];
    if (mask === undefined) {
      mask = new Uint8Array(validityMaskBytes(this.rows)).fill(0xff);
      this.masks[column] = mask;
    }
    mask[row >> 3] &= ~(1 << (row & 7));
  }

  /**
   * Writes the masks of the columns with NULLs into `chunk`. Call it after the columns' vectors
   * were flushed: a flush writes the vector's own mask, which is all valid when no `setItem` was
   * given a null.
   *
   * NOTE: the mask's bytes are the little-endian layout of DuckDB's uint64 words, which is the
   * native layout on every platform the bindings ship for (x64 and arm64).
   */
  writeTo(chunk: DuckDBDataChunk): void {
    for (let column = 0; column < this.masks.length; column++) {
      const mask = this.masks[column];
      if (mask === undefined) continue;
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, column);
      duckdb.vector_ensure_validity_writable(vector);
      duckdb.copy_data_to_vector_validity(vector, 0, mask.buffer, mask.byteOffset, mask.byteLength);
    }
  }
}
