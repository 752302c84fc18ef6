// SPDX-License-Identifier: Apache-2.0
import {
  ingestSelection,
  roundOrder,
  summarise,
  unstoredSamples,
  type TargetRun,
} from '../../../bench/figures/ingest';
import {
  CONNECTOR,
  CONNECTOR_NULL_STORE,
  PROMETHEUS,
  STORE_ONLY,
  VICTORIA_METRICS,
  type TargetKind,
} from '../../../bench/ingest/targets';

describe('unstoredSamples', () => {
  test.each([
    { name: 'every acknowledged sample stored', acked: 2000, stored: 2000, unstored: 0 },
    { name: 'some acknowledged samples missing', acked: 2000, stored: 1500, unstored: 500 },
    { name: 'more stored than acknowledged (a retried request)', acked: 2000, stored: 2400, unstored: 0 },
    { name: 'a target that keeps nothing', acked: 2000, stored: undefined, unstored: 0 },
  ])('$name: $unstored', ({ acked, stored, unstored }) => {
    expect(unstoredSamples({ acked, stored })).toBe(unstored);
  });
});

describe('ingestSelection', () => {
  const all = [CONNECTOR, PROMETHEUS, STORE_ONLY, CONNECTOR_NULL_STORE, VICTORIA_METRICS];

  test.each([
    { name: "nothing set: every target, the profile's runs", env: {}, kinds: all, runs: undefined },
    {
      name: 'a subset, in the order given, spaces around names ignored',
      env: { BENCH_INGEST_TARGETS: 'null-store, connector' },
      kinds: [CONNECTOR_NULL_STORE, CONNECTOR],
      runs: undefined,
    },
    { name: 'one run', env: { BENCH_INGEST_RUNS: '1' }, kinds: all, runs: 1 },
    {
      name: 'both',
      env: { BENCH_INGEST_TARGETS: 'store', BENCH_INGEST_RUNS: '12' },
      kinds: [STORE_ONLY],
      runs: 12,
    },
  ])('$name', ({ env, kinds, runs }) => {
    const selection = ingestSelection(env);
    expect(selection.kinds).toEqual(kinds);
    expect(selection.kinds.every((k, i) => k === kinds[i])).toBe(true);
    expect(selection.runs).toBe(runs);
  });

  const known = 'known: connector, prometheus, store, null-store, victoria-metrics';
  test.each([
    {
      name: 'a misspelt target',
      env: { BENCH_INGEST_TARGETS: 'connector,connector-null-store' },
      message: `BENCH_INGEST_TARGETS: unknown target "connector-null-store" (${known})`,
    },
    {
      name: 'an empty list',
      env: { BENCH_INGEST_TARGETS: '' },
      message: `BENCH_INGEST_TARGETS: unknown target "" (${known})`,
    },
    {
      name: 'an inherited property name',
      env: { BENCH_INGEST_TARGETS: 'toString' },
      message: `BENCH_INGEST_TARGETS: unknown target "toString" (${known})`,
    },
    {
      name: 'a target twice',
      env: { BENCH_INGEST_TARGETS: 'prometheus,connector,prometheus' },
      message: 'BENCH_INGEST_TARGETS: prometheus given twice',
    },
    ...['0', '-1', '1.5', 'three', '', '1000'].map((runs) => ({
      name: `runs ${JSON.stringify(runs)}`,
      env: { BENCH_INGEST_RUNS: runs },
      message: `BENCH_INGEST_RUNS: expected a whole number from 1 to 999, got ${JSON.stringify(runs)}`,
    })),
  ])('$name is refused', ({ env, message }) => {
    expect(() => ingestSelection(env)).toThrow(new Error(message));
  });
});

