// SPDX-License-Identifier: Apache-2.0
// The remote-write path end to end through both edges: real SDK clients over HTTP against the
// embedded store, asserting statuses, headers, counters and exactly what was stored.

import { staleNaN } from '../../../lambda/prompb/stale';
import type { Label, TimeSeries } from '../../../lambda/prompb/types';
import { snappyCompress } from '../../../lambda/codec/snappy';
import { encodeWriteRequest } from '../../../lambda/prompb/codec';
import { realisticWriteRequest } from '../../support/payloads';
import { oracle, oracleEncode } from '../../fixtures/prompb-oracle';
import {
  BASIC_AUTH,
  EDGES,
  postAndGiveUp,
  startHarness,
  TABLE,
  DATABASE,
  type Edge,
  type Harness,
} from '../../support/harness';

const HOUR = 3_600_000;
const labels = (record: Record<string, string>): Label[] =>
  Object.keys(record)
    .sort()
    .map((name) => ({ name, value: record[name] }));

/** Parses Timestream's `YYYY-MM-DD HH:MM:SS.nnnnnnnnn` into ms (independently of the connector's parser). */
const toMs = (text: string) => Date.parse(`${text.slice(0, 10)}T${text.slice(11, 23)}Z`);

/** Canonical key of a stored row: its labels (dimension columns that are not NULL) and its time. */
function rowKey(row: Record<string, string | null>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (value === null || name === 'time' || name.startsWith('measure_value::')) continue;
    parts.push(`${name === 'measure_name' ? '__name__' : name}=${value}`);
  }
  return `${parts.sort().join(',')}@${toMs(row.time as string)}`;
}

function seriesKey(ts: TimeSeries, timestamp: number): string {
  return `${ts.labels
    .map((l) => `${l.name}=${l.value}`)
    .sort()
    .join(',')}@${timestamp}`;
}

