// SPDX-License-Identifier: Apache-2.0
// A self-signed certificate for localhost, made with openssl, for tests that speak TLS.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PEM certificate for `localhost` (also as a subjectAltName) and its key. */
export interface CertificatePair {
  cert: Buffer;
  key: Buffer;
}

/**
 * Makes a one-day self-signed pair with a key of `newKey` (openssl's `-newkey`), for the
 * subjectAltName `altNames` (none when empty: the subject's CN alone names `localhost`). Throws
 * when openssl cannot make one: the TLS tests fail rather than pass without checking anything
 * (`.ci/run` installs openssl where it is missing).
 */
export function selfSignedLocalhost(newKey = 'rsa:2048', altNames = 'DNS:localhost'): CertificatePair {
  const dir = mkdtempSync(join(tmpdir(), 'test-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', newKey, '-nodes', '-days', '1', '-subj', '/CN=localhost'].concat([
        ...(altNames === '' ? [] : ['-addext', `subjectAltName=${altNames}`]),
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ]),
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
  } catch (error) {
    throw new Error(`openssl could not make a test certificate (apt-get install openssl): ${String(error)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
