// SPDX-License-Identifier: Apache-2.0
// The shape every benchmark figure reports, so `npm run bench` can print one table.

/** One measured quantity of a figure, e.g. "decode µs/sample": median over `runs`. */
export interface Measurement {
  name: string;
  /** Median over the runs. */
  median: number;
  unit: string;
  runs: number;
  /** Other percentiles or values worth printing, e.g. { p99: 41.2 }. */
  extra?: Record<string, number>;
}

export interface FigureResult {
  /** 1..6, as numbered in issue 7 and SPEC section 9. */
  id: number;
  title: string;
  measurements: Measurement[];
  /** The target as text, e.g. "≤ 3 µs/sample". */
  target: string;
  /** The figure the target applies to, and its value (a ratio or absolute). */
  headline: { name: string; value: number; unit: string };
  met: boolean;
  /** When not met: why, and what would close it. */
  note?: string;
}

/** A figure module exports `run` and is listed in bench/index.ts. */
export type Figure = (options: { quick: boolean }) => Promise<FigureResult>;
