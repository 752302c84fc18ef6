// SPDX-License-Identifier: Apache-2.0
// A small local stand-in for the API Gateway HTTP API of template.yml: serves `POST /<stage>/write`
// and `POST /<stage>/read` on node:http and invokes the packaged Lambda bundle's `handler` with
// payload-2.0 events, so end-to-end tests run the deployed artifact. Not a product component.
//
//   npx tsx scripts/local-api-gateway.ts --bundle dist/lambda/index.js --listen 127.0.0.1:3000 --stage dev
//
// The bundle reads its settings (default_database, write_base_endpoint, ...) from this process'
// environment when it is loaded, as on Lambda.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** API Gateway HTTP API payload limit (10 MB); larger requests never reach the function. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** The template's routes (template.yml `POST /write`, `POST /read`); anything else is API Gateway's 404. */
export const ROUTES = ['POST /write', 'POST /read'] as const;
/** The function timeout of template.yml (`LambdaTimeoutInSeconds` 30), handed to the bundle as its deadline. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The payload-2.0 event fields this adapter fills in (what API Gateway sends for a proxy route). */
export interface HttpApiEvent {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: true;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
  };
}

/** What a Lambda proxy integration returns. */
export interface HttpApiResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

/** The bundle's export, as the Lambda runtime calls it. */
export type BundleHandler = (
  event: HttpApiEvent,
  context: { getRemainingTimeInMillis(): number; awsRequestId: string },
) => Promise<HttpApiResult>;

/** Options of {@link createApiGateway}. */
export interface ApiGatewayOptions {
  handler: BundleHandler;
  /** The stage name that prefixes every path (template.yml `APIGatewayStageName`). */
  stage: string;
  /** @default DEFAULT_TIMEOUT_MS */
  timeoutMs?: number;
}

/**
 * Builds the payload-2.0 event for one request: lower-cased headers (repeated ones joined with
 * commas), the path with its stage prefix and the body base64-encoded, as HTTP APIs do for binary
 * content types.
 */
export function toHttpApiEvent(
  req: Pick<IncomingMessage, 'method' | 'url' | 'headers' | 'socket'>,
  body: Buffer,
  stage: string,
  routeKey: string,
): HttpApiEvent {
  const [rawPath, rawQueryString = ''] = (req.url ?? '/').split('?', 2);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const now = Date.now();
  const method = req.method ?? 'GET';
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    body: body.toString('base64'),
    isBase64Encoded: true,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      requestId: randomUUID(),
      routeKey,
      stage,
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
    },
  };
}

/** Returns the route key a request matches (`POST /write`), or undefined when no route does. */
export function matchRoute(
  method: string | undefined,
  url: string | undefined,
  stage: string,
): string | undefined {
  const path = (url ?? '/').split('?')[0];
  const prefix = stage === '$default' ? '' : `/${stage}`;
  if (!path.startsWith(`${prefix}/`)) return undefined;
  const routeKey = `${method ?? 'GET'} ${path.slice(prefix.length)}`;
  return (ROUTES as readonly string[]).includes(routeKey) ? routeKey : undefined;
}

/** Creates (does not start) the HTTP server that invokes `handler` for the template's routes. */
export function createApiGateway(options: ApiGatewayOptions): Server {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return createServer((req, res) => {
    serve(options, timeoutMs, req, res).catch((error: unknown) => {
      // A function error: API Gateway answers 500 and keeps the details in the function's logs.
      process.stderr.write(
        `handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      sendJson(res, 500, { message: 'Internal Server Error' });
    });
  });
}

async function serve(
  options: ApiGatewayOptions,
  timeoutMs: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readBody(req);
  const routeKey = matchRoute(req.method, req.url, options.stage);
  if (routeKey === undefined) return sendJson(res, 404, { message: 'Not Found' });
  if (body === undefined) return sendJson(res, 413, { message: 'Request Entity Too Large' });
  const event = toHttpApiEvent(req, body, options.stage, routeKey);
  const deadline = Date.now() + timeoutMs;
  const result = await options.handler(event, {
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    awsRequestId: event.requestContext.requestId,
  });
  const payload = Buffer.from(result.body ?? '', result.isBase64Encoded === true ? 'base64' : 'utf8');
  res.writeHead(result.statusCode, { ...result.headers, 'content-length': String(payload.length) });
  res.end(payload);
}

/** Reads the whole body; undefined once it passes MAX_REQUEST_BYTES (the rest is drained). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolveBody(size > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.destroy();
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/**
 * Loads `handler` from a CommonJS bundle (the Lambda runtime's `index.handler`). A bundle that is
 * missing or exports no handler throws. One whose initialisation throws (a bad setting fails the
 * cold start) gives a handler failing every invocation with that error, as Lambda does, so each
 * request is answered 500 as API Gateway answers it.
 */
export function loadBundleHandler(bundlePath: string): BundleHandler {
  const path = resolve(bundlePath);
  const load = createRequire(__filename);
  load.resolve(path); // a missing bundle is the caller's mistake, not a failed cold start
  let exported: { handler?: unknown };
  try {
    exported = load(path) as { handler?: unknown };
  } catch (error) {
    process.stderr.write(
      `bundle initialisation failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return () => Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  const { handler } = exported;
  if (typeof handler !== 'function') throw new Error(`${bundlePath} exports no handler function`);
  return handler as BundleHandler;
}

function parseListen(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  const port = Number(value.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--listen must be host:port, got ${value}`);
  }
  return { host: value.slice(0, colon), port };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      bundle: { type: 'string', default: 'dist/lambda/index.js' },
      listen: { type: 'string', default: '127.0.0.1:3000' },
      stage: { type: 'string', default: 'dev' },
      'timeout-ms': { type: 'string', default: String(DEFAULT_TIMEOUT_MS) },
    },
  });
  const { host, port } = parseListen(values.listen);
  const timeoutMs = Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new Error('--timeout-ms must be a positive integer');
  const server = createApiGateway({
    handler: loadBundleHandler(values.bundle),
    stage: values.stage,
    timeoutMs,
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  const base = `http://${host}:${address.port}/${values.stage}`;
  process.stdout.write(`local API Gateway ready: POST ${base}/write, POST ${base}/read\n`);
  const stop = () => {
    server.close(() => process.exit(0));
    // Prometheus keeps its connections open; close them so shutdown does not wait for it.
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
