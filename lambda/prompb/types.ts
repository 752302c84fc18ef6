// SPDX-License-Identifier: Apache-2.0
// Plain TypeScript shapes of the Prometheus remote-write 1.0 and remote-read messages
// (proto/remote.proto, proto/types.proto). No behaviour lives here.

export interface Label {
  name: string;
  value: string;
  /**
   * Set (to true) by the write decoder on a label whose name or value bytes are not UTF-8: the
   * strings hold U+FFFD in their place, so two different label sets could read the same.
   */
  readonly malformedUtf8?: true;
}

export interface Sample {
  /** float64, any bit pattern (NaN payloads such as the staleness marker are preserved). */
  value: number;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
}

export interface TimeSeries {
  labels: Label[];
  samples: Sample[];
  /**
   * Set by the write decoder on a series whose labels came from its process-wide label section
   * cache: one slot per cached label set, shared by every series decoded with it, for as long as
   * the cache keeps it. A consumer keeps there what it derives from the labels alone.
   */
  readonly memo?: LabelsMemo;
}

/**
 * What a consumer derived from one frozen labels array (`labels`), valid for the `owner` it was
 * derived under (the consumer's own token, e.g. its settings); `owner` undefined means empty.
 */
export interface LabelsMemo {
  readonly labels: readonly Label[];
  owner: unknown;
  value: unknown;
}

/** prometheus.WriteRequest; metadata, exemplars and histograms are skipped by the decoder. */
export interface WriteRequest {
  timeseries: TimeSeries[];
  /**
   * Set by the write decoder when the request carried native histogram samples (TimeSeries field
   * 4): how many it skipped. Timestream has no type for them, so they are counted, not written.
   */
  nativeHistograms?: number;
  /**
   * Set by the write decoder when the request carried exemplars (TimeSeries field 3): how many it
   * skipped. Timestream has no place for them; they are counted, not written.
   */
  exemplars?: number;
}

export const MatcherType = { EQ: 0, NEQ: 1, RE: 2, NRE: 3 } as const;
export type MatcherType = (typeof MatcherType)[keyof typeof MatcherType];

export interface LabelMatcher {
  type: MatcherType;
  name: string;
  value: string;
  /**
   * Set (to true) by the read decoder on a matcher whose name bytes are not UTF-8: `name` holds
   * U+FFFD in their place, which a stored label name may really hold.
   */
  readonly malformedName?: true;
  /** Likewise for the value bytes. */
  readonly malformedValue?: true;
}

export interface ReadHints {
  stepMs: number;
  func: string;
  startMs: number;
  endMs: number;
  grouping: string[];
  by: boolean;
  rangeMs: number;
}

export interface Query {
  startTimestampMs: number;
  endTimestampMs: number;
  matchers: LabelMatcher[];
  hints?: ReadHints;
}

export const ResponseType = { SAMPLES: 0, STREAMED_XOR_CHUNKS: 1 } as const;
export type ResponseType = (typeof ResponseType)[keyof typeof ResponseType];

export interface ReadRequest {
  queries: Query[];
  acceptedResponseTypes: ResponseType[];
}

export interface QueryResult {
  timeseries: TimeSeries[];
}

export interface ReadResponse {
  results: QueryResult[];
}
