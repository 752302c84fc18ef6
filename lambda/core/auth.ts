// SPDX-License-Identifier: Apache-2.0
// Turns a request's headers into the credentials the connector signs its Timestream calls with
// (SPEC section 3). Basic auth carries an IAM key pair; in SigV4 mode API Gateway has already
// authorised the caller and the connector uses its own credentials.

import { unauthorized } from './errors';

/** IAM credentials taken from a request; never logged (the logger redacts these field names). */
export interface RequestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The realm Prometheus sees in the challenge; the reference connector has none, so any works. */
export const BASIC_AUTH_CHALLENGE = 'Basic realm="timestream"';

/**
 * Upper bound, in characters, on the Authorization header we decode, so a huge header costs
 * nothing; one that is not ASCII fails the basic-auth pattern right after.
 */
const MAX_AUTHORIZATION_CHARS = 8192;

const challenge = (reason: string) =>
  unauthorized(reason, { headers: { 'www-authenticate': BASIC_AUTH_CHALLENGE } });

/**
 * Extracts basic-auth credentials (username = access key id, password = secret access key) and
 * the optional `X-Amz-Security-Token` header. Returns undefined in SigV4 mode, meaning "use the
 * connector's own credential chain". Throws `unauthorized` (401 with WWW-Authenticate) when the
 * credentials are missing or malformed; the message never contains any part of them.
 */
export function credentialsFromHeaders(
  headers: Readonly<Record<string, string>>,
  sigv4Mode: boolean,
): RequestCredentials | undefined {
  if (sigv4Mode) return undefined;
  const header = headers['authorization'];
  if (header === undefined || header.trim() === '') {
    return throwChallenge(
      'missing basic auth credentials: set basic_auth (access key id and secret access key)',
    );
  }
  if (header.length > MAX_AUTHORIZATION_CHARS) return throwChallenge('authorization header too long');
  // Base64 has no comma: one in a basic header is a repeated header, whose values both adapters join
  // by commas. Another scheme's header has commas of its own (SigV4's, which Prometheus' sigv4
  // option sends), and is refused as not basic auth.
  if (header.includes(',') && /^\s*basic\s/i.test(header))
    return throwChallenge('authorization header given more than once');
  const match = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (match === null) return throwChallenge('authorization header is not HTTP basic auth');
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return throwChallenge('basic auth credentials must be "access key id:secret access key"');
  const accessKeyId = decoded.slice(0, colon);
  const secretAccessKey = decoded.slice(colon + 1);
  if (!/^[A-Za-z0-9]{1,128}$/.test(accessKeyId)) {
    return throwChallenge('basic auth username is not an access key id');
  }
  if (secretAccessKey.length === 0 || /\s/.test(secretAccessKey)) {
    return throwChallenge('basic auth password is not a secret access key');
  }
  const token = headers['x-amz-security-token'];
  if (token !== undefined && token.includes(',')) {
    return throwChallenge('X-Amz-Security-Token header given more than once');
  }
  // Only visible ASCII: a session token is base64, and a control character or one past U+00FF
  // (which a Lambda event can carry) cannot go into the signed request's header, whose sending
  // then fails as a 503 that Prometheus would retry forever.
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) {
    return throwChallenge('X-Amz-Security-Token header is malformed');
  }
  return token === undefined
    ? { accessKeyId, secretAccessKey }
    : { accessKeyId, secretAccessKey, sessionToken: token };
}

/**
 * Whether credentialsFromHeaders refuses `headers` (a 401), told from the headers alone. The
 * standalone server asks before a request takes a turn in its queues: a sender without usable
 * credentials gets its 401 at once instead of after the requests ahead of it, and holds no turn.
 */
export function refusesCredentials(headers: Readonly<Record<string, string>>, sigv4Mode: boolean): boolean {
  if (sigv4Mode) return false;
  try {
    credentialsFromHeaders(headers, false);
    return false;
  } catch {
    return true;
  }
}

function throwChallenge(reason: string): never {
  throw challenge(reason);
}
