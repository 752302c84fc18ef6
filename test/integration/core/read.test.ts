// SPDX-License-Identifier: Apache-2.0
// What each PromQL matcher *returns* through /read, the real SDK and the embedded store (which
// evaluates regexp_like with Java semantics), on data with decoys a broken query would also return.

import {
  CreateTableCommand,
  DeleteTableCommand,
  WriteRecordsCommand,
  type _Record,
} from '@aws-sdk/client-timestream-write';
import { decodeReadResponse, encodeReadRequest } from '../../../lambda/prompb/codec';
import { DEFAULT_DECODE_LIMITS } from '../../../lambda/codec/remote';
import { DIMENSION_REFRESH_MIN_INTERVAL_MS } from '../../../lambda/timestream/reader';
import { bytes, lenField, strField, varintField } from '../../fixtures/protowire';
import { snappyCompress, snappyUncompress } from '../../../lambda/codec/snappy';
import {
  MatcherType,
  ResponseType,
  type Label,
  type LabelMatcher,
  type Query,
  type ReadResponse,
  type TimeSeries,
} from '../../../lambda/prompb/types';
import {
  ACCESS_KEY_ID,
  BASIC_AUTH,
  DATABASE,
  EDGES,
  SECRET_ACCESS_KEY,
  TABLE,
  postAndGiveUp,
  startHarness,
  type EdgeResponse,
  type Harness,
} from '../../support/harness';

const T0 = Date.now() - 3_600_000;
const sorted = (record: Record<string, string>): Label[] =>
  Object.keys(record)
    .sort()
    .map((name) => ({ name, value: record[name] }));

/** Decoy-rich series of metric `rt`, each identified by its `id` label. */
const SERIES: Record<string, Record<string, string>> = {
  prometheus: { job: 'prometheus' },
  prom: { job: 'prom' },
  PROM: { job: 'PROM' },
  nojob: {},
  quote: { job: "a'b" },
  dquote: { job: 'a"b' },
  backslash: { job: 'a\\b' },
  newline: { job: 'line\nbreak' },
  trailingNewline: { job: 'prom\n' },
  carriageReturn: { job: 'a\rb' },
  lineSeparator: { job: 'a\u2028b' },
  unicode: { job: 'ünïcødé' },
  injection: { job: "x' OR '1'='1" },
  sqlComment: { job: 'y --' },
  reserved: { job: 'reserved', time: 't', measure_name: 'm' },
};

function buildSeries(): TimeSeries[] {
  return Object.entries(SERIES).map(([id, extra], i) => ({
    labels: sorted({ __name__: 'rt', id, ...extra }),
    samples: [
      { value: i + 0.25, timestamp: T0 },
      { value: -(i + 1e-9), timestamp: T0 + 1000 },
    ],
  }));
}

const eq = (name: string, value: string): LabelMatcher => ({ type: MatcherType.EQ, name, value });
const neq = (name: string, value: string): LabelMatcher => ({ type: MatcherType.NEQ, name, value });
const re = (name: string, value: string): LabelMatcher => ({ type: MatcherType.RE, name, value });
const nre = (name: string, value: string): LabelMatcher => ({ type: MatcherType.NRE, name, value });
const query = (matchers: LabelMatcher[], start = T0, end = T0 + 1000): Query => ({
  startTimestampMs: start,
  endTimestampMs: end,
  matchers,
});

function decode(response: EdgeResponse): ReadResponse {
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('application/x-protobuf');
  expect(response.headers['content-encoding']).toBe('snappy');
  return decodeReadResponse(snappyUncompress(new Uint8Array(response.body), 1 << 30));
}

const ids = (result: { timeseries: TimeSeries[] }) =>
  result.timeseries.map((ts) => ts.labels.find((l) => l.name === 'id')?.value).sort();

