// SPDX-License-Identifier: Apache-2.0
// Deterministic, realistic remote-write payloads: node_exporter, kube-state-metrics and
// histogram-heavy application series with 6–12 labels, one sample per TimeSeries as Prometheus
// 2.42 sends them. Shared by tests and benchmarks.

import type { Label, TimeSeries, WriteRequest } from '../../lambda/prompb/types';

/** mulberry32: a tiny seeded PRNG, so payloads are identical on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PayloadOptions {
  /** Distinct series. */
  series: number;
  /** Samples per series (each sent as its own TimeSeries entry). */
  samplesPerSeries: number;
  startMs: number;
  stepMs?: number;
  seed?: number;
  /** Labels added to every series, like Prometheus' external_labels. */
  externalLabels?: Record<string, string>;
}

const MODES = ['user', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'nice'];
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

/** Builds the label sets of `count` distinct, realistic series (sorted by name, as Prometheus does). */
export function realisticLabelSets(
  count: number,
  seed = 1,
  external: Record<string, string> = {},
): Label[][] {
  const random = seededRandom(seed);
  const sets: Label[][] = [];
  for (let i = 0; sets.length < count; i++) {
    const instance = `10.0.${(i >> 8) & 255}.${i & 255}:9100`;
    const kind = i % 3;
    let labels: Record<string, string>;
    if (kind === 0) {
      labels = {
        __name__: 'node_cpu_seconds_total',
        job: 'node',
        instance,
        cpu: String(i % 16),
        mode: MODES[i % MODES.length],
      };
    } else if (kind === 1) {
      labels = {
        __name__: 'kube_pod_container_status_restarts_total',
        job: 'kube-state-metrics',
        instance: 'ksm:8080',
        namespace: `ns-${i % 23}`,
        pod: `pod-${i}-${Math.floor(random() * 1e6).toString(36)}`,
        container: `c${i % 5}`,
        uid: `${(i * 2654435761) >>> 0}`,
      };
    } else {
      labels = {
        __name__: 'http_request_duration_seconds_bucket',
        job: 'api',
        instance: `api-${i % 7}:8080`,
        method: i % 2 === 0 ? 'GET' : 'POST',
        handler: `/v1/items/${i % 41}`,
        code: String([200, 201, 404, 500][i % 4]),
        le: BUCKETS[i % BUCKETS.length],
        service: 'catalog',
        version: `1.${i % 9}.0`,
      };
    }
    const all = { ...labels, ...external };
    sets.push(
      Object.keys(all)
        .sort()
        .map((name) => ({ name, value: all[name] })),
    );
  }
  return sets;
}

/** Builds a WriteRequest with one TimeSeries entry per sample. Values vary in magnitude and sign. */
export function realisticWriteRequest(options: PayloadOptions): WriteRequest {
  const random = seededRandom(options.seed ?? 7);
  const sets = realisticLabelSets(options.series, options.seed ?? 1, options.externalLabels);
  const step = options.stepMs ?? 15_000;
  const timeseries: TimeSeries[] = [];
  for (let s = 0; s < options.samplesPerSeries; s++) {
    for (const labels of sets) {
      const magnitude = Math.pow(10, Math.floor(random() * 24) - 12);
      const value = (random() - 0.2) * magnitude;
      timeseries.push({ labels, samples: [{ value, timestamp: options.startMs + s * step }] });
    }
  }
  return { timeseries };
}
