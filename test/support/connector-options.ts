// SPDX-License-Identifier: Apache-2.0
// Connector options for tests: the standalone server's behaviour (basic auth, no fail-on flags,
// default decode limits, no response limit) with the fields a test cares about overridden.

import { DEFAULT_DECODE_LIMITS } from '../../lambda/codec/remote';
import type { ConnectorOptions } from '../../lambda/core/connector';

/** Options for `createConnector`: one write and one read call at a time unless overridden. */
export function connectorOptions(overrides: Partial<ConnectorOptions> = {}): ConnectorOptions {
  return {
    database: 'db',
    table: 't',
    sigv4Auth: false,
    failOnLongLabel: false,
    failOnInvalidSampleValue: false,
    writeConcurrency: 1,
    readConcurrency: 1,
    decodeLimits: DEFAULT_DECODE_LIMITS,
    maxResponseBytes: 0,
    ...overrides,
  };
}
