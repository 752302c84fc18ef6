// SPDX-License-Identifier: Apache-2.0
// Makes @duckdb/node-api read VARCHAR values exactly as stored. It decodes every string with one
// shared `new TextDecoder()`, whose default (ignoreBOM: false) drops a leading U+FEFF: the label
// value "\uFEFF" read back as "" (and the series lost its label), "\uFEFFq" as "q" (two series
// merged into one). Importing this module swaps that decoder for one that keeps the BOM; the
// modules that read DuckDB values (engine.ts, sql/results.ts) import it.

import { TextDecoder } from 'node:util';

/** The part of @duckdb/node-api's lib/vectors/dataAccessors module replaced here. */
interface DataAccessors {
  textDecoder: TextDecoder;
}

// NOTE: the exports object itself is patched (getString reads `exports.textDecoder` on every call);
// an `import * as` namespace would be a copy under esbuild. If a DuckDB upgrade moves the decoder,
// fail at load instead of silently dropping BOMs again.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const accessors = require('@duckdb/node-api/lib/vectors/dataAccessors') as Partial<DataAccessors>;
if (!(accessors.textDecoder instanceof TextDecoder)) {
  throw new Error(
    '@duckdb/node-api no longer exposes lib/vectors/dataAccessors textDecoder; see duckdb-text.ts',
  );
}
accessors.textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Whether VARCHAR values keep a leading U+FEFF (always true once this module is loaded). */
export const DUCKDB_TEXT_KEEPS_BOM = accessors.textDecoder.ignoreBOM;
