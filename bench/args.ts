// SPDX-License-Identifier: Apache-2.0
// The command line of `npm run bench`: `--quick` for a smoke run, `--figures 4,5` for a subset.

import { Command, CommanderError, InvalidArgumentError } from 'commander';

/** Columns `--help` wraps at, whatever the terminal (so its text is the same everywhere). */
const HELP_WIDTH = 100;

/** The figures of issue 7 / SPEC section 9, in order: figure n is `bench/figures/<FIGURE_MODULES[n - 1]>.ts`. */
export const FIGURE_MODULES = [
  'write-cpu',
  'write-cost',
  'write-latency',
  'ingest',
  'read-latency',
  'cold-start',
];

/** The figures' numbers, 1 up to FIGURE_MODULES.length. */
export const FIGURE_IDS: readonly number[] = FIGURE_MODULES.map((_, i) => i + 1);

export interface BenchArgs {
  quick: boolean;
  /** Figure numbers to run, ascending, each once. */
  figures: number[];
}

/** A command line `npm run bench` cannot run; the message says why. */
export class BenchArgsError extends Error {
  override name = 'BenchArgsError';
}

function figureList(value: string): number[] {
  const ids = value.split(',').map((part) => part.trim());
  for (const id of ids) {
    if (!/^[1-9][0-9]*$/.test(id) || !FIGURE_IDS.includes(Number(id)))
      throw new InvalidArgumentError(`"${id}" is not a figure (figures are ${FIGURE_IDS.join(', ')}).`);
  }
  return [...new Set(ids.map(Number))].sort((a, b) => a - b);
}

/**
 * Parses the user arguments (`process.argv.slice(2)`). `--help` prints through `writeOut` and
 * throws a BenchArgsError with an empty message; anything else it cannot use throws one naming it.
 */
export function parseBenchArgs(argv: readonly string[], writeOut: (text: string) => void): BenchArgs {
  const program = new Command('npm run bench --')
    .description('Runs the performance figures of SPEC section 9, each in a process of its own.')
    .option('--quick', 'a smoke run: fewer runs, a smaller read data set')
    .option(
      '--figures <ids>',
      `comma-separated figures to run (default: all of ${FIGURE_IDS.join(', ')})`,
      figureList,
    )
    .allowExcessArguments(false)
    .configureOutput({ writeOut, writeErr: () => undefined, getOutHelpWidth: () => HELP_WIDTH })
    .exitOverride();
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError)
      throw new BenchArgsError(
        error.code === 'commander.helpDisplayed' ? '' : error.message.replace(/^error: /, ''),
      );
    throw error;
  }
  const options = program.opts<{ quick?: boolean; figures?: number[] }>();
  return { quick: options.quick === true, figures: options.figures ?? [...FIGURE_IDS] };
}
