// SPDX-License-Identifier: Apache-2.0
// Scans the UTF-8 bytes of a Query response page into the byte ranges of its cells' scalar texts,
// without decoding the page into a string or building a Row, a Datum or a string per row and
// cell. Hand-written on a measured hot path (figure 5, --cpu-prof of a 1000-series read): decoding
// each ~190 KB page into one string cost ~7 ns a byte (V8 allocates strings above 128 KiB one by
// one in its large-object space), more than scanning and assembling it; JSON.parse of a page built
// ~8 objects per row. Only the compact form JSON serialisers write is scanned; anything else
// (whitespace, escapes inside Rows, other Datum kinds, repeated keys) answers undefined and the
// caller parses the page with JSON.parse instead, so what is scanned always reads as JSON.parse
// reads the page decoded as UTF-8.

import type { ColumnInfo } from '@aws-sdk/client-timestream-query';

/**
 * A page's cells. Cell k's ScalarValue is the UTF-8 text bytes[cellStart[k], cellEnd[k]) (no
 * escapes, no control characters); cellStart[k] is -1 for `{"NullValue":true}`.
 */
export interface ScannedPage {
  columnInfo: ColumnInfo[];
  nextToken?: string;
  rowCount: number;
  /** Row r's cells are cells rowStarts[r] up to rowStarts[r + 1]; rowCount + 1 entries. */
  rowStarts: Int32Array;
  bytes: Buffer;
  /** At least as long as the cell count (sized for the most cells the page could hold). */
  cellStart: Int32Array;
  cellEnd: Int32Array;
}

const ROW_OPEN_BYTES = '{"Data":['.length;
const SCALAR_OPEN_BYTES = '{"ScalarValue":"'.length;
const NULL_CELL_BYTES = '{"NullValue":true}'.length;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/** A control character: JSON.parse refuses it raw inside a key. */
const CONTROL = /[\u0000-\u001f]/;
/** The fewest bytes a cell takes (`{"NullValue":true}`, `{"ScalarValue":""}`) and a row with its comma. */
const MIN_CELL_BYTES = 18;
const MIN_ROW_BYTES = '{"Data":[]},'.length;

/** Scans `bytes` (see the file comment), or returns undefined when they are not in the scanned form. */
export function scanQueryPage(bytes: Buffer): ScannedPage | undefined {
  if (bytes[0] !== OPEN_BRACE || bytes[1] !== QUOTE) return undefined;
  let columnInfo: ColumnInfo[] | undefined;
  let nextToken: string | undefined;
  let rows: ScannedRows | undefined;
  const seen = new Set<string>();
  let at = 1;
  for (;;) {
    const keyEnd = stringEnd(bytes, at);
    if (keyEnd < 0 || bytes[keyEnd] !== COLON) return undefined;
    const key = bytes.toString('utf8', at + 1, keyEnd - 1);
    // An escaped or invalid key is left to JSON.parse; a repeated one too (the last one wins there).
    if (key.includes('\\') || CONTROL.test(key) || seen.has(key)) return undefined;
    seen.add(key);
    const valueStart = keyEnd + 1;
    let valueEnd: number;
    if (key === 'Rows') {
      rows = scanRows(bytes, valueStart);
      if (rows === undefined) return undefined;
      valueEnd = rows.end;
    } else {
      valueEnd = skipValue(bytes, valueStart);
      if (valueEnd < 0) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(bytes.toString('utf8', valueStart, valueEnd));
      } catch {
        return undefined;
      }
      if (key === 'ColumnInfo') {
        if (!isColumnInfoList(value)) return undefined;
        columnInfo = value;
      } else if (key === 'NextToken') {
        // An empty one is no token of Timestream's, and the read would page on with it.
        if (typeof value !== 'string' || value === '') return undefined;
        nextToken = value;
      }
    }
    at = valueEnd;
    const next = bytes[at];
    if (next === CLOSE_BRACE && at === bytes.length - 1) break;
    if (next !== COMMA || bytes[at + 1] !== QUOTE) return undefined;
    at++;
  }
  if (rows === undefined || columnInfo === undefined) return undefined;
  return {
    columnInfo,
    ...(nextToken === undefined ? {} : { nextToken }),
    rowCount: rows.rowCount,
    rowStarts: rows.rowStarts,
    bytes,
    cellStart: rows.cellStart,
    cellEnd: rows.cellEnd,
  };
}

/**
 * Whether `value` is a list of columns the read path can use: objects whose Name is absent or a
 * string. JSON.parse and the SDK's deserialiser alike pass a column of `null`, a number or a Name
 * of another type through, each a TypeError once the columns are read.
 */
export function isColumnInfoList(value: unknown): value is ColumnInfo[] {
  if (!Array.isArray(value)) return false;
  for (const column of value as unknown[]) {
    if (typeof column !== 'object' || column === null) return false;
    const name = (column as { Name?: unknown }).Name;
    if (name !== undefined && typeof name !== 'string') return false;
  }
  return true;
}

interface ScannedRows {
  end: number;
  rowCount: number;
  rowStarts: Int32Array;
  cellStart: Int32Array;
  cellEnd: Int32Array;
}

// The three literals of every row and cell, spelled out byte by byte: a loop over the literal's
// bytes cost a fifth more per page (figure 5). Reads past the end give undefined: no match.

