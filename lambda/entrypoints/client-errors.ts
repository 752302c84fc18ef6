// SPDX-License-Identifier: Apache-2.0
// Refusals of bytes Node's HTTP parser cannot read, sent in order: after the answers of the
// requests before them on the same connection, never in their place.

import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What one connection has under way: requests not yet answered, and a refusal waiting for them. */
interface ConnectionState {
  /** Each request not yet answered, with its answer. */
  open: Map<IncomingMessage, ServerResponse>;
  refusal?: () => void;
  /** What the parser refused first on the connection, if anything. */
  error?: NodeJS.ErrnoException;
}

/** What a server's request listener calls with each request, and what it asks of a connection. */
export interface ClientErrorTracking {
  /** Called with every request the server handles. */
  track(req: IncomingMessage, res: ServerResponse): void;
  /** The first error Node's parser reported on `socket`, if any (the refusal of a request it ended). */
  refusalOf(socket: Socket): NodeJS.ErrnoException | undefined;
}

/** Node's own answers to what its parser refuses; anything else is a 400. */
const CLIENT_ERROR_STATUS: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/** The status a connection's bytes that Node's parser refused (`error`, a clientError) are answered. */
export function clientErrorStatus(error: NodeJS.ErrnoException): number {
  return CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400;
}

/**
 * What the refusal's text/plain body says is wrong: the parser's own reason (a fixed text of
 * llhttp's, never the client's bytes) and its code.
 */
export function clientErrorText(error: NodeJS.ErrnoException & { reason?: string }): string {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return "the request did not arrive whole within the server's request timeout\n";
  return `the request is not valid HTTP/1.1: ${error.reason ?? error.message} (${error.code ?? 'unknown'})\n`;
}

/**
 * Whether a clientError refuses bytes the client sent (a malformed request line, headers over the
 * limit), the refusals a log line is for. Not the end of the connection within a request's head
 * (HPE_INVALID_EOF_STATE): its client left, as one that closes within a body does. Not the request
 * timeout either: outside a request it also ends a connection that never sent a byte (Node's 408
 * after headersTimeout), such as one a load balancer or a client opened and left idle.
 */
export function refusesBytes(error: NodeJS.ErrnoException): boolean {
  return error.code !== undefined && error.code.startsWith('HPE_') && error.code !== 'HPE_INVALID_EOF_STATE';
}

/** Told of each refusal sent for bytes outside any request the server handles, for its log line. */
export type RefusalListener = (status: number, reason: string) => void;

/**
 * How a refusal's body gives its reason: as text/plain (the connector's server), or as the message
 * of an AWS JSON 1.0 error body (the embedded store's). The AWS SDKs parse every error body of a
 * JSON-protocol service as JSON: sent as text, the store's refusal reached its SDK clients as a
 * SyntaxError ("... is not valid JSON"), not the service error an empty body made.
 */
export type RefusalBody = 'text' | 'aws-json';

/** The Content-Type and body a refusal whose reason is `text` is sent with. */
function refusalBody(text: string, form: RefusalBody): [string, string] {
  if (form === 'text') return ['text/plain; charset=utf-8', text];
  return ['application/x-amz-json-1.0', JSON.stringify({ message: text.trimEnd() })];
}

/**
 * Node answers bytes it cannot parse (a malformed request pipelined behind a good one) with its 400
 * and destroys the connection at once: the good request's own answer was never sent, the 400 was
 * read as its answer, and the work still running for it saw its client gone. With this, `server`
 * sends the refusal once the requests before it are answered, so each request gets its own answer,
 * in order. Returns what the server's request listener calls with every request it handles, and
 * what the parser refused on a connection (for the log line of a request it ended).
 */
export function refuseClientErrorsInOrder(
  server: Server,
  onRefused?: RefusalListener,
  form: RefusalBody = 'text',
): ClientErrorTracking {
  const connections = new WeakMap<Socket, ConnectionState>();
  const stateOf = (socket: Socket) => {
    let state = connections.get(socket);
    if (state === undefined) connections.set(socket, (state = { open: new Map() }));
    return state;
  };
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const connection = stateOf(socket);
    if (connection.refusal !== undefined) return; // the parser reports each later byte again
    connection.error = error;
    // A request still receiving its body is the refused one itself (a bad chunk, a timeout): it is
    // refused at once, as Node does, since no answer of its own is coming.
    const receiving = [...connection.open].filter(([req]) => !req.complete);
    // Unless its answer went out already: a 413 that reads the rest of the body it refused, which
    // the client then stopped sending, closing its side. A 400 followed that answer, for no request.
    const answered = receiving.some(([, res]) => res.headersSent);
    connection.refusal = () => {
      if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
      // Closed once what was written of that answer is sent.
      if (answered) return void socket.write('', () => socket.destroy());
      const status = clientErrorStatus(error);
      const text = clientErrorText(error);
      // A request of its own (a bad chunk in its body) is logged with its path where it is handled.
      if (receiving.length === 0 && refusesBytes(error)) onRefused?.(status, text.trimEnd());
      // Date as on every other answer (RFC 9110 6.6.1: a server with a clock sends it on a 4xx):
      // an AWS SDK reads its clock offset from the Date of an error answer.
      const [contentType, body] = refusalBody(text, form);
      const answer =
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nDate: ${new Date().toUTCString()}\r\n` +
        `Connection: close\r\nContent-Type: ${contentType}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      socket.write(answer, () => socket.destroy());
    };
    if (connection.open.size === 0 || receiving.length > 0) connection.refusal();
  });
  return {
    track: (req, res) => {
      const connection = stateOf(req.socket);
      connection.open.set(req, res);
      res.once('close', () => {
        connection.open.delete(req);
        if (connection.open.size === 0) connection.refusal?.();
      });
    },
    refusalOf: (socket) => connections.get(socket)?.error,
  };
}
