// SPDX-License-Identifier: Apache-2.0
// signPost against the SDK's own signer, @smithy/signature-v4, on what its caches and fast paths
// could get wrong: header values to canonicalise, non-ASCII bodies and strings to sign, and
// signatures in a row whose header names, second or day differ from the last one's.
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import type { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { signPost, type SigningCredentials } from '../../../lambda/timestream/sigv4-signer';

/** The SHA-256 implementation the SDK signs with on Node. */
const SDK_SHA256 = new TimestreamWriteClient({ region: 'us-east-1' }).config.sha256;
const CREDENTIALS: SigningCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const SESSION: SigningCredentials = { ...CREDENTIALS, sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDtoken' };
const HOST = 'ingest-cell2.timestream.eu-west-1.amazonaws.com';
const HEADERS = {
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-target': 'Timestream_20181101.WriteRecords',
};
const DATE = new Date('2026-11-22T04:05:06.789Z');

interface Case {
  credentials?: SigningCredentials;
  region?: string;
  headers?: Record<string, string>;
  body?: string;
  date?: Date;
}

/** The headers @smithy/signature-v4 sends for the request signPost signs. */
async function sdkHeaders(c: Required<Case>): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: c.credentials,
    region: c.region,
    service: 'timestream',
    sha256: SDK_SHA256,
  });
  const request = {
    method: 'POST',
    protocol: 'https:',
    hostname: HOST,
    path: '/',
    query: {},
    headers: { ...c.headers, host: HOST },
    body: c.body,
  };
  const signed = (await signer.sign(request as never, { signingDate: c.date })) as unknown as HttpRequest;
  return signed.headers;
}

/** signPost's headers and the SDK's for one case. */
async function both(c: Case): Promise<[Record<string, string>, Record<string, string>]> {
  const full: Required<Case> = {
    credentials: c.credentials ?? CREDENTIALS,
    region: c.region ?? 'eu-west-1',
    headers: c.headers ?? HEADERS,
    body: c.body ?? '{"DatabaseName":"db"}',
    date: c.date ?? DATE,
  };
  const ours = signPost({ ...full, service: 'timestream', host: HOST });
  return [ours, await sdkHeaders(full)];
}

describe('signPost', () => {
  test.each([
    { name: 'leading and trailing spaces', value: '  application/x-amz-json-1.0 ' },
    { name: 'a run of inner spaces', value: 'Timestream_20181101.  WriteRecords' },
    { name: 'a tab and inner spaces', value: 'a\t b   c' },
  ])('canonicalises a header value with $name as the SDK does', async ({ value }) => {
    const [ours, theirs] = await both({ headers: { ...HEADERS, 'x-amz-target': value } });
    expect(ours).toEqual(theirs);
  });

  test.each([
    { name: 'Latin-1 label values', body: '{"Dimensions":[{"Name":"city","Value":"Zürich"}]}' },
    { name: 'a euro sign and an emoji', body: '{"Dimensions":[{"Name":"price","Value":"5 € 😀"}]}' },
  ])('hashes a body with $name as UTF-8', async ({ body }) => {
    const [ours, theirs] = await both({ body });
    expect(ours).toEqual(theirs);
  });

  // 300 three-byte characters: a string to sign of 432 UTF-16 units but 1032 UTF-8 bytes, past
  // the one-shot HMAC buffer (960 bytes) although 432 units would fit at two bytes each.
  test('signs a string to sign of more UTF-8 bytes than the one-shot buffer holds', async () => {
    const [ours, theirs] = await both({ region: '€'.repeat(300) });
    expect(ours).toEqual(theirs);
  });

  test('signs each request with its own header names when they change between calls', async () => {
    const sequence: Case[] = [
      { credentials: SESSION }, // seven names
      { credentials: CREDENTIALS }, // the first six of them
      { headers: { 'content-type': HEADERS['content-type'], 'x-amz-target': 'T' } },
      { headers: { 'content-type': HEADERS['content-type'], 'x-amz-meta': 'T' } }, // as many, one other
      { headers: { 'x-amz-meta': 'T', 'content-type': HEADERS['content-type'] } }, // the same, in another order
    ];
    for (const c of sequence) {
      const [ours, theirs] = await both(c);
      expect(ours).toEqual(theirs);
    }
  });

  test('dates each request by its own second and scopes it to its own day', async () => {
    const dates = [
      '2026-11-22T04:05:06.789Z',
      '2026-11-22T04:05:06.999Z', // the same second
      '2026-11-22T04:05:07.000Z', // the next second, same minute
      '2026-11-22T04:06:07.000Z',
      '2026-11-23T00:00:00.000Z', // the next day: another signing key
      '2026-11-22T23:59:59.999Z', // back to the day before
    ];
    for (const date of dates) {
      const [ours, theirs] = await both({ date: new Date(date) });
      expect(ours).toEqual(theirs);
    }
  });

  test('signs for each region and credentials object under its own signing key', async () => {
    const other = { ...CREDENTIALS, secretAccessKey: 'another/secret' };
    for (const c of [{}, { region: 'us-east-1' }, { credentials: other }, { credentials: CREDENTIALS }]) {
      const [ours, theirs] = await both(c);
      expect(ours).toEqual(theirs);
    }
  });
});
