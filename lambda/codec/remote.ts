// SPDX-License-Identifier: Apache-2.0
// HTTP bodies to remote-write / remote-read messages and back: content-type and content-encoding
// checks, snappy, and the decode limits. What the handlers do with the messages is theirs.

import { badRequest, ConnectorError, ErrorKind, unsupportedMediaType } from '../core/errors';
import { decodeReadRequest, decodeWriteRequest, encodeReadResponse } from '../prompb/codec';
import { encodeColumnarReadResponse, type ColumnarSeries } from '../prompb/encode';
import { withContext } from '../prompb/protobuf-reader';
import type { ReadRequest, ReadResponse, WriteRequest } from '../prompb/types';
import { snappyCompress, snappyUncompress } from './snappy';

/** Limits applied while decoding one request body; exceeding one is a 413 naming it. */
export interface DecodeLimits {
  /** Bytes after snappy decoding (checked against the snappy header before allocating). */
  maxDecodedBytes: number;
  /** TimeSeries per WriteRequest. */
  maxSeries: number;
  /** Labels per TimeSeries. */
  maxLabelsPerSeries: number;
  /** Samples per WriteRequest, over all series. */
  maxSamples: number;
  /** UTF-8 bytes of one label name or value (also matcher names and hint strings). */
  maxLabelBytes: number;
  /** UTF-8 bytes of one matcher value. */
  maxMatcherValueBytes: number;
  /** Queries per ReadRequest. */
  maxQueries: number;
  /** Matchers per Query. */
  maxMatchersPerQuery: number;
  /** Encoded bytes of all matchers of a ReadRequest together (names, values and framing). */
  maxMatcherBytes: number;
}

/** 64 MiB: the largest batch Prometheus builds (max_samples_per_send 2000) is a few MiB. */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;
/** Series per request; Prometheus sends at most max_samples_per_send of them (default 500/2000). */
export const MAX_SERIES = 1_000_000;
/**
 * Labels per series. Above Timestream's 128 dimensions on purpose: the write path rejects and
 * counts such a series instead of this limit failing the whole request.
 */
export const MAX_LABELS_PER_SERIES = 1000;
/** Samples per request, all series together. */
export const MAX_SAMPLES = 1_000_000;
/**
 * 64 KiB per label name or value, matcher name or hint string; Timestream's own limits on labels
 * are far lower and enforced later.
 */
export const MAX_LABEL_BYTES = 64 * 1024;
/**
 * 256 KiB per matcher value. Not MAX_LABEL_BYTES: a Grafana multi-value variable of thousands of
 * values is one alternation longer than any label value (5000 `host:port` values: ~110 KB), and
 * whether its SQL fits Timestream's 262 144-character QueryString is checked on the SQL itself
 * (timestream/sql.ts). What a regex spells out in Java is held to as much (timestream/regex.ts),
 * so a longer value costs no more to translate than four of 64 KiB.
 */
export const MAX_MATCHER_VALUE_BYTES = 256 * 1024;
/** Queries per remote-read request; Prometheus sends one. */
export const MAX_QUERIES = 1000;
/** Matchers per query. */
export const MAX_MATCHERS_PER_QUERY = 1000;
/**
 * Bytes of all matchers of one read request. Without it a 64 MiB request of regex matchers (a
 * few hundred KiB compressed) kept the connector's thread translating them to Java for minutes
 * (~0.5–12 µs a byte, the most for case-folded classes); Prometheus' own requests hold a few KiB.
 */
export const MAX_MATCHER_BYTES = 1024 * 1024;

/** The limits used unless configuration says otherwise. */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({
  maxDecodedBytes: MAX_DECODED_BYTES,
  maxSeries: MAX_SERIES,
  maxLabelsPerSeries: MAX_LABELS_PER_SERIES,
  maxSamples: MAX_SAMPLES,
  maxLabelBytes: MAX_LABEL_BYTES,
  maxMatcherValueBytes: MAX_MATCHER_VALUE_BYTES,
  maxQueries: MAX_QUERIES,
  maxMatchersPerQuery: MAX_MATCHERS_PER_QUERY,
  maxMatcherBytes: MAX_MATCHER_BYTES,
});

const PROTOBUF_MEDIA_TYPE = 'application/x-protobuf';
const WRITE_V1_MESSAGE = 'prometheus.writerequest';
const WRITE_V2_MESSAGE = 'io.prometheus.write.v2.request';

interface MediaType {
  type: string;
  params: Map<string, string>;
}

/** Parses `type/subtype; key=value; ...` lower-casing the type, keys and values, unquoting values. */
function parseMediaType(header: string): MediaType {
  const [type, ...rest] = header.split(';');
  const params = new Map<string, string>();
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    const value = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    params.set(key, value);
  }
  return { type: type.trim().toLowerCase(), params };
}

