// SPDX-License-Identifier: Apache-2.0
// Jest's global teardown: removes the run's temporary directory (temp-root-setup.ts).

import { rmSync } from 'node:fs';
import { TEMP_ROOT_VARIABLE } from './temp-root-setup';

export default function teardown(): void {
  const root = process.env[TEMP_ROOT_VARIABLE];
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
}
