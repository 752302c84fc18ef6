// SPDX-License-Identifier: Apache-2.0
// WriteRecords through the real SDK over HTTP: idempotency, versions, rejections, limits,
// CommonAttributes, whole-call validation failures and metering.

import {
  WriteRecordsCommand,
  type _Record,
  type WriteRecordsCommandInput,
} from '@aws-sdk/client-timestream-write';
import type { LocalStore } from '../../../lambda/local-store';
import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { clientsFor, doubleRecord, errorOf, NOW_MS, startTestStore, WELL_FORMED_AUTH } from './support';

const DB = 'writedb';
const TABLE = 'metrics';
const MAGNETIC = 'late_metrics';
const HOUR = 3_600_000;
const EQUAL_VERSION_REASON =
  'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.';
const MEMORY_RANGE_REASON =
  'The record timestamp is outside the time range [2025-12-31T18:00:00.000Z, 2026-01-01T00:15:00.000Z) of the memory store.';

let store: LocalStore;
let write: ReturnType<typeof clientsFor>['write'];
let query: ReturnType<typeof clientsFor>['query'];

beforeAll(async () => {
  store = await startTestStore();
  ({ write, query } = clientsFor(store));
  await store.ensureTable(DB, TABLE);
  await store.ensureTable(DB, MAGNETIC, { enableMagneticStoreWrites: true, magneticStoreRetentionDays: 1 });
});
afterAll(() => store.close());

const send = (Records: _Record[], extra: Partial<WriteRecordsCommandInput> = {}) =>
  write.send(new WriteRecordsCommand({ DatabaseName: DB, TableName: TABLE, Records, ...extra }));

describe('idempotency and versions', () => {
  test('accepts an identical re-write and counts it as ingested', async () => {
    const records = [doubleRecord('idem', '1.5', NOW_MS - 1000), doubleRecord('idem', '2.5', NOW_MS - 2000)];
    await send(records);
    const again = await send(records);
    expect(again.RecordsIngested).toEqual({ Total: 2, MemoryStore: 2, MagneticStore: 0 });
  });

  test('treats 1.0 and 1 as the same DOUBLE value', async () => {
    await send([doubleRecord('same-number', '1.0', NOW_MS - 5000)]);
    const again = await send([doubleRecord('same-number', '1', NOW_MS - 5000)]);
    expect(again.RecordsIngested?.Total).toBe(1);
  });

  test('accepts an identical re-write of a VARCHAR with a lone surrogate, stored as U+FFFD', async () => {
    // A value cut to a length in UTF-16 units can end in half a surrogate pair.
    const record = doubleRecord('lone', 'cut \ud83d', NOW_MS - 4000, { MeasureValueType: 'VARCHAR' });
    expect((await send([record])).RecordsIngested?.Total).toBe(1);
    expect((await send([record])).RecordsIngested?.Total).toBe(1);
    const answer = await query.send(
      new QueryCommand({
        QueryString: `SELECT measure_value::varchar FROM "${DB}"."${TABLE}" WHERE host = 'lone'`,
      }),
    );
    expect(answer.Rows).toEqual([{ Data: [{ ScalarValue: 'cut \ufffd' }] }]);
  });

  test('upserts with a higher Version and rejects lower or equal versions with different values', async () => {
    const time = NOW_MS - 3000;
    await send([doubleRecord('ver', '1', time)]);
    await send([doubleRecord('ver', '2', time, { Version: 5 })]);
    const equal = await errorOf(() => send([doubleRecord('ver', '3', time, { Version: 5 })]));
    expect(equal.name).toBe('RejectedRecordsException');
    expect(equal.$metadata).toMatchObject({ httpStatusCode: 419 });
    expect(equal.RejectedRecords).toEqual([{ RecordIndex: 0, Reason: EQUAL_VERSION_REASON }]);
    const lower = await errorOf(() => send([doubleRecord('ver', '3', time, { Version: 2 })]));
    expect(lower.message).toBe('One or more records have been rejected. See RejectedRecords for details.');
    expect(lower.RejectedRecords).toEqual([
      {
        RecordIndex: 0,
        Reason:
          'The record version 2 is lower than the existing version 5. A higher version is required to update the measure value.',
        ExistingVersion: 5,
      },
    ]);
    // The upserted value is now the stored one: re-writing it at version 1 is an identical re-write.
    expect((await send([doubleRecord('ver', '2', time)])).RecordsIngested?.Total).toBe(1);
  });

  test('rejects a second record of the same identity with another value inside one call', async () => {
    const error = await errorOf(() =>
      send([doubleRecord('batch', '1', NOW_MS - 10), doubleRecord('batch', '2', NOW_MS - 10)]),
    );
    expect(error.RejectedRecords).toEqual([{ RecordIndex: 1, Reason: EQUAL_VERSION_REASON }]);
  });

  test('writes the accepted records of a call that has rejections', async () => {
    await errorOf(() =>
      send([doubleRecord('partial', '1', NOW_MS - 7 * HOUR), doubleRecord('partial', '7', NOW_MS - 20)]),
    );
    const conflict = await errorOf(() => send([doubleRecord('partial', '8', NOW_MS - 20)]));
    expect(conflict.RejectedRecords).toEqual([{ RecordIndex: 0, Reason: EQUAL_VERSION_REASON }]);
  });
});

