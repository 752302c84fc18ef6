// SPDX-License-Identifier: Apache-2.0
// AWS Signature Version 4 for the one request shape the fast write path sends: POST to `/`, no
// query string, a JSON body and a handful of headers. The signature is byte-identical to what
// @smithy/signature-v4 computes for the same request (tested), at a fraction of its cost, because
// the header set is fixed and the signing key is derived once per day.

import { createHmac, hash } from 'node:crypto';

/** Credentials as the SDK's credential providers return them. */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What one signature covers besides the body. */
export interface SigningInput {
  credentials: SigningCredentials;
  region: string;
  service: string;
  /** The Host header value (`host` or `host:port`). */
  host: string;
  /** Headers to sign besides host and the x-amz-* ones added here; names lower-case. */
  headers: Readonly<Record<string, string>>;
  body: string;
  /** @default new Date() */
  date?: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** The derived signing key of each credentials object, for the day, region and service it was made for. */
interface CachedKey {
  scope: string;
  key: Buffer;
}
// NOTE: keyed by the credentials object, which SDK providers keep until they refresh it; a new
// object (refreshed credentials) derives its key once and the old entry goes with the old object.
const signingKeys = new WeakMap<SigningCredentials, CachedKey>();

/**
 * Returns the headers to send: `headers` plus host, x-amz-date, x-amz-content-sha256,
 * x-amz-security-token (with a session token) and authorization, every one of them signed.
 */
export function signPost(input: SigningInput): Record<string, string> {
  const stamp = amzDate(input.date ?? new Date());
  const day = stamp.slice(0, 8);
  const payloadHash = hash('sha256', input.body, 'hex');
  const headers: Record<string, string> = {
    ...input.headers,
    host: input.host,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': stamp,
  };
  if (input.credentials.sessionToken !== undefined)
    headers['x-amz-security-token'] = input.credentials.sessionToken;

  const { names, signedHeaders } = sortedNames(Object.keys(headers));
  let canonicalHeaders = '';
  for (const name of names) canonicalHeaders += `${name}:${canonicalValue(headers[name])}\n`;
  const canonicalRequest = `POST\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`;
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${stamp}\n${scope}\n${hash('sha256', canonicalRequest, 'hex')}`;
  const key = signingKey(input.credentials, scope, day, input.region, input.service);
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  headers.authorization =
    `${ALGORITHM} Credential=${input.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/** The header names of the last request signed, sorted, and joined as SignedHeaders. */
let lastNames: { keys: readonly string[]; names: readonly string[]; signedHeaders: string } = {
  keys: [],
  names: [],
  signedHeaders: '',
};

/** Sorts header names; every call of one sender has the same names, so the last sort is reused. */
function sortedNames(keys: readonly string[]): { names: readonly string[]; signedHeaders: string } {
  const last = lastNames.keys;
  let same = last.length === keys.length;
  for (let i = 0; same && i < keys.length; i++) same = last[i] === keys[i];
  if (!same) {
    const names = [...keys].sort();
    lastNames = { keys, names, signedHeaders: names.join(';') };
  }
  return lastNames;
}

function signingKey(
  credentials: SigningCredentials,
  scope: string,
  day: string,
  region: string,
  service: string,
): Buffer {
  const cached = signingKeys.get(credentials);
  if (cached !== undefined && cached.scope === scope) return cached.key;
  const hmac = (k: string | Buffer, data: string) => createHmac('sha256', k).update(data, 'utf8').digest();
  const key = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), service),
    'aws4_request',
  );
  signingKeys.set(credentials, { scope, key });
  return key;
}

/** A header value as SigV4 canonicalises it: trimmed, inner whitespace runs as one space. */
function canonicalValue(value: string): string {
  // Most values (digits, hex, base64, content types) have no whitespace: skip the rewrite.
  return /\s/.test(value) ? value.trim().replace(/\s+/g, ' ') : value;
}

/** The last x-amz-date rendered: calls within the same second share it. */
let lastStampSecond = NaN;
let lastStamp = '';

/** `YYYYMMDDTHHMMSSZ`, the x-amz-date format. */
function amzDate(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastStampSecond) {
    lastStamp = date
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    lastStampSecond = second;
  }
  return lastStamp;
}
