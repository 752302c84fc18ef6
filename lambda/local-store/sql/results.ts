// SPDX-License-Identifier: Apache-2.0
// Converts DuckDB results into Timestream's Query response shape (ColumnInfo, Rows of Datum with
// the textual ScalarValue formats of facts 4.3) and DuckDB errors into Timestream's
// ValidationExceptions without leaking physical names.
import type { ColumnInfo, Datum, Row, ScalarType, Type } from '@aws-sdk/client-timestream-query';
import {
  DuckDBTypeId,
  type DuckDBDataChunk,
  type DuckDBMaterializedResult,
  type DuckDBResult,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import '../duckdb-text';
import { StoreError, validation } from '../errors';
import { SERIES_COLUMN, VERSION_COLUMN } from '../schema';
import { RENAMED_FUNCTIONS } from './expressions';
import { formatJavaDouble } from './java-double';
import {
  formatDate,
  formatDayToSecond,
  formatTimeOfDay,
  formatTimestampNanos,
  formatYearToMonth,
} from './scalar-text';
import { linePosition } from './tokenizer';

const SCALAR_BY_TYPE_ID: Partial<Record<DuckDBTypeId, ScalarType>> = {
  [DuckDBTypeId.BOOLEAN]: 'BOOLEAN',
  [DuckDBTypeId.TINYINT]: 'INTEGER',
  [DuckDBTypeId.SMALLINT]: 'INTEGER',
  [DuckDBTypeId.INTEGER]: 'INTEGER',
  [DuckDBTypeId.UTINYINT]: 'INTEGER',
  [DuckDBTypeId.USMALLINT]: 'INTEGER',
  [DuckDBTypeId.BIGINT]: 'BIGINT',
  [DuckDBTypeId.HUGEINT]: 'BIGINT',
  [DuckDBTypeId.UINTEGER]: 'BIGINT',
  [DuckDBTypeId.UBIGINT]: 'BIGINT',
  [DuckDBTypeId.UHUGEINT]: 'BIGINT',
  [DuckDBTypeId.FLOAT]: 'DOUBLE',
  [DuckDBTypeId.DOUBLE]: 'DOUBLE',
  [DuckDBTypeId.DECIMAL]: 'DOUBLE',
  [DuckDBTypeId.VARCHAR]: 'VARCHAR',
  [DuckDBTypeId.ENUM]: 'VARCHAR',
  [DuckDBTypeId.UUID]: 'VARCHAR',
  [DuckDBTypeId.TIMESTAMP]: 'TIMESTAMP',
  [DuckDBTypeId.TIMESTAMP_S]: 'TIMESTAMP',
  [DuckDBTypeId.TIMESTAMP_MS]: 'TIMESTAMP',
  [DuckDBTypeId.TIMESTAMP_NS]: 'TIMESTAMP',
  [DuckDBTypeId.TIMESTAMP_TZ]: 'TIMESTAMP',
  [DuckDBTypeId.DATE]: 'DATE',
  [DuckDBTypeId.TIME]: 'TIME',
  [DuckDBTypeId.TIME_NS]: 'TIME',
  [DuckDBTypeId.INTERVAL]: 'INTERVAL_DAY_TO_SECOND',
};

/**
 * Converts a materialized DuckDB result into Timestream's ColumnInfo and Rows: SQL NULL becomes
 * `{NullValue: true}`, lists become ArrayValue, structs RowValue, scalars their Timestream text.
 */
export function toTimestreamResult(result: DuckDBMaterializedResult): {
  columnInfo: ColumnInfo[];
  rows: Row[];
} {
  const types = result.columnTypes();
  const chunks = Array.from({ length: result.chunkCount }, (_, c) => result.getChunk(c));
  const { columnInfo, yearToMonth } = resultColumnInfo(result, chunks);
  const values: DuckDBValue[][] = [];
  for (const chunk of chunks) values.push(...chunk.getRows());
  const rows = values.map((r) => ({ Data: r.map((v, k) => toDatum(v, types[k]!, yearToMonth[k]!)) }));
  return { columnInfo, rows };
}

/**
 * The ColumnInfo of a result whose rows are `chunks`. An INTERVAL column is INTERVAL_YEAR_TO_MONTH
 * when any of its values has a month part (`yearToMonth[k]`), which only its values tell; a result
 * without INTERVAL columns needs no chunks.
 */
export function resultColumnInfo(
  result: DuckDBResult,
  chunks: readonly DuckDBDataChunk[],
): {
  columnInfo: ColumnInfo[];
  yearToMonth: boolean[];
} {
  const types = result.columnTypes();
  const yearToMonth = types.map((t, k) => t.typeId === DuckDBTypeId.INTERVAL && anyYearToMonth(chunks, k));
  const columnInfo = result.columnNames().map((name, k) => ({
    Name: name,
    Type: yearToMonth[k] ? { ScalarType: 'INTERVAL_YEAR_TO_MONTH' as const } : columnType(types[k]!),
  }));
  return { columnInfo, yearToMonth };
}

/** Whether `types` has an INTERVAL column, whose ColumnInfo depends on its values. */
export function hasIntervalColumn(types: readonly DuckDBType[]): boolean {
  return types.some((t) => t.typeId === DuckDBTypeId.INTERVAL);
}

function anyYearToMonth(chunks: readonly DuckDBDataChunk[], column: number): boolean {
  return chunks.some((chunk) => chunk.getColumnValues(column).some(isYearToMonth));
}

function isYearToMonth(value: DuckDBValue): boolean {
  return value !== null && typeof value === 'object' && 'months' in value && value.months !== 0;
}

function columnType(type: DuckDBType): Type {
  if (type.typeId === DuckDBTypeId.LIST || type.typeId === DuckDBTypeId.ARRAY) {
    return { ArrayColumnInfo: { Type: columnType(type.valueType) } };
  }
  if (type.typeId === DuckDBTypeId.STRUCT) {
    return {
      RowColumnInfo: type.entryNames.map((name, k) => ({
        Name: name,
        Type: columnType(type.entryTypes[k]!),
      })),
    };
  }
  return { ScalarType: SCALAR_BY_TYPE_ID[type.typeId] ?? 'UNKNOWN' };
}

/** The Datum of one value of a column of `type` (`yearToMonth`: see resultColumnInfo). */
export function toDatum(value: DuckDBValue, type: DuckDBType, yearToMonth: boolean): Datum {
  if (value === null) return { NullValue: true };
  if (type.typeId === DuckDBTypeId.LIST || type.typeId === DuckDBTypeId.ARRAY) {
    const items = (value as { items: readonly DuckDBValue[] }).items;
    return { ArrayValue: items.map((item) => toDatum(item, type.valueType, false)) };
  }
  if (type.typeId === DuckDBTypeId.STRUCT) {
    const entries = (value as { entries: Readonly<Record<string, DuckDBValue>> }).entries;
    return {
      RowValue: {
        Data: type.entryNames.map((name, k) => toDatum(entries[name] ?? null, type.entryTypes[k]!, false)),
      },
    };
  }
  return { ScalarValue: scalarText(value, type.typeId, yearToMonth) };
}

function scalarText(value: DuckDBValue, typeId: DuckDBTypeId, yearToMonth: boolean): string {
  const v = value as unknown as Record<string, unknown>;
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
      return value ? 'true' : 'false';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return formatJavaDouble(value as number);
    case DuckDBTypeId.DECIMAL:
      return formatJavaDouble((value as { toDouble(): number }).toDouble());
    case DuckDBTypeId.TIMESTAMP_NS:
      return formatTimestampNanos(v.nanos as bigint);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return formatTimestampNanos((v.micros as bigint) * 1000n);
    case DuckDBTypeId.TIMESTAMP_MS:
      return formatTimestampNanos((v.millis as bigint) * 1_000_000n);
    case DuckDBTypeId.TIMESTAMP_S:
      return formatTimestampNanos((v.seconds as bigint) * 1_000_000_000n);
    case DuckDBTypeId.DATE:
      return formatDate(v.days as number);
    case DuckDBTypeId.TIME:
      return formatTimeOfDay((v.micros as bigint) * 1000n);
    case DuckDBTypeId.TIME_NS:
      return formatTimeOfDay(v.nanos as bigint);
    case DuckDBTypeId.INTERVAL:
      if (yearToMonth) return formatYearToMonth(v.months as number);
      // NOTE: a day-to-second interval with a month part (rare: mixed arithmetic) counts months as 30 days.
      return formatDayToSecond(
        ((BigInt(v.months as number) * 30n + BigInt(v.days as number)) * 86_400_000_000n +
          (v.micros as bigint)) *
          1000n,
      );
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.UBIGINT:
      return bigintText(value as bigint);
    default:
      return String(value); // integers (number or bigint) print as plain decimals; VARCHAR as is
  }
}

