// SPDX-License-Identifier: Apache-2.0
import { getEventListeners } from 'node:events';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Http1Client, type Http1Request } from '../../../lambda/timestream/http1-client';
import { listen, OK, within, type Answer, type TestServer } from '../../support/recording-server';
import { selfSignedLocalhost } from '../../support/tls';

function post(
  port: number,
  body: string | Uint8Array = '{"a":1}',
  headers: Record<string, string> = {},
): Http1Request {
  return {
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0', ...headers },
    body,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const RAW_OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

interface RawServer {
  port: number;
  /** Per request answered, the connection (in order of acceptance) it came on. */
  connections: number[];
  close(): Promise<void>;
}

/** A server answering the n-th request (one read each: they are small) with the n-th of `answers`. */
async function rawServer(answers: Array<(socket: Socket) => void>): Promise<RawServer> {
  const sockets: Socket[] = [];
  const state: RawServer = { port: 0, connections: [], close: async () => undefined };
  const raw = createNetServer((socket) => {
    const id = sockets.push(socket) - 1;
    socket.on('data', () => {
      state.connections.push(id);
      answers.shift()?.(socket);
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  state.port = (raw.address() as AddressInfo).port;
  state.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => raw.close(resolve));
  };
  return state;
}

let client: Http1Client;
let server: TestServer | undefined;
afterEach(async () => {
  client?.destroy();
  await server?.close();
  server = undefined;
});

describe('Http1Client', () => {
  it('sends the method, path, headers and body exactly, adding Host and Content-Length', async () => {
    server = await listen(createServer(), OK);
    client = new Http1Client({ maxSockets: 4, timeoutMs: 5000 });
    const body = '{"QueryString":"SELECT \'é\'"}';
    const { response } = await client.handle({
      ...post(server.port, body, { 'x-amz-target': 'T.Op' }),
      path: '/p?q=1',
    });
    expect([response.statusCode, response.headers['content-type'], response.body.toString()]).toEqual([
      200,
      'application/x-amz-json-1.0',
      '{"ok":true}',
    ]);
    expect(server.seen).toEqual([
      {
        method: 'POST',
        url: '/p?q=1',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'T.Op',
          host: `127.0.0.1:${server.port}`,
          'content-length': String(Buffer.byteLength(body)),
        },
        body,
        connection: 0,
      },
    ]);
  });

  it('sends byte bodies and keeps the caller’s Host and Content-Length', async () => {
    server = await listen(createServer(), OK);
    client = new Http1Client({ maxSockets: 4, timeoutMs: 5000 });
    await client.handle(
      post(server.port, new Uint8Array([0x7b, 0x7d]), { host: 'signed.example', 'content-length': '2' }),
    );
    expect([
      server.seen[0].headers.host,
      server.seen[0].headers['content-length'],
      server.seen[0].body,
    ]).toEqual(['signed.example', '2', '{}']);
  });

  it('reuses one keep-alive connection for calls one after another', async () => {
    server = await listen(createServer(), OK);
    client = new Http1Client({ maxSockets: 4, timeoutMs: 5000 });
    for (let i = 0; i < 5; i++) await client.handle(post(server.port));
    expect(server.seen.map((s) => s.connection)).toEqual([0, 0, 0, 0, 0]);
  });

  it('keeps an idle keep-alive connection longer than timeoutMs, as node:http’s Agent does', async () => {
    server = await listen(createServer(), OK);
    client = new Http1Client({ maxSockets: 4, timeoutMs: 100 });
    await client.handle(post(server.port));
    await sleep(250);
    await client.handle(post(server.port));
    expect(server.seen.map((s) => s.connection)).toEqual([0, 0]);
  });

  it('lets an idle connection not hold the process open, while a call on it does', async () => {
    server = await listen(createServer(), (req, res, seen) => setTimeout(() => OK(req, res, seen), 100));
    client = new Http1Client({ maxSockets: 4, timeoutMs: 5000 });
    // Sockets keeping the event loop alive: the server's side of the connection always counts.
    const holding = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    await client.handle(post(server.port));
    const idle = holding();
    const pending = client.handle(post(server.port));
    await sleep(30);
    const busy = holding();
    await pending;
    expect([busy - idle, holding() - idle]).toEqual([1, 0]);
    expect(server.seen.map((s) => s.connection)).toEqual([0, 0]);
  });

  it('still times out a call on a connection that sat idle longer than timeoutMs', async () => {
    server = await listen(createServer(), (req, res, seen) => {
      if (seen.connection === 0 && server!.seen.length === 1) OK(req, res, seen); // then silence
    });
    client = new Http1Client({ maxSockets: 4, timeoutMs: 100 });
    await client.handle(post(server.port));
    await sleep(250);
    await expect(client.handle(post(server.port))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(server.seen.map((s) => s.connection)).toEqual([0, 0]);
  });

  it('opens at most maxSockets connections; further calls wait for a free one', async () => {
    server = await listen(createServer(), (req, res) =>
      setTimeout(() => OK(req, res, undefined as never), 20),
    );
    client = new Http1Client({ maxSockets: 2, timeoutMs: 5000 });
    const results = await Promise.all(Array.from({ length: 6 }, () => client.handle(post(server!.port))));
    expect(results.map((r) => r.response.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    expect([server.connections, new Set(server.seen.map((s) => s.connection)).size]).toEqual([2, 2]);
  });

  it('returns error statuses with their body and keeps the connection', async () => {
    server = await listen(createServer(), (_req, res) => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.write('{"__type":"Validation');
      res.end('Exception"}');
    });
    client = new Http1Client({ maxSockets: 4, timeoutMs: 5000 });
    const first = await client.handle(post(server.port));
    await client.handle(post(server.port));
    expect([first.response.statusCode, first.response.body.toString()]).toEqual([
      400,
      '{"__type":"ValidationException"}',
    ]);
    expect(server.seen.map((s) => s.connection)).toEqual([0, 0]);
  });

  it('opens a new connection after a response with Connection: close', async () => {
    server = await listen(createServer(), (_req, res) => {
      res.writeHead(200, { connection: 'close', 'content-length': '2' });
      res.end('ok');
    });
    client = new Http1Client({ maxSockets: 4, timeoutMs: 5000 });
    await client.handle(post(server.port));
    await client.handle(post(server.port));
    expect(server.seen.map((s) => s.connection)).toEqual([0, 1]);
  });

  it.each([
    { name: 'no answer at all', answer: (() => undefined) as Answer },
    {
      name: 'a body that stalls after the headers',
      answer: ((_req, res) => {
        res.writeHead(200, { 'content-length': '10' });
        res.write('12345');
      }) as Answer,
    },
  ])('fails with a TimeoutError after timeoutMs of silence: $name', async ({ answer }) => {
    server = await listen(createServer(), answer);
    client = new Http1Client({ maxSockets: 4, timeoutMs: 150 });
    await expect(client.handle(post(server.port))).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('completes a slow body whose pieces each come within timeoutMs', async () => {
    server = await listen(createServer(), async (_req, res) => {
      res.writeHead(200, { 'content-length': '3' });
      for (const piece of ['a', 'b', 'c']) {
        await sleep(60);
        res.write(piece);
      }
      res.end();
    });
    client = new Http1Client({ maxSockets: 4, timeoutMs: 150 });
    expect((await client.handle(post(server.port))).response.body.toString()).toBe('abc');
  });

  it('fails with an AbortError when the signal aborts mid-call, and drops that connection', async () => {
    server = await listen(createServer(), (req, res) => {
      if (server!.seen.length === 1) return; // the first call hangs until aborted
      OK(req, res, undefined as never);
    });
    client = new Http1Client({ maxSockets: 4, timeoutMs: 5000 });
    const controller = new AbortController();
    const pending = client.handle(post(server.port), { abortSignal: controller.signal });
    await sleep(50);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await client.handle(post(server.port));
    expect(server.seen.map((s) => s.connection)).toEqual([0, 1]);
  });

  it('gives the socket of a call aborted mid-call to a call waiting for one, on a new connection', async () => {
    server = await listen(createServer(), (req, res) => {
      if (server!.seen.length === 1) return; // the first call hangs until aborted
      OK(req, res, undefined as never);
    });
    client = new Http1Client({ maxSockets: 1, timeoutMs: 5000 });
    const controller = new AbortController();
    const aborted = client.handle(post(server.port), { abortSignal: controller.signal });
    await sleep(50);
    const waiting = client.handle(post(server.port)).then((r) => r.response.statusCode);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(await within(2000, waiting)).toBe(200);
    expect(server.seen.map((s) => s.connection)).toEqual([0, 1]);
  });

  it('listens once on a signal shared by many calls, and aborting fails every call still in flight', async () => {
    server = await listen(createServer(), (req, res, seen) => {
      if (seen.body === '"fast"') OK(req, res, seen); // the others hang until aborted
    });
    client = new Http1Client({ maxSockets: 2, timeoutMs: 5000 });
    const controller = new AbortController();
    const options = { abortSignal: controller.signal };
    const fast = await client.handle(post(server.port, '"fast"'), options);
    const hanging = Array.from({ length: 4 }, () =>
      client.handle(post(server!.port, '"slow"'), options).catch((e: Error) => e.name),
    );
    await sleep(50);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    expect([fast.response.statusCode, ...(await Promise.all(hanging))]).toEqual([
      200,
      'AbortError',
      'AbortError',
      'AbortError',
      'AbortError',
    ]);
  });

  it('fails with an AbortError without sending when the signal was already aborted', async () => {
    server = await listen(createServer(), OK);
    client = new Http1Client({ maxSockets: 4, timeoutMs: 5000 });
    await expect(
      client.handle(post(server.port), { abortSignal: AbortSignal.abort() }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(server.connections).toBe(0);
  });

  it('fails a call waiting for a socket when its signal aborts, and serves the others', async () => {
    server = await listen(createServer(), (req, res) =>
      setTimeout(() => OK(req, res, undefined as never), 30),
    );
    client = new Http1Client({ maxSockets: 1, timeoutMs: 5000 });
    const controller = new AbortController();
    const first = client.handle(post(server.port));
    const waiting = client.handle(post(server.port), { abortSignal: controller.signal });
    const third = client.handle(post(server.port));
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect([
      (await first).response.statusCode,
      (await third).response.statusCode,
      server.seen.length,
    ]).toEqual([200, 200, 2]);
  });

  it('fails when the server resets the connection, then connects again', async () => {
    let calls = 0;
    server = await listen(createServer(), (req, res) => {
      if (calls++ === 0) return req.socket.destroy();
      OK(req, res, undefined as never);
    });
    client = new Http1Client({ maxSockets: 4, timeoutMs: 5000 });
    await expect(client.handle(post(server.port))).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await client.handle(post(server.port))).response.statusCode).toBe(200);
  });

  it('fails with the parser’s error on a malformed response, and drops that connection', async () => {
    const raw = await rawServer([
      (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'),
      (socket) => socket.write(RAW_OK),
    ]);
    try {
      // A timeout far shorter than the test's: a parse error left unhandled would end in a TimeoutError.
      client = new Http1Client({ maxSockets: 4, timeoutMs: 1000 });
      await expect(client.handle(post(raw.port))).rejects.toMatchObject({
        name: 'Http1ParseError',
        message: 'bad content-length',
      });
      expect((await client.handle(post(raw.port))).response.body.toString()).toBe('ok');
      expect(raw.connections).toEqual([0, 1]);
    } finally {
      await raw.close();
    }
  });

  it('drops an idle connection that receives bytes after its response, instead of reusing it', async () => {
    const raw = await rawServer([
      (socket) => {
        socket.write(RAW_OK);
        setTimeout(() => socket.write('HTTP/1.1 200 OK\r\n'), 20);
      },
      (socket) => socket.write(RAW_OK),
    ]);
    try {
      client = new Http1Client({ maxSockets: 4, timeoutMs: 5000 });
      await client.handle(post(raw.port));
      await sleep(80);
      expect((await client.handle(post(raw.port))).response.body.toString()).toBe('ok');
      expect(raw.connections).toEqual([0, 1]);
    } finally {
      await raw.close();
    }
  });

  it('gives a call waiting for a socket a new connection when the busy one fails', async () => {
    let calls = 0;
    server = await listen(createServer(), (req, res) => {
      if (calls++ === 0) return req.socket.destroy();
      OK(req, res, undefined as never);
    });
    client = new Http1Client({ maxSockets: 1, timeoutMs: 5000 });
    const first = client.handle(post(server.port)).catch((e: { code?: string }) => e.code);
    const waiting = client.handle(post(server.port)).then((r) => r.response.statusCode);
    expect(await within(2000, Promise.all([first, waiting]))).toEqual(['ECONNRESET', 200]);
    expect(server.seen.map((s) => s.connection)).toEqual([0, 1]);
  });

  it('reuses the most recently released idle connection first', async () => {
    server = await listen(createServer(), (req, res, seen) => {
      if (seen.body === '"slow"') setTimeout(() => OK(req, res, seen), 60);
      else OK(req, res, seen);
    });
    client = new Http1Client({ maxSockets: 2, timeoutMs: 5000 });
    await Promise.all([
      client.handle(post(server.port, '"slow"')),
      client.handle(post(server.port, '"fast"')),
    ]);
    await client.handle(post(server.port, '"next"'));
    const on = (body: string) => server!.seen.find((s) => s.body === body)?.connection;
    // The one released last is the least likely to have been closed by the server meanwhile.
    expect(on('"next"')).toBe(on('"slow"'));
  });

  it('keeps a connection that connected within connectTimeoutMs past it, for a slow answer', async () => {
    server = await listen(createServer(), (req, res, seen) => setTimeout(() => OK(req, res, seen), 250));
    client = new Http1Client({ maxSockets: 4, timeoutMs: 5000, connectTimeoutMs: 100 });
    expect((await client.handle(post(server.port))).response.statusCode).toBe(200);
  });

  it('forgets an idle connection the server closed', async () => {
    server = await listen(createServer(), OK);
    client = new Http1Client({ maxSockets: 4, timeoutMs: 5000 });
    await client.handle(post(server.port));
    for (const socket of server.sockets) socket.destroy();
    await sleep(50);
    expect((await client.handle(post(server.port))).response.statusCode).toBe(200);
    expect(server.seen.map((s) => s.connection)).toEqual([0, 1]);
  });

  it.each<{ name: string; change: Partial<Http1Request>; error: string }>([
    {
      name: 'a header value with CR LF',
      change: { headers: { 'x-amz-target': 'a\r\nx-evil: 1' } },
      error: 'invalid header x-amz-target',
    },
    {
      name: 'a header value with non-ASCII text',
      change: { headers: { 'x-amz-target': 'é' } },
      error: 'invalid header x-amz-target',
    },
    {
      name: 'a header name with a space',
      change: { headers: { 'x amz': 'a' } },
      error: 'invalid header x amz',
    },
    { name: 'a path with a space', change: { path: '/ HTTP/1.0' }, error: 'invalid request line' },
    { name: 'a method with CR LF', change: { method: 'POST\r\n' }, error: 'invalid request line' },
    { name: 'a protocol other than HTTP', change: { protocol: 'ftp:' }, error: 'unsupported protocol ftp:' },
    {
      name: 'a body of another type',
      change: { body: { json: true } },
      error: 'unsupported request body (string or bytes only)',
    },
  ])('refuses $name without sending anything', async ({ change, error }) => {
    server = await listen(createServer(), OK);
    client = new Http1Client({ maxSockets: 4, timeoutMs: 5000 });
    await expect(client.handle({ ...post(server.port), ...change })).rejects.toThrow(new Error(error));
    expect(server.connections).toBe(0);
  });

  it('fails calls in flight when destroyed', async () => {
    server = await listen(createServer(), () => undefined);
    client = new Http1Client({ maxSockets: 4, timeoutMs: 5000 });
    const pending = client.handle(post(server.port));
    await sleep(50);
    client.destroy();
    await expect(pending).rejects.toThrow();
  });

  it('fails calls waiting for a socket when destroyed, without sending them', async () => {
    server = await listen(createServer(), () => undefined);
    client = new Http1Client({ maxSockets: 1, timeoutMs: 5000 });
    const calls = [client.handle(post(server.port)), client.handle(post(server.port))].map((call) =>
      call.catch((e: Error) => e.message),
    );
    await sleep(50);
    client.destroy();
    expect(await within(1000, Promise.all(calls))).toEqual(['client destroyed', 'client destroyed']);
    await sleep(50);
    expect([server.connections, server.seen.length]).toEqual([1, 1]);
  });

  it('fails with a TimeoutError when the TLS handshake takes longer than connectTimeoutMs', async () => {
    const accepted: Socket[] = [];
    const silent = createNetServer((socket) => accepted.push(socket)); // never answers the handshake
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      client = new Http1Client({ maxSockets: 4, timeoutMs: 5000, connectTimeoutMs: 100 });
      const port = (silent.address() as AddressInfo).port;
      await expect(client.handle({ ...post(port), protocol: 'https:' })).rejects.toMatchObject({
        name: 'TimeoutError',
        message: 'connection timed out',
      });
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  describe('over TLS', () => {
    let cert: Buffer;
    let key: Buffer;
    beforeAll(() => {
      ({ cert, key } = selfSignedLocalhost());
    });

    it('speaks HTTPS with the server name checked, and reuses the TLS connection', async () => {
      server = await listen(createHttpsServer({ cert, key }), OK);
      client = new Http1Client({ maxSockets: 4, timeoutMs: 5000, tls: { ca: cert } });
      const request = { ...post(server.port), protocol: 'https:', hostname: 'localhost' };
      await client.handle(request);
      await client.handle(request);
      expect(server.seen.map((s) => [s.connection, s.headers.host])).toEqual([
        [0, `localhost:${server.port}`],
        [0, `localhost:${server.port}`],
      ]);
      // The name is sent (SNI) as well as checked: a shared endpoint picks its certificate by it.
      expect((server.sockets[0] as TLSSocket).servername).toBe('localhost');
      // A certificate for another name is refused.
      const other = new Http1Client({ maxSockets: 1, timeoutMs: 5000, tls: { ca: cert } });
      try {
        await expect(other.handle({ ...request, hostname: '127.0.0.1' })).rejects.toMatchObject({
          code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        });
      } finally {
        other.destroy();
      }
    });

    it('resumes the last TLS session on a new connection instead of a full handshake', async () => {
      server = await listen(createHttpsServer({ cert, key }), OK);
      client = new Http1Client({ maxSockets: 4, timeoutMs: 5000, tls: { ca: cert } });
      const request = { ...post(server.port), protocol: 'https:', hostname: 'localhost' };
      await client.handle(request);
      await Promise.all([client.handle(request), client.handle(request)]);
      const sockets = server.sockets as TLSSocket[];
      expect(sockets.map((socket) => socket.isSessionReused())).toEqual([false, true]);
    });
  });
});