describe('several records of one identity or one series in one call', () => {
  const T1 = NOW_MS - 30_000;
  const T2 = NOW_MS - 20_000;
  const T3 = NOW_MS - 10_000;
  const lower = (version: number, existing: number) => ({
    Reason: `The record version ${version} is lower than the existing version ${existing}. A higher version is required to update the measure value.`,
    ExistingVersion: existing,
  });
  /** The stored DOUBLE values of `host`, oldest first. */
  const storedValues = async (host: string) =>
    (
      await query.send(
        new QueryCommand({
          QueryString: `SELECT measure_value::double FROM "${DB}"."${TABLE}" WHERE host = '${host}' ORDER BY time`,
        }),
      )
    ).Rows!.map((row) => row.Data![0].ScalarValue);

  test.each([
    {
      name: 'stored times re-written with other values, latest first, are all duplicates',
      before: [
        ['1', T1],
        ['2', T2],
        ['3', T3],
      ],
      call: [
        ['30', T3],
        ['20', T2],
        ['10', T1],
      ],
      rejected: [0, 1, 2].map((RecordIndex) => ({ RecordIndex, Reason: EQUAL_VERSION_REASON })),
      stored: ['1.0', '2.0', '3.0'],
    },
    {
      name: 'stored times re-written with other values, oldest first, are all duplicates',
      before: [
        ['1', T1],
        ['2', T2],
        ['3', T3],
      ],
      call: [
        ['10', T1],
        ['20', T2],
        ['30', T3],
      ],
      rejected: [0, 1, 2].map((RecordIndex) => ({ RecordIndex, Reason: EQUAL_VERSION_REASON })),
      stored: ['1.0', '2.0', '3.0'],
    },
    {
      name: 'stored times upserted together each take their own value',
      before: [
        ['1', T1],
        ['2', T2],
      ],
      call: [
        ['10', T1, 2],
        ['20', T2, 2],
      ],
      rejected: [],
      stored: ['10.0', '20.0'],
    },
    {
      name: 'a new time upserted later in the same call keeps the upserted value',
      before: [],
      call: [
        ['1', T1],
        ['2', T1, 2],
      ],
      rejected: [],
      stored: ['2.0'],
    },
    {
      name: 'an upsert repeated in the same call is an identical re-write',
      before: [['1', T1]],
      call: [
        ['2', T1, 2],
        ['2', T1, 2],
      ],
      rejected: [],
      stored: ['2.0'],
    },
    {
      name: 'the replaced value at its old version after an upsert in the same call is refused',
      before: [['1', T1]],
      call: [
        ['2', T1, 2],
        ['1', T1],
      ],
      rejected: [{ RecordIndex: 1, ...lower(1, 2) }],
      stored: ['2.0'],
    },
    {
      name: 'the same value at a higher version bumps the version only',
      before: [
        ['1', T1],
        ['1', T1, 3],
      ],
      call: [['2', T1, 2]],
      rejected: [{ RecordIndex: 0, ...lower(2, 3) }],
      stored: ['1.0'],
    },
    {
      name: 'the same value at a higher version in the same call bumps the version only',
      before: [['1', T1]],
      call: [
        ['1', T1, 3],
        ['2', T1, 2],
      ],
      rejected: [{ RecordIndex: 1, ...lower(2, 3) }],
      stored: ['1.0'],
    },
  ] as {
    name: string;
    before: [string, number, number?][];
    call: [string, number, number?][];
    rejected: object[];
    stored: string[];
  }[])('$name', async ({ name, before, call, rejected, stored }) => {
    const host = `one-series ${name}`;
    const records = (list: [string, number, number?][]) =>
      list.map(([value, time, Version]) =>
        doubleRecord(host, value, time, Version === undefined ? {} : { Version }),
      );
    for (const one of before) await send(records([one]));
    if (rejected.length === 0) {
      expect((await send(records(call))).RecordsIngested?.Total).toBe(call.length);
    } else {
      expect((await errorOf(() => send(records(call)))).RejectedRecords).toEqual(rejected);
    }
    expect(await storedValues(host)).toEqual(stored);
  });
});

