// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { StoreError } from '../../../../lambda/local-store/errors';
import { formatJavaDouble } from '../../../../lambda/local-store/sql/java-double';
import { mapDuckDbError } from '../../../../lambda/local-store/sql/results';
import { createFixture, scalars, type Fixture } from './duck-fixture';

// Expected texts are java.lang.Double.toString output (JDK 25) for the same doubles.
describe('formatJavaDouble', () => {
  test.each([
    { name: '1e-9', value: 1e-9, text: '1.0E-9' },
    { name: '0.1 + 0.2', value: 0.1 + 0.2, text: '0.30000000000000004' },
    { name: 'the smallest subnormal', value: 5e-324, text: '4.9E-324' },
    { name: 'the largest double', value: 1.7976931348623157e308, text: '1.7976931348623157E308' },
    { name: 'negative zero', value: -0, text: '-0.0' },
    { name: 'zero', value: 0, text: '0.0' },
    { name: '2^53 + 2', value: 2 ** 53 + 2, text: '9.007199254740994E15' },
    { name: 'an integral value', value: 40, text: '40.0' },
    { name: 'the lower plain bound', value: 0.001, text: '0.001' },
    { name: 'just below the lower plain bound', value: 0.0009999, text: '9.999E-4' },
    { name: 'the upper plain bound', value: 1e7, text: '1.0E7' },
    { name: 'just below the upper plain bound', value: 9999999.999, text: '9999999.999' },
    { name: 'the to_unixtime example', value: 1655487883.7710001, text: '1.6554878837710001E9' },
    { name: 'a negative small value', value: -2.5e-7, text: '-2.5E-7' },
    { name: 'the smallest normal', value: 2.2250738585072014e-308, text: '2.2250738585072014E-308' },
    { name: 'NaN', value: NaN, text: 'NaN' },
    { name: 'Infinity', value: Infinity, text: 'Infinity' },
    { name: '-Infinity', value: -Infinity, text: '-Infinity' },
  ])('formats $name as Java does and parses back bit-identically', ({ value, text }) => {
    expect(formatJavaDouble(value)).toBe(text);
    expect(Object.is(Number(formatJavaDouble(value)), value)).toBe(true);
  });

  test('parses back to the identical double for any double', () => {
    fc.assert(
      fc.property(fc.double(), (value) => Object.is(Number(formatJavaDouble(value)), value)),
      { numRuns: 5000 },
    );
  });
});

