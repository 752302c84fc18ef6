// SPDX-License-Identifier: Apache-2.0
// Shared setup of the local-store integration tests: a store on a random port in a temp dir and
// real AWS SDK clients pointed at it with an explicit endpoint.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient, type _Record } from '@aws-sdk/client-timestream-write';
import { startLocalStore, type LocalStore, type LocalStoreOptions } from '../../../lambda/local-store';

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDLOCALSTORETEST', secretAccessKey: 'local-secret-key' };
/** An Authorization header the store accepts without configured keys (well-formed SigV4, any signature). */
export const WELL_FORMED_AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/timestream/aws4_request, SignedHeaders=host;x-amz-date, Signature=' +
  'a'.repeat(64);
/** A fixed server clock: 2026-01-01T00:00:00Z. */
export const NOW_MS = Date.UTC(2026, 0, 1);

/** Creates a fresh temp directory for a store. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'local-store-'));
}

/** Starts a store on a random port with a fixed clock unless overridden. */
export function startTestStore(options: Partial<LocalStoreOptions> = {}): Promise<LocalStore> {
  return startLocalStore({ dataDir: tempDataDir(), port: 0, nowMs: () => NOW_MS, ...options });
}

/** Returns SDK clients for the store; one attempt so injected faults surface unretried. */
export function clientsFor(store: LocalStore, credentials = TEST_CREDENTIALS) {
  const config = { endpoint: store.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 };
  return { write: new TimestreamWriteClient(config), query: new TimestreamQueryClient(config) };
}

/** Builds a DOUBLE record at `timeMs`. */
export function doubleRecord(
  host: string,
  value: string,
  timeMs: number,
  extra: Partial<_Record> = {},
): _Record {
  return {
    Dimensions: [{ Name: 'host', Value: host }],
    MeasureName: 'cpu',
    MeasureValue: value,
    MeasureValueType: 'DOUBLE',
    Time: String(timeMs),
    ...extra,
  };
}

/** Runs `fn` and returns the error it throws (fails when it does not throw). */
export async function errorOf(fn: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await fn();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected an error');
}
