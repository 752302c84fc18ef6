// SPDX-License-Identifier: Apache-2.0
// Validates a WriteRecords request and turns each record into a normalized row (CommonAttributes
// merged, value and time parsed, series identity hashed). Pure: table state (retention windows,
// duplicates, table-wide limits) is judged later by write-records.ts.

import { hash } from 'node:crypto';
import { StoreError, validation } from './errors';
import { modelViolation } from './model-checks';
import type { ScalarMeasureType } from './schema';
import { LONG_VERSION_MARK, ScannedRecords, type ScannedRecord } from './write-scan';

/** Records per WriteRecords call (reference/timestream-facts.md 3.3). */
export const MAX_RECORDS_PER_WRITE = 100;
/** Dimensions per record (model constraint on `Record.Dimensions`). */
export const MAX_DIMENSIONS_PER_RECORD = 128;
/** Dimension name length in UTF-8 bytes (facts 3.3). */
export const MAX_DIMENSION_NAME_BYTES = 60;
/** Measure name length in UTF-8 bytes (facts 3.3). */
export const MAX_MEASURE_NAME_BYTES = 256;
/** Size of all dimension name+value pairs of one series (facts 3.3, "2 KB"). */
export const MAX_DIMENSION_PAIRS_BYTES = 2048;
/** `MeasureValue` length in characters (model `StringValue2048`). */
export const MAX_MEASURE_VALUE_CHARS = 2048;
/** Largest TIMESTAMP_NS value: 2262-04-11 23:47:16.854775807 (facts 3.1). */
export const MAX_TIME_NS = 9223372036854775807n;

const NS_PER_UNIT: Readonly<Record<string, bigint>> = {
  MILLISECONDS: 1_000_000n,
  SECONDS: 1_000_000_000n,
  MICROSECONDS: 1_000n,
  NANOSECONDS: 1n,
};
const MEASURE_TYPES = new Set(['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN', 'TIMESTAMP', 'MULTI']);
const RESERVED_DIMENSION_NAMES = new Set(['measure_name', 'measure_value', 'time', 'ts_non_existent_col']);
const DOUBLE_SYNTAX = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BIGINT_SYNTAX = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Timestream's ValidationException message for a record without any dimension. */
export const NO_DIMENSION_MESSAGE = 'At least one dimension is required for a record.';

export const NON_FINITE_DOUBLE_MESSAGE =
  'Timestream only supports finite IEEE Standard 754 floating point precision for double measure value type.';

/** A `Record` as the wire carries it (JSON, any member possibly absent or mistyped). */
export interface WireRecord {
  Dimensions?: { Name?: unknown; Value?: unknown; DimensionValueType?: unknown }[];
  MeasureName?: unknown;
  MeasureValue?: unknown;
  MeasureValueType?: unknown;
  Time?: unknown;
  TimeUnit?: unknown;
  Version?: unknown;
  MeasureValues?: unknown;
}

/** A measure value in its typed form (measureKey gives the canonical text values compare by). */
export type TypedValue =
  | { type: 'DOUBLE'; value: number }
  | { type: 'BIGINT'; value: bigint }
  | { type: 'VARCHAR'; value: string }
  | { type: 'BOOLEAN'; value: boolean };

/**
 * Returns the canonical text of a typed value: equal for values Timestream treats as identical
 * (`-0` and `0`, `1e6` and `1000000`). Computed only when a write meets a stored row, not per record.
 */
export function measureKey(measure: TypedValue): string {
  if (measure.type === 'DOUBLE') return String(measure.value === 0 ? 0 : measure.value);
  return String(measure.value);
}

/**
 * A measure value made by `new` rather than as a literal, for the reason in ScannedRecord's note
 * (write-scan.ts): it lives as long as its record.
 */
class Measure {
  constructor(
    readonly type: ScalarMeasureType,
    readonly value: number | bigint | string | boolean,
  ) {}
}

/**
 * One validated record, ready for the table-state checks and the insert. A class for the reason
 * in ScannedRecord's note (write-scan.ts): a group's records live until its commit is done.
 */
