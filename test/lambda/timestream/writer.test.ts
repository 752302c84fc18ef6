// SPDX-License-Identifier: Apache-2.0
// writeBatches' outcome when Timestream refuses whole calls. The embedded store cannot show this
// path: every record the connector builds passes its validation (the mapping refuses what would
// not), so a sender stands in for Timestream, refusing calls the way it does (a ValidationException
// for the whole call when one record is invalid: reference/timestream-facts.md 3.5).
import {
  RejectedRecordsException,
  ThrottlingException,
  ValidationException,
  type _Record,
} from '@aws-sdk/client-timestream-write';
import { toWriteBatches, type WriteBatch } from '../../../lambda/timestream/records';
import { MAX_ISOLATION_CALLS, writeBatches } from '../../../lambda/timestream/writer';

const T0 = 1_700_000_000_000;
const TARGET = { database: 'db', table: 't' };

/** `count` samples of one series, valued 0..count-1: one batch per 100 records. */
function batchesOf(count: number): WriteBatch[] {
  const samples = Array.from({ length: count }, (_, i) => ({ value: i, timestamp: T0 + i }));
  return toWriteBatches([{ labels: [{ name: '__name__', value: 'up' }], samples }], {
    failOnLongLabel: false,
    failOnInvalidSampleValue: false,
  }).batches;
}

const invalid = () =>
  new ValidationException({
    message: 'Invalid time for record.',
    Message: 'Invalid time for record.',
    $metadata: { httpStatusCode: 400 },
  });

/** A Timestream stand-in that refuses a whole call holding any record `refuses` picks. */
function standIn(refuses: (record: _Record) => boolean, failAfter = Infinity) {
  const calls: number[] = [];
  const written: string[] = [];
  return {
    calls,
    written,
    async send(_target: unknown, batch: WriteBatch) {
      calls.push(batch.records.length);
      if (calls.length > failAfter)
        throw new ThrottlingException({
          message: 'slow down',
          Message: 'slow down',
          $metadata: { httpStatusCode: 400 },
        });
      if (batch.records.some(refuses)) throw invalid();
      for (const record of batch.records) written.push(record.MeasureValue!);
    },
  };
}

const values = (from: number, to: number, except: number[] = []) =>
  Array.from({ length: to - from }, (_, i) => String(from + i)).filter((v) => !except.includes(Number(v)));

describe('writeBatches against calls refused whole', () => {
  test.each([
    {
      name: 'one invalid record among 100: halves narrow it down, the 99 others are written',
      samples: 100,
      bad: [13],
      // Depth first: 100 refused, 0-49 refused, 0-24 refused, 0-11 written, 12-24 refused, 12-17
      // refused, 12-14 refused, 12 written, 13-14 refused, 13 refused alone, 14, 15-17, 18-24,
      // 25-49 and 50-99 written.
      calls: [100, 50, 25, 12, 13, 6, 3, 1, 2, 1, 1, 3, 7, 25, 50],
    },
    {
      name: 'the first and the last record of a call',
      samples: 4,
      bad: [0, 3],
      calls: [4, 2, 1, 1, 2, 1, 1],
    },
    {
      name: 'one invalid record in the second of two calls: the first call is untouched',
      samples: 150,
      bad: [149],
      // The planner cuts 150 records into calls of 87 and 63; the second is halved down to record 149.
      calls: [87, 63, 31, 32, 16, 16, 8, 8, 4, 4, 2, 2, 1, 1],
    },
  ])('$name', async ({ samples, bad, calls }) => {
    const timestream = standIn((r) => bad.includes(Number(r.MeasureValue)));
    const batches = batchesOf(samples);
    const outcome = await writeBatches(timestream, TARGET, batches, { concurrency: 1 });
    expect(outcome).toEqual({
      written: samples - bad.length,
      refused: bad.length,
      reasons: bad.map(
        (v) =>
          `sample up@${T0 + v} rejected by Timestream: Timestream WriteRecords failed: ValidationException: Invalid time for record.`,
      ),
      calls: calls.length,
    });
    expect(timestream.calls).toEqual(calls);
    expect([...timestream.written].sort((a, b) => Number(a) - Number(b))).toEqual(values(0, samples, bad));
  });

  test(`a request whose every call is refused stops splitting after ${MAX_ISOLATION_CALLS} extra calls`, async () => {
    const timestream = standIn(() => true);
    const batches = batchesOf(1000);
    const outcome = await writeBatches(timestream, TARGET, batches, { concurrency: 1 });
    expect(outcome.written).toBe(0);
    expect(outcome.refused).toBe(1000);
    expect(outcome.failure).toBeUndefined();
    expect(outcome.calls).toBe(batches.length + MAX_ISOLATION_CALLS);
    expect(timestream.calls).toHaveLength(batches.length + MAX_ISOLATION_CALLS);
    expect(outcome.reasons).toHaveLength(5);
  });

  test('a retryable failure while narrowing down answers as a failure, with what was written', async () => {
    const timestream = standIn((r) => r.MeasureValue === '7', 3);
    const outcome = await writeBatches(timestream, TARGET, batchesOf(100), { concurrency: 1 });
    // Call 1 refused whole, call 2 (records 0-49) refused, call 3 (0-24) refused, call 4 throttled.
    expect(timestream.calls).toEqual([100, 50, 25, 12]);
    expect(outcome.written).toBe(0);
    expect(outcome.failure?.kind).toBe('retryable');
    expect(outcome.failure?.message).toBe('Timestream WriteRecords failed: ThrottlingException: slow down');
  });
});