/** The sample counters on /metrics: received, written, ignored (by reason) and rejected. */
async function sampleCounters(h: Harness): Promise<string[]> {
  return (await h.metricsText())
    .split('\n')
    .filter((l) => /^timestream_connector_(received|written|ignored|rejected)_samples_total[{ ]/.test(l));
}

/** POSTs an encoded WriteRequest (one h.write cannot express) to /write, snappy-compressed. */
function writeEncoded(h: Harness, edge: Edge, body: Uint8Array) {
  return h.send(edge, '/write', snappyCompress(body), {
    'content-encoding': 'snappy',
    'content-type': 'application/x-protobuf',
    authorization: BASIC_AUTH,
  });
}

describe('POST /write', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  describe.each(EDGES)('through the %s edge', (edge) => {
    test('a realistic batch of 2400 samples over 600 series lands exactly, every value bit-exact', async () => {
      const request = realisticWriteRequest({
        series: 600,
        samplesPerSeries: 4,
        startMs: Date.now() - HOUR,
        externalLabels: { edge, cluster: 'eu-1' },
      });
      const response = await h.write(edge, request);
      expect(response.status).toBe(204);
      expect(response.headers['x-prometheus-remote-write-samples-written']).toBe('2400');

      const rows = await h.sql(
        `SELECT * FROM "${DATABASE}"."${TABLE}" WHERE edge = '${edge}' AND cluster = 'eu-1'`,
      );
      expect(rows).toHaveLength(2400);
      const stored = new Map(rows.map((row) => [rowKey(row), row['measure_value::double']]));
      for (const ts of request.timeseries) {
        const sample = ts.samples[0];
        const text = stored.get(seriesKey(ts, sample.timestamp));
        expect(text).toBeDefined();
        expect(Object.is(Number(text), sample.value)).toBe(true);
      }
      // The first write of the file warms everything up (~2 s on 2 idle cores): jest's default 5 s
      // failed it on a machine busy with other test runs, with nothing wrong in the code.
    }, 30_000);

    test('extreme values round-trip bit-exactly', async () => {
      const values = [
        1e-9,
        0.1 + 0.2,
        5e-324,
        1.7976931348623157e308,
        2 ** 53 + 2,
        -0,
        -1.5e-300,
        123456789.125,
      ];
      const t0 = Date.now() - HOUR;
      const timeseries = values.map((value, i) => ({
        labels: labels({ __name__: 'extreme', edge, i: String(i) }),
        samples: [{ value, timestamp: t0 + i }],
      }));
      const response = await h.write(edge, { timeseries });
      expect(response.status).toBe(204);
      const rows = await h.sql(
        `SELECT i, "measure_value::double" FROM "${DATABASE}"."${TABLE}" WHERE measure_name = 'extreme' AND edge = '${edge}'`,
      );
      const byIndex = new Map(rows.map((r) => [Number(r.i), Number(r['measure_value::double'])]));
      values.forEach((value, i) => expect(Object.is(byIndex.get(i), value)).toBe(true));
    });

    test('reserved and escaped label names are stored under their mapped dimension names', async () => {
      const t = Date.now() - HOUR;
      const response = await h.write(edge, {
        timeseries: [
          {
            labels: labels({
              __name__: 'reserved_names',
              edge,
              time: 'a',
              measure_name: 'b',
              ts_x: 'c',
              _u: 'd',
            }),
            samples: [{ value: 1, timestamp: t }],
          },
        ],
      });
      expect(response.status).toBe(204);
      const rows = await h.sql(
        `SELECT "_time", "_measure_name", "_ts_x", "__u" FROM "${DATABASE}"."${TABLE}" WHERE measure_name = 'reserved_names' AND edge = '${edge}'`,
      );
      expect(rows).toEqual([{ _time: 'a', _measure_name: 'b', _ts_x: 'c', __u: 'd' }]);
    });

    test('a request mixing valid, non-finite, stale, nameless and over-limit series writes the valid samples and answers 400 with counts', async () => {
      const t = Date.now() - HOUR;
      const name = `mixed_${edge}`;
      const timeseries: TimeSeries[] = [
        {
          labels: labels({ __name__: name, job: 'ok', edge }),
          samples: [
            { value: 1.5, timestamp: t },
            { value: 2.5, timestamp: t + 1 },
          ],
        },
        { labels: labels({ __name__: name, job: 'nan', edge }), samples: [{ value: NaN, timestamp: t }] },
        {
          labels: labels({ __name__: name, job: 'inf', edge }),
          samples: [
            { value: Infinity, timestamp: t },
            { value: -Infinity, timestamp: t + 1 },
          ],
        },
        {
          labels: labels({ __name__: name, job: 'stale', edge }),
          samples: [{ value: staleNaN(), timestamp: t }],
        },
        { labels: labels({ job: 'nameless', edge }), samples: [{ value: 3, timestamp: t }] },
        { labels: [], samples: [{ value: 4, timestamp: t }] },
        {
          labels: [
            { name: '__name__', value: name },
            { name: 'job', value: 'a' },
            { name: 'job', value: 'b' },
          ],
          samples: [{ value: 5, timestamp: t }],
        },
        { labels: labels({ __name__: 'x'.repeat(300), edge }), samples: [{ value: 6, timestamp: t }] },
        {
          labels: labels({ __name__: name, ['l'.repeat(61)]: 'v', edge }),
          samples: [{ value: 7, timestamp: t }],
        },
      ];
      const response = await h.write(edge, { timeseries });
      expect(response.status).toBe(400);
      expect(response.headers['x-prometheus-remote-write-samples-written']).toBe('2');
      const body = response.body.toString('utf8');
      expect(body.split('\n')[0]).toBe(
        'wrote 2 of 11 samples, skipped 4 (staleness markers, NaN or infinite values, native histogram samples); refused 5 samples of 5 invalid or over-limit series and 0 samples rejected by Timestream',
      );

      const rows = await h.sql(
        `SELECT job, "measure_value::double" FROM "${DATABASE}"."${TABLE}" WHERE measure_name = '${name}' ORDER BY time`,
      );
      expect(rows).toEqual([
        { job: 'ok', 'measure_value::double': '1.5' },
        { job: 'ok', 'measure_value::double': '2.5' },
      ]);
    });

    test('a sample at a time Timestream cannot store is refused alone: the rest of the request is written, 400', async () => {
      const t = Date.now() - HOUR;
      const name = `bad_time_${edge}`;
      const response = await h.write(edge, {
        timeseries: [
          {
            labels: labels({ __name__: name, job: 'a', edge }),
            samples: [
              { value: 1, timestamp: t },
              { value: 2, timestamp: -5 },
              { value: 3, timestamp: t + 1 },
            ],
          },
          { labels: labels({ __name__: name, job: 'b', edge }), samples: [{ value: 4, timestamp: t }] },
          {
            labels: labels({ __name__: name, job: 'c', edge }),
            samples: [{ value: 5, timestamp: 9_223_372_036_855 }],
          },
        ],
      });
      expect(response.status).toBe(400);
      expect(response.headers['x-prometheus-remote-write-samples-written']).toBe('3');
      expect(response.body.toString('utf8').split('\n')).toEqual([
        'wrote 3 of 5 samples; refused 0 samples of 0 invalid or over-limit series, 2 samples at times Timestream cannot store and 0 samples rejected by Timestream',
        `- series ${name}{edge="${edge}", job="a"} has a sample at -5 ms, outside the times Timestream can store (0 to 9223372036854 ms: 1970-01-01 to 2262-04-11 UTC)`,
        `- series ${name}{edge="${edge}", job="c"} has a sample at 9223372036855 ms, outside the times Timestream can store (0 to 9223372036854 ms: 1970-01-01 to 2262-04-11 UTC)`,
        '',
      ]);
      const rows = await h.sql(
        `SELECT job, "measure_value::double" FROM "${DATABASE}"."${TABLE}" WHERE measure_name = '${name}' ORDER BY job, time`,
      );
      expect(rows).toEqual([
        { job: 'a', 'measure_value::double': '1.0' },
        { job: 'a', 'measure_value::double': '3.0' },
        { job: 'b', 'measure_value::double': '4.0' },
      ]);
    });

    test('series whose label bytes are not UTF-8 are refused alone, not merged: the rest is written, 400', async () => {
      const t = Date.now() - HOUR;
      const name = `bad_utf8_${edge}`;
      const encoded = Buffer.from(
        encodeWriteRequest({
          timeseries: ['xa', 'ya', 'ok'].map((job, i) => ({
            labels: labels({ __name__: name, job, edge }),
            samples: [{ value: i, timestamp: t }],
          })),
        }),
      );
      // Two different byte strings, 0xFF 0x61 and 0xFE 0x61, that both decode to "\uFFFDa".
      encoded[encoded.indexOf('xa')] = 0xff;
      encoded[encoded.indexOf('ya')] = 0xfe;
      const response = await h.send(edge, '/write', Buffer.from(snappyCompress(encoded)), {
        'content-encoding': 'snappy',
        'content-type': 'application/x-protobuf',
        authorization: BASIC_AUTH,
      });
      expect(response.status).toBe(400);
      expect(response.headers['x-prometheus-remote-write-samples-written']).toBe('1');
      const reason = `- series ${name}{edge="${edge}", job="\ufffda"} has label "job" with bytes that are not UTF-8 (shown as U+FFFD)`;
      expect(response.body.toString('utf8').split('\n')).toEqual([
        'wrote 1 of 3 samples; refused 2 samples of 2 invalid or over-limit series and 0 samples rejected by Timestream',
        reason,
        reason,
        '',
      ]);
      const rows = await h.sql(
        `SELECT job, "measure_value::double" FROM "${DATABASE}"."${TABLE}" WHERE measure_name = '${name}'`,
      );
      expect(rows).toEqual([{ job: 'ok', 'measure_value::double': '2.0' }]);
    });

    test('staleness markers and non-finite values alone are skipped by policy: 204', async () => {
      const t = Date.now() - HOUR;
      const response = await h.write(edge, {
        timeseries: [
          {
            labels: labels({ __name__: 'skipped', edge }),
            samples: [
              { value: staleNaN(), timestamp: t },
              { value: NaN, timestamp: t + 1 },
            ],
          },
        ],
      });
      expect(response.status).toBe(204);
      expect(response.headers['x-prometheus-remote-write-samples-written']).toBe('0');
    });

    test('a second sample at a millisecond its series has: the same value is written again (204), another is refused and the first kept (400)', async () => {
      const t = Date.now() - HOUR;
      const name = `again_${edge}`;
      // 600 series spread over several WriteRecords calls, then a second sample of every 37th.
      const sample = (i: number, value: number): TimeSeries => ({
        labels: labels({ __name__: name, i: String(i), job: `j${i % 7}` }),
        samples: [{ value, timestamp: t }],
      });
      const first = Array.from({ length: 600 }, (_, i) => sample(i, i));
      const every37th = first.filter((_, i) => i % 37 === 0);
      const same = await h.write(edge, {
        timeseries: [
          ...first,
          ...every37th.map((ts) => sample(Number(ts.labels[1].value), ts.samples[0].value)),
        ],
      });
      expect([same.status, same.headers['x-prometheus-remote-write-samples-written']]).toEqual([204, '617']);
      const other = await h.write(edge, {
        timeseries: [
          sample(1, -1),
          ...every37th.flatMap((ts) => {
            const i = Number(ts.labels[1].value);
            return [sample(i, i), sample(i, i + 0.5)];
          }),
        ],
      });
      expect([other.status, other.headers['x-prometheus-remote-write-samples-written']]).toEqual([400, '17']);
      expect(other.body.toString().split('\n')[0]).toBe(
        'wrote 17 of 35 samples; refused 0 samples of 0 invalid or over-limit series and 18 samples rejected by Timestream',
      );
      const stored = await h.sql(
        `SELECT i, "measure_value::double" AS v FROM "${DATABASE}"."${TABLE}" WHERE measure_name = '${name}'`,
      );
      expect(stored).toHaveLength(600);
      expect(stored.filter((row) => Number(row.v) !== Number(row.i))).toEqual([]);
    });

    test('a request with only metadata (no series) is acknowledged with 204', async () => {
      const response = await h.write(edge, { timeseries: [] });
      expect(response.status).toBe(204);
      expect(response.headers['x-prometheus-remote-write-samples-written']).toBe('0');
    });

    test('a throttling store gives 503 with Retry-After, never a 4xx', async () => {
      h.store.setFaults({ throttleRate: 1, seed: 1 });
      try {
        const response = await h.write(
          edge,
          realisticWriteRequest({ series: 10, samplesPerSeries: 1, startMs: Date.now() - HOUR }),
        );
        expect(response.status).toBe(503);
        expect(response.headers['retry-after']).toBe('1');
        expect(response.headers['x-prometheus-remote-write-samples-written']).toBe('0');
        expect(response.body.toString('utf8')).toContain('ThrottlingException');
        // Nothing was written, so the answer does not say how much was.
        expect(response.body.toString('utf8')).not.toContain('were written before the failure');
      } finally {
        h.store.setFaults({});
      }
    });

    test('an internal error in the store gives 503', async () => {
      h.store.setFaults({ internalErrorRate: 1, seed: 2 });
      try {
        const response = await h.write(
          edge,
          realisticWriteRequest({ series: 10, samplesPerSeries: 1, startMs: Date.now() - HOUR }),
        );
        expect(response.status).toBe(503);
        expect(response.headers['retry-after']).toBe('1');
      } finally {
        h.store.setFaults({});
      }
    });

    test.each([
      { name: 'no credentials', headers: { authorization: '' }, status: 401 },
      { name: 'a bearer token', headers: { authorization: 'Bearer abc' }, status: 401 },
    ])(
      'answers $status with a challenge for $name, without calling Timestream',
      async ({ headers, status }) => {
        const before = h.store.metering().calls;
        const response = await h.write(
          edge,
          realisticWriteRequest({ series: 1, samplesPerSeries: 1, startMs: Date.now() - HOUR }),
          headers,
        );
        expect(response.status).toBe(status);
        expect(response.headers['www-authenticate']).toBe('Basic realm="timestream"');
        expect(h.store.metering().calls).toBe(before);
      },
    );

    test.each([
      {
        name: 'remote-write 2.0',
        headers: { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' },
        body: Buffer.from('x'),
        status: 415,
      },
      { name: 'a gzip body', headers: { 'content-encoding': 'gzip' }, body: Buffer.from('x'), status: 415 },
      {
        name: 'a body that is not snappy',
        headers: {},
        body: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        status: 400,
      },
      {
        name: 'snappy that is not protobuf',
        headers: {},
        body: Buffer.from(snappyCompress(Buffer.from([0x0a, 0x7f, 0x01]))),
        status: 400,
      },
      { name: 'an empty body', headers: {}, body: Buffer.alloc(0), status: 400 },
      {
        name: 'a tiny body declaring 256 MiB',
        headers: {},
        body: Buffer.from([0x80, 0x80, 0x80, 0x80, 0x01, 0x00]),
        status: 413,
      },
    ])('answers $status for $name', async ({ headers, body, status }) => {
      const response = await h.send(edge, '/write', body, {
        'content-encoding': 'snappy',
        'content-type': 'application/x-protobuf',
        authorization: BASIC_AUTH,
        ...headers,
      });
      expect(response.status).toBe(status);
      expect(response.headers['x-prometheus-remote-write-samples-written']).toBe('0');
    });

    test.each([
      { name: 'GET /write', method: 'GET', path: '/write', status: 405, allow: 'POST', written: '0' },
      { name: 'PUT /write/', method: 'PUT', path: '/write/', status: 405, allow: 'POST', written: '0' },
      { name: 'GET /read', method: 'GET', path: '/read', status: 405, allow: 'POST', written: undefined },
      {
        name: 'POST /nowhere',
        method: 'POST',
        path: '/nowhere',
        status: 404,
        allow: undefined,
        written: undefined,
      },
    ])('answers $status for $name', async ({ method, path, status, allow, written }) => {
      const response = await h.send(
        edge,
        path,
        snappyCompress(encodeWriteRequest({ timeseries: [] })),
        { authorization: BASIC_AUTH },
        method,
      );
      expect(response.status).toBe(status);
      expect(response.headers.allow).toBe(allow);
      expect(response.headers['x-prometheus-remote-write-samples-written']).toBe(written);
    });
  });

  // README "Migrating from the Go reference connector, and back": the reference reads a table with
  // SELECT * over a FROM_UNIXTIME range and takes every non-NULL column but time, measure_name and
  // measure_value::double as a label under the column's own name.
  test('the reference connector reads back mapped labels under their dimension names, values at full precision', async () => {
    const t0 = Math.floor((Date.now() - HOUR) / 1000) * 1000;
    const timeseries: TimeSeries[] = [
      {
        labels: labels({ __name__: 'rollback', _x: 'a', time: 't', job: 'j' }),
        samples: [{ value: 2 / 3, timestamp: t0 }],
      },
      { labels: labels({ __name__: 'rollback' }), samples: [{ value: 1e-9, timestamp: t0 + 1 }] },
    ];
    expect((await h.write('server', { timeseries })).status).toBe(204);
    const rows = await h.sql(
      `SELECT * FROM "${DATABASE}"."${TABLE}" WHERE "measure_name" = 'rollback' AND time BETWEEN FROM_UNIXTIME(${t0 / 1000}) AND FROM_UNIXTIME(${t0 / 1000 + 1}) ORDER BY time`,
    );
    const nonNull = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null)));
    expect(nonNull.map(({ ['measure_value::double']: _, time: __, ...rest }) => rest)).toEqual([
      { measure_name: 'rollback', __x: 'a', _time: 't', job: 'j' },
      { measure_name: 'rollback', _no_labels: 'true' },
    ]);
    // Go's time.Parse layout "2006-01-02 15:04:05.000000000" and strconv.ParseFloat read these.
    expect(nonNull.map((row) => row.time)).toEqual([
      new Date(t0).toISOString().replace('T', ' ').replace('Z', '000000'),
      new Date(t0 + 1).toISOString().replace('T', ' ').replace('Z', '000000'),
    ]);
    expect(nonNull.map((row) => Number(row['measure_value::double']))).toEqual([2 / 3, 1e-9]);
  });

  test('the server counts received and ignored samples by reason on /metrics', async () => {
    const text = await h.metricsText();
    expect(text).toMatch(/timestream_connector_received_samples_total \d+/);
    expect(text).toMatch(/timestream_connector_ignored_samples_total\{reason="stale"\} [1-9]/);
    expect(text).toMatch(/timestream_connector_ignored_samples_total\{reason="non_finite"\} [1-9]/);
    expect(text).toMatch(/timestream_connector_ignored_samples_total\{reason="invalid_series"\} [1-9]/);
    expect(text).toMatch(/timestream_connector_ignored_samples_total\{reason="long_label"\} [1-9]/);
  });

  test('the server answers /healthz', async () => {
    const response = await h.send('server', '/healthz', new Uint8Array(), {}, 'GET');
    expect(response.status).toBe(200);
  });

  test('logs never contain the secret access key', () => {
    expect(h.logger.text()).not.toContain('harness/Secret');
    expect(h.logger.lines.some((l) => l.msg === 'write' && l.level === 'info')).toBe(true);
  });
});