describe('time windows', () => {
  test.each([
    { name: 'older than memory retention', time: NOW_MS - 6 * HOUR - 1, reason: MEMORY_RANGE_REASON },
    { name: 'more than 15 minutes ahead', time: NOW_MS + 15 * 60_000 + 1, reason: MEMORY_RANGE_REASON },
  ])('rejects a record $name', async ({ time, reason }) => {
    const error = await errorOf(() =>
      send([doubleRecord('window', '1', NOW_MS), doubleRecord('window', '1', time)]),
    );
    expect(error.RejectedRecords).toEqual([{ RecordIndex: 1, Reason: reason }]);
  });

  test('accepts records exactly at both window edges', async () => {
    const result = await send([
      doubleRecord('edge', '1', NOW_MS - 6 * HOUR),
      doubleRecord('edge', '1', NOW_MS + 15 * 60_000),
    ]);
    expect(result.RecordsIngested).toEqual({ Total: 2, MemoryStore: 2, MagneticStore: 0 });
  });

  test('counts late records as MagneticStore when magnetic writes are on and rejects beyond magnetic retention', async () => {
    const ok = await send(
      [doubleRecord('late', '1', NOW_MS - 12 * HOUR), doubleRecord('late', '1', NOW_MS)],
      { TableName: MAGNETIC },
    );
    expect(ok.RecordsIngested).toEqual({ Total: 2, MemoryStore: 1, MagneticStore: 1 });
    const error = await errorOf(() =>
      send([doubleRecord('late', '1', NOW_MS - 25 * HOUR)], { TableName: MAGNETIC }),
    );
    expect(error.RejectedRecords).toEqual([
      {
        RecordIndex: 0,
        Reason:
          'The record timestamp is outside the time range [2025-12-31T00:00:00.000Z, 2026-01-01T00:15:00.000Z) of the magnetic store.',
      },
    ]);
  });

  test.each([
    { name: 'SECONDS', time: String(NOW_MS / 1000), unit: 'SECONDS' as const },
    { name: 'MICROSECONDS', time: `${NOW_MS}001`, unit: 'MICROSECONDS' as const },
    { name: 'NANOSECONDS', time: `${NOW_MS}000001`, unit: 'NANOSECONDS' as const },
  ])('parses Time in $name', async ({ time, unit }) => {
    const result = await send([{ ...doubleRecord(`unit-${unit}`, '1', 0), Time: time, TimeUnit: unit }]);
    expect(result.RecordsIngested?.Total).toBe(1);
  });
});

