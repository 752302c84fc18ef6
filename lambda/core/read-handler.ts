// SPDX-License-Identifier: Apache-2.0
// POST /read: remote-read request -> one Timestream query per Prometheus query (run concurrently,
// every page read) -> one QueryResult per query, in query order (SPEC section 5).

import { readReadBody, writeColumnarReadBody } from '../codec/remote';
import type { ColumnarSeries } from '../prompb/encode';
import { limitSetting } from '../prompb/protobuf-reader';
import { ResponseType } from '../prompb/types';
import { readQuery } from '../timestream/reader';
import { credentialsFromHeaders } from './auth';
import { caughtFailure, checkRequest, errorResponse, type ConnectorContext } from './connector';
import { badRequest, tooLarge } from './errors';
import type { HttpRequest, HttpResponse } from './http';
import { runBounded } from './pool';
import { deadlineSignal } from './write-handler';

/** Answers one remote-read request; never throws. */
export async function handleRead(request: HttpRequest, context: ConnectorContext): Promise<HttpResponse> {
  const started = performance.now();
  const { options, logger, metrics } = context;
  let queries = 0;
  let series = 0;
  let samples = 0;
  let calls = 0;
  let duplicateSamples = 0;
  let response: HttpResponse;
  // What the log line adds about an error no layer turned into a ConnectorError (caughtFailure).
  let unexpected: { err: Record<string, unknown> } | undefined;
  try {
    checkRequest(request, '/read');
    const credentials = credentialsFromHeaders(request.headers, options.sigv4Auth);
    const readRequest = readReadBody(request.body, request.headers, options.decodeLimits);
    // Counted before the response type is checked: a request refused for it still asked its queries
    // (vmctl's --remote-read-use-stream sends such requests), as one refused for a regex does.
    queries = readRequest.queries.length;
    const accepted = readRequest.acceptedResponseTypes;
    // Empty means SAMPLES (older senders); streamed chunks are a later feature, so SAMPLES must be offered.
    if (accepted.length > 0 && !accepted.includes(ResponseType.SAMPLES)) {
      // The refusal names what the request accepts: a type this connector does not know (a
      // newer one) is no STREAMED_XOR_CHUNKS, and saying so would send the reader astray.
      const unknown = [...new Set(accepted.filter((t) => t !== ResponseType.STREAMED_XOR_CHUNKS))];
      throw badRequest(
        unknown.length === 0
          ? 'only the SAMPLES remote-read response type is supported; STREAMED_XOR_CHUNKS is not'
          : `only the SAMPLES remote-read response type is supported; the request accepts ` +
              `${accepted.includes(ResponseType.STREAMED_XOR_CHUNKS) ? 'STREAMED_XOR_CHUNKS and ' : ''}` +
              `response types this connector does not know (${unknown.join(', ')})`,
      );
    }
    const sender = context.clients.get(credentials).queryPages;
    const results: ColumnarSeries[][] = new Array(queries);
    // The same options bound a write request and a read response (README "Configuration"). They are
    // checked as pages arrive: a query over years of data would otherwise be held whole, however
    // far past them, before the 413. Series are final once seen; samples still hold the
    // same-millisecond duplicates assembly drops, so they are counted as read.
    const { maxSeries, maxSamples } = options.decodeLimits;
    let readSeries = 0;
    let readSamples = 0;
    const onPage = (pageSamples: number, pageSeries: number): void => {
      readSeries += pageSeries;
      readSamples += pageSamples;
      if (readSeries <= maxSeries && readSamples <= maxSamples) return;
      const [what, limit, limitName] =
        readSeries > maxSeries
          ? [`${readSeries} series`, maxSeries, 'maxSeries']
          : [`${readSamples} samples`, maxSamples, 'maxSamples'];
      throw tooLarge(
        `read response of at least ${what} exceeds the limit of ${limit} (${limitSetting(limitName)}); query a narrower time range or fewer series`,
      );
    };
    let failure: unknown;
    const deadline = deadlineSignal(request.deadlineMs, context.shutdownSignal, request.signal);
    try {
      await runBounded(queries, options.readConcurrency, async (index) => {
        try {
          const timeseries = await readQuery(
            sender,
            context.dimensions,
            { database: options.database, table: options.table },
            readRequest.queries[index],
            {
              signal: deadline.signal,
              observe: (operation, durationMs, outcome) => {
                calls++;
                metrics.timestreamCall({ operation, durationMs, outcome });
              },
              onDuplicateSamples: (count) => (duplicateSamples += count),
              onPage,
            },
          );
          results[index] = timeseries;
          return true;
        } catch (error) {
          failure ??= error;
          return false;
        }
      });
    } finally {
      deadline.dispose();
    }
    if (failure !== undefined) throw failure;
    // Counted as returned (series, samples) only once the response is known to be sent: a 413
    // returns none of them.
    let found = 0;
    let foundSamples = 0;
    for (const result of results) {
      found += result.length;
      for (const ts of result) foundSamples += ts.timestamps.length;
    }
    const body = writeColumnarReadBody(results);
    if (options.maxResponseBytes > 0 && body.length > options.maxResponseBytes) {
      throw tooLarge(
        `read response of ${body.length} bytes (${found} series, ${foundSamples} samples) exceeds the limit of ` +
          `${options.maxResponseBytes} bytes (--max-response-bytes, max_response_bytes); query a narrower time range or fewer series`,
      );
    }
    series = found;
    samples = foundSamples;
    response = {
      status: 200,
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      body,
    };
  } catch (error) {
    const caught = caughtFailure(error);
    unexpected = caught.unexpected;
    response = errorResponse(caught.failure);
  }
  // The wait for a turn at the edge is part of the time the reader waited for this answer.
  const durationMs = performance.now() - started + (request.waitedMs ?? 0);
  const waitedMs = Math.round((request.waitedMs ?? 0) * 10) / 10;
  metrics.readRequest({
    status: response.status,
    durationMs,
    queries,
    series,
    samples,
    duplicateSamples,
    queryCalls: calls,
  });
  const fields = {
    route: '/read',
    status: response.status,
    durationMs: Math.round(durationMs * 10) / 10,
    queries,
    series,
    samples,
    calls,
    // Only when it waited: with the queue not full a request is admitted at once.
    ...(waitedMs > 0 ? { waitedMs } : {}),
  };
  const reason = typeof response.body === 'string' ? response.body.split('\n')[0] : '';
  // As for a write (write-handler.ts): a 5xx after the client left is no Timestream failure.
  if (response.status >= 500 && request.signal?.aborted === true && unexpected === undefined)
    logger.warn({ ...fields, reason }, 'client closed the connection before its read was answered');
  else if (response.status >= 500) logger.error({ ...fields, reason, ...unexpected }, 'read failed');
  else if (response.status >= 400) logger.warn({ ...fields, reason }, 'read refused');
  // Remote read holds one sample per series and millisecond, so the others cannot be answered;
  // the warning says so instead of losing them silently (README "Columns other tools wrote").
  else if (duplicateSamples > 0)
    logger.warn({ ...fields, duplicateSamples }, 'read dropped duplicate samples');
  else logger.info(fields, 'read');
  return response;
}
