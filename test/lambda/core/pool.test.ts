// SPDX-License-Identifier: Apache-2.0
import { runBounded } from '../../../lambda/core/pool';

describe('runBounded', () => {
  test('runs every task once with at most `concurrency` in flight', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await runBounded(10, 3, async (i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      seen.push(i);
      running--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
  });

  test('starts no new task after one returns false', async () => {
    const started: number[] = [];
    await runBounded(10, 1, async (i) => {
      started.push(i);
      return i !== 2;
    });
    expect(started).toEqual([0, 1, 2]);
  });

  test('resolves immediately for zero tasks', async () => {
    await expect(runBounded(0, 4, async () => true)).resolves.toBeUndefined();
  });
});
