// SPDX-License-Identifier: Apache-2.0
// `npm run bench` (`-- --quick` for a smoke run): runs the six figures of issue 7 / SPEC section 9
// in order and prints every measurement, the machine's core count, and a summary table.
// Benchmarks report; nothing here asserts, and no test asserts on time.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { run as writeCpu } from './figures/write-cpu';
import { run as writeCost } from './figures/write-cost';
import { run as writeLatency } from './figures/write-latency';
import { run as readLatency } from './figures/read-latency';
import { run as coldStart } from './figures/cold-start';
import { formatHeader, formatOutcome, formatSummary, runFigures, type FigureEntry } from './report';
import type { Figure } from './types';

/** Figure 4 (local-mode ingest) lives in its own module, written separately; it may be absent. */
function ingestFigure(): Figure | undefined {
  const path = join(__dirname, 'figures', 'ingest.ts');
  if (!existsSync(path)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path) as { run?: Figure }).run;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const figures: FigureEntry[] = [
    { id: 1, run: writeCpu },
    { id: 2, run: writeCost },
    { id: 3, run: writeLatency },
    { id: 4, run: ingestFigure() },
    { id: 5, run: readLatency },
    { id: 6, run: coldStart },
  ];
  const machine = {
    cores: availableParallelism(),
    node: process.versions.node,
    date: new Date().toISOString(),
  };
  console.log(formatHeader(machine, quick));
  const outcomes = await runFigures(figures, { quick }, (outcome) =>
    console.log(`\n${formatOutcome(outcome)}`),
  );
  console.log(`\n${formatSummary(outcomes)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
