// SPDX-License-Identifier: Apache-2.0
// Property: the write planner (records.ts, batch-order.ts, chunk-plan.ts, batches.ts) against the
// naive mapping of the reference connector (one record per sample in input order, 100 per call, no
// CommonAttributes), both sent through the same embedded store over HTTP to two tables. The stored
// rows must be the same set, bit for bit; what either leaves out, the other leaves out for the same
// reason; the counters add up; and the planner never pays more write units than the naive mapping.

import { Agent } from 'node:http';
import fc from 'fast-check';
import {
  CreateTableCommand,
  DeleteTableCommand,
  RejectedRecordsException,
  ResourceNotFoundException,
  TimestreamWriteClient,
  ValidationException,
  WriteRecordsCommand,
  type _Record,
} from '@aws-sdk/client-timestream-write';
import { meteredWriteUnits, toWriteBatches } from '../../../lambda/timestream/records';
import { renderWriteRecordsBody } from '../../../lambda/timestream/write-json';
import { realisticRequests } from '../../../bench/support';
import { realisticWriteRequest } from '../../support/payloads';
import { FUZZ_SEED, budgetMs, runs } from '../../reliability/support';
import {
  ACCESS_KEY_ID,
  DATABASE,
  EDGES,
  SECRET_ACCESS_KEY,
  TABLE,
  startHarness,
  type Edge,
  type Harness,
} from '../../support/harness';
import type { TimeSeries } from '../../../lambda/prompb/types';
import { MINUTE, NOW, bitsOf, naiveMapping, rowKey, writeRequest, type Expected } from './write-requests';

/** Memory store 1 h, magnetic store 1 day: [NOW - 1 d, NOW + 15 min] is writable. */
const RETENTION = { MemoryStoreRetentionPeriodInHours: 1, MagneticStoreRetentionPeriodInDays: 1 };
const NAIVE_TABLE = 'NaiveMapping';
/** Refused label sets shown to the store per request, one call each. */
const MAX_PROBES = 20;

/** What the store did with the naive calls: refusals by record, as `reason` lines. */
interface NaiveOutcome {
  written: number;
  rejected: { key: string; measure: string; time: string; reason: string }[];
  validationFailures: string[];
}

async function writeNaive(
  client: TimestreamWriteClient,
  records: Expected['records'],
): Promise<NaiveOutcome> {
  const outcome: NaiveOutcome = { written: 0, rejected: [], validationFailures: [] };
  for (let from = 0; from < records.length; from += 100) {
    const chunk = records.slice(from, from + 100);
    try {
      await client.send(
        new WriteRecordsCommand({
          DatabaseName: DATABASE,
          TableName: NAIVE_TABLE,
          Records: chunk.map((r) => r.record),
        }),
      );
      outcome.written += chunk.length;
    } catch (error) {
      if (error instanceof RejectedRecordsException) {
        const rejected = error.RejectedRecords ?? [];
        outcome.written += chunk.length - rejected.length;
        for (const { RecordIndex, Reason } of rejected) {
          const { key, record } = chunk[RecordIndex!];
          outcome.rejected.push({
            key,
            measure: record.MeasureName!,
            time: record.Time!,
            reason: Reason ?? '',
          });
        }
      } else if (error instanceof ValidationException) outcome.validationFailures.push(error.message);
      else throw error;
    }
  }
  return outcome;
}

/** Whether the store refuses `record` on its own, in a call of its own. */
async function storeRefuses(client: TimestreamWriteClient, record: _Record): Promise<boolean> {
  try {
    await client.send(
      new WriteRecordsCommand({ DatabaseName: DATABASE, TableName: NAIVE_TABLE, Records: [record] }),
    );
    return false;
  } catch (error) {
    if (error instanceof RejectedRecordsException || error instanceof ValidationException) return true;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------

/** The sample counters on /metrics, by name (and reason). */
async function counters(h: Harness): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await h.metricsText()).split('\n')) {
    const m = /^(timestream_connector_\w+_total)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m) out.set(m[1] + (m[2] ?? ''), Number(m[3]));
  }
  return out;
}

function diff(before: Map<string, number>, after: Map<string, number>, name: string): number {
  return (after.get(name) ?? 0) - (before.get(name) ?? 0);
}

