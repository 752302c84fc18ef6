// SPDX-License-Identifier: Apache-2.0
import { StoreError } from '../../../../lambda/local-store/errors';
import { MAX_RESULT_COLUMNS } from '../../../../lambda/local-store/query-executor';
import { MAX_TRANSLATED_SQL_CHARS } from '../../../../lambda/local-store/sql/bounds';
import { translateQuery } from '../../../../lambda/local-store/sql/translate';
import { refusal } from '../store-refusal';
import { FakeCatalog, NOW_MS } from './duck-fixture';

function catalog(): FakeCatalog {
  const c = new FakeCatalog();
  c.addTable('db', 't', ['region', 'we"ird', 'host'], ['DOUBLE', 'BIGINT']);
  c.addTable('db', 'empty', [], []);
  // Dimensions named after DuckDB functions: a name is not a way to call one.
  c.addTable('other', 'x', ['a', 'null', 'true', 'sleep_ms', 'current_setting'], ['VARCHAR']);
  c.addDatabase('nothing');
  return c;
}

const STAR =
  '"region", "we""ird", "host", "measure_name", "time", "measure_value::double", "measure_value::bigint"';
const NOW_NS = `${NOW_MS}000000`;

describe('translateQuery SELECT', () => {
  test.each([
    {
      name: 'the connector query with every matcher form',
      query: `SELECT * FROM "db"."t" WHERE time BETWEEN from_milliseconds(1000) AND from_milliseconds(2000) AND "region" = 'eu' AND "host" <> 'a' AND "we""ird" IS NULL AND ("host" IS NULL OR "host" <> 'b') AND NOT ("region" IS NOT NULL) AND measure_name = 'up'`,
      sql: `SELECT ${STAR} FROM "db"."t" WHERE "time" BETWEEN make_timestamp_ns(CAST(1000 AS BIGINT) * 1000000) AND make_timestamp_ns(CAST(2000 AS BIGINT) * 1000000) AND "region" = 'eu' AND "host" <> 'a' AND "we""ird" IS NULL AND ( "host" IS NULL OR "host" <> 'b' ) AND NOT ( "region" IS NOT NULL ) AND "measure_name" = 'up'`,
    },
    {
      name: 'count() with no argument named _col0',
      query: 'SELECT count() FROM db.t',
      sql: 'SELECT count(*) AS "_col0" FROM "db"."t"',
    },
    {
      name: 'count(*)',
      query: 'select COUNT(*) from db.t;',
      sql: 'SELECT count(*) AS "_col0" FROM "db"."t"',
    },
    {
      name: 'ORDER BY time DESC LIMIT',
      query: 'SELECT * FROM db.t ORDER BY time DESC LIMIT 10',
      sql: `SELECT ${STAR} FROM "db"."t" ORDER BY "time" DESC LIMIT 10`,
    },
    {
      name: 'ago() with an interval literal against the fixed now',
      query: 'SELECT region FROM db.t WHERE time > ago(15m)',
      sql: `SELECT "region" FROM "db"."t" WHERE "time" > make_timestamp_ns(${BigInt(NOW_NS) - 900_000_000_000n})`,
    },
    {
      name: 'now() and current_timestamp',
      query: 'SELECT now(), current_timestamp',
      sql: `SELECT make_timestamp_ns(${NOW_NS}) AS "_col0", make_timestamp_ns(${NOW_NS}) AS "_col1"`,
      scansNothing: true,
    },
    {
      name: 'unquoted measure_value::double, aliases, GROUP BY bin',
      query:
        'SELECT bin(time, 1m) AS minute, avg(measure_value::double) avg_value, max(measure_value::bigint) FROM db.t GROUP BY bin(time, 1m) ORDER BY minute',
      sql: 'SELECT make_timestamp_ns((epoch_ns(CAST("time" AS TIMESTAMP_NS)) - ((epoch_ns(CAST("time" AS TIMESTAMP_NS)) % 60000000000) + 60000000000) % 60000000000)) AS "minute", avg("measure_value::double") AS "avg_value", max("measure_value::bigint") AS "_col2" FROM "db"."t" GROUP BY make_timestamp_ns((epoch_ns(CAST("time" AS TIMESTAMP_NS)) - ((epoch_ns(CAST("time" AS TIMESTAMP_NS)) % 60000000000) + 60000000000) % 60000000000)) ORDER BY "minute"',
    },
    {
      name: 'string literal escaping survives',
      query: `SELECT region FROM db.t WHERE region = 'O''Brien'`,
      sql: `SELECT "region" FROM "db"."t" WHERE "region" = 'O''Brien'`,
    },
    {
      name: 'comments are dropped',
      query: 'SELECT region -- the region\nFROM /* x */ db.t',
      sql: 'SELECT "region" FROM "db"."t"',
    },
    {
      name: 'interval literals of every day-to-second unit',
      query: 'SELECT 12second, 1h, 1d, 5ms, 3us',
      sql: 'SELECT to_microseconds(CAST(12000000 AS BIGINT)) AS "_col0", to_microseconds(CAST(3600000000 AS BIGINT)) AS "_col1", to_microseconds(CAST(86400000000 AS BIGINT)) AS "_col2", to_microseconds(CAST(5000 AS BIGINT)) AS "_col3", to_microseconds(CAST(3 AS BIGINT)) AS "_col4"',
      scansNothing: true,
    },
    {
      name: 'column case folded to the catalog name',
      query: 'SELECT REGION FROM db.t',
      sql: 'SELECT "region" FROM "db"."t"',
    },
    {
      name: 'table alias qualifies columns',
      query: 'SELECT x.region FROM db.t AS x',
      sql: 'SELECT "region" FROM "db"."t"',
    },
    {
      name: 'SELECT * of a table with no measures yet',
      query: 'SELECT * FROM db.empty',
      sql: 'SELECT "measure_name", "time" FROM "db"."empty"',
    },
    {
      name: 'regexp_like without $ is one regexp_matches',
      query: `SELECT * FROM db.t WHERE regexp_like("region", '^(?:eu|us)\\z')`,
      sql: `SELECT ${STAR} FROM "db"."t" WHERE regexp_matches("region", '\\A(?:eu|us)\\z')`,
    },
    {
      name: 'SELECT DISTINCT kept',
      query: 'SELECT DISTINCT region FROM db.t',
      sql: 'SELECT DISTINCT "region" FROM "db"."t"',
    },
    {
      name: 'SELECT ALL kept',
      query: 'select all region from db.t',
      sql: 'SELECT ALL "region" FROM "db"."t"',
    },
    {
      name: 'NULL, TRUE and FALSE are values named _col<n>, not columns',
      query: 'SELECT null, true, false',
      sql: 'SELECT NULL AS "_col0", TRUE AS "_col1", FALSE AS "_col2"',
      scansNothing: true,
    },
    {
      name: 'a quoted alias cannot break out of its identifier',
      query: 'SELECT region AS "x"" FROM y --", host "h" FROM db.t',
      sql: 'SELECT "region" AS "x"" FROM y --", "host" AS "h" FROM "db"."t"',
    },
    {
      name: 'concat() as ||, each value once',
      query: `SELECT concat(region, '-', host) FROM db.t`,
      sql: `SELECT CAST(((decode(encode("region"))) || ((decode(encode('-'))) || (decode(encode("host"))))) AS VARCHAR) AS "_col0" FROM "db"."t"`,
    },
    {
      name: 'split_part() as a list index checked to start at 1, repeating a delimiter that is not a literal',
      query: `SELECT split_part(region, ',', 2), split_part(region, host, 2) FROM db.t`,
      sql: `SELECT CAST(string_split("region", ',')[CASE WHEN (2) <= 0 THEN error('Index must be greater than zero') ELSE (2) END] AS VARCHAR) AS "_col0", CAST(string_split("region", "host")[CASE WHEN (if(("host") IS NULL, NULL, 2)) <= 0 THEN error('Index must be greater than zero') ELSE (if(("host") IS NULL, NULL, 2)) END] AS VARCHAR) AS "_col1" FROM "db"."t"`,
    },
    {
      name: 'position(substring IN string) as strpos(string, substring)',
      query: `SELECT position('u' IN region) FROM db.t`,
      sql: `SELECT strpos("region", 'u') AS "_col0" FROM "db"."t"`,
    },
    {
      name: 'LIMIT then OFFSET',
      query: 'SELECT region FROM db.t LIMIT 10 OFFSET 5',
      sql: 'SELECT "region" FROM "db"."t" LIMIT 10 OFFSET 5',
    },
    {
      name: 'a block comment whose opening star is not its closing one',
      query: 'SELECT /*/ 1 */ region FROM db.t',
      sql: 'SELECT "region" FROM "db"."t"',
    },
    {
      name: 'two-character comparisons, != written as <>',
      query:
        'SELECT region FROM db.t WHERE measure_value::double <= 1 ' +
        "AND measure_value::bigint >= 0 AND host != 'a'",
      sql:
        'SELECT "region" FROM "db"."t" WHERE "measure_value::double" <= 1 ' +
        `AND "measure_value::bigint" >= 0 AND "host" <> 'a'`,
    },
    {
      name: 'a number written from its decimal point',
      query: 'SELECT region FROM db.t WHERE measure_value::double > .5',
      sql: 'SELECT "region" FROM "db"."t" WHERE "measure_value::double" > .5',
    },
    {
      name: 'quoted columns named like literals keep their names',
      query: 'SELECT "null", "true" FROM other.x',
      sql: 'SELECT "null", "true" FROM "other"."x"',
    },
    {
      name: 'IS DISTINCT FROM a column, which is not an alias',
      query: 'SELECT region IS DISTINCT FROM host, region IS NOT DISTINCT FROM host h FROM db.t',
      sql: 'SELECT "region" IS DISTINCT FROM "host" AS "_col0", "region" IS NOT DISTINCT FROM "host" AS "h" FROM "db"."t"',
    },
    {
      name: 'multiplications after a group, a CASE, NULL and a column',
      query: 'SELECT (1) * 2, CASE WHEN true THEN 2 END * 3, NULL * 2, "host" * 2 FROM db.t',
      sql: 'SELECT ( 1 ) * 2 AS "_col0", CASE WHEN TRUE THEN 2 END * 3 AS "_col1", NULL * 2 AS "_col2", "host" * 2 AS "_col3" FROM "db"."t"',
    },
    {
      name: 'TIMESTAMP literals as their nanoseconds, a date alone and one-digit fields',
      query:
        "SELECT TIMESTAMP '2024-02-29 23:59:59.5', TIMESTAMP '1970-01-01', TIMESTAMP '1969-12-31 23:59:59.999999999', TIMESTAMP '2026-1-2 3:04'",
      sql: 'SELECT make_timestamp_ns(1709251199500000000) AS "_col0", make_timestamp_ns(0) AS "_col1", make_timestamp_ns(-1) AS "_col2", make_timestamp_ns(1767323040000000000) AS "_col3"',
      scansNothing: true,
    },
    {
      name: "a star qualified with the table's name or its alias",
      query: 'SELECT t.*, x.*, "t".* FROM db.t AS x',
      sql: `SELECT ${STAR}, ${STAR}, ${STAR} FROM "db"."t"`,
    },
    {
      name: 'a TIME literal, also where the table has the column time',
      query: "SELECT TIME '01:00:00', time FROM db.t WHERE CAST(time AS time) > time '12:00:00'",
      sql: `SELECT CAST('01:00:00' AS TIME) AS "_col0", "time" FROM "db"."t" WHERE CAST("time" AS TIME) > CAST('12:00:00' AS TIME)`,
    },
    {
      name: 'a TIMESTAMP literal with a time zone left to DuckDB',
      query: "SELECT TIMESTAMP '2026-01-01 00:00:00 UTC'",
      sql: `SELECT CAST('2026-01-01 00:00:00 UTC' AS TIMESTAMP_NS) AS "_col0"`,
      scansNothing: true,
    },
    {
      name: 'a quoted function name (Trino reads it as the name)',
      query: 'SELECT "lower"(\'A\')',
      sql: 'SELECT lower(\'A\') AS "_col0"',
      scansNothing: true,
    },
    {
      name: 'several semicolons at the end',
      query: 'SELECT region FROM db.t;;',
      sql: 'SELECT "region" FROM "db"."t"',
    },
    {
      // The field ends the literal, it is no alias: read as one, `INTERVAL '1'` was one second.
      name: "a select item ending with INTERVAL '1' DAY (Timestream date-time operators)",
      query: "SELECT INTERVAL '1' DAY, time + interval '2' hour, INTERVAL '4' YEAR AS y FROM db.t",
      sql: `SELECT INTERVAL '1' DAY AS "_col0", "time" + INTERVAL '2' HOUR AS "_col1", INTERVAL '4' YEAR AS "y" FROM "db"."t"`,
    },
    {
      // Trino's date - interval is a DATE, DuckDB's a TIMESTAMP; hours, minutes or seconds fail.
      name: 'a date minus an interval (Timestream date-time operators)',
      query: "SELECT time FROM db.t WHERE time > date '2022-05-21' - 1d",
      sql: `SELECT "time" FROM "db"."t" WHERE "time" > CAST(CAST('2022-05-21' AS DATE) - (CASE WHEN epoch_us(to_microseconds(CAST(86400000000 AS BIGINT))) % 86400000000 <> 0 THEN error('Cannot subtract hour, minutes or seconds from a date') ELSE to_microseconds(CAST(86400000000 AS BIGINT)) END) AS DATE)`,
    },
  ])('$name', ({ query, sql, scansNothing }) => {
    // A SELECT without FROM scans nothing (query-executor.ts reports 0 bytes scanned for it).
    expect(translateQuery(query, catalog(), NOW_MS)).toEqual({
      kind: 'select',
      sql,
      ...(scansNothing ? { scansNothing } : {}),
    });
  });

  test.each([
    {
      name: 'unknown dimension with its 1-based position',
      query: 'SELECT * FROM db.t WHERE "vehicleName" = \'x\'',
      message: "line 1:26: Column 'vehicleName' does not exist",
    },
    {
      name: 'unknown column on a later line',
      query: 'SELECT *\nFROM db.t\nWHERE  nope = 1',
      message: "line 3:8: Column 'nope' does not exist",
    },
    {
      name: 'a quoted name that differs only in letter case from a column (quoted names are exact)',
      query: 'SELECT * FROM db.t WHERE "REGION" = \'x\'',
      message: "line 1:26: Column 'REGION' does not exist",
    },
    {
      name: 'a quoted name that is a column and a DuckDB function, called',
      query: 'SELECT "sleep_ms"(2147483647) FROM other.x',
      message: "line 1:8: Function 'sleep_ms' not registered",
    },
    {
      name: 'a qualified column that is a DuckDB function, called',
      query: 'SELECT x."current_setting"(\'threads\') FROM other.x',
      message: "line 1:8: Function 'x.current_setting' not registered",
    },
    {
      // DuckDB's cast took it, as its infinity, answered as 2262-04-11 23:47:16.854775807.
      name: "a TIMESTAMP literal DuckDB's cast reads as infinity",
      query: "SELECT TIMESTAMP 'infinity'",
      message: "line 1:8: 'infinity' is not a valid timestamp literal",
    },
    {
      // DuckDB's cast refused it as a string it could not convert to INT64 ("to bigint").
      name: 'a TIMESTAMP literal of a month that does not exist',
      query: "SELECT * FROM db.t WHERE time > TIMESTAMP '2026-13-01'",
      message: "line 1:33: '2026-13-01' is not a valid timestamp literal",
    },
    {
      name: 'a TIMESTAMP literal of a day that does not exist',
      query: "SELECT TIMESTAMP '2025-02-29 00:00:00'",
      message: "line 1:8: '2025-02-29 00:00:00' is not a valid timestamp literal",
    },
    {
      name: 'a TIMESTAMP literal past the timestamps the store holds',
      query: "SELECT TIMESTAMP '2262-04-11 23:47:16.854775807'",
      message:
        "line 1:8: timestamp '2262-04-11 23:47:16.854775807' is outside the timestamps the embedded store holds (1677-09-22 00:00:00 to 2262-04-11 23:47:16.854775806)",
    },
    {
      // DuckDB's star lists the physical table's hidden ts_ columns too.
      name: 'a star in parentheses',
      query: 'SELECT (*) FROM db.t',
      message: "The query syntax is invalid at line 1:9: unexpected '*'",
    },
    {
      name: "a star with DuckDB's REPLACE",
      query: 'SELECT * REPLACE (lower(region) AS region) FROM db.t',
      message: "The query syntax is invalid at line 1:8: unexpected '*'",
    },
    {
      name: 'a star after an operator',
      query: 'SELECT 2 * * FROM db.t',
      message: "The query syntax is invalid at line 1:12: unexpected '*'",
    },
    {
      name: "a column called as DuckDB's method on a value",
      query: 'SELECT \'abc\' . "sleep_ms"(1) FROM other.x',
      message: "The query syntax is invalid at line 1:14: unexpected '.'",
    },
    {
      name: 'a quoted name that differs only in letter case from a built-in column',
      query: 'SELECT * FROM db.t WHERE "Time" IS NOT NULL',
      message: "line 1:26: Column 'Time' does not exist",
    },
    {
      name: 'hidden ts_series column',
      query: 'SELECT ts_series FROM db.t',
      message: "line 1:8: Column 'ts_series' does not exist",
    },
    {
      name: 'hidden ts_version column quoted',
      query: 'SELECT * FROM db.t WHERE "ts_version" = 1',
      message: "line 1:26: Column 'ts_version' does not exist",
    },
    {
      name: 'a measure type never written',
      query: 'SELECT measure_value::varchar FROM db.t',
      message: "line 1:8: Column 'measure_value::varchar' does not exist",
    },
    {
      name: 'unknown database',
      query: 'SELECT * FROM abc.sampleDB',
      message: "Requested database 'abc' not found for identifier 'abc.sampleDB' at line 1:15",
    },
    {
      name: 'unknown table',
      query: 'SELECT * FROM "db"."nope"',
      message: "line 1:15: Table 'db.nope' does not exist",
    },
    {
      name: 'unqualified table',
      query: 'SELECT * FROM t',
      message: 'line 1:15: Schema must be specified when session schema is not set',
    },
    {
      name: 'unknown function',
      query: 'SELECT read_csv(region) FROM db.t',
      message: "line 1:8: Function 'read_csv' not registered",
    },
    {
      name: 'JOIN',
      query: 'SELECT * FROM db.t JOIN db.t ON 1=1',
      message: 'line 1:20: JOIN is not supported by the embedded store',
    },
    {
      name: 'a second statement',
      query: 'SELECT 1; DROP TABLE db.t',
      message: 'line 1:9: only one statement per query is supported',
    },
    {
      name: 'an unterminated string',
      query: "SELECT 'abc",
      message: 'The query syntax is invalid at line 1:8: unterminated string literal',
    },
    {
      name: 'a quote that would break out of a literal',
      query: "SELECT * FROM db.t WHERE region = 'a'' OR 1=1 --",
      message: 'The query syntax is invalid at line 1:35: unterminated string literal',
    },
    {
      name: 'an invalid regex',
      query: `SELECT * FROM db.t WHERE regexp_like(region, '(a')`,
      message: 'Invalid regular expression: Unclosed group near index 2: (a',
    },
    {
      name: 'a non-literal regex',
      query: 'SELECT * FROM db.t WHERE regexp_like(region, host)',
      message: 'line 1:26: regexp_like() needs a string literal pattern by the embedded store',
    },
    {
      name: 'bin without an interval literal',
      query: 'SELECT bin(time, 60) FROM db.t',
      message: 'line 1:8: bin() needs an interval literal such as 1m by the embedded store',
    },
    {
      name: 'a quoted interval',
      query: "SELECT 1 WHERE now() > ago('7d')",
      message:
        "line 1:24: ago() needs an interval such as 15m (a quoted '15m' is not an interval) by the embedded store",
    },
    {
      name: 'not a statement we serve',
      query: 'DELETE FROM db.t',
      message: 'line 1:1: only SELECT, DESCRIBE and SHOW statements are supported by the embedded store',
    },
    {
      name: 'a subquery',
      query: 'SELECT * FROM db.t WHERE region IN (SELECT 1)',
      message: 'line 1:37: subqueries are not supported by the embedded store',
    },
    {
      // DuckDB reads `(FROM 'x.csv')` as a subquery scanning that file.
      name: 'a subquery written FROM first, reading a file',
      query: "SELECT (FROM '/etc/hosts.csv')",
      message: 'line 1:9: subqueries are not supported by the embedded store',
    },
    {
      name: 'a subquery written FROM first in IN, nested in parentheses',
      query: "SELECT * FROM db.t WHERE region IN ((FROM 'https://example.com/x.csv'))",
      message: 'line 1:38: subqueries are not supported by the embedded store',
    },
    {
      // facts 5: `1 day` (with a space) is not an interval literal
      name: 'ago() of a number and a unit apart',
      query: 'SELECT * FROM db.t WHERE time > ago(1 day)',
      message: 'line 1:33: ago() needs an interval such as 15m by the embedded store',
    },
    {
      name: 'an invalid interval unit',
      query: 'SELECT 1quarter',
      message:
        "The query syntax is invalid at line 1:8: '1quarter' is not a valid number or interval literal",
    },
    {
      name: 'UNION',
      query: 'SELECT 1 UNION SELECT 2',
      message: 'line 1:10: UNION is not supported by the embedded store',
    },
    {
      name: 'INTERSECT',
      query: 'SELECT 1 INTERSECT SELECT 1',
      message: 'line 1:10: INTERSECT is not supported by the embedded store',
    },
    {
      name: 'EXCEPT',
      query: 'SELECT 1 EXCEPT SELECT 1',
      message: 'line 1:10: EXCEPT is not supported by the embedded store',
    },
    {
      name: 'WINDOW',
      query: 'SELECT 1 FROM db.t WINDOW w AS ()',
      message: 'line 1:20: WINDOW is not supported by the embedded store',
    },
    {
      name: 'FETCH',
      query: 'SELECT 1 FROM db.t FETCH FIRST 1 ROWS ONLY',
      message: 'line 1:20: FETCH is not supported by the embedded store',
    },
    {
      name: 'UNNEST',
      query: 'SELECT unnest(region) FROM db.t',
      message: 'line 1:8: UNNEST is not supported by the embedded store',
    },
    {
      name: 'an unclosed parenthesis',
      query: 'SELECT (1',
      message: 'The query syntax is invalid at line 1:10: unbalanced parentheses',
    },
    {
      name: 'a closing parenthesis without its opening one',
      query: 'SELECT region) FROM db.t',
      message: 'The query syntax is invalid at line 1:25: unbalanced parentheses',
    },
    {
      name: 'a second WHERE',
      query: "SELECT * FROM db.t WHERE region = 'a' WHERE host = 'b'",
      message: 'The query syntax is invalid at line 1:39: unexpected WHERE',
    },
    {
      name: 'OFFSET before LIMIT',
      query: 'SELECT * FROM db.t OFFSET 1 LIMIT 2',
      message: 'The query syntax is invalid at line 1:29: unexpected LIMIT',
    },
    {
      name: 'an empty WHERE',
      query: 'SELECT * FROM db.t WHERE',
      message: 'The query syntax is invalid at line 1:20: WHERE needs an argument',
    },
    {
      name: 'an empty ORDER BY',
      query: 'SELECT * FROM db.t ORDER BY',
      message: 'The query syntax is invalid at line 1:20: ORDER needs an argument',
    },
    {
      name: 'a second table after a comma',
      query: 'SELECT * FROM db.t x, db.t',
      message: 'line 1:21: only a single table is supported in FROM by the embedded store',
    },
    {
      name: 'a second name after the alias',
      query: 'SELECT * FROM db.t x y',
      message: 'line 1:22: only a single table is supported in FROM by the embedded store',
    },
    {
      name: 'an interval of a fractional amount',
      query: 'SELECT ago(1.5s)',
      message: "The query syntax is invalid at line 1:12: '1.5s' is not a valid number or interval literal",
    },
    {
      name: 'a negative LIMIT',
      query: 'SELECT * FROM db.t LIMIT -1',
      message: 'The query syntax is invalid at line 1:20: LIMIT needs a non-negative integer',
    },
    {
      name: 'a fractional LIMIT',
      query: 'SELECT * FROM db.t LIMIT 1.5',
      message: 'The query syntax is invalid at line 1:20: LIMIT needs a non-negative integer',
    },
    {
      name: 'two LIMIT numbers',
      query: 'SELECT * FROM db.t LIMIT 1 2',
      message: 'The query syntax is invalid at line 1:20: LIMIT needs a non-negative integer',
    },
    {
      // facts 4.6: a syntax error, not a column Timestream would never look up
      name: 'a misspelt FROM after a number',
      query: 'SELECT 1 FORM db.t',
      message: 'The query syntax is invalid at line 1:10: unexpected FORM',
    },
    {
      name: 'a name right after a string literal',
      query: "SELECT region FROM db.t WHERE region = 'eu' nd host = 'a'",
      message: 'The query syntax is invalid at line 1:45: unexpected nd',
    },
    {
      name: 'SELECT * without FROM',
      query: 'SELECT *',
      message: 'The query syntax is invalid at line 1:8: SELECT * needs a FROM clause',
    },
  ])('refuses $name', ({ query, message }) => {
    let thrown: unknown;
    try {
      translateQuery(query, catalog(), NOW_MS);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StoreError);
    expect((thrown as StoreError).type).toBe('ValidationException');
    expect((thrown as StoreError).message).toBe(message);
  });

  test.each([
    {
      name: 'ago() of a timestamp, naming ago() instead of a failed cast',
      query: 'SELECT ago(now())',
      message: 'line 1:8: ago() needs an interval such as 15m by the embedded store',
    },
    {
      name: 'ago() of a number',
      query: 'SELECT * FROM db.t WHERE time > ago(15)',
      message: 'line 1:33: ago() needs an interval such as 15m by the embedded store',
    },
    {
      name: 'ago() of a column',
      query: 'SELECT ago(time) FROM db.t',
      message: 'line 1:8: ago() needs an interval such as 15m by the embedded store',
    },
    {
      name: 'ago() with a second argument',
      query: 'SELECT ago(15m, 1)',
      message: 'line 1:8: ago() takes 1 argument(s); it is called with 2 by the embedded store',
    },
    {
      name: 'SELECT DISTINCT without a select list, instead of reading db as a column',
      query: 'SELECT DISTINCT FROM db.t',
      message: 'The query syntax is invalid at line 1:1: SELECT needs at least one column',
    },
  ])('refuses $name as a ValidationException (400)', ({ query, message }) => {
    expect(refusal(() => translateQuery(query, catalog(), NOW_MS))).toEqual({
      type: 'ValidationException',
      message,
      status: 400,
    });
  });
});

