// SPDX-License-Identifier: Apache-2.0
// How the AWS Lambda Node.js runtime starts the function's process, so that the figures timing the
// Lambda bundle (1 and 6) run it the same way instead of under plain `node`.
//
// The runtime's bootstrap script (/var/runtime/bootstrap in the Node.js base images) sizes V8's
// heap from the function's memory: a tenth of it for the young generation, half of that per
// semi-space, the rest for the old generation, passed as `--max-semi-space-size` and
// `--max-old-space-size` (integer MB arithmetic, `expr`). Public copies of the nodejs14.x and
// nodejs18.x bootstraps show it; the nodejs22.x and nodejs24.x ones were not reachable from the bench
// machine.
// The young generation matters for figure 1: a request's decoded series and batches live until its
// calls are answered, and plain `node` on the bench machine gives them a smaller semi-space.

import { PARAMETERS } from '../lib/stack-facts';

/** The function's memory in MB when deployed with the template's defaults. */
export const DEFAULT_FUNCTION_MEMORY_MB = PARAMETERS.MemorySize.default;

/** The V8 flags the Lambda runtime passes to `node` for a function of `memoryMb` MB. */
export function lambdaRuntimeNodeArgs(memoryMb: number = DEFAULT_FUNCTION_MEMORY_MB): string[] {
  if (!Number.isInteger(memoryMb) || memoryMb <= 0)
    throw new RangeError(`memory must be a positive integer of MB, got ${memoryMb}`);
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

/** The environment variable through which the runtime tells the function its memory. */
export function lambdaRuntimeEnv(memoryMb: number = DEFAULT_FUNCTION_MEMORY_MB): Record<string, string> {
  return { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb) };
}
