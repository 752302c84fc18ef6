// SPDX-License-Identifier: Apache-2.0
// Checks the SigV4 Authorization of store requests: by default only its shape; in strict mode the
// signature itself against configured key pairs (AWS Signature Version 4, computed with node:crypto).

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { StoreError } from './errors';

/** A key pair the strict mode accepts; `deny` makes every data-plane call AccessDenied. */
export interface StoreCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  deny?: boolean;
}

/** The parts of an HTTP request the signature covers. */
export interface SignedRequest {
  method: string;
  /** Path with query string, as received (e.g. `/` or `/?a=b`). */
  url: string;
  /** Lower-case header names; a repeated header as the list of its values, in order. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

/** Who signed a request. */
export interface Caller {
  accessKeyId: string;
  deny: boolean;
}

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/timestream\/aws4_request,\s*SignedHeaders=([a-z0-9-;]+),\s*Signature=([0-9a-f]{64})$/;

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** How far a request's time may be from the store's clock: AWS refuses a signature past it. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * Authenticates a request. Without `credentials` any well-formed SigV4 Authorization passes; with
 * them the request time must be within 5 minutes of `nowMs`, the access key must be known and the
 * signature must verify.
 * @param nowMs the wall clock, not the engine's `nowMs` (which tests fix): SDKs sign with the real time
 * @throws StoreError MissingAuthenticationTokenException, IncompleteSignatureException, UnrecognizedClientException, InvalidSignatureException
 */
export function authenticate(
  request: SignedRequest,
  credentials: readonly StoreCredential[] | undefined,
  nowMs = Date.now(),
): Caller {
  const header = headerValue(request.headers, 'authorization');
  if (header === undefined)
    throw new StoreError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const match = AUTH_PATTERN.exec(header.trim());
  if (!match) throw malformed(header);
  const [, accessKeyId, date, region, signedHeaders, signature] = match;
  if (!credentials || credentials.length === 0) return { accessKeyId, deny: false };
  // AWS takes the time from Date when there is no X-Amz-Date (in the same ISO 8601 basic format).
  const amzDate = headerValue(request.headers, 'x-amz-date') ?? headerValue(request.headers, 'date');
  // Checked before the key, as AWS does: a captured request must not be replayable for ever.
  checkRequestTime(amzDate, nowMs);
  // Unsigned, the request could be sent on to another endpoint and still verify (AWS refuses it too).
  if (!signedHeaders.split(';').includes('host'))
    throw new StoreError(
      'InvalidSignatureException',
      "'Host' must be a 'SignedHeader' in the AWS Authorization.",
    );
  // The signing key is derived from the scope's day: it must be the request's own (AWS's words).
  if (date !== amzDate?.slice(0, 8))
    throw new StoreError(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate?.slice(0, 8)}', from '${amzDate}'.`,
    );
  const credential = credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!credential) throw new StoreError('UnrecognizedClientException', INVALID_TOKEN);
  // A session token must be the key's own; one sent with a long-term key is refused too, as AWS does.
  if (headerValue(request.headers, 'x-amz-security-token') !== credential.sessionToken) {
    throw new StoreError('UnrecognizedClientException', INVALID_TOKEN);
  }
  const declaredHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (
    declaredHash !== undefined &&
    declaredHash !== 'UNSIGNED-PAYLOAD' &&
    declaredHash !== sha256Hex(request.body)
  ) {
    // The signature covers the declared hash only; the body must match it too (as S3 checks).
    throw new StoreError('InvalidSignatureException', SIGNATURE_MISMATCH);
  }
  const scope = `${date}/${region}/timestream/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    sha256Hex(canonicalRequest(request, signedHeaders)),
  ].join('\n');
  let key: Buffer = hmac(`AWS4${credential.secretAccessKey}`, date);
  for (const part of [region, 'timestream', 'aws4_request']) key = hmac(key, part);
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex')))
    throw new StoreError('InvalidSignatureException', SIGNATURE_MISMATCH);
  return { accessKeyId, deny: credential.deny === true };
}

/**
 * Refuses a request without an ISO 8601 basic `X-Amz-Date` or one more than 5 minutes from `nowMs`,
 * in AWS's words (as recorded by dynalite and quoted in SDK issues).
 */
function checkRequestTime(amzDate: string | undefined, nowMs: number): void {
  if (amzDate === undefined)
    throw new StoreError(
      'IncompleteSignatureException',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  const parts = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  const [year, month, day, hour, minute, second] = (parts ?? []).slice(1).map(Number);
  const requestMs = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls over out-of-range fields (month 13, second 60): only a real time round-trips.
  if (parts === null || basicFormat(requestMs) !== amzDate)
    throw new StoreError(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${amzDate.slice(0, 64)}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  if (requestMs < nowMs - MAX_CLOCK_SKEW_MS)
    throw new StoreError(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier than ${basicFormat(nowMs - MAX_CLOCK_SKEW_MS)} (${basicFormat(nowMs)} - 5 min.)`,
    );
  if (requestMs > nowMs + MAX_CLOCK_SKEW_MS)
    throw new StoreError(
      'InvalidSignatureException',
      `Signature not yet current: ${amzDate} is still later than ${basicFormat(nowMs + MAX_CLOCK_SKEW_MS)} (${basicFormat(nowMs)} + 5 min.)`,
    );
}