/** Stored rows of `table` as key -> the stored value's float64 bits. */
async function storedRows(h: Harness, table: string): Promise<Map<string, bigint>> {
  const rows = await h.sql(`SELECT * FROM "${DATABASE}"."${table}"`);
  const out = new Map<string, bigint>();
  for (const row of rows) {
    const dims: [string, string][] = [];
    let measure = '';
    let time = '';
    let value = '';
    for (const [column, cell] of Object.entries(row)) {
      if (cell === null) continue;
      if (column === 'time') time = cell;
      else if (column === 'measure_name') measure = cell;
      else if (column === 'measure_value::double') value = cell;
      else dims.push([column, cell]);
    }
    const timeMs = Date.parse(`${time.slice(0, 10)}T${time.slice(11, 23)}Z`);
    const key = rowKey(measure, dims, timeMs);
    expect(out.has(key)).toBe(false);
    out.set(key, bitsOf(Number(value)));
  }
  return out;
}

/** The records of one planned call as the store reads its JSON body: CommonAttributes merged in. */
function mergedRecords(body: string): { key: string; bits: bigint }[] {
  const { CommonAttributes: common, Records: records } = JSON.parse(body) as {
    CommonAttributes: _Record;
    Records: _Record[];
  };
  expect(common.MeasureValueType).toBe('DOUBLE');
  expect(common.TimeUnit).toBe('MILLISECONDS');
  expect(records.length).toBeGreaterThanOrEqual(1);
  expect(records.length).toBeLessThanOrEqual(100);
  return records.map((record) => {
    const dims = [...(common.Dimensions ?? []), ...(record.Dimensions ?? [])].map(
      (d) => [d.Name!, d.Value!] as const,
    );
    expect(new Set(dims.map(([name]) => name)).size).toBe(dims.length);
    const measure = record.MeasureName ?? common.MeasureName;
    const time = record.Time ?? common.Time;
    expect(measure).toBeDefined();
    expect(time).toMatch(/^\d+$/);
    expect(record.MeasureValue).toMatch(/^-?\d+(\.\d+)?$/);
    return { key: rowKey(measure!, dims, Number(time)), bits: bitsOf(Number(record.MeasureValue)) };
  });
}

const multiset = (entries: readonly { key: string; bits: bigint }[]): string[] =>
  entries.map(({ key, bits }) => `${key}=${bits}`).sort();

test('the planned calls hold exactly the records of the naive mapping, in no more write units', () => {
  fc.assert(
    fc.property(writeRequest(1, 300), ({ timeseries }) => {
      const expected = naiveMapping(timeseries);
      const plan = toWriteBatches(timeseries, { failOnLongLabel: false, failOnInvalidSampleValue: false });
      const target = { database: DATABASE, table: TABLE };
      const sent = plan.batches.flatMap((batch) => {
        const body = renderWriteRecordsBody(target, batch);
        // The SDK fallback sends the batch's objects: the same document.
        expect(JSON.parse(body)).toEqual(
          JSON.parse(
            JSON.stringify({
              DatabaseName: DATABASE,
              TableName: TABLE,
              CommonAttributes: batch.commonAttributes,
              Records: batch.records,
            }),
          ),
        );
        return mergedRecords(body);
      });
      expect(multiset(sent)).toEqual(
        multiset(expected.records.map((r) => ({ key: r.key, bits: bitsOf(r.value) }))),
      );
      const ours = plan.batches.reduce((units, batch) => units + meteredWriteUnits(batch), 0);
      let naive = 0;
      for (let from = 0; from < expected.records.length; from += 100) {
        const chunk = expected.records.slice(from, from + 100);
        naive += meteredWriteUnits({
          commonAttributes: {},
          records: chunk.map((r) => r.record),
          sampleCount: chunk.length,
        });
      }
      expect(ours).toBeLessThanOrEqual(naive);
    }),
    // Synchronous, so jest's timeout cannot stop it: shrinking a failure of 300 series took 8 minutes.
    { numRuns: runs(40), seed: FUZZ_SEED, interruptAfterTimeLimit: budgetMs(30_000) },
  );
});

