// SPDX-License-Identifier: Apache-2.0
// The first bytes of a file, to tell what it is before a loader gives a misleading error about it
// (a snappy.node built for another architecture, a SQLite file where a DuckDB one should be).

import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The first `length` bytes of the file at `path`, or undefined when it is shorter or cannot be
 * opened or read (missing, a directory: EISDIR, no permission). Never throws.
 */
export function readFileHead(path: string, length: number): Buffer | undefined {
  const head = Buffer.alloc(length);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    return readSync(fd, head, 0, length, 0) === length ? head : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
