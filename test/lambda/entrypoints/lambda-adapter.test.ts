// SPDX-License-Identifier: Apache-2.0
import type { HttpRequest, RequestHandler } from '../../../lambda/core/http';
import { createLambdaHandler } from '../../../lambda/entrypoints/lambda-adapter';

function event(body: Buffer) {
  return {
    version: '2.0',
    rawPath: '/dev/write',
    requestContext: { stage: 'dev', http: { method: 'POST' } },
    headers: { 'content-encoding': 'snappy' },
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
}

function recorder(): { handle: RequestHandler; seen: HttpRequest[] } {
  const seen: HttpRequest[] = [];
  const handle: RequestHandler = async (request) => {
    seen.push(request);
    return { status: 204, headers: {}, body: '' };
  };
  return { handle, seen };
}

describe('createLambdaHandler: max_body_bytes', () => {
  test('a decoded body over the limit reaches the core empty and marked oversize', async () => {
    const { handle, seen } = recorder();
    const lambda = createLambdaHandler(handle, undefined, { maxBodyBytes: 100 });
    await lambda(event(Buffer.alloc(101, 7)));
    expect(seen[0].body.byteLength).toBe(0);
    expect(seen[0].oversizeBody).toEqual({ limitBytes: 100, option: 'max_body_bytes' });
  });

  test('a body at the limit (base64 text longer than the limit) is passed on whole', async () => {
    const { handle, seen } = recorder();
    const lambda = createLambdaHandler(handle, undefined, { maxBodyBytes: 100 });
    await lambda(event(Buffer.alloc(100, 7)));
    expect(seen[0].body.byteLength).toBe(100);
    expect(seen[0].oversizeBody).toBeUndefined();
  });

  test('without a limit nothing is marked', async () => {
    const { handle, seen } = recorder();
    await createLambdaHandler(handle)(event(Buffer.alloc(5000, 7)));
    expect(seen[0].body.byteLength).toBe(5000);
    expect(seen[0].oversizeBody).toBeUndefined();
  });
});

describe('createLambdaHandler: deadline', () => {
  afterEach(() => jest.restoreAllMocks());

  test.each<{ name: string; context?: { getRemainingTimeInMillis?: () => number }; deadlineMs?: number }>([
    {
      name: 'now plus the time Lambda has left',
      context: { getRemainingTimeInMillis: () => 30_000 },
      deadlineMs: 1_030_000,
    },
    { name: 'none without a context' },
    { name: 'none for a context without getRemainingTimeInMillis', context: {} },
  ])('gives the request a deadline: $name', async ({ context, deadlineMs }) => {
    jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    const { handle, seen } = recorder();
    await createLambdaHandler(handle)(event(Buffer.alloc(1)), context);
    expect(seen[0].deadlineMs).toBe(deadlineMs);
  });
});

describe('createLambdaHandler: afterEach', () => {
  test('runs once per invocation, after the handler answered', async () => {
    const calls: string[] = [];
    const handle: RequestHandler = async () => {
      calls.push('handle');
      return { status: 204, headers: {}, body: '' };
    };
    const lambda = createLambdaHandler(handle, () => calls.push('afterEach'));
    await lambda(event(Buffer.alloc(1)));
    await lambda(event(Buffer.alloc(1)));
    expect(calls).toEqual(['handle', 'afterEach', 'handle', 'afterEach']);
  });

  test('runs once when the handler throws, and the error reaches Lambda unchanged', async () => {
    const failure = new Error('boom');
    let runs = 0;
    const lambda = createLambdaHandler(
      async () => {
        throw failure;
      },
      () => void runs++,
    );
    await expect(lambda(event(Buffer.alloc(1)))).rejects.toBe(failure);
    expect(runs).toBe(1);
  });
});

test('answers with the core response as an API Gateway result, a binary body base64-encoded', async () => {
  const lambda = createLambdaHandler(async () => ({
    status: 200,
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    body: Uint8Array.of(0xff, 0x00),
  }));
  expect(await lambda(event(Buffer.alloc(1)))).toEqual({
    statusCode: 200,
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    body: '/wA=',
    isBase64Encoded: true,
  });
});
