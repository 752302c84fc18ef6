// SPDX-License-Identifier: Apache-2.0
import { summarise, unstoredSamples, type TargetRun } from '../../../bench/figures/ingest';
import { CONNECTOR, PROMETHEUS } from '../../../bench/ingest/targets';

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

  test('without Prometheus, says there is no ratio instead of a NaN shortfall', () => {
    const figure = summarise([runOf(CONNECTOR.name, 200_000)], [prometheusMissing]);
    expect(figure.met).toBe(false);
    expect(figure.headline.value).toBeNaN();
    expect(figure.note).toBe(
      "No ratio: Prometheus' receiver was not measured in this run, so the target cannot be judged. " +
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
    if (!met) expect(figure.note).toMatch(/^The connector reaches 1\.00× Prometheus\. It is CPU-bound/);
  });
});
