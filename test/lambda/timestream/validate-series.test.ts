// SPDX-License-Identifier: Apache-2.0
import type { Dimension } from '@aws-sdk/client-timestream-write';
import type { Label } from '../../../lambda/prompb/types';
import {
  describeSeries,
  prepareSeries,
  type RecordLimits,
  utf8ByteLength,
} from '../../../lambda/timestream/validate-series';

describe('utf8ByteLength', () => {
  test.each([
    { name: 'empty', text: '' },
    { name: 'ASCII', text: 'node_cpu_seconds_total' },
    { name: 'two-byte characters', text: 'Grüße' },
    { name: 'three-byte characters', text: '€ and 日本' },
    { name: 'the last two-byte and the first three-byte character', text: '\u07ff\u0800' },
    { name: 'a surrogate pair', text: 'a😀b' },
    { name: 'a lone high surrogate', text: 'a\ud800b' },
    { name: 'a lone low surrogate at the end', text: 'a\udc00' },
    { name: 'a high surrogate at the end', text: '\ud83d' },
  ])('counts $name like Buffer.byteLength', ({ text }) => {
    expect(utf8ByteLength(text)).toBe(Buffer.byteLength(text, 'utf8'));
  });
});

describe('prepareSeries limits in UTF-8 bytes', () => {
  const limits: RecordLimits = {
    maxMeasureNameBytes: 256,
    maxDimensions: 128,
    maxDimensionPairBytes: 12,
    maxDimensionNameBytes: 6,
  };

  test.each([
    {
      name: 'a dimension name of 3 characters and 9 bytes',
      labels: [
        { name: '__name__', value: 'up' },
        { name: '日日日', value: 'v' },
      ],
      reason:
        'series up{日日日="v"} has a label name of 9 bytes, over the Timestream dimension name limit of 6: "日日日"',
    },
    {
      name: 'dimension names and values of 5 characters and 13 bytes',
      labels: [
        { name: '__name__', value: 'up' },
        { name: 'a', value: '日日日日' },
      ],
      reason:
        'series up{a="日日日日"} has dimension names and values of 13 bytes in total, over the Timestream limit of 12',
    },
    {
      name: 'dimension names of 3 characters and 6 bytes counted in bytes towards the pair limit',
      labels: [
        { name: '__name__', value: 'up' },
        { name: 'ééé', value: 'abcdefg' },
      ],
      reason:
        'series up{ééé="abcdefg"} has dimension names and values of 13 bytes in total, over the Timestream limit of 12',
    },
  ])('refuses $name', ({ labels, reason }) => {
    expect(prepareSeries(labels, limits)).toEqual({ problem: 'long_label', reason });
  });

  test('refuses an over-limit series again when its labels come from the dimension cache', () => {
    const labels: Label[] = [
      { name: '__name__', value: 'up' },
      { name: 'ab', value: 'cdefghijklm' },
    ];
    const cache = new Map<Label, Dimension>();
    const rejection = {
      problem: 'long_label',
      reason:
        'series up{ab="cdefghijklm"} has dimension names and values of 13 bytes in total, over the Timestream limit of 12',
    };
    expect(prepareSeries(labels, limits, cache)).toEqual(rejection);
    expect(prepareSeries(labels, limits, cache)).toEqual(rejection);
  });
});

describe('describeSeries', () => {
  const name = (value: string) => ({ name: '__name__', value });
  test.each([
    { name: 'the PromQL form', labels: [name('up'), { name: 'job', value: 'a"b' }], text: 'up{job="a\\"b"}' },
    {
      name: 'the first __name__ of two as the name, the second as a label',
      labels: [name('up'), name('down')],
      text: 'up{__name__="down"}',
    },
    // up{v="…"}: 8 characters around the value, so a value of 192 makes exactly 200.
    {
      name: 'exactly 200 characters uncut',
      labels: [name('up'), { name: 'v', value: 'x'.repeat(192) }],
      text: `up{v="${'x'.repeat(192)}"}`,
    },
    {
      name: '201 characters cut to 200 and an ellipsis',
      labels: [name('up'), { name: 'v', value: 'x'.repeat(193) }],
      text: `up{v="${'x'.repeat(193)}"…`,
    },
  ])('renders $name', ({ labels, text }) => {
    expect(describeSeries(labels)).toBe(text);
  });
});

describe('prepareSeries label sets', () => {
  const limits: RecordLimits = {
    maxMeasureNameBytes: 256,
    maxDimensions: 128,
    maxDimensionPairBytes: 2048,
    maxDimensionNameBytes: 60,
  };

  test.each([
    {
      name: 'a label name holding NUL',
      labels: [
        { name: '__name__', value: 'up' },
        { name: 'a\u0000b', value: 'x' },
      ],
      result: {
        problem: 'invalid_series',
        reason:
          'series up{a\u0000b="x"} has label name "a\u0000b", which contains NUL (not a valid Timestream dimension name)',
      },
    },
    {
      name: 'a label given twice, once with an empty value (absent, so no duplicate)',
      labels: [
        { name: '__name__', value: 'up' },
        { name: 'a', value: '' },
        { name: 'a', value: 'x' },
      ],
      result: { measureName: 'up', dimensions: [{ Name: 'a', Value: 'x' }] },
    },
  ])('$name', ({ labels, result }) => {
    expect(prepareSeries(labels, limits)).toEqual(result);
  });
});
