// SPDX-License-Identifier: Apache-2.0
// Benchmark of the sample -> record mapping (lambda/timestream/records.ts): CPU per sample of
// toWriteBatches, and Timestream write units per 1 M samples against the reference connector's
// batching (SPEC section 9). Run: npx tsx scripts/bench-records.ts

import type { Label, TimeSeries } from '../lambda/prompb/types';
import {
  meteredWriteUnits,
  referenceWriteUnits,
  toWriteBatches,
  type WriteBatch,
} from '../lambda/timestream/records';
import { seededRandom } from '../test/support/payloads';

/** Samples per request: what the brief asks for (Prometheus 2.42 default max_samples_per_send is 500; 2000 is a common setting). */
const REQUEST_SAMPLES = 2000;
/** Remote-write shards Prometheus spreads series over by label hash; a request comes from one shard. */
const SHARDS = 4;

type Labels = Record<string, string>;
interface Target {
  target: Labels;
  series: Array<[string, Labels]>;
}

const EXTERNAL: Labels = { cluster: 'prod-eu-west-1', replica: 'prometheus-0' };
const MODES = ['user', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'nice'];
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

function nodeExporter(node: number, random: () => number): Target {
  const target = {
    job: 'node-exporter',
    instance: `10.0.${node >> 4}.${(node & 15) + 10}:9100`,
    namespace: 'monitoring',
    pod: `node-exporter-${Math.floor(random() * 36 ** 5).toString(36)}`,
    service: 'node-exporter',
  };
  const series: Target['series'] = [];
  for (let cpu = 0; cpu < 4; cpu++)
    for (const mode of MODES) series.push(['node_cpu_seconds_total', { cpu: String(cpu), mode }]);
  for (const m of [
    'MemTotal',
    'MemFree',
    'MemAvailable',
    'Buffers',
    'Cached',
    'SwapTotal',
    'SwapFree',
    'Active',
    'Inactive',
    'Dirty',
  ])
    series.push([`node_memory_${m}_bytes`, {}]);
  for (const [device, mountpoint, fstype] of [
    ['/dev/nvme0n1p1', '/', 'ext4'],
    ['/dev/nvme1n1', '/var/lib/kubelet', 'xfs'],
    ['tmpfs', '/run', 'tmpfs'],
  ])
    for (const m of ['avail', 'free', 'size', 'files', 'files_free'])
      series.push([`node_filesystem_${m}_bytes`, { device, fstype, mountpoint }]);
  for (const device of ['nvme0n1', 'nvme1n1'])
    for (const m of [
      'reads_completed_total',
      'writes_completed_total',
      'read_bytes_total',
      'written_bytes_total',
      'io_time_seconds_total',
    ])
      series.push([`node_disk_${m}`, { device }]);
  for (const device of ['eth0', 'lo', 'cni0'])
    for (const m of [
      'receive_bytes_total',
      'transmit_bytes_total',
      'receive_packets_total',
      'transmit_packets_total',
    ])
      series.push([`node_network_${m}`, { device }]);
  for (const m of [
    'node_load1',
    'node_load5',
    'node_load15',
    'node_boot_time_seconds',
    'node_context_switches_total',
    'node_forks_total',
  ])
    series.push([m, {}]);
  return { target, series };
}

