// SPDX-License-Identifier: Apache-2.0
// A scrape target in the test process that answers in Prometheus' protobuf exposition format (the
// only format that carries native histograms to Prometheus 2.42): a counter on every scrape, and
// on the first few scrapes only an exemplar on it and a native histogram, so the number of
// histogram samples and exemplars Prometheus appends is known exactly.

import { createServer, type Server } from 'node:http';
import protobuf from 'protobufjs';

/** The fields of io.prometheus.client's metrics.proto (client_model 0.3) that the target sends. */
const METRICS_PROTO = `
syntax = "proto2";
package io.prometheus.client;
message LabelPair { optional string name = 1; optional string value = 2; }
message Exemplar { repeated LabelPair label = 1; optional double value = 2; }
message Counter { optional double value = 1; optional Exemplar exemplar = 2; }
message BucketSpan { optional sint32 offset = 1; optional uint32 length = 2; }
message Histogram {
  optional uint64 sample_count = 1;
  optional double sample_sum = 2;
  optional sint32 schema = 5;
  optional double zero_threshold = 6;
  optional uint64 zero_count = 7;
  repeated BucketSpan positive_span = 12;
  repeated sint64 positive_delta = 13;
}
message Metric {
  repeated LabelPair label = 1;
  optional Counter counter = 3;
  optional Histogram histogram = 7;
}
message MetricFamily {
  optional string name = 1;
  optional string help = 2;
  optional int32 type = 3;
  repeated Metric metric = 4;
}
`;
const METRIC_FAMILY = protobuf
  .parse(METRICS_PROTO, { keepCase: true })
  .root.lookupType('io.prometheus.client.MetricFamily');
const COUNTER = 0;
const HISTOGRAM = 4;
const CONTENT_TYPE =
  'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

/** The float counter the target always exposes. */
export const COUNTER_NAME = 'e2e_requests_total';
/** The native histogram the target exposes on its first scrapes. */
export const HISTOGRAM_NAME = 'e2e_latency_seconds';

export interface ExpositionTarget {
  /** host:port to scrape. */
  readonly address: string;
  /** Scrapes answered so far. */
  scrapes(): number;
  close(): Promise<void>;
}

/**
 * Serves the counter on every scrape, and an exemplar on it and the native histogram on the first
 * `featureScrapes`.
 */
export async function startExpositionTarget(featureScrapes: number): Promise<ExpositionTarget> {
  let scrapes = 0;
  const server: Server = createServer((_request, response) => {
    scrapes += 1;
    const families: Record<string, unknown>[] = [
      {
        name: COUNTER_NAME,
        help: 'Requests.',
        type: COUNTER,
        metric: [
          {
            counter: {
              value: scrapes,
              ...(scrapes <= featureScrapes
                ? {
                    exemplar: {
                      label: [{ name: 'trace_id', value: `trace-${scrapes}` }],
                      value: scrapes / 10,
                    },
                  }
                : {}),
            },
          },
        ],
      },
    ];
    if (scrapes <= featureScrapes) {
      families.push({
        name: HISTOGRAM_NAME,
        help: 'Latency.',
        type: HISTOGRAM,
        // Schema 0: buckets (0.5, 1] and (1, 2]; a positive span marks the histogram as native.
        metric: [
          {
            histogram: {
              sample_count: 3 * scrapes,
              sample_sum: 1.5 * scrapes,
              schema: 0,
              zero_threshold: 1e-128,
              zero_count: scrapes,
              positive_span: [{ offset: 0, length: 2 }],
              positive_delta: [scrapes, 0],
            },
          },
        ],
      });
    }
    const body = Buffer.concat(
      families.map((family) => METRIC_FAMILY.encodeDelimited(METRIC_FAMILY.fromObject(family)).finish()),
    );
    response.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': body.length });
    response.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address !== 'object')
    throw new Error('the exposition target has no address');
  return {
    address: `127.0.0.1:${address.port}`,
    scrapes: () => scrapes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
