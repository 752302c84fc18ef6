// SPDX-License-Identifier: Apache-2.0
import { createHash, createHmac } from 'node:crypto';
import { StoreError } from '../../../lambda/local-store/errors';
import {
  authenticate as authenticateAt,
  canonicalRequest,
  type SignedRequest,
  type StoreCredential,
} from '../../../lambda/local-store/sigv4';
import { refusal } from './store-refusal';

/** The store's clock when the requests below, signed at 2026-01-01T00:00:00Z, arrive. */
const SIGNED_AT = Date.UTC(2026, 0, 1);
const authenticate = (
  request: SignedRequest,
  credentials: readonly StoreCredential[] | undefined,
  nowMs = SIGNED_AT,
) => authenticateAt(request, credentials, nowMs);

const KEY = { accessKeyId: 'AKIDUNIT', secretAccessKey: 'unit-secret' };
const body = Buffer.from('{"QueryString":"SELECT 1"}');
const bodyHash = createHash('sha256').update(body).digest('hex');

const outcome = ({ type, message, status }: StoreError) => ({ type, message, status });

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
      "Credential should be scoped to correct service: 'timestream'.",
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
  {
    // AWS refuses a session token sent with a long-term key rather than ignoring it.
    name: 'a session token sent with a key that has none',
    request: signed(undefined, { 'x-amz-security-token': 'token-1' }),
    error: new StoreError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    ),
  },
])('refuses $name in strict mode', ({ request, error }) => {
  expect(refusal(() => authenticate(request, [KEY]))).toEqual(outcome(error));
});

test('accepts any well-formed signature without configured credentials, and no unknown key in strict mode', () => {
  const request = signed('whatever');
  expect(authenticate(request, undefined)).toEqual({ accessKeyId: 'AKIDUNIT', deny: false });
  expect(refusal(() => authenticate(request, [{ accessKeyId: 'OTHER', secretAccessKey: 'x' }]))).toEqual(
    outcome(
      new StoreError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
    ),
  );
});

test.each(['/?%ZZ', '/?a=%E0%A4%A', '/%ZZ'])(
  'refuses the malformed escapes of %s as a signature mismatch in strict mode (a URIError was a 500)',
  (url) => {
    const request = { ...signed(), url };
    expect(refusal(() => authenticate(request, [KEY]))).toEqual(
      outcome(
        new StoreError(
          'InvalidSignatureException',
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
        ),
      ),
    );
  },
);

const SIGNATURE_MISMATCH = new StoreError(
  'InvalidSignatureException',
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
);

interface Signing {
  secret?: string;
  region?: string;
  day?: string;
  amzDate?: string;
  extra?: Record<string, string>;
  /** Headers sent but left out of the signature. */
  unsigned?: string[];
  /** The header that carries the request time. */
  dateHeader?: 'x-amz-date' | 'date';
}

/**
 * Signs `POST /` as the SigV4 specification does, without the module's canonicalRequest, so a
 * change to how the store builds the canonical request cannot change the signature here too.
 */