export class NormalizedRecord {
  constructor(
    readonly index: number,
    /** Dimensions in the record's order. */
    readonly dimensions: { name: string; value: string }[],
    readonly measureName: string,
    readonly measure: TypedValue,
    readonly timeNs: bigint,
    readonly version: bigint,
    /** Hash of (sorted dimensions, measure name); also stored as `ts_series`. */
    readonly series: string,
    /** A per-record limit the record breaks: rejected (not the whole call), see classify note. */
    readonly limitViolation: string | undefined,
    /** Its series identity's memo (shared by every record of the series the cache knows). */
    readonly slotMemo: SlotMemo,
  ) {}
}

/**
 * Where a table writer keeps a series' slot (write-records.ts), valid only for the writer that
 * set it: a known series' next record finds its slot here instead of looking its key up in the
 * writer's map of every series.
 */
export interface SlotMemo {
  owner: object | undefined;
  slot: unknown;
}

/**
 * Validates a whole request and normalizes every record. Model-level and syntax problems fail the
 * whole call (ValidationException), as the service's request validation does; per-record quota
 * violations (name and size limits) are returned as `limitViolation` so they become RejectedRecords.
 * UNCONFIRMED: which side of that line each check falls on in real Timestream; this split follows
 * the model constraints (whole call) versus the service quotas table (per record).
 * @throws StoreError ValidationException
 */
export function normalizeRecords(
  records: unknown,
  common: unknown,
  cache: SeriesCache = new SeriesCache(),
): NormalizedRecord[] {
  if (records instanceof ScannedRecords) return normalizeScanned(records, common, cache);
  // A missing list is refused as the model's other missing members are (model-checks.ts).
  if (records === undefined || records === null)
    throw modelViolation('null', 'records', 'Member must not be null');
  if (!Array.isArray(records)) throw recordCountError(0);
  checkRecordCount(records.length);
  const commonRecord = asRecord(common ?? {}, 'commonAttributes');
  const shared = new SharedFields(commonRecord);
  const resolve: SeriesResolver = (record, measureName, index) =>
    resolveSeries(shared, record.Dimensions, measureName, index, cache);
  return records.map((raw, index) =>
    normalizeRecord(asRecord(raw, `records.${index + 1}`), commonRecord, index, resolve, shared),
  );
}

/** Refuses a call with no records or more than a call may hold, in Timestream's words. */
function checkRecordCount(count: number): void {
  if (count < 1 || count > MAX_RECORDS_PER_WRITE) throw recordCountError(count);
}

function recordCountError(count: number): StoreError {
  return modelViolation(
    `with length ${count}`,
    'records',
    `Member must have length ${count < 1 ? 'greater than or equal to 1' : 'less than or equal to 100'}`,
  );
}

/** Finds (validating on a miss) the series of a record with the given merged measure name. */
type SeriesResolver = (record: WireRecord, measureName: unknown, index: number) => SeriesIdentity;

/**
 * normalizeRecords for a request read by scanWriteRecords: the same checks in the same order, so
 * the same records and errors, but a record's own dimensions are looked up in the cache by their
 * JSON text and only parsed when the series is not cached. Fills `ownDimensionBytes`.
 */
function normalizeScanned(scanned: ScannedRecords, common: unknown, cache: SeriesCache): NormalizedRecord[] {
  const records = scanned.records;
  checkRecordCount(records.length);
  const commonRecord = asRecord(common ?? {}, 'commonAttributes');
  const shared = new SharedFields(commonRecord);
  let previous: TextIdentity | undefined;
  const resolve: SeriesResolver = (_record, measureName, index) => {
    const identity = resolveScannedSeries(shared, records[index], measureName, index, cache, previous);
    scanned.ownDimensionBytes[index] = identity.ownDimensionBytes;
    previous = identity;
    return identity;
  };
  const out: NormalizedRecord[] = new Array(records.length);
  for (let index = 0; index < records.length; index++)
    out[index] = normalizeRecord(records[index] as WireRecord, commonRecord, index, resolve, shared);
  return out;
}

/** A series identity reached through the text of a record's own dimensions. */
export interface TextIdentity extends SeriesIdentity {
  /** UTF-8 bytes of the own dimensions' names and values (metered per record). */
  ownDimensionBytes: number;
  /** Its cache key under its CommonAttributes scope: measure name and own dimensions text (getText). */
  measureName: string;
  text: string;
  /** The identity of the record that followed one of this series the last time (see findText). */
  next: TextIdentity | undefined;
}

/**
 * resolveSeries for a scanned record: cached by (scope, measure name, dimensions text).
 * `previous` is the identity of the call's record before this one, if any.
 */