describe('POST /write with native histograms and exemplars', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const histogram = (timestamp: number) => ({
    countInt: 3,
    sum: 4.5,
    schema: 0,
    zeroThreshold: 1e-128,
    zeroCountInt: 1,
    positiveSpans: [{ offset: 0, length: 2 }],
    positiveDeltas: [1, 0],
    timestamp,
  });

  test.each(EDGES)('through the %s edge skips and counts them, writing every float sample', async (edge) => {
    const t = Date.now() - HOUR;
    // As Prometheus sends them: a native histogram series carries histograms and no samples.
    const body = oracleEncode(oracle.WriteRequest, {
      timeseries: [
        {
          labels: labels({ __name__: 'latency_seconds', edge }),
          histograms: [histogram(t), histogram(t + 1)],
        },
        {
          labels: labels({ __name__: 'requests_total', edge }),
          samples: [{ value: 7, timestamp: t }],
          exemplars: [{ labels: [{ name: 'trace_id', value: 'e2f1' }], value: 0.25, timestamp: t }],
        },
        { labels: labels({ __name__: 'latency_seconds', edge, le: '1' }), histograms: [histogram(t)] },
        {
          labels: labels({ __name__: 'up', edge }),
          samples: [
            { value: 1, timestamp: t },
            { value: 0, timestamp: t + 1 },
          ],
        },
      ],
    });
    const response = await writeEncoded(h, edge, body);
    expect(response.status).toBe(204);
    expect(response.headers['x-prometheus-remote-write-samples-written']).toBe('3');
    const rows = await h.sql(
      `SELECT measure_name, time, "measure_value::double" FROM "${DATABASE}"."${TABLE}" WHERE edge = '${edge}' ORDER BY measure_name, time`,
    );
    expect(rows.map((r) => [r.measure_name, toMs(r.time as string), r['measure_value::double']])).toEqual([
      ['requests_total', t, '7.0'],
      ['up', t, '1.0'],
      ['up', t + 1, '0.0'],
    ]);
    const line = h.logger.lines.filter((l) => l.msg === 'write').at(-1)!;
    expect(line.fields).toMatchObject({
      status: 204,
      received: 6,
      written: 3,
      refused: 0,
      ignoredExemplars: 1,
    });
    expect(line.fields.ignored).toStrictEqual({
      stale: 0,
      non_finite: 0,
      native_histogram: 3,
      invalid_series: 0,
      long_label: 0,
      invalid_timestamp: 0,
    });
  });

  test('counts them as received and rejected when fail_on_invalid_sample_value refuses the request', async () => {
    const strict = await startHarness({ connector: { failOnInvalidSampleValue: true } });
    try {
      const t = Date.now() - HOUR;
      const body = oracleEncode(oracle.WriteRequest, {
        timeseries: [
          { labels: labels({ __name__: 'latency_seconds' }), histograms: [histogram(t)] },
          { labels: labels({ __name__: 'up' }), samples: [{ value: Number.NaN, timestamp: t }] },
        ],
      });
      const response = await writeEncoded(strict, 'server', body);
      expect(response.status).toBe(400);
      expect(await sampleCounters(strict)).toEqual([
        'timestream_connector_received_samples_total 2',
        'timestream_connector_written_samples_total 0',
        'timestream_connector_rejected_samples_total 2',
      ]);
      // No exemplars, so the log line does not mention them.
      const line = strict.logger.lines.filter((l) => l.msg === 'write refused').at(-1)!;
      expect(line.fields).toMatchObject({ status: 400, received: 2, written: 0, refused: 2 });
      expect(line.fields).not.toHaveProperty('ignoredExemplars');
    } finally {
      await strict.close();
    }
  });

  test('counts exemplars once, by the answer that ends the request, not by a 503 Prometheus resends', async () => {
    const own = await startHarness();
    try {
      const t = Date.now() - HOUR;
      for (const edge of EDGES) {
        const body = oracleEncode(oracle.WriteRequest, {
          timeseries: [
            { labels: labels({ __name__: 'latency_seconds', edge }), histograms: [histogram(t)] },
            {
              labels: labels({ __name__: 'requests_total', edge }),
              samples: [{ value: 7, timestamp: t }],
              exemplars: [{ labels: [{ name: 'trace_id', value: 'e2f1' }], value: 0.25, timestamp: t }],
            },
          ],
        });
        own.store.setFaults({ throttleRate: 1 });
        let first;
        try {
          first = await writeEncoded(own, edge, body);
        } finally {
          own.store.setFaults({});
        }
        const resent = await writeEncoded(own, edge, body);
        expect([first.status, resent.status]).toEqual([503, 204]);
      }
      const text = (await own.metricsText()).split('\n');
      expect(text).toContain('timestream_connector_ignored_exemplars_total 2');
      expect(text).toContain('timestream_connector_ignored_samples_total{reason="native_histogram"} 2');
      expect(
        own.logger.lines
          .filter((l) => l.fields.route === '/write')
          .map((l) => [l.fields.status, l.fields.ignoredExemplars]),
      ).toEqual([
        [503, undefined],
        [204, 1],
        [503, undefined],
        [204, 1],
      ]);
    } finally {
      await own.close();
    }
  });

  test('counts them on /metrics: received = written + ignored + rejected, and the exemplars apart', async () => {
    expect(await sampleCounters(h)).toEqual([
      'timestream_connector_received_samples_total 12',
      'timestream_connector_written_samples_total 6',
      'timestream_connector_ignored_samples_total{reason="native_histogram"} 6',
      'timestream_connector_rejected_samples_total 0',
    ]);
    expect((await h.metricsText()).split('\n')).toContain('timestream_connector_ignored_exemplars_total 2');
  });
});

