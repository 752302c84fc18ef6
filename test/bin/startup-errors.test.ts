// SPDX-License-Identifier: Apache-2.0
import { generateKeyPairSync } from 'node:crypto';
import { checkTlsPair, dataDirFailure, listenFailure } from '../../bin/startup-errors';
import { ConfigError } from '../../lambda/config/load';
import { selfSignedLocalhost } from '../support/tls';

function problemsOf(fn: () => unknown): readonly string[] {
  const result = (() => {
    try {
      return fn();
    } catch (error) {
      return error;
    }
  })();
  if (!(result instanceof ConfigError)) throw new Error(`not a ConfigError: ${String(result)}`);
  return result.problems;
}

describe('listenFailure', () => {
  test('names the option and the reason when the address is in use', () => {
    // The error net.Server emits for a busy port.
    const error = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:9201'), {
      code: 'EADDRINUSE',
      syscall: 'listen',
    });
    expect(
      problemsOf(() => listenFailure('web.listen-address', { host: '127.0.0.1', port: 9201 }, error)),
    ).toEqual(['--web.listen-address: cannot listen on 127.0.0.1:9201 (EADDRINUSE)']);
  });

  test('reads the reason from the message of an error from the store thread', () => {
    const error = new Error('listen EADDRINUSE: address already in use 127.0.0.1:9202');
    expect(problemsOf(() => listenFailure('local.listen-address', { host: '', port: 9202 }, error))).toEqual([
      '--local.listen-address: cannot listen on :9202 (EADDRINUSE)',
    ]);
  });

  test('names an unknown host', () => {
    const error = Object.assign(new Error('getaddrinfo ENOTFOUND nosuch.invalid'), {
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
    });
    expect(
      problemsOf(() => listenFailure('web.listen-address', { host: 'nosuch.invalid', port: 1 }, error)),
    ).toEqual(['--web.listen-address: cannot listen on nosuch.invalid:1 (ENOTFOUND)']);
  });

  test('leaves other errors alone', () => {
    const error = new Error('disk full');
    expect(listenFailure('web.listen-address', { host: '', port: 1 }, error)).toBe(error);
  });
});

describe('dataDirFailure', () => {
  test("names --local.data-dir for the store thread's failure to open the data directory", () => {
    const error = new Error(
      "cannot open data directory /srv/data (EEXIST: file already exists, mkdir '/srv/data')",
    );
    expect(problemsOf(() => dataDirFailure(error))).toEqual([
      "--local.data-dir: cannot open /srv/data (EEXIST: file already exists, mkdir '/srv/data')",
    ]);
  });

  test('leaves other errors alone', () => {
    const error = new Error('embedded store thread exited with code 1');
    expect(dataDirFailure(error)).toBe(error);
  });
});

describe('checkTlsPair', () => {
  let cert: Buffer;
  let key: Buffer;
  beforeAll(() => {
    ({ cert, key } = selfSignedLocalhost());
  });

  const otherKey = Buffer.from(
    generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
  );

  test('names --tls-certificate when the certificate is not PEM', () => {
    const [problem] = problemsOf(() => checkTlsPair(Buffer.from('junk\n'), otherKey));
    expect(problem).toMatch(/^--tls-certificate: not a PEM certificate \(.+\)$/);
  });

  test('names --tls-key when the key is not PEM, and the pair when they do not match', () => {
    const [notKey] = problemsOf(() => checkTlsPair(cert, Buffer.from('junk\n')));
    expect(notKey).toMatch(/^--tls-key: not a PEM private key \(.+\)$/);
    const [mismatch] = problemsOf(() => checkTlsPair(cert, otherKey));
    expect(mismatch).toMatch(/^--tls-certificate and --tls-key: the key does not belong to the certificate/);
    expect(() => checkTlsPair(cert, key)).not.toThrow();
  });

  test('refuses a key of another type than the certificate (an EC key with an RSA certificate), which OpenSSL loads', () => {
    const ecKey = Buffer.from(
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }),
    );
    expect(problemsOf(() => checkTlsPair(cert, ecKey))).toEqual([
      "--tls-certificate and --tls-key: the key does not belong to the certificate (the key is ec, the certificate's is rsa)",
    ]);
  });

  test('takes a certificate and its key from one file given to both options, in either order', () => {
    expect(() => checkTlsPair(Buffer.concat([cert, key]), Buffer.concat([cert, key]))).not.toThrow();
    expect(() => checkTlsPair(Buffer.concat([key, cert]), Buffer.concat([key, cert]))).not.toThrow();
  });

  test('names a certificate whose key is too small for OpenSSL as such, not as a file that is not PEM', () => {
    // Refused by every Node.js; a 1024-bit key, the common case, is refused from Node.js 24 on.
    const weak = selfSignedLocalhost('rsa:512');
    expect(problemsOf(() => checkTlsPair(weak.cert, weak.key))).toEqual([
      `--tls-certificate: too weak for the security level of this Node.js's OpenSSL ${process.versions.openssl}: ` +
        'use an RSA key of 2048 bits or more, or an EC key, with SHA-256 signatures or stronger ' +
        '(error:0A00018F:SSL routines::ee key too small)',
    ]);
  });
});
