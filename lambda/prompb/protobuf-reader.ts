// SPDX-License-Identifier: Apache-2.0
// A bounds-checked protobuf wire-format reader: varints, fixed-width numbers, strings, skipping of
// unknown fields, and the path-style error messages the decoders build on. It replaces protobufjs
// on the measured write hot path (scripts/bench-decode.ts); tests use protobufjs as the oracle.

import { ConnectorError, badRequest, tooLarge } from '../core/errors';
import { decodeUtf8 } from './strings';

/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/#structure). */
export const WireType = { Varint: 0, Fixed64: 1, Bytes: 2, StartGroup: 3, EndGroup: 4, Fixed32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

const WIRE_TYPE_NAMES = [
  'varint',
  '64-bit',
  'length-delimited',
  'start-group',
  'end-group',
  '32-bit',
  'invalid',
  'invalid',
];

/** A varint encodes at most 64 bits in at most 10 bytes. */
const MAX_VARINT_BYTES = 10;
/** Largest valid field number (2^29 - 1). */
const MAX_FIELD_NUMBER = 0x1fffffff;
const TWO_POW_32 = 4294967296;
/** Most groups open at once inside an unknown field (protobuf's C++ parser allows 100 levels). */
const MAX_GROUP_DEPTH = 100;
/** The fields of a group are all unknown. */
const NO_FIELDS: MessageSpec = Object.freeze({});

/** Name and wire type of a declared field, for "wrong wire type" errors. */
export interface FieldSpec {
  readonly name: string;
  readonly wireType: WireType;
}

/** Declared fields of one message by field number. */
export type MessageSpec = Readonly<Record<number, FieldSpec>>;

/** Makes a wire-format error (bad_request). */
export const malformed = (reason: string) => badRequest(reason);

/** Prefixes `cannot decode <what>: ` to a ConnectorError, keeping its kind; other errors pass through. */
export function withContext(error: unknown, what: string): unknown {
  if (!(error instanceof ConnectorError)) return error;
  return new ConnectorError(error.kind, `cannot decode ${what}: ${error.message}`, { cause: error.cause });
}

/**
 * How a user sets each decode limit (codec/remote.ts DecodeLimits; README "Limits"): the flag and
 * the Lambda variable, or that it is fixed, so a 413 says what to change.
 */
const LIMIT_SETTINGS: Readonly<Record<string, string>> = {
  maxDecodedBytes: '--max-decoded-bytes, max_decoded_bytes',
  maxSeries: '--max-series-per-request, max_series_per_request',
  maxSamples: '--max-samples-per-request, max_samples_per_request',
  maxLabelsPerSeries: '--max-labels-per-series, max_labels_per_series',
  maxLabelBytes: 'a fixed limit',
  maxMatcherValueBytes: 'a fixed limit',
  maxQueries: 'a fixed limit',
  maxMatchersPerQuery: 'a fixed limit',
  maxMatcherBytes: 'a fixed limit',
  maxResponseTypes: 'a fixed limit',
  maxGroupingLabels: 'a fixed limit',
};

/** How the decode limit `limitName` (a DecodeLimits key) is set, for messages that name it. */
export function limitSetting(limitName: string): string {
  return LIMIT_SETTINGS[limitName] ?? limitName;
}

/** Makes the error for a decode limit (payload_too_large), naming how the limit is set. */
export function limitExceeded(what: string, limit: number, limitName: string): ConnectorError {
  return tooLarge(`${what} exceeds the limit of ${limit} (${limitSetting(limitName)})`);
}

/**
 * Reads one protobuf message. Every read takes `end`, the end of the enclosing message, and never
 * reads past it. The buffer is only read; decoded strings are copies.
 */
export class ProtoReader {
  readonly buf: Buffer;
  readonly view: DataView;
  pos = 0;
  /** Where the bytes of the string readString last read begin (they end at `pos`). */
  stringStart = 0;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Reads a varint as an unsigned number, exact up to 2^53 and approximate above, which is good
   * enough for tags and lengths (compared against the bytes left) and for booleans.
   */
  readUnsigned(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos < end) {
      const first = buf[pos];
      if (first < 0x80) {
        this.pos = pos + 1;
        return first;
      }
    }
    let value = 0;
    let multiplier = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (pos >= end) throw malformed('truncated varint');
      const byte = buf[pos++];
      value += (byte & 0x7f) * multiplier;
      if (byte < 0x80) {
        if (i === MAX_VARINT_BYTES - 1 && byte > 1) throw malformed('varint overflows 64 bits');
        this.pos = pos;
        return value;
      }
      multiplier *= 128;
    }
    throw malformed('varint longer than 10 bytes');
  }

  /**
   * Reads an int32 or enum varint. A wider value keeps its low 32 bits, as protobuf specifies for
   * a 64-bit number parsed as int32 (https://protobuf.dev/programming-guides/proto3/#updating) and
   * as Prometheus' Go decoder and protobufjs read it.
   */
  readInt32(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    let low = 0;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (pos >= end) throw malformed('truncated varint');
      const byte = buf[pos++];
      // Shifts are mod 32 on int32s: bits 32 and up of the fifth byte drop out, as they should.
      if (i < 5) low |= (byte & 0x7f) << (7 * i);
      if (byte < 0x80) {
        if (i === MAX_VARINT_BYTES - 1 && byte > 1) throw malformed('varint overflows 64 bits');
        this.pos = pos;
        return low | 0;
      }
    }
    throw malformed('varint longer than 10 bytes');
  }

  /**
   * Reads an int64 varint (two's complement) exactly; values outside ±(2^53-1) are refused, or with
   * `clamp` brought to the nearest of them (for bounds such as a read's time range, where Prometheus
   * sends math.MinInt64-like values for "since ever", and for sample times, refused per sample).
   */
  readInt64(end: number, clamp = false): number {
    const buf = this.buf;
    let pos = this.pos;
    let low = 0;
    let high = 0;
    let byte = 0;
    let i = 0;
    for (; i < MAX_VARINT_BYTES; i++) {
      if (pos >= end) throw malformed('truncated varint');
      byte = buf[pos++];
      const bits = byte & 0x7f;
      if (i < 4) low |= bits << (7 * i);
      else if (i === 4) {
        low |= bits << 28;
        high = bits >>> 4;
      } else high |= bits << (7 * i - 32);
      if (byte < 0x80) break;
    }
    if (i === MAX_VARINT_BYTES) throw malformed('varint longer than 10 bytes');
    if (i === MAX_VARINT_BYTES - 1 && byte > 1) throw malformed('varint overflows 64 bits');
    this.pos = pos;
    const value = (high | 0) * TWO_POW_32 + (low >>> 0);
    if (value > Number.MAX_SAFE_INTEGER || value < -Number.MAX_SAFE_INTEGER) {
      if (clamp) return value > 0 ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
      const exact = BigInt.asIntN(64, (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0));
      throw malformed(`int64 ${exact} is outside the range a JavaScript number holds exactly (±2^53-1)`);
    }
    return value;
  }

  /**
   * Reads a tag; refuses field number 0, an end-group outside a group and the undefined wire types
   * 6 and 7. A start-group tag is returned: skipField skips the group of an undeclared field.
   */
  readTag(end: number): number {
    const tag = this.readAnyTag(end);
    if ((tag & 7) === WireType.EndGroup)
      throw malformed(`field ${Math.floor(tag / 8)} ends a group that was never started`);
    return tag;
  }

  /** Reads a tag, an end-group one included; refuses field number 0 and wire types 6 and 7. */
  private readAnyTag(end: number): number {
    const tag = this.readUnsigned(end);
    const wireType = tag & 7;
    const field = Math.floor(tag / 8);
    if (field === 0 || field > MAX_FIELD_NUMBER) throw malformed(`invalid field number ${field}`);
    if (wireType > WireType.Fixed32) throw malformed(`field ${field} has invalid wire type ${wireType}`);
    return tag;
  }

  /** Reads a length prefix and checks it against the bytes left before `end`. */
  readLength(end: number): number {
    const length = this.readUnsigned(end);
    const remaining = end - this.pos;
    if (length > remaining) throw malformed(`length ${length} exceeds remaining ${remaining} bytes`);
    return length;
  }

  /** Reads a little-endian float64, keeping NaN payloads (DataView does not canonicalise them). */
  readDouble(end: number): number {
    const pos = this.pos;
    if (end - pos < 8) throw malformed(`truncated double: ${end - pos} of 8 bytes left`);
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** Reads a length-delimited UTF-8 string of at most `maxBytes` bytes (see decodeUtf8). */
  readString(end: number, maxBytes: number, what: string, limitName: string): string {
    const length = this.readLength(end);
    if (length > maxBytes) throw limitExceeded(`${what} of ${length} bytes`, maxBytes, limitName);
    const start = this.pos;
    this.stringStart = start;
    this.pos = start + length;
    return decodeUtf8(this.buf, start, start + length);
  }

  /**
   * Skips the value of a field the caller does not read. A declared field (in `spec`) must come
   * with its declared wire type; undeclared fields of any wire type are skipped.
   */
  skipField(tag: number, end: number, spec: MessageSpec): void {
    const wireType = tag & 7;
    const field = Math.floor(tag / 8);
    const declared = spec[field];
    if (declared !== undefined && declared.wireType !== wireType)
      throw wrongWireType(field, declared, wireType);
    switch (wireType) {
      case WireType.Varint:
        this.readUnsigned(end);
        return;
      case WireType.Fixed64:
        this.skipBytes(8, end);
        return;
      case WireType.Bytes:
        const length = this.readLength(end);
        this.pos += length;
        return;
      case WireType.StartGroup:
        this.skipGroup(field, end);
        return;
      default:
        this.skipBytes(4, end);
    }
  }

  /**
   * Skips the fields of a group (proto2's wire types 3 and 4) up to its end-group tag. NOTE: no
   * field of ours is a group, but an unknown one is still valid wire format, which Go's decoders
   * (gogoproto in Prometheus, protobuf-go) skip, so refusing it refused bodies Prometheus accepts.
   * Nested groups are tracked in a list, not by recursion, and at most MAX_GROUP_DEPTH deep.
   */
  private skipGroup(field: number, end: number): void {
    const open = [field];
    while (open.length > 0) {
      if (this.pos >= end) throw malformed(`group of field ${open[open.length - 1]} is not closed`);
      const tag = this.readAnyTag(end);
      const wireType = tag & 7;
      const inner = Math.floor(tag / 8);
      if (wireType === WireType.EndGroup) {
        const started = open.pop();
        if (inner !== started)
          throw malformed(`group of field ${started} is closed by an end-group of field ${inner}`);
      } else if (wireType === WireType.StartGroup) {
        if (open.length >= MAX_GROUP_DEPTH)
          throw malformed(`groups nested more than ${MAX_GROUP_DEPTH} deep`);
        open.push(inner);
      } else this.skipField(tag, end, NO_FIELDS);
    }
  }

  private skipBytes(count: number, end: number): void {
    if (end - this.pos < count)
      throw malformed(`truncated fixed-width field: ${end - this.pos} of ${count} bytes left`);
    this.pos += count;
  }
}

/** Makes the error for a declared field that arrived with another wire type. */
export function wrongWireType(field: number, spec: FieldSpec, wireType: number): ConnectorError {
  return malformed(
    `field ${field} (${spec.name}) has wire type ${wireType} (${WIRE_TYPE_NAMES[wireType]}), ` +
      `expected ${spec.wireType} (${WIRE_TYPE_NAMES[spec.wireType]})`,
  );
}
