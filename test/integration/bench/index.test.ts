// SPDX-License-Identifier: Apache-2.0
// `npm run bench`'s exit status, through bench/index.ts as npm runs it (a tsx process, each figure
// in a child of its own). Only failures are run here: a figure that measures takes minutes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TSX_ARGS } from '../../../bench/tsx-child';

const INDEX = join(__dirname, '../../../bench/index.ts');
const KNOWN = 'known: connector, prometheus, store, null-store, victoria-metrics';

// Each case starts a tsx process and, for a figure, a tsx child (~1-2 s each on this machine).
jest.setTimeout(60_000);

function bench(args: string[], env: NodeJS.ProcessEnv) {
  return promisify(execFile)(process.execPath, [...TSX_ARGS, INDEX, ...args], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
  });
}

describe('npm run bench exit status', () => {
  test.each([
    {
      name: 'an unknown figure-4 target',
      env: { BENCH_INGEST_TARGETS: 'connector,bogus' },
      reason: `BENCH_INGEST_TARGETS: unknown target "bogus" (${KNOWN})`,
    },
    {
      name: 'a run count of zero',
      env: { BENCH_INGEST_RUNS: '0' },
      reason: 'BENCH_INGEST_RUNS: expected a whole number from 1 to 999, got "0"',
    },
  ])('1, with the reason in the figure row, when a figure cannot run: $name', async ({ env, reason }) => {
    const run = bench(['--quick', '--figures', '4'], env);
    await expect(run).rejects.toMatchObject({ code: 1 });
    const { stdout, stderr } = (await run.catch((error: unknown) => error)) as {
      stdout: string;
      stderr: string;
    };
    expect(stdout).toContain(`\nfigure 4: failed: ${reason}\n`);
    expect(stdout).toContain(`\n| 4 | failed: ${reason} | | |\n`);
    expect(stderr).toBe('npm run bench: figure 4 did not run\n');
  });

  it('2, before running anything, for a bad argument', async () => {
    await expect(bench(['--figures', '9'], {})).rejects.toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        "npm run bench: option '--figures <ids>' argument '9' is invalid. " +
        '"9" is not a figure (figures are 1, 2, 3, 4, 5, 6).\n',
    });
  });
});
