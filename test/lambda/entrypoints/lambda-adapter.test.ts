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
