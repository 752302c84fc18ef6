// SPDX-License-Identifier: Apache-2.0
// Hand-written decoding of prometheus.WriteRequest and TimeSeries (also the series of a
// ReadResponse). A label set is decoded once per distinct byte sequence within one request and,
// through the process-wide label section cache, usually once per process.

import type { DecodeLimits } from '../codec/remote';
import { LabelCache, LabelSetCache, hashBytes } from './byte-cache';
import {
  type LabelSectionCache,
  MAX_CACHED_SECTION_BYTES,
  sharedLabelSectionCache,
} from './label-section-cache';
import { type MessageSpec, ProtoReader, WireType, limitExceeded, withContext } from './protobuf-reader';
import { replacedMalformedUtf8 } from './strings';
import type { Label, LabelsMemo, Sample, TimeSeries, WriteRequest } from './types';

/** Tags (field number << 3 | wire type) of the fields read on the hot path. */
const TAG_FIELD_1_BYTES = 0x0a;
const TAG_FIELD_2_BYTES = 0x12;
const TAG_FIELD_1_FIXED64 = 0x09;
const TAG_FIELD_2_VARINT = 0x10;
const TAG_FIELD_3_BYTES = 0x1a;
const TAG_FIELD_4_BYTES = 0x22;

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

/*
 * NOTE: decoded series and samples are made with `new` (and a sample array with `new Array`), never
 * with a literal: V8 starts allocating a literal's objects straight in the old generation once
 * enough of them outlive a young collection (allocation-site pretenuring), which decoded requests
 * do while they are mapped and sent, and old-generation garbage is only freed by full collections.
 * On figure 1 (bench/figures/write-cpu.ts) literals here made decoding ~1.2 µs per sample instead
 * of ~0.8 (process.cpuUsage and --trace-gc); constructors and builtins have no allocation site.
 */
class DecodedSample implements Sample {
  constructor(
    public value: number,
    public timestamp: number,
  ) {}
}

class DecodedSeries implements TimeSeries {
  // NOTE: a private field behind a getter: the memo belongs to the cache, not to the series'
  // value, so structural comparisons (toEqual, round trips) still see only labels and samples.
  readonly #memo: LabelsMemo | undefined;
  constructor(
    public labels: Label[],
    public samples: Sample[],
    memo: LabelsMemo | undefined,
  ) {
    this.#memo = memo;
  }

  get memo(): LabelsMemo | undefined {
    return this.#memo;
  }
}

/** State shared by the series of one request: limits, running totals and the label caches. */
export class SeriesDecoder {
  // Per-request caches, made on the first label section the process-wide cache cannot answer.
  private labels: LabelCache | undefined;
  private labelSets: LabelSetCache | undefined;
  /** Scratch space for the label run being decoded; copied out when the set is new. */
  private readonly scratchLabels: Label[] = [];
  private readonly scratchIds: number[] = [];
  private sampleCount = 0;
  private histogramCount = 0;
  private exemplarCount = 0;
  /** The cached section decodeLabelSection last returned, undefined when it decoded one. */
  private section: LabelsMemo | undefined;
  /**
   * Longest label section looked up in the process-wide cache. NOTE: never longer than
   * maxLabelBytes: no name or value inside such a section can be over that limit, so a section
   * cached under other limits is valid under these, and entries need not remember their longest
   * string. (maxLabelsPerSeries is enforced by labelRunEnd before the lookup.)
   */
  private readonly maxCachedSectionBytes: number;

  /**
   * @param sections the process-wide label section cache, or null to decode every section (the
   *   labels are then not frozen).
   */
  constructor(
    private readonly reader: ProtoReader,
    private readonly limits: DecodeLimits,
    private readonly sections: LabelSectionCache | null = null,
  ) {
    this.maxCachedSectionBytes = Math.min(MAX_CACHED_SECTION_BYTES, limits.maxLabelBytes);
  }

