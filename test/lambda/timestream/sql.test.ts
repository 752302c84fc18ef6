// SPDX-License-Identifier: Apache-2.0
import { DEFAULT_DECODE_LIMITS } from '../../../lambda/codec/remote';
import { ConnectorError, ErrorKind } from '../../../lambda/core/errors';
import { type LabelMatcher, MatcherType, type Query } from '../../../lambda/prompb/types';
import { translateRe2 } from '../../../lambda/timestream/regex';
import {
  MAX_QUERY_STRING_CHARS,
  buildSelect,
  quoteIdentifier,
  quoteLiteral,
} from '../../../lambda/timestream/sql';

// Counts translations; every call still goes to the real translator.
jest.mock('../../../lambda/timestream/regex', () => {
  const actual = jest.requireActual<typeof import('../../../lambda/timestream/regex')>(
    '../../../lambda/timestream/regex',
  );
  return { ...actual, translateRe2: jest.fn(actual.translateRe2) };
});

const PREFIX =
  'SELECT * FROM "db"."tbl" WHERE time BETWEEN from_milliseconds(1) AND from_nanoseconds(2999999)';
const COLUMNS = new Set(['job', '_time', '__private', 'we"ird']);

function select(matchers: LabelMatcher[], range: Partial<Query> = {}): string | null {
  const query: Query = { startTimestampMs: 1, endTimestampMs: 2, matchers, ...range };
  return buildSelect({ database: 'db', table: 'tbl', query, dimensionColumns: COLUMNS });
}

describe('quoting', () => {
  test.each([
    { name: 'plain', input: 'job', identifier: '"job"', literal: "'job'" },
    { name: 'quotes', input: `a"b'c`, identifier: `"a""b'c"`, literal: `'a"b''c'` },
    { name: 'backslash stays literal', input: 'a\\', identifier: '"a\\"', literal: "'a\\'" },
    { name: 'injection', input: "x' OR '1'='1", identifier: `"x' OR '1'='1"`, literal: "'x'' OR ''1''=''1'" },
    { name: 'empty', input: '', identifier: '""', literal: "''" },
  ])('$name', ({ input, identifier, literal }) => {
    expect(quoteIdentifier(input)).toBe(identifier);
    expect(quoteLiteral(input)).toBe(literal);
  });
});

