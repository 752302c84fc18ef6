// SPDX-License-Identifier: Apache-2.0
import { spawnSync } from 'node:child_process';
import {
  DEFAULT_FUNCTION_MEMORY_MB,
  lambdaRuntimeEnv,
  lambdaRuntimeNodeArgs,
} from '../../bench/lambda-runtime';
import { PARAMETERS } from '../../lib/stack-facts';

describe('lambdaRuntimeNodeArgs', () => {
  test.each([
    { memoryMb: 128, semi: 6, old: 116 },
    { memoryMb: 512, semi: 25, old: 461 },
    { memoryMb: 1024, semi: 51, old: 922 },
    { memoryMb: 1769, semi: 88, old: 1593 },
    { memoryMb: 10240, semi: 512, old: 9216 },
  ])('sizes the heap of a $memoryMb MB function as the runtime bootstrap does', ({ memoryMb, semi, old }) => {
    expect(lambdaRuntimeNodeArgs(memoryMb)).toEqual([
      `--max-semi-space-size=${semi}`,
      `--max-old-space-size=${old}`,
    ]);
  });

  test('defaults to the template default memory', () => {
    expect(DEFAULT_FUNCTION_MEMORY_MB).toBe(PARAMETERS.MemorySize.default);
    expect(lambdaRuntimeNodeArgs()).toEqual(['--max-semi-space-size=25', '--max-old-space-size=461']);
    expect(lambdaRuntimeEnv()).toEqual({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' });
  });

  test.each([0, -512, 512.5, Number.NaN])('refuses a memory size of %p', (memoryMb) => {
    expect(() => lambdaRuntimeNodeArgs(memoryMb)).toThrow(RangeError);
  });

  test('are flags this node accepts', () => {
    const result = spawnSync(
      process.execPath,
      [...lambdaRuntimeNodeArgs(), '-e', 'process.stdout.write("ok")'],
      {
        encoding: 'utf8',
      },
    );
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 0,
      stdout: 'ok',
      stderr: '',
    });
  });
});
