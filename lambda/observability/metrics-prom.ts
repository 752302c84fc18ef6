// SPDX-License-Identifier: Apache-2.0
// ConnectorMetrics as Prometheus metrics (prom-client) for the standalone server's telemetry path.
// Keeps the reference connector's metric names and adds what an operator needs (SPEC section 8).

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRIC_NAMES, type ConnectorMetrics } from './metrics';

/**
 * Histogram buckets in seconds: Go's prometheus.DefBuckets, as the reference connector uses, then
 * 20, 30, 60 and 120. A request's duration includes its wait for a turn in the standalone server's
 * queues, up to a minute for a read (Prometheus' remote_timeout) and 10 s for a write before its
 * handling; ending at 10 s, every such request fell in +Inf alike, a slow read with one that hung.
 */
const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

export interface PromMetricsOptions {
  /** Also register prom-client's process and Node.js metrics. @default true */
  defaultMetrics?: boolean;
  /** The server's write queue, read at each scrape for the in-flight and waiting gauges. */
  writeQueue?: QueueFigures;
  /** The server's read queue, likewise. */
  readQueue?: QueueFigures;
  /** The embedded store's memory (`--local`), asked for at each scrape. */
  storeMemory?: () => Promise<StoreMemoryFigures>;
}

/** What the embedded store's memory gauges show (StoreEngine.memory). */
export interface StoreMemoryFigures {
  /** Absent when DuckDB did not answer: the gauge keeps its last value. */
  duckdbBytes?: number;
  heapUsedBytes: number;
}

/**
 * Longest a scrape waits for the embedded store's memory figures; past it, and when the store
 * fails to answer (a thread that died), the gauges keep their last values and the page is served.
 */
export const STORE_MEMORY_TIMEOUT_MS = 2_000;

/** What a request queue's gauges show. */
export interface QueueFigures {
  readonly inFlight: number;
  readonly waiting: number;
}

/** ConnectorMetrics plus what the telemetry endpoint serves. */
export interface PromMetrics extends ConnectorMetrics {
  readonly registry: Registry;
  /** Content-Type of `metrics()` (Prometheus text format 0.0.4). */
  readonly contentType: string;
  /** Renders every metric of the registry as Prometheus text. */
  metrics(): Promise<string>;
}

/**
 * Creates the Prometheus metrics in `registry` (a fresh one by default, so two connectors in one
 * process, e.g. tests, never clash in the global registry).
 */
