// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { ConnectorError } from '../../../lambda/core/errors';
import {
  JS_SNAPPY,
  SNAPPY,
  SNAPPY_FALLBACK_REASONS,
  type SnappyImplementation,
  nativeSnappy,
  snappyCompress as compressWith,
  snappyDecodedLength,
  snappyUncompress as uncompressWith,
} from '../../../lambda/codec/snappy';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NativeSnappyBinding, loadBinary, loadNativeSnappy } from '../../../lambda/codec/snappy-native';
import { bytes, varint } from '../../fixtures/protowire';
import { caught } from '../../support/errors';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappyjs = require('snappyjs') as {
  compress(d: Uint8Array): Uint8Array;
  uncompress(d: Uint8Array): Uint8Array;
};

const MIB = 1024 * 1024;

const text = (s: string) => new TextEncoder().encode(s);

// The native binding is a dev dependency: these tests need it to cover both paths.
const binding = loadNativeSnappy();
if (binding === undefined) throw new Error('the snappy package must be installed to test the native path');
const NATIVE = nativeSnappy(binding);

test('reads the largest declared length a uint32 header holds, 2^32 - 1', () => {
  expect(snappyDecodedLength(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f))).toBe(0xffffffff);
});

test('uses the native binding in this process when it loads', () => {
  expect(SNAPPY.name).toBe('native');
});

