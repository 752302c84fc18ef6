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

test('mulberry32 draws the reference mulberry32 sequence for seed 1', () => {
  const random = mulberry32(1);
  expect([random(), random(), random()]).toEqual([
    0.6270739405881613, 0.002735721180215478, 0.5274470399599522,
  ]);
});

test('mulberry32 yields the same sequence for the same seed and another for another seed', () => {
  const take = (seed: number) => Array.from({ length: 5 }, mulberry32(seed));
  expect(take(7)).toEqual(take(7));
  expect(take(7)).not.toEqual(take(8));
  expect(take(7).every((x) => x >= 0 && x < 1)).toBe(true);
});

// Parsed as POST /_local/faults parses its body, where `__proto__` is a field like any other.
test.each(['bogus', '__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
  'drops the field %s it does not know',
  (name) => {
    const settings = JSON.parse(`{"throttleRate": 0.25, "${name}": {"latencyMs": 5}}`) as never;
    expect(Object.entries(new FaultInjector(settings).get())).toEqual(
      Object.entries({ ...OFF, throttleRate: 0.25 }),
    );
  },
);

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
  { name: 'an infinite latency', settings: { latencyMs: Infinity } },
  // A Node.js timer runs a longer wait after 1 ms.
  { name: 'a latency past 2^31 - 1 ms', settings: { latencyMs: 2 ** 31 } },
  { name: 'a spike past 2^31 - 1 ms', settings: { spikeMs: 2 ** 31 } },
  { name: 'a slow body past 2^31 - 1 ms', settings: { slowBodyMs: 2 ** 31 } },
  { name: 'a negative rate', settings: { rejectRate: -0.1 } },
  { name: 'a rate given as text', settings: { throttleRate: '0.5' as never } },
  { name: 'a duration given as text', settings: { spikeMs: '5' as never } },
])('refuses $name', ({ settings }) => {
  expect(() => new FaultInjector().set(settings)).toThrow(
    new StoreError(
      'ValidationException',
      'Faults need latencyMs, spikeMs, slowBodyMs from 0 to 2147483647 ms, spikeRate, throttleRate, internalErrorRate, ' +
        'rejectRate, resetRate, slowBodyRate in [0, 1] and an integer seed.',
    ),
  );
});

test('accepts every duration up to 2^31 - 1 ms, the longest a Node.js timer keeps', () => {
  const longest = { latencyMs: 2 ** 31 - 1, spikeMs: 2 ** 31 - 1, slowBodyMs: 2 ** 31 - 1 };
  expect(new FaultInjector(longest).get()).toEqual({ ...OFF, ...longest });
});

test.each([
  { name: 'off by default', settings: {}, expected: false },
  { name: 'a zero reject rate', settings: { rejectRate: 0 }, expected: false },
  { name: 'a positive reject rate', settings: { rejectRate: 0.1 }, expected: true },
])('says whether records are rejected: $name', ({ settings, expected }) => {
  expect(new FaultInjector(settings).rejectsRecords()).toBe(expected);
});

test.each([
  { name: 'a latency of 1 ms', settings: { latencyMs: 1 }, waitMs: 1 },
  { name: 'the latency alone', settings: { latencyMs: 100, spikeMs: 50 }, waitMs: 100 },
  { name: 'the latency and a spike', settings: { latencyMs: 100, spikeRate: 1, spikeMs: 50 }, waitMs: 150 },
  { name: 'a spike alone', settings: { spikeRate: 1, spikeMs: 50 }, waitMs: 50 },
  // Each the longest a Node.js timer keeps; their sum, which a timer would run after 1 ms, is cut to it.
  {
    name: 'a latency and a spike of 2^31 - 1 ms each',
    settings: { latencyMs: 2 ** 31 - 1, spikeRate: 1, spikeMs: 2 ** 31 - 1 },
    waitMs: 2 ** 31 - 1,
  },
])('waits $name: $waitMs ms before answering', async ({ settings, waitMs }) => {
  jest.useFakeTimers();
  try {
    let done = false;
    const applied = new FaultInjector(settings).apply('Query').then(() => (done = true));
    await jest.advanceTimersByTimeAsync(waitMs - 1);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await applied;
    expect(done).toBe(true);
  } finally {
    jest.useRealTimers();
  }
});