describe('per-record limits', () => {
  test.each([
    {
      name: 'a dimension name over 60 bytes',
      record: doubleRecord('l', '1', NOW_MS, { Dimensions: [{ Name: 'd'.repeat(61), Value: 'v' }] }),
      reason: `Dimension name ${'d'.repeat(61)} exceeds the maximum length of 60 bytes.`,
    },
    {
      name: 'a measure name over 256 bytes',
      record: doubleRecord('l', '1', NOW_MS, { MeasureName: 'é'.repeat(129) }),
      reason: 'Measure name exceeds the maximum length of 256 bytes.',
    },
    {
      name: 'dimension pairs over 2 KB',
      record: doubleRecord('l', '1', NOW_MS, { Dimensions: [{ Name: 'big', Value: 'v'.repeat(2046) }] }),
      reason:
        'The size of the dimension name-value pairs (2049 bytes) exceeds the maximum of 2 KB per series.',
    },
  ])('rejects $name', async ({ record, reason }) => {
    const error = await errorOf(() => send([record]));
    expect(error.RejectedRecords).toEqual([{ RecordIndex: 0, Reason: reason }]);
  });

  test('rejects a record that would give the table more than 128 dimensions', async () => {
    const table = 'wide_metrics';
    await store.ensureTable(DB, table);
    const dims = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ Name: `d${from + i}`, Value: 'v' }));
    await send([doubleRecord('w', '1', NOW_MS, { Dimensions: dims(0, 128) })], { TableName: table });
    const error = await errorOf(() =>
      send([doubleRecord('w', '1', NOW_MS, { Dimensions: dims(128, 1) })], { TableName: table }),
    );
    expect(error.RejectedRecords).toEqual([
      { RecordIndex: 0, Reason: 'The record would exceed the maximum of 128 dimensions per table.' },
    ]);
  });
});

