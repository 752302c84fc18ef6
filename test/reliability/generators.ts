// SPDX-License-Identifier: Apache-2.0
// fast-check generators of hostile remote-storage bodies: random protobuf (every wire type, bad
// tags, lengths past the end, truncated and endless varints), byte-level mutations of valid bodies,
// and well-formed messages with absurd contents (odd names, huge strings, extreme numbers).

import fc from 'fast-check';
import type { Label, LabelMatcher, ReadRequest, WriteRequest } from '../../lambda/prompb/types';

/** Encodes an unsigned varint of up to 64 bits. */
export function varint(value: bigint): Buffer {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

/** A tag byte sequence for `field` and `wireType` (any wire type, including invalid 6 and 7). */
export const tagOf = (field: number, wireType: number): Buffer => varint(BigInt(field * 8 + wireType));

/** A length-delimited field holding `payload`. */
export const lengthField = (field: number, payload: Uint8Array): Buffer =>
  Buffer.concat([tagOf(field, 2), varint(BigInt(payload.length)), payload]);

const fieldNumber = fc.integer({ min: 1, max: 6 });

/** One protobuf field, well-formed or not; nested messages go `depth` levels deep. */
function protoField(depth: number): fc.Arbitrary<Buffer> {
  const leaves: fc.Arbitrary<Buffer>[] = [
    fc
      .tuple(fieldNumber, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }))
      .map(([f, v]) => Buffer.concat([tagOf(f, 0), varint(v)])),
    fc
      .tuple(fieldNumber, fc.uint8Array({ minLength: 8, maxLength: 8 }))
      .map(([f, b]) => Buffer.concat([tagOf(f, 1), b])),
    fc
      .tuple(fieldNumber, fc.uint8Array({ minLength: 4, maxLength: 4 }))
      .map(([f, b]) => Buffer.concat([tagOf(f, 5), b])),
    fc
      .tuple(fieldNumber, fc.string({ maxLength: 40, unit: 'binary' }))
      .map(([f, s]) => lengthField(f, Buffer.from(s))),
    fc.tuple(fieldNumber, fc.uint8Array({ maxLength: 40 })).map(([f, b]) => lengthField(f, b)),
    // Malformed: groups and undefined wire types.
    fc.tuple(fieldNumber, fc.constantFrom(3, 4, 6, 7)).map(([f, w]) => tagOf(f, w)),
    // Malformed: a length past the end of what follows.
    fc
      .tuple(fieldNumber, fc.integer({ min: 1, max: 0x7fffffff }), fc.uint8Array({ maxLength: 8 }))
      .map(([f, extra, b]) => Buffer.concat([tagOf(f, 2), varint(BigInt(b.length + extra)), b])),
    // Malformed: a truncated varint, and an endless one (more than 10 continuation bytes).
    fieldNumber.map((f) => Buffer.concat([tagOf(f, 0), Buffer.from([0xff, 0xff])])),
    fc.integer({ min: 11, max: 64 }).map((n) => Buffer.alloc(n, 0xff)),
  ];
  if (depth === 0) return fc.oneof(...leaves);
  const nested = fc
    .tuple(fieldNumber, protoMessage(depth - 1))
    .map(([f, payload]) => lengthField(f, payload));
  return fc.oneof({ arbitrary: nested, weight: 3 }, ...leaves.map((arbitrary) => ({ arbitrary, weight: 1 })));
}

/** A message of up to 6 random fields, nested up to `depth` levels (WriteRequest and ReadRequest shapes). */
export function protoMessage(depth = 3): fc.Arbitrary<Buffer> {
  return fc.array(protoField(depth), { maxLength: 6 }).map((fields) => Buffer.concat(fields));
}

/** One byte-level edit of a body. */
type Mutation = {
  kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate' | 'duplicate';
  at: number;
  byte: number;
};

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate', 'duplicate'),
  at: fc.nat(),
  byte: fc.integer({ min: 0, max: 255 }),
});

