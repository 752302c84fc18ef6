// SPDX-License-Identifier: Apache-2.0
// Scans the JSON text of a WriteRecords request without building an object per dimension: each
// record becomes one object of its scalar members, its Dimensions kept as their JSON text, which
// is also what the series cache is keyed by (records.ts), so a known series is never parsed.
// Hand-written on a measured hot path (bench figure 4, store alone, 2 cores): JSON.parse of the
// connector's bodies cost ~1.5 µs per record and building the cache key from the parsed
// dimensions ~1 µs more, against ~0.3 µs for this scan. Only the compact form JSON serialisers
// write is scanned; anything else (whitespace, escapes in record members, null, other members,
// a repeated key, more than MAX_SCANNED_RECORDS records) answers undefined and the caller uses
// JSON.parse, so what is scanned always reads as JSON.parse would read it.

/**
 * A record as the wire carries it, Dimensions left as their JSON text (see ScannedRecords); an
 * absent member is undefined.
 *
 * NOTE: a class whose constructor sets every member, not an object literal filled member by
 * member. V8 tracks the objects of each literal (an allocation site) and, after a young-generation
 * collection in which at least 85% of a site's recent objects were still alive, allocates that
 * site's objects straight in the old generation from then on ("pretenuring"). Per-record objects
 * can meet that while a slow group commit holds them (figure 4's first round), and the decision
 * then held for the whole run: measured (bench/NOTES.md), in 11 of 25 runs of figure 4's connector
 * the store's thread took 590-810 fresh 256 KiB pages per 6 s for them, 6 900-13 200 page faults
 * a second at ~10 µs each on this machine, and the run lost 10-25% of its rate. Objects made by
 * `new` of a class have no allocation site; with these classes, 0 of 17 runs did.
 */
export class ScannedRecord {
  /** The `[...]` text of Dimensions: `{"Name":"..","Value":".."}` objects, no escapes. */
  DimensionsText: string | undefined = undefined;
  MeasureName: string | undefined = undefined;
  MeasureValue: string | undefined = undefined;
  MeasureValueType: string | undefined = undefined;
  Time: string | undefined = undefined;
  TimeUnit: string | undefined = undefined;
  Version: number | undefined = undefined;
}

/** The Records of a scanned request; normalizeRecords fills `ownDimensionBytes` for metering. */
export class ScannedRecords {
  /** UTF-8 bytes of each record's own dimension names and values (set by normalizeRecords). */
  ownDimensionBytes: Int32Array;

  constructor(readonly records: ScannedRecord[]) {
    this.ownDimensionBytes = new Int32Array(records.length);
  }
}

/**
 * Records scanned at most; more is a request normalizeRecords refuses (100 is the model's limit),
 * left to JSON.parse so the scan stays bounded.
 */
export const MAX_SCANNED_RECORDS = 100;

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const BACKSLASH = 0x5c;
/** The members a scanned record may hold that are plain strings. */
const STRING_MEMBERS = ['MeasureName', 'MeasureValue', 'MeasureValueType', 'Time', 'TimeUnit'] as const;
type StringMember = (typeof STRING_MEMBERS)[number];
/** A Version JSON.parse reads as a safe positive integer (at most 15 digits, no leading zero). */
const VERSION_DIGITS = /^[1-9][0-9]{0,14}$/;

/**
 * Scans a WriteRecords request body: `{"DatabaseName":..,"TableName":..,"CommonAttributes":..,
 * "Records":[..]}` in any member order, the three others parsed with JSON.parse. Returns the
 * request with Records as ScannedRecords, or undefined when the text is not in the scanned form.
 */