  /*
   * message TimeSeries {
   *   repeated Label labels         = 1;
   *   repeated Sample samples       = 2;
   *   repeated Exemplar exemplars   = 3;  // skipped and counted (exemplars)
   *   repeated Histogram histograms = 4;  // skipped and counted (nativeHistograms)
   * }
   */
  /** Decodes one TimeSeries occupying [reader.pos, end). */
  decodeTimeSeries(end: number): TimeSeries {
    const r = this.reader;
    let labels: readonly Label[] | undefined;
    let memo: LabelsMemo | undefined;
    // NOTE: made with its first sample: an empty array grows a 17-slot store on the first push,
    // garbage that showed in profiles, as Prometheus sends one sample per series.
    let samples: Sample[] | undefined;
    /** The array this call made by joining split label sections, which it may append to. */
    let ownLabels: Label[] | undefined;
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
        let sample: Sample;
        try {
          const length = r.readLength(end);
          sample = decodeSample(r, r.pos + length);
        } catch (error) {
          throw withContext(error, `sample ${samples === undefined ? 0 : samples.length}`);
        }
        if (samples === undefined) {
          // NOTE: not Array.of(sample), which V8 runs as a generic builtin: it was about 40% of
          // decoding (0.74 against 0.45 µs per sample, figure 1's payload, in-process A/B).
          samples = new Array<Sample>(1);
          samples[0] = sample;
        } else samples.push(sample);
        this.sampleCount++;
      } else if (tag === TAG_FIELD_1_BYTES) {
        const section = this.decodeLabelSection(end, labels === undefined ? 0 : labels.length);
        // NOTE: labels split around other fields are legal but never sent. The first split copies
        // (cached arrays stay intact), later ones append to that copy: a concat each time made
        // 512 one-label sections cost 131 000 copies per series, seconds for a 3 MB body.
        if (labels === undefined) {
          memo = this.section;
          labels = section;
        } else if (ownLabels === undefined) {
          memo = undefined;
          labels = ownLabels = labels.concat(section);
        } else {
          for (const label of section) ownLabels.push(label);
        }
        if (labels.length > this.limits.maxLabelsPerSeries) throw this.tooManyLabels();
      } else {
        r.skipField(tag, end, TIME_SERIES);
        if (tag === TAG_FIELD_4_BYTES) this.histogramCount++;
        else if (tag === TAG_FIELD_3_BYTES) this.exemplarCount++;
      }
    }
    // NOTE: the cast only drops `readonly`; cached arrays are frozen, so a write throws.
    return new DecodedSeries((labels ?? []) as Label[], samples ?? [], memo);
  }

  /** Native histogram samples skipped so far (one Histogram message each). */
  get nativeHistograms(): number {
    return this.histogramCount;
  }

  /** Exemplars skipped so far. */
  get exemplars(): number {
    return this.exemplarCount;
  }

  /**
   * Decodes a run of consecutive label fields (the tag of the first has been read). The run's
   * bytes key the process-wide section cache, so a label set seen in an earlier request costs a
   * hash and a comparison. A run the cache cannot answer (new, malformed, over a limit) is decoded
   * label by label, which also produces the exact error for bad input, and then offered to it.
   */
  private decodeLabelSection(end: number, firstIndex: number): readonly Label[] {
    const sections = this.sections;
    const previous = this.section;
    this.section = undefined;
    if (sections === null) return this.decodeLabelRun(end, firstIndex);
    const r = this.reader;
    const start = r.pos;
    const maxLabels = this.limits.maxLabelsPerSeries - firstIndex;
    const follower = sections.follower(previous, r.buf, start, end, this.maxCachedSectionBytes, maxLabels);
    if (follower !== undefined) {
      r.pos = start + follower.length;
      this.section = follower;
      return follower.labels;
    }
    const runEnd = labelRunEnd(r.buf, start, end, maxLabels);
    if (runEnd < 0 || runEnd - start > this.maxCachedSectionBytes)
      return this.decodeLabelRun(end, firstIndex);
    const hash = sections.hash(r.view, start, runEnd);
    const cached = sections.lookup(hash, r.buf, start, runEnd, previous);
    if (cached !== undefined) {
      r.pos = runEnd;
      this.section = cached;
      return cached.labels;
    }
    const labels = this.decodeLabelRun(end, firstIndex);
    // Label objects were frozen when decoded; the array is frozen once, when first returned.
    if (!Object.isFrozen(labels)) Object.freeze(labels);
    if (r.pos === runEnd) this.section = sections.add(hash, r.buf, start, runEnd, labels, previous);
    return labels;
  }

  /**
   * Decodes a run of label fields one by one. Each Label message's raw bytes key a per-request
   * cache, so pairs shared by many series (job, __name__) are decoded once per request; the
   * resulting sequence keys a second cache, so a series repeated in the request (Prometheus 2.42
   * sends one sample per TimeSeries) gets the same Label[] again.
   */
  private decodeLabelRun(end: number, firstIndex: number): Label[] {
    const r = this.reader;
    const buf = r.buf;
    const max = this.limits.maxLabelsPerSeries;
    const scratchLabels = this.scratchLabels;
    const scratchIds = this.scratchIds;
    const labelCache = (this.labels ??= new LabelCache(buf));
    let count = 0;
    for (;;) {
      if (firstIndex + count >= max) throw this.tooManyLabels();
      let entry;
      try {
        const length = r.readLength(end);
        const start = r.pos;
        const labelEnd = start + length;
        const hash = hashBytes(buf, start, labelEnd);
        entry = labelCache.get(hash, start, labelEnd);
        if (entry === undefined) {
          const label = this.decodeLabel(labelEnd);
          entry = labelCache.add(hash, start, labelEnd, label);
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
    return (this.labelSets ??= new LabelSetCache()).intern(scratchIds, scratchLabels, count);
  }

  /*
   * message Label {
   *   string name  = 1;
   *   string value = 2;
   * }
   */
  private decodeLabel(end: number): Label {
    const r = this.reader;
    const maxLabelBytes = this.limits.maxLabelBytes;
    let name = '';
    let value = '';
    // NOTE: one flag per field: a repeated field replaces the earlier value (protobuf's last one
    // wins), and its flag with it.
    let malformedName = false;
    let malformedValue = false;
    while (r.pos < end) {
      const tag = r.readTag(end);
      if (tag === TAG_FIELD_1_BYTES) {
        name = r.readString(end, maxLabelBytes, 'name', 'maxLabelBytes');
        malformedName = replacedMalformedUtf8(name, r.buf, r.stringStart, r.pos);
      } else if (tag === TAG_FIELD_2_BYTES) {
        value = r.readString(end, maxLabelBytes, 'value', 'maxLabelBytes');
        malformedValue = replacedMalformedUtf8(value, r.buf, r.stringStart, r.pos);
      } else r.skipField(tag, end, LABEL);
    }
    // NOTE: flagged, not refused: a malformed label refuses its series only (validate-series.ts),
    // and the rest of the request is written, as later Prometheus receivers do (2.42 stores the
    // bytes as they are, which Timestream, taking only UTF-8, cannot).
    const label: Label =
      malformedName || malformedValue ? { name, value, malformedUtf8: true } : { name, value };
    // Labels behind the section cache end up in arrays shared across requests: make them immutable.
    return this.sections === null ? label : Object.freeze(label);
  }

  private tooManyLabels() {
    const max = this.limits.maxLabelsPerSeries;
    return limitExceeded(`more than ${max} labels`, max, 'maxLabelsPerSeries');
  }
}

/**
 * Returns the end of the run of consecutive label fields whose first length prefix is at `pos`
 * (the shape decodeLabelRun walks), or -1 when the run is malformed or holds more than
 * `maxCount` labels: such a run is left to decodeLabelRun, which throws the exact error.
 */
function labelRunEnd(buf: Uint8Array, pos: number, end: number, maxCount: number): number {
  for (let count = 1; count <= maxCount; count++) {
    // Label messages are short: a one- or two-byte length prefix covers 16 KiB.
    if (pos >= end) return -1;
    let length = buf[pos++];
    if (length >= 0x80) {
      if (pos >= end) return -1;
      const second = buf[pos++];
      if (second >= 0x80) return -1;
      length = (length & 0x7f) | (second << 7);
    }
    if (length > end - pos) return -1;
    pos += length;
    if (pos >= end || buf[pos] !== TAG_FIELD_1_BYTES) return pos;
    pos++;
  }
  return -1;
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
        // NOTE: clamped, not refused: a time past ±(2^53-1) ms is one Timestream cannot store, so
        // records.ts refuses that sample alone (invalid_timestamp) and writes the rest of the
        // request, as for any other such time; refusing it here failed the whole request.
        timestamp = r.readInt64(end, true);
      } catch (error) {
        throw withContext(error, 'timestamp');
      }
    } else r.skipField(tag, end, SAMPLE);
  }
  return new DecodedSample(value, timestamp);
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
 * Skipped native histogram samples and exemplars are counted in `nativeHistograms` and `exemplars`
 * (each present only when non-zero).
 * Doubles keep their exact bits (staleness markers survive).
 *
 * Label arrays and their Label objects are frozen and shared. Series with byte-identical label
 * sections get the same (`===`) `labels` array: always within one request and, while the section
 * is in `sections` (by default the process-wide cache, label-section-cache.ts), across requests
 * too, so callers may key per-series work on the array. Equal label sets encoded differently may
 * get different arrays. Label objects may be shared between different series. Pass `null` to
 * decode every label section (arrays are then shared within the request only and not frozen).
 * Throws `bad_request` for malformed input and `payload_too_large` for a limit, with a message
 * naming the path, e.g. "cannot decode timeseries 3: cannot decode label 2: length 4000 exceeds
 * remaining 12 bytes" (indices are 0-based).
 */
export function decodeWriteRequest(
  bytes: Uint8Array,
  limits: DecodeLimits,
  sections: LabelSectionCache | null = sharedLabelSectionCache,
): WriteRequest {
  if (bytes.length > limits.maxDecodedBytes) {
    throw limitExceeded(`message of ${bytes.length} bytes`, limits.maxDecodedBytes, 'maxDecodedBytes');
  }
  sections?.startRequest();
  const r = new ProtoReader(bytes);
  const series = new SeriesDecoder(r, limits, sections);
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
  const decoded: WriteRequest = { timeseries };
  if (series.nativeHistograms > 0) decoded.nativeHistograms = series.nativeHistograms;
  if (series.exemplars > 0) decoded.exemplars = series.exemplars;
  return decoded;
}
