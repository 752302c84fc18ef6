// SPDX-License-Identifier: Apache-2.0
import {
  AccessDeniedException,
  InternalServerException,
  RejectedRecordsException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
  TimestreamWriteClient,
  WriteRecordsCommand,
  type _Record,
} from '@aws-sdk/client-timestream-write';
import type { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { toWriteBatches, type WriteBatch } from '../../../lambda/timestream/records';
import { signPost } from '../../../lambda/timestream/sigv4-signer';
import { renderWriteRecordsBody } from '../../../lambda/timestream/write-json';
import { WriteRecordsSender, type RequestHandlerLike } from '../../../lambda/timestream/write-sender';
import { realisticWriteRequest } from '../../support/payloads';
import { realisticRequest } from '../../../scripts/bench-records';

const TARGET = { database: 'PrometheusDatabase', table: 'PrometheusMetricsTable' };
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const LENIENT = { failOnLongLabel: false, failOnInvalidSampleValue: false };
const TYPES = { MeasureValueType: 'DOUBLE', TimeUnit: 'MILLISECONDS' } as const;
/** The SHA-256 implementation the SDK signs with on Node. */
const SDK_SHA256 = new TimestreamWriteClient({ region: 'us-east-1' }).config.sha256;

interface Captured {
  request: HttpRequest;
}

/** A request handler that records what it is given and answers from a script (default 200). */
function scriptedHandler(
  statuses: number[] = [],
  body = '{"RecordsIngested":{"Total":1}}',
  errorType = 'RejectedRecordsException',
) {
  const seen: Captured[] = [];
  const handler: RequestHandlerLike & { updateHttpClientConfig(): void; httpHandlerConfigs(): object } = {
    handle: async (request) => {
      seen.push({ request });
      const statusCode = statuses.shift() ?? 200;
      const payload =
        statusCode === 200
          ? body
          : JSON.stringify({
              __type: `com.amazonaws.timestream.v20181101#${errorType}`,
              message: 'One or more records have been rejected.',
              ...(errorType === 'RejectedRecordsException'
                ? { RejectedRecords: [{ RecordIndex: 0, Reason: 'test' }] }
                : {}),
            });
      return {
        response: {
          statusCode,
          reason: '',
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Buffer.from(statusCode === 200 ? payload : payload),
        },
      } as never;
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  return { handler, seen };
}

function sdkClient(handler: RequestHandlerLike, endpoint?: string) {
  return new TimestreamWriteClient({
    region: 'us-east-1',
    ...(endpoint === undefined ? {} : { endpoint }),
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: handler as never,
  });
}

/** The body the SDK itself serialises for `batch`. */
async function sdkBody(batch: WriteBatch): Promise<string> {
  const { handler, seen } = scriptedHandler();
  const client = sdkClient(handler, 'http://127.0.0.1:9');
  await client.send(
    new WriteRecordsCommand({
      DatabaseName: TARGET.database,
      TableName: TARGET.table,
      CommonAttributes: batch.commonAttributes,
      Records: batch.records,
    }),
  );
  return bodyText(seen[0].request);
}

/** The SDK hands its body over as bytes (a string adapter); ours is a string. */
function bodyText(request: HttpRequest): string {
  const body: unknown = request.body;
  return typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array);
}

function batchOf(commonAttributes: _Record, records: _Record[]): WriteBatch {
  return { commonAttributes, records, sampleCount: records.length };
}

/**
 * A sender whose SDK client discovers `ingest-cell1` with the given cache period, on a clock the
 * test moves (`clock.now`); `seen` holds the fast path's requests, `discovery` the SDK's.
 */
function discoveringSender(cachePeriodInMinutes: number) {
  const clock = { now: 1_000_000 };
  const discovery = scriptedHandler(
    [],
    JSON.stringify({
      Endpoints: [
        {
          Address: 'ingest-cell1.timestream.us-east-1.amazonaws.com',
          CachePeriodInMinutes: cachePeriodInMinutes,
        },
      ],
    }),
  );
  const { handler, seen } = scriptedHandler();
  const sender = new WriteRecordsSender(sdkClient(discovery.handler, 'http://127.0.0.1:9'), {
    region: 'us-east-1',
    handler,
    nowMs: () => clock.now,
  });
  return { discovery, seen, sender, clock };
}

describe('renderWriteRecordsBody', () => {
  const realistic = [
    ...toWriteBatches(realisticRequest(3, 2000), LENIENT).batches.slice(0, 5),
    ...toWriteBatches(
      realisticWriteRequest({ series: 300, samplesPerSeries: 2, startMs: 1e12 }).timeseries,
      LENIENT,
    ).batches.slice(0, 3),
  ];
  const edge: Array<[string, WriteBatch]> = [
    [
      'quotes, backslashes, control characters and astral text',
      batchOf({ ...TYPES, Dimensions: [{ Name: 'path', Value: 'C:\\dir "x"\n\u0001' }] }, [
        { MeasureName: 'm😀', MeasureValue: '-0', Time: '1', Dimensions: [{ Name: 'é', Value: '\u2028' }] },
      ]),
    ],
    [
      'a record with members the hand renderer does not know',
      batchOf({ ...TYPES, Time: '5' }, [{ MeasureName: 'm', MeasureValue: '1', Version: 3 }]),
    ],
    [
      'no common dimensions, measure name or time',
      batchOf({ ...TYPES }, [{ MeasureName: 'a', MeasureValue: '1.5', Time: '2' }]),
    ],
  ];

  it.each(realistic.map((batch, i) => [i, batch] as const))(
    'realistic batch %d parses to what the SDK sends',
    async (_i, batch) => {
      expect(JSON.parse(renderWriteRecordsBody(TARGET, batch))).toEqual(JSON.parse(await sdkBody(batch)));
    },
  );

  it.each(edge)('%s: parses to what the SDK sends', async (_name, batch) => {
    expect(JSON.parse(renderWriteRecordsBody(TARGET, batch))).toEqual(JSON.parse(await sdkBody(batch)));
  });
});

describe('signPost', () => {
  const date = new Date('2026-11-22T04:05:06.789Z');
  it.each([
    ['long-term credentials', CREDENTIALS],
    ['session credentials', { ...CREDENTIALS, sessionToken: 'FwoGZXIvYXdzEJr//////////wEaD token' }],
  ])('signs exactly like @smithy/signature-v4 with %s', async (_name, credentials) => {
    const body = '{"DatabaseName":"db","Records":[{"MeasureValue":"1"}]}';
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': String(Buffer.byteLength(body)),
      'x-amz-target': 'Timestream_20181101.WriteRecords',
    };
    const ours = signPost({
      credentials,
      region: 'eu-west-1',
      service: 'timestream',
      host: 'ingest-cell2.timestream.eu-west-1.amazonaws.com',
      headers,
      body,
      date,
    });
    const signer = new SignatureV4({
      credentials,
      region: 'eu-west-1',
      service: 'timestream',
      sha256: SDK_SHA256,
    });
    const theirs = (await signer.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: 'ingest-cell2.timestream.eu-west-1.amazonaws.com',
        path: '/',
        query: {},
        headers: { ...headers, host: 'ingest-cell2.timestream.eu-west-1.amazonaws.com' },
        body,
      } as never,
      { signingDate: date },
    )) as unknown as HttpRequest;
    expect(ours).toEqual(theirs.headers);
  });
});

