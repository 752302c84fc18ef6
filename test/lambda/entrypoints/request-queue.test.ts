import { RequestQueue, type Admission } from '../../../lambda/entrypoints/request-queue';

/** A turn at once if one is free, else a wait in arrival order: as the server takes one. */
const enter = (queue: RequestQueue, gone?: AbortSignal): Promise<Admission> =>
  queue.tryEnter() ? Promise.resolve('admitted') : queue.wait(gone);

/** Enters `count` requests and records how each wait ended, in the order they ended. */
function enterMany(queue: RequestQueue, count: number, signals: AbortSignal[] = []) {
  const ended: string[] = [];
  const waits = Array.from({ length: count }, (_, i) =>
    enter(queue, signals[i]).then((admission: Admission) => {
      ended.push(`${i}:${admission}`);
      return admission;
    }),
  );
  return { ended, waits };
}

describe('RequestQueue', () => {
  afterEach(() => jest.useRealTimers());

  test('admits up to its limit at once, then one waiter per turn given back, in arrival order', async () => {
    const queue = new RequestQueue(2, 60_000);
    const { ended } = enterMany(queue, 5);
    await Promise.resolve();
    expect(ended).toEqual(['0:admitted', '1:admitted']);
    expect([queue.inFlight, queue.waiting]).toEqual([2, 3]);
    queue.leave();
    await Promise.resolve();
    expect(ended).toEqual(['0:admitted', '1:admitted', '2:admitted']);
    queue.leave();
    queue.leave();
    await Promise.resolve();
    expect(ended).toEqual(['0:admitted', '1:admitted', '2:admitted', '3:admitted', '4:admitted']);
    expect([queue.inFlight, queue.waiting]).toEqual([2, 0]);
  });

  test('a request arriving after the last turn was handed on waits for the next one', async () => {
    const queue = new RequestQueue(1, 60_000);
    const { ended } = enterMany(queue, 2);
    queue.leave(); // admits 1 before anyone new arrives
    const late = enter(queue);
    await Promise.resolve();
    expect(ended).toEqual(['0:admitted', '1:admitted']);
    expect(queue.waiting).toBe(1);
    queue.leave();
    await expect(late).resolves.toBe('admitted');
  });

  test('a waiter times out after maxWaitMs holding no turn, and the next is admitted in its place', async () => {
    jest.useFakeTimers();
    const queue = new RequestQueue(1, 10_000);
    const { ended } = enterMany(queue, 2);
    await Promise.resolve();
    jest.advanceTimersByTime(9_999);
    await Promise.resolve();
    expect(ended).toEqual(['0:admitted']);
    jest.advanceTimersByTime(1);
    await Promise.resolve();
    expect(ended).toEqual(['0:admitted', '1:timed-out']);
    expect([queue.inFlight, queue.waiting]).toEqual([1, 0]);
    const next = enter(queue);
    queue.leave();
    await expect(next).resolves.toBe('admitted');
    expect([queue.inFlight, queue.waiting]).toEqual([1, 0]);
  });

  test('without maxWaitMs a waiter waits for its turn however long it takes', async () => {
    jest.useFakeTimers();
    const queue = new RequestQueue(1);
    const { ended } = enterMany(queue, 2);
    jest.advanceTimersByTime(24 * 3_600_000);
    await Promise.resolve();
    expect(ended).toEqual(['0:admitted']);
    expect([queue.inFlight, queue.waiting, jest.getTimerCount()]).toEqual([1, 1, 0]);
    queue.leave();
    await Promise.resolve();
    expect(ended).toEqual(['0:admitted', '1:admitted']);
  });

  test('a waiter whose client goes leaves the queue at once; one already gone never waits', async () => {
    const queue = new RequestQueue(1, 60_000);
    const gone = new AbortController();
    const { ended } = enterMany(queue, 3, [new AbortController().signal, gone.signal]);
    gone.abort();
    await Promise.resolve();
    expect(ended).toEqual(['0:admitted', '1:gone']);
    expect(queue.waiting).toBe(1);
    await expect(enter(queue, gone.signal)).resolves.toBe('gone');
    queue.leave();
    await Promise.resolve();
    expect(ended).toEqual(['0:admitted', '1:gone', '2:admitted']);
  });

  test('stop answers every waiter stopping and leaves those in flight alone', async () => {
    const queue = new RequestQueue(1, 60_000);
    const { ended } = enterMany(queue, 3);
    queue.stop();
    await Promise.resolve();
    expect(ended).toEqual(['0:admitted', '1:stopping', '2:stopping']);
    expect([queue.inFlight, queue.waiting]).toEqual([1, 0]);
  });

  test('after stop, a request that would wait is answered stopping at once; one with a free turn is admitted', async () => {
    const queue = new RequestQueue(1, 60_000);
    const { ended } = enterMany(queue, 1);
    queue.stop();
    const late = enterMany(queue, 1);
    await Promise.resolve();
    expect([...ended, ...late.ended]).toEqual(['0:admitted', '0:stopping']);
    expect([queue.inFlight, queue.waiting]).toEqual([1, 0]);
    queue.leave();
    await expect(enter(queue)).resolves.toBe('admitted');
  });

  test('limit 0 admits every request at once', async () => {
    const queue = new RequestQueue(0, 1);
    const { ended } = enterMany(queue, 1000);
    await Promise.resolve();
    expect(ended).toHaveLength(1000);
    expect(new Set(ended.map((e) => e.split(':')[1]))).toEqual(new Set(['admitted']));
    expect([queue.inFlight, queue.waiting]).toEqual([1000, 0]);
  });

  test('keeps about twice its waiters in memory, not every request that timed out, while no turn is given back', async () => {
    jest.useFakeTimers();
    const queue = new RequestQueue(1, 10);
    await enter(queue);
    // A batch every 5 ms that times out after 10: 100-200 waiting, never none, 5000 in all.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) void enter(queue);
      jest.advanceTimersByTime(5);
    }
    await Promise.resolve();
    expect(queue.waiting).toBe(100);
    // Internal: the array the waiters live in, swept as they time out.
    expect((queue as unknown as { waiters: unknown[] }).waiters.length).toBeLessThanOrEqual(1024 + 200);
    queue.leave();
    expect([queue.inFlight, queue.waiting]).toEqual([1, 99]);
  });
});
