// SPDX-License-Identifier: Apache-2.0
// Applies normalized records to one table with Timestream's semantics: retention and future
// windows, first-writer-wins with Version upserts, idempotent identical re-writes. Writes to a table
// are serialised in JS; calls that queue up while a commit runs are group-committed together into
// the narrow layout (schema.ts): new series into `$series`, every record into `$doubles` (a DOUBLE
// at version 1) or `$samples` (the rest).

import {
  DuckDBBigIntType,
  DuckDBBooleanType,
  DuckDBDataChunk,
  DuckDBDoubleType,
  DuckDBIntegerType,
  DuckDBTimestampNanosecondsType,
  DuckDBVarCharType,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBVector,
} from '@duckdb/node-api';
import type { StoreCatalog } from './catalog';
import type { RejectedRecord } from './errors';
import { measureKey, type NormalizedRecord, type TypedValue } from './records';
import {
  MEASURE_NAME_COLUMN,
  MEASURE_VALUE_COLUMNS,
  SERIES_COLUMN,
  SERIES_ID_COLUMN,
  VERSION_COLUMN,
  quoteDuckIdentifier,
  doublesTableName,
  samplesTableName,
  seriesTableName,
  type CatalogTable,
  SCALAR_MEASURE_TYPES,
  type ScalarMeasureType,
} from './schema';
import { timeClassifier, RESERVED_PHYSICAL_COLUMNS } from './write-rules';
import { samplesRelation } from './layout';
import { NullMasks } from './null-masks';

/** Dimensions per table (facts 3.3). */
export const MAX_DIMENSIONS_PER_TABLE = 128;
/**
 * Unique measure names per table (facts 3.3; "Measure names per table" in Timestream's service
 * limits). Prometheus' connector writes one measure name per metric name.
 */
export const MAX_MEASURE_NAMES_PER_TABLE = 8192;

/** Outcome of one WriteRecords call. */
export interface WriteOutcome {
  memoryStore: number;
  magneticStore: number;
  rejected: RejectedRecord[];
  /** Whether the call's group committed anything to DuckDB (rows, new columns); not identical re-writes alone. */
  committed: boolean;
}

interface Pending {
  records: NormalizedRecord[];
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * The stored state of one identity (series, time) as far as this group knows it. A class for the
 * reason in ScannedRecord's note (write-scan.ts): a group's states live until its commit is done.
 */
class RowState {
  constructor(
    public record: NormalizedRecord,
    /** The series' slot when the table already had the series before this group. */
    readonly slot: SeriesSlot | undefined,
    public version: bigint,
    /** Canonical text of the stored value; computed from `record` when undefined. */
    public valueKey: string | undefined,
    /** Set when the row already exists in DuckDB (updates), unset for rows inserted by this group. */
    readonly stored: boolean,
    public dirty: boolean,
  ) {}
}

/** What the writer knows of a stored series: its `$series` id and newest committed time. */
interface SeriesSlot {
  id: number;
  /** Largest time (ns) committed; undefined while the series has no sample. */
  maxNs: bigint | undefined;
  /** The series' first row in the group being committed (RowStates); undefined between groups. */
  groupRow?: RowState;
}

/**
 * The value columns of `$samples`, in physical order. NOTE: a module-local copy, read for every
 * appended row (an imported binding is a getter call under tsx; see lambda/timestream/records.ts).
 */
const VALUE_COLUMN_ORDER = SCALAR_MEASURE_TYPES;
/** DuckDB type of each value column. */
const VALUE_COLUMN_TYPES: Readonly<Record<ScalarMeasureType, DuckDBType>> = {
  DOUBLE: DuckDBDoubleType.instance,
  BIGINT: DuckDBBigIntType.instance,
  VARCHAR: DuckDBVarCharType.instance,
  BOOLEAN: DuckDBBooleanType.instance,
};
/** Physical indices in `$samples` (layout.ts: ts_id, time, the value columns, ts_version). */
const FIRST_VALUE_COLUMN = 2;
const VERSION_COLUMN_INDEX = FIRST_VALUE_COLUMN + VALUE_COLUMN_ORDER.length;
/** Rows per appended DataChunk (DuckDB's vector size). */
export const CHUNK_ROWS = 2048;
/**
 * Rows a DuckDB appender gathers before it flushes them by itself (`BaseAppender::FLUSH_COUNT`,
 * STANDARD_VECTOR_SIZE * 100, duckdb/main/appender.hpp; measured with @duckdb/node-api: rows become
 * visible to other connections at 204 800, before any flush is asked for).
 */
export const APPENDER_FLUSH_ROWS = CHUNK_ROWS * 100;
/** Types of the `$samples` columns, in physical order. */
const SAMPLE_COLUMN_TYPES: readonly DuckDBType[] = [
  DuckDBIntegerType.instance,
  DuckDBTimestampNanosecondsType.instance,
  ...VALUE_COLUMN_ORDER.map((t) => VALUE_COLUMN_TYPES[t]),
  DuckDBBigIntType.instance,
];
/** Types of the `$doubles` columns, in physical order (ts_id, time, the DOUBLE value). */
const DOUBLE_COLUMN_TYPES: readonly DuckDBType[] = [
  DuckDBIntegerType.instance,
  DuckDBTimestampNanosecondsType.instance,
  DuckDBDoubleType.instance,
];
/** `$series` columns before the dimensions: ts_id, ts_series, measure_name. */
const SERIES_FIXED_COLUMNS = 3;

/**
 * A column name as DuckDB compares it: it folds ASCII letters only, so `ü` and `Ü` (or `k` and the
 * Kelvin sign) are two columns it keeps apart, as Timestream does; a full Unicode fold refused them.
 */
const duckDbFolded = (name: string): string => name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());

