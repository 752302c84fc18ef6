// SPDX-License-Identifier: Apache-2.0
import {
  cacheMemoryBytes,
  lambdaFunctionMemoryMb,
  lambdaRequestLimit,
} from '../../../lambda/config/function-memory';

test.each([
  [{ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' }, 512],
  [{ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' }, 128],
  [{}, Number.NaN],
  [{ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'lots' }, Number.NaN],
])('reads the function memory from %j', (env, want) => {
  expect(lambdaFunctionMemoryMb(env)).toBe(want);
});

const MiB = 1024 * 1024;
test.each([
  ['a Lambda function smaller than the heap', 4096 * MiB, 512, 512 * MiB],
  ['a heap smaller than the Lambda function', 96 * MiB, 1024, 96 * MiB],
  ['outside Lambda', 4096 * MiB, Number.NaN, 4096 * MiB],
  ['a memory size of 0 (no cap, never a cache of 0 bytes)', 4096 * MiB, 0, 4096 * MiB],
])('sizes caches against the smaller of heap and function memory: %s', (_, heap, mb, want) => {
  expect(cacheMemoryBytes(heap, mb)).toBe(want);
});

test.each([
  ['a 512 MB function', 100_000, 512, 12_500],
  ['a 128 MB function, rounding down', 1_000, 128, 31],
  ['a limit that would round to 0', 1, 128, 1],
  ['a function of 4096 MB or more', 100_000, 10_240, 100_000],
  ['outside Lambda', 100_000, Number.NaN, 100_000],
  ['a memory size of 0', 100_000, 0, 100_000],
])('scales a request limit to %s', (_, limit, mb, want) => {
  expect(lambdaRequestLimit(limit, mb)).toBe(want);
});
