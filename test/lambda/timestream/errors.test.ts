// SPDX-License-Identifier: Apache-2.0
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { awsErrorName, classifyAwsError, fromAwsError } from '../../../lambda/timestream/errors';

const sdkError = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });

describe('classifyAwsError', () => {
  test.each([
    { name: 'ThrottlingException', error: sdkError('ThrottlingException', 429), kind: 'retryable' },
    { name: 'InternalServerException', error: sdkError('InternalServerException', 500), kind: 'retryable' },
    { name: 'an unknown 502', error: sdkError('BadGateway', 502), kind: 'retryable' },
    { name: 'InvalidEndpointException', error: sdkError('InvalidEndpointException', 421), kind: 'retryable' },
    {
      name: 'a socket reset (no metadata)',
      error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      kind: 'retryable',
    },
    { name: 'an SDK timeout', error: sdkError('TimeoutError'), kind: 'retryable' },
    { name: 'an abort', error: sdkError('AbortError'), kind: 'retryable' },
    // As @smithy/property-provider throws it, without metadata.
    {
      name: 'the connector could not load its own credentials',
      error: sdkError('CredentialsProviderError'),
      kind: 'retryable',
    },
    { name: 'AccessDeniedException', error: sdkError('AccessDeniedException', 403), kind: 'forbidden' },
    {
      name: 'UnrecognizedClientException',
      error: sdkError('UnrecognizedClientException', 403),
      kind: 'unauthorized',
    },
    {
      name: 'InvalidSignatureException',
      error: sdkError('InvalidSignatureException', 403),
      kind: 'unauthorized',
    },
    { name: 'ExpiredTokenException', error: sdkError('ExpiredTokenException', 403), kind: 'unauthorized' },
    {
      name: 'ResourceNotFoundException',
      error: sdkError('ResourceNotFoundException', 404),
      kind: 'not_found',
    },
    { name: 'ValidationException', error: sdkError('ValidationException', 400), kind: 'bad_request' },
    {
      name: 'RejectedRecordsException',
      error: sdkError('RejectedRecordsException', 419),
      kind: 'bad_request',
    },
    // The rest of the models' client faults (reference/timestream-facts.md 3.8): none is named by
    // the status rules below, where a 402 or a 409 would be retried (503) forever.
    {
      name: 'ServiceQuotaExceededException',
      error: sdkError('ServiceQuotaExceededException', 402),
      kind: 'bad_request',
    },
    { name: 'ConflictException', error: sdkError('ConflictException', 409), kind: 'bad_request' },
    { name: 'QueryExecutionException', error: sdkError('QueryExecutionException', 400), kind: 'bad_request' },
    {
      name: 'a retryable-flagged error of any name',
      error: sdkError('Whatever', 400, { $retryable: {} }),
      kind: 'retryable',
    },
    { name: 'a non-object', error: 'boom', kind: 'retryable' },
    // AWS's Common Errors, with the 400 the Timestream developer guide gives them.
    { name: 'NotAuthorized', error: sdkError('NotAuthorized', 400), kind: 'forbidden' },
    { name: 'IncompleteSignature', error: sdkError('IncompleteSignature', 400), kind: 'unauthorized' },
    { name: 'ValidationError', error: sdkError('ValidationError', 400), kind: 'bad_request' },
    {
      name: 'RequestExpired (the SDK corrects its clock)',
      error: sdkError('RequestExpired', 400),
      kind: 'retryable',
    },
  ])('maps $name to $kind', ({ error, kind }) => {
    expect(classifyAwsError(error)).toBe(kind);
  });

  test('fromAwsError keeps one line of the SDK message and names the operation', () => {
    const error = fromAwsError(
      sdkError('ValidationException', 400, { message: 'line 1:5:\nbad\tthing' }),
      'Query',
    );
    expect(error.status).toBe(400);
    expect(error.message).toBe('Timestream Query failed: ValidationException: line 1:5: bad thing');
  });

  describe('when the SDK could not discover an endpoint', () => {
    /** What WriteRecords rejects with when DescribeEndpoints is answered `status` with `type`. */
    async function discoveryError(type: string, status: number): Promise<unknown> {
      const answered: string[] = [];
      const client = new TimestreamWriteClient({
        region: 'us-east-1', // no endpoint: the SDK discovers one, as on AWS by default
        credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'secret' },
        maxAttempts: 1,
        requestHandler: {
          handle: async (request: { headers: Record<string, string> }) => {
            answered.push(request.headers['x-amz-target']);
            return {
              response: {
                statusCode: status,
                headers: { 'content-type': 'application/x-amz-json-1.0' },
                body: Buffer.from(JSON.stringify({ __type: type, message: `${type} said no` })),
              },
            };
          },
          updateHttpClientConfig: () => undefined,
          httpHandlerConfigs: () => ({}),
        } as never,
      });
      const error = await client
        .send(new WriteRecordsCommand({ DatabaseName: 'db', TableName: 't', Records: [] }))
        .catch((e: unknown) => e);
      client.destroy();
      expect(answered).toEqual(['Timestream_20181101.DescribeEndpoints']);
      return error;
    }

    it.each([
      { type: 'UnrecognizedClientException', status: 400, answer: 401 },
      { type: 'AccessDeniedException', status: 400, answer: 403 },
      { type: 'ThrottlingException', status: 400, answer: 503 },
      { type: 'InternalServerException', status: 500, answer: 503 },
    ])(
      'answers DescribeEndpoints’ $type ($status) with $answer, naming it',
      async ({ type, status, answer }) => {
        const failure = fromAwsError(await discoveryError(type, status), 'WriteRecords');
        expect([failure.status, failure.message]).toEqual([
          answer,
          `Timestream WriteRecords failed: DescribeEndpoints: ${type}: ${type} said no`,
        ]);
      },
    );

    it('names the failure by DescribeEndpoints’ error, as the calls counter labels its outcome', async () => {
      const error = await discoveryError('UnrecognizedClientException', 400);
      expect([(error as Error).name, awsErrorName(error)]).toEqual(['Error', 'UnrecognizedClientException']);
    });
  });
});

describe('awsErrorName', () => {
  test('names an SDK error whose __type names no error Error, never an empty outcome label', async () => {
    const client = new TimestreamWriteClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      maxAttempts: 1,
      requestHandler: {
        handle: async () => ({
          response: {
            statusCode: 400,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Buffer.from(
              JSON.stringify({ __type: 'com.amazonaws.timestream.v20181101#', message: 'x' }),
            ),
          },
        }),
        updateHttpClientConfig: () => undefined,
        httpHandlerConfigs: () => ({}),
      } as never,
    });
    const error = await client
      .send(new WriteRecordsCommand({ DatabaseName: 'db', TableName: 't', Records: [] }))
      .catch((e: unknown) => e);
    client.destroy();
    expect([(error as Error).name, awsErrorName(error)]).toEqual(['', 'Error']);
  });

  test('keeps a name the error has, and names one without any Error', () => {
    expect(awsErrorName(sdkError('ThrottlingException', 400))).toBe('ThrottlingException');
    expect(awsErrorName('a string')).toBe('Error');
  });
});
