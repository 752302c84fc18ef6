// SPDX-License-Identifier: Apache-2.0
// POST /write: remote-write 1.0 body -> validated records -> concurrent WriteRecords calls -> the
// status Prometheus should act on (SPEC section 4). Every response says how many samples were
// written, so a sender can tell a partial write from a full one.

import { setMaxListeners } from 'node:events';
import { readWriteBody } from '../codec/remote';
import type { WriteRequest } from '../prompb/types';
import {
  NOTHING_IGNORED,
  refusedByMapping,
  skippedByPolicy,
  toWriteBatches,
  type MappingResult,
} from '../timestream/records';
import { writeBatches, type WriteOutcome } from '../timestream/writer';
import { credentialsFromHeaders } from './auth';
import { caughtFailure, checkRequest, errorResponse, safeText, type ConnectorContext } from './connector';
import { badRequest, ConnectorError } from './errors';
import type { HttpRequest, HttpResponse } from './http';

/**
 * Longest reason line of a 400's body, before `…`: a refused series named by its labels (up to 200
 * characters) and Timestream's reason (up to 200) fit; ten of them keep the body under 5 KB.
 */
const MAX_REASON_CHARS = 500;

export const SAMPLES_WRITTEN_HEADER = 'x-prometheus-remote-write-samples-written';

/** Answers one remote-write request; never throws. */
export async function handleWrite(request: HttpRequest, context: ConnectorContext): Promise<HttpResponse> {
  const started = performance.now();
  const { options, logger, metrics } = context;
  let writeRequest: WriteRequest | undefined;
  let mapping: MappingResult | undefined;
  let outcome: WriteOutcome | undefined;
  let response: HttpResponse;
  // What the log line adds about an error no layer turned into a ConnectorError (caughtFailure).
  let unexpected: { err: Record<string, unknown> } | undefined;
  try {
    checkRequest(request, '/write');
    const credentials = credentialsFromHeaders(request.headers, options.sigv4Auth);
    writeRequest = readWriteBody(request.body, request.headers, options.decodeLimits);
    // Throws (400) when fail_on_long_label or fail_on_invalid_sample_value refuses the request.
    mapping = toWriteBatches(
      writeRequest.timeseries,
      {
        failOnLongLabel: options.failOnLongLabel,
        failOnInvalidSampleValue: options.failOnInvalidSampleValue,
      },
      writeRequest.nativeHistograms,
    );
    const sender = context.clients.get(credentials).writeRecords;
    const deadline = deadlineSignal(request.deadlineMs, context.shutdownSignal, request.signal);
    try {
      outcome = await writeBatches(
        sender,
        { database: options.database, table: options.table },
        mapping.batches,
        {
          concurrency: options.writeConcurrency,
          signal: deadline.signal,
          onCall: (durationMs, result) =>
            metrics.timestreamCall({ operation: 'WriteRecords', durationMs, outcome: result }),
        },
      );
    } finally {
      deadline.dispose();
    }
    response = respond(mapping, outcome);
  } catch (error) {
    const caught = caughtFailure(error);
    unexpected = caught.unexpected;
    response = errorResponse(caught.failure);
  }
  const written = outcome?.written ?? 0;
  response.headers[SAMPLES_WRITTEN_HEADER] = String(written);

  // The wait for a turn at the edge is part of the time the sender waited for this answer.
  const durationMs = performance.now() - started + (request.waitedMs ?? 0);
  const waitedMs = Math.round((request.waitedMs ?? 0) * 10) / 10;
  const received = mapping?.received ?? (writeRequest === undefined ? 0 : countSamples(writeRequest));
  // NOTE: Prometheus resends a 5xx whole, and the answer that ends it counts what it skipped or
  // refused; counted on every attempt as well, each 503 would add them again (README "Metrics").
  const resent = response.status >= 500;
  const ignored = mapping === undefined ? {} : resent ? NOTHING_IGNORED : mapping.ignored;
  const rejected = resent
    ? 0
    : rejectedSamples(response.status, received, written, mapping, outcome, writeRequest);
  // What a 5xx leaves unwritten is in no other counter, so without this an operator could not
  // tell from the counters how many samples were answered 503 (README "Metrics").
  const retried = resent ? received - written : 0;
  // Ignored like the skipped samples, so counted once likewise: by the answer that ends the request.
  const ignoredExemplars = resent ? 0 : (writeRequest?.exemplars ?? 0);
  metrics.writeRequest({
    status: response.status,
    durationMs,
    received,
    written,
    ignored,
    rejected,
    retried,
    ignoredExemplars,
    writeCalls: outcome?.calls ?? 0,
  });
  const fields = {
    route: '/write',
    status: response.status,
    durationMs: Math.round(durationMs * 10) / 10,
    received,
    written,
    ignored,
    refused: rejected,
    retried,
    calls: outcome?.calls ?? 0,
    // Only when it waited: with the queue not full a request is admitted at once.
    ...(waitedMs > 0 ? { waitedMs } : {}),
    // Only when there were any: most senders never send exemplars.
    ...(ignoredExemplars > 0 ? { ignoredExemplars } : {}),
  };
  // A 5xx after the client left (Prometheus past its remote_timeout) is the abort of its calls, not
  // a Timestream failure: a warning saying so, where an error blaming Timestream sent operators astray.
  if (response.status >= 500 && request.signal?.aborted === true && unexpected === undefined)
    logger.warn(
      { ...fields, reason: firstLine(response.body) },
      'client closed the connection before its write was answered',
    );
  else if (response.status >= 500)
    logger.error({ ...fields, reason: firstLine(response.body), ...unexpected }, 'write failed');
  else if (response.status >= 400) logger.warn({ ...fields, ...refusalOf(response.body) }, 'write refused');
  else logger.info(fields, 'write');
  return response;
}

