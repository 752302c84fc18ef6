// SPDX-License-Identifier: Apache-2.0
import { FIRST_ROUND_LIMIT_MS, MeasuredWindow } from '../../../bench/ingest/window';

/** A window started at 1000 with a 3000 ms warm-up, a 15 000 ms duration and a first round of 3 bodies. */
const fresh = () => new MeasuredWindow(1000, 3000, 15_000, 3);

describe('MeasuredWindow', () => {
  test.each([
    {
      name: 'the first round ends inside the warm-up: the window opens when the warm-up does',
      answers: [
        [0, 1500],
        [2, 1600],
        [1, 2000],
        [3, 3999],
        [4, 4001],
        [5, 19_000],
        [6, 19_001],
      ],
      counted: [false, false, false, false, true, true, false],
      firstRoundMs: 1000,
      opens: 4000,
    },
    {
      name: 'the first round ends after the warm-up: the window opens with its last answer, which is not counted',
      answers: [
        [3, 4500],
        [0, 5000],
        [1, 6000],
        [4, 6500],
        [2, 7000],
        [5, 7001],
        [6, 22_000],
        [7, 22_001],
      ],
      counted: [false, false, false, false, false, true, true, false],
      firstRoundMs: 6000,
      opens: 7000,
    },
  ])('$name', ({ answers, counted, firstRoundMs, opens }) => {
    const window = fresh();
    expect(answers.map(([index, now]) => window.answered(index, now))).toEqual(counted);
    expect(window.firstRoundMs).toBe(firstRoundMs);
    expect(window.opens).toBe(opens);
    expect(window.end).toBe(opens + 15_000);
    expect(window.length(false)).toBe(15_000);
  });

  test('stays closed while a first-round body is unanswered, and its end is set by the limit', () => {
    const window = fresh();
    expect(window.answered(0, 2000)).toBe(false);
    expect(window.answered(1, 2100)).toBe(false);
    expect(window.answered(3, 9000)).toBe(false);
    expect(window.firstRoundMs).toBeNaN();
    expect(window.end).toBe(1000 + 3000 + FIRST_ROUND_LIMIT_MS + 15_000);
  });

  test('opens at the limit when the first round is never answered', () => {
    const window = fresh();
    const opens = 1000 + 3000 + FIRST_ROUND_LIMIT_MS;
    expect(window.answered(3, opens)).toBe(false);
    expect(window.answered(4, opens + 1)).toBe(true);
    expect(window.opens).toBe(opens);
    expect(window.firstRoundMs).toBeNaN();
  });

  test('with no first round, opens after the warm-up', () => {
    const window = new MeasuredWindow(1000, 3000, 15_000, 0);
    expect(window.firstRoundMs).toBe(0);
    expect([window.answered(0, 3500), window.answered(1, 4000.5)]).toEqual([false, true]);
    expect(window.opens).toBe(4000);
  });

  test.each([
    {
      name: 'bodies ran out: up to the last answer inside the window',
      answers: [
        [0, 1100],
        [1, 1200],
        [2, 1300],
        [3, 5000],
        [4, 6250],
      ],
      length: 2250,
    },
    {
      name: 'bodies ran out before the window opened: 1 ms, never 0',
      answers: [
        [0, 1100],
        [1, 1200],
        [2, 1300],
      ],
      length: 1,
    },
  ])('length when $name', ({ answers, length }) => {
    const window = fresh();
    for (const [index, now] of answers) window.answered(index, now);
    expect(window.length(true)).toBe(length);
  });
});
