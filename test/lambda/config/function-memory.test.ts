// SPDX-License-Identifier: Apache-2.0
import { lambdaFunctionMemoryMb } from '../../../lambda/config/function-memory';

test.each([
  [{ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' }, 512],
  [{ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' }, 128],
  [{}, Number.NaN],
  [{ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'lots' }, Number.NaN],
])('reads the function memory from %j', (env, want) => {
  expect(lambdaFunctionMemoryMb(env)).toBe(want);
});