function independentlySigned({
  secret = KEY.secretAccessKey,
  region = 'us-east-1',
  day = '20260101',
  amzDate = `${day}T000000Z`,
  extra = {},
  unsigned = [],
  dateHeader = 'x-amz-date',
}: Signing = {}): SignedRequest & { headers: Record<string, string> } {
  const headers: Record<string, string> = {
    host: '127.0.0.1:9202',
    'content-type': 'application/x-amz-json-1.0',
    [dateHeader]: amzDate,
    'x-amz-target': 'Timestream_20181101.Query',
    ...extra,
  };
  const names = Object.keys(headers)
    .filter((name) => !unsigned.includes(name))
    .sort();
  const signedHeaders = names.join(';');
  const canonical = [
    'POST',
    '/',
    '',
    names.map((name) => `${name}:${headers[name]}\n`).join(''),
    signedHeaders,
    headers['x-amz-content-sha256'] ?? bodyHash,
  ].join('\n');
  const scope = `${day}/${region}/timestream/aws4_request`;
  const toSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(day).digest();
  for (const part of [region, 'timestream', 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${KEY.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { method: 'POST', url: '/', headers, body };
}

test.each<{ name: string; signing: Signing; nowMs?: number }>([
  { name: 'in another region', signing: { region: 'eu-west-1' } },
  { name: 'on another day', signing: { day: '20261231' }, nowMs: Date.UTC(2026, 11, 31) },
  {
    name: 'with an UNSIGNED-PAYLOAD content hash',
    signing: { extra: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
  },
  { name: 'with the body hash declared', signing: { extra: { 'x-amz-content-sha256': bodyHash } } },
  { name: 'with a session token', signing: { extra: { 'x-amz-security-token': 'token-1' } } },
])('accepts a request signed $name in strict mode', ({ signing, nowMs }) => {
  const credentials = [
    { ...KEY, ...(signing.extra?.['x-amz-security-token'] ? { sessionToken: 'token-1' } : {}) },
  ];
  expect(authenticate(independentlySigned(signing), credentials, nowMs)).toEqual({
    accessKeyId: 'AKIDUNIT',
    deny: false,
  });
});

test('accepts any well-formed signature with an empty list of credentials', () => {
  expect(authenticate(independentlySigned({ secret: 'whatever' }), [])).toEqual({
    accessKeyId: 'AKIDUNIT',
    deny: false,
  });
});

const authorizationOf = (request: SignedRequest) => String(request.headers.authorization);

test.each<{ name: string; alter: (request: SignedRequest & { headers: Record<string, string> }) => void }>([
  {
    name: 'the scope region',
    alter: (r) => (r.headers.authorization = authorizationOf(r).replace('/us-east-1/', '/us-west-2/')),
  },
  { name: 'the x-amz-date header', alter: (r) => (r.headers['x-amz-date'] = '20260101T000001Z') },
  {
    name: 'a signed header value',
    alter: (r) => (r.headers['x-amz-target'] = 'Timestream_20181101.WriteRecords'),
  },
  {
    name: 'the list of signed headers',
    alter: (r) => (r.headers.authorization = authorizationOf(r).replace('content-type;', '')),
  },
  { name: 'the body', alter: (r) => (r.body = Buffer.from('{"QueryString":"SELECT 2"}')) },
  {
    name: 'the method',
    alter: (r) => (r.method = 'PUT'),
  },
  {
    name: 'the query string',
    alter: (r) => (r.url = '/?a=b'),
  },
  {
    name: 'the signature',
    alter: (r) =>
      (r.headers.authorization = authorizationOf(r).replace(
        /Signature=(.)/,
        (_, c: string) => `Signature=${c === '0' ? '1' : '0'}`,
      )),
  },
])('refuses a request with $name changed after signing in strict mode', ({ alter }) => {
  const request = independentlySigned();
  expect(authenticate(request, [KEY])).toEqual({ accessKeyId: 'AKIDUNIT', deny: false });
  alter(request);
  expect(refusal(() => authenticate(request, [KEY]))).toEqual(outcome(SIGNATURE_MISMATCH));
});

test('refuses a declared content hash swapped for UNSIGNED-PAYLOAD after signing', () => {
  const request = independentlySigned({ extra: { 'x-amz-content-sha256': bodyHash } });
  request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  request.headers.authorization = authorizationOf(request).replace('x-amz-content-sha256;', '');
  expect(refusal(() => authenticate(request, [KEY]))).toEqual(outcome(SIGNATURE_MISMATCH));
});

test('refuses a request signed by another known key under this key id', () => {
  const request = independentlySigned({ secret: 'second-secret' });
  expect(
    refusal(() =>
      authenticate(request, [KEY, { accessKeyId: 'AKIDSECOND', secretAccessKey: 'second-secret' }]),
    ),
  ).toEqual(outcome(SIGNATURE_MISMATCH));
});

test.each([63, 65])('refuses a %i-digit signature as not a SigV4 Authorization', (digits) => {
  const request = independentlySigned();
  request.headers.authorization = authorizationOf(request).replace(
    /Signature=[0-9a-f]+$/,
    `Signature=${'a'.repeat(digits)}`,
  );
  expect(refusal(() => authenticate(request, [KEY]))).toEqual({
    type: 'InvalidSignatureException',
    status: 403,
    message: `Authorization header is not a valid AWS4-HMAC-SHA256 signature for service timestream: AWS4-HMAC-SHA256 Credential=AKIDUNIT/20260101/us-east-1/timestream/aws4_request`,
  });
});

test.each([
  {
    authorization: `Basic ${Buffer.from('AKIDUNIT:unit-secret').toString('base64')}`,
    quoted: 'scheme Basic',
  },
  { authorization: 'Bearer token-1', quoted: 'scheme Bearer' },
  { authorization: Buffer.from('AKIDUNIT:unit-secret').toString('base64'), quoted: 'no scheme' },
  {
    authorization:
      '  AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/timestream/aws4_request, SignedHeaders=host, Signature=0',
    quoted: 'AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/timestream/aws4_request',
  },
])(
  'quotes $quoted of the Authorization $authorization, never its credentials',
  ({ authorization, quoted }) => {
    const request = { method: 'POST', url: '/', headers: { authorization }, body };
    const expected = {
      type: 'InvalidSignatureException',
      status: 403,
      message: `Authorization header is not a valid AWS4-HMAC-SHA256 signature for service timestream: ${quoted}`,
    };
    // Refused alike whether signatures are verified or only their shape is checked.
    expect([
      refusal(() => authenticate(request, [KEY])),
      refusal(() => authenticate(request, undefined)),
    ]).toEqual([expected, expected]);
  },
);

test("percent-encodes the reserved characters !'()* of query names and values", () => {
  const request = { method: 'POST', url: "/?b=!'()*&a=%21", headers: {}, body };
  expect(canonicalRequest(request, '').split('\n')[2]).toBe('a=%21&b=%21%27%28%29%2A');
});

test.each<{ name: string; url: string; headers: SignedRequest['headers']; line: number; expected: string }>([
  { name: 'a + in the query as a space', url: '/?a=b+c', headers: {}, line: 2, expected: 'a=b%20c' },
  { name: 'an empty path as /', url: '?a=b', headers: {}, line: 1, expected: '/' },
  { name: 'a query value holding =', url: '/?a=b=c', headers: {}, line: 2, expected: 'a=b%3Dc' },
  {
    name: 'a repeated header as its values joined with commas',
    url: '/',
    headers: { 'x-amz-meta': ['1', '2'] },
    line: 3,
    expected: 'x-amz-meta:1,2',
  },
  {
    // The SigV4 test suite's get-header-key-duplicate, with spaces botocore trims from each value.
    name: 'each value of a repeated header trimmed on its own',
    url: '/',
    headers: { 'x-amz-meta': [' value2 ', 'value2', 'value1   a  b'] },
    line: 3,
    expected: 'x-amz-meta:value2,value2,value1 a b',
  },
])('canonicalizes $name', ({ url, headers, line, expected }) => {
  const request = { method: 'POST', url, headers, body };
  expect(canonicalRequest(request, 'x-amz-meta').split('\n')[line]).toBe(expected);
});

test('accepts an Authorization header with surrounding whitespace', () => {
  const request = independentlySigned();
  request.headers.authorization = ` ${authorizationOf(request)} `;
  expect(authenticate(request, [KEY])).toEqual({ accessKeyId: 'AKIDUNIT', deny: false });
});

test.each([
  {
    name: 'an upper-case signed header name',
    from: 'SignedHeaders=content-type',
    to: 'SignedHeaders=Content-Type',
  },
  { name: 'a seven-digit scope date', from: '/20260101/', to: '/2026010/' },
])('refuses $name as not a SigV4 Authorization', ({ from, to }) => {
  const request = independentlySigned();
  request.headers.authorization = authorizationOf(request).replace(from, to);
  expect(refusal(() => authenticate(request, [KEY]))).toEqual({
    type: 'InvalidSignatureException',
    status: 403,
    message: `Authorization header is not a valid AWS4-HMAC-SHA256 signature for service timestream: ${authorizationOf(request).split(',')[0]}`,
  });
});

const expired = (message: string) => ({ type: 'InvalidSignatureException', status: 403, message });
const incomplete = (message: string) => ({ type: 'IncompleteSignatureException', status: 400, message });

test.each([
  { name: '5 minutes late', nowMs: SIGNED_AT + 300_000 },
  { name: '5 minutes early', nowMs: SIGNED_AT - 300_000 },
])('accepts a request arriving $name in strict mode', ({ nowMs }) => {
  expect(authenticate(independentlySigned(), [KEY], nowMs)).toEqual({ accessKeyId: 'AKIDUNIT', deny: false });
});

test.each([
  {
    name: 'more than 5 minutes after it was signed',
    nowMs: SIGNED_AT + 300_001,
    error: expired(
      'Signature expired: 20260101T000000Z is now earlier than 20260101T000000Z (20260101T000500Z - 5 min.)',
    ),
  },
  {
    name: 'a day after it was signed',
    nowMs: SIGNED_AT + 86_400_000,
    error: expired(
      'Signature expired: 20260101T000000Z is now earlier than 20260101T235500Z (20260102T000000Z - 5 min.)',
    ),
  },
  {
    name: 'more than 5 minutes before it was signed',
    nowMs: SIGNED_AT - 301_000,
    error: expired(
      'Signature not yet current: 20260101T000000Z is still later than 20251231T235959Z (20251231T235459Z + 5 min.)',
    ),
  },
])('refuses a request arriving $name in strict mode', ({ nowMs, error }) => {
  expect(refusal(() => authenticate(independentlySigned(), [KEY], nowMs))).toEqual(error);
});

test.each([
  {
    name: 'without X-Amz-Date',
    amzDate: undefined,
    message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
  },
  {
    name: 'with an X-Amz-Date in another format',
    amzDate: '2026-01-01T00:00:00Z',
    message:
      "Date must be in ISO-8601 'basic format'. Got '2026-01-01T00:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
  },
  {
    name: 'with an X-Amz-Date that is no time',
    amzDate: '20261301T000000Z',
    message:
      "Date must be in ISO-8601 'basic format'. Got '20261301T000000Z'. See http://en.wikipedia.org/wiki/ISO_8601",
  },
])('refuses a request signed $name in strict mode', ({ amzDate, message }) => {
  // Signed over the date as sent, so that only the date itself can be refused.
  const request = independentlySigned({ amzDate: amzDate ?? '' });
  if (amzDate === undefined) delete request.headers['x-amz-date'];
  expect(refusal(() => authenticate(request, [KEY]))).toEqual(incomplete(message));
});

test.each([
  {
    name: 'signed with that day',
    request: () => independentlySigned({ day: '20251231', amzDate: '20260101T000000Z' }),
  },
  {
    name: 'changed to it after signing',
    request: () => {
      const request = independentlySigned();
      request.headers.authorization = authorizationOf(request).replace('/20260101/', '/20251231/');
      return request;
    },
  },
])('refuses a request whose scope day is not its X-Amz-Date day, $name', ({ request }) => {
  expect(refusal(() => authenticate(request(), [KEY]))).toEqual({
    type: 'InvalidSignatureException',
    status: 403,
    message:
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20251231' != '20260101', from '20260101T000000Z'.",
  });
});

test('refuses a request that does not sign its Host header, in AWS words', () => {
  const request = independentlySigned({ unsigned: ['host'] });
  expect(refusal(() => authenticate(request, [KEY]))).toEqual({
    type: 'InvalidSignatureException',
    status: 403,
    message: "'Host' must be a 'SignedHeader' in the AWS Authorization.",
  });
});

test('accepts a request that carries its time in Date instead of X-Amz-Date', () => {
  const request = independentlySigned({ dateHeader: 'date' });
  expect(request.headers['x-amz-date']).toBeUndefined();
  expect(authenticate(request, [KEY])).toEqual({ accessKeyId: 'AKIDUNIT', deny: false });
});

test('takes the time from X-Amz-Date when Date is sent too', () => {
  const request = independentlySigned({ extra: { date: 'Thu, 01 Jan 2026 00:00:00 GMT' } });
  expect(authenticate(request, [KEY])).toEqual({ accessKeyId: 'AKIDUNIT', deny: false });
});

test('refuses a Date header that is not in ISO 8601 basic format when there is no X-Amz-Date', () => {
  const request = independentlySigned({ dateHeader: 'date', amzDate: 'Thu, 01 Jan 2026 00:00:00 GMT' });
  expect(refusal(() => authenticate(request, [KEY]))).toEqual({
    type: 'IncompleteSignatureException',
    status: 400,
    message:
      "Date must be in ISO-8601 'basic format'. Got 'Thu, 01 Jan 2026 00:00:00 GMT'. See http://en.wikipedia.org/wiki/ISO_8601",
  });
});

test.each([
  {
    name: 'without SignedHeaders',
    from: /, SignedHeaders=[^,]+/,
    to: '',
    type: 'IncompleteSignatureException',
    status: 400,
    message: "Authorization header requires 'SignedHeaders' parameter.",
  },
  {
    name: 'with nothing but its algorithm',
    from: / Credential=.*$/,
    to: ' ',
    type: 'IncompleteSignatureException',
    status: 400,
    message:
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.",
  },
  {
    name: 'with a credential of four elements',
    from: '/us-east-1/',
    to: '/',
    type: 'IncompleteSignatureException',
    status: 400,
    message:
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDUNIT/20260101/timestream/aws4_request'",
  },
  {
    name: 'scoped to another service and terminator',
    from: '/timestream/aws4_request',
    to: '/Timestream/aws4_req',
    type: 'InvalidSignatureException',
    status: 403,
    message:
      "Credential should be scoped to correct service: 'timestream'. Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_req'.",
  },
])('refuses an Authorization $name in AWS words', ({ from, to, type, status, message }) => {
  const request = independentlySigned();
  request.headers.authorization = authorizationOf(request).replace(from, to);
  // Refused alike whether signatures are verified or only their shape is checked.
  expect([
    refusal(() => authenticate(request, [KEY])),
    refusal(() => authenticate(request, undefined)),
  ]).toEqual([
    { type, status, message },
    { type, status, message },
  ]);
});

test('refuses a signed header named constructor as a signature mismatch, not a TypeError (a 500)', () => {
  const request = independentlySigned();
  request.headers.authorization = authorizationOf(request).replace(
    'SignedHeaders=',
    'SignedHeaders=constructor;',
  );
  expect(refusal(() => authenticate(request, [KEY]))).toEqual(outcome(SIGNATURE_MISMATCH));
});
