// SPDX-License-Identifier: Apache-2.0
// `npm run bench` (`-- --quick` for a smoke run): runs the six figures of issue 7 / SPEC section 9
// in order, each in a process of its own, and prints every measurement, the machine's core count,
// and a summary table.
// Benchmarks report; nothing here asserts, and no test asserts on time.

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { inChildProcess } from './figure-process';
import { formatHeader, formatOutcome, formatSummary, runFigures, type FigureEntry } from './report';

/** The AWS SDK's switch for its one-time Node.js version notice. */
const QUIET_SDK_NOTICE = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** The figures' modules, in the order of issue 7 and SPEC section 9. */
const FIGURE_MODULES = ['write-cpu', 'write-cost', 'write-latency', 'ingest', 'read-latency', 'cold-start'];

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  // Each figure runs in a fresh process: see figure-process.ts. The AWS SDK's notice about Node.js
  // versions (README "Quick start") would come once per process; the first figure's is enough.
  const figures: FigureEntry[] = FIGURE_MODULES.map((name, i) => ({
    id: i + 1,
    run: inChildProcess(join(__dirname, 'figures', `${name}.ts`), i === 0 ? {} : QUIET_SDK_NOTICE),
  }));
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
