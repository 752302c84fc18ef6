// SPDX-License-Identifier: Apache-2.0
// A protobuf wire-format writer into a buffer of known size, plus the size arithmetic the
// encoders use to write length prefixes in one forward pass. Proto3 rules: default values are
// omitted, except that -0 is written (it is not the default +0, and bit-exact round trips need it).

const TWO_POW_32 = 4294967296;
const TWO_POW_28 = 268435456;

/** Returns the byte length of `value` as a varint; `value` is an unsigned safe integer. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 4;
  for (let rest = Math.floor(value / 0x10000000); rest > 0; rest = Math.floor(rest / 128)) size++;
  return size;
}

/** Returns the varint size of an int64 field value (negative numbers always take 10 bytes). */
export function int64Size(value: number): number {
  return value < 0 ? 10 : varintSize(value);
}

/** Returns the UTF-8 byte length of `value` (lone surrogates count as U+FFFD, as written). */
export const utf8Size = (value: string): number => Buffer.byteLength(value, 'utf8');

/** Returns the size of a length-delimited field holding `length` bytes, tag included (field < 16). */
export const bytesFieldSize = (length: number): number => 1 + varintSize(length) + length;

/** Returns the size of a string field, 0 when the string is empty (proto3 default). */
export function stringFieldSize(value: string): number {
  return value === '' ? 0 : bytesFieldSize(utf8Size(value));
}

/** Returns true when `value` is the proto3 default for a double: +0, not -0. */
export const isDefaultDouble = (value: number): boolean => value === 0 && 1 / value > 0;

function checkInt64(value: number): void {
  // Number.isSafeInteger, spelled out: V8 did not inline the builtin, and at two calls per sample
  // it was half the cost of encoding a read response (figure 5, --cpu-prof). NaN fails the tests.
  if (!(value >= -Number.MAX_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER && Math.floor(value) === value))
    throw new RangeError(`cannot encode ${value} as int64: not a safe integer`);
}

/** Writes into a buffer allocated once with the exact size the encoder computed. */
export class ProtoWriter {
  readonly buf: Buffer;
  private readonly view: DataView;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.alloc(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, size);
  }

  /** Writes a tag byte; every field number used here is below 16. */
  tag(tag: number): void {
    this.buf[this.pos++] = tag;
  }

  /** Writes an unsigned safe integer as a varint. */
  varint(value: number): void {
    const buf = this.buf;
    let pos = this.pos;
    if (value >= TWO_POW_28) {
      // Millisecond timestamps (~2^41) on every sample of a read: the low 28 bits as four
      // groups with 32-bit integer operations, then the rest (< 2^25), one division in all.
      const low = value % TWO_POW_28;
      buf[pos++] = (low & 0x7f) | 0x80;
      buf[pos++] = ((low >>> 7) & 0x7f) | 0x80;
      buf[pos++] = ((low >>> 14) & 0x7f) | 0x80;
      buf[pos++] = (low >>> 21) | 0x80;
      value = (value - low) / TWO_POW_28;
    }
    while (value >= 0x80) {
      buf[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  /** Writes an int64 varint (two's complement for negatives); RangeError if not a safe integer. */
  int64(value: number): void {
    checkInt64(value);
    if (value >= 0) {
      this.varint(value);
      return;
    }
    let low = (value % TWO_POW_32) >>> 0;
    let high = Math.floor(value / TWO_POW_32) >>> 0;
    for (let i = 0; i < 9; i++) {
      this.buf[this.pos++] = (low & 0x7f) | 0x80;
      low = (low >>> 7) | ((high & 0x7f) << 25);
      high >>>= 7;
    }
    this.buf[this.pos++] = low & 1;
  }

  /** Writes a little-endian float64 with its exact bits (NaN payloads included). */
  double(value: number): void {
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** Writes a non-empty string field: tag, byte length, UTF-8 bytes. Empty strings are omitted. */
  stringField(tag: number, value: string): void {
    if (value === '') return;
    this.buf[this.pos++] = tag;
    this.varint(utf8Size(value));
    this.pos += this.buf.write(value, this.pos, 'utf8');
  }

  /** Writes one element of a repeated string field, empty or not. */
  repeatedString(tag: number, value: string): void {
    this.buf[this.pos++] = tag;
    this.varint(utf8Size(value));
    this.pos += this.buf.write(value, this.pos, 'utf8');
  }

  /** Writes an int64 field unless it is 0. */
  int64Field(tag: number, value: number): void {
    if (value === 0) return;
    this.buf[this.pos++] = tag;
    this.int64(value);
  }

  /** Writes the tag and length of an embedded message of `size` bytes. */
  messageHeader(tag: number, size: number): void {
    this.buf[this.pos++] = tag;
    this.varint(size);
  }

  /** Returns the written bytes, checking that the computed size was exact. */
  finish(): Uint8Array {
    if (this.pos !== this.buf.length) {
      throw new Error(`protobuf writer: wrote ${this.pos} bytes, computed ${this.buf.length}`);
    }
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }
}

/** Returns the size of an int64 field, 0 when the value is 0 (proto3 default). */
export function int64FieldSize(value: number): number {
  if (value === 0) return 0;
  checkInt64(value);
  return 1 + int64Size(value);
}