/** A sender answering call i with `answers[i]`: undefined writes the call, an error is thrown. */
function scripted(answers: Array<Error | undefined>) {
  const calls: string[][] = [];
  return {
    calls,
    async send(_target: unknown, batch: WriteBatch) {
      const answer = answers[calls.length];
      calls.push(batch.records.map((r) => r.MeasureValue!));
      if (answer !== undefined) throw answer;
    },
  };
}

const rejectedRecords = (records: Array<{ RecordIndex: number; Reason?: string }>) =>
  new RejectedRecordsException({
    message: 'One or more records have been rejected.',
    Message: 'One or more records have been rejected.',
    RejectedRecords: records,
    $metadata: { httpStatusCode: 419 },
  });

const awsError = (name: string, message: string) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

describe('writeBatches against records refused one by one (RejectedRecordsException)', () => {
  test('counts the refused records as refused and the others as written, naming each refused sample', async () => {
    const sender = scripted([
      rejectedRecords([{ RecordIndex: 1, Reason: 'Duplicate.' }, { RecordIndex: 3 }]),
    ]);
    const outcome = await writeBatches(sender, TARGET, batchesOf(5), { concurrency: 1 });
    expect(outcome).toEqual({
      written: 3,
      refused: 2,
      reasons: [
        `sample up@${T0 + 1} rejected by Timestream: Duplicate.`,
        `sample up@${T0 + 3} rejected by Timestream: no reason given`,
      ],
      calls: 1,
    });
  });

  test('names the measure of the refused record when the batch mixes series at one time', async () => {
    const samples = [{ value: 1, timestamp: T0 }];
    const { batches } = toWriteBatches(
      [
        { labels: [{ name: '__name__', value: 'a' }], samples },
        { labels: [{ name: '__name__', value: 'b' }], samples },
      ],
      { failOnLongLabel: false, failOnInvalidSampleValue: false },
    );
    expect(batches).toHaveLength(1);
    const index = batches[0].records.findIndex((r) => r.MeasureName === 'b');
    const sender = scripted([rejectedRecords([{ RecordIndex: index, Reason: 'no.' }])]);
    const outcome = await writeBatches(sender, TARGET, batches, { concurrency: 1 });
    expect(outcome.reasons).toEqual([`sample b@${T0} rejected by Timestream: no.`]);
    expect([outcome.written, outcome.refused]).toEqual([1, 1]);
  });

  test.each([
    {
      name: 'labels hoisted into CommonAttributes and the record’s own, sorted by name',
      labels: [
        { name: 'job', value: 'api' },
        { name: 'instance', value: 'b:9100' },
      ],
      expected: `up{instance="b:9100", job="api"}`,
    },
    { name: 'no label but the name (written with a placeholder dimension)', labels: [], expected: 'up' },
    {
      name: 'a value with quotes, a backslash and a newline, escaped',
      labels: [{ name: 'path', value: 'C:\\a "b"\nc' }],
      expected: `up{path="C:\\\\a \\"b\\"\\nc"}`,
    },
    {
      name: 'a label whose name Timestream reserves, by the label’s own name',
      labels: [{ name: 'measure_name', value: 'x' }],
      expected: `up{measure_name="x"}`,
    },
    {
      name: 'labels past 200 characters, cut',
      labels: [{ name: 'long', value: 'v'.repeat(400) }],
      expected: `${`up{long="${'v'.repeat(400)}"}`.slice(0, 200)}…`,
    },
  ])('names a refused record’s series by its labels: $name', async ({ labels, expected }) => {
    // Two series of one job: the second's record is refused.
    const series = [
      {
        labels: [
          { name: '__name__', value: 'up' },
          { name: 'job', value: 'api' },
          { name: 'instance', value: 'a:9100' },
        ],
        samples: [{ value: 1, timestamp: T0 }],
      },
      { labels: [{ name: '__name__', value: 'up' }, ...labels], samples: [{ value: 2, timestamp: T0 }] },
    ];
    const { batches } = toWriteBatches(series, { failOnLongLabel: false, failOnInvalidSampleValue: false });
    const refused = batches[0]!.records.findIndex((r) => r.MeasureValue === '2');
    const sender = scripted([rejectedRecords([{ RecordIndex: refused, Reason: 'no.' }])]);
    const outcome = await writeBatches(sender, TARGET, batches, { concurrency: 1 });
    expect(outcome.reasons).toEqual([`sample ${expected}@${T0} rejected by Timestream: no.`]);
  });

  test('keeps 5 reasons of 6 refused records and a reason cut to 200 characters', async () => {
    const long = 'x'.repeat(250);
    const rejected = Array.from({ length: 6 }, (_, i) => ({ RecordIndex: i, Reason: long }));
    const outcome = await writeBatches(scripted([rejectedRecords(rejected)]), TARGET, batchesOf(6), {
      concurrency: 1,
    });
    expect(outcome.written).toBe(0);
    expect(outcome.refused).toBe(6);
    expect(outcome.reasons).toHaveLength(5);
    expect(outcome.reasons[0]).toBe(`sample up@${T0} rejected by Timestream: ${'x'.repeat(200)}…`);
  });

  test('a half refused record by record while narrowing down does not stop the other half', async () => {
    const sender = scripted([invalid(), rejectedRecords([{ RecordIndex: 0, Reason: 'no.' }]), undefined]);
    const outcome = await writeBatches(sender, TARGET, batchesOf(4), { concurrency: 1 });
    expect(sender.calls).toEqual([
      ['0', '1', '2', '3'],
      ['0', '1'],
      ['2', '3'],
    ]);
    expect(outcome).toEqual({
      written: 3,
      refused: 1,
      reasons: [`sample up@${T0} rejected by Timestream: no.`],
      calls: 3,
    });
  });
});