describe('POST /write against a missing table', () => {
  test('answers 404 naming the table', async () => {
    const h = await startHarness({ connector: { table: 'NoSuchTable' } });
    try {
      const response = await h.write(
        'server',
        realisticWriteRequest({ series: 2, samplesPerSeries: 1, startMs: Date.now() - HOUR }),
      );
      expect(response.status).toBe(404);
      expect(response.body.toString('utf8')).toContain('NoSuchTable');
      // Prometheus drops what a 4xx answers: received = written + ignored + rejected.
      expect(await sampleCounters(h)).toEqual([
        'timestream_connector_received_samples_total 2',
        'timestream_connector_written_samples_total 0',
        'timestream_connector_rejected_samples_total 2',
      ]);
    } finally {
      await h.close();
    }
  });

  test('counts native histograms as ignored, not rejected, when the table is missing', async () => {
    const h = await startHarness({ connector: { table: 'NoSuchTable' } });
    try {
      const t = Date.now() - HOUR;
      const body = oracleEncode(oracle.WriteRequest, {
        timeseries: [
          {
            labels: labels({ __name__: 'latency_seconds' }),
            histograms: [{ countInt: 1, sum: 1, timestamp: t }],
          },
          { labels: labels({ __name__: 'up' }), samples: [{ value: 1, timestamp: t }] },
        ],
      });
      const response = await writeEncoded(h, 'server', body);
      expect(response.status).toBe(404);
      expect(await sampleCounters(h)).toEqual([
        'timestream_connector_received_samples_total 2',
        'timestream_connector_written_samples_total 0',
        'timestream_connector_ignored_samples_total{reason="native_histogram"} 1',
        'timestream_connector_rejected_samples_total 1',
      ]);
    } finally {
      await h.close();
    }
  });
});

