// SPDX-License-Identifier: Apache-2.0
// Scans the JSON text of a Query response page into its cells' scalar texts without building a
// Row and a Datum object per row and cell: a sticky regular expression per row width matches a
// whole row, so V8's compiled regex does the scanning. Hand-written on a measured hot path
// (figure 5): JSON.parse of a page built ~8 objects per row and cost more than assembling the
// series. Only the compact form JSON serialisers write is scanned; anything else (whitespace,
// escapes inside Rows, other Datum kinds, repeated keys) answers undefined and the caller parses
// the page with JSON.parse instead, so what is scanned always reads as JSON.parse would read it.

import type { ColumnInfo } from '@aws-sdk/client-timestream-query';

/** A page's cells: ScalarValue texts, undefined for `{"NullValue":true}`. */
export interface ScannedPage {
  columnInfo: ColumnInfo[];
  nextToken?: string;
  rowCount: number;
  /** Row r's cells are cells[rowStarts[r]] up to cells[rowStarts[r + 1]]; rowCount + 1 entries. */
  rowStarts: Int32Array;
  cells: (string | undefined)[];
}

/** One Datum: a ScalarValue without escapes or control characters (group 1), or a NullValue. */
const CELL = String.raw`(?:\{"ScalarValue":"([^"\\\u0000-\u001f]*)"\}|\{"NullValue":true\})`;
const CELL_PATTERN = new RegExp(CELL, 'y');
const ROW_OPEN = '{"Data":[';
/** Row patterns are compiled per width; a page of rows of more distinct widths is not scanned. */
const MAX_ROW_PATTERNS = 64;
const rowPatterns = new Map<number, RegExp>();
/** A control character: JSON.parse refuses it raw inside a key. */
const CONTROL = /[\u0000-\u001f]/;

/** Scans `text` (see the file comment), or returns undefined when it is not in the scanned form. */
export function scanQueryPage(text: string): ScannedPage | undefined {
  if (text.charCodeAt(0) !== 0x7b /* { */ || text.charCodeAt(1) !== 0x22 /* " */) return undefined;
  let columnInfo: ColumnInfo[] | undefined;
  let nextToken: string | undefined;
  let rows: ScannedRows | undefined;
  const seen = new Set<string>();
  let at = 1;
  for (;;) {
    const keyEnd = stringEnd(text, at);
    if (keyEnd < 0 || text.charCodeAt(keyEnd) !== 0x3a /* : */) return undefined;
    const key = text.slice(at + 1, keyEnd - 1);
    // An escaped or invalid key is left to JSON.parse; a repeated one too (the last one wins there).
    if (key.includes('\\') || CONTROL.test(key) || seen.has(key)) return undefined;
    seen.add(key);
    const valueStart = keyEnd + 1;
    let valueEnd: number;
    if (key === 'Rows') {
      rows = scanRows(text, valueStart);
      if (rows === undefined) return undefined;
      valueEnd = rows.end;
    } else {
      valueEnd = skipValue(text, valueStart);
      if (valueEnd < 0) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(text.slice(valueStart, valueEnd));
      } catch {
        return undefined;
      }
      if (key === 'ColumnInfo') {
        if (!Array.isArray(value)) return undefined;
        columnInfo = value as ColumnInfo[];
      } else if (key === 'NextToken') {
        if (typeof value !== 'string') return undefined;
        nextToken = value;
      }
    }
    at = valueEnd;
    const next = text.charCodeAt(at);
    if (next === 0x7d /* } */ && at === text.length - 1) break;
    if (next !== 0x2c /* , */ || text.charCodeAt(at + 1) !== 0x22 /* " */) return undefined;
    at++;
  }
  if (rows === undefined || columnInfo === undefined) return undefined;
  return {
    columnInfo,
    ...(nextToken === undefined ? {} : { nextToken }),
    rowCount: rows.rowCount,
    rowStarts: rows.rowStarts,
    cells: rows.cells,
  };
}

interface ScannedRows {
  end: number;
  rowCount: number;
  rowStarts: Int32Array;
  cells: (string | undefined)[];
}

/** Scans `[{"Data":[cell,...]},...]` at `at`; undefined when it is anything else. */
function scanRows(text: string, at: number): ScannedRows | undefined {
  if (text.charCodeAt(at) !== 0x5b /* [ */) return undefined;
  at++;
  const starts: number[] = [0];
  const cells: (string | undefined)[] = [];
  if (text.charCodeAt(at) === 0x5d /* ] */) {
    return { end: at + 1, rowCount: 0, rowStarts: Int32Array.from(starts), cells };
  }
  let width = -1;
  let pattern: RegExp | undefined;
  for (;;) {
    let match: RegExpExecArray | null = null;
    if (pattern !== undefined) {
      pattern.lastIndex = at;
      match = pattern.exec(text);
    }
    if (match === null) {
      // The first row, or one of another width: count its cells, then match it whole.
      width = rowWidth(text, at);
      pattern = width < 0 ? undefined : rowPattern(width);
      if (pattern === undefined) return undefined;
      pattern.lastIndex = at;
      match = pattern.exec(text);
      if (match === null) return undefined;
    }
    for (let k = 1; k <= width; k++) cells.push(match[k]);
    starts.push(cells.length);
    at = pattern!.lastIndex;
    const next = text.charCodeAt(at);
    if (next === 0x5d /* ] */) break;
    if (next !== 0x2c /* , */) return undefined;
    at++;
  }
  return { end: at + 1, rowCount: starts.length - 1, rowStarts: Int32Array.from(starts), cells };
}

/** The number of cells of the row at `at`, or -1 when no row in the scanned form starts there. */
function rowWidth(text: string, at: number): number {
  if (!text.startsWith(ROW_OPEN, at)) return -1;
  let i = at + ROW_OPEN.length;
  if (text.charCodeAt(i) === 0x5d /* ] */) return 0;
  for (let width = 1; ; width++) {
    CELL_PATTERN.lastIndex = i;
    if (!CELL_PATTERN.test(text)) return -1;
    i = CELL_PATTERN.lastIndex;
    const next = text.charCodeAt(i);
    if (next === 0x5d /* ] */) return width;
    if (next !== 0x2c /* , */) return -1;
    i++;
  }
}

/** The sticky pattern of a whole row of `width` cells, or undefined past MAX_ROW_PATTERNS. */
function rowPattern(width: number): RegExp | undefined {
  let pattern = rowPatterns.get(width);
  if (pattern === undefined && rowPatterns.size < MAX_ROW_PATTERNS) {
    const cells = Array.from({ length: width }, () => CELL).join(',');
    pattern = new RegExp(String.raw`\{"Data":\[${cells}\]\}`, 'y');
    rowPatterns.set(width, pattern);
  }
  return pattern;
}

/** The index just past the string whose opening quote is at `open`, or -1. */
function stringEnd(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c /* \ */) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/**
 * Returns the end of the JSON value at `at`, or -1. Loose about what lies inside; the caller
 * validates the value with JSON.parse.
 */
function skipValue(text: string, at: number): number {
  let depth = 0;
  let i = at;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
      if (depth === 0) return i;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth === 0) return i === at ? -1 : i;
      depth--;
      i++;
      if (depth === 0) return i;
    } else if (c === 0x2c /* , */ && depth === 0) {
      return i === at ? -1 : i;
    } else {
      i++;
    }
  }
  return -1;
}