describe('POST /read', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ store: { pageSize: 4 } });
    const response = await h.write('server', { timeseries: buildSeries() });
    expect(response.status).toBe(204);
  });
  afterAll(async () => {
    await h.close();
  });

  const ALL = Object.keys(SERIES);
  const except = (...excluded: string[]) => ALL.filter((id) => !excluded.includes(id));
  const cases: { name: string; matchers: LabelMatcher[]; expected: string[] }[] = [
    { name: 'job="prom" is exact', matchers: [eq('job', 'prom')], expected: ['prom'] },
    { name: 'job="" selects series without job', matchers: [eq('job', '')], expected: ['nojob'] },
    {
      name: 'job!="prom" includes series without job',
      matchers: [neq('job', 'prom')],
      expected: except('prom'),
    },
    { name: 'job!="" requires job', matchers: [neq('job', '')], expected: except('nojob') },
    { name: 'job=~"prom" is fully anchored', matchers: [re('job', 'prom')], expected: ['prom'] },
    {
      name: 'job=~"prom.*" does not match across a newline',
      matchers: [re('job', 'prom.*')],
      expected: ['prom', 'prometheus'],
    },
    {
      name: 'job=~"prom|PROM" alternation stays anchored',
      matchers: [re('job', 'prom|PROM')],
      expected: ['PROM', 'prom'],
    },
    {
      name: 'job=~"(?i)prom" is case-insensitive',
      matchers: [re('job', '(?i)prom')],
      expected: ['PROM', 'prom'],
    },
    {
      name: 'job=~"prom\\n" matches the trailing newline literally',
      matchers: [re('job', 'prom\\n')],
      expected: ['trailingNewline'],
    },
    {
      name: 'job=~"a.b": RE2 dot matches \\r and U+2028 but not \\n',
      matchers: [re('job', 'a.b')],
      expected: ['backslash', 'carriageReturn', 'dquote', 'lineSeparator', 'quote'],
    },
    { name: 'job=~"line.break" does not match a newline', matchers: [re('job', 'line.break')], expected: [] },
    {
      name: 'job=~"(?s)line.break" matches a newline',
      matchers: [re('job', '(?s)line.break')],
      expected: ['newline'],
    },
    {
      name: 'job=~".*" matches absent job but no value containing a newline (RE2 dot)',
      matchers: [re('job', '.*')],
      expected: except('newline', 'trailingNewline'),
    },
    {
      name: 'job=~"(?s).*" matches everything, absent included',
      matchers: [re('job', '(?s).*')],
      expected: ALL,
    },
    {
      name: 'job=~".+" requires a job without newlines',
      matchers: [re('job', '.+')],
      expected: except('nojob', 'newline', 'trailingNewline'),
    },
    {
      name: 'job=~"prom|" matches absent job too',
      matchers: [re('job', 'prom|')],
      expected: ['nojob', 'prom'],
    },
    {
      name: 'job!~"prom|" excludes absent job',
      matchers: [nre('job', 'prom|')],
      expected: except('nojob', 'prom'),
    },
    {
      name: 'job!~"p.*" keeps absent job',
      matchers: [nre('job', 'p.*')],
      expected: except('prom', 'prometheus'),
    },
    { name: 'job="a\'b" with a quote', matchers: [eq('job', "a'b")], expected: ['quote'] },
    { name: 'job="a\\"b" with a double quote', matchers: [eq('job', 'a"b')], expected: ['dquote'] },
    { name: 'job="a\\\\b" with a backslash', matchers: [eq('job', 'a\\b')], expected: ['backslash'] },
    {
      name: 'job=~"a\\\\\\\\b" regex with an escaped backslash',
      matchers: [re('job', 'a\\\\b')],
      expected: ['backslash'],
    },
    {
      name: 'an injection attempt is a plain value',
      matchers: [eq('job', "x' OR '1'='1")],
      expected: ['injection'],
    },
    {
      name: 'an injection attempt in a regex is a plain pattern',
      matchers: [re('job', "x' OR '1'='1")],
      expected: ['injection'],
    },
    { name: 'a SQL comment in a value', matchers: [eq('job', 'y --')], expected: ['sqlComment'] },
    { name: 'unicode values', matchers: [eq('job', 'ünïcødé')], expected: ['unicode'] },
    { name: 'unicode regex', matchers: [re('job', 'ü.*é')], expected: ['unicode'] },
    {
      name: 'reserved label names are mapped',
      matchers: [eq('time', 't'), eq('measure_name', 'm')],
      expected: ['reserved'],
    },
    {
      name: 'a label that is not a column, ="" matches everything',
      matchers: [eq('nosuchlabel', '')],
      expected: ALL,
    },
    {
      name: 'a label that is not a column, ="x" matches nothing',
      matchers: [eq('nosuchlabel', 'x')],
      expected: [],
    },
    {
      name: 'a label that is not a column, !="x" matches everything',
      matchers: [neq('nosuchlabel', 'x')],
      expected: ALL,
    },
    {
      name: 'a label that is not a column, =~".+" matches nothing',
      matchers: [re('nosuchlabel', '.+')],
      expected: [],
    },
    {
      name: 'a label that is not a column, !~".+" matches everything',
      matchers: [nre('nosuchlabel', '.+')],
      expected: ALL,
    },
    {
      name: 'matchers on one label are ANDed',
      matchers: [re('job', 'p.*'), neq('job', 'prom')],
      expected: ['prometheus'],
    },
    { name: '__name__ =~ anchored', matchers: [re('__name__', 'r')], expected: [] },
    { name: 'job=~"pr^om": a ^ inside matches nothing', matchers: [re('job', 'pr^om')], expected: [] },
    {
      name: 'job=~"(?m)prom$": a line end before the end of the value',
      matchers: [re('job', '(?m)prom$')],
      expected: ['prom'],
    },
    {
      name: 'job=~"(?m)^prom$\\n?": line anchors around a trailing newline',
      matchers: [re('job', '(?m)^prom$\\n?')],
      expected: ['prom', 'trailingNewline'],
    },
    {
      name: 'job=~"(?m)line$\\n^break": line anchors inside a value',
      matchers: [re('job', '(?m)line$\\n^break')],
      expected: ['newline'],
    },
    { name: 'job=~"\\bprom" word boundary', matchers: [re('job', '\\bprom')], expected: ['prom'] },
    { name: 'job=~"prom\\b.*" word boundary', matchers: [re('job', 'prom\\b.*')], expected: ['prom'] },
    {
      name: 'job=~"pro\\Bm.*" not a word boundary',
      matchers: [re('job', 'pro\\Bm.*')],
      expected: ['prom', 'prometheus'],
    },
  ];

  describe.each(EDGES)('through the %s edge', (edge) => {
    test.each(cases)('$name', async ({ matchers, expected }) => {
      const response = decode(
        await h.read(edge, {
          queries: [query([eq('__name__', 'rt'), ...matchers])],
          acceptedResponseTypes: [],
        }),
      );
      expect(response.results).toHaveLength(1);
      expect(ids(response.results[0])).toEqual([...expected].sort());
    });
  });

  test('returns full series: sorted labels, mapped names back, ascending bit-exact samples', async () => {
    const response = decode(
      await h.read('server', {
        queries: [query([eq('__name__', 'rt'), eq('id', 'reserved')])],
        acceptedResponseTypes: [],
      }),
    );
    const index = Object.keys(SERIES).indexOf('reserved');
    expect(response.results[0].timeseries).toEqual([
      {
        labels: sorted({ __name__: 'rt', id: 'reserved', job: 'reserved', measure_name: 'm', time: 't' }),
        samples: [
          { value: index + 0.25, timestamp: T0 },
          { value: -(index + 1e-9), timestamp: T0 + 1000 },
        ],
      },
    ]);
  });

  test('a series with no label but __name__ is written (Timestream needs a dimension) and reads back as it was', async () => {
    const solo = (extra: Record<string, string>, value: number) => ({
      labels: sorted({ __name__: 'solo', ...extra }),
      samples: [{ value, timestamp: T0 }],
    });
    for (const edge of EDGES) {
      const written = await h.write(edge, { timeseries: [solo({}, 1.5), solo({ job: edge }, 2.5)] });
      expect([written.status, written.headers['x-prometheus-remote-write-samples-written']]).toEqual([
        204,
        '2',
      ]);
    }
    expect(
      await h.sql(
        `SELECT "_no_labels", job FROM "${DATABASE}"."${TABLE}" WHERE measure_name = 'solo' ORDER BY job`,
      ),
    ).toEqual([
      { _no_labels: null, job: 'lambda' },
      { _no_labels: null, job: 'server' },
      { _no_labels: 'true', job: null },
    ]);
    const read = (matchers: LabelMatcher[]) =>
      h.read('server', { queries: [query(matchers)], acceptedResponseTypes: [] }).then(decode);
    expect((await read([eq('__name__', 'solo'), eq('job', '')])).results[0].timeseries).toEqual([
      solo({}, 1.5),
    ]);
    expect((await read([eq('__name__', 'solo')])).results[0].timeseries).toEqual([
      solo({}, 1.5),
      solo({ job: 'lambda' }, 2.5),
      solo({ job: 'server' }, 2.5),
    ]);
    // The label `_no_labels` is stored as `__no_labels`: the marker column is no label.
    expect((await read([eq('__name__', 'solo'), eq('_no_labels', 'true')])).results[0].timeseries).toEqual(
      [],
    );
  });

  test('answers several queries in one request, one result per query in order', async () => {
    const response = decode(
      await h.read('lambda', {
        queries: [
          query([eq('__name__', 'rt'), eq('id', 'prom')]),
          query([eq('__name__', 'nothing')]),
          query([eq('__name__', 'rt'), re('id', 'quote|dquote')]),
        ],
        acceptedResponseTypes: [],
      }),
    );
    expect(response.results.map(ids)).toEqual([['prom'], [], ['dquote', 'quote']]);
  });

  test('series come back in labels.Compare order', async () => {
    const response = decode(
      await h.read('server', { queries: [query([eq('__name__', 'rt')])], acceptedResponseTypes: [] }),
    );
    const keys = response.results[0].timeseries.map((ts) =>
      Buffer.from(ts.labels.map((l) => `${l.name}\u0000${l.value}`).join('\u0001')),
    );
    const resorted = [...keys].sort(Buffer.compare);
    expect(keys).toEqual(resorted);
  });

  test.each([
    { name: 'start and end are inclusive to the millisecond', start: T0, end: T0 + 1000, count: 2 },
    { name: 'one millisecond after the first sample excludes it', start: T0 + 1, end: T0 + 1000, count: 1 },
    { name: 'one millisecond before the last sample excludes it', start: T0, end: T0 + 999, count: 1 },
    { name: 'a range between samples is empty (series omitted)', start: T0 + 1, end: T0 + 999, count: 0 },
  ])('$name', async ({ start, end, count }) => {
    const response = decode(
      await h.read('server', {
        queries: [query([eq('__name__', 'rt'), eq('id', 'prom')], start, end)],
        acceptedResponseTypes: [],
      }),
    );
    const samples = response.results[0].timeseries.flatMap((ts) => ts.samples);
    expect(samples).toHaveLength(count);
  });

  test('a range from math.MinInt64 to math.MaxInt64, as Prometheus sends for a series lookup, reads everything', async () => {
    const twos = (v: bigint) => BigInt.asUintN(64, v);
    const body = bytes(
      lenField(
        1,
        varintField(1, twos(-(2n ** 63n) + 1000n)),
        varintField(2, 2n ** 63n - 1n),
        lenField(3, varintField(1, MatcherType.EQ), strField(2, 'id'), strField(3, 'prom')),
      ),
    );
    const response = decode(
      await h.send('server', '/read', snappyCompress(body), {
        authorization: BASIC_AUTH,
        'content-encoding': 'snappy',
        'content-type': 'application/x-protobuf',
      }),
    );
    expect(response.results[0].timeseries.map((ts) => ts.samples.map((s) => s.timestamp))).toEqual([
      [T0, T0 + 1000],
    ]);
  });

  test('read hints never narrow the range', async () => {
    const q: Query = {
      ...query([eq('__name__', 'rt'), eq('id', 'prom')]),
      hints: { stepMs: 0, func: '', startMs: T0 + 500, endMs: T0 + 600, grouping: [], by: false, rangeMs: 0 },
    };
    const response = decode(await h.read('server', { queries: [q], acceptedResponseTypes: [] }));
    expect(response.results[0].timeseries[0].samples).toHaveLength(2);
  });

  test('answers 400 naming a regex construct that cannot be translated', async () => {
    const response = await h.read('server', {
      queries: [query([re('job', '(a')])],
      acceptedResponseTypes: [],
    });
    expect(response.status).toBe(400);
  });

  test('when several queries fail, answers the failure of the first', async () => {
    // The queries run at once: the answer must not depend on which of their failures is caught last.
    const response = await h.read('server', {
      queries: [query([re('job', '(a')]), query([re('job', 'b)')])],
      acceptedResponseTypes: [],
    });
    expect([response.status, response.body.toString('utf8')]).toEqual([
      400,
      'invalid regex "(a": missing closing )\n',
    ]);
    // A refusal is the sender's to fix: a warning, not an error and not a plain info line.
    const line = h.logger.lines.filter((l) => l.fields.route === '/read').at(-1);
    expect([line?.level, line?.msg, line?.fields.status]).toEqual(['warn', 'read refused', 400]);
  });

  test('a multi-value variable too long for Timestream as an IN list is sent as its regex and answered', async () => {
    // 20 000 values: 228 882 characters as the regex, ~290 000 as IN ('prom', 'h1:9100', …).
    const values = ['prom', ...Array.from({ length: 19_999 }, (_, i) => `h${i}:9100`)];
    const response = decode(
      await h.read('server', {
        queries: [query([eq('__name__', 'rt'), re('id', values.join('|'))])],
        acceptedResponseTypes: [],
      }),
    );
    expect(response.results.map(ids)).toEqual([['prom']]);
  });

  test("answers 400 naming Timestream's QueryString limit, without sending SQL Timestream would refuse", async () => {
    // Four Grafana multi-value variables, each short enough alone (a matcher value may take 256 KiB),
    // too long together even as their regexes (as IN lists, 387 806 characters).
    const variable = (label: string) =>
      re(label, `(${Array.from({ length: 7000 }, (_, i) => `h${i}:9100`).join('|')})`);
    const queryCalls = async () =>
      (await h.metricsText())
        .split('\n')
        .filter((l) => l.startsWith('timestream_connector_timestream_calls_total{operation="Query"'))
        .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    const before = await queryCalls();
    const response = await h.read('server', {
      queries: [
        query([
          eq('__name__', 'rt'),
          variable('id'),
          variable('job'),
          variable('time'),
          variable('measure_name'),
        ]),
      ],
      acceptedResponseTypes: [],
    });
    expect([response.status, response.body.toString('utf8')]).toEqual([
      400,
      "query too long for Timestream: its matchers make SQL of 303898 characters, over Timestream's limit of 262144; select fewer or shorter label values\n",
    ]);
    expect(await queryCalls()).toBe(before);
  });

  const { SAMPLES, STREAMED_XOR_CHUNKS: CHUNKS } = ResponseType;
  // Prometheus offers STREAMED_XOR_CHUNKS first when it can take both; SAMPLES anywhere in the list is enough.
  const CHUNKS_ONLY = 'only the SAMPLES remote-read response type is supported; STREAMED_XOR_CHUNKS is not\n';
  test.each([
    { accepted: [] as ResponseType[], status: 200, message: '' },
    { accepted: [SAMPLES], status: 200, message: '' },
    { accepted: [SAMPLES, CHUNKS], status: 200, message: '' },
    { accepted: [CHUNKS, SAMPLES], status: 200, message: '' },
    { accepted: [2 as ResponseType, SAMPLES], status: 200, message: '' },
    { accepted: [CHUNKS], status: 400, message: CHUNKS_ONLY },
    { accepted: [CHUNKS, CHUNKS], status: 400, message: CHUNKS_ONLY },
    {
      accepted: [2 as ResponseType],
      status: 400,
      message:
        'only the SAMPLES remote-read response type is supported; the request accepts response types this connector does not know (2)\n',
    },
    {
      accepted: [CHUNKS, 7, -1, 7] as ResponseType[],
      status: 400,
      message:
        'only the SAMPLES remote-read response type is supported; the request accepts STREAMED_XOR_CHUNKS and response types this connector does not know (7, -1)\n',
    },
  ])('accepted response types $accepted: $status', async ({ accepted, status, message }) => {
    const response = await h.read('lambda', {
      queries: [query([eq('__name__', 'rt')])],
      acceptedResponseTypes: accepted,
    });
    if (status === 200) expect(decode(response).results.map((r) => r.timeseries.length)).toEqual([15]);
    else
      expect([response.status, response.headers['content-type'], response.body.toString('utf8')]).toEqual([
        400,
        'text/plain; charset=utf-8',
        message,
      ]);
  });

  test('the log line counts every Timestream call the read made, as the call counters do', async () => {
    const callCount = async () =>
      (await h.metricsText())
        .split('\n')
        .filter((l) => l.startsWith('timestream_connector_timestream_calls_total{'))
        .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    const before = await callCount();
    const response = await h.read('server', {
      queries: [query([eq('__name__', 'rt')]), query([eq('job', 'prom')])],
      acceptedResponseTypes: [],
    });
    expect(decode(response).results).toHaveLength(2);
    const calls = h.logger.lines.filter((l) => l.msg === 'read').at(-1)?.fields.calls;
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBe((await callCount()) - before);
  });

  test('answers 400 when only streamed chunks are accepted, counting the queries it asked', async () => {
    const queriesTotal = async () =>
      Number(
        (await h.metricsText())
          .split('\n')
          .find((l) => l.startsWith('timestream_connector_read_queries_total '))
          ?.split(' ')[1],
      );
    const before = await queriesTotal();
    // As vmctl remote-read --remote-read-use-stream=true asks: streamed chunks only.
    const response = await h.read('server', {
      queries: [query([eq('__name__', 'rt')]), query([eq('job', 'prom')])],
      acceptedResponseTypes: [1],
    });
    expect(response.status).toBe(400);
    const line = h.logger.lines.filter((l) => l.fields.route === '/read').at(-1);
    expect([line?.msg, line?.fields.status, line?.fields.queries, line?.fields.calls]).toEqual([
      'read refused',
      400,
      2,
      0,
    ]);
    expect((await queriesTotal()) - before).toBe(2);
  });
});

