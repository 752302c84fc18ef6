import dns from 'node:dns';
import { EventEmitter } from 'node:events';
import { connect, Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { HttpRequest, HttpResponse } from '../../../lambda/core/http';
import { requestPath, startServer } from '../../../lambda/entrypoints/server';
import { RequestQueue } from '../../../lambda/entrypoints/request-queue';
import { CaptureLogger } from '../../support/capture-logger';
import { rawRequest } from '../../support/raw-request';
import { heapOutsideYoungGeneration } from '../../support/heap';

/**
 * Sends a 16 MiB write with `Expect: 100-continue` and its body at once, without waiting for 100
 * Continue (RFC 9110 10.1.1 lets a client), then half-closes; resolves with the answer's status line
 * and the socket's error code, or `none`.
 */
function sendWithBodyAtOnce(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      socket.write(
        'POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 16777216\r\nExpect: 100-continue\r\n\r\n',
      );
      socket.end(Buffer.alloc(16777216));
    });
    let answer = '';
    let failure = 'none';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => (failure = error.code ?? error.message));
    socket.on('close', () => resolve(`${/HTTP\/1.1 \d+ [^\r]*/.exec(answer)?.[0]}; error: ${failure}`));
  });
}

/** A whole request without a body, kept alive. */
const POST_EMPTY = 'POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n';

/** A server on a free port with a 1 KiB body limit, `handler` behind it and `m 1` at /metrics. */
function startOn(
  handler: (request: HttpRequest) => Promise<HttpResponse>,
  logger: CaptureLogger = new CaptureLogger(),
  host = '127.0.0.1',
) {
  return startServer({
    host,
    port: 0,
    telemetryPath: '/metrics',
    maxBodyBytes: 1024,
    handler,
    metrics: async () => ({ contentType: 'text/plain', body: 'm 1\n' }),
    logger,
  });
}

describe('requestPath', () => {
  test.each([
    ['/write', '/write'],
    ['/write?x=1', '/write'],
    ['http://host/write', '/write'],
    ['http://host:9201/read?x', '/read'],
    ['HTTPS://host/write', '/write'],
    ['http://host', '/'],
    ['//write', '//write'],
    ['/%77rite', '/write'],
    ['/wr%ZZite', '/wr%ZZite'],
    [undefined, '/'],
  ])('%s -> %s', (target, path) => {
    expect(requestPath(target)).toBe(path);
  });
});

