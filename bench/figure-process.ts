// SPDX-License-Identifier: Apache-2.0
// Runs one figure in a process of its own and hands its result back over IPC, so no figure
// measures inside the heap, JIT state or open handles another figure left behind. Figure 4 builds
// ~650 MB of request bodies in the process that runs it; figure 5 times ~30 ms reads, which a
// collection of that garbage could land in.
// Usage as a child: `node --require tsx/cjs bench/figure-process.ts <module> [--quick]`.

import { fork } from 'node:child_process';
import { TSX_ARGS } from './tsx-child';
import type { Figure, FigureResult } from './types';

/** What the child sends its parent: the figure's result, or why it has none. */
export type FigureMessage = { result: FigureResult } | { error: string };

/**
 * A Figure that runs the `run` export of `modulePath` in a child process (stdout and stderr
 * shared with this one, this process' environment plus `env`) and resolves with the result it
 * sends back. It rejects with the child's error, or when the child exits without sending a result
 * (a crash, or a signal).
 */
export function inChildProcess(modulePath: string, env: Record<string, string> = {}): Figure {
  return ({ quick }) =>
    new Promise<FigureResult>((resolve, reject) => {
      const child = fork(__filename, [modulePath, ...(quick ? ['--quick'] : [])], {
        env: { ...process.env, ...env },
        execArgv: TSX_ARGS,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        // Structured clone keeps NaN and Infinity, which JSON would turn into null.
        serialization: 'advanced',
      });
      let message: FigureMessage | undefined;
      child.once('message', (m: FigureMessage) => (message = m));
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        if (message !== undefined && 'result' in message) resolve(message.result);
        else if (message !== undefined) reject(new Error(message.error));
        else
          reject(new Error(`the figure's process exited with ${signal ?? `code ${code}`} before reporting`));
      });
    });
}

/** The child's side: runs the figure and reports, then exits (a figure may leave timers behind). */
async function runAsChild(modulePath: string, quick: boolean): Promise<void> {
  let message: FigureMessage;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { run } = require(modulePath) as { run?: Figure };
    if (typeof run !== 'function') throw new Error(`${modulePath} exports no run function`);
    message = { result: await run({ quick }) };
  } catch (error) {
    message = { error: error instanceof Error ? error.message : String(error) };
  }
  await new Promise<void>((resolve, reject) =>
    process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())),
  );
  process.exit(0);
}

if (require.main === module) {
  if (process.send === undefined) {
    process.stderr.write('figure-process.ts runs as a child of bench/index.ts (it reports over IPC)\n');
    process.exit(2);
  }
  void runAsChild(process.argv[2], process.argv.includes('--quick'));
}
