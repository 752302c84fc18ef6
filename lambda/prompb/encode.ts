// SPDX-License-Identifier: Apache-2.0
// Hand-written encoding of WriteRequest, ReadRequest and ReadResponse. Sizes are computed first
// so the output is written once, forward, into a buffer of exact size (the read path can return
// millions of samples). The output matches what Go's Prometheus marshals for the same message.

import {
  ProtoWriter,
  bytesFieldSize,
  int64FieldSize,
  int64Size,
  isDefaultDouble,
  stringFieldSize,
  utf8Size,
} from './protobuf-writer';
import type {
  Label,
  LabelMatcher,
  Query,
  ReadHints,
  ReadRequest,
  ReadResponse,
  Sample,
  TimeSeries,
  WriteRequest,
} from './types';

const labelSize = (label: Label): number => stringFieldSize(label.name) + stringFieldSize(label.value);

const sampleSize = (sample: Sample): number =>
  (isDefaultDouble(sample.value) ? 0 : 9) + int64FieldSize(sample.timestamp);

function timeSeriesSize(series: TimeSeries): number {
  let size = 0;
  for (const label of series.labels) size += bytesFieldSize(labelSize(label));
  for (const sample of series.samples) size += bytesFieldSize(sampleSize(sample));
  return size;
}

function writeTimeSeries(w: ProtoWriter, series: TimeSeries): void {
  for (const label of series.labels) {
    w.messageHeader(0x0a, labelSize(label));
    w.stringField(0x0a, label.name);
    w.stringField(0x12, label.value);
  }
  for (const sample of series.samples) {
    w.messageHeader(0x12, sampleSize(sample));
    if (!isDefaultDouble(sample.value)) {
      w.tag(0x09);
      w.double(sample.value);
    }
    w.int64Field(0x10, sample.timestamp);
  }
}

/** Encodes a list of series as repeated field 1 (WriteRequest.timeseries, QueryResult.timeseries). */
function seriesListSize(list: readonly TimeSeries[], sizes: number[]): number {
  let size = 0;
  for (const series of list) {
    const seriesSize = timeSeriesSize(series);
    sizes.push(seriesSize);
    size += bytesFieldSize(seriesSize);
  }
  return size;
}

function writeSeriesList(
  w: ProtoWriter,
  list: readonly TimeSeries[],
  sizes: readonly number[],
  first: number,
): void {
  for (let i = 0; i < list.length; i++) {
    w.messageHeader(0x0a, sizes[first + i]);
    writeTimeSeries(w, list[i]);
  }
}

/**
 * Encodes a WriteRequest (for tests, benchmarks and clients); doubles keep their exact bits.
 * Throws RangeError when a timestamp is not a safe integer.
 */
export function encodeWriteRequest(request: WriteRequest): Uint8Array {
  const sizes: number[] = [];
  const w = new ProtoWriter(seriesListSize(request.timeseries, sizes));
  writeSeriesList(w, request.timeseries, sizes, 0);
  return w.finish();
}

/**
 * Encodes a ReadResponse: one QueryResult per query, in order (for tests and clients; the read
 * path collects its samples as columns and calls encodeColumnarReadResponse). Throws RangeError
 * when a timestamp is not a safe integer.
 */
export function encodeReadResponse(response: ReadResponse): Uint8Array {
  return encodeColumnarReadResponse(
    response.results.map((result) =>
      result.timeseries.map(({ labels, samples }) => ({
        labels,
        timestamps: Float64Array.from(samples, (sample) => sample.timestamp),
        values: Float64Array.from(samples, (sample) => sample.value),
      })),
    ),
  );
}

/**
 * A series whose samples are two columns of equal length (the read path collects them so, with
 * no object per sample); encoded exactly as the TimeSeries with those samples.
 */
export interface ColumnarSeries {
  labels: readonly Label[];
  timestamps: Float64Array;
  values: Float64Array;
}

/** Bytes of the Sample message of one (timestamp, value); always below 128, so its length prefix is one byte. */
const columnSampleSize = (timestamp: number, value: number): number =>
  (isDefaultDouble(value) ? 0 : 9) + int64FieldSize(timestamp);

function columnarSeriesSize(series: ColumnarSeries): number {
  let size = 0;
  for (const label of series.labels) size += bytesFieldSize(labelSize(label));
  const { timestamps, values } = series;
  for (let i = 0; i < timestamps.length; i++) size += 2 + columnSampleSize(timestamps[i]!, values[i]!);
  return size;
}

/**
 * Encodes a ReadResponse whose results are lists of ColumnarSeries: the bytes of the ReadResponse
 * with those samples, default fields omitted as Go's encoder does. Throws RangeError when a
 * timestamp is not a safe integer.
 */