/** Whether `{"Data":[` starts at `at`. */
function hasRowOpen(b: Buffer, at: number): boolean {
  return (
    b[at] === 0x7b &&
    b[at + 1] === 0x22 &&
    b[at + 2] === 0x44 &&
    b[at + 3] === 0x61 &&
    b[at + 4] === 0x74 &&
    b[at + 5] === 0x61 &&
    b[at + 6] === 0x22 &&
    b[at + 7] === 0x3a &&
    b[at + 8] === 0x5b
  );
}

/** Whether `{"ScalarValue":"` starts at `at`. */
function hasScalarOpen(b: Buffer, at: number): boolean {
  return (
    b[at] === 0x7b &&
    b[at + 1] === 0x22 &&
    b[at + 2] === 0x53 &&
    b[at + 3] === 0x63 &&
    b[at + 4] === 0x61 &&
    b[at + 5] === 0x6c &&
    b[at + 6] === 0x61 &&
    b[at + 7] === 0x72 &&
    b[at + 8] === 0x56 &&
    b[at + 9] === 0x61 &&
    b[at + 10] === 0x6c &&
    b[at + 11] === 0x75 &&
    b[at + 12] === 0x65 &&
    b[at + 13] === 0x22 &&
    b[at + 14] === 0x3a &&
    b[at + 15] === 0x22
  );
}

/** Whether `{"NullValue":true}` starts at `at`. */
function hasNullCell(b: Buffer, at: number): boolean {
  return (
    b[at] === 0x7b &&
    b[at + 1] === 0x22 &&
    b[at + 2] === 0x4e &&
    b[at + 3] === 0x75 &&
    b[at + 4] === 0x6c &&
    b[at + 5] === 0x6c &&
    b[at + 6] === 0x56 &&
    b[at + 7] === 0x61 &&
    b[at + 8] === 0x6c &&
    b[at + 9] === 0x75 &&
    b[at + 10] === 0x65 &&
    b[at + 11] === 0x22 &&
    b[at + 12] === 0x3a &&
    b[at + 13] === 0x74 &&
    b[at + 14] === 0x72 &&
    b[at + 15] === 0x75 &&
    b[at + 16] === 0x65 &&
    b[at + 17] === 0x7d
  );
}

/** Scans `[{"Data":[cell,...]},...]` at `at`; undefined when it is anything else. */
function scanRows(bytes: Buffer, at: number): ScannedRows | undefined {
  if (bytes[at] !== OPEN_BRACKET) return undefined;
  at++;
  // Sized once for the most rows and cells the bytes could hold: growing them page by page cost
  // more than the allocation (figure 5), and untouched memory is never paged in.
  const rowStarts = new Int32Array(Math.floor((bytes.length - at) / MIN_ROW_BYTES) + 2);
  const cellStart = new Int32Array(Math.floor((bytes.length - at) / MIN_CELL_BYTES) + 1);
  const cellEnd = new Int32Array(cellStart.length);
  let rowCount = 0;
  let cells = 0;
  const length = bytes.length;
  if (bytes[at] !== CLOSE_BRACKET) {
    for (;;) {
      if (!hasRowOpen(bytes, at)) return undefined;
      at += ROW_OPEN_BYTES;
      if (bytes[at] !== CLOSE_BRACKET) {
        for (;;) {
          if (hasScalarOpen(bytes, at)) {
            const start = at + SCALAR_OPEN_BYTES;
            let i = start;
            let c = 0;
            // The text ends at the first quote; an escape or a raw control character is not scanned.
            while (i < length && (c = bytes[i]!) !== QUOTE) {
              if (c === BACKSLASH || c < 0x20) return undefined;
              i++;
            }
            if (i >= length || bytes[i + 1] !== CLOSE_BRACE) return undefined;
            cellStart[cells] = start;
            cellEnd[cells] = i;
            at = i + 2;
          } else if (hasNullCell(bytes, at)) {
            cellStart[cells] = -1;
            cellEnd[cells] = -1;
            at += NULL_CELL_BYTES;
          } else {
            return undefined;
          }
          cells++;
          const next = bytes[at];
          if (next === CLOSE_BRACKET) break;
          if (next !== COMMA) return undefined;
          at++;
        }
      }
      // At the `]` closing Data: the row ends with `}`.
      if (bytes[at + 1] !== CLOSE_BRACE) return undefined;
      at += 2;
      rowCount++;
      rowStarts[rowCount] = cells;
      const next = bytes[at];
      if (next === CLOSE_BRACKET) break;
      if (next !== COMMA) return undefined;
      at++;
    }
  }
  return { end: at + 1, rowCount, rowStarts: rowStarts.subarray(0, rowCount + 1), cellStart, cellEnd };
}

/** The index just past the string whose opening quote is at `open`, or -1. */
function stringEnd(bytes: Buffer, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/**
 * Returns the end of the JSON value at `at`, or -1. Loose about what lies inside; the caller
 * validates the value with JSON.parse.
 */
function skipValue(bytes: Buffer, at: number): number {
  let depth = 0;
  let i = at;
  while (i < bytes.length) {
    const c = bytes[i];
    if (c === QUOTE) {
      i = stringEnd(bytes, i);
      if (i < 0) return -1;
      if (depth === 0) return i;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      i++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 0) return i === at ? -1 : i;
      depth--;
      i++;
      if (depth === 0) return i;
    } else if (c === COMMA && depth === 0) {
      return i === at ? -1 : i;
    } else {
      i++;
    }
  }
  return -1;
}
