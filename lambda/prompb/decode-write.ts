// SPDX-License-Identifier: Apache-2.0
// Hand-written decoding of prometheus.WriteRequest and TimeSeries (also the series of a
// ReadResponse). Label sets are decoded once per distinct byte sequence within one request.

import type { DecodeLimits } from '../codec/remote';
import { LabelCache, LabelSetCache, hashBytes } from './byte-cache';
import { type MessageSpec, ProtoReader, WireType, limitExceeded, withContext } from './protobuf-reader';
import type { Label, Sample, TimeSeries, WriteRequest } from './types';

/** Tags (field number << 3 | wire type) of the fields read on the hot path. */
const TAG_FIELD_1_BYTES = 0x0a;
const TAG_FIELD_2_BYTES = 0x12;
const TAG_FIELD_1_FIXED64 = 0x09;
const TAG_FIELD_2_VARINT = 0x10;

const WRITE_REQUEST: MessageSpec = {
  1: { name: 'timeseries', wireType: WireType.Bytes },
  3: { name: 'metadata', wireType: WireType.Bytes },
};
const TIME_SERIES: MessageSpec = {
  1: { name: 'labels', wireType: WireType.Bytes },
  2: { name: 'samples', wireType: WireType.Bytes },
  3: { name: 'exemplars', wireType: WireType.Bytes },
  4: { name: 'histograms', wireType: WireType.Bytes },
};
const LABEL: MessageSpec = {
  1: { name: 'name', wireType: WireType.Bytes },
  2: { name: 'value', wireType: WireType.Bytes },
};
const SAMPLE: MessageSpec = {
  1: { name: 'value', wireType: WireType.Fixed64 },
  2: { name: 'timestamp', wireType: WireType.Varint },
};

/** State shared by the series of one request: limits, running totals and the label caches. */
export class SeriesDecoder {
  private readonly labels: LabelCache;
  private readonly labelSets = new LabelSetCache();
  /** Scratch space for the label run being decoded; copied out when the set is new. */
  private readonly scratchLabels: Label[] = [];
  private readonly scratchIds: number[] = [];
  private sampleCount = 0;

  constructor(
    private readonly reader: ProtoReader,
    private readonly limits: DecodeLimits,
  ) {
    this.labels = new LabelCache(reader.buf);
  }

  /*
   * message TimeSeries {
   *   repeated Label labels         = 1;
   *   repeated Sample samples       = 2;
   *   repeated Exemplar exemplars   = 3;  // skipped
   *   repeated Histogram histograms = 4;  // skipped
   * }
   */
  /** Decodes one TimeSeries occupying [reader.pos, end). */
  decodeTimeSeries(end: number): TimeSeries {
    const r = this.reader;
    let labels: Label[] | undefined;
    const samples: Sample[] = [];
    while (r.pos < end) {
      const tag = r.readTag(end);
      if (tag === TAG_FIELD_2_BYTES) {
        if (this.sampleCount >= this.limits.maxSamples) {
          throw limitExceeded(
            `more than ${this.limits.maxSamples} samples`,
            this.limits.maxSamples,
            'maxSamples',
          );
        }
        try {
          const length = r.readLength(end);
          samples.push(decodeSample(r, r.pos + length));
        } catch (error) {
          throw withContext(error, `sample ${samples.length}`);
        }
        this.sampleCount++;
      } else if (tag === TAG_FIELD_1_BYTES) {
        const section = this.decodeLabelSection(end, labels === undefined ? 0 : labels.length);
        // NOTE: labels split around other fields are legal but never sent; concat keeps cached arrays intact.
        labels = labels === undefined ? section : labels.concat(section);
        if (labels.length > this.limits.maxLabelsPerSeries) throw this.tooManyLabels();
      } else {
        r.skipField(tag, end, TIME_SERIES);
      }
    }
    return { labels: labels ?? [], samples };
  }

