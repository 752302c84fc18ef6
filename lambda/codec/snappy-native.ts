// SPDX-License-Identifier: Apache-2.0
// Finds the native snappy binding (the napi-rs `snappy` package, Rust `snap` underneath) when one
// loads on this machine: the binary `npm run package` puts next to the Lambda bundle, else the
// `snappy` package from node_modules. snappy.ts falls back to pure JS when neither loads.

import { join } from 'node:path';

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
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  () => require(join(__dirname, BUNDLED_SNAPPY_BINARY)),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  () => require('snappy'),
];

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