/** Serialises and group-commits the writes of one table. */
export class TableWriter {
  /**
   * Every series of the table by key. A record newer than its series' `maxNs` cannot be a
   * duplicate, so the common append-only write never reads DuckDB back.
   */
  private readonly series = new Map<string, SeriesSlot>();
  private nextSeriesId = 1;
  /** Set while the `maxNs` of the series load() found are not read yet (see loadNewest). */
  private newestUnread = false;
  /**
   * The measure names the table's series carry (every series has one), so that a new one past
   * MAX_MEASURE_NAMES_PER_TABLE is refused; only a series new to the table can bring one.
   */
  private readonly measureNames = new Set<string>();
  /**
   * Appenders kept open between groups, by table, for the sample tables (whose columns never
   * change). NOTE: measured alone (2000-row groups into a `$doubles`-shaped table on disk), making
   * and closing an appender per group cost ~0.2 ms of its ~1.6 ms.
   */
  private readonly appenders = new Map<string, DuckDBAppender>();
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  /** exclusive() calls under way: writes queue meanwhile and no group starts. */
  private held = 0;
  /** Set once the table was dropped: every write then fails with it. */
  private retired: Error | undefined;

  constructor(
    /** The writer's own connection: its owner closes it once the table is dropped. */
    readonly connection: DuckDBConnection,
    private readonly catalog: StoreCatalog,
    private readonly entry: CatalogTable,
    private readonly nowMs: () => number,
  ) {}

  /**
   * Rebuilds the series map from `$series` alone. The series' newest times are read at the first
   * group that writes a known series (loadNewest), and only from the samples at or after that
   * group's oldest time.
   *
   * NOTE: reading every series' newest time here read every stored sample: the first write after a
   * restart waited ~0.9 s at 40 M samples of 2000 series (1.3-1.5 s at 10 M when the read joined
   * each sample to its series' key text before grouping), and that time grew with the table.
   */
  async load(): Promise<void> {
    const { database, table } = this.entry;
    const reader = await this.connection.runAndReadAll(
      `SELECT ${SERIES_COLUMN}, ${SERIES_ID_COLUMN}, ${MEASURE_NAME_COLUMN} FROM ${seriesTableName(database, table)}`,
    );
    for (const [key, id, measureName] of reader.getRows()) {
      this.series.set(String(key), { id: Number(id), maxNs: undefined });
      this.nextSeriesId = Math.max(this.nextSeriesId, Number(id) + 1);
      this.measureNames.add(String(measureName));
    }
    this.newestUnread = this.series.size > 0;
  }