describe('POST /read of a Grafana multi-value variable of 5000 host:port values', () => {
  let h: Harness;
  // Grafana joins the values of `$instance` into one alternation, dots escaped: ~110 KB here.
  const hosts = Array.from(
    { length: 5000 },
    (_, i) => `192.168.${Math.floor(i / 250)}.${(i % 250) + 1}:9100`,
  );
  const variable = `(${hosts.map((host) => host.replaceAll('.', '\\.')).join('|')})`;
  // In labels.Compare order, as the answer lists them.
  const selected = [hosts[0], hosts[2500], hosts[4999]];
  beforeAll(async () => {
    h = await startHarness();
    // Decoys: a host past the list, a longer port (the match is anchored), a dot taken as any character.
    const decoys = ['192.168.20.1:9100', '192.168.0.1:91000', '192x168.0.1:9100'];
    const timeseries = [...selected, ...decoys].map((instance, i) => ({
      labels: sorted({ __name__: 'up', instance }),
      samples: [{ value: i, timestamp: T0 }],
    }));
    expect((await h.write('server', { timeseries })).status).toBe(204);
  });
  afterAll(async () => {
    await h.close();
  });

  test.each(['server', 'lambda'] as const)(
    'answers exactly the series whose instance it lists, through the %s edge',
    async (edge) => {
      expect(Buffer.byteLength(variable)).toBeGreaterThan(DEFAULT_DECODE_LIMITS.maxLabelBytes);
      const response = decode(
        await h.read(edge, {
          queries: [query([eq('__name__', 'up'), re('instance', variable)])],
          acceptedResponseTypes: [],
        }),
      );
      expect(response.results.map((r) => r.timeseries)).toEqual([
        selected.map((instance, i) => ({
          labels: sorted({ __name__: 'up', instance }),
          samples: [{ value: i, timestamp: T0 }],
        })),
      ]);
    },
  );
});