function resolveScannedSeries(
  shared: SharedFields,
  record: Pick<ScannedRecord, 'DimensionsText'>,
  measureName: unknown,
  index: number,
  cache: SeriesCache,
  previous: TextIdentity | undefined,
): TextIdentity {
  const text = record.DimensionsText ?? '';
  if (shared.scope !== undefined && typeof measureName === 'string') {
    const cached = cache.findText(shared.scope, measureName, text, previous);
    if (cached) return cached;
  }
  const own = record.DimensionsText === undefined ? undefined : (JSON.parse(text) as unknown);
  const { dimensions, series, limitViolation, measure } = newIdentity(shared, own, measureName, index);
  let ownDimensionBytes = 0;
  for (const { Name, Value } of (own ?? []) as { Name: string; Value: string }[])
    ownDimensionBytes += Buffer.byteLength(Name) + Buffer.byteLength(Value);
  const identity: TextIdentity = {
    dimensions,
    series,
    limitViolation,
    ownDimensionBytes,
    slotMemo: newSlotMemo(),
    measureName: measure,
    text,
    next: undefined,
  };
  if (shared.scope !== undefined) cache.setText(shared.scope, identity, previous);
  return identity;
}

/** Most series identities a SeriesCache keeps before it starts over (bounds its memory). */
export const MAX_CACHED_SERIES = 262_144;

/** What a dimension list plus measure name validates and hashes to; shared by every record of it. */
export interface SeriesIdentity {
  dimensions: { name: string; value: string }[];
  series: string;
  limitViolation: string | undefined;
  slotMemo: SlotMemo;
}

function newSlotMemo(): SlotMemo {
  return { owner: undefined, slot: undefined };
}

/**
 * Remembers the validated dimensions, hash and limit check of recently written series, keyed by
 * their merged dimension list and measure name: validity and identity depend on nothing else, so
 * a series seen before skips the checks, the sort and the SHA-256 (the store's hot path). Keys are
 * split in two levels: the CommonAttributes part (`scope`, built once per call) and the record's
 * own part, so a record only pays for a key over its own few dimensions.
 */
export class SeriesCache {
  private readonly scopes = new Map<string, Map<string, SeriesIdentity>>();
  /**
   * Identities of scanned records (write-scan.ts): scope, then measure name, then dimensions text.
   * Each level keeps its key, which the identities below it share.
   */
  private readonly textScopes = new Map<
    string,
    { key: string; names: Map<string, { key: string; byText: Map<string, TextIdentity> }> }
  >();
  private size = 0;

  constructor(private readonly capacity = MAX_CACHED_SERIES) {}

  get(key: string, scope = ''): SeriesIdentity | undefined {
    return this.scopes.get(scope)?.get(key);
  }

  set(key: string, identity: SeriesIdentity, scope = ''): void {
    this.counted();
    let entries = this.scopes.get(scope);
    if (entries === undefined) {
      entries = new Map();
      this.scopes.set(scope, entries);
    }
    entries.set(key, identity);
  }

  /** The identity of a scanned record's series by its scope, measure name and dimensions text. */
  getText(scope: string, measureName: string, text: string): TextIdentity | undefined {
    return this.textScopes.get(scope)?.names.get(measureName)?.byText.get(text);
  }

  /**
   * getText, first trying the series that followed `previous` (the call's record before this one)
   * the last time. Senders write a target's series in the same order scrape after scrape (the
   * connector sorts them, batch-order.ts), so the guess mostly holds, and checking it is one
   * string comparison where a map lookup hashes the whole dimensions text first.
   *
   * NOTE: measured on a hot path (bench figure 4, store alone: ~350-character texts of 100 000
   * series): `Map.get` costs ~0.6-1 µs per record, nearly all of it hashing the key, against
   * ~0.1 µs for comparing it with the guess. A wrong guess only costs that comparison. A guess may
   * outlive a capacity reset (counted): it is still the identity of that exact key, and since links
   * are only made to identities in the maps, nothing older than the last reset stays linked.
   */
  findText(
    scope: string,
    measureName: string,
    text: string,
    previous: TextIdentity | undefined,
  ): TextIdentity | undefined {
    const guess = previous?.next;
    // `previous` and its links all belong to this call's scope: identities are kept per scope,
    // and a link is only made between neighbours of one call.
    if (guess !== undefined && guess.text === text && guess.measureName === measureName) return guess;
    const found = this.getText(scope, measureName, text);
    if (found !== undefined && previous !== undefined) previous.next = found;
    return found;
  }

