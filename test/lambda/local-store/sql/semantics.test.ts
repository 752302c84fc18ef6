// SPDX-License-Identifier: Apache-2.0
// Translated queries run on a real in-memory DuckDB in the store's physical layout.
import { createFixture, NOW_MS, scalars, type Fixture } from './duck-fixture';

const MS = 1_000_000n; // nanoseconds per millisecond
const NOW_NS = BigInt(NOW_MS) * MS;

describe('translated SQL on DuckDB', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture();
    await fixture.createTable('db', 't', ['region', 'we"ird'], ['DOUBLE']);
    await fixture.insert('db', 't', [
      { region: 'eu', 'we"ird': 'x', measure_name: 'up', time: 1000n * MS, 'measure_value::double': 1 },
      { region: "O'Brien", measure_name: 'up', time: 1000n * MS + 1n, 'measure_value::double': 2 },
      { measure_name: 'up', time: 2000n * MS, 'measure_value::double': 3 },
      { region: 'eu', measure_name: 'up', time: 2000n * MS + 1n, 'measure_value::double': 4 },
      { region: 'us', measure_name: 'down', time: 999n * MS + 999_999n, 'measure_value::double': 5 },
      { region: 'eu', measure_name: 'recent', time: NOW_NS - 60_000n * MS, 'measure_value::double': 6 },
      { region: 'eu', measure_name: 'recent', time: NOW_NS - 20n * 60_000n * MS, 'measure_value::double': 7 },
    ]);
  });
  afterAll(() => fixture.close());

  const values = async (query: string) => scalars((await fixture.query(query)).rows);

  test.each([
    {
      name: 'BETWEEN is inclusive at both millisecond bounds and exact to the nanosecond',
      where: 'time BETWEEN from_milliseconds(1000) AND from_milliseconds(2000)',
      expected: ['1.0', '2.0', '3.0'],
    },
    {
      name: '= is false on NULL, so absent labels do not match',
      where: `region = 'eu'`,
      expected: ['1.0', '4.0', '6.0', '7.0'],
    },
    { name: '<> is false on NULL too', where: `region <> 'eu'`, expected: ['2.0', '5.0'] },
    { name: 'IS NULL finds the absent label', where: 'region IS NULL', expected: ['3.0'] },
    {
      name: 'the != matcher as the connector writes it',
      where: `(region IS NULL OR region <> 'eu')`,
      expected: ['2.0', '3.0', '5.0'],
    },
    { name: 'a doubled quote inside a literal', where: `region = 'O''Brien'`, expected: ['2.0'] },
    { name: 'a quoted identifier with a doubled quote', where: `"we""ird" = 'x'`, expected: ['1.0'] },
    { name: 'ago() against the query now', where: 'time > ago(15m)', expected: ['6.0'] },
    { name: 'ago() of an interval sum', where: 'time > ago(10m + 10m + 1s)', expected: ['6.0', '7.0'] },
    {
      name: 'regexp_like is a partial match',
      where: `regexp_like(region, 'u')`,
      expected: ['1.0', '4.0', '5.0', '6.0', '7.0'],
    },
    { name: 'measure_name filter', where: `measure_name = 'down'`, expected: ['5.0'] },
    { name: 'IN over a value list', where: `region IN ('us', 'O''Brien')`, expected: ['2.0', '5.0'] },
    {
      name: 'IS DISTINCT FROM treats NULL as a value',
      where: `region IS DISTINCT FROM 'eu'`,
      expected: ['2.0', '3.0', '5.0'],
    },
  ])('$name', async ({ where, expected }) => {
    const rows = await values(
      `SELECT measure_value::double FROM db.t WHERE ${where} ORDER BY measure_value::double`,
    );
    expect(rows).toEqual(expected.map((v) => [v]));
  });

  test('SELECT * shows dimensions, measure_name, time and the seen measure columns only', async () => {
    const result = await fixture.query(`SELECT * FROM "db"."t" WHERE time = from_milliseconds(1000)`);
    expect(result.columnInfo.map((c) => `${c.Name}:${c.Type!.ScalarType}`)).toEqual([
      'region:VARCHAR',
      'we"ird:VARCHAR',
      'measure_name:VARCHAR',
      'time:TIMESTAMP',
      'measure_value::double:DOUBLE',
    ]);
    expect(scalars(result.rows)).toEqual([['eu', 'x', 'up', '1970-01-01 00:00:01.000000000', '1.0']]);
  });

  test('count() is one BIGINT column named _col0', async () => {
    const result = await fixture.query('SELECT count() FROM db.t');
    expect(result).toEqual({
      columnInfo: [{ Name: '_col0', Type: { ScalarType: 'BIGINT' } }],
      rows: [{ Data: [{ ScalarValue: '7' }] }],
    });
  });

  test('count(x) counts the rows where x is not NULL, count(*) and count() every row', async () => {
    const result = await fixture.query(
      `SELECT count(region), count(*), count(), count(DISTINCT region), count("we""ird") FROM db.t`,
    );
    expect(result.columnInfo.map((c) => c.Type?.ScalarType)).toEqual(Array(5).fill('BIGINT'));
    expect(scalars(result.rows)).toEqual([['6', '7', '7', '3', '1']]);
  });

  test('ORDER BY time DESC LIMIT keeps nanoseconds in the timestamp text', async () => {
    expect(
      await values('SELECT time FROM db.t WHERE time < from_milliseconds(3000) ORDER BY time DESC LIMIT 2'),
    ).toEqual([['1970-01-01 00:00:02.000000001'], ['1970-01-01 00:00:02.000000000']]);
  });

  test('bin() floors to the interval and GROUP BY aggregates per bin', async () => {
    const result = await fixture.query(
      `SELECT bin(time, 1s) AS b, count(*), sum(measure_value::double) FROM db.t WHERE measure_name = 'up' GROUP BY bin(time, 1s) ORDER BY b`,
    );
    expect(result.columnInfo.map((c) => c.Name)).toEqual(['b', '_col1', '_col2']);
    expect(scalars(result.rows)).toEqual([
      ['1970-01-01 00:00:01.000000000', '2', '3.0'],
      ['1970-01-01 00:00:02.000000000', '2', '7.0'],
    ]);
  });

  test('time functions are exact to the millisecond', async () => {
    expect(
      await values(
        "SELECT from_milliseconds(1), to_milliseconds(from_milliseconds(1700000000123)), from_unixtime(1.5), now(), date_trunc('hour', now())",
      ),
    ).toEqual([
      [
        '1970-01-01 00:00:00.001000000',
        '1700000000123',
        '1970-01-01 00:00:01.500000000',
        '2023-11-14 22:13:20.123000000',
        '2023-11-14 22:00:00.000000000',
      ],
    ]);
  });

  test.each([
    { query: 'SELECT 5/2, -5/2, 7/7', expected: ['2', '-2', '1'] },
    { query: 'SELECT 5.0/2, 5/2.0, 1/4.0', expected: ['2.5', '2.5', '0.25'] },
    { query: 'SELECT CAST(5 AS double)/2, 7 % 3, -7 % 3', expected: ['2.5', '1', '-1'] },
  ])('/ truncates between integers as in Timestream: $query', async ({ query, expected }) => {
    expect(scalars((await fixture.query(query)).rows)).toEqual([expected]);
  });

  test('to_milliseconds takes an interval literal too, giving a BIGINT', async () => {
    const result = await fixture.query(
      'SELECT to_milliseconds(1h), to_milliseconds(250ms), to_milliseconds(1d)',
    );
    expect(result.columnInfo.map((c) => c.Type?.ScalarType)).toEqual(['BIGINT', 'BIGINT', 'BIGINT']);
    expect(scalars(result.rows)).toEqual([['3600000', '250', '86400000']]);
  });

  test.each([
    // The [DT] page's examples: to_milliseconds(interval day to second) and to_nanoseconds(...).
    {
      query:
        "SELECT to_milliseconds(INTERVAL '2' DAY + INTERVAL '3' HOUR), to_milliseconds(INTERVAL '1' DAY)",
      expected: ['183600000', '86400000'],
    },
    {
      query: "SELECT to_nanoseconds(INTERVAL '2' DAY + INTERVAL '3' HOUR), to_nanoseconds(1d + 1ms)",
      expected: ['183600000000000', '86400001000000'],
    },
    {
      query: 'SELECT to_milliseconds(from_milliseconds(1500) - from_milliseconds(0)), to_milliseconds(-1d)',
      expected: ['1500', '-86400000'],
    },
  ])('an interval expression is a BIGINT of its length: $query', async ({ query, expected }) => {
    const result = await fixture.query(query);
    expect(result.columnInfo.map((c) => c.Type?.ScalarType)).toEqual(['BIGINT', 'BIGINT']);
    expect(scalars(result.rows)).toEqual([expected]);
  });

  test.each([
    // reference/timestream-facts.md 5: every interval literal unit, short and long
    ...[
      ['ns', 1n],
      ['nanosecond', 1n],
      ['us', 1_000n],
      ['microsecond', 1_000n],
      ['ms', 1_000_000n],
      ['millisecond', 1_000_000n],
      ['s', 1_000_000_000n],
      ['second', 1_000_000_000n],
      ['m', 60_000_000_000n],
      ['minute', 60_000_000_000n],
      ['h', 3_600_000_000_000n],
      ['hour', 3_600_000_000_000n],
      ['d', 86_400_000_000_000n],
      ['day', 86_400_000_000_000n],
    ].map(([unit, nanos]) => ({ literal: `3${unit}`, type: 'BIGINT', text: String(3n * (nanos as bigint)) })),
  ])('the day-to-second literal $literal is $text ns', async ({ literal, type, text }) => {
    const result = await fixture.query(`SELECT to_nanoseconds(${literal})`);
    expect(result.columnInfo.map((c) => c.Type?.ScalarType)).toEqual([type]);
    expect(scalars(result.rows)).toEqual([[text]]);
  });

  test.each([
    { literal: '3y', text: '3-0' },
    { literal: '3year', text: '3-0' },
    { literal: '3month', text: '0-3' },
  ])('the year-to-month literal $literal is $text', async ({ literal, text }) => {
    const result = await fixture.query(`SELECT ${literal}`);
    expect(result.columnInfo.map((c) => c.Type?.ScalarType)).toEqual(['INTERVAL_YEAR_TO_MONTH']);
    expect(scalars(result.rows)).toEqual([[text]]);
  });

  test.each([
    // reference/timestream-facts.md 5: date_trunc's units, from 2023-11-14 22:13:20.123 (a Tuesday)
    { unit: 'second', text: '2023-11-14 22:13:20.000000000' },
    { unit: 'minute', text: '2023-11-14 22:13:00.000000000' },
    { unit: 'hour', text: '2023-11-14 22:00:00.000000000' },
    { unit: 'day', text: '2023-11-14 00:00:00.000000000' },
    { unit: 'week', text: '2023-11-13 00:00:00.000000000' },
    { unit: 'month', text: '2023-11-01 00:00:00.000000000' },
    { unit: 'quarter', text: '2023-10-01 00:00:00.000000000' },
    { unit: 'year', text: '2023-01-01 00:00:00.000000000' },
  ])("date_trunc('$unit') is $text", async ({ unit, text }) => {
    const result = await fixture.query(`SELECT date_trunc('${unit}', from_milliseconds(${NOW_MS}))`);
    expect(result.columnInfo.map((c) => c.Type?.ScalarType)).toEqual(['TIMESTAMP']);
    expect(scalars(result.rows)).toEqual([[text]]);
  });

  test('to_nanoseconds takes an interval literal or a timestamp, giving a BIGINT', async () => {
    // reference/timestream-facts.md 5; the [DT] page gives to_nanoseconds(interval day to second).
    const result = await fixture.query(
      'SELECT to_nanoseconds(2d), to_nanoseconds(5ns), to_nanoseconds(from_nanoseconds(1655487883771000678))',
    );
    expect(result.columnInfo.map((c) => c.Type?.ScalarType)).toEqual(['BIGINT', 'BIGINT', 'BIGINT']);
    expect(scalars(result.rows)).toEqual([['172800000000000', '5', '1655487883771000678']]);
  });

  test.each([
    {
      // Timestream's date-time operators page: each is the date 2022-05-23.
      name: "a date plus an interval is a date: date '2022-05-21' + 2d, + 2day, + interval '2' day",
      query: `SELECT date '2022-05-21' + 2d, date '2022-05-21' + 2day, date '2022-05-21' + interval '2' day`,
      types: ['DATE', 'DATE', 'DATE'],
      row: ['2022-05-23', '2022-05-23', '2022-05-23'],
    },
    {
      name: 'a date minus an interval is a date, also of a year-to-month interval and of whole days in hours',
      query: `SELECT date '2022-05-21' - 2d, date '2022-05-21' - interval '2' day, date '2022-05-21' + 1y - 1month, date '2022-05-21' + 48h`,
      types: ['DATE', 'DATE', 'DATE', 'DATE'],
      row: ['2022-05-19', '2022-05-19', '2023-04-21', '2022-05-23'],
    },
    {
      name: 'current_date and a cast to date, plus or minus an interval, are dates',
      query: `SELECT current_date - 1d, CAST(from_milliseconds(${NOW_MS}) AS date) + interval '1' day`,
      types: ['DATE', 'DATE'],
      row: ['2023-11-13', '2023-11-15'],
    },
    {
      name: 'renamed aggregates: approx_distinct, arbitrary (skips NULL), every',
      query: `SELECT approx_distinct(region), arbitrary(region), every(region = 'eu') FROM db.t WHERE measure_name = 'up' AND time >= from_milliseconds(2000)`,
      types: ['BIGINT', 'VARCHAR', 'BOOLEAN'],
      row: ['1', 'eu', 'true'],
    },
    {
      name: 'approx_percentile as an approximate quantile',
      query: `SELECT approx_percentile(measure_value::double, 0.5) FROM db.t WHERE measure_name = 'up'`,
      types: ['DOUBLE'],
      row: ['2.5'],
    },
    {
      name: "count_if() is a BIGINT (DuckDB's HUGEINT)",
      query: `SELECT count_if(region = 'eu') FROM db.t`,
      types: ['BIGINT'],
      row: ['4'],
    },
    {
      name: 'every is false when one value is false',
      query: `SELECT every(region = 'eu'), approx_distinct(region) FROM db.t WHERE measure_name = 'up'`,
      types: ['BOOLEAN', 'BIGINT'],
      row: ['false', '2'],
    },
    {
      name: 'CAST to real is a DOUBLE, to timestamp keeps nanoseconds',
      query: `SELECT CAST(0.1 AS real), CAST('2023-01-01 00:00:00.123456789' AS timestamp), TRY_CAST('x' AS bigint)`,
      types: ['DOUBLE', 'TIMESTAMP', 'BIGINT'],
      row: ['0.1', '2023-01-01 00:00:00.123456789', null],
    },
    {
      name: 'from_unixtime rounds to the millisecond, to_unixtime keeps the fraction',
      query: 'SELECT from_unixtime(1.0006), from_unixtime(-1.0006), to_unixtime(from_milliseconds(1500))',
      types: ['TIMESTAMP', 'TIMESTAMP', 'DOUBLE'],
      row: ['1970-01-01 00:00:01.001000000', '1969-12-31 23:59:58.999000000', '1.5'],
    },
    {
      name: 'bin() floors a time before the epoch',
      query: 'SELECT bin(from_milliseconds(-1500), 1s)',
      types: ['TIMESTAMP'],
      row: ['1969-12-31 23:59:58.000000000'],
    },
    {
      name: 'bin() takes a sub-microsecond width',
      query: `SELECT bin(time, 2ns) FROM db.t WHERE measure_name = 'up' AND time > from_milliseconds(2000)`,
      types: ['TIMESTAMP'],
      row: ['1970-01-01 00:00:02.000000000'],
    },
    {
      // 2023-11-19 is a Sunday, the 323rd day of its year; 2024-12-31 the 366th of a leap year
      name: 'day_of_week() is ISO (Monday 1, Sunday 7) and day_of_year() counts from 1',
      query: `SELECT day_of_week(TIMESTAMP '2023-11-19 23:59:59'), day_of_week(TIMESTAMP '2023-11-20 00:00:00'), day_of_year(TIMESTAMP '2023-11-19 00:00:00'), day_of_year(TIMESTAMP '2024-12-31 12:00:00'), day_of_week(CAST(NULL AS timestamp))`,
      types: ['BIGINT', 'BIGINT', 'BIGINT', 'BIGINT', 'BIGINT'],
      row: ['7', '1', '323', '366', null],
    },
    {
      name: 'a NUL inside a string literal is kept',
      query: "SELECT 'a\0b', 'c''\0'",
      types: ['VARCHAR', 'VARCHAR'],
      row: ['a\0b', "c'\0"],
    },
  ])('$name', async ({ query, types, row }) => {
    const result = await fixture.query(query);
    expect(result.columnInfo.map((c) => c.Type?.ScalarType)).toEqual(types);
    expect(scalars(result.rows)).toEqual([row]);
  });

  // Timestream's function pages, each at https://docs.aws.amazon.com/timestream/latest/developerguide/<page>.html
  test.each([
    {
      name: 'if(condition, true_value) is NULL when the condition does not hold (conditional-expressions.IF, its example)',
      query: `SELECT if(true, 'example 1'), if(false, 'example 2'), if(true, 'example 3 true', 'example 3 false'), if(false, 'example 4 true', 'example 4 false')`,
      types: ['VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR'],
      row: ['example 1', null, 'example 3 true', 'example 4 false'],
    },
    {
      name: 'sqrt() and the logarithms are NaN below zero, the logarithms -Infinity at zero, as Java Math (mathematical-functions)',
      query: 'SELECT sqrt(-4), sqrt(4), ln(0), ln(-1), log10(-0.0), log2(-1), log10(100), log2(NULL)',
      types: ['DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE'],
      row: ['NaN', '2.0', '-Infinity', 'NaN', '-Infinity', 'NaN', '2.0', null],
    },
    {
      name: 'substr() is empty from position 0, for a length below 1 and from before the start (Trino string)',
      query:
        "SELECT substr('hello', 0), substr('hello', 0, 2), substr('hello', 2, -1), substr('hello', -6), substr('hello', -10, 7), substring('hello', -3, 2), substr('héllo', 2, 3), substr('hello', 0, NULL), substr(NULL, 0)",
      types: Array(9).fill('VARCHAR'),
      row: ['', '', '', '', '', 'll', 'éll', null, null],
    },
    {
      // Trino's DoubleOperators round half away from zero; DuckDB's cast rounds half to even.
      name: 'a double cast to bigint or integer rounds half away from zero (Trino conversion)',
      query:
        "SELECT CAST(CAST(2.5 AS double) AS bigint), CAST(-2.5e0 AS bigint), CAST(0.5e0 AS integer), TRY_CAST(-0.5e0 AS integer), CAST(4.5e0 AS bigint), CAST(1.5 AS bigint), CAST('7' AS bigint), TRY_CAST(CAST('NaN' AS double) AS bigint)",
      types: ['BIGINT', 'BIGINT', 'INTEGER', 'INTEGER', 'BIGINT', 'BIGINT', 'BIGINT', 'BIGINT'],
      row: ['3', '-3', '1', '-1', '5', '2', '7', null],
    },
    {
      // Trino's DoubleOperators cast a double to varchar with String.valueOf, Java's Double.toString.
      name: 'a double cast to varchar is Java text, in Java notation at both ends and for every extreme (Trino conversion)',
      query:
        'SELECT CAST(1e21 AS varchar), CAST(1e-7 AS varchar), CAST(9007199254740994e0 AS varchar), CAST(1e7 AS varchar), ' +
        'CAST(0.001e0 AS varchar), CAST(0.0001e0 AS varchar), CAST(-123.456e0 AS varchar), CAST(5e-324 AS varchar), ' +
        'CAST(1.7976931348623157e308 AS varchar), CAST(0e0 AS varchar), CAST(-0e0 AS varchar), TRY_CAST(sqrt(-1) AS varchar), ' +
        "CAST(-ln(0) AS varchar), CAST(ln(0) AS varchar), CAST(CAST(NULL AS double) AS varchar), CAST(measure_value::double AS varchar), CAST(7 AS varchar), CAST(0.5 AS varchar) FROM db.t WHERE measure_name = 'down'",
      types: Array(18).fill('VARCHAR'),
      row: [
        '1.0E21',
        '1.0E-7',
        '9.007199254740994E15',
        '1.0E7',
        '0.001',
        '1.0E-4',
        '-123.456',
        '4.9E-324',
        '1.7976931348623157E308',
        '0.0',
        '-0.0',
        'NaN',
        'Infinity',
        '-Infinity',
        null,
        '5.0',
        '7',
        '0.5',
      ],
    },
    {
      // DuckDB reads 1.50 as a DECIMAL, which the store answers as a DOUBLE (no decimal type in
      // Timestream): its cast has the text of its cell, not DuckDB's decimal text 1.50.
      name: 'a number with a decimal point cast to varchar is the text of its DOUBLE cell',
      query:
        'SELECT CAST(1.50 AS varchar), 1.50, CAST(12345678.5 AS varchar), 12345678.5, CAST(0.0001 AS varchar), CAST(-2.0 AS varchar)',
      types: ['VARCHAR', 'DOUBLE', 'VARCHAR', 'DOUBLE', 'VARCHAR', 'VARCHAR'],
      row: ['1.5', '1.5', '1.23456785E7', '1.23456785E7', '1.0E-4', '-2.0'],
    },
    {
      // Trino's TimestampToVarchar writes as many fraction digits as the type's precision, and
      // Timestream's timestamp and time hold nanoseconds (supported-data-types).
      name: 'a timestamp or time cast to varchar has nine fraction digits, as its cell (Trino conversion)',
      query:
        "SELECT CAST(from_milliseconds(0) AS varchar), CAST(time AS varchar), TRY_CAST(from_milliseconds(1) AS varchar), CAST(from_nanoseconds(-1) AS varchar), CAST(bin(time, 1s) AS varchar), CAST(date_trunc('hour', time) AS varchar), CAST(timestamp '2262-04-11 23:47:16.854775806' AS varchar), CAST(time '01:02:03' AS varchar), CAST(time '01:02:03.5' AS varchar), CAST(CAST(NULL AS timestamp) AS varchar), CAST(date '2020-08-08' AS varchar) FROM db.t WHERE measure_name = 'down'",
      types: Array(11).fill('VARCHAR'),
      row: [
        '1970-01-01 00:00:00.000000000',
        '1970-01-01 00:00:00.999999999',
        '1970-01-01 00:00:00.001000000',
        '1969-12-31 23:59:59.999999999',
        '1970-01-01 00:00:00.000000000',
        '1970-01-01 00:00:00.000000000',
        '2262-04-11 23:47:16.854775806',
        '01:02:03.000000000',
        '01:02:03.500000000',
        null,
        '2020-08-08',
      ],
    },
    {
      // Trino's IntervalYearMonth.formatMonths writes `Y-M`; DuckDB's cast wrote `1 year`, `24:00:00`.
      name: 'an interval cast to varchar is its cell text, Y-M or D hh:mm:ss.nnnnnnnnn, negative ones too',
      query:
        "SELECT CAST(1y AS varchar), CAST(-1y AS varchar), CAST(0y - 14month AS varchar), CAST(1d AS varchar), CAST(1h - 2d AS varchar), CAST(25h + 1us AS varchar), TRY_CAST(from_milliseconds(2000) - from_milliseconds(500) AS varchar), CAST(0s - 1us AS varchar), 1h - 2d FROM db.t WHERE measure_name = 'down'",
      types: [...Array(8).fill('VARCHAR'), 'INTERVAL_DAY_TO_SECOND'],
      row: [
        '1-0',
        '-1-0',
        '-1-2',
        '1 00:00:00.000000000',
        '-1 23:00:00.000000000',
        '1 01:00:00.000001000',
        '0 00:00:01.500000000',
        '-0 00:00:00.000001000',
        '-1 23:00:00.000000000',
      ],
    },
    {
      name: 'replace(x1, x2) removes every x2 from x1 (string-functions)',
      query: `SELECT replace('abcb', 'b'), replace('abcb', 'b', 'x'), replace(region, 'u') FROM db.t WHERE measure_name = 'down'`,
      types: ['VARCHAR', 'VARCHAR', 'VARCHAR'],
      row: ['ac', 'axcx', 's'],
    },
    {
      name: 'concat() is NULL when any value is NULL, as || (string-functions; Trino: the same as ||)',
      query: `SELECT concat('a', NULL), concat('a', 'b', 'c'), concat(region, '-', measure_name), concat(region, NULL, 'x'), concat(NULL, NULL) FROM db.t WHERE measure_name = 'down'`,
      types: ['VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR'],
      row: [null, 'abc', 'us-down', null, null],
    },
    {
      name: '|| joins varchar values and NULLs into a varchar, NULL when any value is NULL (string-operators)',
      query: `SELECT NULL || 'a', NULL || NULL, region || '-' || measure_name, 'a' || CAST(1 AS varchar) || CAST(true AS varchar) FROM db.t WHERE measure_name = 'down'`,
      types: ['VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR'],
      row: [null, null, 'us-down', 'a1true'],
    },
    {
      name: 'split_part() is the field from 1, NULL past the last field (string-functions; Trino)',
      query: `SELECT split_part('a,b,c', ',', 2), split_part('a,b,c', ',', 4), split_part('a,,c', ',', 2), split_part(region, 's', 2), split_part(region, 's', 3), split_part('a,b', CAST(NULL AS varchar), 1), split_part(CAST(NULL AS varchar), ',', 1) FROM db.t WHERE measure_name = 'down'`,
      types: ['VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR'],
      row: ['b', null, '', '', null, null, null],
    },
    {
      name: 'lpad() and rpad() pad to size characters or truncate to them (string-functions)',
      query: `SELECT lpad('abc', 5, 'xy'), lpad('abc', 2, 'x'), rpad('abc', 5, 'xy'), rpad('abc', 2, 'x'), lpad(region, CAST(4 AS bigint), '0'), rpad('abc', 0, 'x'), rpad(region, 3, CAST(NULL AS varchar)) FROM db.t WHERE measure_name = 'down'`,
      types: ['VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR'],
      row: ['xyabc', 'ab', 'abcxy', 'ab', '00us', '', null],
    },
    {
      name: 'lpad() and rpad() to a size well below a page (1 MB) are served in full',
      query: `SELECT length(lpad('a', 100000, 'x')), length(rpad('a', CAST(999000 AS bigint), 'xy'))`,
      types: ['BIGINT', 'BIGINT'],
      row: ['100000', '999000'],
    },
    {
      name: 'position(substring IN string) is strpos(string, substring) (string-functions; Trino)',
      query: `SELECT position('b' IN 'abc'), position('z' IN 'abc'), position('s' IN region), position(lower('S') IN concat(region, 's')), position(CAST(NULL AS varchar) IN 'abc'), position(if('us' IN ('a', region), 'c') IN 'abc') FROM db.t WHERE measure_name = 'down'`,
      types: ['BIGINT', 'BIGINT', 'BIGINT', 'BIGINT', 'BIGINT', 'BIGINT'],
      row: ['2', '0', '2', '2', null, '3'],
    },
    {
      name: 'greatest() and least() are NULL when any value is NULL (comparison-functions.greatest, .least)',
      query: `SELECT greatest(1, NULL), least(CAST(NULL AS double), 2.5), greatest(1, 3, 2), least('b', 'a'), greatest(measure_value::double, 4), least(region, NULL) FROM db.t WHERE measure_name = 'down'`,
      types: ['INTEGER', 'DOUBLE', 'INTEGER', 'VARCHAR', 'DOUBLE', 'VARCHAR'],
      row: [null, null, '3', 'a', '5.0', null],
    },
    {
      name: 'sign() has its argument type (mathematical-functions)',
      query: `SELECT sign(CAST(-2.5 AS double)), sign(CAST(0 AS double)), sign(CAST(7 AS bigint)), sign(-3), sign(CAST(NULL AS double))`,
      types: ['DOUBLE', 'DOUBLE', 'BIGINT', 'INTEGER', 'DOUBLE'],
      row: ['-1.0', '0.0', '1', '-1', null],
    },
    {
      name: 'ceil(), ceiling() and floor() have their argument type (mathematical-functions)',
      query: `SELECT ceil(CAST(7 AS bigint)), ceiling(-3), floor(CAST(-7 AS bigint)), ceil(CAST(1.5 AS double)), ceiling(CAST(-1.5 AS double)), floor(CAST(-0.5 AS double)), floor(measure_value::double), ceil(CAST(NULL AS bigint)) FROM db.t WHERE measure_name = 'down'`,
      types: ['BIGINT', 'INTEGER', 'BIGINT', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'BIGINT'],
      row: ['7', '-3', '-7', '2.0', '-1.0', '-1.0', '5.0', null],
    },
    {
      name: "ceil() of a negative fraction is -0.0 and floor() of a positive one 0.0, as Java's Math.ceil/floor",
      query: `SELECT ceil(CAST(-0.5 AS double)), ceiling(CAST(-0.2 AS double)), floor(CAST(0.5 AS double)), ceil(CAST(0.5 AS double))`,
      types: ['DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE'],
      row: ['-0.0', '-0.0', '0.0', '1.0'],
    },
    {
      name: 'truncate() drops the fraction, giving a DOUBLE (mathematical-functions)',
      query: `SELECT truncate(CAST(2.7 AS double)), truncate(CAST(-2.7 AS double)), truncate(CAST(5 AS bigint))`,
      types: ['DOUBLE', 'DOUBLE', 'DOUBLE'],
      row: ['2.0', '-2.0', '5.0'],
    },
  ])('$name', async ({ query, types, row }) => {
    const result = await fixture.query(query);
    expect(result.columnInfo.map((c) => c.Type?.ScalarType)).toEqual(types);
    expect(scalars(result.rows)).toEqual([row]);
  });

  test.each([
    {
      name: 'a zero bin width',
      query: 'SELECT bin(time, 0s) FROM db.t',
      message: 'line 1:18: a zero bin width is not allowed by the embedded store',
    },
    {
      name: 'a sub-microsecond interval outside bin() and ago()',
      query: 'SELECT 5ns',
      message:
        "line 1:8: sub-microsecond interval '5ns' is only supported in bin() and ago() by the embedded store",
    },
    {
      name: 'a year-to-month bin width',
      query: 'SELECT bin(time, 1y) FROM db.t',
      message: "line 1:18: year-to-month interval '1y' is not supported here by the embedded store",
    },
    {
      name: 'now() with an argument',
      query: 'SELECT now(1)',
      message: 'line 1:8: now() takes 0 argument(s); it is called with 1 by the embedded store',
    },
    {
      name: 'a string given for a number, as a cast and not in DuckDB words',
      query: "SELECT from_milliseconds('abc')",
      message: "Cannot cast 'abc' to bigint",
    },
    {
      name: 'a value with a quote that is not a number, as a cast of the whole value',
      query: `SELECT from_milliseconds(region) FROM db.t WHERE region = 'O''Brien'`,
      message: "Cannot cast 'O'Brien' to bigint",
    },
    {
      name: 'an aggregate of a dimension, naming the function and type',
      query: 'SELECT sum(region) FROM db.t',
      message: "line 1:8: Function 'sum' cannot take arguments of type (varchar)",
    },
    {
      name: 'ceiling() of a dimension, naming the function as spelled',
      query: 'SELECT ceiling(region) FROM db.t',
      message: "line 1:8: Function 'ceiling' cannot take arguments of type (varchar)",
    },
    {
      name: 'regexp_like() of a double, naming the function as spelled, not DuckDB regexp_matches',
      query: "SELECT measure_value::double FROM db.t WHERE regexp_like(measure_value::double, 'E')",
      message: "line 1:46: Function 'regexp_like' cannot take arguments of type (double, varchar)",
    },
    // Timestream's || concatenates strings (string-operators), Trino's concat() takes varchar only;
    // DuckDB's cast anything to its text ('a1', '1970-01-01 00:00:00a').
    ...[
      { query: "SELECT 'a' || 1", type: 'integer', at: '1:12' },
      { query: "SELECT region || '-' || measure_value::double FROM db.t", type: 'double', at: '1:15' },
      { query: "SELECT time || 'a' FROM db.t WHERE measure_name = 'none'", type: 'timestamp', at: '1:13' },
      {
        query: "SELECT concat(region, true) FROM db.t WHERE measure_name = 'none'",
        type: 'boolean',
        at: '1:8',
      },
      { query: "SELECT lpad('a', 2, 'b') || 1d", type: 'interval', at: '1:26' },
      { query: "SELECT measure_name FROM db.t WHERE region = 'eu' || 1.5e0", type: 'double', at: '1:51' },
    ].map(({ query, type, at }) => ({
      name: `${type} joined by ${query.includes('concat') ? 'concat()' : '||'}, even over no rows: ${query}`,
      query,
      message: `line ${at}: Function 'concat' cannot take arguments of type ${type}: || and concat() join varchar values only`,
    })),
    // Timestream has arrays and rows (supported-data-types), which the store cannot build: not an
    // unknown column ARRAY or an unregistered row(), and no character of a varchar by subscript.
    {
      name: 'an ARRAY constructor as unsupported, not as a column named ARRAY',
      query: 'SELECT ARRAY[1.5, 2.0]',
      message: 'line 1:8: arrays (ARRAY[...]) are not supported by the embedded store',
    },
    {
      name: 'a ROW constructor as unsupported, not as an unregistered function',
      query: "SELECT CAST(ROW(1, 'a') AS varchar)",
      message: 'line 1:13: rows (ROW(...)) are not supported by the embedded store',
    },
    {
      name: 'array_agg() as unsupported',
      query: 'SELECT array_agg(region) FROM db.t',
      message: 'line 1:8: arrays (array_agg()) are not supported by the embedded store',
    },
    {
      name: 'a subscript of a varchar, which only an array takes',
      query: 'SELECT region[1] FROM db.t',
      message: 'line 1:14: arrays and subscripts ([...]) are not supported by the embedded store',
    },
    // DuckDB names LIKE `~~` and split_part() its string_split(), which the query never spells.
    {
      name: 'LIKE of a double, naming LIKE',
      query: "SELECT region FROM db.t WHERE measure_value::double LIKE '1%'",
      message: "Operator 'LIKE' cannot be applied to double and varchar",
    },
    {
      name: 'NOT LIKE of an integer, naming NOT LIKE',
      query: "SELECT 1 NOT LIKE '1'",
      message: "Operator 'NOT LIKE' cannot be applied to integer and varchar",
    },
    {
      name: 'split_part() of a double, naming split_part',
      query: "SELECT split_part(1.5e0, '.', 1)",
      message: "line 1:8: Function 'split_part' cannot take arguments of type (double, varchar)",
    },
    // Trino's StringFunctions.pad words, where DuckDB named its own uint32.
    {
      name: 'lpad() to a negative size (string-functions: size must not be negative)',
      query: "SELECT lpad('abc', -1, 'x')",
      message: 'Target length must be in the range [0..2147483647]',
    },
    {
      name: "rpad() to a size past Trino's (a Java int)",
      query: "SELECT rpad('abc', 2147483648, 'x')",
      message: 'Target length must be in the range [0..2147483647]',
    },
    {
      name: "ago() of an interval past DuckDB's nanoseconds, naming it rather than make_timestamp_ns",
      query: 'SELECT ago(99999999999999d)',
      message:
        "line 1:12: interval '99999999999999d' is out of range: intervals of days to seconds hold less than 2^63 nanoseconds (about 106 751 days)",
    },
    {
      name: "from_nanoseconds() of the largest int64, DuckDB's infinity, named in nanoseconds",
      query: 'SELECT from_nanoseconds(9223372036854775807)',
      message:
        'Timestamp 9223372036854775807 nanoseconds since the epoch is outside the timestamps the embedded store holds (DuckDB keeps ±9223372036854775807 for ±infinity)',
    },
    {
      name: "from_nanoseconds() of the negated largest int64, DuckDB's -infinity",
      query: 'SELECT from_nanoseconds(-9223372036854775807)',
      message:
        'Timestamp -9223372036854775807 nanoseconds since the epoch is outside the timestamps the embedded store holds (DuckDB keeps ±9223372036854775807 for ±infinity)',
    },
    {
      name: 'an interval one day past the range',
      query: 'SELECT to_milliseconds(106752d)',
      message:
        "line 1:24: interval '106752d' is out of range: intervals of days to seconds hold less than 2^63 nanoseconds (about 106 751 days)",
    },
    ...[
      { query: "SELECT INTERVAL '1-2' YEAR TO MONTH", at: '1:8' },
      { query: "SELECT time FROM db.t WHERE time > now() - INTERVAL '1 02:03:04' DAY TO SECOND", at: '1:44' },
    ].map(({ query, at }) => ({
      name: `an interval literal with a TO field, as not supported rather than a column TO: ${query}`,
      query,
      message: `line ${at}: interval literals with a TO field (INTERVAL '1-2' YEAR TO MONTH) are not supported by the embedded store`,
    })),
    {
      name: "hours added to a date, in Trino's words",
      query: "SELECT date '2022-05-21' + 1h",
      message: 'Cannot add hour, minutes or seconds to a date',
    },
    {
      name: "seconds subtracted from a date, in Trino's words",
      query: "SELECT date '2022-05-21' - interval '90' second",
      message: 'Cannot subtract hour, minutes or seconds from a date',
    },
    {
      name: 'to_milliseconds() of an interval year to month, which Trino does not take',
      query: "SELECT to_milliseconds(INTERVAL '1' YEAR)",
      message: 'to_milliseconds() takes an interval day to second, not an interval year to month',
    },
    {
      name: 'a window function, as not supported rather than a function OVER',
      query: 'SELECT count(*) OVER (PARTITION BY region) FROM db.t',
      message: 'line 1:17: window functions (OVER) are not supported by the embedded store',
    },
    {
      name: 'an aggregate FILTER clause, as not supported rather than a function FILTER',
      query: 'SELECT count(*) filter (WHERE region IS NULL) FROM db.t',
      message: 'line 1:17: FILTER clauses are not supported by the embedded store',
    },
    {
      name: 'a window-only function, as not supported rather than not registered',
      query: 'SELECT row_number() OVER (ORDER BY time) FROM db.t',
      message: 'line 1:8: window functions (row_number()) are not supported by the embedded store',
    },
    {
      name: "COALESCE of a decimal and a timestamp, without DuckDB's DECIMAL(6,3)",
      query: 'SELECT coalesce(123.456, now())',
      message: 'Cannot compare double with timestamp',
    },
    ...['0', '-1', 'CAST(-3 AS bigint)'].map((index) => ({
      name: `split_part() at the index ${index} (Trino: field indexes start with 1)`,
      query: `SELECT split_part('a,b,c', ',', ${index})`,
      message: 'Index must be greater than zero',
    })),
    {
      name: 'rpad() with an empty padding string (string-functions: x2 must be non-empty)',
      query: "SELECT rpad('abc', 2, '')",
      message: 'line 1:8: rpad() needs a non-empty padding string',
    },
    {
      name: 'position() without IN',
      query: "SELECT position('b', 'abc')",
      message: 'line 1:8: position() takes (substring IN string) by the embedded store',
    },
    {
      name: "truncate() of a dimension, naming the function as spelled, not DuckDB's trunc",
      query: 'SELECT truncate(region) FROM db.t',
      message: "line 1:8: Function 'truncate' cannot take arguments of type (varchar)",
    },
    {
      name: 'day_of_week() of a dimension, naming the function as spelled',
      query: 'SELECT day_of_week(region) FROM db.t',
      message: "line 1:8: Function 'day_of_week' cannot take arguments of type (varchar)",
    },
    {
      name: 'concat() without values',
      query: 'SELECT concat()',
      message: "line 1:8: Function 'concat' cannot take arguments of type ()",
    },
    {
      name: 'greatest() without values',
      query: 'SELECT greatest()',
      message: "line 1:8: Function 'greatest' not registered",
    },
    ...["position(IN 'abc')", "position('b' IN)", "position('b' IN 'abc', 1)"].map((call) => ({
      name: `${call}, a position() without both sides of IN`,
      query: `SELECT ${call}`,
      message: 'line 1:8: position() takes (substring IN string) by the embedded store',
    })),
    {
      name: "an operator on count_if()'s HUGEINT, in Timestream's type name",
      query: 'SELECT count_if(true) - now()',
      message: "Operator '-' cannot be applied to bigint and timestamp",
    },
    {
      name: "a string compared with count_if()'s HUGEINT, cast to Timestream's type name",
      query: "SELECT count_if(true) = 'x'",
      message: "Cannot cast 'x' to bigint",
    },
    {
      name: 'a column outside GROUP BY, at the column',
      query: 'SELECT region, count(*) FROM db.t',
      message:
        "line 1:8: Column 'region' must appear in the GROUP BY clause or be used in an aggregate function",
    },
  ])('refuses $name', async ({ query, message }) => {
    await expect(fixture.query(query)).rejects.toMatchObject({
      type: 'ValidationException',
      status: 400,
      message,
    });
  });

  test('an unknown dimension is the Timestream error with its position', async () => {
    await expect(fixture.query(`SELECT * FROM db.t WHERE vehicleName = 'x'`)).rejects.toMatchObject({
      type: 'ValidationException',
      message: "line 1:26: Column 'vehicleName' does not exist",
    });
  });

  test('DESCRIBE and SHOW MEASURES have the Timestream shapes', async () => {
    const describe = await fixture.query('DESCRIBE db.t');
    expect(scalars(describe.rows)[0]).toEqual(['region', 'varchar', 'DIMENSION']);
    const measures = await fixture.query('SHOW MEASURES FROM db.t');
    expect(measures.columnInfo).toEqual([
      { Name: 'measure_name', Type: { ScalarType: 'VARCHAR' } },
      { Name: 'data_type', Type: { ScalarType: 'VARCHAR' } },
      {
        Name: 'dimensions',
        Type: {
          ArrayColumnInfo: {
            Type: {
              RowColumnInfo: [
                { Name: 'dimension_name', Type: { ScalarType: 'VARCHAR' } },
                { Name: 'data_type', Type: { ScalarType: 'VARCHAR' } },
              ],
            },
          },
        },
      },
    ]);
    const dim = (name: string) => ({
      RowValue: { Data: [{ ScalarValue: name }, { ScalarValue: 'varchar' }] },
    });
    expect(measures.rows).toEqual([
      { Data: [{ ScalarValue: 'down' }, { ScalarValue: 'double' }, { ArrayValue: [dim('region')] }] },
      { Data: [{ ScalarValue: 'recent' }, { ScalarValue: 'double' }, { ArrayValue: [dim('region')] }] },
      {
        Data: [
          { ScalarValue: 'up' },
          { ScalarValue: 'double' },
          { ArrayValue: [dim('region'), dim('we"ird')] },
        ],
      },
    ]);
  });
});

describe('SHOW MEASURES LIKE on DuckDB', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture();
    await fixture.createTable('db', 't', ['region'], ['DOUBLE']);
    await fixture.insert(
      'db',
      't',
      ['up', 'nul\u0000l', "O'Brien"].map((name) => ({
        region: 'eu',
        measure_name: name,
        time: 1000n * MS,
        'measure_value::double': 1,
      })),
    );
  });
  afterAll(() => fixture.close());

  test.each([
    { name: 'a prefix', pattern: 'u%', names: ['up'] },
    // DuckDB's SQL text ends at a NUL: the pattern's NUL is spelled chr(0).
    { name: 'a NUL', pattern: '%\u0000%', names: ['nul\u0000l'] },
    { name: 'a NUL and a quote after it', pattern: "nul\u0000l' OR '' = '", names: [] },
    { name: 'a quote', pattern: "O'%", names: ["O'Brien"] },
  ])('matches the names of the pattern with $name', async ({ pattern, names }) => {
    const result = await fixture.query(`SHOW MEASURES FROM db.t LIKE '${pattern.replaceAll("'", "''")}'`);
    expect(scalars(result.rows).map((row) => row[0])).toEqual(names);
  });
});
