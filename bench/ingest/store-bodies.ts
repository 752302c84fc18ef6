// SPDX-License-Identifier: Apache-2.0
// WriteRecords bodies for measuring the embedded store alone: the connector's own mapping of the
// figure's remote-write bodies (toWriteBatches), serialised as the JSON the SDK sends, so the
// store sees what it sees behind the connector without the connector's CPU in the measurement.

import { snappyUncompress } from '../../lambda/codec/snappy';
import { decodeWriteRequest } from '../../lambda/prompb/codec';
import { DEFAULT_DECODE_LIMITS } from '../../lambda/codec/remote';
import { toWriteBatches } from '../../lambda/timestream/records';
import type { Bodies } from './bodies';

/** Target names of the table the connector writes in local mode (bin/cli.ts defaults). */
export const STORE_DATABASE = 'PrometheusDatabase';
export const STORE_TABLE = 'PrometheusMetricsTable';

/** A WriteRecords body and the records it carries. */
export interface StoreBodies {
  bodies: Buffer[];
  samples: number[];
  totalBytes: number;
  /** The leading bodies mapped from the remote bodies' first round (every series' first sample). */
  firstRoundBodies: number;
}

/** Maps the first `count` remote-write bodies to WriteRecords JSON bodies (about 20 each). */
export function buildStoreBodies(remote: Bodies, count: number): StoreBodies {
  const out: StoreBodies = { bodies: [], samples: [], totalBytes: 0, firstRoundBodies: 0 };
  for (let i = 0; i < Math.min(count, remote.bodies.length); i++) {
    const request = decodeWriteRequest(
      snappyUncompress(remote.bodies[i], DEFAULT_DECODE_LIMITS.maxDecodedBytes),
      DEFAULT_DECODE_LIMITS,
    );
    const mapping = toWriteBatches(request.timeseries, {
      failOnLongLabel: false,
      failOnInvalidSampleValue: false,
    });
    for (const batch of mapping.batches) {
      const body = Buffer.from(
        JSON.stringify({
          DatabaseName: STORE_DATABASE,
          TableName: STORE_TABLE,
          CommonAttributes: batch.commonAttributes,
          Records: batch.records,
        }),
      );
      out.bodies.push(body);
      out.samples.push(batch.sampleCount);
      out.totalBytes += body.length;
    }
    if (i < remote.firstRoundBodies) out.firstRoundBodies = out.bodies.length;
  }
  return out;
}

/**
 * Headers of a store call: the store accepts any well-formed SigV4 Authorization unless it was
 * started with credentials, so a fixed one stands in for signing (which is the client's CPU).
 */
export function storeHeaders(): Record<string, string> {
  return {
    'Content-Type': 'application/x-amz-json-1.0',
    'X-Amz-Target': 'Timestream_20181101.WriteRecords',
    'X-Amz-Date': '20260101T000000Z',
    Authorization:
      'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/timestream/aws4_request, ' +
      `SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
  };
}
