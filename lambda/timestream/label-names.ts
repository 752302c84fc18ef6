// SPDX-License-Identifier: Apache-2.0
// The one reversible rule between Prometheus label names and Timestream dimension names, used by
// the write path (toDimensionName) and the read path (fromDimensionName, and matchers).

/**
 * Prefix that marks an escaped name. A label is escaped when Timestream cannot hold it as a
 * dimension name, and also whenever it already starts with the prefix, so the mapping stays
 * one-to-one: `time` -> `_time`, `_time` -> `__time`, `ts_x` -> `_ts_x`. Prometheus labels that
 * start with `_` are rare, so almost every name maps to itself.
 */
export const ESCAPE_PREFIX = '_';

/** Timestream's limit on dimension names, in UTF-8 bytes (reference/timestream-facts.md 3.3). */
export const MAX_DIMENSION_NAME_BYTES = 60;

/** Whether Timestream refuses `name` as a dimension name (reserved names and prefixes, 3.4). */
export function isReservedDimensionName(name: string): boolean {
  return (
    name === 'time' ||
    name === 'measure_name' ||
    name.startsWith('measure_value') ||
    name.startsWith('ts_') ||
    name.startsWith('measure_name')
  );
}

/** Maps a Prometheus label name (not `__name__`) to the dimension name it is stored under. */
export function toDimensionName(labelName: string): string {
  if (labelName.startsWith(ESCAPE_PREFIX) || isReservedDimensionName(labelName)) {
    return ESCAPE_PREFIX + labelName;
  }
  return labelName;
}

/** Maps a stored dimension name back to the Prometheus label name; inverse of toDimensionName. */
export function fromDimensionName(dimensionName: string): string {
  return dimensionName.startsWith(ESCAPE_PREFIX) ? dimensionName.slice(ESCAPE_PREFIX.length) : dimensionName;
}