  /**
   * Sets every loaded series' `maxNs` from the samples at or after the oldest time of the group's
   * records of known series: a series' newest time there, else the nanosecond before that time,
   * above all of its samples, so a record of it after that time cannot be a duplicate. Samples
   * are mostly appended in time order, so DuckDB skips the row groups that end before that time.
   */
  private async loadNewest(records: NormalizedRecord[], slots: (SeriesSlot | undefined)[]): Promise<void> {
    let from: bigint | undefined;
    for (let i = 0; i < records.length; i++)
      if (slots[i] !== undefined && (from === undefined || records[i].timeNs < from))
        from = records[i].timeNs;
    if (from === undefined) return;
    const { database, table } = this.entry;
    // Literals are safe: `from` is a bigint we produced.
    const reader = await this.connection.runAndReadAll(
      `SELECT ${SERIES_ID_COLUMN}, epoch_ns(max(time)) FROM ${samplesRelation(database, table)} ` +
        `WHERE time >= make_timestamp_ns(${from}::BIGINT) GROUP BY ${SERIES_ID_COLUMN}`,
    );
    const newest = new Map<number, bigint>();
    for (const [id, maxNs] of reader.getRows()) newest.set(Number(id), BigInt(maxNs as bigint));
    for (const slot of this.series.values()) slot.maxNs = newest.get(slot.id) ?? from - 1n;
    this.newestUnread = false;
  }

  /** Queues records; resolves after DuckDB committed them. */
  write(records: NormalizedRecord[]): Promise<WriteOutcome> {
    if (this.retired !== undefined) return Promise.reject(this.retired);
    return new Promise((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      if (!this.running && this.held === 0) this.running = this.drain();
    });
  }

