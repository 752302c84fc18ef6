// SPDX-License-Identifier: Apache-2.0
// Startup failures that come from an option's value but only show when it is used (an address that
// cannot be listened on, a TLS file that is not PEM) become ConfigErrors naming the option, so the
// CLI prints one line and exits 2 instead of printing a stack trace.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { ConfigError } from '../lambda/config/load';
import { listenAddress, type ListenAddress } from '../lambda/config/parsers';
import { DATA_DIR_FAILURE } from '../lambda/local-store/errors';

/** `listen EADDRINUSE: …` / `getaddrinfo ENOTFOUND host`, also as the text of an error from the store's thread. */
const LISTEN_FAILURE = /^(?:listen|getaddrinfo) (E[A-Z_]+)\b/;

/**
 * Returns a ConfigError naming `option` when `error` is a failure to listen on `address`
 * (address in use, not permitted, not local, unknown host), else `error` unchanged.
 */
export function listenFailure(option: string, address: ListenAddress, error: unknown): unknown {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  const fromMessage = error instanceof Error ? LISTEN_FAILURE.exec(error.message)?.[1] : undefined;
  const reason = syscall === 'listen' || syscall === 'getaddrinfo' ? (code ?? fromMessage) : fromMessage;
  if (reason === undefined) return error;
  return new ConfigError([`--${option}: cannot listen on ${listenAddress.format(address)} (${reason})`]);
}

/**
 * Returns a ConfigError naming `--local.data-dir` when `error` (also as the text of an error from
 * the store's thread) is a failure to create or open the data directory, else `error` unchanged.
 */
export function dataDirFailure(error: unknown): unknown {
  if (!(error instanceof Error) || !error.message.startsWith(DATA_DIR_FAILURE)) return error;
  return new ConfigError([`--local.data-dir: cannot open ${error.message.slice(DATA_DIR_FAILURE.length)}`]);
}

/**
 * The ConfigError of a store that opened but could not create the default table in it (a full
 * disk, a database of the name in another letter case): the store's error alone, printed with a
 * stack trace, named neither the directory nor the options that chose the table.
 */
export function defaultTableFailure(
  dataDir: string,
  database: string,
  table: string,
  error: unknown,
): ConfigError {
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return new ConfigError([
    `--local.data-dir: cannot create the table ${database}.${table} (--default-database, --default-table) in ${dataDir} (${reason})`,
  ]);
}

/**
 * OpenSSL's refusals of a well-formed certificate whose key or signature is below its security
 * level. Node.js 24 runs at level 2 (OpenSSL 3.5's default), where Node.js 20 and 22 run at 1: a
 * certificate with a 1024-bit RSA key that they serve is refused there.
 */
const TOO_WEAK = new Set(['ERR_SSL_EE_KEY_TOO_SMALL', 'ERR_SSL_CA_KEY_TOO_SMALL', 'ERR_SSL_CA_MD_TOO_WEAK']);

/** Throws a ConfigError naming the option whose file is not a usable PEM certificate or key. */
export function checkTlsPair(cert: Buffer, key: Buffer): void {
  const attempt = (options: { cert?: Buffer; key?: Buffer }, problem: string, weakProblem = problem) => {
    try {
      createSecureContext(options);
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      // Told "not a PEM certificate", an operator would look at the file's format, not its key.
      throw new ConfigError([
        `${code !== undefined && TOO_WEAK.has(code) ? weakProblem : problem} (${message})`,
      ]);
    }
  };
  attempt(
    { cert },
    '--tls-certificate: not a PEM certificate',
    `--tls-certificate: too weak for the security level of this Node.js's OpenSSL ${process.versions.openssl}: ` +
      'use an RSA key of 2048 bits or more, or an EC key, with SHA-256 signatures or stronger',
  );
  attempt({ key }, '--tls-key: not a PEM private key');
  const mismatch = '--tls-certificate and --tls-key: the key does not belong to the certificate';
  attempt({ cert, key }, mismatch);
  // NOTE: OpenSSL compares the pair above only when their key types agree: an EC key given with an
  // RSA certificate loads, and every handshake then fails (no suitable signature algorithm), where
  // Go's tls.X509KeyPair, the reference connector's, refuses the pair at startup.
  const leaf = new X509Certificate(cert);
  const privateKey = createPrivateKey(key);
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new ConfigError([
      `${mismatch} (the key is ${privateKey.asymmetricKeyType}, the certificate's is ${leaf.publicKey.asymmetricKeyType})`,
    ]);
  }
}
