// SPDX-License-Identifier: Apache-2.0
// The parts of a StoreError a caller sees, for tests: toThrow(error) compares the message only,
// not the error's Timestream type or HTTP status.

import type { StoreError } from '../../../lambda/local-store/errors';

/** The type, message and status `run` is refused with. @throws when it is not refused */
export function refusal(run: () => unknown): { type: string; message: string; status: number } {
  try {
    run();
  } catch (error) {
    const { type, message, status } = error as StoreError;
    return { type, message, status };
  }
  throw new Error('expected a refusal');
}