describe('toTimestreamResult on DuckDB values', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture();
    await fixture.createTable('db', 't', ['d'], ['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN']);
    await fixture.insert('db', 't', [
      {
        d: 'a',
        measure_name: 'm',
        time: 1_600_000_000_123_456_789n,
        'measure_value::bigint': 9007199254740993n,
        'measure_value::boolean': true,
        'measure_value::varchar': 'v',
      },
      {
        measure_name: 'm',
        time: 0n,
        'measure_value::double': 1e-9,
        'measure_value::bigint': -9223372036854775808n,
        'measure_value::boolean': false,
      },
    ]);
  });
  afterAll(() => fixture.close());

  test.each([
    { name: 'DOUBLE 1e-9', expr: 'CAST(1e-9 AS DOUBLE)', type: 'DOUBLE', text: '1.0E-9' },
    {
      name: 'DOUBLE 0.1+0.2',
      expr: 'CAST(0.1 AS DOUBLE) + CAST(0.2 AS DOUBLE)',
      type: 'DOUBLE',
      text: '0.30000000000000004',
    },
    { name: 'DOUBLE 5e-324', expr: 'CAST(5e-324 AS DOUBLE)', type: 'DOUBLE', text: '4.9E-324' },
    {
      name: 'DOUBLE max',
      expr: 'CAST(1.7976931348623157e308 AS DOUBLE)',
      type: 'DOUBLE',
      text: '1.7976931348623157E308',
    },
    { name: 'DOUBLE -0', expr: '-1 * CAST(0 AS DOUBLE)', type: 'DOUBLE', text: '-0.0' },
    {
      name: 'DOUBLE 2^53+2',
      expr: 'CAST(9007199254740994 AS DOUBLE)',
      type: 'DOUBLE',
      text: '9.007199254740994E15',
    },
    { name: 'DOUBLE 40', expr: 'CAST(40 AS DOUBLE)', type: 'DOUBLE', text: '40.0' },
    { name: 'DECIMAL literal as DOUBLE', expr: '1.25', type: 'DOUBLE', text: '1.25' },
    {
      name: 'DECIMAL with a trailing zero as Java prints the double',
      expr: '1.50',
      type: 'DOUBLE',
      text: '1.5',
    },
    { name: 'INTEGER literal', expr: '7', type: 'INTEGER', text: '7' },
    {
      name: 'BIGINT beyond 2^53 without precision loss',
      expr: 'CAST(9007199254740993 AS BIGINT)',
      type: 'BIGINT',
      text: '9007199254740993',
    },
    {
      name: 'HUGEINT from sum is BIGINT',
      expr: 'sum(CAST(9223372036854775807 AS BIGINT))',
      type: 'BIGINT',
      text: '9223372036854775807',
    },
    { name: 'BOOLEAN', expr: '1 = 1', type: 'BOOLEAN', text: 'true' },
    { name: 'VARCHAR', expr: `'O''Brien'`, type: 'VARCHAR', text: "O'Brien" },
    {
      name: 'TIMESTAMP with nanoseconds',
      expr: 'from_nanoseconds(1600000000123456789)',
      type: 'TIMESTAMP',
      text: '2020-09-13 12:26:40.123456789',
    },
    {
      name: 'TIMESTAMP before 1970',
      expr: `TIMESTAMP '1969-12-31 23:59:59.5'`,
      type: 'TIMESTAMP',
      text: '1969-12-31 23:59:59.500000000',
    },
    { name: 'DATE', expr: `DATE '2020-08-08'`, type: 'DATE', text: '2020-08-08' },
    { name: 'TIME', expr: `CAST('01:00:00' AS TIME)`, type: 'TIME', text: '01:00:00.000000000' },
    {
      name: 'INTERVAL day to second',
      expr: '1d + 21h',
      type: 'INTERVAL_DAY_TO_SECOND',
      text: '1 21:00:00.000000000',
    },
    { name: 'INTERVAL year to month', expr: '2y + 7month', type: 'INTERVAL_YEAR_TO_MONTH', text: '2-7' },
    { name: 'a negative INTERVAL year to month', expr: '-2y', type: 'INTERVAL_YEAR_TO_MONTH', text: '-2-0' },
  ])('formats $name', async ({ expr, type, text }) => {
    const result = await fixture.query(`SELECT ${expr}`);
    expect(result).toEqual({
      columnInfo: [{ Name: '_col0', Type: { ScalarType: type } }],
      rows: [{ Data: [{ ScalarValue: text }] }],
    });
  });

  test('formats table columns of every measure type and NULL as NullValue', async () => {
    const result = await fixture.query('SELECT * FROM db.t ORDER BY time DESC');
    expect(result.columnInfo.map((c) => `${c.Name}:${c.Type!.ScalarType}`)).toEqual([
      'd:VARCHAR',
      'measure_name:VARCHAR',
      'time:TIMESTAMP',
      'measure_value::double:DOUBLE',
      'measure_value::bigint:BIGINT',
      'measure_value::varchar:VARCHAR',
      'measure_value::boolean:BOOLEAN',
    ]);
    expect(result.rows[1]!.Data![0]).toEqual({ NullValue: true });
    expect(scalars(result.rows)).toEqual([
      ['a', 'm', '2020-09-13 12:26:40.123456789', null, '9007199254740993', 'v', 'true'],
      [null, 'm', '1970-01-01 00:00:00.000000000', '1.0E-9', '-9223372036854775808', null, 'false'],
    ]);
  });

  // Trino reads an integer literal past BIGINT as an error of its parser and a sum() past it as a
  // bigint addition overflow; DuckDB made both a HUGEINT, answered as a BIGINT out of its range.
  test.each([
    {
      name: 'an integer literal past BIGINT',
      query: 'SELECT 123456789012345678901234567890',
      message: 'line 1:8: Invalid numeric literal: 123456789012345678901234567890',
    },
    {
      name: 'the largest BIGINT plus one',
      query: 'SELECT 1 + 9223372036854775808',
      message: 'line 1:12: Invalid numeric literal: 9223372036854775808',
    },
    {
      name: 'a sum() past BIGINT',
      query: 'SELECT sum(CAST(9223372036854775807 AS BIGINT)) FROM db.t',
      message: 'bigint overflow: the result 18446744073709551614 is out of the range of BIGINT',
    },
    {
      name: 'a sum() below BIGINT',
      query: 'SELECT sum("measure_value::bigint") - 9223372036854775807 FROM db.t WHERE d IS NULL',
      message: 'bigint overflow: the result -18446744073709551615 is out of the range of BIGINT',
    },
  ])('refuses $name', async ({ query, message }) => {
    const refusal = await fixture.query(query).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(StoreError);
    expect(refusal).toMatchObject({ type: 'ValidationException', message });
  });

  test.each([
    {
      name: 'the least BIGINT as a literal',
      query: 'SELECT -9223372036854775808',
      text: '-9223372036854775808',
    },
    {
      name: 'the largest BIGINT as a literal',
      query: 'SELECT 9223372036854775807',
      text: '9223372036854775807',
    },
    {
      name: 'a sum() that fits BIGINT',
      query: 'SELECT sum("measure_value::bigint") FROM db.t',
      text: String(9007199254740993n - 9223372036854775808n),
    },
  ])('answers $name as BIGINT', async ({ query, text }) => {
    expect(await fixture.query(query)).toEqual({
      columnInfo: [{ Name: '_col0', Type: { ScalarType: 'BIGINT' } }],
      rows: [{ Data: [{ ScalarValue: text }] }],
    });
  });
});