describe('whole-call validation failures', () => {
  test.each([
    {
      name: 'NaN',
      record: doubleRecord('v', 'NaN', NOW_MS),
      message:
        'Timestream only supports finite IEEE Standard 754 floating point precision for double measure value type.',
    },
    {
      name: 'Infinity',
      record: doubleRecord('v', '-Infinity', NOW_MS),
      message:
        'Timestream only supports finite IEEE Standard 754 floating point precision for double measure value type.',
    },
    {
      name: 'an overflowing double',
      record: doubleRecord('v', '1e400', NOW_MS),
      message:
        'Timestream only supports finite IEEE Standard 754 floating point precision for double measure value type.',
    },
    {
      name: 'a non-numeric double',
      record: doubleRecord('v', 'abc', NOW_MS),
      message: 'Invalid measure value abc for measure value type DOUBLE for record at index 1.',
    },
    {
      name: 'a non-integer BIGINT',
      record: doubleRecord('v', '1.5', NOW_MS, { MeasureValueType: 'BIGINT' }),
      message: 'Invalid measure value 1.5 for measure value type BIGINT for record at index 1.',
    },
    {
      name: 'a non-numeric time',
      record: { ...doubleRecord('v', '1', NOW_MS), Time: '12a' },
      message: 'Invalid time for record.',
    },
    {
      name: 'Version 0',
      record: doubleRecord('v', '1', NOW_MS, { Version: 0 }),
      message: 'Record version must be a positive integer (1 or greater).',
    },
    {
      name: 'a MULTI record',
      record: {
        ...doubleRecord('v', '1', NOW_MS),
        MeasureValue: undefined,
        MeasureValueType: 'MULTI' as const,
        MeasureValues: [{ Name: 'a', Value: '1', Type: 'DOUBLE' as const }],
      },
      message:
        'The embedded local store does not support multi-measure records (MeasureValueType MULTI or TIMESTAMP, MeasureValues) yet.',
    },
    ...['time', 'measure_name', 'ts_hidden', 'measure_value_x', 'measure_name_x', 'job:rate'].map(
      (dimension) => ({
        name: `the dimension name ${dimension}`,
        record: doubleRecord('v', '1', NOW_MS, { Dimensions: [{ Name: dimension, Value: 'x' }] }),
        message: `Dimension name ${dimension} is not allowed: it may not be a reserved name (measure_name, measure_value, time), start with ts_, measure_name or measure_value, or contain ':'.`,
      }),
    ),
  ])('fails the whole call for $name', async ({ name, record, message }) => {
    const host = `whole-call-${name}`;
    const error = await errorOf(() => send([doubleRecord(host, '1', NOW_MS - 99), record as _Record]));
    expect([error.name, error.message, error.$metadata]).toEqual([
      'ValidationException',
      message,
      expect.objectContaining({ httpStatusCode: 400 }),
    ]);
    // Nothing of the call was written: the first record can still be written with another value.
    expect((await send([doubleRecord(host, '2', NOW_MS - 99)])).RecordsIngested?.Total).toBe(1);
  });

  test.each([
    {
      name: 'no records',
      count: 0,
      message:
        "1 validation error detected: Value with length 0 at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1",
    },
    {
      name: '101 records',
      count: 101,
      message:
        "1 validation error detected: Value with length 101 at 'records' failed to satisfy constraint: Member must have length less than or equal to 100",
    },
  ])('refuses $name', async ({ count, message }) => {
    const records = Array.from({ length: count }, (_, i) => doubleRecord('count', '1', NOW_MS - i));
    const error = await errorOf(() => send(records));
    expect([error.name, error.message]).toEqual(['ValidationException', message]);
  });

  // The JS SDK v3 sends a call without its required members (it checks none of them).
  test.each([
    {
      name: 'a call without Records',
      input: { DatabaseName: DB, TableName: TABLE },
      path: 'records',
    },
    {
      name: 'a call without DatabaseName',
      input: { TableName: TABLE, Records: [doubleRecord('missing', '1', NOW_MS)] },
      path: 'databaseName',
    },
    {
      name: 'a call without TableName',
      input: { DatabaseName: DB, Records: [doubleRecord('missing', '1', NOW_MS)] },
      path: 'tableName',
    },
  ])('refuses $name as a missing member of the model', async ({ input, path }) => {
    const error = await errorOf(() => write.send(new WriteRecordsCommand(input as WriteRecordsCommandInput)));
    expect([error.name, error.message, error.$metadata]).toEqual([
      'ValidationException',
      `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`,
      expect.objectContaining({ httpStatusCode: 400 }),
    ]);
  });

  test('refuses dimension names with half a surrogate pair, which DuckDB would make one column', async () => {
    for (const name of ['lone\ud800', 'lone\udc00']) {
      const record = doubleRecord('x', '1', NOW_MS - 98, { Dimensions: [{ Name: name, Value: 'v' }] });
      const error = await errorOf(() => send([record]));
      expect([error.name, error.message, error.$metadata]).toEqual([
        'ValidationException',
        `Dimension name ${JSON.stringify(name)} is not allowed: the embedded local store cannot hold an unpaired UTF-16 surrogate in a dimension name.`,
        expect.objectContaining({ httpStatusCode: 400 }),
      ]);
    }
  });

  test('answers ResourceNotFoundException for a missing table', async () => {
    const error = await errorOf(() => send([doubleRecord('x', '1', NOW_MS)], { TableName: 'nosuchtable' }));
    expect([error.name, error.message, error.$metadata]).toEqual([
      'ResourceNotFoundException',
      'The table nosuchtable does not exist in database writedb.',
      expect.objectContaining({ httpStatusCode: 404 }),
    ]);
  });
});