  /**
   * Waits for queued writes, closes the appenders kept open (they hold nothing between groups) and
   * runs `work` with the table to itself (used to drop it, or before closing the database).
   */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    // Writes that arrive from now on wait in the queue until `work` is done: beside a DROP, their
    // appends and ALTERs failed with DuckDB's errors (500s), and so did the DROP (a write-write
    // conflict); and under a steady stream of them, the DROP waited for the queue to run dry.
    this.held++;
    try {
      while (this.running) await this.running;
      for (const appender of this.appenders.values()) appender.closeSync();
      this.appenders.clear();
      return await work();
    } finally {
      this.held--;
      if (this.held === 0 && !this.running && this.queue.length > 0) this.running = this.drain();
    }
  }

  /**
   * Resolves once no write is queued or being committed, committing the queue group by group
   * (before the database closes). Writes queued while an exclusive() holds the table are left to
   * it: it starts their group when it ends, or fails them when the table is dropped.
   */
  async settled(): Promise<void> {
    while (this.running !== undefined || (this.queue.length > 0 && this.held === 0)) {
      this.running ??= this.drain();
      await this.running;
    }
  }

  /**
   * Fails the queued writes and every later one with `error` (the table was dropped; called
   * within exclusive(), after the DROP committed).
   */
  retire(error: Error): void {
    this.retired = error;
    for (const pending of this.queue.splice(0)) pending.reject(error);
  }

  private async drain(): Promise<void> {
    // Let the event loop finish reading the requests that arrived with this one, so they join its
    // group: one large append and one commit instead of one per WriteRecords call.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0 && this.held === 0) {
      const group = this.queue;
      this.queue = [];
      try {
        const outcomes = await this.commitGroup(group.map((p) => p.records));
        group.forEach((p, i) => p.resolve(outcomes[i]));
      } catch (error) {
        group.forEach((p) => p.reject(error));
      }
    }
    this.running = undefined;
  }

  private async commitGroup(calls: NormalizedRecord[][]): Promise<WriteOutcome[]> {
    const classify = timeClassifier(this.nowMs(), this.entry);
    const outcomes = calls.map((): WriteOutcome => ({
      memoryStore: 0,
      magneticStore: 0,
      rejected: [],
      committed: false,
    }));
    // The admitted records as parallel arrays rather than an object each: replaying figure 4's
    // bodies in-process, the store's thread spent ~25% of its time in GC on per-record garbage.
    const admitted: NormalizedRecord[] = [];
    // Each admitted record's series slot, found once (slotOf: from the series' memo, else by key;
    // undefined for a series new to the table).
    // NOTE: a lookup in the map of 100 000 series costs ~0.2 µs (cache misses), and the group used
    // to look every series up twice and keep a map of its own rows by series. Replaying figure 4's
    // WriteRecords bodies in-process (40 000 series, 12 rounds of known series, six interleaved
    // pairs of processes), one lookup and the rows on the slots cut the store's CPU per record
    // from 5.41-6.20 to 5.14-5.57 µs (means over the rounds), lower in every pair.
    const admittedSlot: (SeriesSlot | undefined)[] = [];
    const admittedCall: number[] = [];
    const admittedMagnetic: boolean[] = [];
    const newDimensions: string[] = [];
    // Measure names first brought by this group's new series; the table's once it committed.
    const newMeasureNames = new Set<string>();
    const known = new Set([...this.entry.dimensions, ...RESERVED_PHYSICAL_COLUMNS].map(duckDbFolded));
    const exact = new Set(this.entry.dimensions);
    calls.forEach((records, call) => {
      for (const record of records) {
        const time = classify(record.timeNs);
        const reason = record.limitViolation ?? time.reason;
        let why = reason;
        let fresh: string[] | undefined;
        const list = record.dimensions;
        // Once admitted, a list's new names are in `exact`: each list is checked in full only once.
        if (why === undefined && !allKnown(list, exact)) {
          let clash: string | undefined;
          fresh = [];
          for (const { name } of list) {
            if (exact.has(name)) continue;
            const lower = duckDbFolded(name);
            // Two new names of one record that differ only in case clash with each other too.
            if (clash === undefined && (known.has(lower) || fresh.some((f) => duckDbFolded(f) === lower)))
              clash = name;
            fresh.push(name);
          }
          const tooMany =
            this.entry.dimensions.length + newDimensions.length + fresh.length > MAX_DIMENSIONS_PER_TABLE;
          why =
            clash !== undefined
              ? `Dimension name ${clash} differs only in letter case from an existing column; the embedded store cannot keep both.`
              : tooMany
                ? `The record would exceed the maximum of ${MAX_DIMENSIONS_PER_TABLE} dimensions per table.`
                : undefined;
        }
        const slot = why ? undefined : this.slotOf(record);
        const measureName = record.measureName;
        if (
          !why &&
          slot === undefined &&
          !this.measureNames.has(measureName) &&
          !newMeasureNames.has(measureName)
        ) {
          // UNCONFIRMED: the wording of Timestream's reason (its limits page gives only the number).
          if (this.measureNames.size + newMeasureNames.size >= MAX_MEASURE_NAMES_PER_TABLE)
            why = `The record would exceed the maximum of ${MAX_MEASURE_NAMES_PER_TABLE} unique measure names per table.`;
          else newMeasureNames.add(measureName);
        }
        if (why) {
          outcomes[call].rejected.push({ RecordIndex: record.index, Reason: why });
          continue;
        }
        for (const name of fresh ?? []) {
          exact.add(name);
          known.add(duckDbFolded(name));
          newDimensions.push(name);
        }
        admitted.push(record);
        admittedSlot.push(slot);
        admittedCall.push(call);
        admittedMagnetic.push(time.magnetic);
      }
    });
    const types = new Set<ScalarMeasureType>();
    for (const record of admitted) types.add(record.measure.type);
    const newTypes = [...types].filter((t) => !this.entry.measureTypes.includes(t));
    await this.catalog.extendTable(this.connection, this.entry, newDimensions, newTypes);

    const states = new RowStates();
    try {
      if (this.newestUnread) await this.loadNewest(admitted, admittedSlot);
      await this.loadExisting(admitted, admittedSlot, states);
      for (let a = 0; a < admitted.length; a++) {
        const record = admitted[a];
        const slot = admittedSlot[a];
        const call = admittedCall[a];
        const state = states.get(record, slot);
        if (!state) {
          states.add(new RowState(record, slot, record.version, undefined, false, true));
        } else {
          const conflict = resolveConflict(state, record);
          if (conflict) {
            outcomes[call].rejected.push({ RecordIndex: record.index, ...conflict });
            continue;
          }
        }
        if (admittedMagnetic[a]) outcomes[call].magneticStore += 1;
        else outcomes[call].memoryStore += 1;
      }
      const dirty = states.all.filter((s) => s.dirty);
      await this.persist(dirty);
      const committed = dirty.length > 0 || newDimensions.length > 0 || newTypes.length > 0;
      for (const outcome of outcomes) outcome.committed = committed;
      for (const name of newMeasureNames) this.measureNames.add(name);
    } finally {
      states.release();
    }
    return outcomes;
  }

  /**
   * The slot of a record's series, or undefined for a series new to the table; kept on the
   * series' memo for the next record of it (the memo's owner tells whose slot it is).
   *
   * NOTE: measured on a hot path (bench figure 4, store alone, `perf`): the map lookup by series
   * key was ~7% of the store process' CPU, a chain of cache misses in a map of 100 000 series
   * whose every key is 32 characters long.
   */
  private slotOf(record: NormalizedRecord): SeriesSlot | undefined {
    const memo = record.slotMemo;
    if (memo.owner === this) return memo.slot as SeriesSlot;
    const slot = this.series.get(record.series);
    if (slot !== undefined) {
      memo.owner = this;
      memo.slot = slot;
    }
    return slot;
  }

  /**
   * Adds to `states` the stored rows of identities that may already exist (time not newer than the
   * series max); `slots[i]` is the slot of `records[i]`.
   */
  private async loadExisting(
    records: NormalizedRecord[],
    slots: (SeriesSlot | undefined)[],
    states: RowStates,
  ): Promise<void> {
    const byId = new Map<number, { record: NormalizedRecord; slot: SeriesSlot }>();
    let keys = '';
    let minNs = 0n;
    let maxNs = 0n;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      const slot = slots[i];
      if (slot?.maxNs === undefined || record.timeNs > slot.maxNs) continue;
      if (byId.size === 0 || record.timeNs < minNs) minNs = record.timeNs;
      if (byId.size === 0 || record.timeNs > maxNs) maxNs = record.timeNs;
      byId.set(slot.id, { record, slot });
      // Literals are safe: ids are integers and times bigints we produced.
      keys += `${keys === '' ? '' : ', '}(${slot.id}, ${record.timeNs}::BIGINT)`;
    }
    if (byId.size === 0) return;
    const valueColumns = VALUE_COLUMN_ORDER.map(
      (t) => `p.${quoteDuckIdentifier(MEASURE_VALUE_COLUMNS[t])}`,
    ).join(', ');
    const reader = await this.connection.runAndReadAll(
      `SELECT DISTINCT p.${SERIES_ID_COLUMN}, epoch_ns(p.time), p.${VERSION_COLUMN}, ${valueColumns} ` +
        `FROM ${samplesRelation(this.entry.database, this.entry.table)} p JOIN (VALUES ${keys}) v(id, ns) ` +
        `ON p.${SERIES_ID_COLUMN} = v.id AND p.time = make_timestamp_ns(v.ns) ` +
        `WHERE p.time BETWEEN make_timestamp_ns(${minNs}::BIGINT) AND make_timestamp_ns(${maxNs}::BIGINT)`,
    );
    for (const [id, timeNs, version, ...values] of reader.getRows()) {
      const typeIndex = values.findIndex((v) => v !== null);
      const key = valueKey({ type: VALUE_COLUMN_ORDER[typeIndex], value: values[typeIndex] } as TypedValue);
      const { record: template, slot } = byId.get(Number(id))!;
      const record = { ...template, timeNs: BigInt(timeNs as bigint) };
      states.add(new RowState(record, slot, BigInt(version as bigint), key, true, false));
    }
  }

  private async persist(rows: RowState[]): Promise<void> {
    if (rows.length === 0) return;
    const updates: RowState[] = [];
    const inserts: RowState[] = [];
    /** The series slot of each insert, looked up once per row. */
    const slots: SeriesSlot[] = [];
    const fresh: { record: NormalizedRecord; slot: SeriesSlot }[] = [];
    const freshByKey = new Map<string, SeriesSlot>();
    for (const row of rows) {
      if (row.stored) {
        updates.push(row);
        continue;
      }
      const key = row.record.series;
      let slot = row.slot ?? freshByKey.get(key);
      if (slot === undefined) {
        slot = { id: this.nextSeriesId + fresh.length, maxNs: undefined };
        freshByKey.set(key, slot);
        fresh.push({ record: row.record, slot });
      }
      inserts.push(row);
      slots.push(slot);
    }
    const split = splitByTable(inserts, slots);
    if (
      updates.length === 0 &&
      fresh.length === 0 &&
      (split.doubles.length === 0 || split.others.length === 0) &&
      // Past APPENDER_FLUSH_ROWS the appender commits rows by itself outside a transaction, so a
      // failure later in the group left them stored, unacknowledged and newer than their series'
      // maxNs: the resend of the call was then stored a second time.
      inserts.length <= APPENDER_FLUSH_ROWS
    ) {
      // NOTE: outside a transaction the appender's flush is itself one atomic commit. Measured
      // (figure 4, store alone): wrapping it in BEGIN/COMMIT run on DuckDB's thread pool costs
      // more CPU in all than this synchronous commit saves on the store's thread.
      await this.appendRows(split);
    } else {
      // New series, updates and inserts (into one or both sample tables) commit together: no
      // sample without its series row, and one commit for the whole group.
      await this.connection.run('BEGIN TRANSACTION');
      try {
        if (fresh.length > 0) await this.appendSeries(fresh);
        if (updates.length > 0) await this.runUpdate(updates);
        await this.appendRows(split);
        await this.connection.run('COMMIT');
      } catch (error) {
        await this.connection.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
      this.nextSeriesId += fresh.length;
      for (const { record, slot } of fresh) this.series.set(record.series, slot);
    }
    // Updates rewrite times at or before their series' max, so only inserts can raise it.
    for (let i = 0; i < inserts.length; i++) {
      const slot = slots[i];
      const timeNs = inserts[i].record.timeNs;
      if (slot.maxNs === undefined || timeNs > slot.maxNs) slot.maxNs = timeNs;
    }
  }

  /** Appends the `$series` rows of series first written by this group. */
  private async appendSeries(fresh: { record: NormalizedRecord; slot: SeriesSlot }[]): Promise<void> {
    const dimensions = this.entry.dimensions;
    const columnOf = new Map(dimensions.map((name, i) => [name, SERIES_FIXED_COLUMNS + i]));
    const types = [
      DuckDBIntegerType.instance,
      DuckDBVarCharType.instance,
      DuckDBVarCharType.instance,
      ...dimensions.map(() => DuckDBVarCharType.instance),
    ];
    const present = new Uint8Array(types.length);
    await this.appendChunks(
      `${this.entry.table}$series`,
      types,
      false,
      fresh.length,
      (vectors, nulls, i, row) => {
        const { record, slot } = fresh[row];
        vectors[0].setItem(i, slot.id);
        vectors[1].setItem(i, record.series);
        vectors[2].setItem(i, record.measureName);
        present.fill(0);
        for (const { name, value } of record.dimensions) {
          const column = columnOf.get(name)!;
          vectors[column].setItem(i, value);
          present[column] = 1;
        }
        for (let c = SERIES_FIXED_COLUMNS; c < types.length; c++) if (present[c] === 0) nulls.setNull(c, i);
      },
    );
  }

  /** Appends each table's rows of `split`. */
  private async appendRows(split: SplitRows): Promise<void> {
    if (split.doubles.length > 0) await this.appendDoubles(split.doubles, split.doubleSlots);
    if (split.others.length > 0) await this.appendSamples(split.others, split.otherSlots);
  }

  /** Appends `$doubles` rows: records of a DOUBLE at version 1 (see splitByTable). */
  private async appendDoubles(rows: RowState[], slots: SeriesSlot[]): Promise<void> {
    const nanos = { nanos: 0n };
    await this.appendChunks(
      `${this.entry.table}$doubles`,
      DOUBLE_COLUMN_TYPES,
      true,
      rows.length,
      (vectors, _nulls, i, row) => {
        const record = rows[row].record;
        // Physical order (layout.ts): ts_id, time, the DOUBLE value.
        vectors[0].setItem(i, slots[row].id);
        nanos.nanos = record.timeNs;
        vectors[1].setItem(i, nanos);
        vectors[2].setItem(i, record.measure.value as number);
      },
    );
  }

  private async appendSamples(rows: RowState[], slots: SeriesSlot[]): Promise<void> {
    const nanos = { nanos: 0n };
    await this.appendChunks(
      `${this.entry.table}$samples`,
      SAMPLE_COLUMN_TYPES,
      true,
      rows.length,
      (vectors, nulls, i, row) => {
        const { record, version } = rows[row];
        // Physical order (layout.ts): ts_id, time, the value columns, ts_version.
        vectors[0].setItem(i, slots[row].id);
        nanos.nanos = record.timeNs;
        vectors[1].setItem(i, nanos);
        const m = record.measure;
        for (let t = 0; t < VALUE_COLUMN_ORDER.length; t++) {
          if (VALUE_COLUMN_ORDER[t] === m.type) vectors[FIRST_VALUE_COLUMN + t].setItem(i, m.value);
          else nulls.setNull(FIRST_VALUE_COLUMN + t, i);
        }
        vectors[VERSION_COLUMN_INDEX].setItem(i, version);
      },
    );
  }

  /**
   * Appends `count` rows in DataChunks of CHUNK_ROWS; `fill` sets row `row` at chunk index `i`,
   * each cell either through its vector or, for NULL, through `nulls` (never `setItem(i, null)`:
   * see null-masks.ts). With `keep`, the table's appender stays open for the next group (only for
   * tables whose columns never change); after a failure it is cleared and closed, so no row of a
   * failed group is ever flushed later.
   */
  private async appendChunks(
    table: string,
    types: readonly DuckDBType[],
    keep: boolean,
    count: number,
    fill: (vectors: DuckDBVector[], nulls: NullMasks, i: number, row: number) => void,
  ): Promise<void> {
    const appender =
      (keep ? this.appenders.get(table) : undefined) ??
      (await this.connection.createAppender(table, this.entry.database));
    this.appenders.delete(table);
    let flushed = false;
    try {
      for (let from = 0; from < count; from += CHUNK_ROWS) {
        const size = Math.min(CHUNK_ROWS, count - from);
        const chunk = DuckDBDataChunk.create(types as DuckDBType[], size);
        const vectors: DuckDBVector[] = [];
        for (let c = 0; c < types.length; c++) vectors.push(chunk.getColumnVector(c));
        const nulls = new NullMasks(types.length, size);
        for (let i = 0; i < size; i++) fill(vectors, nulls, i, from + i);
        for (const vector of vectors) vector.flush();
        nulls.writeTo(chunk);
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
      flushed = true;
    } finally {
      if (flushed && keep) this.appenders.set(table, appender);
      else if (flushed) appender.closeSync();
      else discard(appender);
    }
  }

  /**
   * Replaces stored rows by their winning writes: deletes them from both tables and appends them
   * again where splitByTable puts them (a winning write has a version above 1, so `$samples`).
   */
  private async runUpdate(rows: RowState[]): Promise<void> {
    const { database, table } = this.entry;
    const params: unknown[] = [];
    const tuples = rows.map(({ record, slot }) => {
      const base = params.length;
      params.push(slot!.id, record.timeNs); // a stored row's series has a slot (loadExisting)
      return `($${base + 1}::INTEGER, $${base + 2}::BIGINT)`;
    });
    for (const name of [doublesTableName(database, table), samplesTableName(database, table)]) {
      await this.connection.run(
        `DELETE FROM ${name} USING (VALUES ${tuples.join(', ')}) v(id, ns) ` +
          `WHERE ${name}.${SERIES_ID_COLUMN} = v.id AND ${name}.time = make_timestamp_ns(v.ns)`,
        params as never,
      );
    }
    await this.appendRows(
      splitByTable(
        rows,
        rows.map((row) => row.slot!),
      ),
    );
  }
}

/** Tells whether a row goes to `$doubles`: a DOUBLE at the default version 1 (schema.ts). */
function inDoubles(row: RowState): boolean {
  return row.record.measure.type === 'DOUBLE' && row.version === 1n;
}

/** Rows to append and their series slots, by the table they go to. */
interface SplitRows {
  doubles: RowState[];
  doubleSlots: SeriesSlot[];
  others: RowState[];
  otherSlots: SeriesSlot[];
}

/**
 * Splits rows (and their slots, parallel) between `$doubles`, which takes a DOUBLE at version 1,
 * and `$samples`, which takes the rest (schema.ts).
 */
function splitByTable(rows: RowState[], slots: SeriesSlot[]): SplitRows {
  let doubles = 0;
  for (const row of rows) if (inDoubles(row)) doubles++;
  if (doubles === rows.length) return { doubles: rows, doubleSlots: slots, others: [], otherSlots: [] };
  if (doubles === 0) return { doubles: [], doubleSlots: [], others: rows, otherSlots: slots };
  const split: SplitRows = { doubles: [], doubleSlots: [], others: [], otherSlots: [] };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (inDoubles(row)) {
      split.doubles.push(row);
      split.doubleSlots.push(slots[i]);
    } else {
      split.others.push(row);
      split.otherSlots.push(slots[i]);
    }
  }
  return split;
}

