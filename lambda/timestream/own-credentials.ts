// SPDX-License-Identifier: Apache-2.0
// The connector's own credentials (SigV4 mode; the Lambda execution role, or the default chain
// standalone): the AWS SDK's default provider chain, shared by the write and query clients, that
// logs why it failed and is not asked again for a moment after failing.

import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { Logger } from '../observability/logger';
import { oneLine } from './errors';

type ChainProvider = ReturnType<typeof defaultProvider>;
type ChainLogger = NonNullable<NonNullable<Parameters<typeof defaultProvider>[0]>['logger']>;

/**
 * How long a failure of the chain answers the calls that come meanwhile, without asking it again.
 * NOTE: each failed ask takes the chain's own retries (4 s with instance metadata that does not
 * answer, 6 s with a container credentials endpoint answering 500), and without this every
 * request resent by Prometheus waited for a new ask; Retry-After is 1 s, so credentials that
 * appear are still used by the next resend but one.
 */
export const CREDENTIALS_FAILURE_HOLD_MS = 1_000;
/** How often a failure with the same reasons is logged again while the chain keeps failing. */
export const CREDENTIALS_FAILURE_LOG_MS = 60_000;
/** Reasons kept per ask: one per link of the chain, and a few links chain again inside. */
const MAX_REASONS = 16;
/** The prefix @smithy/property-provider debug-logs each provider error with. */
const PROVIDER_ERROR = /^@smithy\/property-provider (?:->|\(!\)) ([\s\S]*)$/;

export interface OwnCredentialsOptions {
  /** Where a failure of the chain is logged, with each provider's reason. */
  logger?: Logger;
  /** The chain; tests pass another. @default the SDK's defaultProvider */
  chain?: (init: { logger: ChainLogger }) => ChainProvider;
  /** Monotonic clock (tests). @default performance.now */
  nowMs?: () => number;
}

/**
 * The SDK's default chain, saying why it failed. It throws only "Could not load credentials from
 * any providers", the reason of its last link, and gives each provider's own reason (no
 * environment variables, no such profile, instance metadata refused...) only to its logger at
 * debug level, so an operator could not tell what to fix; here one `error` line names them, once
 * per change of reasons (again every CREDENTIALS_FAILURE_LOG_MS), not once per request.
 */
export function ownCredentials(options: OwnCredentialsOptions = {}): ChainProvider {
  const nowMs = options.nowMs ?? (() => performance.now());
  const reasons: string[] = [];
  const collect = (message: unknown) => {
    const found = PROVIDER_ERROR.exec(String(message))?.[1];
    if (found === undefined || reasons.length >= MAX_REASONS) return;
    // A credential_process command line may carry a secret; its standard error says why it failed.
    const reason = oneLine(found.replace(/^Command failed: .*/, 'credential_process failed:'), 200);
    // The profile and the process providers both run a profile's credential_process.
    if (reasons[reasons.length - 1] !== reason) reasons.push(reason);
  };
  const ignore = () => undefined;
  // NOTE: given a logger, the chain warns through it instead of on the console (AWS_PROFILE beside
  // keys in the environment, both container credential URIs set): ignored, they were lost.
  const warn = (...parts: unknown[]) =>
    options.logger?.warn({}, oneLine(parts.map(String).join(' ').replace(/\s+/g, ' '), 1000));
  const chain = (options.chain ?? defaultProvider)({
    logger: { debug: collect, info: ignore, warn, error: ignore },
  });
  let failed: { error: unknown; atMs: number } | undefined;
  let logged = { text: '', atMs: -Infinity };
  let asking: ReturnType<ChainProvider> | undefined;

  const ask = async (args?: Parameters<ChainProvider>[0]) => {
    reasons.length = 0;
    try {
      const credentials = await chain(args);
      if (failed !== undefined) options.logger?.info({}, "the connector's own AWS credentials loaded again");
      failed = undefined;
      return credentials;
    } catch (error) {
      const now = nowMs();
      failed = { error, atMs: now };
      const { name, message } = (typeof error === 'object' && error !== null ? error : {}) as Error;
      const last = oneLine(String(message ?? error), 200);
      // An error that is no provider's (a container endpoint's garbage JSON) ends the chain unlogged.
      if (reasons[reasons.length - 1] !== last) reasons.push(`${name ?? 'Error'}: ${last}`);
      const text = reasons.join('\n');
      if (text !== logged.text || now - logged.atMs >= CREDENTIALS_FAILURE_LOG_MS) {
        logged = { text, atMs: now };
        options.logger?.error(
          { reasons: [...reasons] },
          "the connector's own AWS credentials could not be loaded (default credential provider chain)",
        );
      }
      throw error;
    }
  };

  const provider: ChainProvider = (args) => {
    if (
      failed !== undefined &&
      args?.forceRefresh !== true &&
      nowMs() - failed.atMs < CREDENTIALS_FAILURE_HOLD_MS
    )
      return Promise.reject(failed.error);
    // One ask for every call that comes meanwhile, by the write and the query client alike.
    asking ??= ask(args).finally(() => (asking = undefined));
    return asking;
  };
  // The chain memoises its credentials and refreshes them before they expire: the SDK uses it
  // unwrapped when it builds the chain itself, and must here too.
  return Object.assign(provider, { memoized: true });
}
