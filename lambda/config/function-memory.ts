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

/**
 * Function memory (MB) from which the default request limits apply whole on Lambda. The largest
 * write they accept (100 000 series of 11 labels, 10 samples each, 61 MB decoded) peaked at
 * 1.1-1.2 GB RSS and 700 MB of heap, and killed a 512 MB function; a function's warm caches take
 * up to about half of its memory besides. Below this size the defaults shrink in proportion.
 */
export const FULL_REQUEST_LIMITS_MEMORY_MB = 4096;

/**
 * The default of a per-request limit for a Lambda function of `memoryMb` MB: `limit` scaled by
 * memoryMb / FULL_REQUEST_LIMITS_MEMORY_MB (never below 1), `limit` itself at or above that size
 * and when the memory is unknown (NaN, 0).
 */
export function lambdaRequestLimit(limit: number, memoryMb: number): number {
  if (!(memoryMb > 0) || memoryMb >= FULL_REQUEST_LIMITS_MEMORY_MB) return limit;
  return Math.max(1, Math.floor((limit * memoryMb) / FULL_REQUEST_LIMITS_MEMORY_MB));
}