describe('POST /read of rows another tool wrote with WriteRecords', () => {
  let h: Harness;
  const record = (
    measure: string,
    dimensions: Record<string, string>,
    value: string,
    time: number,
    unit: 'MILLISECONDS' | 'MICROSECONDS' = 'MILLISECONDS',
  ): _Record => ({
    MeasureName: measure,
    Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
    MeasureValue: value,
    MeasureValueType: 'DOUBLE',
    Time: String(time),
    TimeUnit: unit,
  });
  beforeAll(async () => {
    h = await startHarness();
    // The connector's own series gives the table its job and z columns.
    const own = {
      labels: sorted({ __name__: 'mt2', job: 'a', z: '1' }),
      samples: [{ value: 5, timestamp: T0 + 1 }],
    };
    expect((await h.write('server', { timeseries: [own] })).status).toBe(204);
    await h.writeClient.send(
      new WriteRecordsCommand({
        DatabaseName: DATABASE,
        TableName: TABLE,
        Records: [
          record('mt2', { _job: 'a' }, '2000.5', T0 + 1),
          record('mt2', { _job: 'a' }, '7', T0 + 2),
          record('mt2', { _job: 'a', _z: '1' }, '9', T0 + 1),
          // Two records of one series in one millisecond, which Prometheus cannot tell apart.
          record('mt3', { _job: 'b' }, '4', (T0 + 1) * 1000 + 100, 'MICROSECONDS'),
          record('mt3', { _job: 'b' }, '3', (T0 + 1) * 1000 + 900, 'MICROSECONDS'),
        ],
      }),
    );
  });
  afterAll(async () => {
    await h.close();
  });

  const FOREIGN_JOB: TimeSeries = {
    labels: sorted({ __name__: 'mt2', _job: 'a' }),
    samples: [
      { value: 2000.5, timestamp: T0 + 1 },
      { value: 7, timestamp: T0 + 2 },
    ],
  };
  const FOREIGN_JOB_Z: TimeSeries = {
    labels: sorted({ __name__: 'mt2', _job: 'a', _z: '1' }),
    samples: [{ value: 9, timestamp: T0 + 1 }],
  };
  const OWN: TimeSeries = {
    labels: sorted({ __name__: 'mt2', job: 'a', z: '1' }),
    samples: [{ value: 5, timestamp: T0 + 1 }],
  };
  const cases: { name: string; matchers: LabelMatcher[]; expected: TimeSeries[] }[] = [
    {
      name: 'keeps _job, _job with _z and job apart, every sample kept',
      matchers: [],
      expected: [FOREIGN_JOB, FOREIGN_JOB_Z, OWN],
    },
    {
      name: '_job="a" selects the columns the read returns _job from',
      matchers: [eq('_job', 'a')],
      expected: [FOREIGN_JOB, FOREIGN_JOB_Z],
    },
    { name: 'job="a" selects only the job column', matchers: [eq('job', 'a')], expected: [OWN] },
    {
      name: 'job="" selects the series without job',
      matchers: [eq('job', '')],
      expected: [FOREIGN_JOB, FOREIGN_JOB_Z],
    },
    { name: '_z!="" selects the series with _z', matchers: [neq('_z', '')], expected: [FOREIGN_JOB_Z] },
  ];
  describe.each(EDGES)('through the %s edge', (edge) => {
    test.each(cases)('$name', async ({ matchers, expected }) => {
      const response = decode(
        await h.read(edge, {
          queries: [query([eq('__name__', 'mt2'), ...matchers])],
          acceptedResponseTypes: [],
        }),
      );
      expect(response.results).toEqual([{ timeseries: expected }]);
    });
  });

  test('keeps the largest of two samples in one millisecond on every read, and logs and counts the other', async () => {
    for (let i = 0; i < 5; i++) {
      const response = decode(
        await h.read('server', { queries: [query([eq('__name__', 'mt3')])], acceptedResponseTypes: [] }),
      );
      expect(response.results).toEqual([
        {
          timeseries: [
            { labels: sorted({ __name__: 'mt3', _job: 'b' }), samples: [{ value: 4, timestamp: T0 + 1 }] },
          ],
        },
      ]);
    }
    const warnings = h.logger.lines.filter((l) => l.msg === 'read dropped duplicate samples');
    expect(warnings).toHaveLength(5);
    expect(warnings.map((l) => [l.level, l.fields.duplicateSamples, l.fields.samples])).toEqual(
      Array(5).fill(['warn', 1, 1]),
    );
    expect(
      (await h.metricsText())
        .split('\n')
        .filter((l) => l.startsWith('timestream_connector_read_duplicate_samples_total')),
    ).toEqual(['timestream_connector_read_duplicate_samples_total 5']);
  });

  test('counts the samples dropped by every query of a read, not only those of the last to finish', async () => {
    const mt3 = query([eq('__name__', 'mt3')]);
    const response = await h.read('server', { queries: [mt3, mt3], acceptedResponseTypes: [] });
    expect(decode(response).results.map((r) => r.timeseries.length)).toEqual([1, 1]);
    const warning = h.logger.lines.filter((l) => l.msg === 'read dropped duplicate samples').at(-1);
    expect([warning?.fields.queries, warning?.fields.samples, warning?.fields.duplicateSamples]).toEqual([
      2, 2, 2,
    ]);
  });

  // Both mt3 records read back at T0 + 1, so every range holding that millisecond answers the same
  // sample, the one ending on it too (the records sit 0.1 and 0.9 ms into it).
  test.each([
    { name: 'a range ending on the millisecond', start: T0, end: T0 + 1 },
    { name: 'the millisecond alone', start: T0 + 1, end: T0 + 1 },
    { name: 'a range starting on the millisecond', start: T0 + 1, end: T0 + 2 },
    { name: 'a range around it', start: T0, end: T0 + 2 },
  ])('answers the samples of a sub-millisecond series for $name', async ({ start, end }) => {
    const response = decode(
      await h.read('server', {
        queries: [query([eq('__name__', 'mt3')], start, end)],
        acceptedResponseTypes: [],
      }),
    );
    expect(response.results).toEqual([
      {
        timeseries: [
          { labels: sorted({ __name__: 'mt3', _job: 'b' }), samples: [{ value: 4, timestamp: T0 + 1 }] },
        ],
      },
    ]);
  });
});