/** Tells whether every dimension of a list is already a column (the common case, checked per record). */
function allKnown(list: NormalizedRecord['dimensions'], columns: ReadonlySet<string>): boolean {
  for (const { name } of list) if (!columns.has(name)) return false;
  return true;
}

const identity = (record: NormalizedRecord) => `${record.series}:${record.timeNs}`;

/**
 * The rows one group touches, by identity (series, time). Almost every series appears once per
 * group, so the first row of a series is found by series alone, on its slot for a series the table
 * already has (no map lookup) and by key for a new one; only further times of the same series pay
 * for a composite key. The slots hold rows only while their group is committed: release() must
 * follow every group, failed or not.
 */
class RowStates {
  readonly all: RowState[] = [];
  /** First rows of series new to the table. */
  private readonly bySeries = new Map<string, RowState>();
  private readonly byIdentity = new Map<string, RowState>();

  get(record: NormalizedRecord, slot: SeriesSlot | undefined): RowState | undefined {
    const first = this.firstRow(record, slot);
    if (first === undefined || first.record.timeNs === record.timeNs) return first;
    return this.byIdentity.get(identity(record));
  }

  add(state: RowState): void {
    this.all.push(state);
    const { slot, record } = state;
    if (this.firstRow(record, slot) !== undefined) this.byIdentity.set(identity(record), state);
    else if (slot !== undefined) slot.groupRow = state;
    else this.bySeries.set(record.series, state);
  }