/**
 * Checks Content-Type for remote write. Missing, `application/x-protobuf` and
 * `...;proto=prometheus.WriteRequest` mean 1.0; 2.0 and anything else get 415, which makes a
 * remote-write 2.0 sender fall back to 1.0 (reference/prometheus-protocol-facts.md 2.1).
 */
function checkWriteContentType(header: string | undefined): void {
  if (header === undefined || header.trim() === '') return;
  const { type, params } = parseMediaType(header);
  if (type !== PROTOBUF_MEDIA_TYPE) {
    throw unsupportedMediaType(
      `unsupported Content-Type "${header}"; remote write needs ${PROTOBUF_MEDIA_TYPE}`,
    );
  }
  const proto = params.get('proto');
  if (proto === undefined || proto === WRITE_V1_MESSAGE) return;
  if (proto === WRITE_V2_MESSAGE) {
    throw unsupportedMediaType(
      'remote-write 2.0 is not supported yet; configure protobuf_message: prometheus.WriteRequest',
    );
  }
  throw unsupportedMediaType(`unsupported protobuf message "${proto}"; expected prometheus.WriteRequest`);
}

/** Returns true for snappy, false for no encoding; 415 for any other encoding (gzip, deflate, ...). */
function isSnappy(header: string | undefined): boolean {
  const encoding = (header ?? '').trim().toLowerCase();
  if (encoding === 'snappy') return true;
  if (encoding === '' || encoding === 'identity') return false;
  throw unsupportedMediaType(`unsupported Content-Encoding "${header}"; remote storage bodies are snappy`);
}

/**
 * Decodes a remote-write 1.0 request body: checks Content-Type and Content-Encoding (lower-case
 * header names), snappy-decodes within `limits.maxDecodedBytes` and decodes the WriteRequest.
 * Throws `unsupported_media_type` (415) for remote-write 2.0 or a non-snappy encoding,
 * `payload_too_large` (413) for a limit, `bad_request` (400) for an empty or corrupt body.
 */
export function readWriteBody(
  body: Uint8Array,
  headers: Readonly<Record<string, string>>,
  limits: DecodeLimits,
): WriteRequest {
  checkWriteContentType(headers['content-type']);
  const declared = isSnappy(headers['content-encoding']);
  if (body.length === 0) throw badRequest('empty body; expected a snappy-compressed WriteRequest');
  // A body without Content-Encoding is read as snappy, as Prometheus' own receiver and the
  // reference connector read it: refusing it (400, never resent) would lose a sender's samples
  // when it compresses but leaves the header out.
  let decoded: Uint8Array;
  try {
    decoded = snappyUncompress(body, limits.maxDecodedBytes);
  } catch (error) {
    if (declared || !(error instanceof ConnectorError) || error.kind !== ErrorKind.BadRequest) throw error;
    throw badRequest(
      `${error.message}; no Content-Encoding: snappy was sent, and remote-write bodies are snappy-compressed`,
    );
  }
  try {
    return decodeWriteRequest(decoded, limits);
  } catch (error) {
    throw withContext(error, 'WriteRequest');
  }
}

/**
 * Decodes a remote-read request body (a snappy-compressed ReadRequest) within `limits`. As in
 * Prometheus' own read handler, the body is snappy-decoded whether or not Content-Encoding says
 * so, and Content-Type is not checked; an explicit non-snappy encoding gets 415.
 * Throws `unsupported_media_type`, `payload_too_large` or `bad_request` like readWriteBody.
 */
export function readReadBody(
  body: Uint8Array,
  headers: Readonly<Record<string, string>>,
  limits: DecodeLimits,
): ReadRequest {
  isSnappy(headers['content-encoding']);
  if (body.length === 0) throw badRequest('empty body; expected a snappy-compressed ReadRequest');
  const decoded = snappyUncompress(body, limits.maxDecodedBytes);
  try {
    return decodeReadRequest(decoded, limits);
  } catch (error) {
    throw withContext(error, 'ReadRequest');
  }
}

/**
 * Encodes a ReadResponse as the SAMPLES response body: protobuf, snappy block compressed (send
 * with `Content-Type: application/x-protobuf` and `Content-Encoding: snappy`).
 */
export function writeReadBody(response: ReadResponse): Uint8Array {
  return snappyCompress(encodeReadResponse(response));
}

/**
 * writeReadBody for results whose series hold their samples as columns (the read path collects
 * them so, with no object per sample): the same bytes for the same samples.
 */
export function writeColumnarReadBody(results: readonly (readonly ColumnarSeries[])[]): Uint8Array {
  return snappyCompress(encodeColumnarReadResponse(results));
}