describe('POST /read of history the Go reference connector wrote (README "Migrating")', () => {
  let h: Harness;
  // The reference's record shape: one record per sample, every label but __name__ a VARCHAR
  // dimension under its own name, the value as Go's strconv.FormatFloat(v, 'f', 6, 64).
  const REFERENCE_VALUES: [text: string, value: number][] = [
    ['-0.000000', -0],
    ['0.000000', 0],
    ['0.666667', 0.666667],
    ['-123456.123457', -123456.123457],
    ['1000000000000000000000.000000', 1e21],
    ['9223372036854775808.000000', 2 ** 63],
    [`${BigInt(Number.MAX_VALUE)}.000000`, Number.MAX_VALUE],
  ];
  const reference = (dimensions: Record<string, string>, value: string, time: number): _Record => ({
    MeasureName: 'ref_up',
    Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
    MeasureValue: value,
    MeasureValueType: 'DOUBLE',
    Time: String(time),
    TimeUnit: 'MILLISECONDS',
  });
  const readRefUp = async (matchers: LabelMatcher[] = []) =>
    decode(
      await h.read('server', {
        queries: [query([eq('__name__', 'ref_up'), ...matchers], T0, T0 + 100)],
        acceptedResponseTypes: [],
      }),
    ).results[0]!.timeseries;
  beforeAll(async () => {
    h = await startHarness();
    await h.writeClient.send(
      new WriteRecordsCommand({
        DatabaseName: DATABASE,
        TableName: TABLE,
        Records: [
          ...REFERENCE_VALUES.map(([text], i) => reference({ job: 'node', city: 'Zürich 🙂' }, text, T0 + i)),
          reference({ _tenant: 'a' }, '1.500000', T0),
          reference({ _time: 'b', __y: 'c' }, '3.000000', T0),
        ],
      }),
    );
  });
  afterAll(async () => {
    await h.close();
  });

  test('reads every value back as the float64 of the rounded text, bit for bit, at its millisecond', async () => {
    expect(await readRefUp([eq('job', 'node')])).toEqual([
      {
        labels: sorted({ __name__: 'ref_up', city: 'Zürich 🙂', job: 'node' }),
        samples: REFERENCE_VALUES.map(([, value], i) => ({ value, timestamp: T0 + i })),
      },
    ]);
  });

  test('labels whose columns are what the connector writes for other labels read back as those', async () => {
    expect(await readRefUp([eq('time', 'b')])).toEqual([
      { labels: sorted({ __name__: 'ref_up', _y: 'c', time: 'b' }), samples: [{ value: 3, timestamp: T0 }] },
    ]);
  });

  test('a resent sample is refused where the rounding changed its value and accepted where it did not', async () => {
    const resend = (value: number, timestamp: number) =>
      h.write('server', {
        timeseries: [
          {
            labels: sorted({ __name__: 'ref_up', city: 'Zürich 🙂', job: 'node' }),
            samples: [{ value, timestamp }],
          },
        ],
      });
    expect((await resend(1e21, T0 + 4)).status).toBe(204);
    const refused = await resend(2 / 3, T0 + 2);
    expect(refused.status).toBe(400);
    expect(refused.body.toString()).toMatch(/^wrote 0 of 1 samples;.* 1 samples rejected by Timestream/);
    expect((await readRefUp([eq('job', 'node')]))[0]!.samples[2]).toEqual({
      value: 0.666667,
      timestamp: T0 + 2,
    });
  });

  test('a label starting with _ reads back as it was until the connector writes that label, then as __x', async () => {
    const history = {
      labels: sorted({ __name__: 'ref_up', _tenant: 'a' }),
      samples: [{ value: 1.5, timestamp: T0 }],
    };
    expect(await readRefUp([eq('_tenant', 'a')])).toEqual([history]);
    const own = {
      labels: sorted({ __name__: 'ref_up', _tenant: 'a' }),
      samples: [{ value: 2, timestamp: T0 + 1 }],
    };
    expect((await h.write('server', { timeseries: [own] })).status).toBe(204);
    expect(
      await h.sql(
        `SELECT "_tenant", "__tenant" FROM "${DATABASE}"."${TABLE}" WHERE measure_name = 'ref_up' AND job IS NULL AND "_time" IS NULL ORDER BY time`,
      ),
    ).toEqual([
      { _tenant: 'a', __tenant: null },
      { _tenant: null, __tenant: 'a' },
    ]);
    // The columns are read again at most once a second (DIMENSION_REFRESH_MIN_INTERVAL_MS); within
    // that second a matcher on `__tenant` still finds no column holding it.
    await new Promise((resolve) => setTimeout(resolve, DIMENSION_REFRESH_MIN_INTERVAL_MS + 100));
    expect(await readRefUp([re('_tenant', '.+')])).toEqual([own]);
    expect(await readRefUp([re('__tenant', '.+')])).toEqual([
      { labels: sorted({ __name__: 'ref_up', __tenant: 'a' }), samples: history.samples },
    ]);
  });
});

describe('POST /read with a response limit', () => {
  test('answers 413 naming the option and suggesting a narrower range', async () => {
    const h = await startHarness({ connector: { maxResponseBytes: 64 } });
    try {
      expect((await h.write('server', { timeseries: buildSeries() })).status).toBe(204);
      const response = await h.read('lambda', {
        queries: [query([eq('__name__', 'rt')])],
        acceptedResponseTypes: [],
      });
      expect(response.status).toBe(413);
      // The byte count varies with the samples' timestamps (varints).
      expect(response.body.toString('utf8')).toMatch(
        /^read response of \d+ bytes \(15 series, 30 samples\) exceeds the limit of 64 bytes \(--max-response-bytes, max_response_bytes\); query a narrower time range or fewer series\n$/,
      );
    } finally {
      await h.close();
    }
  });

  test('a response of exactly max_response_bytes is answered, one byte more is not', async () => {
    const readAll = async (maxResponseBytes: number) => {
      const h = await startHarness({ connector: { maxResponseBytes } });
      try {
        expect((await h.write('server', { timeseries: buildSeries() })).status).toBe(204);
        return await h.read('server', {
          queries: [query([eq('__name__', 'rt')])],
          acceptedResponseTypes: [],
        });
      } finally {
        await h.close();
      }
    };
    const size = (await readAll(0)).body.length;
    const at = await readAll(size);
    expect(decode(at).results[0].timeseries).toHaveLength(15);
    const over = await readAll(size - 1);
    expect([over.status, over.body.toString('utf8')]).toEqual([
      413,
      `read response of ${size} bytes (15 series, 30 samples) exceeds the limit of ${size - 1} bytes (--max-response-bytes, max_response_bytes); query a narrower time range or fewer series\n`,
    ]);
  });
});