describe('signPost HMAC', () => {
  // Regions that put the string to sign (132 characters plus the region) at the end of the
  // preallocated HMAC buffer (the one-shot hash path, up to 320) and past it (createHmac).
  it.each([
    ['short', 'eu-west-1'],
    ['at the one-shot limit', 'r'.repeat(188)],
    ['past the one-shot limit', 'r'.repeat(189)],
    ['non-ASCII', 'région-€'],
  ])('signs exactly like @smithy/signature-v4 with a %s region', async (_name, region) => {
    const date = new Date('2026-11-22T04:05:06.789Z');
    const body = '{"DatabaseName":"db"}';
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'T' };
    const host = 'ingest.example.com';
    const sign = () =>
      signPost({ credentials: CREDENTIALS, region, service: 'timestream', host, headers, body, date });
    const signer = new SignatureV4({
      credentials: CREDENTIALS,
      region,
      service: 'timestream',
      sha256: SDK_SHA256,
    });
    const theirs = (await signer.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: host,
        path: '/',
        query: {},
        headers: { ...headers, host },
        body,
      } as never,
      { signingDate: date },
    )) as unknown as HttpRequest;
    expect(sign()).toEqual(theirs.headers);
    expect(sign()).toEqual(theirs.headers); // the cached key's buffers give the same again
  });
});

