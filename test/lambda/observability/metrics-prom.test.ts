// SPDX-License-Identifier: Apache-2.0
import { Registry } from 'prom-client';
import { createPromMetrics, METRIC_NAMES } from '../../../lambda/observability/metrics';
import { STORE_MEMORY_TIMEOUT_MS, type StoreMemoryFigures } from '../../../lambda/observability/metrics-prom';

function withFigures() {
  const metrics = createPromMetrics(new Registry(), { defaultMetrics: false });
  metrics.writeRequest({
    status: 204,
    durationMs: 20,
    received: 10,
    written: 7,
    ignored: { non_finite: 2, stale: 1 },
    rejected: 0,
    retried: 0,
    ignoredExemplars: 4,
    writeCalls: 1,
  });
  metrics.writeRequest({
    status: 400,
    durationMs: 3000,
    received: 5,
    written: 3,
    ignored: { stale: 0 },
    rejected: 2,
    retried: 0,
    ignoredExemplars: 0,
    writeCalls: 1,
  });
  metrics.readRequest({
    status: 200,
    durationMs: 120,
    queries: 2,
    series: 4,
    samples: 40,
    duplicateSamples: 1,
    queryCalls: 3,
  });
  metrics.timestreamCall({ operation: 'WriteRecords', durationMs: 15, outcome: 'ok' });
  metrics.timestreamCall({ operation: 'WriteRecords', durationMs: 30, outcome: 'rejected' });
  metrics.timestreamCall({ operation: 'Query', durationMs: 40, outcome: 'ok' });
  return metrics;
}

