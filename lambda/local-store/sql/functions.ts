// SPDX-License-Identifier: Apache-2.0
// Per-connection DuckDB setup the translated SQL relies on. The translator rewrites every
// Timestream function into built-in DuckDB expressions (regexp_like becomes RE2 via java-regex.ts,
// so matching stays linear-time and needs no JS callback); what remains is fixing session settings.
import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Prepares a connection for translated SQL. Currently nothing has to be registered: translated
 * queries only use built-in functions and never depend on the session time zone (all times are
 * TIMESTAMP_NS, which DuckDB keeps zone-less). Kept as the seam for future JS scalar functions;
 * the engine calls it on every connection before running translated SQL.
 */
export function registerStoreFunctions(connection: DuckDBConnection): void {
  void connection;
}