describe('translateQuery metadata', () => {
  const v = (...values: string[]) => ({ Data: values.map((s) => ({ ScalarValue: s })) });
  const col = (name: string) => ({ Name: name, Type: { ScalarType: 'VARCHAR' } });

  test('DESCRIBE lists visible columns in Timestream order with attribute types', () => {
    expect(translateQuery('DESCRIBE "db"."t"', catalog(), NOW_MS)).toEqual({
      kind: 'static',
      columnInfo: [col('Column'), col('Type'), col('Timestream attribute type')],
      rows: [
        v('region', 'varchar', 'DIMENSION'),
        v('we"ird', 'varchar', 'DIMENSION'),
        v('host', 'varchar', 'DIMENSION'),
        v('measure_name', 'varchar', 'MEASURE_NAME'),
        v('time', 'timestamp', 'TIMESTAMP'),
        v('measure_value::double', 'double', 'MEASURE_VALUE'),
        v('measure_value::bigint', 'bigint', 'MEASURE_VALUE'),
      ],
    });
  });

  test.each([
    {
      name: 'SHOW DATABASES',
      query: 'SHOW DATABASES',
      column: 'Database',
      values: ['db', 'nothing', 'other'],
    },
    { name: 'SHOW DATABASES LIKE', query: "SHOW DATABASES LIKE 'o%'", column: 'Database', values: ['other'] },
    {
      // Read part by part (like.ts), not as a backtracking regex, and up to Timestream's longest query.
      name: 'SHOW DATABASES LIKE with % and a literal part written 87 000 times',
      query: `SHOW DATABASES LIKE '${'%o'.repeat(87_000)}%'`,
      column: 'Database',
      values: [],
    },
    { name: 'SHOW TABLES FROM db', query: 'SHOW TABLES FROM db', column: 'Table', values: ['empty', 't'] },
    {
      name: 'SHOW TABLES IN with LIKE _',
      query: 'SHOW TABLES IN "db" LIKE \'_\'',
      column: 'Table',
      values: ['t'],
    },
    {
      name: 'SHOW TABLES of every database',
      query: 'show tables',
      column: 'Table',
      values: ['empty', 't', 'x'],
    },
  ])('$name', ({ query, column, values }) => {
    expect(translateQuery(query, catalog(), NOW_MS)).toEqual({
      kind: 'static',
      columnInfo: [col(column)],
      rows: values.map((x) => v(x)),
    });
  });

  test('SHOW TABLES FROM an unknown database is the database-not-found error', () => {
    expect(() => translateQuery('SHOW TABLES FROM abc', catalog(), NOW_MS)).toThrow(
      "Requested database 'abc' not found for identifier 'abc' at line 1:18",
    );
  });

  test('SHOW MEASURES becomes a grouped query over the data', () => {
    const result = translateQuery("SHOW MEASURES FROM db.t LIKE 'cpu%'", catalog(), NOW_MS);
    expect(result).toMatchObject({ kind: 'select', metadata: true }); // scanned and metered as nothing
    expect(result.kind === 'select' && result.sql).toContain(
      `FROM "db"."t" WHERE "measure_name" LIKE 'cpu%' GROUP BY "measure_name"`,
    );
  });
});