/** Applies byte-level edits; positions wrap around the current length. */
export function mutate(body: Uint8Array, edits: readonly Mutation[]): Buffer {
  let out = Buffer.from(body);
  for (const { kind, at, byte } of edits) {
    if (out.length === 0) break;
    const i = at % out.length;
    if (kind === 'flip') out[i] ^= 1 << (byte % 8);
    else if (kind === 'set') out[i] = byte;
    else if (kind === 'insert')
      out = Buffer.concat([out.subarray(0, i), Buffer.from([byte]), out.subarray(i)]);
    else if (kind === 'delete') out = Buffer.concat([out.subarray(0, i), out.subarray(i + 1)]);
    else if (kind === 'truncate') out = out.subarray(0, i);
    else out = Buffer.concat([out.subarray(0, i), out.subarray(i, i + 1 + (byte % 32)), out.subarray(i)]);
  }
  return out;
}

/** 1 to 4 edits of one of `bodies`. */
export const mutatedBody = (bodies: readonly Uint8Array[]): fc.Arbitrary<Buffer> =>
  fc
    .tuple(fc.constantFrom(...bodies), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([body, edits]) => mutate(body, edits));

/** Strings that stress names and values: SQL and shell metacharacters, unicode, NUL, long runs. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '__name__',
    'time',
    'measure_name',
    'measure_value::double',
    'ts_x',
    "'",
    '"',
    "' OR '1'='1",
    '"; DROP TABLE x; --',
    '/* */',
    '\u0000',
    'ä€😀',
    '\r\nX-Injected: 1',
    '<script>alert(1)</script>',
    '\u001b[31m',
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ maxLength: 30, unit: 'binary' }),
  fc.integer({ min: 61, max: 3000 }).map((n) => 'n'.repeat(n)),
);

const label: fc.Arbitrary<Label> = fc.record({ name: hostileString, value: hostileString });

/** Extreme but representable timestamps (ms): the epoch, now-ish, far past and future, negative. */
const timestamp = fc.oneof(
  fc.constantFrom(0, -1, 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1_763_000_000_000),
  fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }),
  fc.maxSafeInteger(),
);

/** A well-formed WriteRequest with absurd contents. */
export const absurdWriteRequest: fc.Arbitrary<WriteRequest> = fc.record({
  timeseries: fc.array(
    fc.record({
      labels: fc.array(label, { maxLength: 8 }),
      samples: fc.array(fc.record({ value: fc.double(), timestamp }), { maxLength: 4 }),
    }),
    { maxLength: 6 },
  ),
});

/** Regexes that are hostile to backtracking engines or to the translator. */
export const hostileRegex: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '(a+)+$',
    '(a|aa)*b',
    '(a*)*b',
    '(.*a){20}',
    '((a+)+)+b',
    '(?:a|a?)+c',
    '[[:alpha:]]+',
    '(?P<n>x)',
    '(?U)a+',
    '\\p{Greek}',
    '(',
    '[',
    'a{1000}{1000}',
    'a{1001}',
    '\\',
    '(?i)X',
    '.*',
    '',
  ),
  fc.stringMatching(/^[a-c.*+?|()[\]{}^$\\0-9,]{0,40}$/),
);

const matcher: fc.Arbitrary<LabelMatcher> = fc.oneof(
  fc.record({ type: fc.constantFrom(0, 1), name: hostileString, value: hostileString }),
  fc.record({ type: fc.constantFrom(2, 3), name: hostileString, value: hostileRegex }),
) as fc.Arbitrary<LabelMatcher>;

/** A well-formed ReadRequest with absurd matchers and ranges. */
export const absurdReadRequest: fc.Arbitrary<ReadRequest> = fc.record({
  queries: fc.array(
    fc.record({
      startTimestampMs: timestamp,
      endTimestampMs: timestamp,
      matchers: fc.array(matcher, { maxLength: 5 }),
    }),
    { maxLength: 3 },
  ),
  acceptedResponseTypes: fc.array(fc.constantFrom(0, 1), { maxLength: 2 }),
}) as fc.Arbitrary<ReadRequest>;