describe('WriteRecordsSender', () => {
  const batch = batchOf({ ...TYPES, MeasureName: 'up', Time: '1000' }, [
    { MeasureValue: '1', Dimensions: [{ Name: 'job', Value: 'node' }] },
    { MeasureValue: '0', Dimensions: [{ Name: 'job', Value: 'api' }] },
  ]);

  it('sends one signed request with the rendered body and stops on 200', async () => {
    const { handler, seen } = scriptedHandler();
    const sender = new WriteRecordsSender(sdkClient(handler, 'http://127.0.0.1:9202'), {
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9202',
      handler,
    });
    await sender.send(TARGET, batch);
    expect(seen).toHaveLength(1);
    const { request } = seen[0];
    expect([request.protocol, request.hostname, request.port, request.method, request.path]).toEqual([
      'http:',
      '127.0.0.1',
      9202,
      'POST',
      '/',
    ]);
    expect(request.body).toBe(renderWriteRecordsBody(TARGET, batch));
    expect(request.headers['x-amz-target']).toBe('Timestream_20181101.WriteRecords');
    expect(request.headers.host).toBe('127.0.0.1:9202');
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
  });

  it('answers an error the same call would meet again with the SDK’s exception, without sending it again', async () => {
    const { handler, seen } = scriptedHandler([400, 400]);
    const sender = new WriteRecordsSender(sdkClient(handler, 'http://127.0.0.1:9202'), {
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9202',
      handler,
    });
    const error = await sender.send(TARGET, batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedRecordsException);
    const rejected = error as RejectedRecordsException;
    expect([rejected.name, rejected.message, rejected.$metadata.httpStatusCode]).toEqual([
      'RejectedRecordsException',
      'One or more records have been rejected.',
      400,
    ]);
    expect(rejected.RejectedRecords).toEqual([{ RecordIndex: 0, Reason: 'test' }]);
    expect(seen).toHaveLength(1);
  });

  it.each([
    { type: 'ValidationException', status: 400, sent: 1, error: ValidationException },
    { type: 'AccessDeniedException', status: 403, sent: 1, error: AccessDeniedException },
    { type: 'ResourceNotFoundException', status: 404, sent: 1, error: ResourceNotFoundException },
    // Worth another attempt: the SDK redoes the call (its retries, here none), and the error is its own.
    { type: 'ThrottlingException', status: 400, sent: 2, error: ThrottlingException },
    { type: 'InternalServerException', status: 500, sent: 2, error: InternalServerException },
  ])('answers $type of a $status after $sent call(s)', async ({ type, status, sent, error }) => {
    const { handler, seen } = scriptedHandler([status, status], undefined, type);
    const sender = new WriteRecordsSender(sdkClient(handler, 'http://127.0.0.1:9202'), {
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9202',
      handler,
    });
    const thrown = await sender.send(TARGET, batch).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(error);
    const { name, $metadata } = thrown as ValidationException;
    expect([name, $metadata.httpStatusCode]).toEqual([type, status]);
    expect(seen).toHaveLength(sent);
    if (sent === 2)
      expect(JSON.parse(bodyText(seen[1].request))).toEqual(JSON.parse(bodyText(seen[0].request)));
  });

  it.each([
    { name: 'Message', body: { Message: 'Capitalised' }, message: 'Capitalised' },
    { name: 'message', body: { message: 'lower' }, message: 'lower' },
    { name: 'message before Message', body: { Message: 'Capitalised', message: 'lower' }, message: 'lower' },
    { name: 'neither', body: {}, message: 'UnknownError' },
  ])('takes the exception’s message from $name, as the SDK does', async ({ body, message }) => {
    const handler: RequestHandlerLike = {
      handle: async () => ({
        response: {
          statusCode: 400,
          body: Buffer.from(
            JSON.stringify({ __type: 'com.amazonaws.timestream#ValidationException', ...body }),
          ),
        },
      }),
    };
    const sender = new WriteRecordsSender(sdkClient(handler, 'http://127.0.0.1:9202'), {
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9202',
      handler,
    });
    const thrown = await sender.send(TARGET, batch).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ValidationException);
    expect((thrown as ValidationException).message).toBe(message);
    expect((thrown as ValidationException).Message).toBeUndefined();
  });

  it('lets the SDK redo a call whose fast attempt failed in transport', async () => {
    const { handler, seen } = scriptedHandler();
    let calls = 0;
    const flaky: RequestHandlerLike = {
      handle: async (request, options) => {
        if (calls++ === 0) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return handler.handle(request, options);
      },
    };
    const sender = new WriteRecordsSender(sdkClient(handler, 'http://127.0.0.1:9202'), {
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9202',
      handler: flaky,
    });
    await sender.send(TARGET, batch);
    expect([calls, seen.length]).toEqual([1, 1]);
  });

  it('rethrows when the caller aborted, without another attempt', async () => {
    const controller = new AbortController();
    const { handler, seen } = scriptedHandler();
    const aborting: RequestHandlerLike = {
      handle: async () => {
        controller.abort();
        throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      },
    };
    const sender = new WriteRecordsSender(sdkClient(handler, 'http://127.0.0.1:9202'), {
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9202',
      handler: aborting,
    });
    await expect(sender.send(TARGET, batch, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(0);
  });

  it('redoes every call of a host with a skewed clock in Timestream’s time, learnt from the fast attempt', async () => {
    // Timestream ten minutes ahead of this host: it refuses a signature more than 5 minutes off its
    // own time, and every answer carries its time in Date, from which the SDK learns the offset.
    const SKEW_MS = 600_000;
    const seen: string[] = [];
    const handler: RequestHandlerLike & { updateHttpClientConfig(): void; httpHandlerConfigs(): object } = {
      handle: async (request) => {
        const amzDate = String(request.headers['x-amz-date']);
        seen.push(amzDate);
        const signedMs = Date.parse(
          amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
        );
        const serverMs = Date.now() + SKEW_MS;
        const expired = Math.abs(serverMs - signedMs) > 300_000;
        return {
          response: {
            statusCode: expired ? 403 : 200,
            reason: '',
            headers: { 'content-type': 'application/x-amz-json-1.0', date: new Date(serverMs).toUTCString() },
            body: Buffer.from(
              expired
                ? '{"__type":"InvalidSignatureException","message":"Signature expired"}'
                : '{"RecordsIngested":{"Total":2}}',
            ),
          },
        } as never;
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };
    const sender = new WriteRecordsSender(sdkClient(handler, 'http://127.0.0.1:9202'), {
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9202',
      handler,
    });
    // The refused fast attempt corrects the client's clock, so the SDK, allowed no retry here, redoes
    // each of 100 calls at once in Timestream's time: none is left refused (a 401 that dropped them).
    await Promise.all(Array.from({ length: 100 }, () => sender.send(TARGET, batch)));
    expect(seen).toHaveLength(200);
    expect(Math.abs(sender.client.config.systemClockOffset - SKEW_MS)).toBeLessThan(60_000);
    // From then on, the fast attempt is signed in Timestream's time and accepted at once.
    await sender.send(TARGET, batch);
    expect(seen).toHaveLength(201);
  });

  it('hands the caller’s signal to the SDK when it redoes the call', async () => {
    const controller = new AbortController();
    const signals: Array<AbortSignal | undefined> = [];
    const { handler } = scriptedHandler([500], undefined, 'InternalServerException');
    const watching: typeof handler = {
      ...handler,
      handle: (request, options) => {
        signals.push(options?.abortSignal);
        return handler.handle(request, options);
      },
    };
    const sender = new WriteRecordsSender(sdkClient(watching, 'http://127.0.0.1:9202'), {
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9202',
      handler: watching,
    });
    await sender.send(TARGET, batch, controller.signal);
    // The deadline must bound the SDK's attempt too, or a slow store outlives the invocation.
    expect(signals).toHaveLength(2);
    expect(signals.map((s) => s?.aborted)).toEqual([false, false]);
    controller.abort();
    expect(signals.map((s) => s?.aborted)).toEqual([true, true]);
  });

  it.each([
    { name: 'no endpoint', endpoints: [] },
    { name: 'an endpoint without an address', endpoints: [{ CachePeriodInMinutes: 1 }] },
  ])(
    'lets the SDK do the call, without a fast attempt, when DescribeEndpoints names $name',
    async ({ endpoints }) => {
      const discovery = scriptedHandler([], JSON.stringify({ Endpoints: endpoints }));
      const { handler, seen } = scriptedHandler();
      const sender = new WriteRecordsSender(sdkClient(discovery.handler, 'http://127.0.0.1:9'), {
        region: 'us-east-1',
        handler,
      });
      await sender.send(TARGET, batch);
      expect(seen).toHaveLength(0);
      expect(discovery.seen.map((c) => c.request.headers['x-amz-target'])).toEqual([
        'Timestream_20181101.DescribeEndpoints',
        'Timestream_20181101.WriteRecords',
      ]);
    },
  );

  it('uses a discovered endpoint for the cache period DescribeEndpoints gives, to the millisecond', async () => {
    const { discovery, seen, sender, clock } = discoveringSender(5);
    const discoveries: number[] = [];
    // Past the default period of one minute but inside the given five, then expired.
    for (const step of [0, 5 * 60_000 - 1, 1]) {
      clock.now += step;
      await sender.send(TARGET, batch);
      discoveries.push(discovery.seen.length);
    }
    expect([discoveries, seen.length]).toEqual([[1, 1, 2], 3]);
  });

  it('discovers the endpoint once with DescribeEndpoints and reuses it until it expires', async () => {
    const { discovery, seen, sender, clock } = discoveringSender(1);
    await sender.send(TARGET, batch);
    await sender.send(TARGET, batch);
    clock.now += 60_001;
    await sender.send(TARGET, batch);
    expect(discovery.seen.map((c) => c.request.headers['x-amz-target'])).toEqual([
      'Timestream_20181101.DescribeEndpoints',
      'Timestream_20181101.DescribeEndpoints',
    ]);
    expect(seen.map((c) => `${c.request.protocol}//${c.request.headers.host}`)).toEqual([
      'https://ingest-cell1.timestream.us-east-1.amazonaws.com',
      'https://ingest-cell1.timestream.us-east-1.amazonaws.com',
      'https://ingest-cell1.timestream.us-east-1.amazonaws.com',
    ]);
  });
});
