// SPDX-License-Identifier: Apache-2.0
// Property: random series written through /write and read back through /read with random
// matchers give exactly what an in-memory reference implementation of PromQL matchers gives.

import fc from 'fast-check';
import { snappyUncompress } from '../../../lambda/codec/snappy';
import { decodeReadResponse } from '../../../lambda/prompb/codec';
import { MatcherType, type Label, type LabelMatcher, type TimeSeries } from '../../../lambda/prompb/types';
import { startHarness, type Harness } from '../../support/harness';

const CHARS = ['a', 'b', 'A', '.', "'", '"', '\\', '\n', 'é', ' '];
const NAMES = ['job', 'env', 'time', '_x'];

const valueArb = fc.array(fc.constantFrom(...CHARS), { maxLength: 4 }).map((cs) => cs.join(''));

/** Regex ASTs from a grammar whose RE2 meaning a JS RegExp reproduces exactly (with `.` → `[^\n]`). */
type Re = { re2: string; js: string };
const atomArb: fc.Arbitrary<Re> = fc.oneof(
  fc.constantFrom(...CHARS).map((c) => {
    const escaped = c === '\n' ? '\\n' : /[.\\]/.test(c) ? `\\${c}` : c;
    return { re2: escaped, js: escaped };
  }),
  fc.constant({ re2: '.', js: '[^\\n]' }),
  fc.constant({ re2: '[ab]', js: '[ab]' }),
  fc.constant({ re2: '[^a]', js: '[^a]' }),
);
const reArb: fc.Arbitrary<Re> = fc.letrec<{ re: Re; seq: Re; piece: Re }>((tie) => ({
  piece: fc
    .tuple(
      fc.oneof(
        { weight: 4, arbitrary: atomArb },
        { weight: 1, arbitrary: tie('re').map((r) => ({ re2: `(${r.re2})`, js: `(${r.js})` })) },
      ),
      fc.constantFrom('', '', '*', '+', '?'),
    )
    .map(([a, q]) => ({ re2: a.re2 + q, js: a.js + q })),
  seq: fc
    .array(tie('piece'), { minLength: 0, maxLength: 3 })
    .map((ps) => ({ re2: ps.map((p) => p.re2).join(''), js: ps.map((p) => p.js).join('') })),
  re: fc
    .array(tie('seq'), { minLength: 1, maxLength: 2 })
    .map((ss) => ({ re2: ss.map((s) => s.re2).join('|'), js: ss.map((s) => s.js).join('|') })),
})).re;

interface GenMatcher {
  matcher: LabelMatcher;
  test: (value: string) => boolean;
}

const matcherArb: fc.Arbitrary<GenMatcher> = fc.oneof(
  fc.tuple(fc.constantFrom(...NAMES, 'absent'), valueArb, fc.boolean()).map(([name, value, negate]) => ({
    matcher: { type: negate ? MatcherType.NEQ : MatcherType.EQ, name, value },
    test: (v: string) => (v === value) !== negate,
  })),
  fc
    .tuple(fc.constantFrom(...NAMES, 'absent'), reArb, fc.boolean(), fc.boolean())
    .map(([name, re, negate, caseless]) => {
      const regex = new RegExp(`^(?:${re.js})$`, caseless ? 'i' : '');
      return {
        matcher: {
          type: negate ? MatcherType.NRE : MatcherType.RE,
          name,
          value: (caseless ? '(?i)' : '') + re.re2,
        },
        test: (v: string) => regex.test(v) !== negate,
      };
    }),
);

const seriesArb = fc.array(fc.dictionary(fc.constantFrom(...NAMES), valueArb, { maxKeys: 4 }), {
  minLength: 1,
  maxLength: 10,
});

describe('remote read agrees with a reference implementation of PromQL matchers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ store: { pageSize: 5 } });
  });
  afterAll(async () => {
    await h.close();
  });

  test('for random series and random matchers', async () => {
    let run = 0;
    const t0 = Date.now() - 3_600_000;
    await fc.assert(
      fc.asyncProperty(
        seriesArb,
        fc.array(matcherArb, { minLength: 1, maxLength: 3 }),
        async (labelSets, matchers) => {
          run++;
          const metric = `prop_${run}`;
          const timeseries: TimeSeries[] = labelSets.map((set, id) => {
            const record: Record<string, string> = { __name__: metric, id: String(id) };
            for (const [name, value] of Object.entries(set)) if (value !== '') record[name] = value;
            const labels: Label[] = Object.keys(record)
              .sort()
              .map((name) => ({ name, value: record[name] }));
            return { labels, samples: [{ value: id + 0.5, timestamp: t0 + id }] };
          });
          const written = await h.write('server', { timeseries });
          expect(written.status).toBe(204);

          const expected = timeseries
            .filter((ts) =>
              matchers.every((m) => m.test(ts.labels.find((l) => l.name === m.matcher.name)?.value ?? '')),
            )
            .map((ts) => ts.labels.find((l) => l.name === 'id')?.value)
            .sort();
          const response = await h.read('server', {
            queries: [
              {
                startTimestampMs: t0,
                endTimestampMs: t0 + 100,
                matchers: [
                  { type: MatcherType.EQ, name: '__name__', value: metric },
                  ...matchers.map((m) => m.matcher),
                ],
              },
            ],
            acceptedResponseTypes: [],
          });
          expect(response.status).toBe(200);
          const decoded = decodeReadResponse(snappyUncompress(new Uint8Array(response.body), 1 << 30));
          const got = decoded.results[0].timeseries
            .map((ts) => ts.labels.find((l) => l.name === 'id')?.value)
            .sort();
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 40, seed: 20261122 },
    );
    // 40 writes and reads take ~3 s on 2 idle cores: jest's default 5 s is too close on a busy one.
  }, 30_000);
});