export function scanWriteRecords(text: string): Record<string, unknown> | undefined {
  if (text.charCodeAt(0) !== OPEN_BRACE) return undefined;
  const request: Record<string, unknown> = {};
  let at = 1;
  for (;;) {
    const keyEnd = plainStringEnd(text, at);
    if (keyEnd < 0 || text.charCodeAt(keyEnd) !== COLON) return undefined;
    const key = text.slice(at + 1, keyEnd - 1);
    if (Object.hasOwn(request, key)) return undefined;
    const valueStart = keyEnd + 1;
    let valueEnd: number;
    if (key === 'Records') {
      const records: ScannedRecord[] = [];
      valueEnd = scanRecords(text, valueStart, records);
      if (valueEnd < 0) return undefined;
      request.Records = new ScannedRecords(records);
    } else if (key === 'DatabaseName' || key === 'TableName' || key === 'CommonAttributes') {
      valueEnd = skipValue(text, valueStart);
      if (valueEnd < 0) return undefined;
      try {
        const value = text.slice(valueStart, valueEnd);
        request[key] = JSON.parse(key === 'CommonAttributes' ? exactLongVersions(value) : value);
      } catch {
        return undefined;
      }
    } else {
      return undefined;
    }
    at = valueEnd;
    const next = text.charCodeAt(at);
    if (next === CLOSE_BRACE && at === text.length - 1) break;
    if (next !== COMMA) return undefined;
    at++;
  }
  return request.Records === undefined ? undefined : request;
}

/** Scans `[record, ...]` at `at` into `out`; returns the index after `]`, or -1. */
function scanRecords(text: string, at: number, out: ScannedRecord[]): number {
  if (text.charCodeAt(at) !== OPEN_BRACKET) return -1;
  at++;
  if (text.charCodeAt(at) === CLOSE_BRACKET) return at + 1;
  for (;;) {
    if (out.length === MAX_SCANNED_RECORDS) return -1;
    const record = new ScannedRecord();
    at = scanRecord(text, at, record);
    if (at < 0) return -1;
    out.push(record);
    const next = text.charCodeAt(at);
    if (next === CLOSE_BRACKET) return at + 1;
    if (next !== COMMA) return -1;
    at++;
  }
}

/** Scans one `{...}` record at `at` into `record`; returns the index after `}`, or -1. */
function scanRecord(text: string, at: number, record: ScannedRecord): number {
  if (text.charCodeAt(at) !== OPEN_BRACE) return -1;
  at++;
  if (text.charCodeAt(at) === CLOSE_BRACE) return at + 1;
  for (;;) {
    const keyEnd = plainStringEnd(text, at);
    if (keyEnd < 0 || text.charCodeAt(keyEnd) !== COLON) return -1;
    const key = text.slice(at + 1, keyEnd - 1);
    const valueStart = keyEnd + 1;
    let valueEnd: number;
    if (key === 'Dimensions') {
      if (record.DimensionsText !== undefined) return -1;
      valueEnd = dimensionsEnd(text, valueStart);
      if (valueEnd < 0) return -1;
      record.DimensionsText = text.slice(valueStart, valueEnd);
    } else if (isStringMember(key)) {
      if (record[key] !== undefined) return -1;
      valueEnd = plainStringEnd(text, valueStart);
      if (valueEnd < 0) return -1;
      record[key] = text.slice(valueStart + 1, valueEnd - 1);
    } else if (key === 'Version') {
      if (record.Version !== undefined) return -1;
      valueEnd = valueStart;
      while (isDigit(text.charCodeAt(valueEnd))) valueEnd++;
      const digits = text.slice(valueStart, valueEnd);
      if (!VERSION_DIGITS.test(digits)) return -1;
      record.Version = Number(digits);
    } else {
      return -1;
    }
    at = valueEnd;
    const next = text.charCodeAt(at);
    if (next === CLOSE_BRACE) return at + 1;
    if (next !== COMMA) return -1;
    at++;
  }
}

function isStringMember(key: string): key is StringMember {
  return (STRING_MEMBERS as readonly string[]).includes(key);
}

/** A plain string's characters: no quote, no backslash (so no escape), no control character. */
const PLAIN_CHARS = '[^"\\\\\\x00-\\x1f]*';
const DIMENSION_PATTERN = `\\{"Name":"${PLAIN_CHARS}","Value":"${PLAIN_CHARS}"\\}`;
/**
 * A whole Dimensions list of plain strings, `[]` or `[{"Name":"..","Value":".."},...]`, matched
 * where `lastIndex` points (sticky). Every alternative starts with a different literal and no
 * character class takes a quote, so a match or a failure takes time linear in the text.
 *
 * NOTE: measured on a hot path (bench figure 4: the store's thread spent 11% of its time in
 * scanRecord, nearly all of it walking these lists a character at a time). On lists shaped like
 * the connector's (6-12 labels), one test of this expression costs ~0.17 µs per record against
 * ~1.2 µs for the walk it replaced, which read every character through charCodeAt.
 */
