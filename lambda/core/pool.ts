// SPDX-License-Identifier: Apache-2.0
// A bounded worker pool: runs tasks with at most `concurrency` in flight and lets callers stop
// launching new tasks early (e.g. after a failure that makes the rest pointless).

/**
 * Runs `task(i)` for i in [0, count) with at most `concurrency` running at once. A task returning
 * `false` stops new tasks from being started; running ones finish. Resolves when all started
 * tasks have settled. Tasks must not throw (they report their own outcome).
 */
export async function runBounded(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<boolean | void>,
): Promise<void> {
  let next = 0;
  let stopped = false;
  const worker = async (): Promise<void> => {
    while (!stopped && next < count) {
      const index = next++;
      if ((await task(index)) === false) stopped = true;
    }
  };
  const workers = Math.max(1, Math.min(concurrency, count));
  await Promise.all(Array.from({ length: workers }, worker));
}