describe('startServer', () => {
  test('logs a client that leaves halfway through its body as a warning, not a server failure', async () => {
    const logger = new CaptureLogger();
    let handled = 0;
    const server = await startOn(async () => {
      handled++;
      return { status: 204, headers: {}, body: '' };
    }, logger);
    try {
      await new Promise<void>((resolve) => {
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.write('POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nhalf');
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on('close', () => resolve());
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(handled).toBe(0);
      expect(logger.lines.map((l) => [l.level, l.msg, l.fields.path])).toEqual([
        ['warn', 'client closed the connection before sending the whole request', '/write'],
      ]);
    } finally {
      await server.close();
    }
  });

  test('logs a request whose body the parser refuses (a bad chunk) as refused with its 400, not as a client gone', async () => {
    const logger = new CaptureLogger();
    let handled = 0;
    const server = await startOn(async () => {
      handled++;
      return { status: 204, headers: {}, body: '' };
    }, logger);
    try {
      const answer = await rawRequest(
        server.port,
        'POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nzz\r\n',
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect([answer.split('\r\n')[0], handled]).toEqual(['HTTP/1.1 400 Bad Request', 0]);
      expect(logger.lines.map((l) => [l.level, l.msg, l.fields])).toEqual([
        [
          'warn',
          'request refused',
          {
            path: '/write',
            status: 400,
            reason: 'HPE_INVALID_CHUNK_SIZE: Parse Error: Invalid character in chunk size',
          },
        ],
      ]);
    } finally {
      await server.close();
    }
  });

  test('logs the path of a client that leaves halfway escaped and cut, as a refused path is', async () => {
    const logger = new CaptureLogger();
    const server = await startOn(async () => ({ status: 204, headers: {}, body: '' }), logger);
    try {
      await new Promise<void>((resolve) => {
        const socket = connect(server.port, '127.0.0.1', () => {
          // A terminal control sequence (8-bit CSI), a forged line and 300 characters, percent-escaped.
          const path = `/%C2%9B2J%0Alevel=error%1B[31m${'a'.repeat(300)}`;
          socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nhalf`);
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on('close', () => resolve());
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(logger.lines.map((l) => l.fields.path)).toEqual([
        `/\\x9b2J\\x0alevel=error\\x1b[31m${'a'.repeat(200 - 30)}…`,
      ]);
    } finally {
      await server.close();
    }
  });

  test('answers a body declared over the limit with 413 instead of 100 Continue', async () => {
    const bodies: number[] = [];
    const server = await startOn(async (request: HttpRequest) => {
      if (request.oversizeBody !== undefined) return { status: 413, headers: {}, body: 'too large\n' };
      bodies.push(request.body.byteLength);
      return { status: 204, headers: {}, body: '' };
    });
    /** The status lines a request sent with Expect: 100-continue gets; the client closes at its answer. */
    const expecting = (length: number, body: string) =>
      new Promise<string[]>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () =>
          socket.write(
            `POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${length}\r\n` +
              `Expect: 100-continue\r\nConnection: close\r\n\r\n${body}`,
          ),
        );
        let answer = '';
        socket.on('data', (chunk: Buffer) => {
          answer += chunk.toString('latin1');
          // Given a final answer before sending its body, it closes the connection (RFC 9110 10.1.1).
          if (/ 413 [^]*too large\n$/.test(answer)) socket.end();
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(answer.split('\r\n').filter((line) => line.startsWith('HTTP/1.1'))));
      });
    try {
      expect(await expecting(1025, '')).toEqual(['HTTP/1.1 413 Payload Too Large']);
      expect(await expecting(1024, 'x'.repeat(1024))).toEqual([
        'HTTP/1.1 100 Continue',
        'HTTP/1.1 204 No Content',
      ]);
      expect(bodies).toEqual([1024]);
    } finally {
      await server.close();
    }
  });

  test('sends no 100 Continue to an HTTP/1.0 request with Expect: 100-continue (RFC 9110 15.2)', async () => {
    const bodies: string[] = [];
    const server = await startOn(async (request: HttpRequest) => {
      bodies.push(Buffer.from(request.body).toString());
      return { status: 204, headers: {}, body: '' };
    });
    try {
      const answer = await rawRequest(
        server.port,
        'POST /write HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nab',
      );
      expect([answer.split('\r\n').filter((line) => line.startsWith('HTTP/')), bodies]).toEqual([
        ['HTTP/1.1 204 No Content'],
        ['ab'],
      ]);
    } finally {
      await server.close();
    }
  });

  test('reads the rest of a body over the limit sent at once with Expect: 100-continue, so the client reads its 413, not a reset', async () => {
    // A client need not wait for 100 Continue (RFC 9110 10.1.1): Go's Transport without an
    // ExpectContinueTimeout sends the body at once. Closed at once, the connection was reset.
    const server = await startOn(async () => ({ status: 413, headers: {}, body: 'too large\n' }));
    try {
      const outcome = await sendWithBodyAtOnce(server.port);
      expect(outcome).toBe('HTTP/1.1 413 Payload Too Large; error: none');
    } finally {
      await server.close();
    }
  });

  test.each([
    {
      name: 'declared',
      head: 'Content-Length: 1048576',
      first: '',
      rest: Buffer.alloc(1048576),
    },
    {
      // Invited by 100 Continue (no length declared), then over the limit as it arrives.
      name: 'chunked after 100 Continue',
      head: 'Transfer-Encoding: chunked\r\nExpect: 100-continue',
      first: `800\r\n${'x'.repeat(2048)}\r\n`,
      rest: Buffer.from(`100000\r\n${'x'.repeat(1048576)}\r\n0\r\n\r\n`),
    },
  ])(
    'reads the rest of a body over the limit after its 413, so a client still sending it reads the answer, not a reset ($name)',
    async ({ head, first, rest }) => {
      // nginx with proxy_request_buffering off streams the body on after the answer: closed with the
      // body unread, the connection was reset and nginx answered 502, which Prometheus resends.
      const server = await startOn(async () => ({ status: 413, headers: {}, body: 'too large\n' }));
      try {
        const outcome = await new Promise<string>((resolve) => {
          const socket = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true }, () =>
            socket.write(`POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\n${head}\r\n\r\n`),
          );
          let answer = '';
          let failure = 'none';
          socket.on('data', (chunk: Buffer) => {
            const before = answer;
            answer += chunk.toString('latin1');
            if (!before.includes('100 Continue') && answer.includes('100 Continue')) socket.write(first);
            // The rest of the body goes once the answer is in and the server had time to close.
            if (!before.includes(' 413 ') && answer.includes(' 413 ')) setTimeout(() => socket.end(rest), 50);
          });
          socket.on('error', (error: NodeJS.ErrnoException) => (failure = error.code ?? error.message));
          socket.on('close', () => resolve(`${/HTTP\/1.1 413 [^\r]*/.exec(answer)?.[0]}; error: ${failure}`));
        });
        expect(outcome).toBe('HTTP/1.1 413 Payload Too Large; error: none');
      } finally {
        await server.close();
      }
    },
  );

  test('answers a client that stops sending a body over the limit after its 413, closing its side, with that 413 alone', async () => {
    const server = await startOn(async () => ({ status: 413, headers: {}, body: 'too large\n' }));
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true }, () =>
          socket.write(
            `POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\n${'x'.repeat(2048)}`,
          ),
        );
        let received = '';
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString('latin1');
          // Told the body is refused, it sends no more of it, as RFC 9112 section 9.6 lets a client.
          if (received.endsWith('too large\n')) socket.end();
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(received));
      });
      // A 400 for the body cut short followed it: a second answer to one request.
      const headEnd = answer.indexOf('\r\n\r\n');
      expect([answer.split('\r\n')[0], answer.slice(headEnd + 4)]).toEqual([
        'HTTP/1.1 413 Payload Too Large',
        'too large\n',
      ]);
    } finally {
      await server.close();
    }
  });

  test.each([
    { name: '401, refused from its headers', refuses: true, limit: 0 },
    { name: '503, waited its longest for a turn', refuses: false, limit: 1 },
  ])(
    'answers a request sent with Expect: 100-continue and its body at once $name, read, not reset',
    async ({ refuses, limit }) => {
      const writes = new RequestQueue(limit, 50);
      const held: (() => void)[] = [];
      const server = await startServer({
        host: '127.0.0.1',
        port: 0,
        telemetryPath: '/metrics',
        maxBodyBytes: 32 * 1024 * 1024,
        handler: async (request) => {
          if (refuses) return { status: 401, headers: {}, body: 'no credentials\n' };
          if (request.unserved !== undefined) return { status: 503, headers: {}, body: 'wait\n' };
          await new Promise<void>((resolve) => held.push(resolve));
          return { status: 204, headers: {}, body: '' };
        },
        metrics: async () => ({ contentType: 'text/plain', body: '' }),
        logger: new CaptureLogger(),
        writeQueue: writes,
        refusesFromHeaders: () => refuses,
      });
      try {
        // The one turn taken, for the 503.
        if (!refuses) void rawRequest(server.port, POST_EMPTY);
        await new Promise((resolve) => setTimeout(resolve, 20));
        const outcome = await sendWithBodyAtOnce(server.port);
        expect(outcome).toBe(
          refuses
            ? 'HTTP/1.1 401 Unauthorized; error: none'
            : 'HTTP/1.1 503 Service Unavailable; error: none',
        );
      } finally {
        held.forEach((release) => release());
        await server.close();
      }
    },
  );

  test('holds a body sent one byte per chunk in memory about its own size, not per chunk', async () => {
    const chunks = 400_000;
    let grown = Number.NaN;
    let received = -1;
    const before = heapOutsideYoungGeneration();
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      telemetryPath: '/metrics',
      maxBodyBytes: 1024 * 1024,
      handler: async (request: HttpRequest) => {
        // Measured while the request is still open, so whatever its reading keeps is still held.
        grown = heapOutsideYoungGeneration() - before;
        received = request.body.byteLength;
        return { status: 204, headers: {}, body: '' };
      },
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
      logger: new CaptureLogger(),
    });
    try {
      const answer = await rawRequest(
        server.port,
        'POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
          '1\r\nx\r\n'.repeat(chunks) +
          '0\r\n\r\n',
      );
      expect([answer.split('\r\n')[0], received]).toEqual(['HTTP/1.1 204 No Content', chunks]);
      // Kept one Buffer per chunk, the 400 KB body held some 75-80 MB of the heap; copied into one
      // buffer, 2-6 MB (Node 20, 22 and 24).
      expect(grown).toBeLessThan(20 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });

  test('hands the handler every value of a repeated header, joined by commas as API Gateway joins them', async () => {
    const seen: Record<string, string>[] = [];
    const server = await startOn(async (request: HttpRequest) => {
      seen.push(request.headers);
      return { status: 204, headers: {}, body: '' };
    });
    try {
      // Node's request.headers would keep only the first Authorization and Content-Type.
      const answer = await rawRequest(
        server.port,
        'POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic a\r\nAuthorization: Basic b\r\n' +
          'Content-Type: application/x-protobuf\r\nContent-Type: text/plain\r\nX-Amz-Security-Token: t1\r\n' +
          'X-Amz-Security-Token: t2\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 204 No Content');
      expect(seen).toEqual([
        {
          host: '127.0.0.1',
          authorization: 'Basic a,Basic b',
          'content-type': 'application/x-protobuf,text/plain',
          'x-amz-security-token': 't1,t2',
          'content-length': '0',
          connection: 'close',
        },
      ]);
    } finally {
      await server.close();
    }
  });

  test('hands the handler a header repeated with one value twice, and an empty header value', async () => {
    const seen: Record<string, string>[] = [];
    const server = await startOn(async (request: HttpRequest) => {
      seen.push(request.headers);
      return { status: 204, headers: {}, body: '' };
    });
    try {
      // Merged, the two Authorization headers would pass as one; dropped, the empty token would pass
      // as none. auth.ts answers both with 401, so both reach it as sent.
      const answer = await rawRequest(
        server.port,
        'POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic a\r\nAuthorization: Basic a\r\n' +
          'X-Amz-Security-Token:\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 204 No Content');
      expect(seen).toEqual([
        {
          host: '127.0.0.1',
          authorization: 'Basic a,Basic a',
          'x-amz-security-token': '',
          'content-length': '0',
          connection: 'close',
        },
      ]);
    } finally {
      await server.close();
    }
  });

  test.each([
    {
      name: 'a malformed request line after a whole request',
      bytes: `${POST_EMPTY}GARBAGE\r\n\r\n`,
      statuses: ['HTTP/1.1 204 No Content', 'HTTP/1.1 400 Bad Request'],
      text: 'the request is not valid HTTP/1.1: Invalid method encountered (HPE_INVALID_METHOD)',
      logged: [
        {
          status: 400,
          reason: 'the request is not valid HTTP/1.1: Invalid method encountered (HPE_INVALID_METHOD)',
        },
      ],
      handled: 1,
    },
    {
      name: 'headers over 16 KiB after a whole request',
      bytes: `${POST_EMPTY}GET /healthz HTTP/1.1\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`,
      statuses: ['HTTP/1.1 204 No Content', 'HTTP/1.1 431 Request Header Fields Too Large'],
      text: 'the request is not valid HTTP/1.1: Header overflow (HPE_HEADER_OVERFLOW)',
      logged: [
        { status: 431, reason: 'the request is not valid HTTP/1.1: Header overflow (HPE_HEADER_OVERFLOW)' },
      ],
      handled: 1,
    },
    {
      name: 'a request with both Transfer-Encoding and Content-Length (RFC 9112 6.1)',
      bytes:
        'POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
      statuses: ['HTTP/1.1 400 Bad Request'],
      text: "the request is not valid HTTP/1.1: Transfer-Encoding can't be present with Content-Length (HPE_INVALID_TRANSFER_ENCODING)",
      logged: [
        {
          status: 400,
          reason:
            "the request is not valid HTTP/1.1: Transfer-Encoding can't be present with Content-Length (HPE_INVALID_TRANSFER_ENCODING)",
        },
      ],
      handled: 0,
    },
    {
      // The request is the malformed one: refused at once, its handler never called, and logged
      // with its path where it is handled.
      name: 'a bad chunk size in the body of the request',
      bytes: 'POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      statuses: ['HTTP/1.1 400 Bad Request'],
      text: 'the request is not valid HTTP/1.1: Invalid character in chunk size (HPE_INVALID_CHUNK_SIZE)',
      logged: [
        {
          path: '/write',
          status: 400,
          reason: 'HPE_INVALID_CHUNK_SIZE: Parse Error: Invalid character in chunk size',
        },
      ],
      handled: 0,
    },
  ])(
    'answers $name in order, the requests before it first',
    async ({ bytes, statuses, text, logged, handled }) => {
      const signals: AbortSignal[] = [];
      const logger = new CaptureLogger();
      const server = await startOn(async (request: HttpRequest) => {
        // Answered a turn later, while the bytes after the request are parsed.
        await new Promise((resolve) => setImmediate(resolve));
        signals.push(request.signal as AbortSignal);
        return { status: 204, headers: {}, body: '' };
      }, logger);
      try {
        const answer = await rawRequest(server.port, bytes);
        expect(answer.split('\r\n').filter((line) => line.startsWith('HTTP/1.1'))).toEqual(statuses);
        // The refusal carries a Date as every other answer does (RFC 9110 6.6.1), and says what is wrong.
        expect(answer.match(/^date: .+ GMT$/gim)).toHaveLength(statuses.length);
        const refusal = answer.slice(answer.lastIndexOf('HTTP/1.1 '));
        expect(refusal.slice(refusal.indexOf('\r\n\r\n') + 4)).toBe(`${text}\n`);
        expect(refusal).toMatch(/\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
        expect(signals.map((signal) => signal.aborted)).toEqual(new Array(handled).fill(false));
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(
          logger.lines
            .filter((l) => l.msg === 'request refused')
            .map((l) => ({ level: l.level, ...l.fields })),
        ).toEqual(logged.map((fields) => ({ level: 'warn', ...fields })));
      } finally {
        await server.close();
      }
    },
  );

  test('logs no refusal for a client that closes its side within a request head: it left, nothing was refused', async () => {
    const logger = new CaptureLogger();
    const server = await startOn(async () => ({ status: 204, headers: {}, body: '' }), logger);
    try {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true }, () =>
          socket.end('POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le'),
        );
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        socket.on('close', () => resolve(text));
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Answered 400 as Node.js answers it; logged, it was a malformed request no client sent.
      expect([answer.split('\r\n')[0], logger.lines.filter((l) => l.msg === 'request refused')]).toEqual([
        'HTTP/1.1 400 Bad Request',
        [],
      ]);
    } finally {
      await server.close();
    }
  });

  test('routes an absolute-form request target (RFC 9112 3.2.2) by its path', async () => {
    const seen: string[] = [];
    const server = await startOn(async (request: HttpRequest) => {
      seen.push(request.path);
      return { status: 204, headers: {}, body: '' };
    });
    try {
      const write = await rawRequest(
        server.port,
        'POST http://127.0.0.1/write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      expect(write.split('\r\n')[0]).toBe('HTTP/1.1 204 No Content');
      const metrics = await rawRequest(
        server.port,
        'GET http://127.0.0.1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      );
      expect(metrics.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
      // HEAD answers as GET does, without the body.
      const head = await rawRequest(
        server.port,
        'HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      );
      expect([head.split('\r\n')[0], head.endsWith('\r\n\r\n'), /content-length: 4\r\n/i.test(head)]).toEqual(
        ['HTTP/1.1 200 OK', true, true],
      );
      expect(seen).toEqual(['/write']);
    } finally {
      await server.close();
    }
  });
});

describe('startServer listen address', () => {
  const NO_CONTENT = async (): Promise<HttpResponse> => ({ status: 204, headers: {}, body: '' });
  /** Whether this machine has the IPv6 loopback, which the dual-stack checks connect to. */
  const hasIpv6Loopback = Object.values(networkInterfaces()).some((addresses) =>
    (addresses ?? []).some((address) => address.address === '::1'),
  );

  test('0.0.0.0 listens on IPv6 too, as Go\'s net.Listen("tcp", "0.0.0.0:9201") does', async () => {
    // Without ::1 only the IPv4 half can be checked here; CI machines with IPv6 check both.
    if (!hasIpv6Loopback) console.log('this machine has no IPv6 loopback (::1): checking IPv4 only');
    const hosts = hasIpv6Loopback ? ['127.0.0.1', '[::1]'] : ['127.0.0.1'];
    const server = await startOn(NO_CONTENT, new CaptureLogger(), '0.0.0.0');
    try {
      const answers = await Promise.all(
        hosts.map(async (host) => {
          const response = await fetch(`http://${host}:${server.port}/metrics`);
          return [host, response.status, await response.text()];
        }),
      );
      expect([server.url, answers]).toEqual([
        `http://127.0.0.1:${server.port}`,
        hosts.map((host) => [host, 200, 'm 1\n']),
      ]);
    } finally {
      await server.close();
    }
  });

  // Listening on :: needs IPv6 in the kernel: without it only the checks above run.
  test.each(hasIpv6Loopback ? ['::', '0::0', '0:0:0:0:0:0:0:0'] : ['0.0.0.0'])(
    'listening on %s, names 127.0.0.1 in its URL, an address a client can use',
    async (host) => {
      const server = await startOn(NO_CONTENT, new CaptureLogger(), host);
      try {
        expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      } finally {
        await server.close();
      }
    },
  );

  test("a host name listens on its first IPv4 address, as Go's net.Listen does, not on ::1 listed first", async () => {
    // Resolvers list localhost's ::1 before 127.0.0.1 where /etc/hosts names both; this one does so
    // for a name of its own, so the test needs neither that line nor IPv6.
    const realLookup = dns.lookup;
    const lookup = jest.spyOn(dns, 'lookup').mockImplementation(((
      host: string,
      ...rest: [unknown, ...unknown[]]
    ) => {
      if (host !== 'dual.test') return Reflect.apply(realLookup, dns, [host, ...rest]);
      const [options, callback] = rest.length === 1 ? [{}, rest[0]] : rest;
      const answer = callback as (error: null, ...answer: unknown[]) => void;
      if ((options as { all?: boolean }).all === true) {
        answer(null, [
          { address: '::1', family: 6 },
          { address: '127.0.0.1', family: 4 },
        ]);
      } else answer(null, '::1', 6);
    }) as unknown as typeof dns.lookup);
    try {
      const server = await startOn(NO_CONTENT, new CaptureLogger(), 'dual.test');
      try {
        expect([
          server.url,
          await rawRequest(
            server.port,
            'GET /metrics HTTP/1.1\r\nHost: dual.test\r\nConnection: close\r\n\r\n',
          ).then((a) => a.split('\r\n')[0]),
        ]).toEqual([`http://dual.test:${server.port}`, 'HTTP/1.1 200 OK']);
      } finally {
        await server.close();
      }
    } finally {
      lookup.mockRestore();
    }
  });
});

describe('startServer answers', () => {
  /** Status line, the named headers and the body of one raw request's answer. */
  async function ask(port: number, requestLine: string, extra = '', names = ['content-type']) {
    const answer = await rawRequest(
      port,
      `${requestLine} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Connection: close\r\n\r\n`,
    );
    const [head, body] = [
      answer.slice(0, answer.indexOf('\r\n\r\n')),
      answer.slice(answer.indexOf('\r\n\r\n') + 4),
    ];
    const lines = head.split('\r\n');
    const headers = Object.fromEntries(
      names.map((name) => [
        name,
        lines
          .find((l) => l.toLowerCase().startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim(),
      ]),
    );
    return { status: lines[0], headers, body };
  }

  test.each([
    { target: 'GET /healthz', status: 'HTTP/1.1 200 OK', type: 'text/plain', body: 'ok\n' },
    { target: 'HEAD /healthz', status: 'HTTP/1.1 200 OK', type: 'text/plain', body: '' },
    {
      target: 'GET /metrics',
      status: 'HTTP/1.1 200 OK',
      type: 'text/plain; version=0.0.4; charset=utf-8',
      body: 'm 1\n',
    },
  ])('$target with $status, its content type and body', async ({ target, status, type, body }) => {
    let handled = 0;
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      telemetryPath: '/metrics',
      maxBodyBytes: 1024,
      handler: async () => {
        handled++;
        return { status: 204, headers: {}, body: '' };
      },
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'm 1\n' }),
      logger: new CaptureLogger(),
    });
    try {
      const extra = target.startsWith('POST') ? 'Content-Length: 0\r\n' : '';
      expect(await ask(server.port, target, extra)).toEqual({
        status,
        headers: { 'content-type': type },
        body,
      });
      expect(handled).toBe(0);
    } finally {
      await server.close();
    }
  });

  test('GET /healthz with 503 and the reason while the embedded store needs a restart, else 200 ok', async () => {
    let problem: string | undefined = 'the store file /data/store.duckdb is gone';
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      telemetryPath: '/metrics',
      maxBodyBytes: 1024,
      handler: async () => ({ status: 204, headers: {}, body: '' }),
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
      logger: new CaptureLogger(),
      health: async () => problem,
    });
    try {
      expect(await ask(server.port, 'GET /healthz')).toEqual({
        status: 'HTTP/1.1 503 Service Unavailable',
        headers: { 'content-type': 'text/plain' },
        body: 'unhealthy: the store file /data/store.duckdb is gone\n',
      });
      problem = undefined;
      expect(await ask(server.port, 'GET /healthz')).toEqual({
        status: 'HTTP/1.1 200 OK',
        headers: { 'content-type': 'text/plain' },
        body: 'ok\n',
      });
    } finally {
      await server.close();
    }
  });

  test.each(
    ['/metrics', '/healthz'].flatMap((path) =>
      ['POST', 'PUT', 'DELETE', 'OPTIONS'].map((method) => [method, path]),
    ),
  )('%s %s with 405 naming GET and HEAD, without calling the handler', async (method, path) => {
    const logger = new CaptureLogger();
    let handled = 0;
    const server = await startOn(async () => {
      handled++;
      return { status: 204, headers: {}, body: '' };
    }, logger);
    try {
      expect(
        await ask(server.port, `${method} ${path}`, 'Content-Length: 0\r\n', ['allow', 'content-type']),
      ).toEqual({
        status: 'HTTP/1.1 405 Method Not Allowed',
        headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' },
        body: `${path} accepts GET and HEAD only\n`,
      });
      expect(handled).toBe(0);
      expect(logger.lines.map((l) => [l.level, l.msg, l.fields.status])).toEqual([
        ['warn', 'request refused', 405],
      ]);
    } finally {
      await server.close();
    }
  });

  test.each([
    { status: 204, body: '', framing: { 'content-length': undefined, 'transfer-encoding': undefined } },
    { status: 400, body: 'bad\n', framing: { 'content-length': '4', 'transfer-encoding': undefined } },
    { status: 503, body: '', framing: { 'content-length': '0', 'transfer-encoding': undefined } },
  ])(
    'frames a $status answer of the handler by its length, a 204 without one',
    async ({ status, body, framing }) => {
      const server = await startOn(async () => ({ status, headers: {}, body }));
      try {
        const answer = await ask(server.port, 'POST /write', 'Content-Length: 0\r\n', [
          'content-length',
          'transfer-encoding',
        ]);
        expect([answer.headers, answer.body]).toEqual([framing, body]);
      } finally {
        await server.close();
      }
    },
  );

  test("aborts the handler's signal when the client closes before its answer", async () => {
    let aborted: Promise<boolean> | undefined;
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    const server = await startOn(async (request: HttpRequest) => {
      aborted = new Promise<boolean>((resolve) => {
        request.signal?.addEventListener('abort', () => resolve(true));
        setTimeout(() => resolve(false), 1000);
      });
      arrived();
      await aborted;
      return { status: 204, headers: {}, body: '' };
    });
    try {
      const socket = connect(server.port, '127.0.0.1', () =>
        socket.write('POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n'),
      );
      await arrival;
      socket.destroy();
      expect(await aborted).toBe(true);
    } finally {
      await server.close();
    }
  });

  test('a handler that throws answers 500 internal error and logs it at error', async () => {
    const logger = new CaptureLogger();
    const server = await startOn(async () => {
      throw new Error('boom');
    }, logger);
    try {
      expect(await ask(server.port, 'POST /write', 'Content-Length: 0\r\n')).toEqual({
        status: 'HTTP/1.1 500 Internal Server Error',
        headers: { 'content-type': 'text/plain' },
        body: 'internal error\n',
      });
      expect(logger.lines.map((l) => [l.level, l.msg, l.fields.err])).toEqual([
        ['error', 'request failed unexpectedly', 'Error: boom'],
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('startServer close (the shutdown of SIGTERM and SIGINT)', () => {
  interface Arrival {
    /** Whether the request's signal was aborted when it reached the handler. */
    aborted: boolean;
    answer: (response: HttpResponse) => void;
  }
  const NO_CONTENT: HttpResponse = { status: 204, headers: {}, body: '' };
  const ABORTED: HttpResponse = { status: 503, headers: { 'retry-after': '1' }, body: 'aborted\n' };

  /**
   * A server whose handler holds each request until the test answers it; `arrival(path)` resolves
   * once a request for `path` reached the handler. With `answerAborted`, a held request answers
   * ABORTED a moment after the shutdown controller aborts, as the connector's aborted calls fail.
   */
  async function holding(shutdownGraceMs: number, answerAborted = false) {
    const shutdownController = new AbortController();
    const arrivals = new Map<string, { promise: Promise<Arrival>; resolve: (a: Arrival) => void }>();
    const arrivalOf = (path: string) => {
      let entry = arrivals.get(path);
      if (entry === undefined) {
        let resolve!: (a: Arrival) => void;
        const promise = new Promise<Arrival>((r) => (resolve = r));
        entry = { promise, resolve };
        arrivals.set(path, entry);
      }
      return entry;
    };
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      telemetryPath: '/metrics',
      maxBodyBytes: 1024,
      handler: (request) =>
        new Promise<HttpResponse>((answer) => {
          if (answerAborted)
            shutdownController.signal.addEventListener('abort', () => setTimeout(() => answer(ABORTED), 50));
          arrivalOf(request.path).resolve({ aborted: request.signal?.aborted === true, answer });
        }),
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
      logger: new CaptureLogger(),
      shutdownController,
      shutdownGraceMs,
    });
    return {
      server,
      shutdown: shutdownController.signal,
      arrival: (path: string) => arrivalOf(path).promise,
    };
  }

  /** Every connection a test opened: one a broken shutdown left open must not keep jest waiting. */
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  /** A raw connection: what it sends, and everything the server answers on it until it closes it. */
  function open(port: number) {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const closed = new Promise<string>((resolve) =>
      socket.once('close', () => resolve(Buffer.concat(chunks).toString('latin1'))),
    );
    return {
      send: async (text: string) => {
        await connected;
        await new Promise<void>((resolve, reject) =>
          socket.write(text, (error) => (error ? reject(error) : resolve())),
        );
      },
      /** Everything the server sent before closing the connection. */
      received: () => closed,
      /** Status line and Connection header of each answer the server sent before closing. */
      answers: async () =>
        [
          ...(await closed).matchAll(/^(HTTP\/1\.1 [^\r]*)\r\n(?:[^\r]*\r\n)*?connection: ([^\r]*)\r\n/gim),
        ].map((m) => [m[1], m[2]]),
    };
  }
  /** A kept-alive request up to its last header; END completes it. */
  const upToLastHeader = (path: string) =>
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n`;
  const END = '\r\n';
  /** After the poll phase: every connection's bytes already sent have been read and parsed. */
  const pollPhaseDone = () => new Promise((resolve) => setImmediate(resolve));

  test('lets every request in flight finish with its own answer, each closing its connection, and resolves after the last', async () => {
    const { server, shutdown, arrival } = await holding(60_000);
    const [first, second] = [open(server.port), open(server.port)];
    await first.send(upToLastHeader('/first') + END);
    await second.send(upToLastHeader('/second') + END);
    const held = await Promise.all([arrival('/first'), arrival('/second')]);
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    held[0].answer(NO_CONTENT);
    expect(await first.answers()).toEqual([['HTTP/1.1 204 No Content', 'close']]);
    await pollPhaseDone();
    // One request is still in flight: its connection stays open for its answer.
    expect(closed).toBe(false);
    held[1].answer({ status: 400, headers: {}, body: 'bad\n' });
    expect(await second.answers()).toEqual([['HTTP/1.1 400 Bad Request', 'close']]);
    await closing;
    // Drained within the grace period: nothing was aborted.
    expect(shutdown.aborted).toBe(false);
  });

  test('sends the whole of a large answer that the socket had not yet taken when its handler returned', async () => {
    const { server, arrival } = await holding(60_000);
    // Far more than loopback's socket buffers take at once: most of it is still queued in Node.
    const bodyBytes = 32 * 1024 * 1024;
    const client = open(server.port);
    await client.send(upToLastHeader('/read') + END);
    const held = await arrival('/read');
    const closing = server.close();
    held.answer({ status: 200, headers: {}, body: new Uint8Array(bodyBytes).fill(7) });
    const received = await client.received();
    await closing;
    const headEnd = received.indexOf('\r\n\r\n') + 4;
    expect(received.slice(0, received.indexOf('\r\n'))).toBe('HTTP/1.1 200 OK');
    expect(received.length - headEnd).toBe(bodyBytes);
  });

  test('called again while draining, resolves with the first once the request in flight is answered', async () => {
    const { server, shutdown, arrival } = await holding(60_000);
    const client = open(server.port);
    await client.send(upToLastHeader('/held') + END);
    const held = await arrival('/held');
    const closings = [server.close(), server.close()];
    held.answer(NO_CONTENT);
    await Promise.all(closings);
    expect(await client.answers()).toEqual([['HTTP/1.1 204 No Content', 'close']]);
    expect(shutdown.aborted).toBe(false);
  });

  test('a request completed on a kept-alive connection after it began is handled aborted and answered with connection: close', async () => {
    const { server, arrival } = await holding(60_000);
    const late = open(server.port);
    await late.send(upToLastHeader('/late'));
    const client = open(server.port);
    await client.send(upToLastHeader('/held') + END);
    const held = await arrival('/held');
    await pollPhaseDone();
    const closing = server.close();
    await late.send(END);
    const lateArrival = await arrival('/late');
    // Its Timestream calls would see the aborted signal: the connector answers 503 at once.
    expect(lateArrival.aborted).toBe(true);
    lateArrival.answer(ABORTED);
    held.answer(NO_CONTENT);
    expect(await late.answers()).toEqual([['HTTP/1.1 503 Service Unavailable', 'close']]);
    expect(await client.answers()).toEqual([['HTTP/1.1 204 No Content', 'close']]);
    await closing;
  });

  test('answers a request on a connection idle when the shutdown began 503 with connection: close while others drain', async () => {
    const { server, arrival } = await holding(60_000);
    const idle = open(server.port);
    await idle.send(upToLastHeader('/before') + END);
    (await arrival('/before')).answer(NO_CONTENT);
    const client = open(server.port);
    await client.send(upToLastHeader('/held') + END);
    const held = await arrival('/held');
    // The first answer has been read and parsed: the connection is idle, kept alive.
    await pollPhaseDone();
    const closing = server.close();
    // A client reusing it at that moment: before, the shutdown had closed it, resetting this request.
    await idle.send(upToLastHeader('/after') + END);
    const after = await Promise.race([arrival('/after'), idle.received().then(() => undefined)]);
    expect(after?.aborted).toBe(true);
    after?.answer(ABORTED);
    held.answer(NO_CONTENT);
    expect(await idle.answers()).toEqual([
      ['HTTP/1.1 204 No Content', 'keep-alive'],
      ['HTTP/1.1 503 Service Unavailable', 'close'],
    ]);
    expect(await client.answers()).toEqual([['HTTP/1.1 204 No Content', 'close']]);
    await closing;
  });

  test('closes a connection still sending its request when the drain ends, unanswered, and resolves', async () => {
    const { server, arrival } = await holding(60_000);
    const stalled = open(server.port);
    await stalled.send(upToLastHeader('/stalled'));
    const client = open(server.port);
    await client.send(upToLastHeader('/held') + END);
    const held = await arrival('/held');
    await pollPhaseDone();
    const closing = server.close();
    held.answer(NO_CONTENT);
    expect(await client.answers()).toEqual([['HTTP/1.1 204 No Content', 'close']]);
    expect(await stalled.answers()).toEqual([]);
    await closing;
  });

  test('once the grace period runs out, aborts the shutdown signal and waits for the answers it brings', async () => {
    const { server, shutdown, arrival } = await holding(0, true);
    const client = open(server.port);
    await client.send(upToLastHeader('/held') + END);
    await arrival('/held');
    const closing = server.close();
    expect(await client.answers()).toEqual([['HTTP/1.1 503 Service Unavailable', 'close']]);
    await closing;
    expect(shutdown.aborted).toBe(true);
  });
});

describe('startServer request queues (--web.max-concurrent-writes, --web.max-concurrent-reads)', () => {
  const NO_CONTENT: HttpResponse = { status: 204, headers: {}, body: '' };

  /**
   * A server with the given queues whose handler holds each write, and each read with a body, until
   * the test releases it, and answers a read without a body, and an unserved request (the answer
   * the connector gives, shortened), at once. `seen` lists what reached the handler: each write's
   * body as text, a held read's as `read <body>`, `read`, or `unserved: <reason>`.
   */
  async function queued(
    queues: { write?: RequestQueue; read?: RequestQueue; shutdownGraceMs?: number; refuses?: boolean },
    logger = new CaptureLogger(),
  ) {
    const seen: string[] = [];
    /** Each held request's signal, in the order they reached the handler. */
    const signals: (AbortSignal | undefined)[] = [];
    /** Each write's waitedMs as the handler got it, in the order they reached it. */
    const waits: (number | undefined)[] = [];
    const held: (() => void)[] = [];
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      telemetryPath: '/metrics',
      maxBodyBytes: 1024,
      handler: async (request) => {
        const read = request.path.startsWith('/read');
        if (request.headers.authorization === 'none') {
          seen.push(`refused ${request.path} (${request.body.byteLength} bytes)`);
          return { status: 401, headers: {}, body: 'no credentials\n' };
        }
        if (read && request.body.byteLength === 0 && !request.unserved && !request.oversizeBody) {
          seen.push('read');
          return NO_CONTENT;
        }
        waits.push(request.waitedMs);
        if (request.oversizeBody !== undefined) {
          const { limitBytes, option } = request.oversizeBody;
          seen.push(`over ${limitBytes} bytes (${option})`);
          return { status: 413, headers: {}, body: '' };
        }
        if (request.unserved !== undefined) {
          seen.push(`unserved: ${request.unserved} (${request.body.byteLength} bytes)`);
          return { status: 503, headers: { 'retry-after': '1' }, body: `${request.unserved}\n` };
        }
        const text = Buffer.from(request.body).toString();
        seen.push(read ? `read ${text}` : text);
        signals.push(request.signal);
        await new Promise<void>((resolve) => held.push(resolve));
        return NO_CONTENT;
      },
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
      logger,
      writeQueue: queues.write,
      readQueue: queues.read,
      shutdownGraceMs: queues.shutdownGraceMs,
      refusesFromHeaders: queues.refuses ? (headers) => headers.authorization === 'none' : undefined,
    });
    return { server, seen, waits, signals, release: () => held.shift()?.() };
  }

  const post = (path: string, body: string, close = false) =>
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n` +
    `${close ? 'Connection: close\r\n' : ''}\r\n${body}`;

  /** A kept-alive connection: sends requests and reads each answer's status line and body. */
  function connection(port: number) {
    const socket = connect(port, '127.0.0.1');
    let buffered = '';
    const waiting: (() => void)[] = [];
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      waiting.splice(0).forEach((wake) => wake());
    });
    socket.on('close', () => waiting.splice(0).forEach((wake) => wake()));
    return {
      socket,
      send: (text: string) => socket.write(text),
      /** The next answer: its status line and body (Content-Length framed). */
      async answer(): Promise<[string, string]> {
        for (;;) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end >= 0) {
            const head = buffered.slice(0, end);
            const length = Number(/content-length: *([0-9]+)/i.exec(head)?.[1] ?? 0);
            if (buffered.length >= end + 4 + length) {
              const body = buffered.slice(end + 4, end + 4 + length);
              buffered = buffered.slice(end + 4 + length);
              return [head.split('\r\n')[0], body];
            }
          }
          if (socket.destroyed) throw new Error(`connection closed; received ${JSON.stringify(buffered)}`);
          await new Promise<void>((wake) => waiting.push(wake));
        }
      },
    };
  }

  /** Polls until `condition` holds (each turn of the event loop lets the server read what arrived). */
  async function until(condition: () => boolean) {
    for (let turn = 0; !condition(); turn++) {
      if (turn > 2000) throw new Error('condition never held');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  const opened: ReturnType<typeof connection>[] = [];
  const open = (port: number) => {
    const c = connection(port);
    opened.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of opened.splice(0)) c.socket.destroy();
  });

  test('handles writes up to its limit at once, the rest in arrival order as turns free; reads never wait', async () => {
    const queue = new RequestQueue(1, 60_000);
    const { server, seen, release } = await queued({ write: queue });
    try {
      const [a, b, c, r] = [open(server.port), open(server.port), open(server.port), open(server.port)];
      a.send(post('/write', 'a'));
      await until(() => seen.length === 1);
      b.send(post('/write', 'b'));
      await until(() => queue.waiting === 1);
      c.send(post('/write/', 'c'));
      await until(() => queue.waiting === 2);
      r.send(post('/read', ''));
      expect(await r.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      expect(seen).toEqual(['a', 'read']);
      release();
      expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      await until(() => seen.length === 3);
      expect([queue.inFlight, queue.waiting]).toEqual([1, 1]);
      release();
      await until(() => seen.length === 4);
      release();
      expect(await b.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      expect(await c.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      expect(seen).toEqual(['a', 'read', 'b', 'c']);
      expect([queue.inFlight, queue.waiting]).toEqual([0, 0]);
    } finally {
      await server.close();
    }
  });

  test('answers a write that waited past the timeout unread through the handler, and keeps its connection for the next', async () => {
    const queue = new RequestQueue(1, 50);
    const { server, seen, waits, release } = await queued({ write: queue });
    try {
      const [a, b] = [open(server.port), open(server.port)];
      a.send(post('/write', 'a'));
      await until(() => seen.length === 1);
      b.send(post('/write', 'bbbb'));
      const reason =
        '1 remote writes were in progress (--web.max-concurrent-writes) and this one waited 50 ms for its ' +
        'turn (--web.write-queue-timeout); resend it later';
      expect(await b.answer()).toEqual(['HTTP/1.1 503 Service Unavailable', `${reason}\n`]);
      expect(seen).toEqual(['a', `unserved: ${reason} (0 bytes)`]);
      // Its wait is handed on, to be counted in its duration; the first had its turn at once.
      expect(waits[0]).toBeUndefined();
      expect(waits[1]).toBeGreaterThanOrEqual(40);
      release();
      expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      // The unread body was discarded, not taken for the start of the next request.
      b.send(post('/write', 'cc'));
      await until(() => seen.length === 3);
      release();
      expect(await b.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      expect(seen[2]).toBe('cc');
    } finally {
      await server.close();
    }
  });

  test('answers a write whose body is declared over the limit 413 at once, without waiting for a turn', async () => {
    const queue = new RequestQueue(1, 60_000);
    const { server, seen, release } = await queued({ write: queue });
    try {
      const [a, b] = [open(server.port), open(server.port)];
      a.send(post('/write', 'a'));
      await until(() => seen.length === 1);
      b.send(`POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1025\r\n\r\n`);
      await until(() => seen.length === 2);
      expect(queue.waiting).toBe(0);
      expect(seen[1]).toBe('over 1024 bytes (--max-body-bytes)');
      expect(await b.answer()).toEqual(['HTTP/1.1 413 Payload Too Large', '']);
      release();
      expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
    } finally {
      await server.close();
    }
  });

  test('drops a waiting write whose client closed its connection, logged, never handled', async () => {
    const queue = new RequestQueue(1, 60_000);
    const logger = new CaptureLogger();
    const { server, seen, release } = await queued({ write: queue }, logger);
    try {
      const [a, b] = [open(server.port), open(server.port)];
      a.send(post('/write', 'a'));
      await until(() => seen.length === 1);
      b.send(post('/write', 'b'));
      await until(() => queue.waiting === 1);
      await new Promise((resolve) => setTimeout(resolve, 60));
      b.socket.destroy();
      await until(() => queue.waiting === 0);
      release();
      expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      expect(seen).toEqual(['a']);
      expect(logger.lines.map((l) => [l.level, l.msg, l.fields])).toEqual([
        [
          'warn',
          'client closed the connection before its write had its turn',
          { path: '/write', waitedForTurn: true, waitedMs: expect.any(Number) as number },
        ],
      ]);
      // How long it waited before its client went, as a handled write's line gives it.
      expect(logger.lines[0].fields.waitedMs).toBeGreaterThanOrEqual(50);
    } finally {
      await server.close();
    }
  });

  test('drops waiting writes pipelined on one connection when their client closes it, the later one too', async () => {
    const queue = new RequestQueue(1, 60_000);
    const logger = new CaptureLogger();
    const { server, seen, release } = await queued({ write: queue }, logger);
    try {
      const [a, b] = [open(server.port), open(server.port)];
      a.send(post('/write', 'a'));
      await until(() => seen.length === 1);
      // b2's answer is queued behind b1's, so it has no socket of its own to see closing.
      b.send(post('/write', 'b1') + post('/write', 'b2'));
      await until(() => queue.waiting === 2);
      b.socket.destroy();
      await until(() => queue.waiting === 0);
      release();
      expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      expect(seen).toEqual(['a']);
      const line = ['warn', 'client closed the connection before its write had its turn'];
      expect(logger.lines.map((l) => [l.level, l.msg])).toEqual([line, line]);
    } finally {
      await server.close();
    }
  });

  test('takes ten writes pipelined on one connection, waiting for their turns, without a listener-leak warning', async () => {
    const queue = new RequestQueue(1, 60_000);
    // Node warns (MaxListenersExceededWarning, logged as a warn line) once an emitter has more
    // listeners for an event than its maximum: the sockets the server listens to, and their count.
    const sockets = new Set<Socket>();
    const once = jest.spyOn(Socket.prototype, 'once').mockImplementation(function (
      this: Socket,
      event: string | symbol,
      listener: (...args: unknown[]) => void,
    ) {
      if (event === 'close') sockets.add(this);
      return EventEmitter.prototype.once.call(this, event, listener) as Socket;
    });
    const { server, seen, release } = await queued({ write: queue });
    try {
      const [a, b] = [open(server.port), open(server.port)];
      a.send(post('/write', 'a'));
      await until(() => seen.length === 1);
      b.send(Array.from({ length: 10 }, (_, i) => post('/write', `b${i}`)).join(''));
      await until(() => queue.waiting === 10);
      // One each, the 10 waiting writes and Node's own listener made 11.
      const over = [...sockets].filter((socket) => socket.listenerCount('close') > socket.getMaxListeners());
      b.socket.destroy();
      await until(() => queue.waiting === 0);
      release();
      expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      expect([seen, over.length]).toEqual([['a'], 0]);
    } finally {
      once.mockRestore();
      await server.close();
    }
  });

  test('a shutdown answers the waiting writes 503 at once, closing their connections, and lets the one in flight finish', async () => {
    const queue = new RequestQueue(1, 60_000);
    const { server, seen, release } = await queued({ write: queue });
    const [a, b] = [open(server.port), open(server.port)];
    a.send(post('/write', 'a'));
    await until(() => seen.length === 1);
    b.send(post('/write', 'b'));
    await until(() => queue.waiting === 1);
    const closed = server.close();
    expect(await b.answer()).toEqual([
      'HTTP/1.1 503 Service Unavailable',
      'the connector is shutting down\n',
    ]);
    await until(() => b.socket.destroyed || b.socket.readableEnded);
    release();
    expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
    await closed;
    expect(seen).toEqual(['a', 'unserved: the connector is shutting down (0 bytes)']);
  });

  test('a write that arrives on a kept-alive connection during a shutdown, all turns taken, is answered 503 at once', async () => {
    const queue = new RequestQueue(1, 60_000);
    const { server, seen, release } = await queued({ write: queue });
    const [a, b] = [open(server.port), open(server.port)];
    a.send(post('/write', 'a'));
    await until(() => seen.length === 1);
    // Opens b's connection and keeps it alive.
    b.send(post('/read', ''));
    expect(await b.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
    const closed = server.close();
    b.send(post('/write', 'b'));
    expect(await b.answer()).toEqual([
      'HTTP/1.1 503 Service Unavailable',
      'the connector is shutting down\n',
    ]);
    release();
    expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
    await closed;
    expect(seen).toEqual(['a', 'read', 'unserved: the connector is shutting down (0 bytes)']);
  });

  test('handles reads up to their own limit at once, the rest in arrival order with their wait handed on; writes never wait for reads', async () => {
    const reads = new RequestQueue(1);
    const { server, seen, waits, release } = await queued({ read: reads });
    try {
      const [a, b, c, w] = [open(server.port), open(server.port), open(server.port), open(server.port)];
      a.send(post('/read', 'a'));
      await until(() => seen.length === 1);
      b.send(post('/read', 'b'));
      await until(() => reads.waiting === 1);
      c.send(post('/read/', 'c'));
      await until(() => reads.waiting === 2);
      // Held too, and handled at once: the read queue bounds reads only.
      w.send(post('/write', 'w'));
      await until(() => seen.length === 2);
      expect(seen).toEqual(['read a', 'w']);
      expect([reads.inFlight, reads.waiting]).toEqual([1, 2]);
      release();
      release();
      expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      expect(await w.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      await until(() => seen.length === 3);
      expect([reads.inFlight, reads.waiting]).toEqual([1, 1]);
      release();
      await until(() => seen.length === 4);
      release();
      expect(await b.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      expect(await c.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      expect(seen).toEqual(['read a', 'w', 'read b', 'read c']);
      expect([reads.inFlight, reads.waiting]).toEqual([0, 0]);
      // Only the reads that were kept waiting have a wait.
      expect(waits.map((waited) => waited === undefined)).toEqual([true, true, false, false]);
    } finally {
      await server.close();
    }
  });

  test('drops a waiting read whose client closed its connection, logged, never handled', async () => {
    const reads = new RequestQueue(1);
    const logger = new CaptureLogger();
    const { server, seen, release } = await queued({ read: reads }, logger);
    try {
      const [a, b] = [open(server.port), open(server.port)];
      a.send(post('/read', 'a'));
      await until(() => seen.length === 1);
      b.send(post('/read', 'b'));
      await until(() => reads.waiting === 1);
      b.socket.destroy();
      await until(() => reads.waiting === 0);
      release();
      expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      expect(seen).toEqual(['read a']);
      expect(logger.lines.map((l) => [l.level, l.msg, l.fields])).toEqual([
        [
          'warn',
          'client closed the connection before its read had its turn',
          { path: '/read', waitedForTurn: true, waitedMs: expect.any(Number) as number },
        ],
      ]);
    } finally {
      await server.close();
    }
  });

  test('a shutdown gives the waiting reads their turns within its grace period, their calls not aborted', async () => {
    const reads = new RequestQueue(1);
    const { server, seen, signals, release } = await queued({ read: reads });
    const [a, b] = [open(server.port), open(server.port)];
    a.send(post('/read', 'a'));
    await until(() => seen.length === 1);
    b.send(post('/read', 'b'));
    await until(() => reads.waiting === 1);
    const closed = server.close();
    // Still waiting, not refused: Prometheus would not resend it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([reads.inFlight, reads.waiting]).toEqual([1, 1]);
    release();
    expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
    await until(() => seen.length === 2);
    expect(signals[1]?.aborted).toBe(false);
    release();
    expect(await b.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
    await closed;
    expect(seen).toEqual(['read a', 'read b']);
  });

  test('a shutdown never handles a read pipelined behind one whose answer then closes the connection', async () => {
    const reads = new RequestQueue(1);
    const { server, seen, release } = await queued({ read: reads });
    const [a, b] = [open(server.port), open(server.port)];
    a.send(post('/read', 'a'));
    await until(() => seen.length === 1);
    b.send(post('/read', 'b') + post('/read', 'c'));
    await until(() => reads.waiting === 2);
    const closed = server.close();
    release();
    expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
    await until(() => seen.length === 2);
    release();
    expect(await b.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
    await until(() => b.socket.destroyed);
    // Handled, c would be held, holding the shutdown up.
    release();
    await closed;
    expect(seen).toEqual(['read a', 'read b']);
  });

  test('a shutdown answers 503 the reads still waiting when its grace period runs out', async () => {
    const reads = new RequestQueue(1);
    const { server, seen, release } = await queued({ read: reads, shutdownGraceMs: 100 });
    const [a, b] = [open(server.port), open(server.port)];
    a.send(post('/read', 'a'));
    await until(() => seen.length === 1);
    b.send(post('/read', 'b'));
    await until(() => reads.waiting === 1);
    const closed = server.close();
    expect(await b.answer()).toEqual([
      'HTTP/1.1 503 Service Unavailable',
      'the connector is shutting down\n',
    ]);
    release();
    expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
    await closed;
    expect(seen).toEqual(['read a', 'unserved: the connector is shutting down (0 bytes)']);
  });

  test('a read or write that arrives on a kept-alive connection during a shutdown, a turn free, is answered 503 at once, unread', async () => {
    const [reads, writes] = [new RequestQueue(2), new RequestQueue(2, 60_000)];
    const { server, seen, release } = await queued({ read: reads, write: writes });
    const [a, b, c] = [open(server.port), open(server.port), open(server.port)];
    try {
      a.send(post('/read', 'a'));
      await until(() => seen.length === 1);
      // Opens b's and c's connections and keeps them alive.
      for (const idle of [b, c]) {
        idle.send(post('/read', ''));
        expect(await idle.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      }
      const closed = server.close();
      // Read and handled with its calls aborted, each was answered a 503 blaming Timestream
      // ("Timestream DESCRIBE failed: AbortError"), which Prometheus shows as a query's warning.
      b.send(post('/read', 'b'));
      c.send(post('/write', 'w'));
      await until(() => seen.length === 5);
      expect(seen.slice(3)).toEqual([
        'unserved: the connector is shutting down (0 bytes)',
        'unserved: the connector is shutting down (0 bytes)',
      ]);
      const shuttingDown = ['HTTP/1.1 503 Service Unavailable', 'the connector is shutting down\n'];
      expect(await b.answer()).toEqual(shuttingDown);
      expect(await c.answer()).toEqual(shuttingDown);
      expect([reads.inFlight, writes.inFlight]).toEqual([1, 0]);
      release();
      expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      await closed;
    } finally {
      for (let i = 0; i < 3; i++) release();
    }
  });

  test('answers a write or read the handler refuses from its headers at once, unread, without a turn, keeping its connection', async () => {
    const [writes, reads] = [new RequestQueue(1, 60_000), new RequestQueue(1)];
    const { server, seen, release } = await queued({ write: writes, read: reads, refuses: true });
    const refusedPost = (path: string, body: string) =>
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: none\r\n` +
      `Content-Length: ${body.length}\r\n\r\n${body}`;
    try {
      const [a, r, b, c] = [open(server.port), open(server.port), open(server.port), open(server.port)];
      a.send(post('/write', 'a'));
      r.send(post('/read', 'r'));
      await until(() => seen.length === 2);
      // Both queues are full: without credentials, neither waits behind them.
      b.send(refusedPost('/write', 'bbbb'));
      expect(await b.answer()).toEqual(['HTTP/1.1 401 Unauthorized', 'no credentials\n']);
      c.send(refusedPost('/read/', 'cccc'));
      expect(await c.answer()).toEqual(['HTTP/1.1 401 Unauthorized', 'no credentials\n']);
      expect(seen.slice(2).sort()).toEqual(['refused /read/ (0 bytes)', 'refused /write (0 bytes)']);
      expect([writes.inFlight, writes.waiting, reads.inFlight, reads.waiting]).toEqual([1, 0, 1, 0]);
      // The unread body was discarded, not taken for the start of the next request, which waits.
      b.send(post('/write', 'dd'));
      await until(() => writes.waiting === 1);
      release();
      expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      await until(() => seen.length === 5);
      expect(seen[4]).toBe('dd');
      release();
      release();
      expect(await r.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      expect(await b.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
    } finally {
      await server.close();
    }
  });

  test('invites the body of a write sent with Expect: 100-continue when its turn comes, not while it waits', async () => {
    const queue = new RequestQueue(1, 60_000);
    const { server, seen, release } = await queued({ write: queue });
    try {
      const a = open(server.port);
      a.send(post('/write', 'a'));
      await until(() => seen.length === 1);
      // What b receives, as it arrives: its body goes once it is invited.
      let received = '';
      let sent = false;
      const b = connect(server.port, '127.0.0.1');
      b.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received.includes('100 Continue') && !sent) {
          sent = true;
          b.write('bb');
        }
      });
      b.write(`POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n`);
      await until(() => queue.waiting === 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toBe('');
      release();
      expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
      await until(() => seen.length === 2);
      release();
      await until(() => received.includes('204'));
      b.destroy();
      expect(received.split('\r\n').filter((line) => line.startsWith('HTTP/1.1'))).toEqual([
        'HTTP/1.1 100 Continue',
        'HTTP/1.1 204 No Content',
      ]);
      expect(seen).toEqual(['a', 'bb']);
    } finally {
      await server.close();
    }
  });

  test('never handles a request pipelined after one answered 413, whose answer closes the connection (RFC 9112 9.6)', async () => {
    const { server, seen, release } = await queued({ write: new RequestQueue(2, 60_000) });
    const over = [
      `POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1025\r\n\r\n${'x'.repeat(1025)}`,
      // Found over the limit only as it arrives, after the requests behind it were parsed.
      `POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n401\r\n${'x'.repeat(1025)}\r\n0\r\n\r\n`,
    ];
    try {
      for (const request of over) {
        const c = open(server.port);
        c.send(post('/write', 'a') + request + post('/write', 'c') + post('/read', ''));
        await until(() => seen.length >= 2);
        release();
        const answers = [await c.answer(), await c.answer()];
        await until(() => c.socket.destroyed);
        // Handled, c and the read would have reached the handler by now: they were parsed at once.
        expect([answers, seen.splice(0).sort()]).toEqual([
          [
            ['HTTP/1.1 204 No Content', ''],
            ['HTTP/1.1 413 Payload Too Large', ''],
          ],
          ['a', 'over 1024 bytes (--max-body-bytes)'],
        ]);
      }
    } finally {
      // Handled, c would still be held, holding the shutdown up.
      for (let i = 0; i < 4; i++) release();
      await server.close();
    }
  });

  test('never handles a request pipelined after one refused before the 100 Continue it expected, whose answer closes the connection', async () => {
    const { server, seen, release } = await queued({ write: new RequestQueue(2, 60_000), refuses: true });
    const c = open(server.port);
    // Its body sent at once (RFC 9110 10.1.1), a write behind it in the same packet.
    c.send(
      'POST /write HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: none\r\nExpect: 100-continue\r\n' +
        'Content-Length: 1\r\n\r\nx' +
        post('/write', 'b'),
    );
    try {
      const answer = await c.answer();
      await until(() => c.socket.destroyed);
      // Handled, b would have reached the handler (its body was parsed at once), its answer unsent.
      expect([answer, seen]).toEqual([
        ['HTTP/1.1 401 Unauthorized', 'no credentials\n'],
        ['refused /write (0 bytes)'],
      ]);
    } finally {
      // Handled, b would be held, holding the shutdown up.
      release();
      await server.close();
    }
  });

  test('never handles a request pipelined after one that arrived during a shutdown, whose answer closes the connection', async () => {
    const { server, seen, release } = await queued({ write: new RequestQueue(1, 60_000) });
    const [a, b] = [open(server.port), open(server.port)];
    a.send(post('/write', 'a'));
    await until(() => seen.length === 1);
    // Opens b's connection and keeps it alive.
    b.send(post('/read', ''));
    expect(await b.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
    const closed = server.close();
    b.send(post('/read', '') + post('/write', 'b'));
    expect(await b.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
    await until(() => b.socket.destroyed);
    release();
    await closed;
    // Handled, b was answered a 503 that never went out, and counted and logged as one.
    expect(seen).toEqual(['a', 'read', 'read']);
  });

  test('a read whose body is declared over the limit is answered 413 without waiting for a turn', async () => {
    const reads = new RequestQueue(1);
    const { server, seen, release } = await queued({ read: reads });
    try {
      const [a, b] = [open(server.port), open(server.port)];
      a.send(post('/read', 'a'));
      await until(() => seen.length === 1);
      b.send(`POST /read HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1025\r\n\r\n`);
      await until(() => seen.length === 2);
      expect(reads.waiting).toBe(0);
      expect(seen[1]).toBe('over 1024 bytes (--max-body-bytes)');
      expect(await b.answer()).toEqual(['HTTP/1.1 413 Payload Too Large', '']);
      release();
      expect(await a.answer()).toEqual(['HTTP/1.1 204 No Content', '']);
    } finally {
      await server.close();
    }
  });
});