  /**
   * Adds a text-keyed identity (see getText) and links it as `previous`'s successor (see
   * findText); maps are only created here, for a counted entry. Keeps copies of the key's texts.
   */
  setText(scopeKey: string, identity: TextIdentity, previous?: TextIdentity): void {
    this.counted();
    let scope = this.textScopes.get(scopeKey);
    if (scope === undefined) {
      scope = { key: ownCopy(scopeKey), names: new Map() };
      this.textScopes.set(scope.key, scope);
    }
    let name = scope.names.get(identity.measureName);
    if (name === undefined) {
      name = { key: ownCopy(identity.measureName), byText: new Map() };
      scope.names.set(name.key, name);
    }
    identity.measureName = name.key;
    identity.text = ownCopy(identity.text);
    name.byText.set(identity.text, identity);
    if (previous !== undefined) previous.next = identity;
  }

  /** Counts one identity about to be added; past the capacity everything is dropped first. */
  private counted(): void {
    if (this.size >= this.capacity) this.clear();
    this.size += 1;
  }

  /** Forgets every identity, and with them their slot memos (which hold table writers). */
  clear(): void {
    this.scopes.clear();
    this.textScopes.clear();
    this.size = 0;
  }

  /** Identities held. */
  get count(): number {
    return this.size;
  }
}

/**
 * Returns `text` as a string of its own: a scanned text is a slice of the whole request body,
 * which a cache key would otherwise keep alive. (Slicing a concatenation flattens it first.)
 */
function ownCopy(text: string): string {
  return ` ${text}`.slice(1);
}

/** Values taken from CommonAttributes, parsed once per call rather than once per record. */
class SharedFields {
  private timeRaw: unknown;
  private timeUnit: unknown;
  private timeNs: bigint | undefined;
  /** Cache scope of the CommonAttributes dimensions; undefined when they take the full path. */
  readonly scope: string | undefined;

  constructor(private readonly common: WireRecord) {
    this.scope = dimensionsFragment(common.Dimensions, '');
  }

  /** Parses `Time` like parseTime, reusing the last result for the same text and unit. */
  time(raw: unknown, unit: unknown): bigint {
    if (this.timeNs !== undefined && raw === this.timeRaw && unit === this.timeUnit) return this.timeNs;
    const timeNs = parseTime(raw, unit);
    this.timeRaw = raw;
    this.timeUnit = unit;
    this.timeNs = timeNs;
    return timeNs;
  }

  get dimensions(): unknown {
    return this.common.Dimensions;
  }
}

function asRecord(value: unknown, path: string): WireRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StoreError('SerializationException', `Expected an object at '${path}'`);
  }
  return value as WireRecord;
}

function normalizeRecord(
  record: WireRecord,
  common: WireRecord,
  index: number,
  resolve: SeriesResolver,
  shared: SharedFields,
): NormalizedRecord {
  // UNCONFIRMED (facts 3.1): a scalar set on both sides takes the record's value.
  const type = record.MeasureValueType ?? common.MeasureValueType ?? 'DOUBLE';
  if (typeof type !== 'string' || !MEASURE_TYPES.has(type)) {
    throw validation(`Invalid MeasureValueType ${String(type)} for record at index ${index}.`);
  }
  if (
    type === 'MULTI' ||
    type === 'TIMESTAMP' ||
    // A JSON null is an absent member (as for Version or TimeUnit), on either side.
    (record.MeasureValues ?? common.MeasureValues ?? undefined) !== undefined
  ) {
    throw validation(
      'The embedded local store does not support multi-measure records (MeasureValueType MULTI or TIMESTAMP, MeasureValues) yet.',
    );
  }
  const measureName = record.MeasureName ?? common.MeasureName;
  const identity = resolve(record, measureName, index);
  const measure = parseMeasureValue(
    record.MeasureValue ?? common.MeasureValue,
    type as ScalarMeasureType,
    index,
  );
  const timeNs = shared.time(record.Time ?? common.Time, record.TimeUnit ?? common.TimeUnit);
  const version = parseVersion(record.Version ?? common.Version);
  return new NormalizedRecord(
    index,
    identity.dimensions,
    measureName as string,
    measure,
    timeNs,
    version,
    identity.series,
    identity.limitViolation,
    identity.slotMemo,
  );
}

