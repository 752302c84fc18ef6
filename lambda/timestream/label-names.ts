// SPDX-License-Identifier: Apache-2.0
// The one reversible rule between Prometheus label names and Timestream dimension names, used by
// the write path (toDimensionName) and the read path (fromDimensionName, labelNamesOf, and
// matchers through dimensionNamesOf).

/**
 * Prefix that marks an escaped name. A label is escaped when Timestream cannot hold it as a
 * dimension name, and also whenever it already starts with the prefix, so the mapping stays
 * one-to-one: `time` -> `_time`, `_time` -> `__time`, `ts_x` -> `_ts_x`. Prometheus labels that
 * start with `_` are rare, so almost every name maps to itself.
 */
export const ESCAPE_PREFIX = '_';

/** The label the `measure_name` column holds; no dimension is ever read back as this label. */
const METRIC_NAME_LABEL = '__name__';

/**
 * The dimension a series with no label but `__name__` is written with: Timestream refuses a record
 * without dimensions, failing its whole WriteRecords call ("At least one dimension is required for
 * a record."), and such series are common (recording rules that aggregate every label away). Its
 * name is no image of toDimensionName (`no_labels` maps to itself), so no label is ever stored
 * under it, and the read path leaves the column out of every label set.
 */
export const NO_LABELS_DIMENSION = Object.freeze({ Name: '_no_labels', Value: 'true' });

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

/**
 * Maps a stored dimension name back to the Prometheus label name; inverse of toDimensionName.
 * A name toDimensionName never returns (written by another tool, such as `_job`: stripping its
 * `_` would give `job`, which is stored as `job`) is returned unchanged, so it cannot merge with
 * the label `job`. It can still meet the label a `__job` column holds: labelNamesOf settles that.
 */
export function fromDimensionName(dimensionName: string): string {
  const unescaped = unescapedName(dimensionName);
  return unescaped === undefined ? dimensionName : unescaped;
}

/** The label `dimensionName` is the image of under toDimensionName, or undefined when none. */
function unescapedName(dimensionName: string): string | undefined {
  const label = dimensionName.startsWith(ESCAPE_PREFIX)
    ? dimensionName.slice(ESCAPE_PREFIX.length)
    : dimensionName;
  // `__name__` is the measure name, never written as a dimension, so `___name__` is no image either.
  return label !== METRIC_NAME_LABEL && toDimensionName(label) === dimensionName ? label : undefined;
}

/**
 * Returns the label name of each of a table's dimension columns (not `measure_name`, not
 * NO_LABELS_DIMENSION, which holds no label), one label per column and never `__name__`, so two
 * different Timestream series never read back as one.
 * Columns this connector writes get their label (fromDimensionName). Any other column gets its
 * own name, or when a column of ours already holds that label (`_job` next to `__job`, the
 * column of the label `_job`), that name with the prefix added as often as needed: this
 * depends on which columns the table has, but never on rows or their order. Linear in columns.
 */
export function labelNamesOf(dimensionNames: Iterable<string>): Map<string, string> {
  const labels = new Map<string, string>();
  const taken = new Set<string>([METRIC_NAME_LABEL]);
  const foreign: string[] = [];
  for (const name of dimensionNames) {
    if (name === NO_LABELS_DIMENSION.Name) continue;
    const label = unescapedName(name);
    if (label === undefined) foreign.push(name);
    else {
      labels.set(name, label);
      taken.add(label);
    }
  }
  // NOTE: a prefixed name is always one toDimensionName can return, so it never equals another
  // foreign column's own name; the order below is therefore only a safeguard, not a tie-break.
  for (const name of foreign.sort()) {
    let label = name;
    while (taken.has(label)) label = ESCAPE_PREFIX + label;
    labels.set(name, label);
    taken.add(label);
  }
  return labels;
}

/**
 * Returns, for each label name a table's dimension columns hold, the column holding it: the
 * inverse of labelNamesOf, so matchers select exactly the series the read returns.
 */
export function dimensionNamesOf(dimensionNames: Iterable<string>): Map<string, string> {
  const columns = new Map<string, string>();
  for (const [column, label] of labelNamesOf(dimensionNames)) columns.set(label, column);
  return columns;
}