  /**
   * Decodes a run of consecutive label fields (the tag of the first has been read). Each Label
   * message's raw bytes key a cache, so pairs shared by many series (job, __name__) are decoded
   * once per request; the resulting sequence keys a second cache, so a series repeated in the
   * request (Prometheus 2.42 sends one sample per TimeSeries) gets the same Label[] again.
   */
  private decodeLabelSection(end: number, firstIndex: number): Label[] {
    const r = this.reader;
    const buf = r.buf;
    const max = this.limits.maxLabelsPerSeries;
    const scratchLabels = this.scratchLabels;
    const scratchIds = this.scratchIds;
    let count = 0;
    for (;;) {
      if (firstIndex + count >= max) throw this.tooManyLabels();
      let entry;
      try {
        const length = r.readLength(end);
        const start = r.pos;
        const labelEnd = start + length;
        const hash = hashBytes(buf, start, labelEnd);
        entry = this.labels.get(hash, start, labelEnd);
        if (entry === undefined) {
          entry = this.labels.add(hash, start, labelEnd, decodeLabel(r, labelEnd, this.limits.maxLabelBytes));
        }
        r.pos = labelEnd;
      } catch (error) {
        throw withContext(error, `label ${firstIndex + count}`);
      }
      scratchLabels[count] = entry.label;
      scratchIds[count] = entry.id;
      count++;
      if (r.pos >= end || buf[r.pos] !== TAG_FIELD_1_BYTES) break;
      r.pos++;
    }
    return this.labelSets.intern(scratchIds, scratchLabels, count);
  }

  private tooManyLabels() {
    const max = this.limits.maxLabelsPerSeries;
    return limitExceeded(`more than ${max} labels`, max, 'maxLabelsPerSeries');
  }
}

/*
 * message Label {
 *   string name  = 1;
 *   string value = 2;
 * }
 */
function decodeLabel(r: ProtoReader, end: number, maxLabelBytes: number): Label {
  let name = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.readTag(end);
    if (tag === TAG_FIELD_1_BYTES) name = r.readString(end, maxLabelBytes, 'name', 'maxLabelBytes');
    else if (tag === TAG_FIELD_2_BYTES) value = r.readString(end, maxLabelBytes, 'value', 'maxLabelBytes');
    else r.skipField(tag, end, LABEL);
  }
  return { name, value };
}

/*
 * message Sample {
 *   double value    = 1;
 *   int64 timestamp = 2; // milliseconds
 * }
 */
function decodeSample(r: ProtoReader, end: number): Sample {
  let value = 0;
  let timestamp = 0;
  while (r.pos < end) {
    const tag = r.readTag(end);
    if (tag === TAG_FIELD_1_FIXED64) value = r.readDouble(end);
    else if (tag === TAG_FIELD_2_VARINT) {
      try {
        timestamp = r.readInt64(end);
      } catch (error) {
        throw withContext(error, 'timestamp');
      }
    } else r.skipField(tag, end, SAMPLE);
  }
  return { value, timestamp };
}

/*
 * message WriteRequest {
 *   repeated TimeSeries timeseries   = 1;
 *   reserved 2;
 *   repeated MetricMetadata metadata = 3;  // skipped
 * }
 */
/**
 * Decodes a serialised prometheus.WriteRequest (already snappy-decoded) within `limits`.
 * Exemplars, histograms and metadata are skipped; unknown fields of any wire type are skipped.
 * Series with byte-identical label sections share one `labels` array (and its Label objects):
 * treat labels as read-only; `a.labels === b.labels` means equal label sets, which callers may use
 * to do per-series work once. Doubles keep their exact bits (staleness markers survive).
 * Throws `bad_request` for malformed input and `payload_too_large` for a limit, with a message
 * naming the path, e.g. "cannot decode timeseries 3: cannot decode label 2: length 4000 exceeds
 * remaining 12 bytes" (indices are 0-based).
 */
export function decodeWriteRequest(bytes: Uint8Array, limits: DecodeLimits): WriteRequest {
  if (bytes.length > limits.maxDecodedBytes) {
    throw limitExceeded(`message of ${bytes.length} bytes`, limits.maxDecodedBytes, 'maxDecodedBytes');
  }
  const r = new ProtoReader(bytes);
  const series = new SeriesDecoder(r, limits);
  const timeseries: TimeSeries[] = [];
  const end = bytes.length;
  while (r.pos < end) {
    const tag = r.readTag(end);
    if (tag !== TAG_FIELD_1_BYTES) {
      r.skipField(tag, end, WRITE_REQUEST);
      continue;
    }
    if (timeseries.length >= limits.maxSeries) {
      throw limitExceeded(`more than ${limits.maxSeries} timeseries`, limits.maxSeries, 'maxSeries');
    }
    try {
      const length = r.readLength(end);
      timeseries.push(series.decodeTimeSeries(r.pos + length));
    } catch (error) {
      throw withContext(error, `timeseries ${timeseries.length}`);
    }
  }
  return { timeseries };
}
