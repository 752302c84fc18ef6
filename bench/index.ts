// SPDX-License-Identifier: Apache-2.0
// `npm run bench` (`-- --quick` for a smoke run, `-- --figures 4,5` for some): runs the six figures
// of issue 7 / SPEC section 9 in order, each in a process of its own, and prints every measurement,
// the machine's core count, and a summary table.
// Benchmarks report; nothing here asserts, and no test asserts on time. Exit status 1 when a figure
// could not run (a missed target is a result, not a failure), 2 for bad arguments.

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { BenchArgsError, FIGURE_IDS, FIGURE_MODULES, parseBenchArgs, type BenchArgs } from './args';
import { inChildProcess } from './figure-process';
import { formatHeader, formatOutcome, formatSummary, runFigures, type FigureEntry } from './report';

/** The AWS SDK's switch for its one-time Node.js version notice. */
const QUIET_SDK_NOTICE = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

async function main(): Promise<void> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2), (text) => process.stdout.write(text));
  } catch (error) {
    if (!(error instanceof BenchArgsError)) throw error;
    if (error.message !== '') process.stderr.write(`npm run bench: ${error.message}\n`);
    process.exitCode = error.message === '' ? 0 : 2;
    return;
  }
  const { quick } = args;
  // Each figure runs in a fresh process: see figure-process.ts. The AWS SDK's notice about Node.js
  // versions (README "Quick start") would come once per process; the first figure's is enough.
  const figures: FigureEntry[] = args.figures.map((id, i) => ({
    id,
    run: inChildProcess(
      join(__dirname, 'figures', `${FIGURE_MODULES[id - 1]}.ts`),
      i === 0 ? {} : QUIET_SDK_NOTICE,
    ),
  }));
  const machine = {
    cores: availableParallelism(),
    node: process.versions.node,
    date: new Date().toISOString(),
  };
  const subset = args.figures.length === FIGURE_IDS.length ? undefined : args.figures;
  console.log(formatHeader(machine, quick, subset));
  const outcomes = await runFigures(figures, { quick }, (outcome) =>
    console.log(`\n${formatOutcome(outcome)}`),
  );
  console.log(`\n${formatSummary(outcomes)}`);
  // A missed target is a result; a figure that could not run is not, and scripts should see it.
  const failed = outcomes.filter((o) => 'unavailable' in o).map((o) => o.id);
  if (failed.length > 0) {
    process.stderr.write(
      `npm run bench: figure${failed.length > 1 ? 's' : ''} ${failed.join(', ')} did not run\n`,
    );
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