describe('POST /write with the store verifying credentials', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      store: {
        credentials: [
          { accessKeyId: 'AKIDTESTHARNESS', secretAccessKey: 'harness/Secret+Key0123456789' },
          { accessKeyId: 'AKIDDENIED', secretAccessKey: 'denied-secret', deny: true },
        ],
      },
    });
  });
  afterAll(async () => {
    await h.close();
  });
  const auth = (id: string, secret: string) => ({
    authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
  });

  const CHALLENGE = 'Basic realm="timestream"';
  test.each([
    { name: 'known credentials', headers: {}, status: 204, challenge: undefined },
    {
      name: 'an unknown access key',
      headers: auth('AKIDUNKNOWN', 'whatever'),
      status: 401,
      challenge: CHALLENGE,
    },
    {
      name: 'a wrong secret',
      headers: auth('AKIDTESTHARNESS', 'wrong-secret'),
      status: 401,
      challenge: CHALLENGE,
    },
    {
      name: 'credentials without permission',
      headers: auth('AKIDDENIED', 'denied-secret'),
      status: 403,
      challenge: undefined,
    },
  ])('answers $status for $name', async ({ headers, status, challenge }) => {
    const response = await h.write(
      'server',
      realisticWriteRequest({ series: 3, samplesPerSeries: 1, startMs: Date.now() - HOUR }),
      headers,
    );
    expect(response.status).toBe(status);
    // Every 401 says how to authenticate (RFC 9110), also when Timestream refused the credentials.
    expect(response.headers['www-authenticate']).toBe(challenge);
  });
});