const BIGINT_RANGE = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

/**
 * A wider integer DuckDB computed (its sum() of integers is a HUGEINT) as the BIGINT its column is
 * answered as; one past BIGINT's range is refused as Trino refuses a sum() that overflows a
 * BIGINT, rather than answered as a BIGINT no client can read.
 */
function bigintText(value: bigint): string {
  if (value < BIGINT_RANGE.min || value > BIGINT_RANGE.max)
    throw validation(`bigint overflow: the result ${value} is out of the range of BIGINT`);
  return String(value);
}

/** The prefixes @duckdb/node-bindings put on DuckDB's errors, naming the call that failed. */
const BINDING_STEP = /^Failed to (?:extract statements|prepare extracted statement|prepare|query): /;

/**
 * DuckDB's error classes for a failure of the store itself rather than of the query: a file it
 * cannot read or write (a corrupt block, a lost data directory), or a database DuckDB invalidated
 * after a fatal error (a checkpoint that found the disk full).
 */
const STORE_FAILURE = /^(?:IO|FATAL|INTERNAL) Error: /;

const HIDDEN = new RegExp(`\\b(${VERSION_COLUMN}|${SERIES_COLUMN})\\b`);

/** Timestream's names of the DuckDB types a refusal may name (a literal's type as its column's). */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  BIGINT: 'bigint',
  INT64: 'bigint',
  INTEGER: 'integer',
  INT32: 'integer',
  INTEGER_LITERAL: 'integer',
  HUGEINT: 'bigint',
  INT128: 'bigint',
  DOUBLE: 'double',
  FLOAT: 'double',
  DECIMAL: 'double',
  VARCHAR: 'varchar',
  STRING_LITERAL: 'varchar',
  BOOLEAN: 'boolean',
  BOOL: 'boolean',
  TIMESTAMP: 'timestamp',
  TIMESTAMP_NS: 'timestamp',
  DATE: 'date',
  TIME: 'time',
  INTERVAL: 'interval',
};
const typeName = (duck: string) => TYPE_NAMES[duck.replace(/\(.*$/, '')] ?? duck.toLowerCase();

/** Timestream names of functions DuckDB's messages name otherwise, by the Timestream name. */
const SPELLED_AS: Readonly<Record<string, string>> = {
  ...RENAMED_FUNCTIONS,
  extract: 'date_part',
  regexp_like: 'regexp_matches', // expressions.ts regexpLike
  split_part: 'string_split', // expressions.ts translateCall
};

/** The query's spelling of DuckDB's names of its operators. */
const OPERATORS_SPELLED: Readonly<Record<string, string>> = {
  '//': '/',
  '~~': 'LIKE',
  '!~~': 'NOT LIKE',
};

/**
 * DuckDB's wordings of mistakes a query can make (a cast, argument types, a comparison, a missing
 * GROUP BY) with the plain refusal each becomes, in Timestream's type names. The query's position
 * is named where the text DuckDB quotes is the user's own.
 */
const REWORDINGS: readonly {
  pattern: RegExp;
  reword: (match: RegExpExecArray, query: string) => string;
}[] = [
  {
    // The value as DuckDB quotes it, its own quotes not doubled (`'O'Brien'`): up to the last `' to`.
    pattern: /^Could not convert string '(.*)' to (\w+)/,
    reword: ([, value, type]) => `Cannot cast '${value}' to ${typeName(type!)}`,
  },
  {
    pattern: /^Unimplemented type for cast \((\w+) -> (\w+)\)/,
    reword: ([, from, to]) => `Cannot cast ${typeName(from!)} to ${typeName(to!)}`,
  },
  {
    pattern:
      /^Type \w+ with value (\S+) can't be cast because the value is out of range for the destination type (\w+)/,
    reword: ([, value, type]) => `Value ${value} is out of range for ${typeName(type!)}`,
  },
  {
    // The encode() that only lets a varchar through to `||` and concat() (expressions.ts
    // concatOperand), which the query never spells.
    pattern: /^No function matches the given name and argument types 'encode\((.+)\)'/,
    reword: ([, type], query) => {
      const at = [query.indexOf('||'), query.toLowerCase().search(/\bconcat\s*\(/)].filter((n) => n >= 0);
      const where = at.length > 0 ? `${linePosition(query, Math.min(...at))}: ` : '';
      return `${where}Function 'concat' cannot take arguments of type ${typeName(type!)}: || and concat() join varchar values only`;
    },
  },
  {
    pattern:
      /^(?:No function matches the given name and argument types '|Could not choose a best candidate function for the function call ")([^(]+)\((.*)\)['"]/,
    reword: ([, name, types], query) => {
      const argTypes = types!.split(', ').filter(Boolean).map(typeName);
      // `/` is DuckDB's `//` under integer_division (engine.ts), and LIKE its `~~`, which the
      // query never spells.
      if (!/^\w+$/.test(name!))
        return `Operator '${OPERATORS_SPELLED[name!] ?? name}' cannot be applied to ${argTypes.join(' and ')}`;
      // The name the query spells: DuckDB names a renamed function (approx_distinct) by its own name.
      const lower = query.toLowerCase();
      const spelled = [name!, ...Object.keys(SPELLED_AS).filter((k) => SPELLED_AS[k] === name)]
        .map((n) => ({ n, at: lower.indexOf(`${n.toLowerCase()}(`) }))
        .find(({ at }) => at >= 0);
      const where = spelled ? `${linePosition(query, spelled.at)}: ` : '';
      return `${where}Function '${spelled?.n ?? name}' cannot take arguments of type (${argTypes.join(', ')})`;
    },
  },
  {
    // `region > 5` ("compare values of type A and type B") and BETWEEN, CASE, COALESCE ("mix values
    // of type A and B"), where a type may have parameters the query never wrote (DECIMAL(6,3)).
    pattern:
      /^Cannot (?:compare|mix) values of type (\w+(?:\([\d, ]*\))?) and (?:type )?(\w+(?:\([\d, ]*\))?)/,
    reword: ([, left, right]) => `Cannot compare ${typeName(left!)} with ${typeName(right!)}`,
  },
  {
    pattern: /^column "?((?:[^"]|"")*?)"? must appear in the GROUP BY clause/,
    reword: ([, column], query) => {
      const name = column!.replaceAll('""', '"');
      return `${linePosition(query, offsetOf(query, name))}: Column '${name}' must appear in the GROUP BY clause or be used in an aggregate function`;
    },
  },
  {
    // A `||` (or another operator) with no operand after it: DuckDB reads it as a postfix operator
    // and looks for a function named after it, which the query never spells.
    pattern: /^(?:Scalar )?Function with name (\S+)__(?:postfix|prefix) does not exist/,
    reword: ([, operator], query) => {
      const at = query.lastIndexOf(operator!);
      return `The query syntax is invalid at ${linePosition(query, at < 0 ? 0 : at)}`;
    },
  },
  {
    pattern: /^(?:Scalar |Aggregate |Table )?Function with name (\S+) does not exist/,
    reword: ([, name], query) =>
      `${linePosition(query, offsetOf(query, name!))}: Function '${name}' not registered`,
  },
  {
    // Trino's words for the same overflow (BigintOperators, IntegerOperators): `bigint addition
    // overflow: 9223372036854775807 + 1`, where DuckDB names its INT64.
    pattern: /^Overflow in (addition|subtraction|multiplication) of (INT64|INT32) \((.*)\)!?$/,
    reword: ([, operation, type, operands]) => `${typeName(type!)} ${operation} overflow: ${operands}`,
  },
  {
    // make_timestamp_ns (from_nanoseconds, from_milliseconds, bin()) of ±(2^63 - 1), the values
    // DuckDB's TIMESTAMP_NS keeps for ±infinity, though its message says microseconds.
    pattern: /^Timestamp microseconds out of range: (-?\d+)/,
    reword: ([, nanos]) =>
      `Timestamp ${nanos} nanoseconds since the epoch is outside the timestamps the embedded store holds (DuckDB keeps ±9223372036854775807 for ±infinity)`,
  },
  {
    pattern: /^extract specifier "((?:[^"]|"")*)" not recognized/,
    reword: ([, unit]) => `'${unit}' is not a recognized date or time unit`,
  },
  // RE2's limits on a regexp_like pattern Java evaluates (java-regex.ts refuses a count above 1000
  // alone): reading "invalid repetition size" the user took the pattern for wrong.
  {
    pattern: /^invalid repetition size: (\{[^}]*\})/,
    reword: ([, count]) =>
      `Invalid regular expression: Repetition counts multiplying to more than 1000 (nested ${count}) are not supported by the embedded store`,
  },
  {
    pattern: /^pattern too large - compile failed/,
    reword: () =>
      'Invalid regular expression: The pattern is too large for the embedded store to evaluate (RE2 cannot compile it)',
  },
];