describe('the write planner agrees with the naive mapping of the reference connector', () => {
  let h: Harness;
  let naive: TimestreamWriteClient;
  const storeLog: Record<string, unknown>[] = [];

  beforeAll(async () => {
    h = await startHarness({
      store: { nowMs: () => NOW, log: (line) => storeLog.push(line) },
      createTable: false,
    });
    naive = new TimestreamWriteClient({
      region: 'us-east-1',
      endpoint: h.store.endpoint,
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      maxAttempts: 1,
      // NOTE: a connection per call. The store runs in this process: a kept-alive socket the store
      // closed after 5 idle seconds, while this process was busy, can be picked for the next call
      // before its close is read (ECONNRESET); one attempt per call keeps the metering exact.
      requestHandler: { httpAgent: new Agent({ keepAlive: false }) },
    });
    await h.store.engine.handle('CreateDatabase', { DatabaseName: DATABASE });
  });
  afterAll(async () => {
    naive.destroy();
    await h.close();
  });

  async function freshTables(retention = RETENTION, tables = [TABLE, NAIVE_TABLE]): Promise<void> {
    for (const table of tables) {
      await naive
        .send(new DeleteTableCommand({ DatabaseName: DATABASE, TableName: table }))
        .catch((error: unknown) => {
          if (!(error instanceof ResourceNotFoundException)) throw error;
        });
      await naive.send(
        new CreateTableCommand({
          DatabaseName: DATABASE,
          TableName: table,
          RetentionProperties: retention,
          MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
        }),
      );
    }
  }

  /** Writes `timeseries` both ways into fresh tables and checks every property; returns the units. */
  async function checkOne(
    timeseries: TimeSeries[],
    checks: { edge?: Edge; rewrite?: boolean; shuffle?: number[] } = {},
    retention = RETENTION,
  ): Promise<{ ours: number; naive: number }> {
    await freshTables(retention);
    const expected = naiveMapping(timeseries);

    // The plan itself: calls of 1..100 records, every writable sample exactly once.
    const plan = toWriteBatches(timeseries, { failOnLongLabel: false, failOnInvalidSampleValue: false });
    for (const batch of plan.batches) {
      expect(batch.records.length).toBeGreaterThanOrEqual(1);
      expect(batch.records.length).toBeLessThanOrEqual(100);
    }
    expect(plan.batches.reduce((n, b) => n + b.records.length, 0)).toBe(expected.records.length);

    const countersBefore = await counters(h);
    const meterBefore = h.store.metering();
    storeLog.length = 0;
    const edge = checks.edge ?? 'server';
    const response = await h.write(edge, { timeseries });
    const meterOurs = h.store.metering();
    const countersAfter = await counters(h);
    const callErrors = storeLog
      .filter((l) => l.operation === 'WriteRecords' && l.error !== undefined)
      .map((l) => l.error);
    const outcome = await writeNaive(naive, expected.records);
    const meterNaive = h.store.metering();

    // The naive mapping sends only what the README lets through: the store takes every call.
    expect(outcome.validationFailures).toEqual([]);
    // And every series the README refuses, the store refuses too.
    // (One call per distinct refused label set, at most MAX_PROBES.)
    const probes = [...new Map(expected.refusedProbes.map((p) => [JSON.stringify(p), p])).values()];
    for (const probe of probes.slice(0, MAX_PROBES)) expect(await storeRefuses(naive, probe)).toBe(true);
    // The planner's calls are refused whole never, and record by record only where the naive ones are.
    expect(callErrors.filter((e) => e !== 'RejectedRecordsException')).toEqual([]);
    if (outcome.rejected.length === 0) expect(callErrors).toEqual([]);

    const ours = await storedRows(h, TABLE);
    const theirs = await storedRows(h, NAIVE_TABLE);
    const values = new Map(expected.records.map((r) => [r.key, bitsOf(r.value)]));
    for (const [key, bits] of theirs) {
      const conflict = expected.conflicts.get(key);
      if (conflict === undefined) {
        expect(ours.get(key)).toBe(bits);
        expect(bits).toBe(values.get(key)); // bit for bit what was sent
      } else {
        expect(conflict.has(ours.get(key)!)).toBe(true);
        expect(conflict.has(bits)).toBe(true);
      }
    }
    expect(ours.size).toBe(theirs.size);

    // Counters: received = written + skipped + refused, each by its README reason.
    const d = (name: string) => diff(countersBefore, countersAfter, name);
    const ignored = (reason: string) => d(`timestream_connector_ignored_samples_total{reason="${reason}"}`);
    expect(d('timestream_connector_received_samples_total')).toBe(expected.received);
    expect(ignored('stale')).toBe(expected.ignored.stale);
    expect(ignored('non_finite')).toBe(expected.ignored.non_finite);
    expect(ignored('invalid_timestamp')).toBe(expected.ignored.invalid_timestamp);
    const { invalid_series: invalid, long_label: long, either } = expected.refused;
    expect(ignored('invalid_series') + ignored('long_label')).toBe(invalid + long + either);
    expect(ignored('invalid_series')).toBeGreaterThanOrEqual(invalid);
    expect(ignored('long_label')).toBeGreaterThanOrEqual(long);
    const written = d('timestream_connector_written_samples_total');
    const rejected = d('timestream_connector_rejected_samples_total');
    const byTimestream =
      rejected - ignored('invalid_series') - ignored('long_label') - ignored('invalid_timestamp');
    expect(written + ignored('stale') + ignored('non_finite') + rejected).toBe(expected.received);
    expect(response.headers['x-prometheus-remote-write-samples-written']).toBe(String(written));
    if (expected.conflicts.size === 0) {
      expect(written).toBe(outcome.written);
      expect(byTimestream).toBe(outcome.rejected.length);
    } else expect(written + byTimestream).toBe(expected.records.length);
    const refusedAny = rejected > 0;
    expect(response.status).toBe(refusedAny ? 400 : 204);

    // Every reason the connector names for a Timestream refusal is the naive call's reason too.
    // NOTE: the body lists them as `- sample <measure>{<labels>}@<time> rejected by Timestream:
    // <reason>`, the labels only when it has any; until 2026-12-07 this matched lines without the
    // `- `, which the body never has, so it checked nothing.
    const lines = response.body.toString().split('\n');
    let named = 0;
    for (const line of lines) {
      const m = /^- sample ([^{]*?)(?:\{.*\})?@(\d+) rejected by Timestream: (.*)$/.exec(line);
      if (m === null) continue;
      named++;
      expect(outcome.rejected.some((r) => r.measure === m[1] && r.time === m[2] && r.reason === m[3])).toBe(
        true,
      );
    }
    if (byTimestream > 0 && invalid + long + either + expected.ignored.invalid_timestamp === 0)
      expect(named).toBeGreaterThan(0);

    if (checks.rewrite) {
      // The same request again changes nothing: identical records are taken again and not stored twice.
      const again = await h.write(edge, { timeseries });
      expect(await storedRows(h, TABLE)).toEqual(ours);
      if (expected.conflicts.size === 0) {
        expect(again.status).toBe(response.status);
        expect(again.headers['x-prometheus-remote-write-samples-written']).toBe(String(written));
      }
    }
    if (checks.shuffle) {
      // The order of the series in the request changes nothing stored.
      await freshTables(retention, [TABLE]);
      const shuffled = checks.shuffle.map((i) => timeseries[i % timeseries.length]);
      const rest = timeseries.filter((_, i) => !checks.shuffle!.some((j) => j % timeseries.length === i));
      await h.write(edge, { timeseries: [...shuffled, ...rest].reverse() });
      const reordered = await storedRows(h, TABLE);
      expect(reordered.size).toBe(theirs.size);
      for (const [key, bits] of theirs)
        if (!expected.conflicts.has(key)) expect(reordered.get(key)).toBe(bits);
    }
    return {
      ours: meterOurs.writeUnits - meterBefore.writeUnits,
      naive: meterNaive.writeUnits - meterOurs.writeUnits,
    };
  }

  test(
    'for hostile requests of up to 300 series near every limit, written twice and shuffled',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          writeRequest(1, 300),
          fc.constantFrom(...EDGES),
          fc.boolean(),
          fc.array(fc.nat(), { maxLength: 300 }),
          async ({ timeseries }, edge, rewrite, shuffle) => {
            const units = await checkOne(timeseries, { edge, rewrite, shuffle });
            expect(units.ours).toBeLessThanOrEqual(units.naive);
          },
        ),
        { numRuns: runs(10), seed: FUZZ_SEED },
      );
      // ~6 s on 2 idle cores; the machine may be busy with other test files.
    },
    budgetMs(120_000),
  );

  test(
    'for hostile requests of 1000 to 3000 series',
    async () => {
      await fc.assert(
        fc.asyncProperty(writeRequest(1000, 3000), async ({ timeseries }) => {
          const units = await checkOne(timeseries);
          expect(units.ours).toBeLessThanOrEqual(units.naive);
        }),
        // Shrinking thousands of series would outlast the timeout: the seed and path replay it.
        { numRuns: runs(2), seed: FUZZ_SEED, endOnFailure: true },
      );
    },
    budgetMs(120_000),
  );

  test(
    'for realistic requests: at most a third of the naive write units',
    async () => {
      // The bench's requests (figure 2), moved into the table's memory store.
      let ours = 0;
      let naive = 0;
      for (const request of realisticRequests(2)) {
        const shift = NOW - 30 * MINUTE - request[0].samples[0].timestamp;
        const timeseries = request.map(({ labels, samples }) => ({
          labels,
          samples: samples.map(({ value, timestamp }) => ({ value, timestamp: timestamp + shift })),
        }));
        const units = await checkOne(timeseries);
        ours += units.ours;
        naive += units.naive;
      }
      // SPEC 9 sets the target per million samples, not per request (one of the bench's ten is 0.334).
      expect(ours / naive).toBeLessThanOrEqual(1 / 3);
      // The test payloads: fewer labels to share, so the planner saves less, but never pays more.
      const units = await checkOne(
        realisticWriteRequest({
          series: 400,
          samplesPerSeries: 2,
          startMs: NOW - 10 * MINUTE,
          externalLabels: { cluster: 'eu-1', replica: 'a' },
        }).timeseries,
      );
      expect(units.ours).toBeLessThanOrEqual(units.naive);
    },
    budgetMs(120_000),
  );
});