  private firstRow(record: NormalizedRecord, slot: SeriesSlot | undefined): RowState | undefined {
    return slot !== undefined ? slot.groupRow : this.bySeries.get(record.series);
  }

  /** Clears the group's rows from the slots. */
  release(): void {
    for (const { slot } of this.all) if (slot !== undefined) slot.groupRow = undefined;
  }
}
const valueKey = (measure: TypedValue) => `${measure.type}:${measureKey(measure)}`;

/**
 * Decides a write against an existing row (facts 3.6) and updates `state` when it wins. Returns the
 * rejection, or undefined when accepted (identical re-writes are accepted without a change).
 */
function resolveConflict(
  state: RowState,
  record: NormalizedRecord,
): Omit<RejectedRecord, 'RecordIndex'> | undefined {
  const sameValue = (state.valueKey ?? valueKey(state.record.measure)) === valueKey(record.measure);
  if (record.version > state.version) {
    Object.assign(state, {
      record: { ...record },
      version: record.version,
      valueKey: valueKey(record.measure),
      dirty: true,
    });
    return undefined;
  }
  if (sameValue) return undefined;
  if (record.version === state.version) {
    return {
      Reason:
        'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.',
    };
  }
  return {
    Reason: `The record version ${record.version} is lower than the existing version ${state.version}. A higher version is required to update the measure value.`,
    // A bigint past 2^53 - 1, which a number would round; the server writes it as its digits.
    ExistingVersion: state.version <= MAX_SAFE_VERSION ? Number(state.version) : state.version,
  };
}

/** Largest version a JS number holds exactly. */
const MAX_SAFE_VERSION = BigInt(Number.MAX_SAFE_INTEGER);

/** Drops what a failed group left in `appender` and closes it; the group's own error is the one reported. */
function discard(appender: DuckDBAppender): void {
  try {
    appender.clear();
    appender.closeSync();
  } catch {
    // Nothing to add to the error already on its way.
  }
}
