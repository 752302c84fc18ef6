// SPDX-License-Identifier: Apache-2.0
// Hand-written decoding of prometheus.ReadRequest (what the read handler serves) and of
// ReadResponse (for tests and clients). Series decoding is shared with the write path.

import type { DecodeLimits } from '../codec/remote';
import { SeriesDecoder } from './decode-write';
import {
  type MessageSpec,
  ProtoReader,
  WireType,
  limitExceeded,
  malformed,
  withContext,
} from './protobuf-reader';
import { replacedMalformedUtf8 } from './strings';
import {
  type LabelMatcher,
  MatcherType,
  type Query,
  type QueryResult,
  type ReadHints,
  type ReadRequest,
  type ReadResponse,
  type ResponseType,
  type TimeSeries,
} from './types';

const READ_REQUEST: MessageSpec = {
  1: { name: 'queries', wireType: WireType.Bytes },
  // accepted_response_types is handled before the spec is consulted: packed and unpacked are both legal.
};
const QUERY: MessageSpec = {
  1: { name: 'start_timestamp_ms', wireType: WireType.Varint },
  2: { name: 'end_timestamp_ms', wireType: WireType.Varint },
  3: { name: 'matchers', wireType: WireType.Bytes },
  4: { name: 'hints', wireType: WireType.Bytes },
};
const LABEL_MATCHER: MessageSpec = {
  1: { name: 'type', wireType: WireType.Varint },
  2: { name: 'name', wireType: WireType.Bytes },
  3: { name: 'value', wireType: WireType.Bytes },
};
const READ_HINTS: MessageSpec = {
  1: { name: 'step_ms', wireType: WireType.Varint },
  2: { name: 'func', wireType: WireType.Bytes },
  3: { name: 'start_ms', wireType: WireType.Varint },
  4: { name: 'end_ms', wireType: WireType.Varint },
  5: { name: 'grouping', wireType: WireType.Bytes },
  6: { name: 'by', wireType: WireType.Varint },
  7: { name: 'range_ms', wireType: WireType.Varint },
};
const READ_RESPONSE: MessageSpec = { 1: { name: 'results', wireType: WireType.Bytes } };
const QUERY_RESULT: MessageSpec = { 1: { name: 'timeseries', wireType: WireType.Bytes } };

/**
 * Entries of accepted_response_types per ReadRequest; Prometheus sends at most two. Bounded so a
 * few MiB of packed zeros can't grow an array of tens of millions of numbers.
 */
export const MAX_RESPONSE_TYPES = 1000;
/** Label names in one query's hints.grouping (a `by`/`without` clause), bounded for the same reason. */
export const MAX_GROUPING_LABELS = 1000;

const field = (tag: number) => Math.floor(tag / 8);
const wire = (tag: number) => tag & 7;

/** Reads an int64 field, naming it in the error; `clamp` as in ProtoReader.readInt64. */
function int64(r: ProtoReader, end: number, name: string, clamp = false): number {
  try {
    return r.readInt64(end, clamp);
  } catch (error) {
    throw withContext(error, name);
  }
}

/** Reads an int32 or enum field, naming it in the error. */
function int32(r: ProtoReader, end: number, name: string): number {
  try {
    return r.readInt32(end);
  } catch (error) {
    throw withContext(error, name);
  }
}

/*
 * message ReadRequest {
 *   repeated Query queries = 1;
 *   enum ResponseType { SAMPLES = 0; STREAMED_XOR_CHUNKS = 1; }
 *   repeated ResponseType accepted_response_types = 2;  // packed or not
 * }
 */
/**
 * Decodes a serialised prometheus.ReadRequest (already snappy-decoded) within `limits`.
 * `acceptedResponseTypes` keeps values this connector does not know as plain numbers, so that
 * response-type negotiation can tell "none supported" from "empty list, meaning SAMPLES".
 * Throws `bad_request` for malformed input, `payload_too_large` for a limit (path-style messages).
 */
