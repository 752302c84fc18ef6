// SPDX-License-Identifier: Apache-2.0
// Shared knobs of the reliability tests: seeded run counts (multiplied by SOAK=1 for the long
// variant), the "a client mistake is a short 4xx" assertion, and an optional counts report.

import { appendFileSync } from 'node:fs';
import type { EdgeResponse } from '../support/harness';
import fc from 'fast-check';

/** `SOAK=1` runs every fuzz and fault loop this many times longer (see SECURITY.md, README). */
export const SOAK_FACTOR = 50;
/** Whether the long soak variant runs. */
export const SOAK = process.env.SOAK === '1';
/** Seed of every fast-check run and fault sequence; `FUZZ_SEED` replays another one. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261122);

/** Scales a default run count for the soak variant. */
export const runs = (count: number): number => (SOAK ? count * SOAK_FACTOR : count);

/** Jest timeout of a loop of `count` default runs, scaled like the loop (generous, never asserted). */
export const budgetMs = (baseMs: number): number => (SOAK ? baseMs * SOAK_FACTOR : baseMs);

/** Longest error body the connector may answer with (a few short lines, never an echo of the input). */
export const MAX_ERROR_BODY_BYTES = 4096;

/**
 * Returns a description of what is wrong with a response to client input (undefined when fine):
 * a status outside `allowed`, or an error status without a short plain-text body.
 */
export function checkClientResponse(response: EdgeResponse, allowed: readonly number[]): string | undefined {
  if (!allowed.includes(response.status))
    return `status ${response.status} not in [${allowed.join(', ')}]: ${response.body.toString('utf8', 0, 300)}`;
  if (response.status < 400) return undefined;
  if (!(response.headers['content-type'] ?? '').startsWith('text/plain'))
    return `error content-type ${response.headers['content-type']}`;
  if (response.body.length === 0 || response.body.length > MAX_ERROR_BODY_BYTES)
    return `error body of ${response.body.length} bytes`;
  return undefined;
}

/**
 * Appends what a test ran (inputs tried, faults injected, samples verified) as one JSON line to
 * the file named by RELIABILITY_COUNTS, so the numbers can be quoted; nothing happens without it.
 */
export function reportCounts(test: string, counts: Record<string, number>): void {
  const file = process.env.RELIABILITY_COUNTS;
  if (file === undefined || file === '') return;
  appendFileSync(file, JSON.stringify({ test, soak: SOAK, seed: FUZZ_SEED, ...counts }) + '\n');
}

/** Runs a seeded async fast-check property (the fuzz seed, `numRuns` runs). */
export const property = <T>(
  arbitrary: fc.Arbitrary<T>,
  check: (value: T) => Promise<void>,
  numRuns: number,
) => fc.assert(fc.asyncProperty(arbitrary, check), { seed: FUZZ_SEED, numRuns });
