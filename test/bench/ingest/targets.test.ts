// SPDX-License-Identifier: Apache-2.0
import { cpuSeconds, statCpuTicks } from '../../../bench/ingest/targets';

describe('statCpuTicks', () => {
  test.each([
    {
      name: 'a plain command name',
      stat: '4242 (node) S 1 4242 4242 0 -1 4194560 9000 0 12 0 1234 567 0 0 20 0 11 0 100 1000 100',
      ticks: 1801,
    },
    {
      name: 'a name with spaces and parentheses',
      stat: '7 (tsx (x) y) R 1 7 7 0 -1 0 0 0 0 0 10 5 0 0 20 0 1 0 100 1000 100',
      ticks: 15,
    },
  ])('adds utime and stime from $name', ({ stat, ticks }) => {
    expect(statCpuTicks(stat)).toBe(ticks);
  });
});

test('reads the CPU time this test process has used (loading jest alone takes more than a tick)', () => {
  expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
});