describe('the JSON 1.0 answer on the wire (facts 3.2, 3.7-3.9)', () => {
  const ERROR_TYPE = 'com.amazonaws.timestream.v20181101#';
  /** POSTs a WriteRecords body as JSON text, as any client would, without the SDK's parsing. */
  const post = (body: unknown) =>
    fetch(`${store.endpoint}/`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'Timestream_20181101.WriteRecords',
        Authorization: WELL_FORMED_AUTH,
      },
      body: JSON.stringify(body),
    });
  const request = (TableName: string, Records: _Record[]) => ({ DatabaseName: DB, TableName, Records });

  test.each([
    {
      name: 'an accepted call as RecordsIngested (200)',
      body: request(TABLE, [doubleRecord('wire-ok', '1', NOW_MS - 50)]),
      status: 200,
      answer: { RecordsIngested: { Total: 1, MemoryStore: 1, MagneticStore: 0 } },
    },
    {
      name: 'a rejection as RejectedRecordsException with its RejectedRecords (419)',
      body: request(TABLE, [
        doubleRecord('wire-rejected', '1', NOW_MS - 50),
        doubleRecord('wire-rejected', '2', NOW_MS - 50),
      ]),
      status: 419,
      answer: {
        __type: `${ERROR_TYPE}RejectedRecordsException`,
        message: 'One or more records have been rejected. See RejectedRecords for details.',
        RejectedRecords: [{ RecordIndex: 1, Reason: EQUAL_VERSION_REASON }],
      },
    },
    {
      name: 'a non-finite DOUBLE as ValidationException (400)',
      body: request(TABLE, [doubleRecord('wire-nan', 'NaN', NOW_MS - 50)]),
      status: 400,
      answer: {
        __type: `${ERROR_TYPE}ValidationException`,
        message:
          'Timestream only supports finite IEEE Standard 754 floating point precision for double measure value type.',
      },
    },
    {
      name: 'a missing table as ResourceNotFoundException (404)',
      body: request('nosuchtable', [doubleRecord('wire-missing', '1', NOW_MS - 50)]),
      status: 404,
      answer: {
        __type: `${ERROR_TYPE}ResourceNotFoundException`,
        message: 'The table nosuchtable does not exist in database writedb.',
      },
    },
  ])('answers $name', async ({ body, status, answer }) => {
    const response = await post(body);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual(answer);
  });

  test('keeps a Version past 2^53 exact (a 64-bit integer, as the AWS CLI sends it) and answers ExistingVersion so', async () => {
    // JSON text by hand: a JS number cannot hold these versions, so JSON.stringify cannot write them.
    const postText = (value: string, version: string) =>
      fetch(`${store.endpoint}/`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.0',
          'X-Amz-Target': 'Timestream_20181101.WriteRecords',
          Authorization: WELL_FORMED_AUTH,
        },
        body: `{"DatabaseName": "${DB}", "TableName": "${TABLE}", "Records": [{"Dimensions": [{"Name": "host", "Value": "wire-long-version"}], "MeasureName": "cpu", "MeasureValue": "${value}", "Time": "${NOW_MS - 60}", "Version": ${version}}]}`,
      });
    expect((await postText('1', '9007199254740993')).status).toBe(200);
    // One below the stored version, though both are the same JS number.
    const lower = await postText('2', '9007199254740992');
    expect([lower.status, await lower.text()]).toEqual([
      419,
      `{"__type":"${ERROR_TYPE}RejectedRecordsException","message":"One or more records have been rejected. See RejectedRecords for details.","RejectedRecords":[{"RecordIndex":0,"Reason":"The record version 9007199254740992 is lower than the existing version 9007199254740993. A higher version is required to update the measure value.","ExistingVersion":9007199254740993}]}`,
    ]);
    expect((await postText('2', '9223372036854775807')).status).toBe(200);
    const tooLarge = await postText('3', '9223372036854775808');
    expect([tooLarge.status, await tooLarge.json()]).toEqual([
      400,
      {
        __type: `${ERROR_TYPE}ValidationException`,
        message: 'Record version must be at most 9223372036854775807 (a 64-bit integer).',
      },
    ]);
    const rows = await query.send(
      new QueryCommand({
        QueryString: `SELECT measure_value::double FROM "${DB}"."${TABLE}" WHERE host = 'wire-long-version'`,
      }),
    );
    expect(rows.Rows).toEqual([{ Data: [{ ScalarValue: '2.0' }] }]);
  });

  // JSON has no leading zero: such a body is not JSON, however many digits the Version has.
  test.each(['05', '0000000000000005', '-0000000000000005', '00000000000000000000'])(
    'refuses a Version written %s as no JSON (SerializationException)',
    async (version) => {
      const response = await fetch(`${store.endpoint}/`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.0',
          'X-Amz-Target': 'Timestream_20181101.WriteRecords',
          Authorization: WELL_FORMED_AUTH,
        },
        body: `{"DatabaseName": "${DB}", "TableName": "${TABLE}", "Records": [{"Dimensions": [{"Name": "host", "Value": "wire-zero-version"}], "MeasureName": "cpu", "MeasureValue": "1", "Time": "${NOW_MS - 70}", "Version": ${version}}]}`,
      });
      expect([response.status, await response.json()]).toEqual([
        400,
        { __type: `${ERROR_TYPE}SerializationException`, message: 'The request body is not valid JSON.' },
      ]);
    },
  );
});