function kubeStateMetrics(random: () => number): Target {
  const target = {
    job: 'kube-state-metrics',
    instance: '10.0.9.14:8080',
    namespace: 'kube-system',
    pod: 'kube-state-metrics-6f7c9d-x2b4q',
    service: 'kube-state-metrics',
  };
  const series: Target['series'] = [];
  for (let p = 0; p < 120; p++) {
    const ns = ['shop', 'payments', 'search', 'monitoring', 'kube-system'][p % 5];
    const pod = `${['api', 'worker', 'web', 'cache'][p % 4]}-${Math.floor(random() * 36 ** 6).toString(36)}-${Math.floor(random() * 36 ** 5).toString(36)}`;
    const uid = `${Math.floor(random() * 2 ** 32).toString(16)}-${Math.floor(random() * 2 ** 16).toString(16)}-4a1e-9c2d-${Math.floor(random() * 2 ** 32).toString(16)}`;
    const pl = { exported_namespace: ns, exported_pod: pod, uid };
    for (const phase of ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'])
      series.push(['kube_pod_status_phase', { ...pl, phase }]);
    series.push([
      'kube_pod_container_status_restarts_total',
      { ...pl, exported_container: pod.split('-')[0] },
    ]);
    series.push([
      'kube_pod_container_resource_requests',
      {
        ...pl,
        exported_container: pod.split('-')[0],
        node: `ip-10-0-${p % 16}-12.eu-west-1.compute.internal`,
        resource: 'cpu',
        unit: 'core',
      },
    ]);
    series.push([
      'kube_pod_info',
      {
        ...pl,
        host_ip: `10.0.${p % 16}.12`,
        pod_ip: `10.1.${p % 16}.${p}`,
        node: `ip-10-0-${p % 16}-12.eu-west-1.compute.internal`,
        created_by_kind: 'ReplicaSet',
        priority_class: '',
        host_network: 'false',
      },
    ]);
  }
  return { target, series };
}

function appPod(app: number, replica: number, random: () => number): Target {
  const name = ['checkout', 'catalog', 'cart'][app];
  const target = {
    job: name,
    instance: `10.1.${app}.${replica + 20}:8080`,
    namespace: 'shop',
    pod: `${name}-7d9f8b6c5-${Math.floor(random() * 36 ** 5).toString(36)}`,
    container: name,
    service: name,
  };
  const series: Target['series'] = [];
  for (const route of ['/api/v1/items', '/api/v1/items/{id}', '/api/v1/orders', '/healthz'])
    for (const method of ['GET', 'POST'])
      for (const code of ['200', '404', '500']) {
        const l = { method, route, status_code: code };
        for (const le of BUCKETS) series.push(['http_request_duration_seconds_bucket', { ...l, le }]);
        series.push(['http_request_duration_seconds_sum', l], ['http_request_duration_seconds_count', l]);
      }
  for (const m of [
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'process_open_fds',
    'go_goroutines',
    'go_gc_duration_seconds_sum',
  ])
    series.push([m, {}]);
  return { target, series };
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** One shard's request: scrapes in target order (each scrape one timestamp), the shard's series only. */
export function realisticRequest(seed: number, samples: number): TimeSeries[] {
  const random = seededRandom(seed);
  const targets: Target[] = [kubeStateMetrics(random)];
  for (let n = 0; n < 24; n++) targets.push(nodeExporter(n, random));
  for (let a = 0; a < 3; a++) for (let r = 0; r < 6; r++) targets.push(appPod(a, r, random));
  targets.sort(() => random() - 0.5);
  const out: TimeSeries[] = [];
  let timestamp = 1_763_780_000_000;
  for (let round = 0; out.length < samples; round++) {
    for (const { target, series } of targets) {
      timestamp += 1 + Math.floor(random() * 400); // scrapes are staggered over the interval
      for (const [metric, extra] of series) {
        const all: Labels = { ...target, ...extra, ...EXTERNAL, __name__: metric };
        const labels: Label[] = Object.keys(all)
          .sort()
          .filter((k) => all[k] !== '')
          .map((name) => ({ name, value: all[name] }));
        if (fnv1a(labels.map((l) => `${l.name}\xff${l.value}`).join('\xfe')) % SHARDS !== 0) continue;
        const value = metric.endsWith('_bytes')
          ? Math.floor(random() * 2 ** 40)
          : random() < 0.5
            ? Math.floor(random() * 1e6)
            : random() * 1000;
        out.push({ labels, samples: [{ value, timestamp }] });
        if (out.length === samples) return out;
      }
    }
  }
  return out;
}

function naiveRecords(timeseries: TimeSeries[]): unknown[] {
  const out: unknown[] = [];
  for (const { labels, samples } of timeseries) {
    let measureName = '';
    const dimensions: Array<{ Name: string; Value: string }> = [];
    for (const l of labels) {
      if (l.name === '__name__') measureName = l.value;
      else dimensions.push({ Name: l.name, Value: l.value });
    }
    for (const { value, timestamp } of samples) {
      if (Number.isFinite(value))
        out.push({
          Dimensions: dimensions,
          MeasureName: measureName,
          MeasureValue: String(value),
          Time: String(timestamp),
        });
    }
  }
  return out;
}

function units(batches: WriteBatch[]): number {
  return batches.reduce((sum, b) => sum + meteredWriteUnits(b), 0);
}

/** CPU µs per sample of `iterations` calls of `fn`. */
function cpuMicros(fn: (i: number) => unknown, iterations: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / (iterations * REQUEST_SAMPLES);
}

/** Warms up, then returns 15 rounds of 20 calls each, in CPU µs per sample. */
function cpuRounds(fn: (i: number) => unknown): number[] {
  cpuMicros(fn, 100);
  return Array.from({ length: 15 }, () => cpuMicros(fn, 20));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function main(): void {
  const requests = [1, 2, 3, 4, 5].map((seed) => realisticRequest(seed, REQUEST_SAMPLES));
  const options = { failOnLongLabel: false, failOnInvalidSampleValue: false };
  const labelsPerSeries = requests[0].reduce((s, t) => s + t.labels.length, 0) / REQUEST_SAMPLES;

  // CPU time (process.cpuUsage, so other processes on a shared machine count less), median of
  // rounds. "Per request": plain label arrays, prepared again in every request (interned label
  // pairs are reused). "Cached": frozen label arrays, as the decoder shares them between requests
  // (series-cache.ts), so each series is prepared once per process. "Cold": series never seen.
  const cached = requests.map((request) =>
    request.map(({ labels, samples }) => ({
      labels: Object.freeze(labels.map((l) => ({ ...l }))) as Label[],
      samples,
    })),
  );
  const perRequest = cpuRounds((i) => toWriteBatches(requests[i % requests.length], options));
  const warm = cpuRounds((i) => toWriteBatches(cached[i % cached.length], options));
  let seed = 1000;
  const coldRounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const fresh = Array.from({ length: 5 }, () => realisticRequest(seed++, REQUEST_SAMPLES));
    coldRounds.push(cpuMicros(() => fresh.forEach((request) => toWriteBatches(request, options)), 1) / 5);
  }
  // Baseline on the same machine state: the reference's mapping (one record per sample, every
  // label a dimension, no validation, no ordering), to put the figures above in proportion.
  const naive = cpuRounds((i) => naiveRecords(requests[i % requests.length]));

  let ours = 0;
  let reference = 0;
  let batchCount = 0;
  for (const request of requests) {
    const { batches } = toWriteBatches(request, options);
    ours += units(batches);
    batchCount += batches.length;
    reference += referenceWriteUnits(request);
  }
  const perMillion = (u: number) => Math.round((u / (requests.length * REQUEST_SAMPLES)) * 1e6);
  console.log(
    `request: ${REQUEST_SAMPLES} samples, one per TimeSeries, ${labelsPerSeries.toFixed(1)} labels per series on average, ${requests.length} seeds`,
  );
  console.log(
    `toWriteBatches, CPU µs/sample (median of rounds): cached series ${median(warm).toFixed(3)}, per request ${median(perRequest).toFixed(3)}, cold ${median(coldRounds).toFixed(3)}; naive per-sample mapping ${median(naive).toFixed(3)}`,
  );
  console.log(
    `write units per 1 M samples: ours ${perMillion(ours)} (${(batchCount / requests.length).toFixed(1)} WriteRecords calls per request), reference ${perMillion(reference)}, ratio ${(ours / reference).toFixed(3)}`,
  );
}

if (require.main === module) main();