describe('every remote-write answer is counted', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ maxBodyBytes: 1024, connector: { failOnLongLabel: true } });
  });
  afterAll(async () => {
    await h.close();
  });

  /** The value of one sample line of /metrics, 0 when absent. */
  const metric = async (line: string) => {
    const text = await h.metricsText();
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found === undefined ? 0 : Number(found.slice(line.length + 1));
  };

  test('405, 413 for a body over --max-body-bytes, and 400 by fail_on_long_label, with their samples', async () => {
    const t = Date.now() - HOUR;
    const refused = {
      timeseries: [
        { labels: labels({ __name__: 'ok_series' }), samples: [{ value: 1, timestamp: t }] },
        {
          labels: labels({ __name__: 'x'.repeat(300) }),
          samples: [
            { value: 2, timestamp: t },
            { value: 3, timestamp: t + 1 },
          ],
        },
      ],
    };
    const method = await h.send('server', '/write', new Uint8Array(10), { authorization: BASIC_AUTH }, 'GET');
    const oversize = await h.send('server', '/write', new Uint8Array(1025), {
      authorization: BASIC_AUTH,
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
    });
    const policy = await h.write('server', refused);
    const readMethod = await h.send(
      'server',
      '/read',
      new Uint8Array(10),
      { authorization: BASIC_AUTH },
      'GET',
    );

    expect(
      [method, oversize, policy, readMethod].map((r) => [
        r.status,
        r.headers['x-prometheus-remote-write-samples-written'],
        r.headers.connection,
        r.body.toString('utf8'),
      ]),
    ).toEqual([
      [405, '0', 'keep-alive', '/write accepts POST only\n'],
      [413, '0', 'close', 'request body exceeds the limit of 1024 bytes (--max-body-bytes)\n'],
      [
        400,
        '0',
        'keep-alive',
        `series ${'x'.repeat(200)}… has a metric name of 300 bytes, over the Timestream measure name limit of 256 (fail_on_long_label)\n`,
      ],
      [405, undefined, 'keep-alive', '/read accepts POST only\n'],
    ]);
    expect({
      405: await metric('timestream_connector_write_requests_total{status="405"}'),
      413: await metric('timestream_connector_write_requests_total{status="413"}'),
      400: await metric('timestream_connector_write_requests_total{status="400"}'),
      duration: await metric('timestream_connector_write_duration_seconds_count'),
      received: await metric('timestream_connector_received_samples_total'),
      rejected: await metric('timestream_connector_rejected_samples_total'),
      written: await metric('timestream_connector_written_samples_total'),
      readMethod: await metric('timestream_connector_read_requests_total{status="405"}'),
    }).toEqual({ 405: 1, 413: 1, 400: 1, duration: 3, received: 3, rejected: 3, written: 0, readMethod: 1 });
  });
});