/** A time as SigV4 writes it: `20260101T000000Z`. */
const basicFormat = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');

/**
 * The refusal of an Authorization the pattern does not take: in AWS's words where they are known
 * (a missing parameter, a credential of the wrong shape, service or terminator), else naming its
 * credential scope.
 */
function malformed(header: string): StoreError {
  const trimmed = header.trim();
  if (/^AWS4-HMAC-SHA256(?:\s|$)/.test(trimmed)) {
    // Split as AWS reads the parameters: at commas and spaces (the header's size is bounded by Node).
    const params = trimmed.slice('AWS4-HMAC-SHA256 '.length).split(/[,\s]+/);
    const valueOf = (name: string) =>
      params.find((param) => param.startsWith(`${name}=`))?.slice(name.length + 1);
    const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !valueOf(name));
    if (missing.length > 0)
      return new StoreError(
        'IncompleteSignatureException',
        missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '),
      );
    const credential = valueOf('Credential') ?? '';
    const parts = credential.split('/');
    if (parts.length !== 5)
      return new StoreError(
        'IncompleteSignatureException',
        `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
      );
    const [, , , service, terminator] = parts;
    const scopeErrors = [
      ...(service === 'timestream' ? [] : ["Credential should be scoped to correct service: 'timestream'."]),
      ...(terminator === 'aws4_request'
        ? []
        : [`Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`]),
    ];
    if (scopeErrors.length > 0) return new StoreError('InvalidSignatureException', scopeErrors.join(' '));
  }
  return new StoreError(
    'InvalidSignatureException',
    `Authorization header is not a valid AWS4-HMAC-SHA256 signature for service timestream: ${quotedScope(header)}`,
  );
}

/**
 * What an error may quote of a malformed Authorization: the credential scope of a SigV4 one (an
 * access key id and a scope, no secret), else the scheme alone. The rest of another scheme's
 * header is its secret (`Basic` carries the password in base64), never to be sent back.
 */
function quotedScope(header: string): string {
  const trimmed = header.trim();
  if (trimmed.startsWith('AWS4-HMAC-SHA256 ')) return trimmed.split(',')[0];
  const scheme = /^[A-Za-z0-9-]{1,40}(?=\s)/.exec(trimmed);
  return scheme === null ? 'no scheme' : `scheme ${scheme[0]}`;
}

/** Builds the SigV4 canonical request (method, path, query, signed headers, payload hash). */
export function canonicalRequest(request: SignedRequest, signedHeaders: string): string {
  const [rawPath, rawQuery = ''] = request.url.split('?', 2);
  const path =
    rawPath
      .split('/')
      .map((segment) => uriEncode(percentDecode(segment)))
      .join('/') || '/';
  const query = rawQuery
    .split('&')
    .filter((pair) => pair.length > 0)
    // Split at the first = only: split('=', 2) dropped the rest of a value holding one.
    .map((pair) => {
      const at = pair.indexOf('=');
      const parts = at < 0 ? [pair] : [pair.slice(0, at), pair.slice(at + 1)];
      return parts.map((part) => uriEncode(percentDecode(part.replace(/\+/g, ' '))));
    })
    .sort(([a, av = ''], [b, bv = '']) => (a === b ? compare(av, bv) : compare(a, b)))
    .map(([name, value = '']) => `${name}=${value}`)
    .join('&');
  const names = signedHeaders.split(';');
  // Each value of a repeated header is trimmed on its own, then joined with a bare `,`, as the
  // SigV4 test suite's get-header-key-duplicate and botocore do.
  const headers = names
    .map((name) => {
      const value = ownHeader(request.headers, name) ?? '';
      const values = Array.isArray(value) ? value : [value];
      return `${name}:${values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',')}\n`;
    })
    .join('');
  const payloadHash = headerValue(request.headers, 'x-amz-content-sha256') ?? sha256Hex(request.body);
  return [request.method.toUpperCase(), path, query, headers, signedHeaders, payloadHash].join('\n');
}

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = ownHeader(headers, name);
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * The header itself, never an inherited property: SignedHeaders may name `constructor`, which a
 * plain object (Node's req.headers) answers with a function, and `.trim()` of that was a 500.
 */
function ownHeader(headers: SignedRequest['headers'], name: string): string | string[] | undefined {
  return Object.hasOwn(headers, name) ? headers[name] : undefined;
}

/**
 * decodeURIComponent, or the text as it is when its escapes are malformed (`%ZZ`, a cut-off UTF-8
 * sequence): such a request then fails the signature check (403) instead of throwing a URIError
 * that the server would answer as a 500.
 */
function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
