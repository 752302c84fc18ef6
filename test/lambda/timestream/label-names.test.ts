// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import {
  dimensionNamesOf,
  fromDimensionName,
  labelNamesOf,
  toDimensionName,
} from '../../../lambda/timestream/label-names';

describe('toDimensionName and fromDimensionName', () => {
  test.each([
    { name: 'a plain name is itself', label: 'job', dimension: 'job' },
    { name: 'time is escaped', label: 'time', dimension: '_time' },
    { name: 'a ts_ name is escaped', label: 'ts_shard', dimension: '_ts_shard' },
    { name: 'measure_value is escaped', label: 'measure_value', dimension: '_measure_value' },
    {
      name: 'a measure_value prefix is escaped',
      label: 'measure_value_total',
      dimension: '_measure_value_total',
    },
    {
      name: 'a name ending in measure_value is itself',
      label: 'last_measure_value',
      dimension: 'last_measure_value',
    },
    { name: 'a measure_name prefix is escaped', label: 'measure_namex', dimension: '_measure_namex' },
    { name: 'a leading _ is escaped', label: '_tenant', dimension: '__tenant' },
    { name: 'a ts name without its _ is itself', label: 'tsdb', dimension: 'tsdb' },
    { name: 'a name starting with time is itself', label: 'timeout', dimension: 'timeout' },
    { name: 'a measure name prefix without the rest is itself', label: 'measure', dimension: 'measure' },
    { name: 'a name sharing only measure_val is itself', label: 'measure_valid', dimension: 'measure_valid' },
    { name: 'an escaped-looking label is escaped again', label: '_time', dimension: '__time' },
  ])('$name: $label <-> $dimension', ({ label, dimension }) => {
    expect(toDimensionName(label)).toBe(dimension);
    expect(fromDimensionName(dimension)).toBe(label);
  });

  test.each([
    { name: 'a _ before a name never escaped (another tool wrote _job)', dimension: '_job' },
    { name: 'a _ before an upper-case name', dimension: '_Zone' },
    { name: 'a lone _', dimension: '_' },
    { name: 'the escaped form of __name__, which is never a dimension', dimension: '___name__' },
    { name: 'a reserved-looking name without its _', dimension: 'measure_namex' },
  ])('returns a name the write path never produces unchanged: $name', ({ dimension }) => {
    expect(fromDimensionName(dimension)).toBe(dimension);
  });

  test('round-trips every label name', () => {
    const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,20}$/).filter((n) => n !== '__name__');
    fc.assert(
      fc.property(name, (label) => {
        expect(fromDimensionName(toDimensionName(label))).toBe(label);
      }),
      { numRuns: 500 },
    );
  });
});

describe('labelNamesOf', () => {
  test.each([
    {
      name: 'columns of this connector read back as their labels',
      columns: ['job', '_time', '__tenant'],
      labels: { job: 'job', _time: 'time', __tenant: '_tenant' },
    },
    {
      name: "another tool's _job and _z stay apart from job and z",
      columns: ['job', 'z', '_job', '_z'],
      labels: { job: 'job', z: 'z', _job: '_job', _z: '_z' },
    },
    {
      name: '__job (the label _job) keeps its label; _job gets another _',
      columns: ['_job', '__job'],
      labels: { __job: '_job', _job: '__job' },
    },
    {
      name: 'as many _ as needed',
      columns: ['___job', '_job', '__job'],
      labels: { __job: '_job', ___job: '__job', _job: '___job' },
    },
    {
      name: '__name__ is never a dimension label',
      columns: ['___name__'],
      labels: { ___name__: '___name__' },
    },
    {
      name: 'the _no_labels dimension of series without labels holds no label',
      columns: ['_no_labels', 'job', '__no_labels'],
      labels: { job: 'job', __no_labels: '_no_labels' },
    },
    {
      name: 'a name that would become __name__ skips it',
      columns: ['_name__', '__name__'],
      labels: { __name__: '_name__', _name__: '___name__' },
    },
  ])('$name', ({ columns, labels }) => {
    expect(Object.fromEntries(labelNamesOf(columns))).toEqual(labels);
    expect(Object.fromEntries(labelNamesOf([...columns].reverse()))).toEqual(labels);
    expect(Object.fromEntries(dimensionNamesOf(columns))).toEqual(
      Object.fromEntries(Object.entries(labels).map(([column, label]) => [label, column])),
    );
  });

  test('gives every column its own label, never __name__, and ours the label they were written from', () => {
    const column = fc
      .tuple(fc.nat(4), fc.constantFrom('job', 'Job', 'time', 'ts_x', 'name__', 'measure_namex', ''))
      .map(([n, rest]) => '_'.repeat(n) + rest)
      .filter((c) => c !== '');
    fc.assert(
      fc.property(fc.uniqueArray(column, { maxLength: 12 }), (columns) => {
        const labels = labelNamesOf(columns);
        expect(labels.size).toBe(columns.length);
        const values = [...labels.values()];
        expect(new Set(values).size).toBe(values.length);
        expect(values).not.toContain('__name__');
        for (const c of columns) {
          const label = fromDimensionName(c);
          if (toDimensionName(label) === c && label !== '__name__') expect(labels.get(c)).toBe(label);
        }
      }),
      { numRuns: 500 },
    );
  });
});