describe('mapDuckDbError', () => {
  test.each([
    {
      name: 'an unknown column becomes the Timestream error at the name in the query',
      error: new Error(
        'Binder Error: Referenced column "vehicleName" not found in FROM clause!\nCandidate bindings: "region"\n\nLINE 1: SELECT ...',
      ),
      query: `SELECT * FROM db.t WHERE vehicleName = 'x'`,
      message: "line 1:26: Column 'vehicleName' does not exist",
    },
    {
      name: 'a parser error becomes the syntax message at the offending text',
      error: new Error('Parser Error: syntax error at or near "FORM"\n\nLINE 1: SELECT 1 FORM x'),
      query: 'SELECT 1 FORM x',
      message: 'The query syntax is invalid at line 1:10',
    },
    {
      name: 'other errors keep their first line without the DuckDB class',
      error: new Error('Out of Range Error: Overflow in multiplication of INT64\n\nLINE 1: ...'),
      query: 'SELECT 9223372036854775807 * 2',
      message: 'Overflow in multiplication of INT64',
    },
    {
      name: 'a string that is not a number as a cast of it, in Timestream type names',
      error: new Error("Conversion Error: Could not convert string 'abc' to INT32\n\nLINE 1: ..."),
      query: "SELECT CAST('abc' AS integer)",
      message: "Cannot cast 'abc' to integer",
    },
    {
      name: 'a column value that is not a number without the source column clause',
      error: new Error(
        "Conversion Error: Could not convert string 'eu' to INT64 when casting from source column region",
      ),
      query: 'SELECT from_milliseconds(region) FROM db.t',
      message: "Cannot cast 'eu' to bigint",
    },
    {
      name: "a value with quotes, which DuckDB's message does not double",
      error: new Error(
        "Conversion Error: Could not convert string 'it's a ' to x' to INT64 when casting from source column region",
      ),
      query: 'SELECT from_milliseconds(region) FROM db.t',
      message: "Cannot cast 'it's a ' to x' to bigint",
    },
    {
      name: 'a cast DuckDB has no rule for',
      error: new Error('Conversion Error: Unimplemented type for cast (INTEGER -> TIMESTAMP_NS)'),
      query: 'SELECT to_milliseconds(1)',
      message: 'Cannot cast integer to timestamp',
    },
    {
      name: 'a number out of range',
      error: new Error(
        "Conversion Error: Type INT128 with value 99999999999999999999 can't be cast because the value is out of range for the destination type INT64",
      ),
      query: 'SELECT from_milliseconds(99999999999999999999)',
      message: 'Value 99999999999999999999 is out of range for bigint',
    },
    {
      name: 'a function given arguments of the wrong type, at the function',
      error: new Error(
        "Binder Error: No function matches the given name and argument types 'sum(VARCHAR)'. You might need to add explicit type casts.\n\tCandidate functions:\n\tsum(DECIMAL) -> DECIMAL",
      ),
      query: 'SELECT Sum(region) FROM db.t',
      message: "line 1:8: Function 'sum' cannot take arguments of type (varchar)",
    },
    {
      name: 'a literal of the wrong type for a function',
      error: new Error(
        'Binder Error: Could not choose a best candidate function for the function call "abs(STRING_LITERAL)". In order to select one, please add explicit type casts.',
      ),
      query: "SELECT 1, abs('x')",
      message: "line 1:11: Function 'abs' cannot take arguments of type (varchar)",
    },
    {
      name: 'a renamed function by the name the query spells',
      error: new Error(
        "Binder Error: No function matches the given name and argument types 'approx_quantile(VARCHAR, DECIMAL(2,1))'. You might need to add explicit type casts.",
      ),
      query: 'SELECT approx_percentile(region, 0.5) FROM db.t',
      message: "line 1:8: Function 'approx_percentile' cannot take arguments of type (varchar, double)",
    },
    {
      name: 'an operator given operands of the wrong types',
      error: new Error(
        "Binder Error: No function matches the given name and argument types '-(TIMESTAMP_NS, INTEGER_LITERAL)'. You might need to add explicit type casts.",
      ),
      query: 'SELECT now() - 1',
      message: "Operator '-' cannot be applied to timestamp and integer",
    },
    {
      // integer_division makes DuckDB's `/` its `//`.
      name: 'a division given operands of the wrong types, as the query spells it',
      error: new Error(
        "Binder Error: No function matches the given name and argument types '//(BOOLEAN, DATE)'. You might need to add explicit type casts.\n\tCandidate functions:\n\t//(TINYINT, TINYINT) -> TINYINT",
      ),
      query: "SELECT true / DATE '2020-01-01'",
      message: "Operator '/' cannot be applied to boolean and date",
    },
    {
      name: 'extract() given the wrong type, by its name rather than date_part',
      error: new Error(
        "Binder Error: No function matches the given name and argument types 'date_part(STRING_LITERAL, VARCHAR)'. You might need to add explicit type casts.",
      ),
      query: 'SELECT extract(day FROM region) FROM db.t',
      message: "line 1:8: Function 'extract' cannot take arguments of type (varchar, varchar)",
    },
    {
      name: 'a || with nothing after it as a syntax error, not a function',
      error: new Error(
        'Catalog Error: Scalar Function with name ||__postfix does not exist!\nDid you mean "!__postfix"?',
      ),
      query: "SELECT 'a' || 'b' ||",
      message: 'The query syntax is invalid at line 1:19',
    },
    {
      name: 'a comparison of a string with a number',
      error: new Error(
        'Binder Error: Cannot compare values of type VARCHAR and type INTEGER_LITERAL - an explicit cast is required',
      ),
      query: 'SELECT * FROM db.t WHERE region > 5',
      message: 'Cannot compare varchar with integer',
    },
    {
      name: 'a column outside GROUP BY, at the column',
      error: new Error(
        'Binder Error: column "region" must appear in the GROUP BY clause or must be part of an aggregate function.\nEither add it to the GROUP BY list, or use "ANY_VALUE(region)" if the exact value of "region" is not important.',
      ),
      query: 'SELECT region, count(*) FROM db.t',
      message:
        "line 1:8: Column 'region' must appear in the GROUP BY clause or be used in an aggregate function",
    },
    {
      name: 'a column outside GROUP BY in HAVING',
      error: new Error(
        'Binder Error: column region must appear in the GROUP BY clause or be used in an aggregate function',
      ),
      query: "SELECT count(*) FROM db.t HAVING region = 'eu'",
      message:
        "line 1:34: Column 'region' must appear in the GROUP BY clause or be used in an aggregate function",
    },
    {
      name: 'a function DuckDB lacks as not registered',
      error: new Error(
        'Catalog Error: Scalar Function with name median2 does not exist!\nDid you mean "median"?',
      ),
      query: 'SELECT median2(1)',
      message: "line 1:8: Function 'median2' not registered",
    },
    ...['Aggregate', 'Table'].map((kind) => ({
      name: `an ${kind.toLowerCase()} function DuckDB lacks as not registered`,
      error: new Error(`Catalog Error: ${kind} Function with name median2 does not exist!`),
      query: 'SELECT median2(1)',
      message: "line 1:8: Function 'median2' not registered",
    })),
    {
      name: 'an unknown date_trunc unit',
      error: new Error('Conversion Error: extract specifier "nope" not recognized'),
      query: "SELECT date_trunc('nope', now())",
      message: "'nope' is not a recognized date or time unit",
    },
    {
      name: 'an unknown date_trunc unit with a space in it',
      error: new Error('Conversion Error: extract specifier "half year" not recognized'),
      query: "SELECT date_trunc('half year', now())",
      message: "'half year' is not a recognized date or time unit",
    },
    {
      name: 'values of two types in BETWEEN as a comparison of them',
      error: new Error(
        'Binder Error: Cannot mix values of type TIMESTAMP_NS and INTEGER_LITERAL in BETWEEN clause - an explicit cast is required',
      ),
      query: 'SELECT * FROM db.t WHERE time BETWEEN 1 AND 2',
      message: 'Cannot compare timestamp with integer',
    },
    ...[
      { op: 'addition', type: 'INT64', operands: '9223372036854775807 + 1', message: 'bigint addition' },
      {
        op: 'subtraction',
        type: 'INT64',
        operands: '-9223372036854775807 - 2',
        message: 'bigint subtraction',
      },
      { op: 'multiplication', type: 'INT32', operands: '2147483647 * 2', message: 'integer multiplication' },
    ].map(({ op, type, operands, message }) => ({
      name: `an overflow in ${op} of ${type} in Trino's words`,
      error: new Error(`Out of Range Error: Overflow in ${op} of ${type} (${operands})!`),
      query: `SELECT ${operands}`,
      message: `${message} overflow: ${operands}`,
    })),
    {
      name: 'a string that is not a boolean, in the Timestream type name',
      error: new Error("Conversion Error: Could not convert string 'eu' to BOOL"),
      query: 'SELECT * FROM db.t WHERE region',
      message: "Cannot cast 'eu' to boolean",
    },
    {
      name: "a parser error behind the bindings' step, read without it",
      error: new Error('Failed to extract statements: Parser Error: syntax error at or near "FORM"'),
      query: 'SELECT 1 FORM x',
      message: 'The query syntax is invalid at line 1:10',
    },
    {
      name: "another error behind the bindings' step, read without it",
      error: new Error(
        "Failed to prepare extracted statement: Conversion Error: Could not convert string 'abc' to INT32",
      ),
      query: "SELECT CAST('abc' AS integer)",
      message: "Cannot cast 'abc' to integer",
    },
    ...['Failed to prepare: ', 'Failed to query: '].map((step) => ({
      name: `an error behind the bindings' step "${step}", read without it`,
      error: new Error(`${step}Conversion Error: Could not convert string 'abc' to INT32`),
      query: "SELECT CAST('abc' AS integer)",
      message: "Cannot cast 'abc' to integer",
    })),
    {
      name: 'a query ending too early at its end',
      error: new Error('Parser Error: syntax error at end of input'),
      query: "SELECT * FROM db.t WHERE region = 'eu' AND",
      message: 'The query syntax is invalid at line 1:43',
    },
    {
      name: 'an error from another realm, read by its message',
      error: { message: "Conversion Error: Could not convert string 'x' to DOUBLE" },
      query: "SELECT from_unixtime('x')",
      message: "Cannot cast 'x' to double",
    },
    {
      name: 'messages naming hidden columns are replaced',
      error: new Error('Invalid Input Error: constraint on ts_series violated'),
      query: 'SELECT 1',
      message: 'The query could not be executed',
    },
    {
      name: 'an unknown hidden column without its physical name or position',
      error: new Error('Binder Error: Referenced column "ts_series" not found in FROM clause!'),
      query: 'SELECT 1 FROM db.t WHERE ts_series = 1',
      message: "line 1:1: Column 'ts_series' does not exist",
    },
    {
      name: 'an unknown column the query does not spell at line 1:1',
      error: new Error('Binder Error: Referenced column "x""y" not found in FROM clause!'),
      query: 'SELECT 1',
      message: "line 1:1: Column 'x\"y' does not exist",
    },
  ])('maps $name', ({ error, query, message }) => {
    const mapped = mapDuckDbError(error, query);
    expect(mapped).toBeInstanceOf(StoreError);
    expect([mapped.type, mapped.status, mapped.message]).toEqual(['ValidationException', 400, message]);
  });

  test.each([
    {
      name: 'a corrupt block of the data file',
      error: new Error(
        'IO Error: Corrupt database file: computed checksum 4857421273326164574 does not match stored checksum 10949949846876379753 in block at location 13119488',
      ),
      message:
        'Internal error in the embedded store: Corrupt database file: computed checksum 4857421273326164574 does not match stored checksum 10949949846876379753 in block at location 13119488',
    },
    {
      name: 'a database DuckDB invalidated after a checkpoint found the disk full',
      error: new Error(
        'Failed to query: FATAL Error: Failed: database has been invalidated because of a previous fatal error. The database must be restarted prior to being used again.\nOriginal error: "Failed to create checkpoint because of error: Could not write file "/d/store.duckdb": No space left on device"',
      ),
      message:
        'Internal error in the embedded store: Failed: database has been invalidated because of a previous fatal error. The database must be restarted prior to being used again.',
    },
    {
      name: "an internal error of DuckDB's",
      error: new Error('INTERNAL Error: Attempted to access index 3 within vector of size 3'),
      message: 'Internal error in the embedded store: Attempted to access index 3 within vector of size 3',
    },
  ])(
    "answers $name with the retryable InternalServerException, not the query's 400",
    ({ error, message }) => {
      const mapped = mapDuckDbError(error, 'SELECT count(*) FROM db.t');
      expect(mapped).toBeInstanceOf(StoreError);
      expect([mapped.type, mapped.status, mapped.message]).toEqual(['InternalServerException', 500, message]);
    },
  );

  test('passes a StoreError through unchanged', () => {
    const original = new StoreError('ThrottlingException', 'slow down');
    expect(mapDuckDbError(original, 'SELECT 1')).toBe(original);
  });
});
