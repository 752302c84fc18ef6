// SPDX-License-Identifier: Apache-2.0
// Heap measurements for tests that check what a request's handling keeps alive.

import { getHeapSpaceStatistics } from 'node:v8';

/**
 * Bytes used on the V8 heap outside the young generation. What a request keeps while it is open
 * survives the scavenges its own garbage triggers and is promoted, so it shows here; its garbage
 * does not. `heapUsed` counts the young generation too, whose size varies by Node version (a
 * body read one byte per chunk left ~56 MB of garbage there on Node 24 against under 40 MB on
 * Node 20 and 22, with nothing kept).
 */
export function heapOutsideYoungGeneration(): number {
  let used = 0;
  for (const space of getHeapSpaceStatistics())
    if (space.space_name !== 'new_space') used += space.space_used_size;
  return used;
}