/**
 * Decides the status once everything that could be written was: a failure of a whole call
 * (credentials, missing table, anything retryable) wins; then permanent per-series or per-record
 * refusals give 400 with counts; otherwise 204 (skipping stale markers, native histograms and, by
 * policy, non-finite values is not an error).
 */
function respond(mapping: MappingResult, outcome: WriteOutcome): HttpResponse {
  if (outcome.failure !== undefined) {
    const failure = outcome.failure;
    const details =
      outcome.written > 0
        ? [`${outcome.written} of ${mapping.received} samples were written before the failure`]
        : [];
    return errorResponse(
      new ConnectorError(failure.kind, failure.message, { details, headers: failure.headers }),
    );
  }
  const refusedSeriesSamples = mapping.ignored.invalid_series + mapping.ignored.long_label;
  const badTimes = mapping.ignored.invalid_timestamp;
  if (refusedSeriesSamples > 0 || badTimes > 0 || outcome.refused > 0) {
    const reasons = [...mapping.rejections, ...outcome.reasons].slice(0, 10);
    // The skipped are named too, so the counts of the first line add up to the samples received.
    const skipped = skippedByPolicy(mapping.ignored);
    const summary =
      `wrote ${outcome.written} of ${mapping.received} samples` +
      (skipped > 0
        ? `, skipped ${skipped} (staleness markers, NaN or infinite values, native histogram samples)`
        : '') +
      `; refused ${refusedSeriesSamples} samples of ` +
      `${mapping.rejectedSeries} invalid or over-limit series` +
      (badTimes > 0 ? `, ${badTimes} samples at times Timestream cannot store` : '') +
      ` and ${outcome.refused} samples rejected by Timestream`;
    return errorResponse(
      badRequest(summary, { details: reasons.map((r) => `- ${safeText(r, MAX_REASON_CHARS)}`) }),
    );
  }
  return { status: 204, headers: {}, body: '' };
}

/**
 * The samples a write answered `status` refused: with them, the written and the skipped add up to
 * the received for every answer but 503 (README "Metrics").
 */
function rejectedSamples(
  status: number,
  received: number,
  written: number,
  mapping: MappingResult | undefined,
  outcome: WriteOutcome | undefined,
  decoded: WriteRequest | undefined,
): number {
  // A request decoded but refused as a whole by a fail_on_* policy refuses all of its samples.
  if (mapping === undefined) return decoded !== undefined && status === 400 ? received : 0;
  // Any other 4xx (table missing, credentials refused) refuses every sample it did not write or
  // skip by policy: Prometheus drops them.
  if (outcome?.failure !== undefined && status >= 400 && status < 500)
    return received - written - skippedByPolicy(mapping.ignored);
  return (outcome?.refused ?? 0) + refusedByMapping(mapping.ignored);
}

interface DeadlineSignal {
  signal: AbortSignal | undefined;
  dispose(): void;
}

/** Margin kept before a Lambda deadline so the 503 still reaches API Gateway in time. */
export const DEADLINE_MARGIN_MS = 500;

/**
 * The signal a request's Timestream calls stop on: its deadline (less DEADLINE_MARGIN_MS), or any
 * of `signals` (the process shutting down, the client gone). dispose() must be called when done.
 */
function deadlineSignal(
  deadlineMs: number | undefined,
  ...signals: (AbortSignal | undefined)[]
): DeadlineSignal {
  const given = signals.filter((s): s is AbortSignal => s !== undefined);
  if (deadlineMs === undefined && given.length <= 1) return { signal: given[0], dispose: () => undefined };
  const controller = new AbortController();
  // NOTE: up to write_concurrency (100 by default) SDK calls listen on this signal at once when
  // the fast attempts fail; without this, each such request prints a MaxListenersExceededWarning.
  setMaxListeners(0, controller.signal);
  const abort = () => controller.abort();
  const timer =
    deadlineMs === undefined
      ? undefined
      : setTimeout(abort, Math.max(0, deadlineMs - Date.now() - DEADLINE_MARGIN_MS));
  for (const signal of given) {
    // NOTE: the shutdown signal is shared by every request in flight (a resharded Prometheus
    // sends more than ten at once); each adds and removes one listener here, which is no leak.
    setMaxListeners(0, signal);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  }
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      for (const signal of given) signal.removeEventListener('abort', abort);
    },
  };
}

export { deadlineSignal };

function countSamples(request: WriteRequest): number {
  let count = request.nativeHistograms ?? 0;
  for (const series of request.timeseries) count += series.samples.length;
  return count;
}

/**
 * A refusal's first line as `reason` and its other lines (a 400's reasons, naming each refused
 * series) as `details`, for its log line. NOTE: Prometheus logs only the first line of an answer,
 * so without the details no log said which series were refused or why.
 */
function refusalOf(body: Uint8Array | string): { reason: string; details?: string[] } {
  const [reason, ...rest] = bodyText(body).split('\n');
  const details = rest.filter((line) => line !== '');
  return details.length > 0 ? { reason, details } : { reason };
}

function firstLine(body: Uint8Array | string): string {
  const text = bodyText(body);
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}

function bodyText(body: Uint8Array | string): string {
  return typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
}