describe('writeBatches against a RejectedRecordsException that cannot be mapped to records', () => {
  // Timestream lists each rejected record once, by its index into the call's Records (facts 3.7);
  // the other records of the call are written. A list that says anything else leaves unknown what
  // was written, so the call is a retryable failure (503: Prometheus resends, re-writes are
  // idempotent) instead of a guess; a call of the request already under way is counted as usual.
  test.each([
    { name: 'no RejectedRecords', rejected: undefined, fault: 'RejectedRecords is missing' },
    { name: 'RejectedRecords of null', rejected: null, fault: 'RejectedRecords is not a list' },
    { name: 'RejectedRecords of text', rejected: 'x', fault: 'RejectedRecords is not a list' },
    {
      name: 'RejectedRecords of one object',
      rejected: { RecordIndex: 0 },
      fault: 'RejectedRecords is not a list',
    },
    { name: 'an empty list', rejected: [], fault: 'RejectedRecords is empty' },
    { name: 'an entry of null', rejected: [null], fault: 'RejectedRecords[0] is not an object' },
    {
      name: 'an entry that is a number',
      rejected: [{ RecordIndex: 0 }, 5],
      fault: 'RejectedRecords[1] is not an object',
    },
    {
      name: 'no RecordIndex',
      rejected: [{ Reason: 'no.' }],
      fault: 'RejectedRecords[0].RecordIndex is not an integer',
    },
    {
      name: 'a RecordIndex of text',
      rejected: [{ RecordIndex: '1' }],
      fault: 'RejectedRecords[0].RecordIndex is not an integer',
    },
    {
      name: 'a fractional RecordIndex',
      rejected: [{ RecordIndex: 1.5 }],
      fault: 'RejectedRecords[0].RecordIndex is not an integer',
    },
    {
      name: 'a negative RecordIndex',
      rejected: [{ RecordIndex: -1 }],
      fault: 'RejectedRecords[0].RecordIndex -1 is not one of the call’s 87 records',
    },
    {
      name: 'a RecordIndex past the call’s records',
      rejected: [{ RecordIndex: 3 }, { RecordIndex: 87 }],
      fault: 'RejectedRecords[1].RecordIndex 87 is not one of the call’s 87 records',
    },
    {
      name: 'a record rejected twice',
      rejected: [{ RecordIndex: 2 }, { RecordIndex: 4 }, { RecordIndex: 2 }],
      fault: 'RejectedRecords[2].RecordIndex 2 is repeated',
    },
    {
      name: 'the last record rejected twice',
      rejected: [{ RecordIndex: 86 }, { RecordIndex: 86 }],
      fault: 'RejectedRecords[1].RecordIndex 86 is repeated',
    },
    {
      name: 'a Reason that is a number',
      rejected: [{ RecordIndex: 0, Reason: 5 }],
      fault: 'RejectedRecords[0].Reason is not text',
    },
    {
      name: 'a Reason that is an object',
      rejected: [{ RecordIndex: 0, Reason: { text: 'no.' } }],
      fault: 'RejectedRecords[0].Reason is not text',
    },
  ])('answers 503 for $name, counting none of that call', async ({ rejected, fault }) => {
    const sender = scripted([rejectedRecords(rejected as never), undefined]);
    // Both calls in flight at once: a failure stops only calls not yet started.
    const outcome = await writeBatches(sender, TARGET, batchesOf(150), { concurrency: 2 });
    expect(sender.calls.map((c) => c.length)).toEqual([87, 63]);
    expect(outcome).toEqual({
      written: 63,
      refused: 0,
      reasons: [],
      calls: 2,
      failure: expect.objectContaining({
        kind: 'retryable',
        status: 503,
        message: `Timestream WriteRecords answered a malformed RejectedRecordsException: ${fault}`,
      }),
    });
  });

  test('starts no further call after such an answer', async () => {
    // Prometheus resends the whole request on the 503, so the calls not yet made would be wasted.
    const sender = scripted([rejectedRecords([]), undefined]);
    const outcome = await writeBatches(sender, TARGET, batchesOf(150), { concurrency: 1 });
    expect(sender.calls.map((c) => c.length)).toEqual([87]);
    expect(outcome).toEqual({
      written: 0,
      refused: 0,
      reasons: [],
      calls: 1,
      failure: expect.objectContaining({
        kind: 'retryable',
        status: 503,
        message:
          'Timestream WriteRecords answered a malformed RejectedRecordsException: RejectedRecords is empty',
      }),
    });
  });
});

