// SPDX-License-Identifier: Apache-2.0
// Sends WriteRecords calls: the first attempt of each call takes the fast path (our JSON body, our
// SigV4, the client's HTTP handler; fast-call.ts); an error a second attempt would only repeat
// becomes the SDK's exception at once, and any other answer but a 200 (a refusal whose
// RejectedRecords cannot be mapped to the call's records among them) makes the SDK redo the call
// with its own serialisation, retry strategy and error deserialisation.

import {
  AccessDeniedException,
  DescribeEndpointsCommand,
  RejectedRecordsException,
  ResourceNotFoundException,
  ValidationException,
  WriteRecordsCommand,
  type RejectedRecord,
  type TimestreamWriteClient,
} from '@aws-sdk/client-timestream-write';
import type { WriteBatch } from './batches';
import { FastCall, type FastRefusal, type RequestHandlerLike } from './fast-call';
import { sendRecordingAttempts } from './last-attempt';
import { renderWriteRecordsBody, type WriteRecordsTarget } from './write-json';

export type { RequestHandlerLike } from './fast-call';

/** The awsJson1_0 target of WriteRecords (smithy model: Timestream_20181101). */
const WRITE_RECORDS_TARGET = 'Timestream_20181101.WriteRecords';

export interface WriteSenderOptions {
  region: string;
  /** Explicit endpoint URL; undefined = the endpoint Timestream's DescribeEndpoints names. */
  endpoint?: string;
  /** The handler the client sends with (shared keep-alive sockets). */
  handler: RequestHandlerLike;
  /** Clock for endpoint expiry and signing (tests). @default Date.now */
  nowMs?: () => number;
}

/** An SDK exception made from the fields of an error answer, as the SDK's deserialiser makes it. */
type ExceptionFrom = (fields: {
  message: string;
  Message: string | undefined;
  $metadata: { httpStatusCode: number };
  RejectedRecords: RejectedRecord[];
}) => Error;

/**
 * WriteRecords errors that the same call would meet again, by type: sent again through the SDK, a
 * call with a refused record would write (and be billed for) its other records a second time, and
 * every refusal would take two calls instead of one.
 */
const FINAL_ERRORS: ReadonlyMap<string, ExceptionFrom> = new Map<string, ExceptionFrom>([
  ['RejectedRecordsException', (f) => new RejectedRecordsException(f)],
  ['ValidationException', (f) => new ValidationException(f)],
  ['AccessDeniedException', (f) => new AccessDeniedException(f)],
  ['ResourceNotFoundException', (f) => new ResourceNotFoundException(f)],
]);
const FINAL_ERROR_TYPES: ReadonlySet<string> = new Set(FINAL_ERRORS.keys());

/** The SDK's exception for an error answer the fast attempt read, as the SDK would have made it. */
function sdkError({ type, status, body }: FastRefusal): Error {
  // The SDK's own reading of the body (checked against @aws-sdk/client-timestream-write): `message`
  // before `Message`, "UnknownError" without either, and the `Message` member left unset.
  const message = String(body.message ?? body.Message ?? 'UnknownError');
  const rejected = Array.isArray(body.RejectedRecords) ? (body.RejectedRecords as RejectedRecord[]) : [];
  return FINAL_ERRORS.get(type)!({
    message,
    Message: undefined,
    $metadata: { httpStatusCode: status },
    RejectedRecords: rejected,
  });
}

/**
 * Why the RejectedRecords of a RejectedRecordsException to a call of `recordCount` records cannot
 * be mapped to its records, or undefined when they can. Timestream lists each rejected record once,
 * by its index into the call's Records, and writes the others (reference/timestream-facts.md 3.2,
 * 3.7); a list that is empty, holds something else, or names a record twice or one the call did
 * not have leaves unknown which records were written. A Reason is text, or absent (null too).
 * Neither JSON.parse nor the SDK's error deserialiser checks any of it: the SDK hands the error
 * body's members over as they are.
 */
export function rejectionFault(rejected: unknown, recordCount: number): string | undefined {
  if (rejected === undefined) return 'RejectedRecords is missing';
  if (!Array.isArray(rejected)) return 'RejectedRecords is not a list';
  if (rejected.length === 0) return 'RejectedRecords is empty';
  const named = new Uint8Array(recordCount);
  for (let i = 0; i < rejected.length; i++) {
    const entry: unknown = rejected[i];
    if (typeof entry !== 'object' || entry === null) return `RejectedRecords[${i}] is not an object`;
    const { RecordIndex: index, Reason: reason } = entry as { RecordIndex?: unknown; Reason?: unknown };
    if (typeof index !== 'number' || !Number.isInteger(index))
      return `RejectedRecords[${i}].RecordIndex is not an integer`;
    if (index < 0 || index >= recordCount)
      return `RejectedRecords[${i}].RecordIndex ${index} is not one of the call’s ${recordCount} records`;
    if (named[index] === 1) return `RejectedRecords[${i}].RecordIndex ${index} is repeated`;
    named[index] = 1;
    if (reason !== undefined && reason !== null && typeof reason !== 'string')
      return `RejectedRecords[${i}].Reason is not text`;
  }
  return undefined;
}

/**
 * Whether a refusal is a RejectedRecordsException whose RejectedRecords name no distinct records of
 * the call. Such an answer is left to the SDK, as any other the fast path cannot read: the second
 * call bills its records again, but a 503 would have Prometheus resend the whole request.
 */
function isUnmappedRefusal({ type, body }: FastRefusal, recordCount: number): boolean {
  return (
    type === 'RejectedRecordsException' && rejectionFault(body.RejectedRecords, recordCount) !== undefined
  );
}

/** Sends one WriteRecords call per batch for one SDK client (one credential identity). */
export class WriteRecordsSender {
  private readonly fast: FastCall;

  constructor(
    /** The SDK client: credentials, endpoint discovery and the fallback path. */
    readonly client: TimestreamWriteClient,
    options: WriteSenderOptions,
  ) {
    this.fast = new FastCall({
      ...options,
      credentials: () => client.config.credentials(),
      clockOffsetMs: () => client.config.systemClockOffset,
      setClockOffsetMs: (offsetMs) => (client.config.systemClockOffset = offsetMs),
      discover: async () => {
        const first = (await client.send(new DescribeEndpointsCommand({}))).Endpoints?.[0];
        if (first?.Address === undefined) throw new Error('DescribeEndpoints returned no endpoint');
        return { address: first.Address, cachePeriodInMinutes: first.CachePeriodInMinutes };
      },
    });
  }

  /**
   * Writes `batch`. Resolves when Timestream accepted every record; rejects with the SDK's own
   * error (RejectedRecordsException, ThrottlingException, ...) after the SDK's retries otherwise.
   */
  async send(target: WriteRecordsTarget, batch: WriteBatch, signal?: AbortSignal): Promise<void> {
    const body = renderWriteRecordsBody(target, batch);
    const answer = await this.fast.attempt(WRITE_RECORDS_TARGET, body, signal, FINAL_ERROR_TYPES);
    if (answer === true) return;
    // writeBatches holds the SDK's reading of a refusal to the same check as this one.
    if (answer !== false && !isUnmappedRefusal(answer, batch.sampleCount)) throw sdkError(answer);
    const command = new WriteRecordsCommand({
      DatabaseName: target.database,
      TableName: target.table,
      CommonAttributes: batch.commonAttributes,
      Records: batch.records,
    });
    await sendRecordingAttempts(command, () => this.client.send(command, { abortSignal: signal }));
  }
}
