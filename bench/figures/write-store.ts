// SPDX-License-Identifier: Apache-2.0
// The connector as the write figures run it: the integration harness (embedded store over real
// HTTP, real SDK clients, the Lambda edge) configured with the shipped defaults.

import { startHarness, type Harness } from '../../test/support/harness';
import type { FaultSettings } from '../../lambda/local-store';
import { settingDefault } from '../support';

/** Starts the harness with the shipped write/read concurrency and socket pool, plus `overrides`. */
export async function startDefaultHarness(
  options: { faults?: FaultSettings; writeConcurrency?: number; writeEndpoint?: string } = {},
): Promise<Harness> {
  const writeConcurrency = options.writeConcurrency ?? (settingDefault('writeConcurrency') as number);
  const readConcurrency = settingDefault('readConcurrency') as number;
  return startHarness({
    store: { faults: options.faults },
    connector: { writeConcurrency, readConcurrency },
    // As lambda/entrypoints/runtime.ts sizes it: a socket for every concurrent call of a few requests.
    clients: {
      maxSockets: Math.max(writeConcurrency, readConcurrency) * 4,
      maxWriteRetries: 3,
      ...(options.writeEndpoint === undefined ? {} : { writeEndpoint: options.writeEndpoint }),
    },
  });
}
