// SPDX-License-Identifier: Apache-2.0
// Integration harness: the embedded store over real HTTP, the connector core with real SDK
// clients pointed at it, and both edges (node:http server and Lambda adapter) in front of it.

import { paginateQuery, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { Registry } from 'prom-client';
import { snappyCompress } from '../../lambda/codec/snappy';
import { createConnector, type ConnectorOptions } from '../../lambda/core/connector';
import type { HttpResponse } from '../../lambda/core/http';
import { createLambdaHandler } from '../../lambda/entrypoints/lambda-adapter';
import { startServer, type RunningServer } from '../../lambda/entrypoints/server';
import { startLocalStore, type LocalStore, type LocalStoreOptions } from '../../lambda/local-store';
import { createPromMetrics } from '../../lambda/observability/metrics';
import { encodeReadRequest, encodeWriteRequest } from '../../lambda/prompb/codec';
import type { ReadRequest, WriteRequest } from '../../lambda/prompb/types';
import { ClientCache, type ClientSettings } from '../../lambda/timestream/clients';
import { CaptureLogger } from './capture-logger';
import { connectorOptions } from './connector-options';

export const DATABASE = 'PrometheusDatabase';
export const TABLE = 'PrometheusMetricsTable';
export const ACCESS_KEY_ID = 'AKIDTESTHARNESS';
export const SECRET_ACCESS_KEY = 'harness/Secret+Key0123456789';
export const BASIC_AUTH = `Basic ${Buffer.from(`${ACCESS_KEY_ID}:${SECRET_ACCESS_KEY}`).toString('base64')}`;

export type Edge = 'server' | 'lambda';
export const EDGES: Edge[] = ['server', 'lambda'];

export interface HarnessOptions {
  store?: Partial<LocalStoreOptions>;
  connector?: Partial<ConnectorOptions>;
  clients?: Partial<ClientSettings>;
  /** Create the default database and table (default true). */
  createTable?: boolean;
  /** The standalone server's body limit (default 32 MiB). */
  maxBodyBytes?: number;
}

export interface EdgeResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Harness {
  store: LocalStore;
  logger: CaptureLogger;
  metricsText(): Promise<string>;
  server: RunningServer;
  /** Sends a raw request through one edge. */
  send(
    edge: Edge,
    path: string,
    body: Uint8Array,
    headers?: Record<string, string>,
    method?: string,
  ): Promise<EdgeResponse>;
  /** Snappy-compresses and POSTs a WriteRequest to /write with basic auth. */
  write(edge: Edge, request: WriteRequest, headers?: Record<string, string>): Promise<EdgeResponse>;
  /** Snappy-compresses and POSTs a ReadRequest to /read with basic auth. */
  read(edge: Edge, request: ReadRequest, headers?: Record<string, string>): Promise<EdgeResponse>;
  /** Runs SQL on the store through the real query SDK, every page, rows as name → scalar (null for NullValue). */
  sql(query: string): Promise<Record<string, string | null>[]>;
  /** The real write SDK pointed at the store, for records other tools write and table changes. */
  writeClient: TimestreamWriteClient;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const store = await startLocalStore({ dataDir: ':memory:', port: 0, ...options.store });
  if (options.createTable !== false) {
    await store.ensureTable(DATABASE, TABLE, {
      memoryStoreRetentionHours: 8766,
      magneticStoreRetentionDays: 73000,
      enableMagneticStoreWrites: true,
    });
  }
  const clients = new ClientCache({
    region: 'us-east-1',
    writeEndpoint: store.endpoint,
    queryEndpoint: store.endpoint,
    maxWriteRetries: 1,
    maxReadRetries: 1,
    writeTimeoutMs: 10_000,
    readTimeoutMs: 60_000,
    maxSockets: 32,
    ...options.clients,
  });
  const registry = new Registry();
  const metrics = createPromMetrics(registry);
  const logger = new CaptureLogger();
  const handle = createConnector({
    options: connectorOptions({
      database: DATABASE,
      table: TABLE,
      writeConcurrency: 8,
      readConcurrency: 4,
      ...options.connector,
    }),
    clients,
    logger,
    metrics,
  });
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    telemetryPath: '/metrics',
    maxBodyBytes: options.maxBodyBytes ?? 32 * 1024 * 1024,
    handler: handle,
    metrics: async () => ({ contentType: metrics.contentType, body: await metrics.metrics() }),
    logger,
  });
  const lambda = createLambdaHandler(handle);
  const storeClientConfig = {
    region: 'us-east-1',
    endpoint: store.endpoint,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  };
  const queryClient = new TimestreamQueryClient(storeClientConfig);
  const writeClient = new TimestreamWriteClient(storeClientConfig);

  const send = async (
    edge: Edge,
    path: string,
    body: Uint8Array,
    headers: Record<string, string> = {},
    method = 'POST',
  ): Promise<EdgeResponse> => {
    if (edge === 'server') {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers,
        body: method === 'GET' ? undefined : body,
      });
      const out: Record<string, string> = {};
      response.headers.forEach((value, name) => (out[name] = value));
      return { status: response.status, headers: out, body: Buffer.from(await response.arrayBuffer()) };
    }
    const result = await lambda(
      {
        version: '2.0',
        rawPath: `/dev${path}`,
        headers,
        body: Buffer.from(body).toString('base64'),
        isBase64Encoded: true,
        requestContext: { stage: 'dev', http: { method, path: `/dev${path}` } },
      },
      { getRemainingTimeInMillis: () => 30_000 },
    );
    const bodyBytes = result.isBase64Encoded
      ? Buffer.from(result.body, 'base64')
      : Buffer.from(result.body, 'utf8');
    return { status: result.statusCode, headers: result.headers, body: bodyBytes };
  };

  const protoHeaders = {
    'content-encoding': 'snappy',
    'content-type': 'application/x-protobuf',
    authorization: BASIC_AUTH,
  };
  return {
    store,
    logger,
    metricsText: () => metrics.metrics(),
    server,
    send,
    write: (edge, request, headers = {}) =>
      send(edge, '/write', snappyCompress(encodeWriteRequest(request)), {
        ...protoHeaders,
        'x-prometheus-remote-write-version': '0.1.0',
        ...headers,
      }),
    read: (edge, request, headers = {}) =>
      send(edge, '/read', snappyCompress(encodeReadRequest(request)), {
        ...protoHeaders,
        'x-prometheus-remote-read-version': '0.1.0',
        ...headers,
      }),
    sql: async (query) => {
      const rows: Record<string, string | null>[] = [];
      for await (const page of paginateQuery({ client: queryClient }, { QueryString: query })) {
        const names = (page.ColumnInfo ?? []).map((c) => c.Name ?? '');
        for (const row of page.Rows ?? []) {
          const out: Record<string, string | null> = {};
          (row.Data ?? []).forEach((d, i) => (out[names[i]] = d.NullValue ? null : (d.ScalarValue ?? null)));
          rows.push(out);
        }
      }
      return rows;
    },
    writeClient,
    close: async () => {
      await server.close();
      clients.destroy();
      queryClient.destroy();
      writeClient.destroy();
      await store.close();
    },
  };
}

export type { HttpResponse };

/**
 * Posts `body` (snappy remote-write or remote-read) to the standalone server's `path` and gives up
 * after `giveUpMs`, as Prometheus does past its remote_timeout; resolves once the server has counted
 * the abandoned request, with the lines of `counter` (e.g. `timestream_connector_read_requests_total`).
 */
export async function postAndGiveUp(
  h: Harness,
  path: string,
  body: Uint8Array,
  counter: string,
  giveUpMs = 300,
): Promise<string[]> {
  const client = new AbortController();
  const sent = fetch(`${h.server.url}${path}`, {
    method: 'POST',
    body,
    headers: {
      authorization: BASIC_AUTH,
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
    },
    signal: client.signal,
  });
  setTimeout(() => client.abort(), giveUpMs);
  await expect(sent).rejects.toThrow();
  let counted: string[] = [];
  while (counted.length === 0) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    counted = (await h.metricsText()).split('\n').filter((l) => l.startsWith(`${counter}{`));
  }
  return counted;
}
