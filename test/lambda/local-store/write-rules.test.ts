// SPDX-License-Identifier: Apache-2.0
import { classifyTime, timeClassifier } from '../../../lambda/local-store/write-rules';

const NOW = Date.UTC(2026, 0, 1);
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const memoryOnly = {
  memoryStoreRetentionHours: 1,
  magneticStoreRetentionDays: 2,
  enableMagneticStoreWrites: false,
};
const magnetic = { ...memoryOnly, enableMagneticStoreWrites: true };
const memoryReason =
  'The record timestamp is outside the time range [2025-12-31T23:00:00.000Z, 2026-01-01T00:15:00.000Z) of the memory store.';

const CASES = [
  { name: 'now', timeNs: ns(NOW), table: memoryOnly, expected: { magnetic: false } },
  { name: 'the memory start', timeNs: ns(NOW - 3_600_000), table: memoryOnly, expected: { magnetic: false } },
  {
    name: '1 ns before the memory start',
    timeNs: ns(NOW - 3_600_000) - 1n,
    table: memoryOnly,
    expected: { magnetic: false, reason: memoryReason },
  },
  { name: 'the future edge', timeNs: ns(NOW + 900_000), table: memoryOnly, expected: { magnetic: false } },
  {
    name: '1 ns past the future edge',
    timeNs: ns(NOW + 900_000) + 1n,
    table: magnetic,
    expected: { magnetic: false, reason: memoryReason },
  },
  {
    name: 'late with magnetic writes',
    timeNs: ns(NOW - 86_400_000),
    table: magnetic,
    expected: { magnetic: true },
  },
  {
    name: 'the magnetic start',
    timeNs: ns(NOW - 2 * 86_400_000),
    table: magnetic,
    expected: { magnetic: true },
  },
  {
    name: 'beyond magnetic retention',
    timeNs: ns(NOW - 2 * 86_400_000) - 1n,
    table: magnetic,
    expected: {
      magnetic: true,
      reason:
        'The record timestamp is outside the time range [2025-12-30T00:00:00.000Z, 2026-01-01T00:15:00.000Z) of the magnetic store.',
    },
  },
  {
    // A window reaching back before 1970 is named from the epoch, where a record time starts.
    name: 'past the future edge with the memory start before the epoch',
    now: 1_000,
    timeNs: ns(1_000 + 900_000) + 1n,
    table: memoryOnly,
    expected: {
      magnetic: false,
      reason:
        'The record timestamp is outside the time range [1970-01-01T00:00:00.000Z, 1970-01-01T00:15:01.000Z) of the memory store.',
    },
  },
];

test.each(CASES)('classifies $name', ({ now = NOW, timeNs, table, expected }) => {
  expect(classifyTime(timeNs, now, table)).toEqual(expected);
});

test.each(CASES)(
  'timeClassifier (bounds computed once per group) agrees on $name',
  ({ now = NOW, timeNs, table, expected }) => {
    expect(timeClassifier(now, table)(timeNs)).toEqual(expected);
  },
);
