// SPDX-License-Identifier: Apache-2.0
// WriteRecordsSender and writeBatches against RejectedRecordsException answers whose RejectedRecords
// cannot be mapped to the call's records, read by the fast path and by the SDK. Timestream would not
// send them (facts 3.7); they stand for a proxy or endpoint that answers something else. Beside them,
// the edges of the answers that can be mapped, which the fast path takes as final.
import {
  RejectedRecordsException,
  TimestreamWriteClient,
  type _Record,
} from '@aws-sdk/client-timestream-write';
import type { HttpRequest } from '@smithy/core/protocols';
import type { WriteBatch } from '../../../lambda/timestream/records';
import { WriteRecordsSender, type RequestHandlerLike } from '../../../lambda/timestream/write-sender';
import { writeBatches } from '../../../lambda/timestream/writer';

const ENDPOINT = 'http://127.0.0.1:9202';
const TARGET = { database: 'db', table: 'tbl' };
const TYPES = {
  MeasureValueType: 'DOUBLE',
  TimeUnit: 'MILLISECONDS',
  MeasureName: 'up',
  Time: '1000',
} as const;
const RECORDS: _Record[] = [
  { MeasureValue: '1', Dimensions: [{ Name: 'job', Value: 'node' }] },
  { MeasureValue: '0', Dimensions: [{ Name: 'job', Value: 'api' }] },
];
const BATCH: WriteBatch = { commonAttributes: { ...TYPES }, records: RECORDS, sampleCount: 2 };
const GOOD = [{ RecordIndex: 1, Reason: 'Duplicate.' }];

/** A sender whose fast path and SDK client share one handler answering 419s with these RejectedRecords. */
function answering(answers: unknown[]) {
  const seen: HttpRequest[] = [];
  const handler: RequestHandlerLike & { updateHttpClientConfig(): void; httpHandlerConfigs(): object } = {
    handle: async (request) => {
      const rejected = answers[seen.length];
      seen.push(request);
      const body = {
        __type: 'com.amazonaws.timestream.v20181101#RejectedRecordsException',
        message: 'One or more records have been rejected.',
        ...(rejected === undefined ? {} : { RejectedRecords: rejected }),
      };
      return { response: { statusCode: 419, headers: {}, body: Buffer.from(JSON.stringify(body)) } } as never;
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  const client = new TimestreamWriteClient({
    region: 'us-east-1',
    endpoint: ENDPOINT,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: handler as never,
  });
  const sender = new WriteRecordsSender(client, { region: 'us-east-1', endpoint: ENDPOINT, handler });
  return { sender, seen };
}

const bodyText = (request: HttpRequest): string =>
  typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);

const MALFORMED = [
  { name: 'no RejectedRecords', rejected: undefined, fault: 'RejectedRecords is missing' },
  { name: 'RejectedRecords of text', rejected: 'x', fault: 'RejectedRecords is not a list' },
  { name: 'an empty list', rejected: [], fault: 'RejectedRecords is empty' },
  { name: 'an entry of null', rejected: [null], fault: 'RejectedRecords[0] is not an object' },
  {
    name: 'a RecordIndex past the call’s records',
    rejected: [{ RecordIndex: 2 }],
    fault: 'RejectedRecords[0].RecordIndex 2 is not one of the call’s 2 records',
  },
  {
    name: 'a record rejected twice',
    rejected: [{ RecordIndex: 0 }, { RecordIndex: 0 }],
    fault: 'RejectedRecords[1].RecordIndex 0 is repeated',
  },
  {
    // The call's last record: a mark kept for every record but the last would miss this one.
    name: 'the last record rejected twice',
    rejected: [{ RecordIndex: 1 }, { RecordIndex: 1 }],
    fault: 'RejectedRecords[1].RecordIndex 1 is repeated',
  },
  {
    name: 'a Reason that is a number',
    rejected: [{ RecordIndex: 0, Reason: 5 }],
    fault: 'RejectedRecords[0].Reason is not text',
  },
];

/** The reason for the refused record of BATCH's series `job`: its labels tell the two apart. */
const REFUSED = (job: 'api' | 'node') => `sample up{job="${job}"}@1000 rejected by Timestream:`;
const MAPPED = [
  {
    // JSON has no undefined: a Reason of null is how an answer says it has none.
    name: 'a Reason of null',
    rejected: [{ RecordIndex: 0, Reason: null }],
    written: 1,
    reasons: [`${REFUSED('node')} no reason given`],
  },
  {
    name: 'no Reason',
    rejected: [{ RecordIndex: 1 }],
    written: 1,
    reasons: [`${REFUSED('api')} no reason given`],
  },
  {
    name: 'every record once, the last one first',
    rejected: [
      { RecordIndex: 1, Reason: 'Duplicate.' },
      { RecordIndex: 0, Reason: 'Old.' },
    ],
    written: 0,
    reasons: [`${REFUSED('api')} Duplicate.`, `${REFUSED('node')} Old.`],
  },
];

describe('WriteRecordsSender against RejectedRecords it cannot map to the call’s records', () => {
  it.each(MALFORMED)(
    'lets the SDK redo a call whose fast answer has $name, and answers the SDK’s refusal',
    async ({ rejected }) => {
      const { sender, seen } = answering([rejected, GOOD]);
      const thrown = await sender.send(TARGET, BATCH).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(RejectedRecordsException);
      expect((thrown as RejectedRecordsException).RejectedRecords).toEqual(GOOD);
      expect(seen).toHaveLength(2);
      expect(JSON.parse(bodyText(seen[1]))).toEqual(JSON.parse(bodyText(seen[0])));
    },
  );

  it.each(MALFORMED)(
    'fails the write with 503 when the SDK’s answer has $name too, counting nothing written',
    async ({ rejected, fault }) => {
      const { sender, seen } = answering([rejected, rejected]);
      const outcome = await writeBatches(sender, TARGET, [BATCH], { concurrency: 1 });
      expect(seen).toHaveLength(2);
      expect(outcome).toEqual({
        written: 0,
        refused: 0,
        reasons: [],
        calls: 1,
        failure: expect.objectContaining({
          kind: 'retryable',
          status: 503,
          message: `Timestream WriteRecords answered a malformed RejectedRecordsException: ${fault}`,
        }),
      });
    },
  );
});

describe('WriteRecordsSender against RejectedRecords that name distinct records of the call', () => {
  it.each(MAPPED)('answers a fast answer with $name as final, without the SDK', async ({ rejected }) => {
    const { sender, seen } = answering([rejected, GOOD]);
    const thrown = await sender.send(TARGET, BATCH).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(RejectedRecordsException);
    expect((thrown as RejectedRecordsException).RejectedRecords).toEqual(rejected);
    expect(seen).toHaveLength(1);
  });

  it.each(MAPPED)(
    'counts the records of an answer with $name as refused and the others as written',
    async ({ rejected, written, reasons }) => {
      const { sender, seen } = answering([rejected, GOOD]);
      const outcome = await writeBatches(sender, TARGET, [BATCH], { concurrency: 1 });
      expect(seen).toHaveLength(1);
      expect(outcome).toEqual({ written, refused: rejected.length, reasons, calls: 1 });
    },
  );
});
