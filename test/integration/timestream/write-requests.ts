// SPDX-License-Identifier: Apache-2.0
// What the write-batching property test (batches-property.test.ts) writes and expects: random
// remote-write requests near every limit the README lists, and the naive mapping of the reference
// connector (one record per sample, no CommonAttributes) with what the README says is left out.

import fc from 'fast-check';
import type { _Record } from '@aws-sdk/client-timestream-write';
import type { Label, TimeSeries } from '../../../lambda/prompb/types';

/** The store's fixed clock, near the real one (SigV4 allows 5 minutes): every window edge is exact. */
export const NOW = Math.floor(Date.now() / 60_000) * 60_000;
export const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MAX_TIMESTAMP_MS = 9_223_372_036_854;
const STALE_BITS = 0x7ff0000000000002n;

// NOTE: through typed arrays only: V8 quiets a signalling NaN (the staleness marker is one) that
// passes through an array literal of doubles, such as `new Float64Array([value])`.
const scratchDouble = new Float64Array(1);
const scratchBits = new BigUint64Array(scratchDouble.buffer);
export const bitsOf = (value: number): bigint => {
  scratchDouble[0] = value;
  return scratchBits[0];
};
const fromBits = (bits: bigint): number => {
  scratchBits[0] = bits;
  return scratchDouble[0];
};
const bytes = (text: string): number => Buffer.byteLength(text);

// ---------------------------------------------------------------------------------------------
// The naive mapping, written from the README ("How samples become Timestream records"), not from
// the connector's code.

/** README "Label names": `_` in front of reserved names and of names already starting with `_`. */
function dimensionName(label: string): string {
  const reserved =
    label === 'time' ||
    label === 'measure_name' ||
    label.startsWith('measure_value') ||
    label.startsWith('measure_name') ||
    label.startsWith('ts_');
  return reserved || label.startsWith('_') ? `_${label}` : label;
}

type Refusal = 'invalid_series' | 'long_label';

/** What the README says happens to one series' label set: its record shape, or why it is refused. */
function mapSeries(labels: readonly Label[]): { measure: string; dims: [string, string][] } | Set<Refusal> {
  const present = labels.filter((l) => l.value !== '');
  const refusals = new Set<Refusal>();
  const names = present.map((l) => l.name);
  if (present.length === 0 || new Set(names).size !== names.length) refusals.add('invalid_series');
  if (names.some((n) => n === '' || n.includes(':') || n.includes('\u0000'))) refusals.add('invalid_series');
  const measure = present.find((l) => l.name === '__name__')?.value;
  if (measure === undefined) refusals.add('invalid_series');
  const dims: [string, string][] = present
    .filter((l) => l.name !== '__name__')
    .map((l) => [dimensionName(l.name), l.value]);
  if (measure !== undefined && bytes(measure) > 256) refusals.add('long_label');
  if (dims.length > 128) refusals.add('long_label');
  if (dims.some(([name]) => name !== '' && !name.includes(':') && bytes(name) > 60))
    refusals.add('long_label');
  if (dims.reduce((sum, [n, v]) => sum + bytes(n) + bytes(v), 0) > 2048) refusals.add('long_label');
  if (refusals.size > 0) return refusals;
  return { measure: measure!, dims: dims.length === 0 ? [['_no_labels', 'true']] : dims };
}

/** A row's identity: its dimensions and measure name, sorted, and its time. */
export const rowKey = (
  measure: string,
  dims: readonly (readonly [string, string])[],
  timeMs: number,
): string =>
  `${[`measure_name=${measure}`, ...dims.map(([n, v]) => `${n}=${v}`)].sort().join('\u0001')}@${timeMs}`;

export interface Expected {
  /** The naive mapping's records, in input order. */
  records: { key: string; record: _Record; value: number }[];
  /** Samples skipped or refused before any call, by the README's reasons. */
  ignored: { stale: number; non_finite: number; invalid_timestamp: number };
  /** Samples of refused series: those refused for one reason only, and those with both. */
  refused: { invalid_series: number; long_label: number; either: number };
  /** One record per refused series, to show that the store refuses it as well. */
  refusedProbes: _Record[];
  /** Keys holding two different values: which one is kept depends on the order of writing. */
  conflicts: Map<string, Set<bigint>>;
  received: number;
}