/**
 * Validates and hashes a record's series, through the cache. The cache key is the merged list
 * (CommonAttributes first, as the cache scope) of plain string names and values plus the measure
 * name; anything unusual (a mistyped member, a DimensionValueType) takes the full path, which also
 * throws.
 */
function resolveSeries(
  shared: SharedFields,
  own: unknown,
  measureName: unknown,
  index: number,
  cache: SeriesCache,
): SeriesIdentity {
  const scope = shared.scope;
  const key =
    typeof measureName === 'string' && scope !== undefined
      ? dimensionsFragment(own, `${measureName.length}:${measureName}`)
      : undefined;
  const cached = key === undefined ? undefined : cache.get(key, scope);
  if (cached) return cached;
  const { dimensions, series, limitViolation } = newIdentity(shared, own, measureName, index);
  const identity: SeriesIdentity = { dimensions, series, limitViolation, slotMemo: newSlotMemo() };
  if (key !== undefined) cache.set(key, identity, scope);
  return identity;
}

/**
 * Validates a series not in the cache: merges its dimensions, checks its measure name, computes
 * its key and limit check. Also returns the measure name, known to be a string from here on.
 */
function newIdentity(
  shared: SharedFields,
  own: unknown,
  measureName: unknown,
  index: number,
): Omit<SeriesIdentity, 'slotMemo'> & { measure: string } {
  const dimensions = mergeDimensions(shared.dimensions, own, index);
  if (typeof measureName !== 'string' || measureName.length === 0) {
    throw validation(`Measure name must be specified for record at index ${index}.`);
  }
  // Timestream fails the whole call (HTTP 400) when a record has no dimension after the merge
  // (verbatim service message, github.com/leonyork/xk6-output-timestream/issues/257).
  if (dimensions.length === 0) throw validation(NO_DIMENSION_MESSAGE);
  return {
    dimensions,
    series: seriesKey(dimensions, measureName),
    limitViolation: findLimitViolation(dimensions, measureName),
    measure: measureName,
  };
}

/** Appends a dimension list to `key`, or returns undefined when it is not plain name/value strings. */
function dimensionsFragment(list: unknown, key: string): string | undefined {
  if (list === undefined) return key;
  if (!Array.isArray(list)) return undefined;
  for (const dimension of list) {
    if (typeof dimension !== 'object' || dimension === null) return undefined;
    const { Name: name, Value: value, DimensionValueType: valueType } = dimension as Record<string, unknown>;
    if (typeof name !== 'string' || typeof value !== 'string' || valueType !== undefined) return undefined;
    // Length prefixes keep the key unambiguous whatever characters names and values contain.
    key += `${name.length}:${name}${value.length}:${value}`;
  }
  return key;
}

function mergeDimensions(common: unknown, own: unknown, index: number): { name: string; value: string }[] {
  const merged: { name: string; value: string }[] = [];
  const seen = new Set<string>();
  for (const list of [common, own]) {
    // A JSON null is an absent list, as other null members are read.
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new StoreError('SerializationException', 'Dimensions must be a list');
    for (const dimension of list) {
      const {
        Name: name,
        Value: value,
        DimensionValueType: valueType,
      } = (dimension ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || name.length === 0 || typeof value !== 'string') {
        throw validation(`Dimension name and value must be non-null strings for record at index ${index}.`);
      }
      if (valueType !== undefined && valueType !== null && valueType !== 'VARCHAR') {
        throw validation(`Invalid DimensionValueType ${String(valueType)} for dimension ${name}.`);
      }
      if (seen.has(name)) {
        // Covers a name repeated inside one list and a name present in both CommonAttributes and the record.
        throw validation(
          `Duplicate dimension name ${name} for record at index ${index}. Dimension names must be unique.`,
        );
      }
      checkDimensionName(name);
      // UNCONFIRMED: real Timestream's handling of empty values; Prometheus never sends them.
      if (value.length === 0) throw validation(`Dimension value of ${name} must not be empty.`);
      seen.add(name);
      merged.push({ name, value });
    }
  }
  if (merged.length > MAX_DIMENSIONS_PER_RECORD) {
    throw modelViolation(
      undefined,
      `records.${index + 1}.member.dimensions`,
      `Member must have length less than or equal to ${MAX_DIMENSIONS_PER_RECORD}`,
    );
  }
  return merged;
}

