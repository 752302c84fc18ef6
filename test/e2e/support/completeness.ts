// SPDX-License-Identifier: Apache-2.0
// Compares what the writer Prometheus holds in its own TSDB with what the reader Prometheus gets
// back through the connector: same series (plus the writer's external labels) and the same samples,
// timestamps and values compared as the strings Prometheus prints.

import type { MatrixSeries } from './prometheus';

/** How many problems a report lists; the counts cover all of them. */
const MAX_LISTED_PROBLEMS = 10;
/** The value strings Prometheus prints for non-finite floats. */
const NON_FINITE_VALUES = new Set(['NaN', '+Inf', '-Inf']);

/** The outcome of {@link compareMatrices}. */
export interface CompletenessReport {
  /** Series the writer holds with at least one finite sample in the window. */
  series: number;
  /** The expected series' keys ({@link seriesKey}), sorted. */
  expectedSeries: string[];
  /** Finite samples the writer holds in the window (what the store must hold once each). */
  samples: number;
  /** Non-finite samples the writer holds: the connector skips them by contract (SPEC 4). */
  nonFiniteSamples: number;
  /** Up to MAX_LISTED_PROBLEMS descriptions of differences; empty when complete. */
  problems: string[];
  /** How many differences there are in all. */
  problemCount: number;
}

/**
 * Compares the writer's raw samples with the reader's. Remote write attaches the writer's external
 * labels to every series, and the reader (which has none) returns them, so the expected label set
 * is the writer's plus `externalLabels`. Non-finite samples never reach Timestream (SPEC 4), so they
 * are left out of the expectation, and a series with only such samples is not expected at all.
 */
export function compareMatrices(
  writer: readonly MatrixSeries[],
  reader: readonly MatrixSeries[],
  externalLabels: Readonly<Record<string, string>>,
): CompletenessReport {
  const expected = new Map<string, string[]>();
  let samples = 0;
  let nonFiniteSamples = 0;
  for (const series of writer) {
    const finite = series.values.filter(([, value]) => !NON_FINITE_VALUES.has(value));
    nonFiniteSamples += series.values.length - finite.length;
    if (finite.length === 0) continue;
    samples += finite.length;
    expected.set(seriesKey({ ...series.metric, ...externalLabels }), finite.map(sampleText));
  }
  const actual = new Map(reader.map((series) => [seriesKey(series.metric), series.values.map(sampleText)]));

  const problems: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (got === undefined) {
      problems.push(`missing series ${key} (${want.length} samples)`);
    } else if (got.join() !== want.join()) {
      const index = firstDifference(want, got);
      problems.push(
        `series ${key}: writer has ${want.length} samples, reader ${got.length}; first difference at #${index}: writer ${want[index] ?? 'nothing'}, reader ${got[index] ?? 'nothing'}`,
      );
    }
  }
  for (const [key, got] of actual) {
    if (!expected.has(key)) problems.push(`unexpected series ${key} (${got.length} samples)`);
  }
  return {
    series: expected.size,
    expectedSeries: [...expected.keys()].sort(),
    samples,
    nonFiniteSamples,
    problems: problems.slice(0, MAX_LISTED_PROBLEMS),
    problemCount: problems.length,
  };
}

/** Formats a label set the way PromQL prints it, labels sorted by name (code-unit order suffices for ASCII names). */
export function seriesKey(labels: Readonly<Record<string, string>>): string {
  const { __name__: name = '', ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((label) => `${label}=${JSON.stringify(rest[label])}`);
  return `${name}{${pairs.join(',')}}`;
}

function sampleText([seconds, value]: [number, string]): string {
  return `${Math.round(seconds * 1000)}=${value}`;
}

function firstDifference(a: readonly string[], b: readonly string[]): number {
  let index = 0;
  while (index < a.length && index < b.length && a[index] === b[index]) index += 1;
  return index;
}
