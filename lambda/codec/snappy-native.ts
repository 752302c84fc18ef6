// SPDX-License-Identifier: Apache-2.0
// Finds the native snappy binding (the napi-rs `snappy` package, Rust `snap` underneath) when one
// loads on this machine: the binary `npm run package` puts next to the Lambda bundle, else the
// `snappy` package from node_modules. snappy.ts falls back to pure JS when neither loads.

import { join } from 'node:path';
import { readFileHead } from '../core/file-head';

/** The subset of the `snappy` package (and of its bare .node binary) used here. */
export interface NativeSnappyBinding {
  uncompressSync(
    input: Uint8Array,
    options?: { asBuffer?: boolean; copyOutputData?: boolean },
  ): Buffer | string;
  compressSync(input: Uint8Array, options?: { copyOutputData?: boolean }): Buffer;
}

/** File name of the binary the package script copies next to the Lambda bundle (index.js). */
export const BUNDLED_SNAPPY_BINARY = 'snappy.node';

/** Ways to load the binding, tried in order; the first that loads wins. */
export type BindingLoader = () => unknown;

/**
 * The default loaders: the binary next to this file's bundle, then the `snappy` package. From
 * the TypeScript sources the first finds nothing; in the Lambda bundle the second finds nothing.
 */
const DEFAULT_BINDING_LOADERS: readonly BindingLoader[] = [
  () => loadBinary(join(__dirname, BUNDLED_SNAPPY_BINARY)),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  () => require('snappy'),
];

/** Node's names of the ELF machines (`e_machine`) a Lambda function runs on. */
const ELF_MACHINES: Readonly<Record<number, string>> = { 62: 'x64', 183: 'arm64' };

/**
 * Loads the native module at `path` with `load` (require). glibc refuses a binary built for another
 * architecture with "cannot open shared object file: No such file or directory", which reads as a
 * zip without the file; so when the file is an ELF binary for another architecture than `arch`, the
 * error says which, with glibc's message after it.
 */
export function loadBinary(
  path: string,
  {
    arch = process.arch,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    load = (p: string): unknown => require(p),
  }: { arch?: string; load?: (path: string) => unknown } = {},
): unknown {
  try {
    return load(path);
  } catch (error) {
    const built = elfArchitecture(path);
    if (built === undefined || built === arch) throw error;
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new Error(`${path} is a binary for ${built}, not ${arch} (${reason})`, { cause: error });
  }
}

/** The architecture an ELF file is built for (Node's name, else `ELF machine <n>`); undefined if not ELF. */
function elfArchitecture(path: string): string | undefined {
  // A file that cannot be read (a directory: EISDIR) is no ELF binary either: its error must not
  // replace the loader's in the fallback warning.
  const header = readFileHead(path, 20);
  if (header === undefined) return undefined;
  if (header.readUInt32BE(0) !== 0x7f454c46) return undefined; // \x7fELF
  // EI_DATA (byte 5): 1 little-endian, 2 big-endian; e_machine is at byte 18.
  const machine = header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
  return ELF_MACHINES[machine] ?? `ELF machine ${machine}`;
}

/**
 * Returns the first binding that loads and has the functions used, or undefined when none does
 * (no binary for this platform or architecture, or a binary for another one). Never throws; why
 * each loader before the one that loaded failed is appended to `failures`.
 */
export function loadNativeSnappy(
  loaders: readonly BindingLoader[] = DEFAULT_BINDING_LOADERS,
  failures: string[] = [],
): NativeSnappyBinding | undefined {
  for (const load of loaders) {
    try {
      const binding = load() as Partial<NativeSnappyBinding> | undefined;
      if (typeof binding?.uncompressSync === 'function' && typeof binding.compressSync === 'function') {
        return binding as NativeSnappyBinding;
      }
      failures.push('not a snappy binding (no uncompressSync and compressSync)');
    } catch (error) {
      // Absent or built for another platform: try the next, then fall back to JS.
      failures.push((error instanceof Error ? error.message : String(error)).split('\n')[0]);
    }
  }
  return undefined;
}