export function createPromMetrics(
  registry: Registry = new Registry(),
  options: PromMetricsOptions = {},
): PromMetrics {
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Histogram<L>({ name, help, labelNames, buckets: DURATION_BUCKETS_SECONDS, registers });

  const received = counter(
    METRIC_NAMES.receivedSamples,
    'Samples received in remote-write requests (native histogram samples included).',
  );
  const written = counter(METRIC_NAMES.writtenSamples, 'Samples Timestream accepted.');
  const ignored = counter(
    METRIC_NAMES.ignoredSamples,
    'Samples not sent to Timestream (staleness markers, non-finite values, native histograms, invalid series, long labels, times Timestream cannot store), by reason.',
    ['reason'],
  );
  const rejected = counter(
    METRIC_NAMES.rejectedSamples,
    'Samples refused: invalid series, times Timestream cannot store, Timestream refusals, fail_on_* policies.',
  );
  const retried = counter(
    METRIC_NAMES.retriedSamples,
    'Samples of remote-write requests answered 503 that Timestream had not accepted; the sender resends the request.',
  );
  const ignoredExemplars = counter(
    METRIC_NAMES.ignoredExemplars,
    'Exemplars received in remote-write requests; Timestream has no place for them, so none is written.',
  );
  const writeRequests = counter(
    METRIC_NAMES.writeRequests,
    'Remote-write requests, by HTTP status answered.',
    ['status'],
  );
  const writeDuration = histogram(
    METRIC_NAMES.writeDuration,
    'Time to answer a remote-write request, its wait for a turn (--web.max-concurrent-writes) included.',
  );
  const readRequests = counter(METRIC_NAMES.readRequests, 'Remote-read requests, by HTTP status answered.', [
    'status',
  ]);
  const readDuration = histogram(
    METRIC_NAMES.readDuration,
    'Time to answer a remote-read request, its wait for a turn (--web.max-concurrent-reads) included.',
  );
  const readQueries = counter(METRIC_NAMES.readQueries, 'Queries in remote-read requests.');
  const readSeries = counter(METRIC_NAMES.readSeries, 'Series returned by remote-read requests.');
  const readSamples = counter(METRIC_NAMES.readSamples, 'Samples returned by remote-read requests.');
  const readDuplicates = counter(
    METRIC_NAMES.readDuplicateSamples,
    'Samples remote reads left out because their series had another sample at the same millisecond.',
  );
  const calls = counter(METRIC_NAMES.timestreamCalls, 'Timestream API calls, by operation and outcome.', [
    'operation',
    'outcome',
  ]);
  const callDuration = histogram(
    METRIC_NAMES.timestreamCallDuration,
    'Duration of Timestream API calls, SDK retries included.',
    ['operation'],
  );

  const queueGauges = (route: 'write' | 'read', queue: QueueFigures | undefined) => {
    if (queue === undefined) return;
    const inFlight = route === 'write' ? METRIC_NAMES.writesInFlight : METRIC_NAMES.readsInFlight;
    const option = `--web.max-concurrent-${route}s`;
    new Gauge({
      name: inFlight,
      help: `Remote-${route} requests being handled now (at most ${option}, unless 0).`,
      registers,
      collect() {
        this.set(queue.inFlight);
      },
    });
    new Gauge({
      name: route === 'write' ? METRIC_NAMES.writesWaiting : METRIC_NAMES.readsWaiting,
      help: `Remote-${route} requests waiting for their turn (${option}).`,
      registers,
      collect() {
        this.set(queue.waiting);
      },
    });
  };
  queueGauges('write', options.writeQueue);
  queueGauges('read', options.readQueue);
  storeMemoryGauges(registers, options.storeMemory);

  return {
    registry,
    contentType: registry.contentType,
    metrics: () => registry.metrics(),
    writeRequest(o) {
      received.inc(o.received);
      written.inc(o.written);
      for (const [reason, count] of Object.entries(o.ignored)) if (count > 0) ignored.inc({ reason }, count);
      rejected.inc(o.rejected);
      retried.inc(o.retried);
      ignoredExemplars.inc(o.ignoredExemplars);
      writeRequests.inc({ status: String(o.status) });
      writeDuration.observe(o.durationMs / 1000);
    },
    readRequest(o) {
      readRequests.inc({ status: String(o.status) });
      readDuration.observe(o.durationMs / 1000);
      readQueries.inc(o.queries);
      readSeries.inc(o.series);
      readSamples.inc(o.samples);
      readDuplicates.inc(o.duplicateSamples);
    },
    timestreamCall(o) {
      calls.inc({ operation: o.operation, outcome: o.outcome });
      callDuration.observe({ operation: o.operation }, o.durationMs / 1000);
    },
  };
}

/** The embedded store's memory gauges: one question to the store per scrape serves both. */
function storeMemoryGauges(
  registers: Registry[],
  storeMemory: (() => Promise<StoreMemoryFigures>) | undefined,
): void {
  if (storeMemory === undefined) return;
  // prom-client collects every metric of a scrape at once: the two gauges share one question.
  let asking: Promise<StoreMemoryFigures | undefined> | undefined;
  const figures = () =>
    (asking ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), STORE_MEMORY_TIMEOUT_MS);
      });
      try {
        return await Promise.race([storeMemory().catch(() => undefined), timeout]);
      } finally {
        clearTimeout(timer);
        asking = undefined;
      }
    })());
  const gauges = [
    [
      METRIC_NAMES.localStoreDuckdbBytes,
      "Bytes DuckDB holds in memory in the embedded store (--local), over duckdb_memory()'s tags.",
      'duckdbBytes',
    ],
    [
      METRIC_NAMES.localStoreHeapUsedBytes,
      "V8 heap bytes in use on the embedded store's thread (--local); nodejs_heap_size_used_bytes is the connector's thread only.",
      'heapUsedBytes',
    ],
  ] as const;
  for (const [name, help, figure] of gauges)
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const bytes = (await figures())?.[figure];
        if (bytes !== undefined) this.set(bytes);
      },
    });
}
