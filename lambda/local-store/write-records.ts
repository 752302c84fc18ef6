// SPDX-License-Identifier: Apache-2.0
// Applies normalized records to one table with Timestream's semantics: retention and future
// windows, first-writer-wins with Version upserts, idempotent identical re-writes. Writes to a table
// are serialised in JS; calls that queue up while a commit runs are group-committed together.

import { DuckDBTimestampNanosecondsValue, type DuckDBConnection } from '@duckdb/node-api';
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
import { classifyTime, RESERVED_PHYSICAL_COLUMNS } from './write-rules';

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
  valueKey: string;
  /** Set when the row already exists in DuckDB (updates), unset for rows inserted by this group. */
  stored: boolean;
  dirty: boolean;
}

const VALUE_COLUMN_ORDER: readonly ScalarMeasureType[] = ['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN'];

/** Serialises and group-commits the writes of one table. */
export class TableWriter {
  /** Per series, the largest time (ns) committed: a record newer than it cannot be a duplicate. */
  private readonly seriesMaxNs = new Map<string, bigint>();
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
    const nowMs = this.nowMs();
    const outcomes = calls.map((): WriteOutcome => ({ memoryStore: 0, magneticStore: 0, rejected: [] }));
    const admitted: { call: number; record: NormalizedRecord; magnetic: boolean }[] = [];
    const newDimensions: string[] = [];
    const known = new Set(
      [...this.entry.dimensions, ...RESERVED_PHYSICAL_COLUMNS].map((n) => n.toLowerCase()),
    );
    const exact = new Set(this.entry.dimensions);
    calls.forEach((records, call) => {
      for (const record of records) {
        const reason = record.limitViolation ?? classifyTime(record.timeNs, nowMs, this.entry).reason;
        const fresh = record.dimensions.filter((d) => !exact.has(d.name)).map((d) => d.name);
        const clash = fresh.find((name) => known.has(name.toLowerCase()));
        const tooMany =
          this.entry.dimensions.length + newDimensions.length + fresh.length > MAX_DIMENSIONS_PER_TABLE;
        const why =
          reason ??
          (clash !== undefined
            ? `Dimension name ${clash} differs only in letter case from an existing column; the embedded store cannot keep both.`
            : tooMany
              ? `The record would exceed the maximum of ${MAX_DIMENSIONS_PER_TABLE} dimensions per table.`
              : undefined);
        if (why) {
          outcomes[call].rejected.push({ RecordIndex: record.index, Reason: why });
          continue;
        }
        for (const name of fresh) {
          exact.add(name);
          known.add(name.toLowerCase());
          newDimensions.push(name);
        }
        admitted.push({ call, record, magnetic: classifyTime(record.timeNs, nowMs, this.entry).magnetic });
      }
    });
    const newTypes = [...new Set(admitted.map((a) => a.record.measure.type))].filter(
      (t) => !this.entry.measureTypes.includes(t),
    );
    await this.catalog.extendTable(this.connection, this.entry, newDimensions, newTypes);

    const states = await this.loadExisting(admitted.map((a) => a.record));
    for (const { call, record, magnetic } of admitted) {
      const id = identity(record);
      const state = states.get(id);
      if (!state) {
        states.set(id, {
          record,
          version: record.version,
          valueKey: valueKey(record.measure),
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
    await this.persist([...states.values()].filter((s) => s.dirty));
    return outcomes;
  }

  /** Reads the stored rows of identities that may already exist (time not newer than the series max). */
  private async loadExisting(records: NormalizedRecord[]): Promise<Map<string, RowState>> {
    const states = new Map<string, RowState>();
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
      states.set(identity(record), {
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
      for (const { record, version } of rows) {
        // Physical order: measure_name, time, the four value columns, ts_version, ts_series, then
        // the dimensions in the order they were added (= catalog order).
        appender.appendVarchar(record.measureName);
        appender.appendTimestampNanoseconds(new DuckDBTimestampNanosecondsValue(record.timeNs));
        appendValues(appender, record.measure);
        appender.appendBigInt(version);
        appender.appendVarchar(record.series);
        const values = new Map(record.dimensions.map((d) => [d.name, d.value]));
        for (const name of this.entry.dimensions) {
          const value = values.get(name);
          if (value === undefined) appender.appendNull();
          else appender.appendVarchar(value);
        }
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
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

function appendValues(
  appender: {
    appendNull(): void;
    appendDouble(v: number): void;
    appendBigInt(v: bigint): void;
    appendVarchar(v: string): void;
    appendBoolean(v: boolean): void;
  },
  measure: TypedValue,
): void {
  for (const type of VALUE_COLUMN_ORDER) {
    if (type !== measure.type) appender.appendNull();
    else if (measure.type === 'DOUBLE') appender.appendDouble(measure.value);
    else if (measure.type === 'BIGINT') appender.appendBigInt(measure.value);
    else if (measure.type === 'VARCHAR') appender.appendVarchar(measure.value);
    else appender.appendBoolean(measure.value);
  }
}

const identity = (record: NormalizedRecord) => `${record.series}:${record.timeNs}`;
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
  const sameValue = state.valueKey === valueKey(record.measure);
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