/**
 * Checks a dimension name against Timestream's naming constraints (facts 3.4): a dimension is a
 * column, and no column name may start with `ts_` or `measure_name` (quotas, "System identifiers"),
 * nor a dimension name with `measure_value`.
 * @throws StoreError ValidationException
 */
export function checkDimensionName(name: string): void {
  if (
    RESERVED_DIMENSION_NAMES.has(name) ||
    name.startsWith('ts_') ||
    name.startsWith('measure_name') ||
    name.startsWith('measure_value') ||
    name.includes(':')
  ) {
    throw validation(
      `Dimension name ${name} is not allowed: it may not be a reserved name (measure_name, measure_value, time), start with ts_, measure_name or measure_value, or contain ':'.`,
    );
  }
  // NOTE: a store limit, not a documented Timestream rule: DuckDB's SQL text ends at a NUL, so the
  // column could not be added, and the call failed with a 500 that SDKs retry.
  if (name.includes('\u0000'))
    throw validation(
      `Dimension name ${JSON.stringify(name)} is not allowed: the embedded local store cannot hold a NUL character in a dimension name.`,
    );
  // So is half a surrogate pair: DuckDB keeps names as UTF-8, where it becomes U+FFFD, so two such
  // names made one column, and the second's ALTER failed with a 500 (after a restart, the first's).
  if (!name.isWellFormed())
    throw validation(
      `Dimension name ${JSON.stringify(name)} is not allowed: the embedded local store cannot hold an unpaired UTF-16 surrogate in a dimension name.`,
    );
}

function findLimitViolation(
  dimensions: { name: string; value: string }[],
  measureName: string,
): string | undefined {
  const long = dimensions.find((d) => Buffer.byteLength(d.name) > MAX_DIMENSION_NAME_BYTES);
  if (long)
    return `Dimension name ${long.name} exceeds the maximum length of ${MAX_DIMENSION_NAME_BYTES} bytes.`;
  if (Buffer.byteLength(measureName) > MAX_MEASURE_NAME_BYTES) {
    return `Measure name exceeds the maximum length of ${MAX_MEASURE_NAME_BYTES} bytes.`;
  }
  const pairBytes = dimensions.reduce(
    (sum, d) => sum + Buffer.byteLength(d.name) + Buffer.byteLength(d.value),
    0,
  );
  if (pairBytes > MAX_DIMENSION_PAIRS_BYTES) {
    return `The size of the dimension name-value pairs (${pairBytes} bytes) exceeds the maximum of 2 KB per series.`;
  }
  return undefined;
}

/**
 * Parses a scalar `MeasureValue` as its `MeasureValueType`.
 * @throws StoreError ValidationException, also for NaN/Infinity in DOUBLE (the whole call fails).
 */
export function parseMeasureValue(raw: unknown, type: ScalarMeasureType, index: number): TypedValue {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_MEASURE_VALUE_CHARS) {
    throw validation(
      `Measure value must be a string of 1 to ${MAX_MEASURE_VALUE_CHARS} characters for record at index ${index}.`,
    );
  }
  switch (type) {
    case 'DOUBLE': {
      if (!DOUBLE_SYNTAX.test(raw)) {
        if (/^[+-]?(nan|inf|infinity)$/i.test(raw)) throw validation(NON_FINITE_DOUBLE_MESSAGE);
        throw invalidValue(raw, type, index);
      }
      const value = Number(raw);
      if (!Number.isFinite(value)) throw validation(NON_FINITE_DOUBLE_MESSAGE);
      return new Measure(type, value) as TypedValue;
    }
    case 'BIGINT': {
      if (!BIGINT_SYNTAX.test(raw)) throw invalidValue(raw, type, index);
      const value = BigInt(raw);
      if (value < INT64_MIN || value > INT64_MAX) throw invalidValue(raw, type, index);
      return new Measure(type, value) as TypedValue;
    }
    case 'BOOLEAN': {
      // UNCONFIRMED: casing accepted by the service; both cases accepted here.
      const lower = raw.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw invalidValue(raw, type, index);
      return new Measure(type, lower === 'true') as TypedValue;
    }
    case 'VARCHAR':
      // DuckDB keeps text as UTF-8, where a lone surrogate becomes U+FFFD: the value takes that
      // form here too, else an identical re-write differed from the stored value and was refused.
      return new Measure(type, raw.isWellFormed() ? raw : raw.toWellFormed()) as TypedValue;
  }
}