/** Applies the faults to `calls` calls, naming each outcome. */
async function outcomes(faults: FaultInjector, calls: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < calls; i += 1) {
    out.push(
      await faults.apply('Query').then(
        () => 'ok',
        (err: StoreError) => err.name,
      ),
    );
  }
  return out;
}

const T = 'ThrottlingException';

test.each([
  {
    name: 'throttling at 0.5',
    settings: { throttleRate: 0.5, seed: 7 },
    expected: [T, T, 'ok', 'ok', 'ok', T, T, T],
    injected: 5,
  },
  {
    // The spike draw comes first and takes its own number from the sequence.
    name: 'spikes and throttling at 0.5',
    settings: { spikeRate: 0.5, throttleRate: 0.5, seed: 7 },
    expected: [T, 'ok', T, T, 'ok', T, 'ok', T],
    injected: 9,
  },
  {
    name: 'throttling and internal errors at 1: throttling wins',
    settings: { throttleRate: 1, internalErrorRate: 1 },
    expected: [T, T],
    injected: 2,
  },
])(
  'draws a pinned sequence for $name and counts every injected fault',
  async ({ settings, expected, injected }) => {
    const faults = new FaultInjector(settings);
    expect(await outcomes(faults, expected.length)).toEqual(expected);
    expect(faults.injected).toBe(injected);
  },
);

test.each([
  {
    name: 'resets at 1, before or after by a further draw',
    settings: { resetRate: 1, seed: 3 },
    expected: [
      'reset-before',
      'reset-before',
      'reset-before',
      'reset-before',
      'reset-after',
      'reset-before',
      'reset-before',
      'reset-after',
    ],
  },
  {
    name: 'resets at 0.5 drawn before slow bodies at 1',
    settings: { resetRate: 0.5, slowBodyRate: 1, seed: 3 },
    expected: [
      'slow-body',
      'reset-before',
      'slow-body',
      'reset-before',
      'reset-after',
      'reset-before',
      'slow-body',
      'slow-body',
    ],
  },
  { name: 'nothing when off', settings: {}, expected: [undefined, undefined] },
])('draws pinned transport faults: $name', ({ settings, expected }) => {
  const faults = new FaultInjector(settings);
  expect(expected.map(() => faults.transport())).toEqual(expected);
  expect(faults.injected).toBe(expected.filter((f) => f !== undefined).length);
});

test('tells the slow-body pause apart from the spike', () => {
  expect(new FaultInjector({ spikeMs: 5, slowBodyMs: 7 }).slowBodyMs).toBe(7);
});

describe('rejections', () => {
  const keys = Array.from({ length: 10 }, (_, i) => `cpu{host=h${i}}@${1000 + i}`);

  test.each([
    { name: 'seed 1', seed: 1, expected: [0, 2, 3, 4, 5, 6, 8, 9] },
    { name: 'seed 2', seed: 2, expected: [0, 1, 2, 5, 6, 9] },
  ])('picks the same records for the same keys and $name, counting each', ({ seed, expected }) => {
    const faults = new FaultInjector({ rejectRate: 0.5, seed });
    expect(faults.rejections(keys)).toEqual(expected);
    expect(faults.rejections(keys)).toEqual(expected);
    expect(faults.injected).toBe(2 * expected.length);
  });

  test.each([
    { name: 'rate 0', rate: 0, expected: [] },
    { name: 'rate 1', rate: 1, expected: keys.map((_, i) => i) },
  ])('picks none or all at $name', ({ rate, expected }) => {
    expect(new FaultInjector({ rejectRate: rate }).rejections(keys)).toEqual(expected);
  });
});

describe('stopWaits', () => {
  test('ends the injected latencies under way with its error, and later calls wait again', async () => {
    const faults = new FaultInjector({ latencyMs: 60_000 });
    const waiting = [faults.apply('Query'), faults.apply('WriteRecords')];
    const closing = new StoreError('InternalServerException', 'The embedded store is closing.');
    faults.stopWaits(closing);
    for (const call of waiting) await expect(call).rejects.toBe(closing);
    // A call after it waits its latency again (here ended too, as the next close would).
    const later = faults.apply('Query');
    faults.stopWaits(closing);
    await expect(later).rejects.toBe(closing);
  });

  test('leaves a latency that already ran out alone', async () => {
    const faults = new FaultInjector({ latencyMs: 1 });
    await expect(faults.apply('Query')).resolves.toBeUndefined();
    expect(() => faults.stopWaits(new Error('unused'))).not.toThrow();
  });
});