describe('buildSelect matchers (null: answered empty without a query)', () => {
  test.each([
    { name: 'eq present', type: MatcherType.EQ, label: 'job', value: 'api', where: ' AND "job" = \'api\'' },
    { name: 'eq empty present', type: MatcherType.EQ, label: 'job', value: '', where: ' AND "job" IS NULL' },
    { name: 'eq absent', type: MatcherType.EQ, label: 'zone', value: 'a', where: null },
    { name: 'eq empty absent', type: MatcherType.EQ, label: 'zone', value: '', where: '' },
    {
      name: 'neq present',
      type: MatcherType.NEQ,
      label: 'job',
      value: 'api',
      where: ' AND ("job" IS NULL OR "job" <> \'api\')',
    },
    {
      name: 'neq empty present',
      type: MatcherType.NEQ,
      label: 'job',
      value: '',
      where: ' AND "job" IS NOT NULL',
    },
    { name: 'neq absent', type: MatcherType.NEQ, label: 'zone', value: 'a', where: '' },
    { name: 'neq empty absent', type: MatcherType.NEQ, label: 'zone', value: '', where: null },
    {
      name: 're present not matching empty',
      type: MatcherType.RE,
      label: 'job',
      value: 'a.+',
      where: ' AND regexp_like("job", \'^(?:a[^\\n]+)\\z\')',
    },
    {
      name: 're present matching empty',
      type: MatcherType.RE,
      label: 'job',
      value: '(a.+)?',
      where: ' AND ("job" IS NULL OR regexp_like("job", \'^(?:(?:a[^\\n]+)?)\\z\'))',
    },
    { name: 're absent not matching empty', type: MatcherType.RE, label: 'zone', value: 'a.+', where: null },
    { name: 're absent matching empty', type: MatcherType.RE, label: 'zone', value: '(a.+)?', where: '' },
    {
      name: 'nre present not matching empty',
      type: MatcherType.NRE,
      label: 'job',
      value: 'a.+',
      where: ' AND ("job" IS NULL OR NOT regexp_like("job", \'^(?:a[^\\n]+)\\z\'))',
    },
    {
      name: 'nre present matching empty',
      type: MatcherType.NRE,
      label: 'job',
      value: '(a.+)?',
      where: ' AND ("job" IS NOT NULL AND NOT regexp_like("job", \'^(?:(?:a[^\\n]+)?)\\z\'))',
    },
    { name: 'nre absent not matching empty', type: MatcherType.NRE, label: 'zone', value: 'a.+', where: '' },
    { name: 'nre absent matching empty', type: MatcherType.NRE, label: 'zone', value: '(a.+)?', where: null },
    { name: 're literal', type: MatcherType.RE, label: 'job', value: 'api', where: ' AND "job" = \'api\'' },
    {
      name: 're literal alternation',
      type: MatcherType.RE,
      label: 'job',
      value: 'api|web',
      where: " AND \"job\" IN ('api', 'web')",
    },
    {
      name: 're literal alternation with empty',
      type: MatcherType.RE,
      label: 'job',
      value: 'api|',
      where: ' AND ("job" IS NULL OR "job" = \'api\')',
    },
    { name: 're only empty', type: MatcherType.RE, label: 'job', value: '', where: ' AND "job" IS NULL' },
    {
      name: 'nre literal',
      type: MatcherType.NRE,
      label: 'job',
      value: 'api',
      where: ' AND ("job" IS NULL OR "job" <> \'api\')',
    },
    {
      name: 'nre literal alternation',
      type: MatcherType.NRE,
      label: 'job',
      value: 'api|web',
      where: ' AND ("job" IS NULL OR "job" NOT IN (\'api\', \'web\'))',
    },
    {
      name: 'nre literal alternation with empty',
      type: MatcherType.NRE,
      label: 'job',
      value: 'api|',
      where: ' AND "job" <> \'api\'',
    },
    {
      name: 'nre only empty',
      type: MatcherType.NRE,
      label: 'job',
      value: '',
      where: ' AND "job" IS NOT NULL',
    },
    { name: 're dot-all star', type: MatcherType.RE, label: 'job', value: '(?s).*', where: '' },
    { name: 'nre dot-all star', type: MatcherType.NRE, label: 'job', value: '(?s).*', where: null },
    {
      name: 're dot star',
      type: MatcherType.RE,
      label: 'job',
      value: '.*',
      where: ' AND ("job" IS NULL OR regexp_like("job", \'^(?:[^\\n]*)\\z\'))',
    },
    {
      name: 're dot plus',
      type: MatcherType.RE,
      label: 'job',
      value: '.+',
      where: ' AND regexp_like("job", \'^(?:[^\\n]+)\\z\')',
    },
    {
      name: 'name eq',
      type: MatcherType.EQ,
      label: '__name__',
      value: 'up',
      where: ' AND "measure_name" = \'up\'',
    },
    { name: 'name eq empty', type: MatcherType.EQ, label: '__name__', value: '', where: null },
    {
      name: 'name neq',
      type: MatcherType.NEQ,
      label: '__name__',
      value: 'up',
      where: ' AND "measure_name" <> \'up\'',
    },
    { name: 'name neq empty', type: MatcherType.NEQ, label: '__name__', value: '', where: '' },
    {
      name: 'name re',
      type: MatcherType.RE,
      label: '__name__',
      value: 'up|down_.*',
      where: ' AND regexp_like("measure_name", \'^(?:up|down_[^\\n]*)\\z\')',
    },
    {
      name: 'name re matching empty',
      type: MatcherType.RE,
      label: '__name__',
      value: '(u.+)?',
      where: ' AND regexp_like("measure_name", \'^(?:(?:u[^\\n]+)?)\\z\')',
    },
    {
      name: 'name nre matching empty',
      type: MatcherType.NRE,
      label: '__name__',
      value: '(u.+)?',
      where: ' AND NOT regexp_like("measure_name", \'^(?:(?:u[^\\n]+)?)\\z\')',
    },
    {
      name: 'name nre',
      type: MatcherType.NRE,
      label: '__name__',
      value: 'u.+',
      where: ' AND NOT regexp_like("measure_name", \'^(?:u[^\\n]+)\\z\')',
    },
    {
      name: 'reserved label time',
      type: MatcherType.EQ,
      label: 'time',
      value: 'x',
      where: ' AND "_time" = \'x\'',
    },
    {
      name: 'underscore label',
      type: MatcherType.EQ,
      label: '_private',
      value: 'x',
      where: ' AND "__private" = \'x\'',
    },
    {
      name: 'unmapped reserved label absent',
      type: MatcherType.EQ,
      label: 'measure_value',
      value: 'x',
      where: null,
    },
    {
      name: 'quote in value',
      type: MatcherType.EQ,
      label: 'job',
      value: "it's",
      where: " AND \"job\" = 'it''s'",
    },
    {
      name: 'sql injection',
      type: MatcherType.EQ,
      label: 'job',
      value: "' OR 1=1 --",
      where: " AND \"job\" = ''' OR 1=1 --'",
    },
    { name: 'backslash', type: MatcherType.EQ, label: 'job', value: 'a\\b', where: ' AND "job" = \'a\\b\'' },
    { name: 'newline', type: MatcherType.EQ, label: 'job', value: 'a\nb', where: ' AND "job" = \'a\nb\'' },
    { name: 'unicode', type: MatcherType.EQ, label: 'job', value: 'é中😀', where: ' AND "job" = \'é中😀\'' },
    {
      name: 'double quote in name',
      type: MatcherType.EQ,
      label: 'we"ird',
      value: 'x',
      where: ' AND "we""ird" = \'x\'',
    },
    {
      name: 'quotes in a literal alternation',
      type: MatcherType.RE,
      label: 'job',
      value: "it's|x' OR '1'='1",
      where: " AND \"job\" IN ('it''s', 'x'' OR ''1''=''1')",
    },
    {
      name: 'quotes in a negated literal alternation',
      type: MatcherType.NRE,
      label: 'job',
      value: "a'|b'",
      where: " AND (\"job\" IS NULL OR \"job\" NOT IN ('a''', 'b'''))",
    },
    { name: 'underscore label absent', type: MatcherType.EQ, label: '_zone', value: 'a', where: null },
    {
      name: 'quote in regex',
      type: MatcherType.RE,
      label: 'job',
      value: "it's.*",
      where: " AND regexp_like(\"job\", '^(?:it''s[^\\n]*)\\z')",
    },
    {
      name: 'backslash regex',
      type: MatcherType.RE,
      label: 'job',
      value: '\\d+\\.x',
      where: ' AND regexp_like("job", \'^(?:[0-9]+\\.x)\\z\')',
    },
  ])('$name', ({ type, label, value, where }) => {
    expect(select([{ type, name: label, value }])).toBe(where === null ? null : PREFIX + where);
  });

  test('ANDs several matchers, in order, and drops the ones that are always true', () => {
    expect(
      select([
        { type: MatcherType.EQ, name: '__name__', value: 'up' },
        { type: MatcherType.NEQ, name: 'zone', value: 'x' },
        { type: MatcherType.RE, name: 'job', value: 'a|b' },
        { type: MatcherType.EQ, name: 'time', value: '' },
      ]),
    ).toBe(`${PREFIX} AND "measure_name" = 'up' AND "job" IN ('a', 'b') AND "_time" IS NULL`);
  });

  test('one matcher that can never match makes the whole query empty', () => {
    expect(
      select([
        { type: MatcherType.EQ, name: '__name__', value: 'up' },
        { type: MatcherType.EQ, name: 'zone', value: 'eu' },
      ]),
    ).toBeNull();
  });

  test.each([
    {
      name: 'invalid regex on a present column',
      matcher: { type: MatcherType.RE, name: 'job', value: '(?<=a)' },
    },
    {
      name: 'invalid regex on an absent column',
      matcher: { type: MatcherType.NRE, name: 'zone', value: 'a**' },
    },
    {
      name: 'invalid regex after a never-matching matcher',
      matcher: { type: MatcherType.RE, name: '__name__', value: '\\1' },
    },
  ])('rejects $name with 400', ({ matcher }) => {
    const never: LabelMatcher = { type: MatcherType.EQ, name: 'zone', value: 'x' };
    let caught: unknown;
    try {
      select([never, matcher as LabelMatcher]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConnectorError);
    expect((caught as ConnectorError).kind).toBe(ErrorKind.BadRequest);
  });

  test('rejects an unknown matcher type with 400', () => {
    expect(() => select([{ type: 7 as MatcherType, name: 'job', value: 'x' }])).toThrow(
      'unknown matcher type 7 for label "job"',
    );
  });
});

describe('buildSelect on columns another tool wrote', () => {
  test.each([
    {
      name: 'job is the job column, not _job',
      columns: ['job', '_job'],
      matcher: { type: MatcherType.EQ, name: 'job', value: 'a' },
      where: ' AND "job" = \'a\'',
    },
    {
      name: '_job is the _job column the read returns it from',
      columns: ['job', '_job'],
      matcher: { type: MatcherType.EQ, name: '_job', value: 'a' },
      where: ' AND "_job" = \'a\'',
    },
    {
      name: 'job is absent when only _job exists',
      columns: ['_job'],
      matcher: { type: MatcherType.EQ, name: 'job', value: 'a' },
      where: null,
    },
    {
      name: '_job is our __job column when both exist',
      columns: ['_job', '__job'],
      matcher: { type: MatcherType.EQ, name: '_job', value: 'a' },
      where: ' AND "__job" = \'a\'',
    },
    {
      name: "__job is then another tool's _job column",
      columns: ['_job', '__job'],
      matcher: { type: MatcherType.NEQ, name: '__job', value: '' },
      where: ' AND "_job" IS NOT NULL',
    },
  ])('$name', ({ columns, matcher, where }) => {
    const query: Query = { startTimestampMs: 1, endTimestampMs: 2, matchers: [matcher] };
    const sql = buildSelect({ database: 'db', table: 'tbl', query, dimensionColumns: new Set(columns) });
    expect(sql).toBe(where === null ? null : PREFIX + where);
  });
});

describe('buildSelect time range', () => {
  // The end runs to the last nanosecond of its millisecond: rows with sub-millisecond times
  // read back truncated to their millisecond, so all of them belong to the range.
  const WHERE = 'SELECT * FROM "db"."tbl" WHERE';
  test.each([
    {
      name: 'millisecond bounds, inclusive',
      start: 1_700_000_000_123,
      end: 1_700_000_000_999,
      sql: `${WHERE} time BETWEEN from_milliseconds(1700000000123) AND from_nanoseconds(1700000000999999999)`,
    },
    {
      name: 'single millisecond',
      start: 5,
      end: 5,
      sql: `${WHERE} time BETWEEN from_milliseconds(5) AND from_nanoseconds(5999999)`,
    },
    {
      name: 'end at the epoch',
      start: 0,
      end: 0,
      sql: `${WHERE} time BETWEEN from_milliseconds(0) AND from_nanoseconds(999999)`,
    },
    {
      name: 'negative start clamped to the epoch',
      start: -1000,
      end: 10,
      sql: `${WHERE} time BETWEEN from_milliseconds(0) AND from_nanoseconds(10999999)`,
    },
    {
      name: 'end before the last queryable millisecond',
      start: 0,
      end: 9_223_372_036_853,
      sql: `${WHERE} time BETWEEN from_milliseconds(0) AND from_nanoseconds(9223372036853999999)`,
    },
    {
      name: 'end on the last queryable millisecond: no end bound',
      start: 7,
      end: 9_223_372_036_854,
      sql: `${WHERE} time >= from_milliseconds(7)`,
    },
    {
      name: 'huge end clamped to the last queryable time: no end bound',
      start: 0,
      end: 9_223_309_901_257_974,
      sql: `${WHERE} time >= from_milliseconds(0)`,
    },
    { name: 'start after end', start: 10, end: 9, sql: null },
    { name: 'range entirely before the epoch', start: -10, end: -1, sql: null },
  ])('$name', ({ start, end, sql }) => {
    expect(select([], { startTimestampMs: start, endTimestampMs: end })).toBe(sql);
  });

  test('ignores read hints: the query range decides', () => {
    const hints = { stepMs: 0, func: '', startMs: 500, endMs: 600, grouping: [], by: false, rangeMs: 0 };
    expect(select([], { startTimestampMs: 100, endTimestampMs: 900, hints })).toBe(
      'SELECT * FROM "db"."tbl" WHERE time BETWEEN from_milliseconds(100) AND from_nanoseconds(900999999)',
    );
  });

  test.each([
    { name: 'NaN start', range: { startTimestampMs: Number.NaN }, message: 'invalid start timestamp: NaN' },
    { name: 'NaN end', range: { endTimestampMs: Number.NaN }, message: 'invalid end timestamp: NaN' },
    {
      name: 'infinite end',
      range: { endTimestampMs: Number.POSITIVE_INFINITY },
      message: 'invalid end timestamp: Infinity',
    },
  ])('rejects a non-finite timestamp with 400: $name', ({ range, message }) => {
    let caught: unknown;
    try {
      select([], range);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConnectorError);
    expect((caught as ConnectorError).kind).toBe(ErrorKind.BadRequest);
    expect((caught as ConnectorError).message).toBe(message);
  });

  test('quotes database and table', () => {
    const query: Query = { startTimestampMs: 1, endTimestampMs: 2, matchers: [] };
    expect(buildSelect({ database: 'my"db', table: "t'x", query, dimensionColumns: new Set() })).toBe(
      `SELECT * FROM "my""db"."t'x" WHERE time BETWEEN from_milliseconds(1) AND from_nanoseconds(2999999)`,
    );
  });
});

describe("buildSelect past Timestream's QueryString limit", () => {
  // ` AND "job" = 'x'` after PREFIX: the characters a value of length n adds are n + this.
  const EQ_JOB = ` AND "job" = ''`.length;
  const eq = (name: string, value: string): LabelMatcher => ({ type: MatcherType.EQ, name, value });
  /**
   * A Grafana multi-value variable of `host:port` instances joined (prometheusSpecialRegexEscape
   * leaves such values as they are): 4000 values stay under the decoder's 256 KiB per matcher
   * value, and a literal alternation is sent as `IN ('v', …)`, three characters longer a value.
   */
  const instances = (group: number) =>
    `(${Array.from({ length: 4000 }, (_, i) => `node${group}-${i}:9100`).join('|')})`;
  const FOUR: LabelMatcher[] = [
    eq('__name__', 'up'),
    { type: MatcherType.RE, name: 'job', value: instances(1) },
    { type: MatcherType.RE, name: 'time', value: instances(2) },
    { type: MatcherType.NRE, name: '_private', value: instances(3) },
    { type: MatcherType.RE, name: 'we"ird', value: instances(4) },
  ];
  const tooLong = (chars: number) =>
    `query too long for Timestream: its matchers make SQL of ${chars} characters, over Timestream's limit of 262144; select fewer or shorter label values`;
  test.each([
    {
      name: 'a value that makes the SQL exactly as long as the limit',
      matchers: [eq('job', 'v'.repeat(MAX_QUERY_STRING_CHARS - PREFIX.length - EQ_JOB))],
      refused: undefined,
    },
    {
      name: 'one character more',
      matchers: [eq('job', 'v'.repeat(MAX_QUERY_STRING_CHARS - PREFIX.length - EQ_JOB + 1))],
      refused: tooLong(262_145),
    },
    {
      name: 'quotes counted doubled, as they are sent',
      // PREFIX.length + EQ_JOB is even, so half the room rounded up is one character too many.
      matchers: [eq('job', "'".repeat(Math.ceil((MAX_QUERY_STRING_CHARS - PREFIX.length - EQ_JOB) / 2)))],
      refused: tooLong(262_145),
    },
    {
      name: 'five multi-value variables of 4000 values, each sent alone, too long even as regexes',
      matchers: [...FOUR, { type: MatcherType.RE, name: 'job', value: instances(5) }],
      refused: tooLong(314_796),
    },
  ])('$name', ({ matchers, refused }) => {
    if (refused === undefined) {
      expect(select(matchers)?.length).toBe(MAX_QUERY_STRING_CHARS);
      return;
    }
    let caught: unknown;
    try {
      select(matchers);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConnectorError);
    expect([(caught as ConnectorError).kind, (caught as ConnectorError).message]).toEqual([
      ErrorKind.BadRequest,
      refused,
    ]);
  });

  test('a literal product too long for IN (…) is sent as the regex it is', () => {
    // Its 64 strings of 4096 characters make no IN list Timestream takes; its regex fits.
    const suffix = 'x'.repeat(4094);
    const value = `(a|b|c|d)(e|f|g|h)(i|j|k|l)${suffix}`;
    expect(select([{ type: MatcherType.RE, name: 'job', value }])).toBe(
      `${PREFIX} AND regexp_like("job", '^(?:(?:a|b|c|d)(?:e|f|g|h)(?:i|j|k|l)${suffix})\\z')`,
    );
  });

  test('literal alternations too long as IN (…) lists are sent as the regexes they are, which fit', () => {
    // As IN lists the four variables make 299 777 characters.
    const sql = select(FOUR);
    expect([sql?.length, sql?.match(/regexp_like\(/g)?.length, sql?.includes(' IN (')]).toEqual([
      251_869,
      4,
      false,
    ]);
    // 20 000 values of 11 characters: 239 999 in the regex, ~300 000 as an IN list.
    const value = Array.from({ length: 20_000 }, (_, i) => `h${String(i).padStart(5, '0')}:9100`).join('|');
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(DEFAULT_DECODE_LIMITS.maxMatcherValueBytes);
    expect(select([{ type: MatcherType.RE, name: 'job', value }])).toBe(
      `${PREFIX} AND regexp_like("job", '^(?:${value})\\z')`,
    );
  });

  test('each such variable alone is sent', () => {
    const value = instances(1);
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(DEFAULT_DECODE_LIMITS.maxMatcherValueBytes);
    expect(select([{ type: MatcherType.RE, name: 'job', value }])?.length).toBe(74_998);
  });
});

describe('buildSelect of a query built again', () => {
  test('translates each regex matcher once, however often the query is built', () => {
    // reader.ts builds a query again for each column Timestream refuses.
    const translate = jest.mocked(translateRe2);
    const matchers = [
      { type: MatcherType.NRE, name: 'job', value: '(?i)\\P{Lu}' },
      { type: MatcherType.RE, name: 'job', value: 'a.*' },
    ];
    translate.mockClear();
    const first = select(matchers);
    expect(select(matchers)).toBe(first);
    expect(select(matchers)).toBe(first);
    expect(translate.mock.calls).toEqual([['(?i)\\P{Lu}'], ['a.*']]);
    // A matcher whose value changed is translated again.
    matchers[1]!.value = 'b.*';
    expect(select(matchers)).toBe(first!.replace("'^(?:a[^\\n]*)\\z'", "'^(?:b[^\\n]*)\\z'"));
    expect(translate.mock.calls).toHaveLength(3);
  });
});