describe('CommonAttributes', () => {
  test('merges common dimensions, measure name and time into each record; record fields override', async () => {
    const result = await send(
      [
        { Dimensions: [{ Name: 'core', Value: '0' }], MeasureValue: '1' },
        { Dimensions: [{ Name: 'core', Value: '1' }], MeasureValue: '2', Time: String(NOW_MS - 1) },
      ],
      {
        CommonAttributes: {
          Dimensions: [{ Name: 'host', Value: 'common' }],
          MeasureName: 'cpu',
          MeasureValueType: 'DOUBLE',
          Time: String(NOW_MS),
        },
      },
    );
    expect(result.RecordsIngested?.Total).toBe(2);
    // The merged identity is (host=common, core=0, cpu, NOW): a different value conflicts with it.
    const conflict = await errorOf(() =>
      send([
        {
          ...doubleRecord('common', '9', NOW_MS),
          Dimensions: [
            { Name: 'core', Value: '0' },
            { Name: 'host', Value: 'common' },
          ],
        },
      ]),
    );
    expect(conflict.RejectedRecords).toEqual([{ RecordIndex: 0, Reason: EQUAL_VERSION_REASON }]);
  });

  test('refuses a dimension present in both CommonAttributes and a record', async () => {
    const error = await errorOf(() =>
      send([doubleRecord('dup', '1', NOW_MS)], {
        CommonAttributes: { Dimensions: [{ Name: 'host', Value: 'other' }] },
      }),
    );
    expect([error.name, error.message]).toEqual([
      'ValidationException',
      'Duplicate dimension name host for record at index 0. Dimension names must be unique.',
    ]);
  });
});

describe('metering', () => {
  let meterStore: LocalStore;
  beforeAll(async () => {
    meterStore = await startTestStore();
    await meterStore.ensureTable(DB, TABLE);
  });
  afterAll(() => meterStore.close());

  test('bills the AWS example: 100 events of 83 bytes are 9 units, and with CommonAttributes 52 B + 100 x 27 B are 3', async () => {
    const client = clientsFor(meterStore).write;
    // 8 time + 3 "cpu" + 8 double + 4 "host" + 60 value = 83 bytes per event.
    const plain = Array.from({ length: 100 }, (_, i) => doubleRecord('h'.repeat(60), '1', NOW_MS - i));
    await client.send(new WriteRecordsCommand({ DatabaseName: DB, TableName: TABLE, Records: plain }));
    expect(meterStore.metering()).toEqual({ calls: 1, records: 100, bytes: 8300, writeUnits: 9 });
    // Common: "host" + 40 chars + "cpu_util" = 52; per event: 8 time + 8 double + "core" + 7 chars = 27.
    const common = { Dimensions: [{ Name: 'host', Value: 'c'.repeat(40) }], MeasureName: 'cpu_util' };
    const events = Array.from({ length: 100 }, (_, i) => ({
      Dimensions: [{ Name: 'core', Value: String(1_000_000 + i) }],
      MeasureValue: '1',
      Time: String(NOW_MS - i),
    }));
    await client.send(
      new WriteRecordsCommand({
        DatabaseName: DB,
        TableName: TABLE,
        Records: events,
        CommonAttributes: common,
      }),
    );
    const expected = { calls: 2, records: 200, bytes: 8300 + 2752, writeUnits: 12 };
    expect(meterStore.metering()).toEqual(expected);
    const viaHttp = await fetch(`${meterStore.endpoint}/_local/metering`);
    expect([viaHttp.status, await viaHttp.json()]).toEqual([200, expected]);
  });
});
