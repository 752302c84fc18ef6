// SPDX-License-Identifier: Apache-2.0
// Captures the ConnectorError a call throws, so tests can assert on its kind, status and message.

import { ConnectorError } from '../../lambda/core/errors';

/** Runs `fn` and returns the ConnectorError it throws; fails if it throws nothing or something else. */
export function caught(fn: () => unknown): ConnectorError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error('expected a ConnectorError');
}
