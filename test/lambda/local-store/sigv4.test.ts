// SPDX-License-Identifier: Apache-2.0
import { createHash, createHmac } from 'node:crypto';
import { StoreError } from '../../../lambda/local-store/errors';
import { authenticate, canonicalRequest, type SignedRequest } from '../../../lambda/local-store/sigv4';

const KEY = { accessKeyId: 'AKIDUNIT', secretAccessKey: 'unit-secret' };
const body = Buffer.from('{"QueryString":"SELECT 1"}');
const bodyHash = createHash('sha256').update(body).digest('hex');

function signed(secret = KEY.secretAccessKey, extra: Record<string, string> = {}): SignedRequest {
  const headers: Record<string, string> = {
    host: '127.0.0.1:9202',
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-date': '20260101T000000Z',
    'x-amz-target': 'Timestream_20181101.Query',
    ...extra,
  };
  const signedHeaders = Object.keys(headers).sort().join(';');
  const request = { method: 'POST', url: '/', headers, body };
  const scope = '20260101/us-east-1/timestream/aws4_request';
  const canonical = canonicalRequest(request, signedHeaders);
  const toSign = [
    'AWS4-HMAC-SHA256',
    '20260101T000000Z',
    scope,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update('20260101').digest();
  for (const part of ['us-east-1', 'timestream', 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${KEY.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return request;
}

test('builds the canonical request from method, path, sorted query, signed headers and body hash', () => {
  const request = {
    method: 'post',
    url: '/a%20b/?z=1&a=x%2Fy&a=b',
    headers: { host: 'h', 'x-amz-date': '  20260101T000000Z  ', 'x-amz-target': 'T   a' },
    body,
  };
  expect(canonicalRequest(request, 'host;x-amz-date;x-amz-target')).toBe(
    [
      'POST',
      '/a%20b/',
      'a=b&a=x%2Fy&z=1',
      'host:h\nx-amz-date:20260101T000000Z\nx-amz-target:T a\n',
      'host;x-amz-date;x-amz-target',
      bodyHash,
    ].join('\n'),
  );
});

test('accepts a correctly signed request in strict mode, with and without a content hash header', () => {
  expect(authenticate(signed(), [KEY])).toEqual({ accessKeyId: 'AKIDUNIT', deny: false });
  expect(
    authenticate(signed(undefined, { 'x-amz-content-sha256': bodyHash }), [{ ...KEY, deny: true }]),
  ).toEqual({ accessKeyId: 'AKIDUNIT', deny: true });
});

test.each([
  {
    name: 'no Authorization',
    request: { method: 'POST', url: '/', headers: {}, body },
    error: new StoreError('MissingAuthenticationTokenException', 'Missing Authentication Token'),
  },
  {
    name: 'another service in the scope',
    request: {
      method: 'POST',
      url: '/',
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
      },
      body,
    },
    error: new StoreError(
      'InvalidSignatureException',
      'Authorization header is not a valid AWS4-HMAC-SHA256 signature for service timestream: AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/s3/aws4_request',
    ),
  },
  {
    name: 'a signature with the wrong secret',
    request: signed('other-secret'),
    error: new StoreError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    ),
  },
  {
    name: 'a content hash that does not match the body',
    request: signed(undefined, { 'x-amz-content-sha256': '0'.repeat(64) }),
    error: new StoreError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    ),
  },
])('refuses $name in strict mode', ({ request, error }) => {
  expect(() => authenticate(request, [KEY])).toThrow(error);
});

test('accepts any well-formed signature without configured credentials, and no unknown key in strict mode', () => {
  const request = signed('whatever');
  expect(authenticate(request, undefined)).toEqual({ accessKeyId: 'AKIDUNIT', deny: false });
  expect(() => authenticate(request, [{ accessKeyId: 'OTHER', secretAccessKey: 'x' }])).toThrow(
    new StoreError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
  );
});

test.each(['/?%ZZ', '/?a=%E0%A4%A', '/%ZZ'])(
  'refuses the malformed escapes of %s as a signature mismatch in strict mode (a URIError was a 500)',
  (url) => {
    const request = { ...signed(), url };
    expect(() => authenticate(request, [KEY])).toThrow(
      new StoreError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      ),
    );
  },
);