describe('POST /read after the table is deleted', () => {
  test('answers 404 naming it, also while its columns are still cached', async () => {
    const h = await startHarness();
    try {
      const written = await h.write('server', {
        timeseries: [
          { labels: sorted({ __name__: 'doomed', env: 'prod' }), samples: [{ value: 1, timestamp: T0 }] },
        ],
      });
      expect(written.status).toBe(204);
      const ask = () =>
        h.read('server', {
          queries: [query([eq('__name__', 'doomed'), eq('env', 'prod')])],
          acceptedResponseTypes: [],
        });
      expect(decode(await ask()).results[0].timeseries).toHaveLength(1);
      await h.writeClient.send(new DeleteTableCommand({ DatabaseName: DATABASE, TableName: TABLE }));
      for (const response of [await ask(), await ask()]) {
        expect(response.status).toBe(404);
        expect(response.body.toString('utf8')).toMatch(
          new RegExp(`^table "${DATABASE}"\\."${TABLE}" not found: Timestream (Query|DESCRIBE) failed: `),
        );
      }
    } finally {
      await h.close();
    }
  });
});

describe('POST /read of label values holding NUL', () => {
  test.each([
    { name: 'equal', matcher: eq('v', 'a\0b'), expected: ['nul'] },
    { name: 'equal to NUL alone', matcher: eq('v', '\0'), expected: ['only'] },
    { name: 'not equal', matcher: neq('v', 'a\0b'), expected: ['only', 'plain'] },
    { name: 'a literal regex (an IN list)', matcher: re('v', 'a\x00b|ab'), expected: ['nul', 'plain'] },
  ])('$name', async ({ matcher, expected }) => {
    const h = await startHarness();
    try {
      const write = await h.write('server', {
        timeseries: [
          {
            labels: sorted({ __name__: 'nul', id: 'nul', v: 'a\0b' }),
            samples: [{ value: 1, timestamp: T0 }],
          },
          {
            labels: sorted({ __name__: 'nul', id: 'only', v: '\0' }),
            samples: [{ value: 2, timestamp: T0 }],
          },
          {
            labels: sorted({ __name__: 'nul', id: 'plain', v: 'ab' }),
            samples: [{ value: 3, timestamp: T0 }],
          },
        ],
      });
      expect(write.status).toBe(204);
      const response = decode(
        await h.read('server', {
          queries: [query([eq('__name__', 'nul'), matcher])],
          acceptedResponseTypes: [],
        }),
      );
      expect(ids(response.results[0])).toEqual(expected);
    } finally {
      await h.close();
    }
  });
});

describe('POST /read of matchers whose bytes are not UTF-8 (a PromQL `\\xff` escape)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    const write = await h.write('server', {
      timeseries: [
        // U+FFFD is what 0xff decodes to; Prometheus compares bytes, so no such matcher finds it.
        {
          labels: sorted({ __name__: 'bad', id: 'fffd', v: '\uFFFD' }),
          samples: [{ value: 1, timestamp: T0 }],
        },
        { labels: sorted({ __name__: 'bad', id: 'plain', v: 'x' }), samples: [{ value: 2, timestamp: T0 }] },
        { labels: sorted({ __name__: 'bad', id: 'nov' }), samples: [{ value: 3, timestamp: T0 }] },
        {
          labels: sorted({ __name__: 'bad', id: 'fffdName', ['v\uFFFD']: 'x' }),
          samples: [{ value: 4, timestamp: T0 }],
        },
      ],
    });
    expect(write.status).toBe(204);
  });
  afterAll(async () => {
    await h.close();
  });

  const read = (type: MatcherType, name: Uint8Array | string, value: Uint8Array | string) => {
    const raw = (field: number, text: Uint8Array | string) =>
      typeof text === 'string' ? strField(field, text) : lenField(field, text);
    const body = bytes(
      lenField(
        1,
        varintField(1, T0),
        varintField(2, T0),
        lenField(3, strField(2, '__name__'), strField(3, 'bad')),
        lenField(3, varintField(1, type), raw(2, name), raw(3, value)),
      ),
    );
    return h.send('server', '/read', snappyCompress(body), {
      authorization: BASIC_AUTH,
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
    });
  };
  const FF = Uint8Array.of(0xff);
  const V_FF = Uint8Array.of(0x76, 0xff);

  test.each([
    { name: 'v="\\xff" matches nothing', type: MatcherType.EQ, label: 'v', value: FF, expected: [] },
    {
      name: 'v!="\\xff" matches every series',
      type: MatcherType.NEQ,
      label: 'v',
      value: FF,
      expected: ['fffd', 'fffdName', 'nov', 'plain'],
    },
    {
      name: 'a name that is not UTF-8 is an absent label: ="x"',
      type: MatcherType.EQ,
      label: V_FF,
      value: 'x',
      expected: [],
    },
    {
      name: 'a name that is not UTF-8 is an absent label: =""',
      type: MatcherType.EQ,
      label: V_FF,
      value: '',
      expected: ['fffd', 'fffdName', 'nov', 'plain'],
    },
    // U+FFFD sent as its own UTF-8 bytes is no replacement: such a matcher finds the label holding it.
    {
      name: 'v="\uFFFD" sent as UTF-8 matches the value U+FFFD',
      type: MatcherType.EQ,
      label: 'v',
      value: '\uFFFD',
      expected: ['fffd'],
    },
    {
      name: 'a name holding U+FFFD sent as UTF-8 names the label so named',
      type: MatcherType.EQ,
      label: 'v\uFFFD',
      value: 'x',
      expected: ['fffdName'],
    },
    {
      name: 'v=~"\uFFFD" sent as UTF-8 is run',
      type: MatcherType.RE,
      label: 'v',
      value: '\uFFFD',
      expected: ['fffd'],
    },
  ])('$name, as in Prometheus', async ({ type, label, value, expected }) => {
    expect(ids(decode(await read(type, label, value)).results[0])).toEqual(expected);
  });

  test.each([
    { op: '=~', type: MatcherType.RE },
    { op: '!~', type: MatcherType.NRE },
  ])('answers 400 to a regex that is not UTF-8 (v$op"a\\xff"), as RE2 refuses it', async ({ type }) => {
    const response = await read(type, 'v', Uint8Array.of(0x61, 0xff));
    expect([response.status, response.body.toString('utf8')]).toEqual([
      400,
      'invalid regex "a\uFFFD": invalid UTF-8\n',
    ]);
  });
});

