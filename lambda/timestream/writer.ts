// SPDX-License-Identifier: Apache-2.0
// Sends prepared batches to Timestream with WriteRecords, concurrently and bounded, and reports
// exactly how many samples were written, refused, or left unwritten by a failure.

import { RejectedRecordsException } from '@aws-sdk/client-timestream-write';
import { ConnectorError, ErrorKind } from '../core/errors';
import { runBounded } from '../core/pool';
import { fromAwsError, oneLine } from './errors';
import type { WriteBatch } from './records';
import type { WriteRecordsSender } from './write-sender';

/** How many refusal reasons are kept for the response body and the log line. */
export const MAX_REPORTED_REASONS = 5;

export interface WriteTarget {
  database: string;
  table: string;
}

export interface WriteOptions {
  concurrency: number;
  /** Aborts in-flight calls (deadline or shutdown); aborted batches count as a retryable failure. */
  signal?: AbortSignal;
  /** Called once per WriteRecords call with its duration and outcome (metrics). */
  onCall?: (durationMs: number, outcome: string) => void;
}

export interface WriteOutcome {
  /** Samples Timestream accepted. */
  written: number;
  /** Samples Timestream permanently refused (RejectedRecords, ValidationException). */
  refused: number;
  /** First refusal reasons, one line each. */
  reasons: string[];
  /** The most significant non-refusal failure, if any batch failed that way. */
  failure?: ConnectorError;
  calls: number;
}

/**
 * A failure that decides the response over the others: credentials and missing tables are
 * permanent for every batch; a retryable failure beats per-record refusals because Prometheus
 * resends the whole request on 503 (safe: identical re-writes are idempotent).
 */
const FAILURE_RANK: Partial<Record<ErrorKind, number>> = {
  unauthorized: 4,
  forbidden: 4,
  not_found: 4,
  retryable: 3,
  payload_too_large: 2,
  bad_request: 1,
};

/** Writes every batch (≤ 100 records each) and aggregates the outcome; never throws. */
export async function writeBatches(
  sender: Pick<WriteRecordsSender, 'send'>,
  target: WriteTarget,
  batches: readonly WriteBatch[],
  options: WriteOptions,
): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { written: 0, refused: 0, reasons: [], calls: 0 };
  const keepFailure = (error: ConnectorError) => {
    const rank = FAILURE_RANK[error.kind] ?? 0;
    if (outcome.failure === undefined || rank > (FAILURE_RANK[outcome.failure.kind] ?? 0))
      outcome.failure = error;
  };

  await runBounded(batches.length, options.concurrency, async (index) => {
    if (options.signal?.aborted) {
      keepFailure(
        new ConnectorError(ErrorKind.Retryable, 'write aborted before completion (deadline or shutdown)'),
      );
      return false;
    }
    const batch = batches[index];
    const started = performance.now();
    outcome.calls++;
    try {
      await sender.send(target, batch, options.signal);
      outcome.written += batch.sampleCount;
      options.onCall?.(performance.now() - started, 'ok');
      return true;
    } catch (error) {
      options.onCall?.(performance.now() - started, errorName(error));
      if (error instanceof RejectedRecordsException) {
        const rejected = error.RejectedRecords ?? [];
        const refused = Math.min(rejected.length, batch.sampleCount);
        outcome.refused += refused;
        outcome.written += batch.sampleCount - refused;
        for (const r of rejected) {
          if (outcome.reasons.length >= MAX_REPORTED_REASONS) break;
          outcome.reasons.push(describeRejected(batch, r.RecordIndex, r.Reason));
        }
        return true;
      }
      const failure = fromAwsError(error, 'WriteRecords');
      if (failure.kind === ErrorKind.BadRequest) {
        // A ValidationException refuses the whole call; the other batches are independent.
        outcome.refused += batch.sampleCount;
        if (outcome.reasons.length < MAX_REPORTED_REASONS) outcome.reasons.push(failure.message);
        return true;
      }
      keepFailure(failure);
      return false;
    }
  });
  return outcome;
}

function describeRejected(
  batch: WriteBatch,
  recordIndex: number | undefined,
  reason: string | undefined,
): string {
  const record = recordIndex === undefined ? undefined : batch.records[recordIndex];
  const name = record?.MeasureName ?? batch.commonAttributes.MeasureName ?? '?';
  const time = record?.Time ?? batch.commonAttributes.Time ?? '?';
  return `sample ${name}@${time} rejected by Timestream: ${oneLine(reason ?? 'no reason given', 200)}`;
}

function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : 'Error';
}