/**
 * Maps an error thrown while DuckDB ran a translated query to the ValidationException Timestream
 * would answer: unknown column → `line 1:<col>: Column '<name>' does not exist`, parser errors →
 * `The query syntax is invalid at line 1:<n>`, the mistakes of REWORDINGS in plain words, anything
 * else a cleaned first line of the message. A failure of the store's own storage (STORE_FAILURE)
 * is an InternalServerException instead.
 */
export function mapDuckDbError(error: unknown, queryString: string): StoreError {
  if (error instanceof StoreError) return error;
  // NOTE: read by shape, not `instanceof Error`: the addon's errors come from another realm under jest.
  const text = (error as { message?: unknown } | null)?.message;
  // The bindings put the step that failed in front of DuckDB's own text (`SELECT 1 +` fails in
  // "Failed to extract statements: Parser Error: ..."); the step means nothing to the user.
  const message = (typeof text === 'string' ? text : String(error)).replace(BINDING_STEP, '');
  // NOTE: a 400 tells the caller its query is wrong and not to send it again (the SDKs and the
  // connector do not retry it); the store's own failure is the retryable InternalServerException.
  if (STORE_FAILURE.test(message))
    return new StoreError(
      'InternalServerException',
      `Internal error in the embedded store: ${message.split('\n')[0]!.replace(STORE_FAILURE, '')}`,
    );
  const column = /Referenced column "((?:[^"]|"")*)" not found/.exec(message);
  if (column) {
    const name = column[1]!.replaceAll('""', '"');
    if (HIDDEN.test(name)) return validation(`line 1:1: Column '${name}' does not exist`);
    return validation(
      `${linePosition(queryString, offsetOf(queryString, name))}: Column '${name}' does not exist`,
    );
  }
  const parser = /^Parser Error: syntax error at or near "((?:[^"]|"")*)"/.exec(message);
  if (message.startsWith('Parser Error: syntax error at end of input'))
    return validation(`The query syntax is invalid at ${linePosition(queryString, queryString.length)}`);
  if (parser || message.startsWith('Parser Error')) {
    const near = parser ? parser[1]!.replaceAll('""', '"') : '';
    return validation(
      `The query syntax is invalid at ${linePosition(queryString, near ? offsetOf(queryString, near) : 0)}`,
    );
  }
  const firstLine = message
    .split('\n')[0]!
    .replace(/^[A-Za-z ]+ Error: /, '')
    .trim();
  if (HIDDEN.test(firstLine) || firstLine === '') return validation('The query could not be executed');
  for (const { pattern, reword } of REWORDINGS) {
    const match = pattern.exec(firstLine);
    if (match) return validation(reword(match, queryString));
  }
  return validation(firstLine);
}

/** Offset of the first occurrence of `text` in the query, or 0 if it was rewritten away. */
function offsetOf(query: string, text: string): number {
  const at = query.indexOf(text);
  return at < 0 ? 0 : at;
}