describe('POST /read with series and sample limits', () => {
  // buildSeries() writes 15 series of 2 samples each; a query for all of them reads 15 and 30.
  test.each([
    {
      limits: { maxSeries: 15, maxSamples: 30 },
      status: 200,
      body: undefined,
    },
    {
      limits: { maxSeries: 14, maxSamples: 30 },
      status: 413,
      body: 'read response of at least 15 series exceeds the limit of 14 (--max-series-per-request, max_series_per_request); query a narrower time range or fewer series\n',
    },
    {
      limits: { maxSeries: 15, maxSamples: 29 },
      status: 413,
      body: 'read response of at least 30 samples exceeds the limit of 29 (--max-samples-per-request, max_samples_per_request); query a narrower time range or fewer series\n',
    },
  ])('$limits: $status', async ({ limits, status, body }) => {
    const h = await startHarness({ connector: { decodeLimits: { ...DEFAULT_DECODE_LIMITS, ...limits } } });
    try {
      // Written in parts, as the same limits bound each write request.
      expect((await h.write('server', { timeseries: buildSeries().slice(0, 1) })).status).toBe(204);
      expect((await h.write('server', { timeseries: buildSeries().slice(1, 8) })).status).toBe(204);
      expect((await h.write('server', { timeseries: buildSeries().slice(8) })).status).toBe(204);
      const response = await h.read('server', {
        queries: [query([eq('__name__', 'rt')])],
        acceptedResponseTypes: [],
      });
      expect(response.status).toBe(status);
      if (body !== undefined) expect(response.body.toString('utf8')).toBe(body);
      else expect(decode(response).results[0].timeseries).toHaveLength(15);
      // Series and samples count as returned only when they were: a 413 returns none.
      const returned = (await h.metricsText())
        .split('\n')
        .filter((l) => /^timestream_connector_read_(queries|series|samples)_total /.test(l));
      // The query is counted whatever the answer: it was asked and run.
      expect(returned).toEqual(
        status === 200
          ? [
              'timestream_connector_read_queries_total 1',
              'timestream_connector_read_series_total 15',
              'timestream_connector_read_samples_total 30',
            ]
          : [
              'timestream_connector_read_queries_total 1',
              'timestream_connector_read_series_total 0',
              'timestream_connector_read_samples_total 0',
            ],
      );
      expect(h.logger.lines.filter((l) => l.fields.route === '/read').at(-1)?.fields).toMatchObject(
        status === 200 ? { series: 15, samples: 30 } : { series: 0, samples: 0 },
      );
    } finally {
      await h.close();
    }
  });
});

describe('POST /read past a limit', () => {
  test('stops reading at the page that passes it, not after every page', async () => {
    // 30 rows in pages of 4: without the check as pages arrive, all 8 pages were read and held first.
    const h = await startHarness({
      store: { pageSize: 4 },
      connector: { decodeLimits: { ...DEFAULT_DECODE_LIMITS, maxSamples: 9 } },
    });
    try {
      // Written 4 series (8 samples) at a time, as the same limit bounds each write request.
      for (let at = 0; at < 15; at += 4) {
        expect((await h.write('server', { timeseries: buildSeries().slice(at, at + 4) })).status).toBe(204);
      }
      // The table's columns are read once here, so the next read's calls are its pages alone.
      const warm = await h.read('server', {
        queries: [query([eq('__name__', 'rt')], T0 - 10_000, T0 - 5_000)],
        acceptedResponseTypes: [],
      });
      expect(decode(warm).results[0].timeseries).toEqual([]);
      const response = await h.read('server', {
        queries: [query([eq('__name__', 'rt')])],
        acceptedResponseTypes: [],
      });
      expect([response.status, response.body.toString('utf8')]).toEqual([
        413,
        'read response of at least 12 samples exceeds the limit of 9 (--max-samples-per-request, max_samples_per_request); query a narrower time range or fewer series\n',
      ]);
      expect(h.logger.lines.filter((l) => l.fields.route === '/read').at(-1)?.fields).toMatchObject({
        status: 413,
        calls: 3,
        series: 0,
        samples: 0,
      });
    } finally {
      await h.close();
    }
  });
});

describe('POST /read against a missing table', () => {
  test('answers 404 naming it', async () => {
    const h = await startHarness({ connector: { table: 'Absent' } });
    try {
      const response = await h.read('server', {
        queries: [query([eq('__name__', 'rt')])],
        acceptedResponseTypes: [],
      });
      expect(response.status).toBe(404);
      expect(response.body.toString('utf8')).toContain('Absent');
    } finally {
      await h.close();
    }
  });
});

