// SPDX-License-Identifier: Apache-2.0
// The memory the Lambda runtime gives the function, for caches that size themselves to it. Read
// here because only config/ and the entry points read the process environment (STYLE 6.4).

import { getHeapStatistics } from 'node:v8';

/**
 * Memory of the Lambda function in MB: NaN outside Lambda or when the value is not a number, 0 when
 * it is empty (`Number('')`); cacheMemoryBytes takes anything but a positive size as no cap.
 */
export function lambdaFunctionMemoryMb(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? Number.NaN);
}

/**
 * The memory process-wide caches may size themselves against: the smaller of V8's heap limit and
 * the Lambda function's memory size (bytes).
 */
export function cacheMemoryBytes(
  heapLimitBytes = getHeapStatistics().heap_size_limit,
  lambdaMemoryMb = lambdaFunctionMemoryMb(),
): number {
  const lambdaBytes = lambdaMemoryMb > 0 ? lambdaMemoryMb * 1024 * 1024 : Infinity;
  return Math.min(heapLimitBytes, lambdaBytes);
}