const DIMENSIONS_LIST = new RegExp(`\\[(?:\\]|${DIMENSION_PATTERN}(?:,${DIMENSION_PATTERN})*\\])`, 'y');

/** Returns the index after a `[{"Name":"..","Value":".."},...]` list at `at` (plain strings), or -1. */
function dimensionsEnd(text: string, at: number): number {
  DIMENSIONS_LIST.lastIndex = at;
  return DIMENSIONS_LIST.test(text) ? DIMENSIONS_LIST.lastIndex : -1;
}

/**
 * Returns the index after a string at `at` that holds no escape and no control character (its
 * text between the quotes is then its value), or -1.
 */
function plainStringEnd(text: string, at: number): number {
  if (text.charCodeAt(at) !== QUOTE) return -1;
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH || c < 0x20) return -1;
  }
  return -1;
}

/**
 * Returns the index after the JSON value at `at` by bracket counting over strings (escapes
 * allowed), or -1 when it runs off the text; JSON.parse of the slice then validates it.
 */
function skipValue(text: string, at: number): number {
  let depth = 0;
  let i = at;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      while (i < text.length && text.charCodeAt(i) !== QUOTE) i += text.charCodeAt(i) === BACKSLASH ? 2 : 1;
      if (i >= text.length) return -1;
      i++;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      i++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 0) return i;
      depth--;
      i++;
    } else if (c === COMMA && depth === 0) {
      return i;
    } else {
      i++;
    }
    if (depth === 0 && (c === QUOTE || c === CLOSE_BRACE || c === CLOSE_BRACKET)) return i;
  }
  return -1;
}

/**
 * What `exactLongVersions` puts in front of the digits of a Version it keeps as text; parseVersion
 * (records.ts) reads such a string as that integer. No client sends a NUL in a Version.
 */
export const LONG_VERSION_MARK = '\u0000long:';

/** A Version member whose integer JSON.parse may round (16 digits or more). */
const LONG_VERSION = /"Version"\s*:\s*-?[0-9]{16}/;

/**
 * Returns the text of a WriteRecords request with every `"Version": <integer>` of 16 digits or
 * more turned into the string LONG_VERSION_MARK + digits, so JSON.parse keeps it exact: Version is
 * a 64-bit integer (a time in nanoseconds is a common one), which a JS number holds exactly only
 * up to 2^53 - 1. Strings are skipped whole, so text inside a value is never changed.
 */
export function exactLongVersions(text: string): string {
  if (!LONG_VERSION.test(text)) return text;
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) !== QUOTE) {
      i++;
      continue;
    }
    const start = i;
    i++;
    while (i < text.length && text.charCodeAt(i) !== QUOTE) i += text.charCodeAt(i) === BACKSLASH ? 2 : 1;
    i++;
    if (text.slice(start, i) !== '"Version"') continue;
    let at = skipWhitespace(text, i);
    if (text.charCodeAt(at) !== COLON) continue;
    at = skipWhitespace(text, at + 1);
    let end = text.charCodeAt(at) === 0x2d ? at + 1 : at;
    const firstDigit = end;
    while (isDigit(text.charCodeAt(end))) end++;
    const next = text.charCodeAt(end);
    // A fraction or an exponent is no integer: JSON.parse reads it, and parseVersion refuses it.
    if (end - firstDigit < 16 || next === 0x2e || next === 0x45 || next === 0x65) continue;
    // Nor is a leading zero JSON: left for JSON.parse to refuse, as it refuses a shorter one.
    if (text.charCodeAt(firstDigit) === 0x30) continue;
    out += text.slice(copied, at) + JSON.stringify(LONG_VERSION_MARK + text.slice(at, end));
    copied = end;
    i = end;
  }
  return out + text.slice(copied);
}

function skipWhitespace(text: string, at: number): number {
  let i = at;
  while (i < text.length && /[ \t\n\r]/.test(text[i])) i++;
  return i;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
