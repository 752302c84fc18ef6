// SPDX-License-Identifier: Apache-2.0
// Runs the figures in order and renders their results as one plain-text report: machine, every
// measurement (median over runs, with extras), target, headline and whether it is met, and the
// note of a missed target. A figure that throws or is missing is reported, never fatal.

import type { Figure, FigureResult, Measurement } from './types';

/** A figure to run: its number and, when available, its module's `run`. */
export interface FigureEntry {
  id: number;
  run: Figure | undefined;
}

/** A figure's result, or why there is none. */
export type FigureOutcome = { id: number; result: FigureResult } | { id: number; unavailable: string };

/** Runs `figures` one after another (they share the machine, so never concurrently). */
export async function runFigures(
  figures: readonly FigureEntry[],
  options: { quick: boolean },
  onDone: (outcome: FigureOutcome) => void = () => undefined,
): Promise<FigureOutcome[]> {
  const outcomes: FigureOutcome[] = [];
  for (const { id, run } of figures) {
    let outcome: FigureOutcome;
    if (run === undefined) outcome = { id, unavailable: 'not available' };
    else {
      try {
        outcome = { id, result: await run(options) };
      } catch (error) {
        outcome = { id, unavailable: `failed: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    outcomes.push(outcome);
    onDone(outcome);
  }
  return outcomes;
}

/** Renders a number with about four significant digits. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return String(Math.round(value));
  if (magnitude >= 100) return value.toFixed(1);
  if (magnitude >= 10) return value.toFixed(2);
  return value.toFixed(3);
}

function formatMeasurement(m: Measurement): string {
  const extra = Object.entries(m.extra ?? {})
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .join(', ');
  return `    ${m.name}: ${formatNumber(m.median)} ${m.unit} (median of ${m.runs}${extra === '' ? '' : `; ${extra}`})`;
}

/** Renders one figure's outcome as lines of text. */
export function formatOutcome(outcome: FigureOutcome): string {
  if ('unavailable' in outcome) return `figure ${outcome.id}: ${outcome.unavailable}`;
  const r = outcome.result;
  const lines = [
    `figure ${r.id}: ${r.title}`,
    ...r.measurements.map(formatMeasurement),
    `    target ${r.target}; ${r.headline.name} ${formatNumber(r.headline.value)} ${r.headline.unit}: ${r.met ? 'MET' : 'MISSED'}`,
  ];
  if (!r.met && r.note !== undefined) lines.push(`    why: ${r.note}`);
  return lines.join('\n');
}

/** The report's header: what machine and mode the figures come from (`figures`: a subset run). */
export function formatHeader(
  machine: { cores: number; node: string; date: string },
  quick: boolean,
  figures?: readonly number[],
): string {
  const args = [
    ...(quick ? ['--quick'] : []),
    ...(figures === undefined ? [] : ['--figures', figures.join(',')]),
  ];
  return `npm run bench${args.length === 0 ? '' : ` -- ${args.join(' ')}`}: ${machine.cores} cores, node ${machine.node}, ${machine.date}`;
}

/** One line per figure: id, headline, target, met. */
export function formatSummary(outcomes: readonly FigureOutcome[]): string {
  const rows = outcomes.map((o) =>
    'unavailable' in o
      ? `| ${o.id} | ${o.unavailable} | | |`
      : `| ${o.id} | ${o.result.headline.name}: ${formatNumber(o.result.headline.value)} ${o.result.headline.unit} | ${o.result.target} | ${o.result.met ? 'met' : 'missed'} |`,
  );
  return ['| figure | measured (median) | target | |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