export function decodeReadRequest(bytes: Uint8Array, limits: DecodeLimits): ReadRequest {
  if (bytes.length > limits.maxDecodedBytes) {
    throw limitExceeded(`message of ${bytes.length} bytes`, limits.maxDecodedBytes, 'maxDecodedBytes');
  }
  const r = new ProtoReader(bytes);
  const end = bytes.length;
  const queries: Query[] = [];
  const acceptedResponseTypes: ResponseType[] = [];
  const matcherBytes = { left: limits.maxMatcherBytes };
  while (r.pos < end) {
    const tag = r.readTag(end);
    if (field(tag) === 1 && wire(tag) === WireType.Bytes) {
      if (queries.length >= limits.maxQueries) {
        throw limitExceeded(`more than ${limits.maxQueries} queries`, limits.maxQueries, 'maxQueries');
      }
      try {
        const length = r.readLength(end);
        queries.push(decodeQuery(r, r.pos + length, limits, matcherBytes));
      } catch (error) {
        throw withContext(error, `query ${queries.length}`);
      }
    } else if (field(tag) === 2 && wire(tag) === WireType.Varint) {
      acceptedResponseTypes.push(responseType(r, end, acceptedResponseTypes.length));
    } else if (field(tag) === 2 && wire(tag) === WireType.Bytes) {
      const length = r.readLength(end);
      const packedEnd = r.pos + length;
      while (r.pos < packedEnd) {
        acceptedResponseTypes.push(responseType(r, packedEnd, acceptedResponseTypes.length));
      }
    } else if (field(tag) === 2) {
      throw malformed(
        `field 2 (accepted_response_types) has wire type ${wire(tag)}, expected 0 (varint) or 2 (packed)`,
      );
    } else {
      r.skipField(tag, end, READ_REQUEST);
    }
  }
  return { queries, acceptedResponseTypes };
}

function responseType(r: ProtoReader, end: number, count: number): ResponseType {
  if (count >= MAX_RESPONSE_TYPES) {
    throw limitExceeded(
      `more than ${MAX_RESPONSE_TYPES} accepted_response_types`,
      MAX_RESPONSE_TYPES,
      'maxResponseTypes',
    );
  }
  return int32(r, end, 'accepted_response_types') as ResponseType;
}

/*
 * message Query {
 *   int64 start_timestamp_ms       = 1;
 *   int64 end_timestamp_ms         = 2;
 *   repeated LabelMatcher matchers = 3;
 *   ReadHints hints                = 4;
 * }
 */
function decodeQuery(
  r: ProtoReader,
  end: number,
  limits: DecodeLimits,
  matcherBytes: { left: number },
): Query {
  let startTimestampMs = 0;
  let endTimestampMs = 0;
  const matchers: LabelMatcher[] = [];
  let hints: ReadHints | undefined;
  while (r.pos < end) {
    const tag = r.readTag(end);
    if (tag === 0x08) startTimestampMs = int64(r, end, 'start_timestamp_ms', true);
    else if (tag === 0x10) endTimestampMs = int64(r, end, 'end_timestamp_ms', true);
    else if (tag === 0x1a) {
      if (matchers.length >= limits.maxMatchersPerQuery) {
        const max = limits.maxMatchersPerQuery;
        throw limitExceeded(`more than ${max} matchers`, max, 'maxMatchersPerQuery');
      }
      try {
        const length = r.readLength(end);
        const matcher = decodeMatcher(r, r.pos + length, limits);
        // What the matchers cost later (each regex is translated to Java) grows with their bytes.
        matcherBytes.left -= length;
        if (matcherBytes.left < 0) {
          const max = limits.maxMatcherBytes;
          throw limitExceeded(`matchers totalling more than ${max} bytes`, max, 'maxMatcherBytes');
        }
        matchers.push(matcher);
      } catch (error) {
        throw withContext(error, `matcher ${matchers.length}`);
      }
    } else if (tag === 0x22) {
      try {
        const length = r.readLength(end);
        hints = decodeHints(r, r.pos + length, limits.maxLabelBytes, hints);
      } catch (error) {
        throw withContext(error, 'hints');
      }
    } else r.skipField(tag, end, QUERY);
  }
  const query: Query = { startTimestampMs, endTimestampMs, matchers };
  if (hints !== undefined) query.hints = hints;
  return query;
}

const MATCHER_TYPES: ReadonlySet<number> = new Set(Object.values(MatcherType));

/*
 * message LabelMatcher {
 *   enum Type { EQ = 0; NEQ = 1; RE = 2; NRE = 3; }
 *   Type type    = 1;
 *   string name  = 2;
 *   string value = 3;
 * }
 */
function decodeMatcher(r: ProtoReader, end: number, limits: DecodeLimits): LabelMatcher {
  let type = 0;
  let name = '';
  let value = '';
  let malformedName = false;
  let malformedValue = false;
  while (r.pos < end) {
    const tag = r.readTag(end);
    if (tag === 0x08) type = int32(r, end, 'type');
    else if (tag === 0x12) {
      name = r.readString(end, limits.maxLabelBytes, 'name', 'maxLabelBytes');
      malformedName = replacedMalformedUtf8(name, r.buf, r.stringStart, r.pos);
    } else if (tag === 0x1a) {
      value = r.readString(end, limits.maxMatcherValueBytes, 'value', 'maxMatcherValueBytes');
      malformedValue = replacedMalformedUtf8(value, r.buf, r.stringStart, r.pos);
    } else r.skipField(tag, end, LABEL_MATCHER);
  }
  if (!MATCHER_TYPES.has(type)) throw malformed(`unknown matcher type ${type}`);
  // Prometheus compares bytes (a PromQL string may hold `\xff`): the U+FFFD read in place of
  // bytes that are not UTF-8 must not match a label that really holds U+FFFD.
  return {
    type: type as MatcherType,
    name,
    value,
    ...(malformedName ? { malformedName: true as const } : {}),
    ...(malformedValue ? { malformedValue: true as const } : {}),
  };
}