describe('writeBatches after the narrowing-down budget is spent', () => {
  test(`a call of several records refused after ${MAX_ISOLATION_CALLS} extra calls is reported by its message`, async () => {
    // 33 calls of 2 records each; every call of 2 is refused, each single record is written.
    const [batch] = batchesOf(66);
    const batches = Array.from({ length: 33 }, (_, i) => ({
      commonAttributes: batch.commonAttributes,
      records: batch.records.slice(2 * i, 2 * i + 2),
      sampleCount: 2,
    }));
    const timestream = standIn(() => false);
    const sender = {
      calls: timestream.calls,
      async send(target: unknown, b: WriteBatch) {
        if (b.records.length > 1) {
          timestream.calls.push(b.records.length);
          throw invalid();
        }
        return timestream.send(target, b);
      },
    };
    const outcome = await writeBatches(sender, TARGET, batches, { concurrency: 1 });
    expect(outcome).toEqual({
      written: 64,
      refused: 2,
      reasons: ['Timestream WriteRecords failed: ValidationException: Invalid time for record.'],
      calls: 33 + MAX_ISOLATION_CALLS,
    });
  });
});

describe('writeBatches failures', () => {
  test.each([
    {
      name: 'forbidden over retryable',
      answers: [awsError('ThrottlingException', 'one'), awsError('AccessDeniedException', 'two')],
      kind: 'forbidden',
      message: 'AccessDeniedException: two',
    },
    {
      name: 'forbidden kept over a later retryable',
      answers: [awsError('AccessDeniedException', 'one'), awsError('ThrottlingException', 'two')],
      kind: 'forbidden',
      message: 'AccessDeniedException: one',
    },
    {
      name: 'the first of two retryable failures',
      answers: [awsError('ThrottlingException', 'one'), awsError('InternalServerException', 'two')],
      kind: 'retryable',
      message: 'ThrottlingException: one',
    },
  ])('keeps $name', async ({ answers, kind, message }) => {
    const sender = scripted(answers);
    const outcome = await writeBatches(sender, TARGET, batchesOf(150), { concurrency: 2 });
    expect(sender.calls).toHaveLength(2);
    expect(outcome.failure?.kind).toBe(kind);
    expect(outcome.failure?.message).toBe(`Timestream WriteRecords failed: ${message}`);
    expect(outcome.written).toBe(0);
  });

  test('an already aborted signal sends nothing and answers a retryable failure', async () => {
    const sender = scripted([]);
    const controller = new AbortController();
    controller.abort();
    const outcome = await writeBatches(sender, TARGET, batchesOf(150), {
      concurrency: 1,
      signal: controller.signal,
    });
    expect(sender.calls).toEqual([]);
    expect(outcome).toEqual({
      written: 0,
      refused: 0,
      reasons: [],
      calls: 0,
      failure: expect.objectContaining({
        kind: 'retryable',
        message: 'write aborted before completion (deadline, shutdown, or the client went away)',
      }),
    });
  });
});

describe('writeBatches narrowing down a call of several series at one time', () => {
  test('every half keeps the CommonAttributes (time and all) of the call it came from', async () => {
    const samples = [{ value: 1, timestamp: T0 }];
    const { batches } = toWriteBatches(
      ['a', 'b', 'c', 'd'].map((name) => ({ labels: [{ name: '__name__', value: name }], samples })),
      { failOnLongLabel: false, failOnInvalidSampleValue: false },
    );
    expect(batches).toHaveLength(1);
    const common: unknown[] = [];
    const sender = {
      async send(_target: unknown, batch: WriteBatch) {
        common.push(batch.commonAttributes);
        if (batch.records.length > 2) throw invalid();
      },
    };
    const outcome = await writeBatches(sender, TARGET, batches, { concurrency: 1 });
    expect(outcome).toEqual({ written: 4, refused: 0, reasons: [], calls: 3 });
    expect(common).toEqual([
      batches[0].commonAttributes,
      batches[0].commonAttributes,
      batches[0].commonAttributes,
    ]);
    expect(batches[0].commonAttributes.Time).toBe(String(T0));
  });
});