export function naiveMapping(timeseries: readonly TimeSeries[]): Expected {
  const expected: Expected = {
    records: [],
    ignored: { stale: 0, non_finite: 0, invalid_timestamp: 0 },
    refused: { invalid_series: 0, long_label: 0, either: 0 },
    refusedProbes: [],
    conflicts: new Map(),
    received: 0,
  };
  const valuesByKey = new Map<string, Set<bigint>>();
  for (const { labels, samples } of timeseries) {
    expected.received += samples.length;
    if (samples.length === 0) continue;
    const mapped = mapSeries(labels);
    if (mapped instanceof Set) {
      // README: "a series that carries only staleness markers is not validated".
      if (samples.every((s) => bitsOf(s.value) === STALE_BITS)) {
        expected.ignored.stale += samples.length;
        continue;
      }
      const which = mapped.size === 2 ? 'either' : [...mapped][0];
      expected.refused[which] += samples.length;
      const present = labels.filter((l) => l.value !== '');
      expected.refusedProbes.push({
        MeasureName: present.find((l) => l.name === '__name__')?.value,
        Dimensions: present
          .filter((l) => l.name !== '__name__')
          .map((l) => ({ Name: dimensionName(l.name), Value: l.value })),
        MeasureValue: '1',
        MeasureValueType: 'DOUBLE',
        Time: String(NOW),
        TimeUnit: 'MILLISECONDS',
      });
      continue;
    }
    for (const { value, timestamp } of samples) {
      if (bitsOf(value) === STALE_BITS) expected.ignored.stale++;
      else if (!Number.isFinite(value)) expected.ignored.non_finite++;
      else if (timestamp < 0 || timestamp > MAX_TIMESTAMP_MS) expected.ignored.invalid_timestamp++;
      else {
        const key = rowKey(mapped.measure, mapped.dims, timestamp);
        let values = valuesByKey.get(key);
        if (values === undefined) valuesByKey.set(key, (values = new Set()));
        values.add(bitsOf(value));
        expected.records.push({
          key,
          value,
          record: {
            Dimensions: mapped.dims.map(([Name, Value]) => ({ Name, Value })),
            MeasureName: mapped.measure,
            MeasureValue: Object.is(value, -0) ? '-0' : String(value),
            MeasureValueType: 'DOUBLE',
            Time: String(timestamp),
            TimeUnit: 'MILLISECONDS',
          },
        });
      }
    }
  }
  for (const [key, values] of valuesByKey) if (values.size > 1) expected.conflicts.set(key, values);
  return expected;
}

// ---------------------------------------------------------------------------------------------
// Generators: names and values near every limit the README lists.

/**
 * 128 label names whose dimension names are valid, pairwise distinct in ASCII case (the embedded
 * store's DuckDB columns are case-insensitive) and never a built-in column: a table holds at most
 * 128 dimension names, and which series a full table refuses depends on the order of writing.
 */
const VALID_NAMES: readonly string[] = (() => {
  const edge = [
    'job',
    'instance',
    'le',
    'time',
    'measure_name',
    'measure_value',
    'measure_value_x',
    'ts_shard',
    'ts_',
    '_tenant',
    '__meta',
    '_no_labels',
    'no_labels',
    'a'.repeat(60),
    'é'.repeat(30),
    `_${'b'.repeat(58)}`,
    `ts_${'c'.repeat(56)}`,
    '😀'.repeat(15),
    'ü',
    '名前',
    'a-b.c',
    'with space',
    "quote'",
    'dq"',
    'back\\slash',
    'pad',
  ];
  const names = [...edge];
  names.push('dup');
  for (let i = 0; names.length < 128; i++) names.push(`l${String(i).padStart(3, '0')}`);
  return names;
})();
/** The label that makes a series distinct from the others of its label set. */
const DISTINCT_NAME = VALID_NAMES[VALID_NAMES.length - 1];
/** Names every series holding them is refused for: too long once mapped, or not a dimension name. */
const INVALID_NAMES = [
  'a'.repeat(61),
  `${'é'.repeat(30)}a`,
  `_${'b'.repeat(59)}`,
  `ts_${'c'.repeat(57)}`,
  'x:y',
  '',
  'nul\u0000',
];

const wellFormed = (s: string) => s.toWellFormed();
const labelValue: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom('a', 'b', 'prod', '0', '+Inf', 'ä€😀', "'", '"', '\\', ' ', '\n', '\u0000'),
  },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }).map(wellFormed) },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.integer({ min: 30, max: 300 }).map((n) => 'v'.repeat(n)) },
);

const metricName: fc.Arbitrary<string | undefined> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.constantFrom('up', 'http_requests_total', 'node_cpu_seconds_total', 'a.b-c', 'ä€'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'm'.repeat(256),
      'm'.repeat(257),
      'é'.repeat(128),
      `${'é'.repeat(128)}m`,
      '',
      'x:y',
      "it's",
      '😀'.repeat(64),
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** A value Prometheus may send: ordinary, signed zeros, subnormals, extremes, NaN payloads, the stale marker. */
const sampleValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.integer({ min: -1e6, max: 1e6 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      0,
      -0,
      5e-324,
      -5e-324,
      2.2250738585072014e-308,
      2.225073858507201e-308,
      1.7976931348623157e308,
      -1.7976931348623157e308,
      1e-9,
      0.1 + 0.2,
      2 ** 53 + 2,
      Infinity,
      -Infinity,
      NaN,
      fromBits(STALE_BITS),
      fromBits(0x7ff0000000000001n),
      fromBits(0xfff0000000000002n),
      fromBits(0x7ff8000000000002n),
    ),
  },
);