describe('a write whose client goes away before the answer', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  test('stops its Timestream calls: 503 at once instead of 204 after the store answers', async () => {
    // Each WriteRecords call takes 4 s; the client gives up after 300 ms, as Prometheus does past
    // its remote_timeout.
    h.store.setFaults({ latencyMs: 4000 });
    try {
      const body = snappyCompress(
        encodeWriteRequest(
          realisticWriteRequest({ series: 5, samplesPerSeries: 1, startMs: Date.now() - HOUR }),
        ),
      );
      // The answer nobody reads is still counted; it is the 503 of aborted calls, not a 204.
      const counted = await postAndGiveUp(h, '/write', body, 'timestream_connector_write_requests_total');
      expect(counted).toEqual(['timestream_connector_write_requests_total{status="503"} 1']);
      // Logged as its client's leaving, not as a Timestream failure.
      const lines = h.logger.lines.filter((l) => l.fields.route === '/write');
      expect(lines.map((l) => [l.level, l.msg, l.fields.status])).toEqual([
        ['warn', 'client closed the connection before its write was answered', 503],
      ]);
      expect(lines[0].fields.reason).toMatch(/^Timestream WriteRecords failed: AbortError: /);
    } finally {
      h.store.setFaults({});
    }
  });
});

describe('a write whose calls Timestream refuses in part', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  test('sends each call once: a resend would only repeat the refusal and bill the written records again', async () => {
    const before = h.store.metering();
    h.store.setFaults({ rejectRate: 0.3, seed: 5 });
    let response;
    try {
      response = await h.write(
        'server',
        realisticWriteRequest({ series: 300, samplesPerSeries: 1, startMs: Date.now() - HOUR }),
      );
    } finally {
      h.store.setFaults({});
    }
    expect(response.status).toBe(400);
    const refused = h.logger.lines.filter((l) => l.msg === 'write refused');
    expect(refused).toHaveLength(1);
    const { calls, written, refused: rejected } = refused[0].fields as Record<string, number>;
    expect(rejected).toBeGreaterThan(0);
    expect(written + rejected).toBe(300);
    const after = h.store.metering();
    expect(after.calls - before.calls).toBe(calls);
    expect(after.records - before.records).toBe(300);
  });
});

