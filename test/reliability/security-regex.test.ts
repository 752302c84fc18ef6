// SPDX-License-Identifier: Apache-2.0
// Regexes built to make backtracking engines spin (nested quantifiers, overlapping alternations)
// against long label values, through /read on both edges: every one is answered (the connector's
// translator is linear with depth and repeat limits, the store matches with RE2) and correctly.
// The jest timeout is the guard: exponential backtracking over 2000 characters never finishes.

import { snappyUncompress } from '../../lambda/codec/snappy';
import { decodeReadResponse } from '../../lambda/prompb/codec';
import { EDGES, startHarness, type Harness } from '../support/harness';
import { reportCounts } from './support';

const NOW_MS = 1_763_000_000_000;
const LONG = 2000;
/** Values of label `v` (one series each): long runs that make backtracking explode on a near miss. */
const VALUES: Record<string, string> = {
  as: 'a'.repeat(LONG),
  asThenX: `${'a'.repeat(LONG)}X`,
  asThenB: `${'a'.repeat(LONG)}b`,
  mixed: 'ab'.repeat(LONG / 2),
};

interface RegexCase {
  pattern: string;
  /** Keys of VALUES whose whole value the pattern matches (anchored, RE2 semantics). */
  matches: string[];
}

const CASES: RegexCase[] = [
  { pattern: '(a+)+$', matches: ['as'] },
  { pattern: '(a+)+', matches: ['as'] },
  { pattern: '(a|aa)*b', matches: ['asThenB'] },
  { pattern: '(a|a)*c', matches: [] },
  { pattern: '(a*)*b', matches: ['asThenB'] },
  { pattern: '((a+)+)+b', matches: ['asThenB'] },
  { pattern: '(?:a|a?)+c', matches: [] },
  { pattern: '(a?){30}a{30}', matches: [] },
  { pattern: '(.*a){20}', matches: ['as'] },
  { pattern: '(.*)*X', matches: ['asThenX'] },
  { pattern: '(ab|a|b)*c', matches: [] },
  { pattern: '((ab)*|a*)*', matches: ['as', 'asThenB', 'mixed'] },
  { pattern: '(\\w+\\s?)*$', matches: ['as', 'asThenX', 'asThenB', 'mixed'] },
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const response = await h.write('server', {
    timeseries: Object.entries(VALUES).map(([key, value]) => ({
      labels: [
        { name: '__name__', value: 'redos' },
        { name: 'k', value: key },
        { name: 'v', value },
      ],
      samples: [{ value: 1, timestamp: NOW_MS }],
    })),
  });
  expect(response.status).toBe(204);
});
afterAll(async () => {
  reportCounts('security-regex', { patterns: CASES.length * EDGES.length * 2 });
  await h.close();
});

describe.each(EDGES)('through the %s edge', (edge) => {
  test.each(CASES)(
    'answers $pattern against long values correctly',
    async ({ pattern, matches }) => {
      const select = async (type: 2 | 3) => {
        const response = await h.read(edge, {
          queries: [
            {
              startTimestampMs: NOW_MS - 1000,
              endTimestampMs: NOW_MS + 1000,
              matchers: [
                { type: 0, name: '__name__', value: 'redos' },
                { type, name: 'v', value: pattern },
              ],
            },
          ],
          acceptedResponseTypes: [0],
        });
        expect(response.status).toBe(200);
        const series = decodeReadResponse(snappyUncompress(response.body, 1 << 30)).results[0].timeseries;
        return series.map((ts) => ts.labels.find((l) => l.name === 'k')?.value ?? '').sort();
      };
      expect(await select(2)).toEqual([...matches].sort());
      expect(await select(3)).toEqual(
        Object.keys(VALUES)
          .filter((k) => !matches.includes(k))
          .sort(),
      );
    },
    10_000,
  );
});

describe.each(EDGES)('bounded translation through the %s edge', (edge) => {
  test.each([
    {
      name: 'nesting past RE2s depth limit',
      pattern: `${'('.repeat(1500)}a${')'.repeat(1500)}`,
      status: 400,
      message: /expression nests too deeply/,
    },
    {
      name: 'a repeat of a repeat past 1000',
      pattern: '((a{1000}){1000}){1000}',
      status: 400,
      message: /invalid repeat count/,
    },
    {
      name: 'a 60 KiB alternation',
      pattern: Array.from({ length: 9000 }, (_, i) => `a${i}`).join('|'),
      status: 200,
    },
    { name: 'a 60 KiB run of stars', pattern: 'a*'.repeat(30_000), status: 200 },
  ])(
    'answers $status to $name without spinning',
    async ({ pattern, status, message }) => {
      const response = await h.read(edge, {
        queries: [
          {
            startTimestampMs: NOW_MS - 1000,
            endTimestampMs: NOW_MS + 1000,
            matchers: [
              { type: 0, name: '__name__', value: 'redos' },
              { type: 2, name: 'v', value: pattern },
            ],
          },
        ],
        acceptedResponseTypes: [0],
      });
      expect(response.status).toBe(status);
      if (message !== undefined) expect(response.body.toString('utf8')).toMatch(message);
    },
    10_000,
  );
});