// NOTE: a module function rather than a closure in parseMeasureValue, which runs once per record.
function invalidValue(raw: string, type: ScalarMeasureType, index: number): StoreError {
  return validation(
    `Invalid measure value ${raw} for measure value type ${type} for record at index ${index}.`,
  );
}

/**
 * Parses `Time` (an unsigned integer count of `TimeUnit`, default MILLISECONDS) into epoch nanoseconds.
 * @throws StoreError ValidationException "Invalid time for record." (boto3 issue 4239)
 */
export function parseTime(raw: unknown, unit: unknown): bigint {
  const name = unit ?? 'MILLISECONDS';
  // Own members only: a TimeUnit such as `toString` or `__proto__` must not reach Object.prototype.
  const unitNs = typeof name === 'string' && Object.hasOwn(NS_PER_UNIT, name) ? NS_PER_UNIT[name] : undefined;
  if (unitNs === undefined) throw validation(`Invalid TimeUnit ${String(unit)}.`);
  if (typeof raw !== 'string' || !/^\d{1,256}$/.test(raw)) throw validation('Invalid time for record.');
  const timeNs = BigInt(raw) * unitNs;
  if (timeNs > MAX_TIME_NS) throw validation('Invalid time for record.');
  return timeNs;
}

/** Largest Version: the model's type is a 64-bit signed integer (`long`). */
const MAX_VERSION = 2n ** 63n - 1n;

function parseVersion(raw: unknown): bigint {
  if (raw === undefined || raw === null) return 1n;
  // A Version of 16 digits or more arrives as text, to be exact (write-scan.ts exactLongVersions).
  const long = typeof raw === 'string' && raw.startsWith(LONG_VERSION_MARK);
  const version = long
    ? BigInt(raw.slice(LONG_VERSION_MARK.length))
    : // A number past 2^53 - 1 may have been rounded already: refused.
      typeof raw === 'number' && Number.isSafeInteger(raw)
      ? BigInt(raw)
      : 0n;
  if (version < 1n) throw validation('Record version must be a positive integer (1 or greater).');
  if (version > MAX_VERSION)
    throw validation(`Record version must be at most ${MAX_VERSION} (a 64-bit integer).`);
  return version;
}

/** Hashes a series identity: dimensions sorted by name (UTF-8 binary order) plus the measure name. */
export function seriesKey(
  dimensions: readonly { name: string; value: string }[],
  measureName: string,
): string {
  // NOTE: the text hashed is part of the on-disk format (`ts_series`); keep it byte for byte.
  let sorted = dimensions;
  for (let i = 1; i < dimensions.length; i++) {
    if (compareUtf8(dimensions[i - 1].name, dimensions[i].name) > 0) {
      sorted = [...dimensions].sort((a, b) => compareUtf8(a.name, b.name));
      break;
    }
  }
  let text = '';
  let nul = measureName.includes('\u0000');
  for (const d of sorted) {
    text += `${d.name}\u0000${d.value}\u0000`;
    nul ||= d.name.includes('\u0000') || d.value.includes('\u0000');
  }
  // A NUL inside a name or value would make the text ambiguous ({a: "x\0b\0y"} and {a: "x", b: "y"}
  // read the same), so two series would share one identity and the second one's writes be
  // acknowledged but never stored. Such series hash an escaped form instead: JSON text holds no raw
  // NUL, and \u0002 cannot start the text above (it starts with \u0001 or holds a raw NUL), so no
  // key of a NUL-free series changes.
  if (nul) text = `\u0002${JSON.stringify([sorted.map((d) => [d.name, d.value]), measureName])}`;
  else text += `\u0001${measureName}`;
  return hash('sha256', text, 'hex').slice(0, 32);
}

/**
 * Compares two strings in UTF-8 byte order (= code point order) without encoding them: UTF-16
 * code unit order only differs from it where a surrogate meets a unit in U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x += x < 0xe000 ? 0x2000 : -0x800;
      y += y < 0xe000 ? 0x2000 : -0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}
