// SPDX-License-Identifier: Apache-2.0
import { StoreError } from '../../../lambda/local-store/errors';
import { FaultInjector, mulberry32 } from '../../../lambda/local-store/faults';

const OFF = {
  latencyMs: 0,
  spikeRate: 0,
  spikeMs: 0,
  throttleRate: 0,
  internalErrorRate: 0,
  rejectRate: 0,
  resetRate: 0,
  slowBodyRate: 0,
  slowBodyMs: 0,
  seed: 1,
};

test('mulberry32 yields the same sequence for the same seed and another for another seed', () => {
  const take = (seed: number) => Array.from({ length: 5 }, mulberry32(seed));
  expect(take(7)).toEqual(take(7));
  expect(take(7)).not.toEqual(take(8));
  expect(take(7).every((x) => x >= 0 && x < 1)).toBe(true);
});

test('treats undefined fields as absent', () => {
  expect(new FaultInjector({ latencyMs: undefined, throttleRate: 0.25, seed: undefined }).get()).toEqual({
    ...OFF,
    throttleRate: 0.25,
  });
});

test('is off by default', async () => {
  const faults = new FaultInjector();
  expect(faults.get()).toEqual(OFF);
  await expect(faults.apply('WriteRecords')).resolves.toBeUndefined();
});

test.each([
  {
    name: 'throttling',
    settings: { throttleRate: 1 },
    error: new StoreError('ThrottlingException', 'Rate exceeded (injected fault on Query).'),
  },
  {
    name: 'internal errors',
    settings: { internalErrorRate: 1 },
    error: new StoreError('InternalServerException', 'Internal server error (injected fault on Query).'),
  },
])('injects $name at rate 1', async ({ settings, error }) => {
  await expect(new FaultInjector(settings).apply('Query')).rejects.toThrow(error);
});

test('restarts the sequence when the same seed is set again', async () => {
  const faults = new FaultInjector();
  const draw = async () => {
    faults.set({ throttleRate: 0.5, seed: 99 });
    const out: boolean[] = [];
    for (let i = 0; i < 16; i += 1)
      out.push(
        await faults.apply('WriteRecords').then(
          () => true,
          () => false,
        ),
      );
    return out;
  };
  const first = await draw();
  expect(await draw()).toEqual(first);
  expect(first).toContain(true);
  expect(first).toContain(false);
});

test.each([
  { name: 'a negative latency', settings: { latencyMs: -1 } },
  { name: 'a rate above 1', settings: { internalErrorRate: 1.5 } },
  { name: 'a fractional seed', settings: { seed: 1.5 } },
])('refuses $name', ({ settings }) => {
  expect(() => new FaultInjector().set(settings)).toThrow(
    new StoreError(
      'ValidationException',
      'Faults need latencyMs, spikeMs, slowBodyMs >= 0, spikeRate, throttleRate, internalErrorRate, ' +
        'rejectRate, resetRate, slowBodyRate in [0, 1] and an integer seed.',
    ),
  );
});

test.each([
  { name: 'off by default', settings: {}, expected: false },
  { name: 'a zero reject rate', settings: { rejectRate: 0 }, expected: false },
  { name: 'a positive reject rate', settings: { rejectRate: 0.1 }, expected: true },
])('says whether records are rejected: $name', ({ settings, expected }) => {
  expect(new FaultInjector(settings).rejectsRecords()).toBe(expected);
});
