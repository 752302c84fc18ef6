// SPDX-License-Identifier: Apache-2.0
// A node:http server on 127.0.0.1 standing in for Timestream in tests of the connector's own HTTP
// clients: it records every request it reads (and which connection carried it), keeps the
// server-side sockets so a test can count the open ones, and answers as the test tells it.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Which connection (in order of acceptance) carried the request. */
  connection: number;
}

export type Answer = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

export interface TestServer {
  port: number;
  seen: Seen[];
  connections: number;
  /** Server-side sockets, in order of acceptance. */
  sockets: Socket[];
  close(): Promise<void>;
}

/** Answers 200 with a small awsJson1_0 body. */
export const OK: Answer = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  res.end('{"ok":true}');
};

/** Starts `server` on 127.0.0.1 at a free port; each request, read to its end, is recorded, then answered. */
export async function listen(server: Server, answer: Answer): Promise<TestServer> {
  const state: TestServer = { port: 0, seen: [], connections: 0, sockets: [], close: async () => undefined };
  const ids = new WeakMap<Socket, number>();
  const accept = (socket: Socket) => {
    ids.set(socket, state.connections++);
    state.sockets.push(socket);
  };
  server.keepAliveTimeout = 60_000;
  server.on(server instanceof HttpsServer ? 'secureConnection' : 'connection', accept);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        connection: ids.get(req.socket) ?? -1,
      };
      state.seen.push(seen);
      answer(req, res, seen);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}

/**
 * Settles with 'hung' when `promise` has not settled within `ms`, so a mutant that hangs fails
 * fast. The timer is unref'd: a test that passed does not keep jest waiting for it.
 */
export const within = <T>(ms: number, promise: Promise<T>): Promise<T | 'hung'> =>
  Promise.race([promise, delay(ms, 'hung' as const, { ref: false })]);