describe('translateQuery on select lists with more columns than a page can describe', () => {
  // Every Query page carries the ColumnInfo of every column, at least 40 bytes each: past
  // MAX_RESULT_COLUMNS it alone passes the ~1 MB page, so the query could only fail after running.
  const PAGE_EXCEEDED = {
    type: 'ValidationException',
    message: 'Query aborted as max page response size has been exceeded by the output result row',
    status: 400,
  };
  const columnsOf = (query: string) => {
    const result = translateQuery(query, catalog(), NOW_MS);
    return result.kind === 'select' ? (result.sql.match(/, /g) ?? []).length + 1 : 0;
  };

  test('is 24 987 columns, what a page of ColumnInfo of 40 bytes each holds', () => {
    expect(MAX_RESULT_COLUMNS).toBe(24_987);
  });

  test.each([
    { name: 'a constant', item: '1', count: MAX_RESULT_COLUMNS },
    { name: 'an interval literal', item: '1d', count: MAX_RESULT_COLUMNS },
    // seven columns a star (STAR): 3569 stars are 24 983 columns, one more star 24 990
    { name: '*', item: '*', count: Math.floor(MAX_RESULT_COLUMNS / 7) },
  ])('translates $name written until the list holds at most the limit', ({ item, count }) => {
    const query = `SELECT ${Array(count).fill(item).join(', ')} FROM db.t`;
    expect(columnsOf(query)).toBe(item === '*' ? count * 7 : count);
  });

  test.each([
    {
      name: 'a constant written once more than the limit',
      query: `SELECT ${Array(24_988).fill('1').join(',')}`,
    },
    {
      name: 'an interval literal written 87 000 times',
      query: `SELECT ${Array(87_000).fill('1d').join(',')}`,
    },
    { name: '* written once more', query: `SELECT ${Array(3570).fill('*').join(',')} FROM db.t` },
    { name: '* written 80 000 times', query: `SELECT ${Array(80_000).fill('*').join(',')} FROM db.t` },
  ])('refuses $name', ({ query }) => {
    expect(refusal(() => translateQuery(query, catalog(), NOW_MS))).toEqual(PAGE_EXCEEDED);
  });
});

