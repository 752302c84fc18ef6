// SPDX-License-Identifier: Apache-2.0
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { refuseClientErrorsInOrder } from '../../../lambda/entrypoints/client-errors';

/** A socket that records what is written to it; nothing else of Socket is used by a refusal. */
function recordingSocket(): Socket & { written: string[]; destroyed: boolean } {
  const socket = {
    writable: true,
    destroyed: false,
    written: [] as string[],
    write(data: string, done: () => void) {
      socket.written.push(data);
      done();
      return true;
    },
    destroy() {
      socket.destroyed = true;
    },
  };
  return socket as unknown as Socket & { written: string[]; destroyed: boolean };
}

/** A clientError as Node's parser reports it. */
function parserError(code: string, reason: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`Parse Error: ${reason}`), { code, reason });
}

describe('refuseClientErrorsInOrder, outside any request', () => {
  test.each([
    {
      name: 'a malformed request line',
      error: parserError('HPE_INVALID_METHOD', 'Invalid method encountered'),
      status: 'HTTP/1.1 400 Bad Request',
      logged: [[400, 'the request is not valid HTTP/1.1: Invalid method encountered (HPE_INVALID_METHOD)']],
    },
    {
      name: 'headers over the limit',
      error: parserError('HPE_HEADER_OVERFLOW', 'Header overflow'),
      status: 'HTTP/1.1 431 Request Header Fields Too Large',
      logged: [[431, 'the request is not valid HTTP/1.1: Header overflow (HPE_HEADER_OVERFLOW)']],
    },
    {
      // The client left within a request's head: answered as Node does, not logged as a refusal.
      name: 'the end of the connection within a head',
      error: parserError('HPE_INVALID_EOF_STATE', 'Invalid EOF state'),
      status: 'HTTP/1.1 400 Bad Request',
      logged: [],
    },
    {
      // Also what a connection that never sent a byte gets after headersTimeout: not logged.
      name: 'the request timeout',
      error: Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }),
      status: 'HTTP/1.1 408 Request Timeout',
      logged: [],
    },
  ])(
    'answers $name with its reason and logs it only when it refuses bytes sent',
    ({ error, status, logged }) => {
      const server = createServer();
      const seen: [number, string][] = [];
      refuseClientErrorsInOrder(server, (code, reason) => seen.push([code, reason]));
      const socket = recordingSocket();
      server.emit('clientError', error, socket);
      expect(socket.written).toHaveLength(1);
      const [head, body] = socket.written[0].split('\r\n\r\n');
      expect([
        head.split('\r\n')[0],
        head.includes('\r\nContent-Type: text/plain; charset=utf-8\r\n'),
      ]).toEqual([status, true]);
      expect(body).toMatch(/^the request .+\n$/);
      expect(seen).toEqual(logged);
      expect(socket.destroyed).toBe(true);
    },
  );

  test('destroys a reset connection without an answer or a log line', () => {
    const server = createServer();
    const seen: unknown[] = [];
    refuseClientErrorsInOrder(server, (...args) => seen.push(args));
    const socket = recordingSocket();
    server.emit('clientError', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), socket);
    expect([socket.written, seen, socket.destroyed]).toEqual([[], [], true]);
  });
});