export function encodeColumnarReadResponse(results: readonly (readonly ColumnarSeries[])[]): Uint8Array {
  const sizes: number[] = [];
  const resultSizes: number[] = [];
  let total = 0;
  for (const list of results) {
    let size = 0;
    for (const series of list) {
      const seriesSize = columnarSeriesSize(series);
      sizes.push(seriesSize);
      size += bytesFieldSize(seriesSize);
    }
    resultSizes.push(size);
    total += bytesFieldSize(size);
  }
  const w = new ProtoWriter(total);
  let k = 0;
  results.forEach((list, i) => {
    w.messageHeader(0x0a, resultSizes[i]);
    for (const series of list) {
      w.messageHeader(0x0a, sizes[k++]);
      for (const label of series.labels) {
        w.messageHeader(0x0a, labelSize(label));
        w.stringField(0x0a, label.name);
        w.stringField(0x12, label.value);
      }
      const { timestamps, values } = series;
      for (let j = 0; j < timestamps.length; j++) {
        // Hot loop of every sample read (figure 5): the size pass above checked the timestamp
        // already, so it is written without int64Field's second check.
        const timestamp = timestamps[j]!;
        const value = values[j]!;
        const defaultValue = value === 0 && 1 / value > 0;
        w.messageHeader(0x12, (defaultValue ? 0 : 9) + (timestamp === 0 ? 0 : 1 + int64Size(timestamp)));
        if (!defaultValue) {
          w.tag(0x09);
          w.double(value);
        }
        if (timestamp > 0) {
          w.tag(0x10);
          w.varint(timestamp);
        } else if (timestamp < 0) {
          w.tag(0x10);
          w.int64(timestamp);
        }
      }
    }
  });
  return w.finish();
}

const matcherSize = (m: LabelMatcher): number =>
  (m.type === 0 ? 0 : 1 + int64Size(m.type)) + stringFieldSize(m.name) + stringFieldSize(m.value);

function hintsSize(h: ReadHints): number {
  let size = int64FieldSize(h.stepMs) + stringFieldSize(h.func) + int64FieldSize(h.startMs);
  size += int64FieldSize(h.endMs) + int64FieldSize(h.rangeMs) + (h.by ? 2 : 0);
  // NOTE: elements of a repeated string are written even when empty.
  for (const group of h.grouping) size += bytesFieldSize(utf8Size(group));
  return size;
}

function querySize(q: Query): number {
  let size = int64FieldSize(q.startTimestampMs) + int64FieldSize(q.endTimestampMs);
  for (const m of q.matchers) size += bytesFieldSize(matcherSize(m));
  if (q.hints !== undefined) size += bytesFieldSize(hintsSize(q.hints));
  return size;
}

function writeQuery(w: ProtoWriter, q: Query): void {
  w.int64Field(0x08, q.startTimestampMs);
  w.int64Field(0x10, q.endTimestampMs);
  for (const m of q.matchers) {
    w.messageHeader(0x1a, matcherSize(m));
    w.int64Field(0x08, m.type);
    w.stringField(0x12, m.name);
    w.stringField(0x1a, m.value);
  }
  const h = q.hints;
  if (h === undefined) return;
  w.messageHeader(0x22, hintsSize(h));
  w.int64Field(0x08, h.stepMs);
  w.stringField(0x12, h.func);
  w.int64Field(0x18, h.startMs);
  w.int64Field(0x20, h.endMs);
  for (const group of h.grouping) w.repeatedString(0x2a, group);
  if (h.by) {
    w.tag(0x30);
    w.varint(1);
  }
  w.int64Field(0x38, h.rangeMs);
}

/**
 * Encodes a ReadRequest (for tests and clients); `acceptedResponseTypes` is written packed, as
 * Go does for proto3 repeated enums. Throws RangeError when a number is not a safe integer.
 */
export function encodeReadRequest(request: ReadRequest): Uint8Array {
  const querySizes = request.queries.map(querySize);
  let size = 0;
  for (const q of querySizes) size += bytesFieldSize(q);
  let typesSize = 0;
  for (const type of request.acceptedResponseTypes) typesSize += int64Size(type);
  if (typesSize > 0) size += bytesFieldSize(typesSize);
  const w = new ProtoWriter(size);
  request.queries.forEach((q, i) => {
    w.messageHeader(0x0a, querySizes[i]);
    writeQuery(w, q);
  });
  if (typesSize > 0) {
    w.messageHeader(0x12, typesSize);
    for (const type of request.acceptedResponseTypes) w.int64(type);
  }
  return w.finish();
}