describe('summarise', () => {
  const runOf = (target: string, samplesPerSecond: number): TargetRun => ({
    target,
    samplesPerSecond,
    cpuMicrosPerSample: 7,
    firstRoundMs: 3500,
    peakRssBytes: 800 * 1048576,
    acked: 2000,
    stored: 2000,
    failed: 0,
    exhausted: false,
  });
  const prometheusMissing = { ...PROMETHEUS, missing: () => '/usr/bin/prometheus not found' };

  test.each([
    { name: 'Prometheus not run', runs: [] as TargetRun[] },
    {
      name: 'Prometheus acknowledging nothing',
      runs: [{ ...runOf(PROMETHEUS.name, 0), acked: 0, stored: 0 }],
    },
  ])('$name: no ratio and no shortfall', ({ runs }) => {
    const figure = summarise([runOf(CONNECTOR.name, 200_000), ...runs], []);
    expect(figure.met).toBe(false);
    expect(figure.note).toBe(
      "No ratio: Prometheus' receiver has no rate in this run (not run, or nothing acknowledged), so the target cannot be judged.",
    );
  });

  test('Prometheus skipped: the no-ratio note, then why it was skipped', () => {
    const figure = summarise([runOf(CONNECTOR.name, 200_000)], [prometheusMissing]);
    expect(figure.met).toBe(false);
    expect(figure.headline.value).toBeNaN();
    expect(figure.note).toBe(
      "No ratio: Prometheus' receiver has no rate in this run (not run, or nothing acknowledged), so the target cannot be judged. " +
        'Prometheus 2.42 receiver skipped: /usr/bin/prometheus not found.',
    );
  });

  test.each([
    { name: 'at the target', connector: 300_000, met: true },
    { name: 'below the target', connector: 200_000, met: false },
  ])('with Prometheus at 200 000 samples/s, a connector $name', ({ connector, met }) => {
    const figure = summarise([runOf(CONNECTOR.name, connector), runOf(PROMETHEUS.name, 200_000)], []);
    expect(figure.headline.value).toBe(met ? 1.5 : 1);
    expect(figure.met).toBe(met);
    expect(figure.note === undefined).toBe(met);
    if (!met)
      expect(figure.note).toMatch(
        /^The connector reaches 1\.00× Prometheus\. It spends 7\.0 µs of CPU per sample/,
      );
  });

  const withMachine = (run: TargetRun, idle: number, kernel: number): TargetRun => ({
    ...run,
    machine: { idle, kernel },
  });

  test.each([
    {
      name: 'idler than Prometheus by the gap or more: waiting named as a smaller part',
      connectorIdle: 0.1,
      sentence:
        " In the measured window 10% of the machine's CPU time was idle, against 1% for Prometheus: the " +
        "connector's two threads also wait on each other (the store's blocks in DuckDB's flush and commit while " +
        'calls queue), a smaller part of the gap. What would close it',
    },
    {
      name: 'about as busy as Prometheus: the shares only',
      connectorIdle: 0.03,
      sentence:
        " In the measured window 3% of the machine's CPU time was idle, against 1% for Prometheus. What would close it",
    },
  ])('a connector below the target, $name', ({ connectorIdle, sentence }) => {
    const figure = summarise(
      [
        withMachine(runOf(CONNECTOR.name, 200_000), connectorIdle, 0.12),
        withMachine(runOf(PROMETHEUS.name, 200_000), 0.01, 0.04),
      ],
      [],
    );
    expect(figure.note).toContain(sentence);
    expect(figure.measurements.filter((m) => m.name.endsWith('machine idle in the window'))).toEqual([
      {
        name: `${CONNECTOR.name} machine idle in the window`,
        median: Math.round(100 * connectorIdle),
        unit: '%',
        runs: 1,
        extra: { kernel: 12 },
      },
      {
        name: `${PROMETHEUS.name} machine idle in the window`,
        median: 1,
        unit: '%',
        runs: 1,
        extra: { kernel: 4 },
      },
    ]);
  });

  test('no idle shares where a run has none (not Linux, or a window under a second)', () => {
    const figure = summarise(
      [
        withMachine(runOf(CONNECTOR.name, 200_000), 0.1, 0.12),
        runOf(CONNECTOR.name, 210_000),
        withMachine(runOf(PROMETHEUS.name, 200_000), 0.01, 0.04),
      ],
      [],
    );
    expect(figure.note).not.toContain('idle');
    expect(figure.measurements.map((m) => m.name)).toEqual(
      expect.not.arrayContaining([`${CONNECTOR.name} machine idle in the window`]),
    );
    expect(figure.measurements.map((m) => m.name)).toContain(`${PROMETHEUS.name} machine idle in the window`);
  });
});

describe('roundOrder', () => {
  const names = (kinds: TargetKind[]) => kinds.map((k) => k.name);
  const all = [CONNECTOR, PROMETHEUS, STORE_ONLY, CONNECTOR_NULL_STORE, VICTORIA_METRICS];

  test.each([
    { round: 0, first: CONNECTOR.name, second: PROMETHEUS.name },
    { round: 1, first: PROMETHEUS.name, second: CONNECTOR.name },
    { round: 2, first: CONNECTOR.name, second: PROMETHEUS.name },
  ])('round $round runs $first, then $second, then the rest as given', ({ round, first, second }) => {
    expect(names(roundOrder(all, round))).toEqual([
      first,
      second,
      STORE_ONLY.name,
      CONNECTOR_NULL_STORE.name,
      VICTORIA_METRICS.name,
    ]);
  });

  test('swaps them where they stand in a subset, and leaves a subset without one of them as given', () => {
    expect(names(roundOrder([STORE_ONLY, PROMETHEUS, CONNECTOR], 1))).toEqual([
      STORE_ONLY.name,
      CONNECTOR.name,
      PROMETHEUS.name,
    ]);
    expect(names(roundOrder([CONNECTOR, STORE_ONLY], 1))).toEqual([CONNECTOR.name, STORE_ONLY.name]);
  });
});
