// SPDX-License-Identifier: Apache-2.0
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inChildProcess } from '../../../bench/figure-process';

const fixture = (name: string) => join(__dirname, 'fixtures', `${name}.ts`);

// Each case starts a tsx child (~1 s on this machine).
jest.setTimeout(30_000);

describe('a figure run in a process of its own', () => {
  test.each([false, true])(
    'hands back the exact result (quick %s), NaN and Infinity included',
    async (quick) => {
      await expect(inChildProcess(fixture('figure-reports'))({ quick })).resolves.toEqual({
        id: 5,
        title: `fixture, quick ${quick}`,
        measurements: [
          { name: 'ratio', median: 1.25, unit: '×', runs: 3, extra: { min: NaN, max: Infinity } },
        ],
        target: '≤ 1.5×',
        headline: { name: 'ratio', value: 1.25, unit: '×' },
        met: true,
      });
    },
  );

  test.each([
    { name: 'figure-throws', error: 'the store did not start' },
    { name: 'figure-exits', error: "the figure's process exited with code 3 before reporting" },
    { name: 'figure-none', error: `${fixture('figure-none')} exports no run function` },
  ])('rejects for $name with its reason', async ({ name, error }) => {
    await expect(inChildProcess(fixture(name))({ quick: false })).rejects.toThrow(new Error(error));
  });

  test.each([
    { env: undefined, title: 'BENCH_FIXTURE_VALUE=(unset)' },
    { env: { BENCH_FIXTURE_VALUE: 'quiet' }, title: 'BENCH_FIXTURE_VALUE=quiet' },
  ])('runs the figure with this environment and the extra variables: $title', async ({ env, title }) => {
    const result = await inChildProcess(fixture('figure-env'), env)({ quick: false });
    expect(result.title).toBe(title);
  });

  it('refuses to run without a parent to report to', async () => {
    const run = promisify(execFile)(process.execPath, [
      '--require',
      require.resolve('tsx/cjs'),
      join(__dirname, '../../../bench/figure-process.ts'),
      fixture('figure-reports'),
    ]);
    await expect(run).rejects.toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'figure-process.ts runs as a child of bench/index.ts (it reports over IPC)\n',
    });
  });
});
