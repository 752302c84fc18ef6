// SPDX-License-Identifier: Apache-2.0
// The metrics interface the core reports through. Two implementations: Prometheus text for the
// standalone server (metrics-prom.ts) and CloudWatch Embedded Metric Format for Lambda (metrics-emf.ts).

import type { Registry } from 'prom-client';
import type { PromMetrics, PromMetricsOptions } from './metrics-prom';

/** Figures of one remote-write request, reported once when its response is known. */
export interface WriteRequestFigures {
  /** HTTP status answered. */
  status: number;
  durationMs: number;
  /** Samples in the decoded request. */
  received: number;
  /** Samples Timestream accepted. */
  written: number;
  /** Samples not sent to Timestream, by reason (IgnoreReason in timestream/records.ts). */
  ignored: Record<string, number>;
  /** Samples refused: invalid series, times Timestream cannot store, Timestream refusals, fail_on_* policies. */
  rejected: number;
  /**
   * Samples of a request answered 5xx that Timestream had not accepted: received less written, as
   * nothing else is counted for such a request (Prometheus resends it whole). 0 for other answers.
   */
  retried: number;
  /** Exemplars in the decoded request, none of which is written (Timestream has no place for them). */
  ignoredExemplars: number;
  /** WriteRecords calls made. */
  writeCalls: number;
}

/** Figures of one remote-read request, reported once when its response is known. */
export interface ReadRequestFigures {
  status: number;
  durationMs: number;
  /** Queries in the ReadRequest. */
  queries: number;
  /** Series returned. */
  series: number;
  /** Samples returned. */
  samples: number;
  /** Samples left out because their series had another at the same millisecond (rows.ts). */
  duplicateSamples: number;
  /** Timestream Query calls made (one per page). */
  queryCalls: number;
}

/** Timestream operations the connector calls. */
export type TimestreamOperation = 'WriteRecords' | 'Query' | 'Query(DESCRIBE)';

/** One Timestream API call (after SDK retries). */
export interface TimestreamCallFigures {
  operation: TimestreamOperation;
  durationMs: number;
  /** `ok` or a short error class such as `throttled`; keep the set small, it becomes a label. */
  outcome: string;
}

/** What the core reports; implementations must not throw. */
export interface ConnectorMetrics {
  writeRequest(figures: WriteRequestFigures): void;
  readRequest(figures: ReadRequestFigures): void;
  timestreamCall(figures: TimestreamCallFigures): void;
}

/** Metrics that go nowhere (tests, tools). */
export const nullMetrics: ConnectorMetrics = {
  writeRequest: () => undefined,
  readRequest: () => undefined,
  timestreamCall: () => undefined,
};

/** Every Prometheus metric name createPromMetrics registers (besides prom-client's process metrics). */
export const METRIC_NAMES = {
  receivedSamples: 'timestream_connector_received_samples_total',
  writtenSamples: 'timestream_connector_written_samples_total',
  ignoredSamples: 'timestream_connector_ignored_samples_total',
  rejectedSamples: 'timestream_connector_rejected_samples_total',
  retriedSamples: 'timestream_connector_retried_samples_total',
  ignoredExemplars: 'timestream_connector_ignored_exemplars_total',
  writeRequests: 'timestream_connector_write_requests_total',
  writeDuration: 'timestream_connector_write_duration_seconds',
  writesInFlight: 'timestream_connector_write_requests_in_flight',
  writesWaiting: 'timestream_connector_write_requests_waiting',
  readsInFlight: 'timestream_connector_read_requests_in_flight',
  readsWaiting: 'timestream_connector_read_requests_waiting',
  localStoreDuckdbBytes: 'timestream_connector_local_store_duckdb_memory_bytes',
  localStoreHeapUsedBytes: 'timestream_connector_local_store_heap_used_bytes',
  readRequests: 'timestream_connector_read_requests_total',
  readDuration: 'timestream_connector_read_duration_seconds',
  readQueries: 'timestream_connector_read_queries_total',
  readSeries: 'timestream_connector_read_series_total',
  readSamples: 'timestream_connector_read_samples_total',
  readDuplicateSamples: 'timestream_connector_read_duplicate_samples_total',
  timestreamCalls: 'timestream_connector_timestream_calls_total',
  timestreamCallDuration: 'timestream_connector_timestream_call_duration_seconds',
} as const;

/**
 * Creates the Prometheus metrics (see metrics-prom.ts) in `registry`, a fresh one by default.
 */
export function createPromMetrics(registry?: Registry, options?: PromMetricsOptions): PromMetrics {
  // NOTE: required on first use, so the Lambda bundle (which only uses EMF) never initialises
  // prom-client at cold start (SPEC section 9).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const prom = require('./metrics-prom') as typeof import('./metrics-prom');
  return prom.createPromMetrics(registry, options);
}

export type { PromMetrics, PromMetricsOptions } from './metrics-prom';
export { createEmfMetrics, EMF_NAMESPACE, type EmfMetrics, type EmfMetricsOptions } from './metrics-emf';
