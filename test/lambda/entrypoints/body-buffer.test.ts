import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBodyWithin } from '../../../lambda/entrypoints/body-buffer';

/** A loopback server handing each request to `onRequest`, which answers with what it settled to. */
async function serving(onRequest: (req: IncomingMessage) => Promise<string>) {
  const server: Server = createServer((req, res) => {
    onRequest(req).then(
      (text) => res.end(text),
      (error: Error) => res.end(`rejected: ${error.message}`),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** POSTs `chunks` (chunked unless `length` is given) and resolves with the answer's text. */
function post(port: number, chunks: string[], length?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        port,
        host: '127.0.0.1',
        method: 'POST',
        headers: length === undefined ? {} : { 'content-length': length },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const asText = (body: Buffer | 'too-large') => (body === 'too-large' ? body : `body: ${body.toString()}`);

describe('readBodyWithin', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  test.each([
    { name: 'a declared body within the limit', chunks: ['abc', 'def'], length: 6, answer: 'body: abcdef' },
    {
      name: 'a chunked body within the limit',
      chunks: ['abc', 'def'],
      length: undefined,
      answer: 'body: abcdef',
    },
    { name: 'a body declared over the limit', chunks: ['0123456789'], length: 10, answer: 'too-large' },
    {
      name: 'a chunked body that grows over the limit',
      chunks: ['01234', '56789'],
      length: undefined,
      answer: 'too-large',
    },
  ])('$name', async ({ chunks, length, answer }) => {
    const started = await serving(async (req) => asText(await readBodyWithin(req, 8)));
    server = started.server;
    expect(await post(started.port, chunks, length)).toBe(answer);
  });

  test('rejects, rather than never settling, for a request already destroyed when its body is read', async () => {
    let settled: Promise<string> | undefined;
    const started = await serving(async (req) => {
      req.destroy();
      settled = readBodyWithin(req, 1024).then(asText, (error: Error) => `rejected: ${error.message}`);
      return '';
    });
    server = started.server;
    await post(started.port, ['abc'], 3).catch(() => '');
    expect(await settled).toBe('rejected: the request was closed before its body was read');
  });

  test('rejects for a request destroyed while its body is being read', async () => {
    let settled: Promise<string> | undefined;
    const started = await serving(async (req) => {
      settled = readBodyWithin(req, 1024).then(asText, (error: Error) => `rejected: ${error.message}`);
      req.once('data', () => req.destroy());
      return '';
    });
    server = started.server;
    await post(started.port, ['abc'], 10).catch(() => '');
    expect(await settled).toMatch(/^rejected: /);
  });
});