describe('translateQuery on queries whose SQL would grow past its bound', () => {
  const nest = (call: (inner: string) => string, depth: number, inner: string) =>
    Array.from({ length: depth }).reduce<string>((sql) => call(sql), inner);
  const TOO_COMPLEX = {
    type: 'ValidationException',
    message: `The query is too complex for the embedded store: its SQL would exceed ${MAX_TRANSLATED_SQL_CHARS} characters`,
    status: 400,
  };
  const wide = () => {
    const c = catalog();
    c.addTable(
      'db',
      'wide',
      Array.from({ length: 120 }, (_, i) => `dimension_${i}`),
      ['DOUBLE'],
    );
    return c;
  };

  test('translates a regex whose classes take the SQL just below the bound and refuses it a few classes longer', () => {
    // README: SQL past 4 194 304 characters is refused, so a query just below it is translated.
    expect(MAX_TRANSLATED_SQL_CHARS).toBe(4_194_304);
    // \p{IsHan} is 21 ranges of code points, most beyond U+FFFF, spelled out in the RE2 class.
    const sqlOf = (classes: number) => {
      const query = `SELECT regexp_like('x', '${'\\p{IsHan}'.repeat(classes)}')`;
      const result = translateQuery(query, wide(), NOW_MS);
      return result.kind === 'select' ? result.sql : '';
    };
    const perClass = sqlOf(2).length - sqlOf(1).length;
    const below = Math.floor((MAX_TRANSLATED_SQL_CHARS - 1000) / perClass);
    expect(sqlOf(below).length).toBeGreaterThan(MAX_TRANSLATED_SQL_CHARS - 1000 - perClass);
    expect(refusal(() => sqlOf(below + Math.ceil(1000 / perClass) + 1))).toEqual(TOO_COMPLEX);
  });

  test('translates the same functions nested a few levels deep', () => {
    const { sql } = translateQuery(`SELECT ${nest((s) => `ceil(${s})`, 3, '1.5')}`, wide(), NOW_MS) as {
      sql: string;
    };
    expect(sql.length).toBeLessThan(10_000);
  });
});