/** Times around every edge: the memory and magnetic windows, the future window, Timestream's range. */
const sampleTime: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: NOW - DAY, max: NOW + 15 * MINUTE }) },
  { weight: 4, arbitrary: fc.integer({ min: NOW - 5 * MINUTE, max: NOW }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      NOW + 15 * MINUTE,
      NOW + 15 * MINUTE + 1,
      NOW - HOUR,
      NOW - HOUR - 1,
      NOW - DAY,
      NOW - DAY - 1,
      NOW,
      0,
      -1,
      MAX_TIMESTAMP_MS,
      MAX_TIMESTAMP_MS + 1,
    ),
  },
);

/** A label set: a metric name and up to 40 names of `pool`, some sets padded to the 2 KB pair limit. */
const labelSet = (wide: boolean): fc.Arbitrary<Label[]> =>
  fc
    .tuple(
      metricName,
      fc.uniqueArray(fc.constantFrom(...VALID_NAMES.filter((n) => n !== 'pad')), {
        maxLength: 40,
        size: 'max',
      }),
      fc.array(labelValue, { minLength: 40, maxLength: 40 }),
      fc.oneof(
        { weight: 20, arbitrary: fc.constant<Label[]>([]) },
        {
          weight: 1,
          arbitrary: fc.array(
            fc.constantFrom(...INVALID_NAMES).map((name) => ({ name, value: 'x' })),
            { minLength: 1, maxLength: 2 },
          ),
        },
        // Names the connector writes and the embedded store refuses, record by record, whatever the
        // order: they differ only in case from its built-in columns (README "What it is not").
        {
          weight: 1,
          arbitrary: fc
            .constantFrom('Time', 'MEASURE_NAME', 'Ts_Version')
            .map((name) => [{ name, value: 'x' }]),
        },
        // A name given twice, and given twice with one value empty (which Prometheus takes as absent).
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            [
              { name: 'dup', value: 'a' },
              { name: 'dup', value: 'b' },
            ],
            [
              { name: 'dup', value: 'a' },
              { name: 'dup', value: '' },
            ],
          ),
        },
      ),
      fc.oneof(
        { weight: 12, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) },
      ),
      fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 128, 129),
    )
    .map(([name, names, values, extra, padDelta, width]) => {
      const labels: Label[] = [];
      if (name !== undefined) labels.push({ name: '__name__', value: name });
      const chosen = wide && width > 0 ? VALID_NAMES.slice(0, 128) : names;
      // Short values, so that a series of 128 dimensions stays within the 2 KB of dimension pairs.
      chosen.forEach((n, i) => labels.push({ name: n, value: chosen === names ? values[i % 40] : 'w' }));
      if (wide && width === 129) labels.push({ name: 'overflow', value: 'x' });
      labels.push(...extra);
      if (padDelta !== null && !chosen.includes('pad')) {
        let used = 0;
        for (const l of labels)
          if (l.name !== '__name__' && l.value !== '') used += bytes(dimensionName(l.name)) + bytes(l.value);
        const length = 2048 + padDelta - used - bytes('pad');
        if (length > 0) labels.push({ name: 'pad', value: 'p'.repeat(length) });
      }
      return labels;
    });

interface GeneratedRequest {
  timeseries: TimeSeries[];
}

/**
 * A request of `min`..`max` series entries drawn from shared label sets (Prometheus sends a series
 * again in each entry), distinct ones (a unique value of DISTINCT_NAME), with labels in any order.
 */
export const writeRequest = (min: number, max: number): fc.Arbitrary<GeneratedRequest> =>
  fc.boolean().chain((wide) =>
    fc
      .tuple(
        fc.array(labelSet(wide), { minLength: 1, maxLength: 30 }),
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.boolean(),
            fc.boolean(),
            fc.array(fc.tuple(sampleValue, sampleTime), { minLength: 0, maxLength: 3 }),
          ),
          { minLength: min, maxLength: max, size: 'max' },
        ),
      )
      .map(([sets, entries]) => {
        // A table holds at most 128 dimension names: a series of 128 labels takes them all, so
        // such a request sends no series without labels (which would add `_no_labels`).
        const usable = wide
          ? sets.filter((s) => s.some((l) => l.name !== '__name__' && l.value !== ''))
          : sets;
        const pool =
          usable.length > 0
            ? usable
            : [
                [
                  { name: '__name__', value: 'up' },
                  { name: 'job', value: 'a' },
                ],
              ];
        const timeseries = entries.map(([pick, distinct, shuffle, samples], i) => {
          let labels = pool[pick % pool.length];
          if (distinct)
            labels = [
              ...labels.filter((l) => l.name !== DISTINCT_NAME),
              { name: DISTINCT_NAME, value: `s${i}` },
            ];
          if (shuffle) labels = [...labels].reverse();
          return { labels, samples: samples.map(([value, timestamp]) => ({ value, timestamp })) };
        });
        return { timeseries };
      }),
  );
