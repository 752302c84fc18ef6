// SPDX-License-Identifier: Apache-2.0
import {
  MIN_SPAN_MS,
  parseProcStat,
  readCpuTimes,
  sharesWithin,
  type CpuReading,
} from '../../../bench/ingest/cpu-times';

describe('parseProcStat', () => {
  test.each([
    {
      name: 'the aggregate line of a current kernel (guest fields not added again)',
      text: 'cpu  4705 150 1120 16250 520 30 40 5 100 7\ncpu0 2000 75 560 8125 260 15 20 2 50 3\n',
      times: {
        total: 4705 + 150 + 1120 + 16250 + 520 + 30 + 40 + 5,
        idle: 16250 + 520,
        kernel: 1120 + 30 + 40,
      },
    },
    {
      name: 'an old kernel without steal',
      text: 'cpu 10 0 5 80 2 1 2\n',
      times: { total: 100, idle: 82, kernel: 8 },
    },
    { name: 'a per-core line first', text: 'cpu0 10 0 5 80 2 1 2 0\n', times: undefined },
    { name: 'too few fields', text: 'cpu 10 0 5 80 2\n', times: undefined },
    { name: 'a field that is not a count', text: 'cpu 10 x 5 80 2 1 2 0\n', times: undefined },
    { name: 'a negative field', text: 'cpu 10 -1 5 80 2 1 2 0\n', times: undefined },
    { name: 'empty', text: '', times: undefined },
  ])('$name', ({ text, times }) => {
    expect(parseProcStat(text)).toEqual(times);
  });
});

describe('sharesWithin', () => {
  const reading = (at: number, total: number, idle: number, kernel: number): CpuReading => ({
    at,
    times: { total, idle, kernel },
  });
  const readings = [
    reading(0, 1000, 900, 10),
    reading(2000, 1400, 1000, 50), // first at or after 1500
    reading(4000, 1800, 1040, 110),
    reading(6000, 2200, 1080, 170), // last at or before 7000
    reading(8000, 2600, 1500, 180),
  ];

  test.each([
    {
      name: 'between the readings that bound the window',
      from: 1500,
      to: 7000,
      shares: { idle: 0.1, kernel: 0.15 },
    },
    {
      name: 'readings exactly at the window edges count',
      from: 2000,
      to: 6000,
      shares: { idle: 0.1, kernel: 0.15 },
    },
    {
      name: 'a window shorter than the least span',
      from: 2000,
      to: 2000 + MIN_SPAN_MS - 1,
      shares: undefined,
    },
    { name: 'a window after every reading', from: 9000, to: 12_000, shares: undefined },
    { name: 'no readings', from: 0, to: 10_000, shares: undefined, none: true },
  ])('$name', ({ from, to, shares, none }) => {
    expect(sharesWithin(none ? [] : readings, from, to)).toEqual(shares);
  });

  test('no share when the kernel counted no time between the readings', () => {
    expect(sharesWithin([reading(0, 500, 400, 10), reading(2000, 500, 400, 10)], 0, 2000)).toBeUndefined();
  });
});

describe('readCpuTimes', () => {
  test('reads this machine on Linux, and nothing elsewhere', () => {
    const times = readCpuTimes();
    if (process.platform !== 'linux') {
      expect(times).toBeUndefined();
      return;
    }
    expect(times).toBeDefined();
    expect(times!.total).toBeGreaterThan(0);
    expect(times!.idle).toBeLessThanOrEqual(times!.total);
    expect(times!.kernel).toBeLessThanOrEqual(times!.total);
  });
});
