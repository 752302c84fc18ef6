// SPDX-License-Identifier: Apache-2.0
// Applies normalized records to one table with Timestream's semantics: retention and future
// windows, first-writer-wins with Version upserts, idempotent identical re-writes. Writes to a table
// are serialised in JS; calls that queue up while a commit runs are group-committed together.

import {
  DuckDBBigIntType,
  DuckDBBooleanType,
  DuckDBDataChunk,
  DuckDBDoubleType,
  DuckDBTimestampNanosecondsType,
  DuckDBVarCharType,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBVector,
} from '@duckdb/node-api';
import type { StoreCatalog } from './catalog';
import type { RejectedRecord } from './errors';
import type { NormalizedRecord, TypedValue } from './records';
import {
  MEASURE_VALUE_COLUMNS,
  SERIES_COLUMN,
  VERSION_COLUMN,
  physicalTableName,
  quoteDuckIdentifier,
  type CatalogTable,
  type ScalarMeasureType,
} from './schema';
import { timeClassifier, RESERVED_PHYSICAL_COLUMNS } from './write-rules';

/** Dimensions per table (facts 3.3). */
export const MAX_DIMENSIONS_PER_TABLE = 128;

/** Outcome of one WriteRecords call. */
export interface WriteOutcome {
  memoryStore: number;
  magneticStore: number;
  rejected: RejectedRecord[];
}

interface Pending {
  records: NormalizedRecord[];
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: unknown) => void;
}

/** The stored state of one identity (series, time) as far as this group knows it. */
interface RowState {
  record: NormalizedRecord;
  version: bigint;
  /** Canonical text of the stored value; computed from `record` when undefined. */
  valueKey: string | undefined;
  /** Set when the row already exists in DuckDB (updates), unset for rows inserted by this group. */
  stored: boolean;
  dirty: boolean;
}

const VALUE_COLUMN_ORDER: readonly ScalarMeasureType[] = ['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN'];
/** Rows per appended DataChunk (DuckDB's vector size). */
export const CHUNK_ROWS = 2048;
/** Types of the fixed leading columns, in physical order (see append). */
const FIXED_COLUMN_TYPES: readonly DuckDBType[] = [
  DuckDBVarCharType.instance,
  DuckDBTimestampNanosecondsType.instance,
  DuckDBDoubleType.instance,
  DuckDBBigIntType.instance,
  DuckDBVarCharType.instance,
  DuckDBBooleanType.instance,
  DuckDBBigIntType.instance,
  DuckDBVarCharType.instance,
];
const DIMENSION_COLUMNS_FROM = FIXED_COLUMN_TYPES.length;

