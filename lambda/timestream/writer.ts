// SPDX-License-Identifier: Apache-2.0
// Sends prepared batches to Timestream with WriteRecords, concurrently and bounded, and reports
// exactly how many samples were written, refused, or left unwritten by a failure.

import { RejectedRecordsException } from '@aws-sdk/client-timestream-write';
import { ConnectorError, ErrorKind } from '../core/errors';
import { runBounded } from '../core/pool';
import { awsErrorName, fromAwsError, malformedAnswer, oneLine } from './errors';
import { NO_LABELS_DIMENSION, fromDimensionName } from './label-names';
import { describeSeries } from './validate-series';
import type { Label } from '../prompb/types';
import type { WriteBatch } from './records';
import { rejectionFault, type WriteRecordsSender } from './write-sender';

/** How many refusal reasons are kept for the response body and the log line. */
export const MAX_REPORTED_REASONS = 5;

/**
 * Extra WriteRecords calls one request may make to find the records behind ValidationExceptions.
 * Timestream refuses a whole call for one invalid record (a time it cannot store, a non-finite
 * value: reference/timestream-facts.md 3.5), so a failed call is split in halves until the
 * refusal is narrowed to single records and the valid ones are written. One bad record among 100
 * takes ~14 calls; the budget bounds a request whose every call is refused (a systematic error).
 */
export const MAX_ISOLATION_CALLS = 64;

export interface WriteTarget {
  database: string;
  table: string;
}

export interface WriteOptions {
  concurrency: number;
  /** Aborts in-flight calls (deadline, shutdown, client gone); aborted batches count as a retryable failure. */
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
  let isolationCalls = 0;

  /** Sends one batch, or its halves after a ValidationException; false after a failure. */
  const write = async (batch: WriteBatch): Promise<boolean> => {
    if (options.signal?.aborted) {
      keepFailure(
        new ConnectorError(
          ErrorKind.Retryable,
          'write aborted before completion (deadline, shutdown, or the client went away)',
        ),
      );
      return false;
    }
    const started = performance.now();
    outcome.calls++;
    try {
      await sender.send(target, batch, options.signal);
      outcome.written += batch.sampleCount;
      options.onCall?.(performance.now() - started, 'ok');
      return true;
    } catch (error) {
      options.onCall?.(performance.now() - started, awsErrorName(error));
      if (error instanceof RejectedRecordsException) {
        // Counted by entries, a list naming a record twice or one the call did not have would count
        // written samples as refused (or the reverse), and the Samples-Written header with them.
        // What such an answer wrote is unknown, so none of the call counts as written, and the
        // request answers 503: Prometheus resends it, and identical re-writes are idempotent.
        const fault = rejectionFault(error.RejectedRecords, batch.sampleCount);
        if (fault !== undefined) {
          keepFailure(malformedAnswer('WriteRecords', fault, 'RejectedRecordsException'));
          return false;
        }
        const rejected = error.RejectedRecords!;
        outcome.refused += rejected.length;
        outcome.written += batch.sampleCount - rejected.length;
        for (const r of rejected) {
          if (outcome.reasons.length >= MAX_REPORTED_REASONS) break;
          outcome.reasons.push(describeRejected(batch, r.RecordIndex, r.Reason));
        }
        return true;
      }
      const failure = fromAwsError(error, 'WriteRecords');
      if (failure.kind !== ErrorKind.BadRequest) {
        keepFailure(failure);
        return false;
      }
      // A ValidationException refuses the whole call; the other batches are independent.
      const count = batch.records.length;
      if (count > 1 && isolationCalls + 2 <= MAX_ISOLATION_CALLS) {
        isolationCalls += 2;
        const half = count >> 1;
        return (await write(slice(batch, 0, half))) && (await write(slice(batch, half, count)));
      }
      outcome.refused += batch.sampleCount;
      if (outcome.reasons.length < MAX_REPORTED_REASONS)
        outcome.reasons.push(count === 1 ? describeRejected(batch, 0, failure.message) : failure.message);
      return true;
    }
  };

  await runBounded(batches.length, options.concurrency, (index) => write(batches[index]));
  return outcome;
}

/** Records [from, to) of `batch` with its CommonAttributes, which every record of it shares. */
function slice(batch: WriteBatch, from: number, to: number): WriteBatch {
  return {
    commonAttributes: batch.commonAttributes,
    records: batch.records.slice(from, to),
    sampleCount: to - from,
  };
}

function describeRejected(
  batch: WriteBatch,
  recordIndex: number | undefined,
  reason: string | undefined,
): string {
  const record = recordIndex === undefined ? undefined : batch.records[recordIndex];
  const name = record?.MeasureName ?? batch.commonAttributes.MeasureName ?? '?';
  const time = record?.Time ?? batch.commonAttributes.Time ?? '?';
  // The series as Prometheus prints it, as a refused series is (describeSeries): without its labels
  // an operator could not tell which series was refused (two replicas sending one series with
  // different values at one timestamp).
  const labels: Label[] = [];
  for (const d of [...(batch.commonAttributes.Dimensions ?? []), ...(record?.Dimensions ?? [])])
    if (d.Name !== NO_LABELS_DIMENSION.Name)
      labels.push({ name: fromDimensionName(d.Name!), value: d.Value! });
  labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const series = labels.length === 0 ? name : describeSeries([{ name: '__name__', value: name }, ...labels]);
  return `sample ${series}@${time} rejected by Timestream: ${oneLine(reason ?? 'no reason given', 200)}`;
}