/*
 * message ReadHints {
 *   int64 step_ms = 1;  string func = 2;  int64 start_ms = 3;  int64 end_ms = 4;
 *   repeated string grouping = 5;  bool by = 6;  int64 range_ms = 7;
 * }
 */
function decodeHints(r: ProtoReader, end: number, maxLabelBytes: number, earlier?: ReadHints): ReadHints {
  // A message field sent twice is merged, not replaced (protobuf's encoding guide, "Last One
  // Wins"), as Prometheus' Go decoder and protobufjs do: `earlier` is the field's earlier part.
  const hints: ReadHints = earlier ?? {
    stepMs: 0,
    func: '',
    startMs: 0,
    endMs: 0,
    grouping: [],
    by: false,
    rangeMs: 0,
  };
  while (r.pos < end) {
    const tag = r.readTag(end);
    if (tag === 0x08) hints.stepMs = int64(r, end, 'step_ms', true);
    else if (tag === 0x12) hints.func = r.readString(end, maxLabelBytes, 'func', 'maxLabelBytes');
    else if (tag === 0x18) hints.startMs = int64(r, end, 'start_ms', true);
    else if (tag === 0x20) hints.endMs = int64(r, end, 'end_ms', true);
    else if (tag === 0x2a) {
      if (hints.grouping.length >= MAX_GROUPING_LABELS) {
        const max = MAX_GROUPING_LABELS;
        throw limitExceeded(`more than ${max} grouping labels`, max, 'maxGroupingLabels');
      }
      hints.grouping.push(r.readString(end, maxLabelBytes, 'grouping', 'maxLabelBytes'));
    } else if (tag === 0x30) hints.by = r.readUnsigned(end) !== 0;
    else if (tag === 0x38) hints.rangeMs = int64(r, end, 'range_ms', true);
    else r.skipField(tag, end, READ_HINTS);
  }
  return hints;
}

/** No limits: a response comes from a server the caller chose to query. */
const UNLIMITED: DecodeLimits = {
  maxDecodedBytes: Infinity,
  maxSeries: Infinity,
  maxLabelsPerSeries: Infinity,
  maxSamples: Infinity,
  maxLabelBytes: Infinity,
  maxMatcherValueBytes: Infinity,
  maxQueries: Infinity,
  maxMatchersPerQuery: Infinity,
  maxMatcherBytes: Infinity,
};

/*
 * message ReadResponse { repeated QueryResult results = 1; }
 * message QueryResult  { repeated TimeSeries timeseries = 1; }
 */
/**
 * Decodes a serialised ReadResponse (already snappy-decoded), for tests and clients. Like
 * decodeWriteRequest, equal label sections share one read-only `labels` array. Throws `bad_request`.
 */
export function decodeReadResponse(bytes: Uint8Array): ReadResponse {
  const r = new ProtoReader(bytes);
  const series = new SeriesDecoder(r, UNLIMITED);
  const end = bytes.length;
  const results: QueryResult[] = [];
  while (r.pos < end) {
    const tag = r.readTag(end);
    if (tag !== 0x0a) {
      r.skipField(tag, end, READ_RESPONSE);
      continue;
    }
    try {
      const length = r.readLength(end);
      results.push({ timeseries: decodeQueryResult(r, r.pos + length, series) });
    } catch (error) {
      throw withContext(error, `result ${results.length}`);
    }
  }
  return { results };
}

function decodeQueryResult(r: ProtoReader, end: number, series: SeriesDecoder): TimeSeries[] {
  const timeseries: TimeSeries[] = [];
  while (r.pos < end) {
    const tag = r.readTag(end);
    if (tag !== 0x0a) {
      r.skipField(tag, end, QUERY_RESULT);
      continue;
    }
    try {
      const length = r.readLength(end);
      timeseries.push(series.decodeTimeSeries(r.pos + length));
    } catch (error) {
      throw withContext(error, `timeseries ${timeseries.length}`);
    }
  }
  return timeseries;
}
