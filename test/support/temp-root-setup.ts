// SPDX-License-Identifier: Apache-2.0
// Jest's global setup. Each run gets one temporary directory, and TMPDIR points at it for the
// run's workers and the processes they start. What tests leave in os.tmpdir() (the stores' data
// directories, CDK cloud assemblies, scratch files of spawned processes) goes with it at the end
// of the run (temp-root-teardown.ts), instead of piling up in the machine's /tmp (~70 MB per full
// run before).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPECTED_NODE_VARIABLE } from '../../scripts/on-node';

/** Names the run's directory for the teardown, which runs in the same process as the setup. */
export const TEMP_ROOT_VARIABLE = 'CONNECTOR_TEST_TMP_ROOT';

export default function setup(): void {
  // Set by scripts/on-node.ts, and checked here, in the process that starts jest's workers: a
  // PATH that did not put that Node first fails the run instead of testing Node 20 as Node 24.
  const expected = process.env[EXPECTED_NODE_VARIABLE];
  if (expected !== undefined && expected !== process.version) {
    throw new Error(`${EXPECTED_NODE_VARIABLE} is ${expected}, but jest runs on Node ${process.version}`);
  }
  const root = mkdtempSync(join(tmpdir(), 'connector-tests-'));
  process.env[TEMP_ROOT_VARIABLE] = root;
  process.env.TMPDIR = root;
}
