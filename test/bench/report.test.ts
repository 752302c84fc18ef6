// SPDX-License-Identifier: Apache-2.0
import {
  formatHeader,
  formatNumber,
  formatOutcome,
  formatSummary,
  runFigures,
  type FigureOutcome,
} from '../../bench/report';
import type { FigureResult } from '../../bench/types';

const MET: FigureResult = {
  id: 2,
  title: 'Write cost',
  measurements: [{ name: 'ratio', median: 0.3212, unit: '×', runs: 3, extra: { min: 0.3, max: 0.33 } }],
  target: '≤ 0.333× the reference',
  headline: { name: 'ratio', value: 0.3212, unit: '×' },
  met: true,
};
const MISSED: FigureResult = {
  id: 1,
  title: 'Write CPU',
  measurements: [{ name: 'end to end', median: 6.54321, unit: 'µs/sample', runs: 9 }],
  target: '≤ 3 µs/sample',
  headline: { name: 'end to end', value: 6.54321, unit: 'µs/sample' },
  met: false,
  note: 'decoding and mapping',
};

describe('runFigures', () => {
  it('runs figures in order and reports missing and failing ones without stopping', async () => {
    const calls: number[] = [];
    const seen: FigureOutcome[] = [];
    const outcomes = await runFigures(
      [
        { id: 1, run: async () => (calls.push(1), MISSED) },
        { id: 4, run: undefined },
        {
          id: 5,
          run: async () => {
            calls.push(5);
            throw new Error('store down');
          },
        },
        { id: 2, run: async ({ quick }) => (calls.push(quick ? 2 : -2), MET) },
      ],
      { quick: true },
      (o) => seen.push(o),
    );
    expect(calls).toEqual([1, 5, 2]);
    expect(outcomes).toEqual([
      { id: 1, result: MISSED },
      { id: 4, unavailable: 'not available' },
      { id: 5, unavailable: 'failed: store down' },
      { id: 2, result: MET },
    ]);
    expect(seen).toEqual(outcomes);
  });
});

describe('report formatting', () => {
  it.each([
    [1234.56, '1235'],
    [123.456, '123.5'],
    [12.3456, '12.35'],
    [0.32123, '0.321'],
    [NaN, 'NaN'],
  ])('formatNumber(%p) is %p', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });

  it('renders a missed figure with its measurements, verdict and why', () => {
    expect(formatOutcome({ id: 1, result: MISSED })).toBe(
      [
        'figure 1: Write CPU',
        '    end to end: 6.543 µs/sample (median of 9)',
        '    target ≤ 3 µs/sample; end to end 6.543 µs/sample: MISSED',
        '    why: decoding and mapping',
      ].join('\n'),
    );
  });

  it('renders a met figure with extras and no note', () => {
    expect(formatOutcome({ id: 2, result: MET })).toBe(
      [
        'figure 2: Write cost',
        '    ratio: 0.321 × (median of 3; min 0.300, max 0.330)',
        '    target ≤ 0.333× the reference; ratio 0.321 ×: MET',
      ].join('\n'),
    );
  });

  it('renders an unavailable figure as one line', () => {
    expect(formatOutcome({ id: 4, unavailable: 'not available' })).toBe('figure 4: not available');
  });

  test.each([
    { quick: false, figures: undefined, header: 'npm run bench: 2 cores' },
    { quick: true, figures: undefined, header: 'npm run bench -- --quick: 2 cores' },
    { quick: false, figures: [4, 5], header: 'npm run bench -- --figures 4,5: 2 cores' },
    { quick: true, figures: [5], header: 'npm run bench -- --quick --figures 5: 2 cores' },
  ])('renders the header of a run with quick $quick and figures $figures', ({ quick, figures, header }) => {
    expect(formatHeader({ cores: 2, node: '20.20.2', date: 'D' }, quick, figures)).toBe(
      `${header}, node 20.20.2, D`,
    );
  });

  it('renders the header with the core count and the summary table', () => {
    expect(formatHeader({ cores: 2, node: '20.20.2', date: '2026-11-22T04:00:00.000Z' }, true)).toBe(
      'npm run bench -- --quick: 2 cores, node 20.20.2, 2026-11-22T04:00:00.000Z',
    );
    expect(
      formatSummary([
        { id: 1, result: MISSED },
        { id: 4, unavailable: 'not available' },
      ]),
    ).toBe(
      [
        '| figure | measured (median) | target | |',
        '| --- | --- | --- | --- |',
        '| 1 | end to end: 6.543 µs/sample | ≤ 3 µs/sample | missed |',
        '| 4 | not available | | |',
      ].join('\n'),
    );
  });
});
