// SPDX-License-Identifier: Apache-2.0
// ConnectorMetrics as CloudWatch Embedded Metric Format lines for Lambda: figures are buffered during an
// invocation and written as JSON lines to stdout by flush(), which CloudWatch Logs turns into metrics.
// Written by hand (no Powertools) to keep the bundle small and the output easy to assert on.

import type { ConnectorMetrics } from './metrics';

/** CloudWatch namespace of every metric. */
export const EMF_NAMESPACE = 'TimestreamPrometheusConnector';

/**
 * Most values of one metric in one EMF document
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 */
const MAX_VALUES_PER_METRIC = 100;

/** Longest CloudWatch dimension value (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html). */
const MAX_DIMENSION_VALUE_LENGTH = 1024;

type Unit = 'Count' | 'Milliseconds';

interface MetricSeries {
  unit: Unit;
  /** `sum` metrics are added up into one value; `values` metrics keep every observation. */
  kind: 'sum' | 'values';
  values: number[];
}

interface Entry {
  dimensions: Record<string, string>;
  dimensionSets: string[][];
  metrics: Map<string, MetricSeries>;
}

export interface EmfMetricsOptions {
  /** @default EMF_NAMESPACE */
  namespace?: string;
  /** @default process.stdout */
  destination?: { write(line: string): unknown };
  /** Clock for `_aws.Timestamp`, in ms since the epoch. @default Date.now */
  nowMs?: () => number;
}

/** ConnectorMetrics buffered until flush(). */
export interface EmfMetrics extends ConnectorMetrics {
  /** Writes the buffered figures as EMF lines and empties the buffer; call once per invocation. */
  flush(): void;
}

/** Creates EMF metrics; the Lambda entrypoint calls `flush()` at the end of every invocation. */
export function createEmfMetrics(options: EmfMetricsOptions = {}): EmfMetrics {
  const namespace = options.namespace ?? EMF_NAMESPACE;
  const destination = options.destination ?? { write: (line: string) => process.stdout.write(line) };
  const nowMs = options.nowMs ?? Date.now;
  const entries = new Map<string, Entry>();

  const add = (
    dimensions: Record<string, string>,
    dimensionSets: string[][],
    name: string,
    unit: Unit,
    kind: MetricSeries['kind'],
    value: number,
  ) => {
    const key = JSON.stringify(dimensions);
    let entry = entries.get(key);
    if (entry === undefined) {
      entry = { dimensions, dimensionSets, metrics: new Map() };
      entries.set(key, entry);
    }
    const series = entry.metrics.get(name);
    if (series === undefined) entry.metrics.set(name, { unit, kind, values: [value] });
    else if (kind === 'sum') series.values[0] += value;
    else series.values.push(value);
  };

  const request = (
    route: 'write' | 'read',
    status: number,
    durationMs: number,
    counts: Record<string, number>,
  ) => {
    const dims = { Route: route };
    const sets = [['Route']];
    add(dims, sets, 'Requests', 'Count', 'sum', 1);
    add(dims, sets, 'ClientErrors', 'Count', 'sum', status >= 400 && status < 500 ? 1 : 0);
    add(dims, sets, 'ServerErrors', 'Count', 'sum', status >= 500 ? 1 : 0);
    add(dims, sets, 'Duration', 'Milliseconds', 'values', durationMs);
    for (const [name, value] of Object.entries(counts)) add(dims, sets, name, 'Count', 'sum', value);
  };

  return {
    writeRequest(o) {
      const ignoredTotal = Object.values(o.ignored).reduce((a, b) => a + b, 0);
      request('write', o.status, o.durationMs, {
        ReceivedSamples: o.received,
        WrittenSamples: o.written,
        IgnoredSamples: ignoredTotal,
        RejectedSamples: o.rejected,
        RetriedSamples: o.retried,
        TimestreamCalls: o.writeCalls,
        // Only when there were any, as the per-reason counts below: each metric name CloudWatch
        // sees becomes a billed custom metric, and most senders never send exemplars.
        ...(o.ignoredExemplars > 0 ? { IgnoredExemplars: o.ignoredExemplars } : {}),
      });
      for (const [reason, count] of Object.entries(o.ignored)) {
        if (count > 0)
          add(
            { Route: 'write', Reason: reason },
            [['Route', 'Reason']],
            'IgnoredSamples',
            'Count',
            'sum',
            count,
          );
      }
    },
    readRequest(o) {
      request('read', o.status, o.durationMs, {
        Queries: o.queries,
        Series: o.series,
        Samples: o.samples,
        DuplicateSamples: o.duplicateSamples,
        TimestreamCalls: o.queryCalls,
      });
    },
    timestreamCall(o) {
      const dims = { Operation: o.operation, Outcome: dimensionValue(o.outcome) };
      const sets = [['Operation'], ['Operation', 'Outcome']];
      add(dims, sets, 'Calls', 'Count', 'sum', 1);
      add(dims, sets, 'CallDuration', 'Milliseconds', 'values', o.durationMs);
    },
    flush() {
      const timestamp = nowMs();
      for (const entry of entries.values()) {
        for (const document of toDocuments(entry, namespace, timestamp))
          destination.write(`${JSON.stringify(document)}\n`);
      }
      entries.clear();
    },
  };
}

/**
 * `value` if CloudWatch takes it as a dimension value (1 to 1024 printable ASCII characters, not all
 * spaces), else `Error`. An outcome is an error's name, which an endpoint other than Timestream's
 * may send empty (`__type` "ns#") or in any characters, and CloudWatch extracts no metric from a
 * document holding a dimension value it cannot take.
 */
function dimensionValue(value: string): string {
  return value.length <= MAX_DIMENSION_VALUE_LENGTH && /^[ -~]+$/.test(value) && /[!-~]/.test(value)
    ? value
    : 'Error';
}

/** Renders one entry as EMF documents; more than one only when a metric has over 100 values. */
function toDocuments(entry: Entry, namespace: string, timestamp: number): Record<string, unknown>[] {
  const documents: Record<string, unknown>[] = [];
  for (let offset = 0; ; offset += MAX_VALUES_PER_METRIC) {
    const metrics: { Name: string; Unit: Unit }[] = [];
    const values: Record<string, number | number[]> = {};
    for (const [name, series] of entry.metrics) {
      const chunk = series.values.slice(offset, offset + MAX_VALUES_PER_METRIC);
      if (chunk.length === 0) continue;
      metrics.push({ Name: name, Unit: series.unit });
      values[name] = chunk.length === 1 ? chunk[0] : chunk;
    }
    if (metrics.length === 0) return documents;
    documents.push({
      _aws: {
        Timestamp: timestamp,
        CloudWatchMetrics: [{ Namespace: namespace, Dimensions: entry.dimensionSets, Metrics: metrics }],
      },
      ...entry.dimensions,
      ...values,
    });
  }
}