/** Serialises and group-commits the writes of one table. */
export class TableWriter {
  /** Per series, the largest time (ns) committed: a record newer than it cannot be a duplicate. */
  private readonly seriesMaxNs = new Map<string, bigint>();
  /** Dimension values in column order per dimension list (lists are shared per series, records.ts). */
  private readonly columnCache = new WeakMap<NormalizedRecord['dimensions'], (string | null)[]>();
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly catalog: StoreCatalog,
    private readonly entry: CatalogTable,
    private readonly nowMs: () => number,
  ) {}

  /** Rebuilds the series map with one GROUP BY over the table. */
  async load(): Promise<void> {
    const table = physicalTableName(this.entry.database, this.entry.table);
    const reader = await this.connection.runAndReadAll(
      `SELECT ${SERIES_COLUMN}, epoch_ns(max(time)) FROM ${table} GROUP BY ALL`,
    );
    for (const [series, maxNs] of reader.getRows())
      this.seriesMaxNs.set(String(series), BigInt(maxNs as bigint));
  }

  /** Queues records; resolves after DuckDB committed them. */
  write(records: NormalizedRecord[]): Promise<WriteOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      if (!this.running) this.running = this.drain();
    });
  }

  /** Waits for queued writes and runs `work` with the table to itself (used to drop it). */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.running) await this.running;
    return work();
  }

  private async drain(): Promise<void> {
    // Let the event loop finish reading the requests that arrived with this one, so they join its
    // group: one large append and one commit instead of one per WriteRecords call.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
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
    const outcomes = calls.map((): WriteOutcome => ({ memoryStore: 0, magneticStore: 0, rejected: [] }));
    const admitted: { call: number; record: NormalizedRecord; magnetic: boolean }[] = [];
    const newDimensions: string[] = [];
    const known = new Set(
      [...this.entry.dimensions, ...RESERVED_PHYSICAL_COLUMNS].map((n) => n.toLowerCase()),
    );
    const exact = new Set(this.entry.dimensions);
    /** Dimension lists already found to be all known columns (records of one series share one). */
    const checked = new Set<NormalizedRecord['dimensions']>();
    calls.forEach((records, call) => {
      for (const record of records) {
        const time = classify(record.timeNs);
        const reason = record.limitViolation ?? time.reason;
        let why = reason;
        let fresh: string[] = [];
        if (why === undefined && !checked.has(record.dimensions)) {
          fresh = record.dimensions.filter((d) => !exact.has(d.name)).map((d) => d.name);
          const clash = fresh.find((name) => known.has(name.toLowerCase()));
          const tooMany =
            this.entry.dimensions.length + newDimensions.length + fresh.length > MAX_DIMENSIONS_PER_TABLE;
          why =
            clash !== undefined
              ? `Dimension name ${clash} differs only in letter case from an existing column; the embedded store cannot keep both.`
              : tooMany
                ? `The record would exceed the maximum of ${MAX_DIMENSIONS_PER_TABLE} dimensions per table.`
                : undefined;
        }
        if (why) {
          outcomes[call].rejected.push({ RecordIndex: record.index, Reason: why });
          continue;
        }
        checked.add(record.dimensions);
        for (const name of fresh) {
          exact.add(name);
          known.add(name.toLowerCase());
          newDimensions.push(name);
        }
        admitted.push({ call, record, magnetic: time.magnetic });
      }
    });
    const newTypes = [...new Set(admitted.map((a) => a.record.measure.type))].filter(
      (t) => !this.entry.measureTypes.includes(t),
    );
    await this.catalog.extendTable(this.connection, this.entry, newDimensions, newTypes);

    const states = await this.loadExisting(admitted.map((a) => a.record));
    for (const { call, record, magnetic } of admitted) {
      const state = states.get(record);
      if (!state) {
        states.add({
          record,
          version: record.version,
          valueKey: undefined,
          stored: false,
          dirty: true,
        });
      } else {
        const conflict = resolveConflict(state, record);
        if (conflict) {
          outcomes[call].rejected.push({ RecordIndex: record.index, ...conflict });
          continue;
        }
      }
      if (magnetic) outcomes[call].magneticStore += 1;
      else outcomes[call].memoryStore += 1;
    }
    await this.persist(states.all.filter((s) => s.dirty));
    return outcomes;
  }

  /** Reads the stored rows of identities that may already exist (time not newer than the series max). */
  private async loadExisting(records: NormalizedRecord[]): Promise<RowStates> {
    const states = new RowStates();
    const candidates = records.filter((r) => {
      const max = this.seriesMaxNs.get(r.series);
      return max !== undefined && r.timeNs <= max;
    });
    if (candidates.length === 0) return states;
    const bySeries = new Map(candidates.map((r) => [r.series, r]));
    const keys = [...new Set(candidates.map((r) => `('${r.series}', ${r.timeNs}::BIGINT)`))].join(', ');
    const minNs = candidates.reduce((m, r) => (r.timeNs < m ? r.timeNs : m), candidates[0].timeNs);
    const maxNs = candidates.reduce((m, r) => (r.timeNs > m ? r.timeNs : m), candidates[0].timeNs);
    const valueColumns = VALUE_COLUMN_ORDER.map(
      (t) => `t.${quoteDuckIdentifier(MEASURE_VALUE_COLUMNS[t])}`,
    ).join(', ');
    // Literals are safe: series keys are hex and times are bigints we produced.
    const reader = await this.connection.runAndReadAll(
      `SELECT t.${SERIES_COLUMN}, epoch_ns(t.time), t.${VERSION_COLUMN}, ${valueColumns} ` +
        `FROM ${physicalTableName(this.entry.database, this.entry.table)} t JOIN (VALUES ${keys}) v(s, ns) ` +
        `ON t.${SERIES_COLUMN} = v.s AND t.time = make_timestamp_ns(v.ns) ` +
        `WHERE t.time BETWEEN make_timestamp_ns(${minNs}::BIGINT) AND make_timestamp_ns(${maxNs}::BIGINT)`,
    );
    for (const [series, timeNs, version, ...values] of reader.getRows()) {
      const typeIndex = values.findIndex((v) => v !== null);
      const key = storedValueKey(VALUE_COLUMN_ORDER[typeIndex], values[typeIndex]);
      const template = bySeries.get(String(series))!;
      const record = { ...template, timeNs: BigInt(timeNs as bigint) };
      states.add({
        record,
        version: BigInt(version as bigint),
        valueKey: key,
        stored: true,
        dirty: false,
      });
    }
    return states;
  }

  private async persist(rows: RowState[]): Promise<void> {
    if (rows.length === 0) return;
    const table = physicalTableName(this.entry.database, this.entry.table);
    const updates = rows.filter((r) => r.stored);
    const inserts = rows.filter((r) => !r.stored);
    if (updates.length === 0) {
      // NOTE: outside a transaction the appender's flush is itself one atomic commit.
      await this.append(inserts);
    } else {
      await this.connection.run('BEGIN TRANSACTION');
      try {
        await this.runUpdate(table, updates);
        if (inserts.length > 0) await this.append(inserts);
        await this.connection.run('COMMIT');
      } catch (error) {
        await this.connection.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
    for (const { record } of rows) {
      const max = this.seriesMaxNs.get(record.series);
      if (max === undefined || record.timeNs > max) this.seriesMaxNs.set(record.series, record.timeNs);
    }
  }

  private async append(rows: RowState[]): Promise<void> {
    const appender = await this.connection.createAppender(this.entry.table, this.entry.database);
    try {
      const dimensionCount = this.entry.dimensions.length;
      const types = [...FIXED_COLUMN_TYPES, ...this.entry.dimensions.map(() => DuckDBVarCharType.instance)];
      for (let from = 0; from < rows.length; from += CHUNK_ROWS) {
        const count = Math.min(CHUNK_ROWS, rows.length - from);
        const chunk = DuckDBDataChunk.create(types, count);
        const vectors: DuckDBVector[] = [];
        for (let c = 0; c < types.length; c++) vectors.push(chunk.getColumnVector(c));
        const nanos = { nanos: 0n };
        for (let i = 0; i < count; i++) {
          const { record, version } = rows[from + i];
          // Physical order: measure_name, time, the four value columns, ts_version, ts_series, then
          // the dimensions in the order they were added (= catalog order).
          vectors[0].setItem(i, record.measureName);
          nanos.nanos = record.timeNs;
          vectors[1].setItem(i, nanos);
          const m = record.measure;
          vectors[2].setItem(i, m.type === 'DOUBLE' ? m.value : null);
          vectors[3].setItem(i, m.type === 'BIGINT' ? m.value : null);
          vectors[4].setItem(i, m.type === 'VARCHAR' ? m.value : null);
          vectors[5].setItem(i, m.type === 'BOOLEAN' ? m.value : null);
          vectors[6].setItem(i, version);
          vectors[7].setItem(i, record.series);
          const columns = this.columnValues(record.dimensions, dimensionCount);
          for (let d = 0; d < dimensionCount; d++) vectors[DIMENSION_COLUMNS_FROM + d].setItem(i, columns[d]);
        }
        for (const vector of vectors) vector.flush();
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  /** A series' dimension values in catalog column order (null where absent), cached per list. */
  private columnValues(dimensions: NormalizedRecord['dimensions'], count: number): (string | null)[] {
    const cached = this.columnCache.get(dimensions);
    if (cached && cached.length === count) return cached;
    const byName = new Map(dimensions.map((d) => [d.name, d.value]));
    const columns = this.entry.dimensions.map((name) => byName.get(name) ?? null);
    this.columnCache.set(dimensions, columns);
    return columns;
  }

  private async runUpdate(table: string, rows: RowState[]): Promise<void> {
    const params: unknown[] = [];
    const tuples = rows.map(({ record, version }) => {
      const base = params.length;
      const m = record.measure;
      params.push(
        record.series,
        record.timeNs,
        m.type === 'DOUBLE' ? m.value : null,
        m.type === 'BIGINT' ? m.value : null,
        m.type === 'VARCHAR' ? m.value : null,
        m.type === 'BOOLEAN' ? m.value : null,
        version,
      );
      return `($${base + 1}::VARCHAR, $${base + 2}::BIGINT, $${base + 3}::DOUBLE, $${base + 4}::BIGINT, $${base + 5}::VARCHAR, $${base + 6}::BOOLEAN, $${base + 7}::BIGINT)`;
    });
    const sets = VALUE_COLUMN_ORDER.map(
      (t, i) => `${quoteDuckIdentifier(MEASURE_VALUE_COLUMNS[t])} = v.c${i}`,
    ).join(', ');
    await this.connection.run(
      `UPDATE ${table} SET ${sets}, ${VERSION_COLUMN} = v.ver FROM (VALUES ${tuples.join(', ')}) v(s, ns, c0, c1, c2, c3, ver) ` +
        `WHERE ${table}.${SERIES_COLUMN} = v.s AND ${table}.time = make_timestamp_ns(v.ns)`,
      params as never,
    );
  }
}

const identity = (record: NormalizedRecord) => `${record.series}:${record.timeNs}`;

/**
 * The rows one group touches, by identity (series, time). Almost every series appears once per
 * group, so the first row of a series is found by series alone; only further times of the same
 * series pay for a composite key.
 */
class RowStates {
  readonly all: RowState[] = [];
  private readonly bySeries = new Map<string, RowState>();
  private readonly byIdentity = new Map<string, RowState>();

  get(record: NormalizedRecord): RowState | undefined {
    const first = this.bySeries.get(record.series);
    if (first === undefined || first.record.timeNs === record.timeNs) return first;
    return this.byIdentity.get(identity(record));
  }

  add(state: RowState): void {
    this.all.push(state);
    if (!this.bySeries.has(state.record.series)) this.bySeries.set(state.record.series, state);
    else this.byIdentity.set(identity(state.record), state);
  }
}
const valueKey = (measure: TypedValue) => `${measure.type}:${measure.key}`;

function storedValueKey(type: ScalarMeasureType | undefined, value: unknown): string {
  if (type === 'DOUBLE') return `DOUBLE:${String((value as number) === 0 ? 0 : value)}`;
  if (type === 'BOOLEAN') return `BOOLEAN:${String(value)}`;
  return `${type}:${String(value)}`;
}

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
    ExistingVersion: Number(state.version),
  };
}