describe('a write answered 503 and resent', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  test('counts what the 503 left unwritten as retried, and what it skipped or refused once, on the resend', async () => {
    const t = Date.now() - HOUR;
    for (const edge of EDGES) {
      const request = {
        timeseries: [
          ...[1, 2, 3, 4].map((i) => ({
            labels: labels({ __name__: 'resent', edge, i: String(i) }),
            samples: [{ value: i, timestamp: t }],
          })),
          {
            labels: labels({ __name__: 'resent', edge, i: 'stale' }),
            samples: [{ value: staleNaN(), timestamp: t }],
          },
          { labels: labels({ edge, i: 'nameless' }), samples: [{ value: 1, timestamp: t }] },
        ],
      };
      h.store.setFaults({ throttleRate: 1 });
      let first;
      try {
        first = await h.write(edge, request);
      } finally {
        h.store.setFaults({});
      }
      const resent = await h.write(edge, request);
      expect(
        [first, resent].map((r) => [r.status, r.headers['x-prometheus-remote-write-samples-written']]),
      ).toEqual([
        [503, '0'],
        [400, '4'],
      ]);
    }
    const lines = (await h.metricsText())
      .split('\n')
      .filter((l) =>
        /^timestream_connector_(received|written|ignored|rejected|retried)_samples_total[{ ]/.test(l),
      );
    // received 24 = written 8 + stale 2 + rejected 2 (the nameless series) + retried 12 (the 503s).
    expect(lines).toEqual([
      'timestream_connector_received_samples_total 24',
      'timestream_connector_written_samples_total 8',
      'timestream_connector_ignored_samples_total{reason="stale"} 2',
      'timestream_connector_ignored_samples_total{reason="invalid_series"} 2',
      'timestream_connector_rejected_samples_total 2',
      'timestream_connector_retried_samples_total 12',
    ]);
    const counts = h.logger.lines
      .filter((l) => l.fields.route === '/write')
      .map((l) => [l.msg, l.fields.received, l.fields.written, l.fields.refused, l.fields.retried]);
    expect(counts).toEqual([
      ['write failed', 6, 0, 0, 6],
      ['write refused', 6, 4, 1, 0],
      ['write failed', 6, 0, 0, 6],
      ['write refused', 6, 4, 1, 0],
    ]);
  });
});
