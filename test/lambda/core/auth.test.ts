// SPDX-License-Identifier: Apache-2.0
import { BASIC_AUTH_CHALLENGE, credentialsFromHeaders, refusesCredentials } from '../../../lambda/core/auth';
import { ConnectorError } from '../../../lambda/core/errors';

const basic = (userPass: string) => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;

describe('credentialsFromHeaders', () => {
  test.each<{ name: string; headers: Record<string, string>; expected: object }>([
    {
      name: 'access key id and secret',
      headers: { authorization: basic('AKIDEXAMPLE:wJalr/XUtnFEMI+K7MDENG') },
      expected: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalr/XUtnFEMI+K7MDENG' },
    },
    {
      name: 'a secret containing a colon keeps everything after the first colon',
      headers: { authorization: basic('AKID:se:cret') },
      expected: { accessKeyId: 'AKID', secretAccessKey: 'se:cret' },
    },
    {
      name: 'the scheme is case-insensitive',
      headers: { authorization: `bAsIc ${Buffer.from('AKID:s').toString('base64')}` },
      expected: { accessKeyId: 'AKID', secretAccessKey: 's' },
    },
    {
      name: 'a session token from X-Amz-Security-Token',
      headers: { authorization: basic('ASIAX:secret'), 'x-amz-security-token': 'FwoGZXIvYXdzEJr//token==' },
      expected: { accessKeyId: 'ASIAX', secretAccessKey: 'secret', sessionToken: 'FwoGZXIvYXdzEJr//token==' },
    },
    {
      name: 'an access key id of 128 characters, the most IAM issues',
      headers: { authorization: basic(`${'A'.repeat(128)}:s`) },
      expected: { accessKeyId: 'A'.repeat(128), secretAccessKey: 's' },
    },
    {
      name: 'a header of exactly 8192 characters, spaces around the credentials included',
      // 'Basic ' (6) + 8184 base64 characters + 2 spaces.
      headers: { authorization: ` ${basic(`AKID:${'s'.repeat(6133)}`)} ` },
      expected: { accessKeyId: 'AKID', secretAccessKey: 's'.repeat(6133) },
    },
    {
      // RFC 9110 11.4: one or more spaces between the scheme and the credentials.
      name: 'several spaces between the scheme and the credentials',
      headers: { authorization: `Basic   ${Buffer.from('AKID:s').toString('base64')}` },
      expected: { accessKeyId: 'AKID', secretAccessKey: 's' },
    },
    {
      // "AKID:~~~?" is QUtJRDp+fn4/ in base64: a client that encodes base64url sends - and _.
      name: 'credentials in the base64url alphabet',
      headers: { authorization: 'Basic QUtJRDp-fn4_' },
      expected: { accessKeyId: 'AKID', secretAccessKey: '~~~?' },
    },
    {
      // Prometheus sends the password's bytes as they are: UTF-8, not Latin-1.
      name: 'a secret that is not ASCII, read as UTF-8',
      headers: { authorization: basic('AKID:sécret€') },
      expected: { accessKeyId: 'AKID', secretAccessKey: 'sécret€' },
    },
  ])('accepts $name', ({ headers, expected }) => {
    expect(credentialsFromHeaders(headers, false)).toEqual(expected);
  });

  test.each<{ name: string; headers: Record<string, string>; reason: string }>([
    { name: 'no Authorization header', headers: {}, reason: 'missing basic auth credentials' },
    {
      name: 'an empty Authorization header',
      headers: { authorization: '  ' },
      reason: 'missing basic auth credentials',
    },
    { name: 'a Bearer token', headers: { authorization: 'Bearer abc' }, reason: 'not HTTP basic auth' },
    {
      name: 'no colon',
      headers: { authorization: basic('AKIDONLY') },
      reason: 'must be "access key id:secret access key"',
    },
    {
      name: 'an empty secret',
      headers: { authorization: basic('AKID:') },
      reason: 'password is not a secret access key',
    },
    {
      name: 'a username that is not an access key id',
      headers: { authorization: basic('user name:secret') },
      reason: 'username is not an access key id',
    },
    {
      name: 'an empty session token',
      headers: { authorization: basic('AKID:s'), 'x-amz-security-token': '' },
      reason: 'X-Amz-Security-Token header is malformed',
    },
    {
      name: 'an access key id of 129 characters',
      headers: { authorization: basic(`${'A'.repeat(129)}:s`) },
      reason: 'username is not an access key id',
    },
    {
      name: 'an empty access key id',
      headers: { authorization: basic(':secret') },
      reason: 'username is not an access key id',
    },
    {
      name: 'an access key id with a character outside [A-Za-z0-9]',
      headers: { authorization: basic('AKID_X:secret') },
      reason: 'username is not an access key id',
    },
    {
      name: 'a secret with white space',
      headers: { authorization: basic('AKID:se cret') },
      reason: 'password is not a secret access key',
    },
    {
      name: 'a session token with white space',
      headers: { authorization: basic('AKID:s'), 'x-amz-security-token': 'tok en' },
      reason: 'X-Amz-Security-Token header is malformed',
    },
    {
      name: 'a session token with a control character',
      headers: { authorization: basic('AKID:s'), 'x-amz-security-token': 'tok\u0001en' },
      reason: 'X-Amz-Security-Token header is malformed',
    },
    {
      name: 'a session token with a character past U+00FF',
      headers: { authorization: basic('AKID:s'), 'x-amz-security-token': 'tok\u0100en' },
      reason: 'X-Amz-Security-Token header is malformed',
    },
    {
      name: 'a session token that is not ASCII',
      headers: { authorization: basic('AKID:s'), 'x-amz-security-token': 'tok\u00ffen' },
      reason: 'X-Amz-Security-Token header is malformed',
    },
    {
      name: 'text before the scheme',
      headers: { authorization: `x${basic('AKID:s')}` },
      reason: 'not HTTP basic auth',
    },
    {
      name: 'text after the credentials',
      headers: { authorization: `${basic('AKID:s')} x` },
      reason: 'not HTTP basic auth',
    },
    {
      name: 'a header of 8193 characters',
      headers: { authorization: ` ${basic(`AKID:${'s'.repeat(6133)}`)}  ` },
      reason: 'too long',
    },
    {
      name: 'two Authorization headers, joined by a comma as both adapters join them',
      headers: { authorization: `${basic('AKID:s')},${basic('AKID2:t')}` },
      reason: 'authorization header given more than once',
    },
    {
      name: "a SigV4 Authorization (Prometheus' sigv4 option), whose parameters are split by commas",
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/timestream/aws4_request, ' +
          'SignedHeaders=host;x-amz-date, Signature=abcdef',
      },
      reason: 'authorization header is not HTTP basic auth',
    },
    {
      name: 'two X-Amz-Security-Token headers, joined by a comma',
      headers: { authorization: basic('AKID:s'), 'x-amz-security-token': 'tok1,tok2' },
      reason: 'X-Amz-Security-Token header given more than once',
    },
    {
      name: 'an oversized header',
      headers: { authorization: `Basic ${'A'.repeat(9000)}` },
      reason: 'too long',
    },
  ])('answers 401 with a challenge for $name', ({ headers, reason }) => {
    let caught: unknown;
    try {
      credentialsFromHeaders(headers, false);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConnectorError);
    const error = caught as ConnectorError;
    expect(error.status).toBe(401);
    expect(error.headers).toEqual({ 'www-authenticate': BASIC_AUTH_CHALLENGE });
    expect(error.message).toContain(reason);
  });

  test('challenges with the realm README.md and SECURITY.md document', () => {
    expect(BASIC_AUTH_CHALLENGE).toBe('Basic realm="timestream"');
  });

  test('never puts the secret into the error message', () => {
    const secret = 'TOP/SECRET+VALUE';
    try {
      credentialsFromHeaders({ authorization: basic(`bad user:${secret}`) }, false);
      throw new Error('expected a 401');
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });

  test('returns undefined in SigV4 mode and ignores basic auth', () => {
    expect(credentialsFromHeaders({ authorization: basic('AKID:secret') }, true)).toBeUndefined();
    expect(credentialsFromHeaders({}, true)).toBeUndefined();
  });
});

describe('refusesCredentials', () => {
  test.each([
    ['no Authorization header', {}, false, true],
    ['a blank Authorization header', { authorization: ' ' }, false, true],
    ['a bearer token', { authorization: 'Bearer abc' }, false, true],
    ['basic auth without a colon', { authorization: basic('AKID') }, false, true],
    [
      'a malformed session token',
      { authorization: basic('AKID:secret'), 'x-amz-security-token': 'a b' },
      false,
      true,
    ],
    ['basic auth with an access key pair', { authorization: basic('AKID:secret') }, false, false],
    [
      'a key pair and a session token',
      { authorization: basic('AKID:secret'), 'x-amz-security-token': 'tok' },
      false,
      false,
    ],
    ['no Authorization header in SigV4 mode', {}, true, false],
  ] as [string, Record<string, string>, boolean, boolean][])('%s', (_case, headers, sigv4Mode, refused) => {
    expect(refusesCredentials(headers, sigv4Mode)).toBe(refused);
    // The same verdict as the check the handlers make.
    let threw = false;
    try {
      credentialsFromHeaders(headers, sigv4Mode);
    } catch {
      threw = true;
    }
    expect(threw).toBe(refused);
  });
});
