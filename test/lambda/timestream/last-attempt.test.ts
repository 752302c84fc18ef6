// SPDX-License-Identifier: Apache-2.0
// A call stopped by its abort signal (a Lambda deadline) while Timestream kept refusing its
// attempts: the SDK rejects with a bare AbortError, and the answer must still say what the attempts
// failed with. Through the real SDK client and its retry loop, with a scripted request handler.
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { fromAwsError } from '../../../lambda/timestream/errors';
import type { WriteBatch } from '../../../lambda/timestream/batches';
import { WriteRecordsSender, type RequestHandlerLike } from '../../../lambda/timestream/write-sender';

const TARGET = { database: 'PrometheusDatabase', table: 'PrometheusMetricsTable' };
const BATCH: WriteBatch = {
  commonAttributes: { MeasureName: 'up', MeasureValueType: 'DOUBLE', TimeUnit: 'MILLISECONDS' },
  records: [{ MeasureValue: '1', Time: '1767225600000' }],
  sampleCount: 1,
};

/** Answers every request with Timestream's ThrottlingException; `onRequest` runs first, given the request count. */
function throttlingHandler(onRequest: (count: number, signal?: AbortSignal) => void = () => undefined) {
  let count = 0;
  const handler: RequestHandlerLike & { updateHttpClientConfig(): void; httpHandlerConfigs(): object } = {
    handle: async (_request, options) => {
      onRequest(++count, options?.abortSignal);
      if (options?.abortSignal?.aborted)
        throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
      return {
        response: {
          statusCode: 400,
          reason: '',
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Buffer.from(
            JSON.stringify({
              __type: 'com.amazonaws.timestream.v20181101#ThrottlingException',
              message: 'Rate exceeded',
            }),
          ),
        },
      } as never;
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  return { handler, count: () => count };
}

/** A sender whose fast attempt and SDK attempts (up to 5, no backoff) all go to `sdkHandler`'s kind of answer. */
function sender(sdkHandler: RequestHandlerLike) {
  const client = new TimestreamWriteClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    retryStrategy: new ConfiguredRetryStrategy(5, () => 0),
    requestHandler: sdkHandler as never,
  });
  return new WriteRecordsSender(client, {
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    handler: throttlingHandler().handler,
  });
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return fromAwsError(error, 'WriteRecords').message;
  }
  throw new Error('the call succeeded');
}

describe('WriteRecordsSender stopped by its signal while Timestream throttles', () => {
  test("its failure names the last attempt's ThrottlingException after the AbortError", async () => {
    const deadline = new AbortController();
    // The third SDK attempt finds the deadline passed, as one after a backoff would.
    const sdk = throttlingHandler((count) => {
      if (count === 3) deadline.abort();
    });
    expect(await failure(sender(sdk.handler).send(TARGET, BATCH, deadline.signal))).toBe(
      'Timestream WriteRecords failed: AbortError: Request aborted ' +
        '(stopped after an attempt failed with ThrottlingException: Rate exceeded)',
    );
    expect(sdk.count()).toBe(3);
  });

  test('stopped before any SDK attempt failed, it is the AbortError alone', async () => {
    const deadline = new AbortController();
    const sdk = throttlingHandler((count) => {
      if (count === 1) deadline.abort();
    });
    expect(await failure(sender(sdk.handler).send(TARGET, BATCH, deadline.signal))).toBe(
      'Timestream WriteRecords failed: AbortError: Request aborted',
    );
  });

  test("not stopped, the SDK's own last error is the failure, as before", async () => {
    const sdk = throttlingHandler();
    expect(await failure(sender(sdk.handler).send(TARGET, BATCH, new AbortController().signal))).toBe(
      'Timestream WriteRecords failed: ThrottlingException: Rate exceeded',
    );
    expect(sdk.count()).toBe(5);
  });
});