describe.each([
  { implementation: NATIVE, name: 'native' },
  { implementation: JS_SNAPPY, name: 'js' },
])('snappyCompress / snappyUncompress ($name)', ({ implementation }) => {
  const snappyUncompress = (block: Uint8Array, max: number) => uncompressWith(block, max, implementation);
  const snappyCompress = (data: Uint8Array) => compressWith(data, implementation);

  test.each([
    { name: 'empty input', data: new Uint8Array(0) },
    { name: 'short literal', data: text('up{job="node"}') },
    { name: 'repetitive data with copies', data: text('node_cpu_seconds_total'.repeat(500)) },
    { name: 'every byte value', data: Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256) },
  ])('round-trips $name', ({ data }) => {
    const block = snappyCompress(data);
    expect(snappyDecodedLength(block)).toBe(data.length);
    expect(snappyUncompress(block, data.length)).toEqual(data);
  });

  test('decodes blocks produced by snappyjs and snappyjs decodes ours', () => {
    const data = text('instance="ip-10-0-0-1:9100",'.repeat(100));
    expect(snappyUncompress(snappyjs.compress(data), MIB)).toEqual(data);
    expect(Uint8Array.from(snappyjs.uncompress(snappyCompress(data)))).toEqual(data);
  });

  test('decodes Buffer inputs like Uint8Array inputs', () => {
    const data = text('abc'.repeat(50));
    expect(Uint8Array.from(snappyUncompress(Buffer.from(snappyCompress(data)), MIB))).toEqual(data);
  });

  test('accepts a block whose declared length equals the limit and refuses limit - 1', () => {
    const data = text('x'.repeat(1000));
    const block = snappyCompress(data);
    expect(snappyUncompress(block, 1000)).toEqual(data);
    const error = caught(() => snappyUncompress(block, 999));
    expect([error.status, error.message]).toEqual([
      413,
      'decoded body of 1000 bytes (snappy header) exceeds the limit of 999 bytes (--max-decoded-bytes, max_decoded_bytes)',
    ]);
  });

  test.each([
    { name: '60 bytes, its length in the tag', block: [60, 59 << 2], length: 60 },
    { name: '61 bytes, its length in one more byte', block: [61, 60 << 2, 60], length: 61 },
  ])('decodes a literal of $name', ({ block, length }) => {
    const data = Uint8Array.from({ length }, (_, i) => i + 1);
    expect(Uint8Array.from(snappyUncompress(bytes(block, data), MIB))).toEqual(data);
  });

  test('refuses a tiny body declaring 256 MiB with 413 before allocating', () => {
    const bomb = bytes(varint(256 * MIB), 0x00, 0x61); // header + a one-byte literal
    const spied: SnappyImplementation = { ...implementation, decodeElements: implementation.decodeElements };
    const allocate = jest.spyOn(spied, 'decodeElements');
    const error = caught(() => uncompressWith(bomb, 64 * MIB, spied));
    expect(allocate).not.toHaveBeenCalled();
    uncompressWith(snappyCompress(text('spy check')), MIB, spied);
    expect(allocate).toHaveBeenCalledTimes(1); // the spy does see real decodes
    allocate.mockRestore();
    expect(error.kind).toBe('payload_too_large');
    expect(error.status).toBe(413);
    expect(error.message).toBe(
      'decoded body of 268435456 bytes (snappy header) exceeds the limit of 67108864 bytes (--max-decoded-bytes, max_decoded_bytes)',
    );
  });

  test.each([
    { name: 'empty body', block: [], message: 'cannot decode snappy block: empty body' },
    {
      name: 'truncated header',
      block: [0x80, 0x80],
      message: 'cannot decode snappy block: truncated length header',
    },
    {
      name: 'header over 5 bytes',
      block: [0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
      message: 'cannot decode snappy block: length header is not a uint32 varint',
    },
    {
      // A uint32 varint padded to 6 bytes: the value fits, the header is still too long.
      name: 'header of 6 bytes declaring 1',
      block: [0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00, 0x61],
      message: 'cannot decode snappy block: length header is not a uint32 varint',
    },
    {
      name: 'header declaring 2^32',
      block: [0x80, 0x80, 0x80, 0x80, 0x10],
      message: 'cannot decode snappy block: length header is not a uint32 varint',
    },
    {
      name: 'header over uint32',
      block: [0xff, 0xff, 0xff, 0xff, 0x7f],
      message: 'cannot decode snappy block: length header is not a uint32 varint',
    },
    {
      name: 'literal past the end',
      block: [5, 0x10, 0x61],
      message: 'cannot decode snappy block: literal of 5 bytes runs past the end (at byte 2)',
    },
    {
      // One byte short: a bound off by one would read past the block and write a byte never sent.
      name: 'literal one byte past the end',
      block: [2, 0x04, 0x61],
      message: 'cannot decode snappy block: literal of 2 bytes runs past the end (at byte 2)',
    },
    {
      name: 'long literal length past the end',
      block: [100, 0xf4, 0x10],
      message: 'cannot decode snappy block: literal length runs past the end (at byte 2)',
    },
    {
      name: 'copy before any output',
      block: [4, 0x01, 0x01],
      message: 'cannot decode snappy block: copy offset 1 is outside the 0 bytes decoded so far (at byte 3)',
    },
    {
      name: 'copy with offset 0',
      block: [5, 0x00, 0x61, 0x01, 0x00],
      message: 'cannot decode snappy block: copy offset 0 is outside the 1 bytes decoded so far (at byte 5)',
    },
    {
      name: '1-byte-offset copy cut off',
      block: [5, 0x00, 0x61, 0x01],
      message: 'cannot decode snappy block: copy runs past the end (at byte 4)',
    },
    {
      name: '2-byte-offset copy cut off',
      block: [5, 0x00, 0x61, 0x02, 0x01],
      message: 'cannot decode snappy block: copy runs past the end (at byte 4)',
    },
    {
      // Three of its four offset bytes: the missing one must not read as an offset that passes.
      name: '4-byte-offset copy cut off',
      block: [2, 0x00, 0x61, 0x03, 0x01, 0x00, 0x00],
      message: 'cannot decode snappy block: copy runs past the end (at byte 4)',
    },
    {
      name: '4-byte-offset copy with offset over 2^31',
      block: [5, 0x00, 0x61, 0x03, 0x01, 0x00, 0x00, 0x80],
      message:
        'cannot decode snappy block: copy offset 2147483649 is outside the 1 bytes decoded so far (at byte 8)',
    },
    {
      name: 'more output than declared',
      block: [1, 0x04, 0x61, 0x62],
      message: 'cannot decode snappy block: decoded data exceeds the declared 1 bytes (at byte 4)',
    },
    {
      // The copy is refused where it overruns, not only by the final length check.
      name: 'more output than declared, by a copy',
      block: [2, 0x00, 0x61, 0x01, 0x01],
      message: 'cannot decode snappy block: decoded data exceeds the declared 2 bytes (at byte 5)',
    },
    {
      name: 'more output than declared, by a copy one byte too long',
      block: [4, 0x00, 0x61, 0x01, 0x01],
      message: 'cannot decode snappy block: decoded data exceeds the declared 4 bytes (at byte 5)',
    },
    {
      name: 'less output than declared',
      block: [3, 0x00, 0x61],
      message: 'cannot decode snappy block: decoded 1 bytes, header declares 3',
    },
  ])('refuses $name with 400', ({ block, message }) => {
    const error = caught(() => snappyUncompress(Uint8Array.from(block), MIB));
    expect([error.status, error.message]).toEqual([400, message]);
  });

  test('refuses a literal whose 4-byte length is negative as int32 (snappyjs alone loops forever on it)', () => {
    // A 10-byte literal, then a literal tag with a 4-byte length 0xffffffef: snappyjs computes
    // length -16 and jumps back to the first literal, forever.
    const block = bytes(varint(10), 0x24, text('abcdefghij'), 0xfc, [0xef, 0xff, 0xff, 0xff]);
    const error = caught(() => snappyUncompress(block, MIB));
    expect(error.message).toBe(
      'cannot decode snappy block: literal of 4294967280 bytes runs past the end (at byte 17)',
    );
  });

  test('throws only ConnectorError on random and mutated bodies', () => {
    const valid = snappyCompress(text('node_cpu_seconds_total{cpu="0",mode="idle"} '.repeat(20)));
    const mutated = fc
      .tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }))
      .map(([i, b]) => Uint8Array.from(valid, (x, j) => (j === i ? b : x)));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (block) => {
        try {
          snappyUncompress(block, MIB);
        } catch (error) {
          if (!(error instanceof ConnectorError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });
});

/** The value `fn` returns, or -1 when it throws. */
function caughtOrValue(fn: () => number): number {
  try {
    return fn();
  } catch {
    return -1;
  }
}

describe('native and JS decoding agree', () => {
  /** Data with long runs, repeated chunks far apart and unique stretches, to exercise every element. */
  const mixedData = fc
    .array(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc
          .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 3000 }))
          .map(([b, n]) => new Uint8Array(n).fill(b)),
        fc
          .tuple(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.integer({ min: 2, max: 40 }))
          .map(([chunk, n]) =>
            Uint8Array.from({ length: chunk.length * n }, (_, i) => chunk[i % chunk.length]),
          ),
      ),
      { maxLength: 12 },
    )
    .map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));

  test('decode what either compressor produced to the same bytes', () => {
    fc.assert(
      fc.property(mixedData, (data) => {
        for (const block of [binding.compressSync(data), snappyjs.compress(data)]) {
          expect(Buffer.from(uncompressWith(block, MIB, NATIVE)).equals(data)).toBe(true);
          expect(Buffer.from(uncompressWith(block, MIB, JS_SNAPPY)).equals(data)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  test.each([
    { name: 'a literal with a 1-byte length', data: Uint8Array.from({ length: 200 }, (_, i) => i) },
    {
      name: 'a literal with a 3-byte length',
      data: Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7919) >> 3),
    },
    { name: 'an overlapping copy (run of one byte)', data: new Uint8Array(5000).fill(7) },
    {
      name: 'long copies from far back',
      data: Uint8Array.from({ length: 100_000 }, (_, i) => (i % 40_000) * 31),
    },
  ])('decode $name', ({ data }) => {
    const block = binding.compressSync(data);
    expect(Buffer.from(uncompressWith(block, MIB, JS_SNAPPY)).equals(data)).toBe(true);
  });

  test('accept and refuse the same random and mutated blocks, with the same message', () => {
    // The raw binding, not NATIVE: its refusals must not lean on the JS decoder.
    const valid = binding.compressSync(text('node_cpu_seconds_total{cpu="0",mode="idle"} '.repeat(40)));
    const mutated = fc
      .array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 3,
      })
      .map((edits) => {
        const copy = Uint8Array.from(valid);
        for (const [i, b] of edits) copy[i] = b;
        return copy;
      });
    const truncated = fc.nat(valid.length).map((n) => valid.subarray(0, n));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated, truncated), (block) => {
        // Over-limit headers never reach a decoder (tested above); the raw binding would allocate.
        fc.pre(caughtOrValue(() => snappyDecodedLength(block)) <= MIB);
        let nativeOutput: Buffer | undefined;
        try {
          nativeOutput = binding.uncompressSync(block, { asBuffer: true }) as Buffer;
        } catch {
          nativeOutput = undefined;
        }
        let jsOutput: Uint8Array | undefined;
        try {
          jsOutput = uncompressWith(block, MIB, JS_SNAPPY);
        } catch (error) {
          if (!(error instanceof ConnectorError) || error.status !== 400) throw error;
          expect(caught(() => uncompressWith(block, MIB, NATIVE)).message).toBe(error.message);
        }
        expect(jsOutput === undefined).toBe(nativeOutput === undefined);
        if (jsOutput !== undefined) expect(Buffer.from(jsOutput).equals(nativeOutput!)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('nativeSnappy', () => {
  const valid = binding.compressSync(text('abc'.repeat(20)));
  const fake = (uncompressSync: NativeSnappyBinding['uncompressSync']): NativeSnappyBinding => ({
    uncompressSync,
    compressSync: binding.compressSync,
  });

  test.each([
    {
      name: 'a refusal of a block the JS decoder accepts',
      binding: fake(() => {
        throw new Error('snappy: corrupt input (surprise)');
      }),
      message: 'cannot decode snappy block: snappy: corrupt input (surprise)',
    },
    {
      name: 'output shorter than the header declares',
      binding: fake(() => Buffer.alloc(3)),
      message: 'cannot decode snappy block: decoded 3 bytes, header declares 60',
    },
    {
      name: 'a string instead of a buffer',
      binding: fake(() => 'abc'.repeat(20)),
      message: 'cannot decode snappy block: decoded 60 bytes, header declares 60',
    },
  ])('answers 400 for $name', ({ binding: b, message }) => {
    const error = caught(() => uncompressWith(valid, MIB, nativeSnappy(b)));
    expect([error.status, error.message]).toEqual([400, message]);
  });
});

describe('loadNativeSnappy', () => {
  const usable = { uncompressSync: () => Buffer.alloc(0), compressSync: () => Buffer.alloc(0) };
  test.each([
    { name: 'the first loader that returns a usable binding', loaders: [() => usable], found: true },
    {
      name: 'past loaders that throw or return something else',
      loaders: [
        () => {
          throw new Error('wrong ELF class: ELFCLASS64');
        },
        () => ({ uncompressSync: 1 }),
        () => undefined,
        () => usable,
      ],
      found: true,
    },
    { name: 'nothing when no loader succeeds', loaders: [() => ({})], found: false },
  ])('returns $name', ({ loaders, found }) => {
    expect(loadNativeSnappy(loaders)).toBe(found ? usable : undefined);
  });

  test('says why each loader before the one that loaded failed, on one line each', () => {
    const failures: string[] = [];
    const loaders = [
      () => {
        throw new Error('/var/task/snappy.node: invalid ELF header\nRequire stack:\n- /var/task/index.js');
      },
      () => ({ uncompressSync: 1 }),
      () => usable,
      () => {
        throw new Error('never tried');
      },
    ];
    expect(loadNativeSnappy(loaders, failures)).toBe(usable);
    expect(failures).toEqual([
      '/var/task/snappy.node: invalid ELF header',
      'not a snappy binding (no uncompressSync and compressSync)',
    ]);
  });
});

describe('loadBinary', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'load-binary-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The first 20 bytes of an ELF file: magic, 64-bit, `endian` (1 little, 2 big), e_machine. */
  const elf = (machine: number, endian = 1): Buffer => {
    const header = Buffer.alloc(64);
    header.set([0x7f, 0x45, 0x4c, 0x46, 2, endian, 1]);
    if (endian === 2) header.writeUInt16BE(machine, 18);
    else header.writeUInt16LE(machine, 18);
    return header;
  };
  // What glibc's dlopen (through Node) says for an ELF file built for another machine.
  const glibc = (path: string) => `${path}: cannot open shared object file: No such file or directory`;

  test.each([
    { name: 'an arm64 binary on x64', content: elf(183), arch: 'x64', says: 'a binary for arm64, not x64' },
    { name: 'an x64 binary on arm64', content: elf(62), arch: 'arm64', says: 'a binary for x64, not arm64' },
    {
      name: 'a big-endian binary of another machine',
      content: elf(21, 2),
      arch: 'x64',
      says: 'a binary for ELF machine 21, not x64',
    },
    { name: 'a binary for this architecture', content: elf(62), arch: 'x64', says: undefined },
    {
      name: 'a file that is not ELF',
      content: Buffer.from('#!/bin/sh\n'.repeat(4)),
      arch: 'x64',
      says: undefined,
    },
    { name: 'a missing file', content: undefined, arch: 'x64', says: undefined },
  ])(
    'says why $name failed to load, naming its architecture when it is another',
    ({ name, content, arch, says }) => {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.node`);
      if (content !== undefined) writeFileSync(path, content);
      const failures: string[] = [];
      const load = (): unknown => {
        throw new Error(`${glibc(path)}\nRequire stack:\n- /var/task/index.js`);
      };
      expect(loadNativeSnappy([() => loadBinary(path, { arch, load })], failures)).toBeUndefined();
      expect(failures).toEqual([says === undefined ? glibc(path) : `${path} is ${says} (${glibc(path)})`]);
    },
  );

  test("gives the loader's reason for a path that opens but cannot be read (a directory)", () => {
    const path = join(dir, 'directory.node');
    mkdirSync(path);
    const failures: string[] = [];
    const load = (): unknown => {
      throw new Error(`Cannot find module '${path}'`);
    };
    expect(loadNativeSnappy([() => loadBinary(path, { arch: 'x64', load })], failures)).toBeUndefined();
    expect(failures).toEqual([`Cannot find module '${path}'`]);
  });

  test('returns what loads', () => {
    const binding = { uncompressSync: () => Buffer.alloc(0), compressSync: () => Buffer.alloc(0) };
    expect(loadBinary(join(dir, 'any.node'), { arch: 'x64', load: () => binding })).toBe(binding);
  });
});

test('gives no fallback reasons when the native binding loaded', () => {
  expect([SNAPPY.name, SNAPPY_FALLBACK_REASONS]).toEqual(['native', []]);
});
