// SPDX-License-Identifier: Apache-2.0
// The workload of figure 1 (write-cpu.ts): the write handler on realistic requests with
// Timestream answering instantly (a request handler that returns a canned 200 without I/O), timed
// as process CPU per sample for decoding, mapping, serialisation plus SigV4 signing, the whole
// handler end to end, and the SDK's own WriteRecordsCommand path for comparison. The figure runs
// it from a bundle built like the Lambda's (write-cpu-child.ts) and, for comparison, under tsx.

import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import type { HttpRequest } from '@smithy/core/protocols';
import { DEFAULT_DECODE_LIMITS, readWriteBody } from '../../lambda/codec/remote';
import { createConnector } from '../../lambda/core/connector';
import type { TimeSeries } from '../../lambda/prompb/types';
import { createLogger } from '../../lambda/observability/logger';
import { createEmfMetrics } from '../../lambda/observability/metrics';
import type { ClientCache } from '../../lambda/timestream/clients';
import { toWriteBatches, type WriteBatch } from '../../lambda/timestream/records';
import { writeBatches } from '../../lambda/timestream/writer';
import { WriteRecordsSender, type RequestHandlerLike } from '../../lambda/timestream/write-sender';
import {
  REQUEST_SAMPLES,
  labelStats,
  cpuMicrosPer,
  realisticRequests,
  settingDefault,
  writeBody,
} from '../support';

const TARGET = { database: 'PrometheusDatabase', table: 'PrometheusMetricsTable' };
const HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };
const MAPPING = { failOnLongLabel: false, failOnInvalidSampleValue: false };
const ENDPOINT = 'https://ingest-cell1.timestream.us-east-1.amazonaws.com';
const ACCEPTED = Buffer.from('{"RecordsIngested":{"Total":100,"MemoryStore":100,"MagneticStore":0}}');

/** A request handler that answers every call with 200 at once: Timestream at zero latency. */
function instantHandler(): RequestHandlerLike & {
  updateHttpClientConfig(): void;
  httpHandlerConfigs(): object;
} {
  return {
    handle: async (_request: HttpRequest) =>
      ({
        response: {
          statusCode: 200,
          reason: 'OK',
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: ACCEPTED,
        },
      }) as never,
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
}

/** Decode passes over the bodies before the one whose series the parts map (warmDecoded). */
const DECODE_PASSES_BEFORE = 1;

/**
 * The bodies' series as a warm handler decodes them, from the process-wide label section cache.
 * NOTE: the cache admits a section the second time it sees it, and only series it returns carry
 * the memo that spares mapping its lookup of each series; series of a body's first decode lack it,
 * and mapping them cost ~0.12 µs/sample more than mapping cached ones (1.46 against 1.34, tsx).
 */
export function warmDecoded(bodies: readonly Uint8Array[]): TimeSeries[][] {
  for (let pass = 0; pass < DECODE_PASSES_BEFORE; pass++)
    for (const body of bodies) readWriteBody(body, HEADERS, DEFAULT_DECODE_LIMITS);
  return bodies.map((b) => readWriteBody(b, HEADERS, DEFAULT_DECODE_LIMITS).timeseries);
}

/** CPU µs per sample of each timed run, per part, and what the payload was. */
export interface WriteCpuRuns {
  decode: number[];
  map: number[];
  send: number[];
  total: number[];
  sdk: number[];
  /** WriteRecords calls per request. */
  calls: number;
  labels: { min: number; max: number; mean: number };
}

/**
 * Times the parts and the whole handler, interleaved run by run so that a busy moment of the
 * machine hits every part alike.
 */
export async function measureWriteCpu(quick: boolean): Promise<WriteCpuRuns> {
  const runs = quick ? 3 : 9;
  const iterations = quick ? 4 : 12;
  const requests = realisticRequests(5);
  const bodies = requests.map(writeBody);
  const labels = labelStats(requests);
  const handler = instantHandler();
  const client = new TimestreamWriteClient({
    region: 'us-east-1',
    endpoint: ENDPOINT,
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench/secret' },
    requestHandler: handler as never,
  });
  const sender = new WriteRecordsSender(client, { region: 'us-east-1', endpoint: ENDPOINT, handler });
  const concurrency = settingDefault('writeConcurrency') as number;
  // Mapping and sending work on what the decoder produced (shared label arrays and Label objects).
  const decoded = warmDecoded(bodies);
  const batches: WriteBatch[][] = decoded.map((r) => toWriteBatches(r, MAPPING).batches);
  const calls = batches.reduce((n, b) => n + b.length, 0) / batches.length;
  const handle = createConnector({
    options: {
      database: TARGET.database,
      table: TARGET.table,
      sigv4Auth: true, // API Gateway authorised the caller; the Lambda writes with its own role
      failOnLongLabel: false,
      failOnInvalidSampleValue: false,
      writeConcurrency: concurrency,
      readConcurrency: 8,
      decodeLimits: DEFAULT_DECODE_LIMITS,
      maxResponseBytes: 0,
    },
    // One identity, one sender: what ClientCache returns for the Lambda's own credentials.
    clients: { get: () => ({ write: client, writeRecords: sender }) } as unknown as ClientCache,
    logger: createLogger({
      level: 'info',
      format: 'json',
      enabled: true,
      destination: { write: () => undefined },
    }),
    metrics: createEmfMetrics({ destination: { write: () => undefined } }),
  });

  let k = 0;
  const next = () => k++ % requests.length;
  const decode = () => readWriteBody(bodies[next()], HEADERS, DEFAULT_DECODE_LIMITS);
  const map = () => toWriteBatches(decoded[next()], MAPPING);
  const send = () => writeBatches(sender, TARGET, batches[next()], { concurrency });
  const endToEnd = async () => {
    const response = await handle({ method: 'POST', path: '/write', headers: HEADERS, body: bodies[next()] });
    if (response.status !== 204) throw new Error(`bench write answered ${response.status}`);
  };
  const sdkSend = async () => {
    for (const b of batches[next()])
      await client.send(
        new WriteRecordsCommand({
          DatabaseName: TARGET.database,
          TableName: TARGET.table,
          CommonAttributes: b.commonAttributes,
          Records: b.records,
        }),
      );
  };

  const out: WriteCpuRuns = { decode: [], map: [], send: [], total: [], sdk: [], calls, labels };
  for (const fn of [decode, map, send, endToEnd]) await cpuMicrosPer(fn, iterations * 2, REQUEST_SAMPLES); // warm-up
  await cpuMicrosPer(sdkSend, 2, REQUEST_SAMPLES);
  for (let r = 0; r < runs; r++) {
    out.decode.push(await cpuMicrosPer(decode, iterations, REQUEST_SAMPLES));
    out.map.push(await cpuMicrosPer(map, iterations, REQUEST_SAMPLES));
    out.send.push(await cpuMicrosPer(send, iterations, REQUEST_SAMPLES));
    out.total.push(await cpuMicrosPer(endToEnd, iterations, REQUEST_SAMPLES));
    out.sdk.push(await cpuMicrosPer(sdkSend, 1, REQUEST_SAMPLES));
  }
  return out;
}
