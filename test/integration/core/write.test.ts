// SPDX-License-Identifier: Apache-2.0
// The remote-write path end to end through both edges: real SDK clients over HTTP against the
// embedded store, asserting statuses, headers, counters and exactly what was stored.

import { staleNaN } from '../../../lambda/prompb/stale';
import type { Label, TimeSeries } from '../../../lambda/prompb/types';
import { snappyCompress } from '../../../lambda/codec/snappy';
import { encodeWriteRequest } from '../../../lambda/prompb/codec';
import { realisticWriteRequest } from '../../support/payloads';
import { BASIC_AUTH, EDGES, startHarness, TABLE, DATABASE, type Harness } from '../../support/harness';

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
    });

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
        'wrote 2 of 11 samples; refused 5 samples of 5 invalid series and 0 samples rejected by Timestream',
      );

      const rows = await h.sql(
        `SELECT job, "measure_value::double" FROM "${DATABASE}"."${TABLE}" WHERE measure_name = '${name}' ORDER BY time`,
      );
      expect(rows).toEqual([
        { job: 'ok', 'measure_value::double': '1.5' },
        { job: 'ok', 'measure_value::double': '2.5' },
      ]);
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
      { name: 'GET /write', method: 'GET', path: '/write', status: 405 },
      { name: 'POST /nowhere', method: 'POST', path: '/nowhere', status: 404 },
    ])('answers $status for $name', async ({ method, path, status }) => {
      const response = await h.send(
        edge,
        path,
        snappyCompress(encodeWriteRequest({ timeseries: [] })),
        { authorization: BASIC_AUTH },
        method,
      );
      expect(response.status).toBe(status);
    });
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

  test.each([
    { name: 'known credentials', headers: {}, status: 204 },
    { name: 'an unknown access key', headers: auth('AKIDUNKNOWN', 'whatever'), status: 401 },
    { name: 'a wrong secret', headers: auth('AKIDTESTHARNESS', 'wrong-secret'), status: 401 },
    { name: 'credentials without permission', headers: auth('AKIDDENIED', 'denied-secret'), status: 403 },
  ])('answers $status for $name', async ({ headers, status }) => {
    const response = await h.write(
      'server',
      realisticWriteRequest({ series: 3, samplesPerSeries: 1, startMs: Date.now() - HOUR }),
      headers,
    );
    expect(response.status).toBe(status);
  });
});