describe('POST /read and the table columns it knows of', () => {
  const write = (h: Harness, name: string, extra: Record<string, string>) =>
    h.write('server', {
      timeseries: [
        { labels: sorted({ __name__: name, ...extra }), samples: [{ value: 1.5, timestamp: T0 }] },
      ],
    });
  const names = (response: EdgeResponse) =>
    decode(response).results.map((r) =>
      r.timeseries.map((ts) => ts.labels.map((l) => `${l.name}=${l.value}`)),
    );

  test('reads the columns once for a read of six queries, however many run at once', async () => {
    const h = await startHarness({ connector: { readConcurrency: 6 } });
    try {
      expect((await write(h, 'six', { a: '1' })).status).toBe(204);
      const response = await h.read('server', {
        queries: Array.from({ length: 6 }, (_, i) =>
          query([eq('a', '1'), eq('__name__', i < 3 ? 'six' : 'none')]),
        ),
        acceptedResponseTypes: [],
      });
      expect(names(response)).toEqual([...Array(3).fill([['__name__=six', 'a=1']]), ...Array(3).fill([])]);
      const describes = (await h.metricsText())
        .split('\n')
        .filter((l) =>
          l.startsWith('timestream_connector_timestream_calls_total{operation="Query(DESCRIBE)"'),
        );
      expect(describes).toEqual([
        'timestream_connector_timestream_calls_total{operation="Query(DESCRIBE)",outcome="ok"} 1',
      ]);
    } finally {
      await h.close();
    }
  });

  test('reads every page of DESCRIBE: a column on its last page is a column', async () => {
    const h = await startHarness({ store: { pageSize: 1 } });
    try {
      expect((await write(h, 'paged', { a: '1', b: '2', c: '3', d: '4', e: 'x' })).status).toBe(204);
      const response = await h.read('server', {
        queries: [query([eq('e', 'x')]), query([neq('e', 'x'), eq('__name__', 'paged')])],
        acceptedResponseTypes: [],
      });
      expect(names(response)).toEqual([[['__name__=paged', 'a=1', 'b=2', 'c=3', 'd=4', 'e=x']], []]);
    } finally {
      await h.close();
    }
  });

  test('a label written right after the columns were read is found, and an absent one stays absent', async () => {
    const h = await startHarness();
    const ask = (...matchers: LabelMatcher[]) =>
      h.read('server', {
        queries: [query([eq('__name__', 'fresh'), ...matchers])],
        acceptedResponseTypes: [],
      });
    const calls = async () =>
      (await h.metricsText())
        .split('\n')
        .filter((l) => l.startsWith('timestream_connector_timestream_calls_total{operation="Query'))
        .sort();
    try {
      expect((await write(h, 'fresh', { k: 'b' })).status).toBe(204);
      // Reads the columns: no `tag` yet.
      expect(names(await ask(eq('tag', 'v')))).toEqual([[]]);
      // Within the second in which a missing column is not read again.
      expect((await write(h, 'fresh', { k: 'a', tag: 'v' })).status).toBe(204);
      expect(names(await ask(eq('tag', 'v')))).toEqual([[['__name__=fresh', 'k=a', 'tag=v']]]);
      expect(names(await ask(eq('tag', '')))).toEqual([[['__name__=fresh', 'k=b']]]);
      // A label no series has: the query naming it is refused, the one without it answers.
      expect(names(await ask(eq('nope', '')))).toEqual([
        [
          ['__name__=fresh', 'k=a', 'tag=v'],
          ['__name__=fresh', 'k=b'],
        ],
      ]);
      expect(await calls()).toEqual([
        'timestream_connector_timestream_calls_total{operation="Query",outcome="ValidationException"} 1',
        'timestream_connector_timestream_calls_total{operation="Query",outcome="ok"} 3',
        'timestream_connector_timestream_calls_total{operation="Query(DESCRIBE)",outcome="ok"} 1',
      ]);
    } finally {
      await h.close();
    }
  });

  test('of two labels the columns read a moment ago lack, the one written since is found while the other stays absent', async () => {
    const h = await startHarness();
    const ask = (...matchers: LabelMatcher[]) => query([eq('__name__', 'pair'), ...matchers]);
    try {
      expect((await write(h, 'pair', { k: 'a' })).status).toBe(204);
      // Reads the columns: no `tag` yet.
      expect(names(await h.read('server', { queries: [ask()], acceptedResponseTypes: [] }))).toEqual([
        [['__name__=pair', 'k=a']],
      ]);
      // Within the second in which a missing column is not read again; `nope` is on no series.
      expect((await write(h, 'pair', { k: 'b', tag: 'v' })).status).toBe(204);
      const response = await h.read('server', {
        queries: [
          ask(eq('tag', 'v'), eq('nope', '')),
          ask(neq('tag', ''), neq('nope', 'v')),
          ask(nre('tag', ''), nre('nope', '.+')),
          ask(eq('nope', ''), eq('tag', '')),
          ask(eq('tag', 'v'), neq('nope', '')),
        ],
        acceptedResponseTypes: [],
      });
      const tagged = [['__name__=pair', 'k=b', 'tag=v']];
      expect(names(response)).toEqual([tagged, tagged, tagged, [['__name__=pair', 'k=a']], []]);
    } finally {
      await h.close();
    }
  });

  test('a label that differs only in letter case from a column (`JOB` next to `job`, `Time`) is absent, also in queries that join a DESCRIBE', async () => {
    // The queries after the first join its DESCRIBE, so they name the columns it lacks.
    const h = await startHarness({ connector: { readConcurrency: 8 } });
    try {
      expect((await write(h, 'cased', { job: 'x' })).status).toBe(204);
      const ask = (matcher: LabelMatcher) => query([eq('__name__', 'cased'), matcher]);
      const response = await h.read('server', {
        queries: [
          ask(eq('job', 'x')),
          ask(eq('JOB', 'x')),
          ask(neq('JOB', '')),
          ask(eq('JOB', '')),
          ask(eq('Time', 'x')),
          ask(neq('MEASURE_NAME', '')),
          ask(re('Job', '.+')),
        ],
        acceptedResponseTypes: [],
      });
      const job = [['__name__=cased', 'job=x']];
      expect(names(response)).toEqual([job, [], [], job, [], [], []]);
    } finally {
      await h.close();
    }
  });

  test.each([
    { refused: 'AKIDUNKNOWN:whatever', status: 401 },
    { refused: 'AKIDDENIED:denied', status: 403 },
  ])(
    'credentials Timestream refuses ($status) fail their own read only, not a valid one that needs the columns at the same time',
    async ({ refused, status }) => {
      const h = await startHarness({
        store: {
          credentials: [
            { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
            { accessKeyId: 'AKIDDENIED', secretAccessKey: 'denied', deny: true },
          ],
        },
      });
      const request = {
        queries: [query([eq('__name__', 'signed'), eq('job', 'a')])],
        acceptedResponseTypes: [],
      };
      try {
        expect((await write(h, 'signed', { job: 'a' })).status).toBe(204);
        // Sent together, the refused one first: its DESCRIBE is under way when the valid read
        // needs the columns too.
        const [bad, good] = await Promise.all([
          h.read('lambda', request, { authorization: `Basic ${Buffer.from(refused).toString('base64')}` }),
          h.read('lambda', request),
        ]);
        expect([bad.status, good.status]).toEqual([status, 200]);
        expect(names(good)).toEqual([[['__name__=signed', 'job=a']]]);
      } finally {
        await h.close();
      }
    },
  );

  test('a column gone since it was cached (the table made again) answers empty, not 400', async () => {
    const h = await startHarness();
    try {
      expect((await write(h, 'gone', { env: 'prod' })).status).toBe(204);
      const ask = () =>
        h.read('server', {
          queries: [query([eq('env', 'prod')]), query([eq('__name__', 'gone')])],
          acceptedResponseTypes: [],
        });
      expect(names(await ask())).toEqual([[['__name__=gone', 'env=prod']], [['__name__=gone', 'env=prod']]]);
      await h.writeClient.send(new DeleteTableCommand({ DatabaseName: DATABASE, TableName: TABLE }));
      await h.writeClient.send(new CreateTableCommand({ DatabaseName: DATABASE, TableName: TABLE }));
      expect(names(await ask())).toEqual([[], []]);
    } finally {
      await h.close();
    }
  });

  test('a table made again with other columns a moment after they were cached finds the labels of the new one', async () => {
    const h = await startHarness();
    try {
      expect((await write(h, 'remade', { env: 'prod' })).status).toBe(204);
      expect(
        names(await h.read('server', { queries: [query([eq('env', 'prod')])], acceptedResponseTypes: [] })),
      ).toEqual([[['__name__=remade', 'env=prod']]]);
      await h.writeClient.send(new DeleteTableCommand({ DatabaseName: DATABASE, TableName: TABLE }));
      await h.writeClient.send(
        new CreateTableCommand({
          DatabaseName: DATABASE,
          TableName: TABLE,
          RetentionProperties: {
            MemoryStoreRetentionPeriodInHours: 8766,
            MagneticStoreRetentionPeriodInDays: 73000,
          },
        }),
      );
      expect((await write(h, 'remade', { zone: 'a' })).status).toBe(204);
      // Within the second in which the missing `zone` is not read again: the query names both
      // `env` (cached, now gone) and `zone`.
      const response = await h.read('server', {
        queries: [query([eq('env', ''), eq('zone', 'a')]), query([neq('env', 'prod'), neq('zone', '')])],
        acceptedResponseTypes: [],
      });
      const zoned = [['__name__=remade', 'zone=a']];
      expect(names(response)).toEqual([zoned, zoned]);
    } finally {
      await h.close();
    }
  });
});

describe('a read whose client goes away before the answer', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  test('stops its Timestream calls: 503 at once instead of 200 after the store answers', async () => {
    // Each call takes 4 s; the client gives up after 300 ms, as Prometheus does past its
    // remote_timeout, and the read must not go on querying for nobody.
    h.store.setFaults({ latencyMs: 4000 });
    try {
      const counted = await postAndGiveUp(
        h,
        '/read',
        snappyCompress(
          encodeReadRequest({ queries: [query([eq('__name__', 'rt')])], acceptedResponseTypes: [] }),
        ),
        'timestream_connector_read_requests_total',
      );
      expect(counted).toEqual(['timestream_connector_read_requests_total{status="503"} 1']);
      // Logged as its client's leaving, not as a Timestream failure.
      const lines = h.logger.lines.filter((l) => l.fields.route === '/read');
      expect(lines.map((l) => [l.level, l.msg, l.fields.status])).toEqual([
        ['warn', 'client closed the connection before its read was answered', 503],
      ]);
      expect(lines[0].fields.reason).toMatch(/AbortError/);
    } finally {
      h.store.setFaults({});
    }
  });
});
