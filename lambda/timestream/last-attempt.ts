// SPDX-License-Identifier: Apache-2.0
// Keeps what an SDK call's attempts failed with when the call is stopped by its abort signal (a
// Lambda deadline, a shutdown, a client gone): the SDK then rejects with a bare AbortError, and
// the answer and the log line would not say that Timestream had been throttling every attempt.

import type { MiddlewareStack } from '@smithy/types';

/** An SDK command: each has a middleware stack of its own, added to the client's for its call. */
export interface RecordableCommand<I extends object, O extends object> {
  middlewareStack: MiddlewareStack<I, O>;
}

/** The SDK's error of a stopped call (its `name`; the SDK's own AbortError or ours, http1-client.ts). */
const isAbort = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';

/**
 * Runs `send`, which sends `command` (with its abort signal). When the call ends stopped by that
 * signal after an attempt had failed, the AbortError it rejects with holds that attempt's error as
 * `lastAttemptError` (fromAwsError names it); any other outcome is the SDK's own.
 */
export async function sendRecordingAttempts<I extends object, O extends object>(
  command: RecordableCommand<I, O>,
  send: () => Promise<O>,
): Promise<O> {
  let lastAttemptError: unknown;
  // NOTE: after the SDK's retry middleware (finalizeRequest, high priority), so each attempt passes
  // through it, and before the deserializer, whose errors it sees; an attempt stopped by the abort
  // is not what the call kept failing with.
  command.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (!isAbort(error)) lastAttemptError = error;
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'recordLastAttemptError' },
  );
  try {
    return await send();
  } catch (error) {
    if (isAbort(error) && lastAttemptError !== undefined && typeof error === 'object' && error !== null)
      Object.defineProperty(error, 'lastAttemptError', { value: lastAttemptError, enumerable: false });
    throw error;
  }
}

/** The error of the last failed attempt of a call that was then stopped, or undefined. */
export function lastAttemptErrorOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { lastAttemptError?: unknown }).lastAttemptError
    : undefined;
}