function sampleLines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('createPromMetrics', () => {
  test.each([
    { name: 'received', lines: ['timestream_connector_received_samples_total 15'] },
    { name: 'written', lines: ['timestream_connector_written_samples_total 10'] },
    { name: 'rejected', lines: ['timestream_connector_rejected_samples_total 2'] },
    { name: 'ignored exemplars', lines: ['timestream_connector_ignored_exemplars_total 4'] },
    {
      name: 'ignored by reason (zero counts add no series)',
      lines: [
        'timestream_connector_ignored_samples_total{reason="non_finite"} 2',
        'timestream_connector_ignored_samples_total{reason="stale"} 1',
      ],
    },
    {
      name: 'write requests by status',
      lines: [
        'timestream_connector_write_requests_total{status="204"} 1',
        'timestream_connector_write_requests_total{status="400"} 1',
      ],
    },
    { name: 'read requests by status', lines: ['timestream_connector_read_requests_total{status="200"} 1'] },
    { name: 'read queries', lines: ['timestream_connector_read_queries_total 2'] },
    { name: 'read series', lines: ['timestream_connector_read_series_total 4'] },
    { name: 'read samples', lines: ['timestream_connector_read_samples_total 40'] },
    {
      name: 'read samples left out at a shared millisecond',
      lines: ['timestream_connector_read_duplicate_samples_total 1'],
    },
    {
      name: 'Timestream calls by operation and outcome',
      lines: [
        'timestream_connector_timestream_calls_total{operation="WriteRecords",outcome="ok"} 1',
        'timestream_connector_timestream_calls_total{operation="WriteRecords",outcome="rejected"} 1',
        'timestream_connector_timestream_calls_total{operation="Query",outcome="ok"} 1',
      ],
    },
  ])('counts $name', async ({ lines }) => {
    const text = await withFigures().metrics();
    const name = lines[0].split(/[{ ]/)[0];
    expect(sampleLines(text).filter((line) => line.split(/[{ ]/)[0] === name)).toEqual(lines);
  });

  test('counts the samples a 503 left unwritten as retried, the rest of its samples as written', async () => {
    const metrics = createPromMetrics(new Registry(), { defaultMetrics: false });
    metrics.writeRequest({
      status: 503,
      durationMs: 30,
      received: 8,
      written: 2,
      ignored: {},
      rejected: 0,
      retried: 6,
      ignoredExemplars: 0,
      writeCalls: 2,
    });
    const text = await metrics.metrics();
    expect(
      sampleLines(text).filter((line) =>
        /^timestream_connector_(received|written|rejected|retried)_samples_total /.test(line),
      ),
    ).toEqual([
      'timestream_connector_received_samples_total 8',
      'timestream_connector_written_samples_total 2',
      'timestream_connector_rejected_samples_total 0',
      'timestream_connector_retried_samples_total 6',
    ]);
  });

  test('adds no ignored series for a reason counted zero', async () => {
    const metrics = createPromMetrics(new Registry(), { defaultMetrics: false });
    metrics.writeRequest({
      status: 204,
      durationMs: 1,
      received: 1,
      written: 1,
      ignored: { stale: 0, too_long: 0 },
      rejected: 0,
      retried: 0,
      ignoredExemplars: 0,
      writeCalls: 1,
    });
    const text = await metrics.registry.getSingleMetricAsString(METRIC_NAMES.ignoredSamples);
    expect(sampleLines(text)).toEqual([]);
  });

  test('observes write durations in seconds in the reference buckets and four longer ones', async () => {
    const metrics = withFigures();
    const text = await metrics.registry.getSingleMetricAsString(METRIC_NAMES.writeDuration);
    expect(sampleLines(text)).toEqual([
      'timestream_connector_write_duration_seconds_bucket{le="0.005"} 0',
      'timestream_connector_write_duration_seconds_bucket{le="0.01"} 0',
      'timestream_connector_write_duration_seconds_bucket{le="0.025"} 1',
      'timestream_connector_write_duration_seconds_bucket{le="0.05"} 1',
      'timestream_connector_write_duration_seconds_bucket{le="0.1"} 1',
      'timestream_connector_write_duration_seconds_bucket{le="0.25"} 1',
      'timestream_connector_write_duration_seconds_bucket{le="0.5"} 1',
      'timestream_connector_write_duration_seconds_bucket{le="1"} 1',
      'timestream_connector_write_duration_seconds_bucket{le="2.5"} 1',
      'timestream_connector_write_duration_seconds_bucket{le="5"} 2',
      'timestream_connector_write_duration_seconds_bucket{le="10"} 2',
      'timestream_connector_write_duration_seconds_bucket{le="20"} 2',
      'timestream_connector_write_duration_seconds_bucket{le="30"} 2',
      'timestream_connector_write_duration_seconds_bucket{le="60"} 2',
      'timestream_connector_write_duration_seconds_bucket{le="120"} 2',
      'timestream_connector_write_duration_seconds_bucket{le="+Inf"} 2',
      'timestream_connector_write_duration_seconds_sum 3.02',
      'timestream_connector_write_duration_seconds_count 2',
    ]);
  });

  test('tells a read that waited most of a minute from one that took longer than two', async () => {
    const metrics = createPromMetrics(new Registry(), { defaultMetrics: false });
    for (const durationMs of [45_000, 150_000])
      metrics.readRequest({
        status: 200,
        durationMs,
        queries: 1,
        series: 1,
        samples: 1,
        duplicateSamples: 0,
        queryCalls: 1,
      });
    const text = await metrics.registry.getSingleMetricAsString(METRIC_NAMES.readDuration);
    expect(sampleLines(text).filter((line) => /le="(10|20|30|60|120|\+Inf)"/.test(line))).toEqual([
      'timestream_connector_read_duration_seconds_bucket{le="10"} 0',
      'timestream_connector_read_duration_seconds_bucket{le="20"} 0',
      'timestream_connector_read_duration_seconds_bucket{le="30"} 0',
      'timestream_connector_read_duration_seconds_bucket{le="60"} 1',
      'timestream_connector_read_duration_seconds_bucket{le="120"} 1',
      'timestream_connector_read_duration_seconds_bucket{le="+Inf"} 2',
    ]);
  });

  test('observes read and call durations', async () => {
    const text = await withFigures().metrics();
    expect(sampleLines(text)).toEqual(
      expect.arrayContaining([
        'timestream_connector_read_duration_seconds_sum 0.12',
        'timestream_connector_read_duration_seconds_count 1',
        'timestream_connector_timestream_call_duration_seconds_sum{operation="WriteRecords"} 0.045',
        'timestream_connector_timestream_call_duration_seconds_count{operation="WriteRecords"} 2',
        'timestream_connector_timestream_call_duration_seconds_count{operation="Query"} 1',
      ]),
    );
  });

  test('registers the documented names and types', async () => {
    const text = await createPromMetrics(new Registry(), { defaultMetrics: false }).metrics();
    const types = text.split('\n').filter((line) => line.startsWith('# TYPE'));
    expect(types).toEqual([
      '# TYPE timestream_connector_received_samples_total counter',
      '# TYPE timestream_connector_written_samples_total counter',
      '# TYPE timestream_connector_ignored_samples_total counter',
      '# TYPE timestream_connector_rejected_samples_total counter',
      '# TYPE timestream_connector_retried_samples_total counter',
      '# TYPE timestream_connector_ignored_exemplars_total counter',
      '# TYPE timestream_connector_write_requests_total counter',
      '# TYPE timestream_connector_write_duration_seconds histogram',
      '# TYPE timestream_connector_read_requests_total counter',
      '# TYPE timestream_connector_read_duration_seconds histogram',
      '# TYPE timestream_connector_read_queries_total counter',
      '# TYPE timestream_connector_read_series_total counter',
      '# TYPE timestream_connector_read_samples_total counter',
      '# TYPE timestream_connector_read_duplicate_samples_total counter',
      '# TYPE timestream_connector_timestream_calls_total counter',
      '# TYPE timestream_connector_timestream_call_duration_seconds histogram',
    ]);
  });

  test.each(['write', 'read'] as const)(
    "adds the %s queue's gauges, read at each scrape, when given the queue",
    async (route) => {
      const queue = { inFlight: 3, waiting: 7 };
      const metrics = createPromMetrics(new Registry(), { defaultMetrics: false, [`${route}Queue`]: queue });
      const gauges = async () =>
        (await metrics.metrics())
          .split('\n')
          .filter((line) => line.includes('_requests_in_flight') || line.includes('_requests_waiting'))
          .filter((line) => !line.startsWith('# TYPE'));
      const option = `--web.max-concurrent-${route}s`;
      expect(await gauges()).toEqual([
        `# HELP timestream_connector_${route}_requests_in_flight Remote-${route} requests being handled now (at most ${option}, unless 0).`,
        `timestream_connector_${route}_requests_in_flight 3`,
        `# HELP timestream_connector_${route}_requests_waiting Remote-${route} requests waiting for their turn (${option}).`,
        `timestream_connector_${route}_requests_waiting 7`,
      ]);
      Object.assign(queue, { inFlight: 64, waiting: 0 });
      expect((await gauges()).filter((line) => !line.startsWith('#'))).toEqual([
        `timestream_connector_${route}_requests_in_flight 64`,
        `timestream_connector_${route}_requests_waiting 0`,
      ]);
    },
  );

  test("adds the embedded store's memory gauges, asking the store once per scrape, keeping the last values when it cannot answer", async () => {
    const answers: (() => Promise<StoreMemoryFigures>)[] = [
      async () => ({ duckdbBytes: 1500, heapUsedBytes: 2500 }),
      async () => ({ heapUsedBytes: 3000 }),
      async () => {
        throw new Error('embedded store thread exited with code 1');
      },
    ];
    let asked = 0;
    const metrics = createPromMetrics(new Registry(), {
      defaultMetrics: false,
      storeMemory: () => answers[asked++]!(),
    });
    const gauges = async () =>
      (await metrics.metrics())
        .split('\n')
        .filter((line) => line.startsWith('timestream_connector_local_store_'));
    expect(await gauges()).toEqual([
      'timestream_connector_local_store_duckdb_memory_bytes 1500',
      'timestream_connector_local_store_heap_used_bytes 2500',
    ]);
    expect(asked).toBe(1);
    expect(await gauges()).toEqual([
      'timestream_connector_local_store_duckdb_memory_bytes 1500',
      'timestream_connector_local_store_heap_used_bytes 3000',
    ]);
    expect(await gauges()).toEqual([
      'timestream_connector_local_store_duckdb_memory_bytes 1500',
      'timestream_connector_local_store_heap_used_bytes 3000',
    ]);
    expect(asked).toBe(3);
  });

  test('serves the page without the store memory figures when the store has not answered in time', async () => {
    jest.useFakeTimers();
    try {
      const metrics = createPromMetrics(new Registry(), {
        defaultMetrics: false,
        storeMemory: () => new Promise<never>(() => undefined),
      });
      const page = metrics.metrics();
      await jest.advanceTimersByTimeAsync(STORE_MEMORY_TIMEOUT_MS);
      expect(
        (await page).split('\n').filter((line) => line.startsWith('timestream_connector_local_store_')),
      ).toEqual([
        'timestream_connector_local_store_duckdb_memory_bytes 0',
        'timestream_connector_local_store_heap_used_bytes 0',
      ]);
    } finally {
      jest.useRealTimers();
    }
  });

  test('includes process metrics by default and serves the text format', async () => {
    const metrics = createPromMetrics(new Registry());
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await metrics.metrics()).toContain('# TYPE process_cpu_seconds_total counter');
  });
});
