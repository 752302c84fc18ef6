// SPDX-License-Identifier: Apache-2.0
// Log lines for connections to the HTTPS server that never became a request: a failed TLS handshake
// has no request of its own, and Node ends its connection without a word.

import type { Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../observability/logger';

/** OpenSSL's code for a TLS record that is plain HTTP (`POST /write HTTP/1.1` on the HTTPS port). */
const PLAIN_HTTP_CODE = 'ERR_SSL_HTTP_REQUEST';

/**
 * Logs each failed TLS handshake on `server`. A client that sent plain HTTP (an `http://` URL for
 * an HTTPS server) gets a `warn` line saying so: its connection is closed unanswered, which
 * Prometheus retries forever, so without the line the operator sees only its `EOF`s. Other
 * handshake failures (a client that refuses the certificate with an alert, no common protocol or
 * cipher) are `warn` too. A connection closed before or during the handshake without an alert
 * (`ECONNRESET`) is not logged: load balancers' TCP health checks and port scans do that all day,
 * and a client that refuses the certificate that way says so in its own log.
 */
export function logTlsClientErrors(server: HttpsServer, logger: Logger): void {
  server.on('tlsClientError', (error: NodeJS.ErrnoException & { reason?: string }, socket: TLSSocket) => {
    if (error.code === 'ECONNRESET') return;
    const fields: Record<string, unknown> = {
      remote: remoteOf(socket),
      code: error.code ?? 'unknown',
      reason: error.reason ?? error.message.split('\n')[0],
    };
    if (error.code === PLAIN_HTTP_CODE)
      fields.hint = "the client sent plain HTTP to this HTTPS server: use https:// in the client's URL";
    logger.warn(fields, 'TLS handshake failed');
  });
}

/**
 * `address:port` of the client, or undefined once the socket no longer knows it. An IPv4 client of
 * a dual-stack socket (`::ffff:10.0.0.7`) is named by its IPv4 address, as Go's server logs it.
 */
function remoteOf(socket: TLSSocket): string | undefined {
  const raw = socket.remoteAddress;
  if (raw === undefined) return undefined;
  const address = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw)?.[1] ?? raw;
  return address.includes(':') ? `[${address}]:${socket.remotePort}` : `${address}:${socket.remotePort}`;
}
