// SPDX-License-Identifier: Apache-2.0
// The e2e support code's own logic, without Prometheus: the completeness comparison, the reading
// of Prometheus' /metrics page and the binary check behind the skip-or-fail decision.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingBinaries } from './support/binaries';
import { compareMatrices, seriesKey } from './support/completeness';
import type { MatrixSeries } from './support/prometheus';
import { sumMetric } from './support/prometheus';

const EXTERNAL = { cluster: 'e2e', replica: 'writer' };
const up = (values: [number, string][], extra: Record<string, string> = {}): MatrixSeries => ({
  metric: { __name__: 'up', job: 'prometheus', ...extra },
  values,
});

describe('compareMatrices', () => {
  test.each([
    {
      name: 'accepts the same samples with the external labels added',
      writer: [
        up([
          [1.5, '1'],
          [2.5, '0.1'],
        ]),
      ],
      reader: [
        up(
          [
            [1.5, '1'],
            [2.5, '0.1'],
          ],
          EXTERNAL,
        ),
      ],
      problems: [],
      samples: 2,
      nonFinite: 0,
    },
    {
      name: 'expects no non-finite samples and no series holding only them',
      writer: [
        up([
          [1, 'NaN'],
          [2, '3'],
        ]),
        up(
          [
            [1, '+Inf'],
            [2, '-Inf'],
          ],
          { quantile: '0.5' },
        ),
      ],
      reader: [up([[2, '3']], EXTERNAL)],
      problems: [],
      samples: 1,
      nonFinite: 3,
    },
    {
      name: 'reports a series read back without the external labels',
      writer: [up([[1, '1']])],
      reader: [up([[1, '1']])],
      problems: [
        'missing series up{cluster="e2e",job="prometheus",replica="writer"} (1 samples)',
        'unexpected series up{job="prometheus"} (1 samples)',
      ],
      samples: 1,
      nonFinite: 0,
    },
    {
      name: 'reports a value that differs in its printed form',
      writer: [
        up([
          [1, '0.1'],
          [2, '0.30000000000000004'],
        ]),
      ],
      reader: [
        up(
          [
            [1, '0.1'],
            [2, '0.3'],
          ],
          EXTERNAL,
        ),
      ],
      problems: [
        'series up{cluster="e2e",job="prometheus",replica="writer"}: writer has 2 samples, reader 2; first difference at #1: writer 2000=0.30000000000000004, reader 2000=0.3',
      ],
      samples: 2,
      nonFinite: 0,
    },
    {
      name: 'reports a missing sample at the millisecond',
      writer: [
        up([
          [1.001, '1'],
          [1.002, '1'],
        ]),
      ],
      reader: [up([[1.001, '1']], EXTERNAL)],
      problems: [
        'series up{cluster="e2e",job="prometheus",replica="writer"}: writer has 2 samples, reader 1; first difference at #1: writer 1002=1, reader nothing',
      ],
      samples: 2,
      nonFinite: 0,
    },
  ])('$name', ({ writer, reader, problems, samples, nonFinite }) => {
    const report = compareMatrices(writer as MatrixSeries[], reader as MatrixSeries[], EXTERNAL);
    expect(report.problems).toEqual(problems);
    expect(report.problemCount).toBe(problems.length);
    expect(report.samples).toBe(samples);
    expect(report.nonFiniteSamples).toBe(nonFinite);
    expect(report.expectedSeries).toHaveLength(report.series);
  });

  test('lists at most ten problems but counts all of them', () => {
    const writer = Array.from({ length: 12 }, (_, i) => up([[1, '1']], { instance: `i${i}` }));
    const report = compareMatrices(writer, [], EXTERNAL);
    expect(report.problems).toHaveLength(10);
    expect(report.problemCount).toBe(12);
  });
});

describe('seriesKey', () => {
  test('prints the name first and the other labels sorted and quoted', () => {
    expect(seriesKey({ job: 'a"b', __name__: 'x', instance: 'h:1' })).toBe('x{instance="h:1",job="a\\"b"}');
  });
});

describe('sumMetric', () => {
  const page = [
    '# HELP prometheus_remote_storage_samples_pending The number of samples pending.',
    '# TYPE prometheus_remote_storage_samples_pending gauge',
    'prometheus_remote_storage_samples_pending{remote_name="a",url="u1"} 3',
    'prometheus_remote_storage_samples_pending{remote_name="b",url="u2"} 4',
    'prometheus_remote_storage_samples_pending_extra 100',
    'prometheus_remote_storage_highest_timestamp_in_seconds 1.795320989e+09',
  ].join('\n');

  test.each([
    {
      name: 'sums every label set of the metric',
      metric: 'prometheus_remote_storage_samples_pending',
      sum: 7,
    },
    {
      name: 'reads a metric without labels in exponent notation',
      metric: 'prometheus_remote_storage_highest_timestamp_in_seconds',
      sum: 1795320989,
    },
  ])('$name', ({ metric, sum }) => {
    expect(sumMetric(page, metric)).toBe(sum);
  });

  test('throws for a metric the page does not expose', () => {
    expect(() => sumMetric(page, 'prometheus_remote_storage_samples')).toThrow(
      'metric prometheus_remote_storage_samples is not exposed',
    );
  });
});

describe('missingBinaries', () => {
  test('names the paths that are absent or not executable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspc-e2e-bin-'));
    try {
      const notExecutable = join(dir, 'aws');
      writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
      expect(missingBinaries(['/bin/sh', join(dir, 'prometheus'), notExecutable])).toEqual([
        join(dir, 'prometheus'),
        notExecutable,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
