// SPDX-License-Identifier: Apache-2.0
import { spawnSync } from 'node:child_process';
import { DEADLINE_MARGIN_MS, deadlineSignal } from '../../../lambda/core/write-handler';

/**
 * Runs `lines` in a child node with `deadlineSignal` in scope and returns its exit status and
 * stderr: Node prints MaxListenersExceededWarning from its own process object, which jest's
 * sandbox does not see.
 */
function runWithDeadlineSignal(lines: string[]): [number | null, string] {
  const script = [
    `const { deadlineSignal } = require(${JSON.stringify(require.resolve('../../../lambda/core/write-handler'))});`,
    ...lines,
  ].join('\n');
  const result = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
    encoding: 'utf8',
  });
  return [result.status, result.stderr];
}

describe('deadlineSignal', () => {
  afterEach(() => jest.useRealTimers());

  it('takes a listener for each of 100 concurrent calls without a MaxListenersExceededWarning', () => {
    const outcome = runWithDeadlineSignal([
      'const deadline = deadlineSignal(Date.now() + 60_000, undefined);',
      "for (let i = 0; i < 100; i++) deadline.signal.addEventListener('abort', () => undefined);",
      'setImmediate(() => deadline.dispose());',
    ]);
    expect(outcome).toEqual([0, '']);
  });

  it('adds one listener per concurrent request to the shared shutdown signal without a MaxListenersExceededWarning', () => {
    // The standalone server passes one shutdown signal to every request (plus the request's own
    // signal): more than ten requests in flight, as with a resharded Prometheus, must stay quiet.
    const outcome = runWithDeadlineSignal([
      'const shutdown = new AbortController();',
      'const deadlines = [];',
      'for (let i = 0; i < 50; i++) deadlines.push(deadlineSignal(undefined, shutdown.signal, new AbortController().signal));',
      'setImmediate(() => deadlines.forEach((d) => d.dispose()));',
    ]);
    expect(outcome).toEqual([0, '']);
  });

  it.each([
    { name: 'the deadline minus the margin passes', shutdown: false, aborted: true },
    { name: 'shutdown begins', shutdown: true, aborted: true },
  ])('aborts when $name', ({ shutdown }) => {
    jest.useFakeTimers({ now: 1_000_000 });
    const controller = new AbortController();
    const deadline = deadlineSignal(1_000_000 + 10_000, controller.signal);
    if (shutdown) controller.abort();
    else {
      jest.advanceTimersByTime(10_000 - DEADLINE_MARGIN_MS - 1);
      expect(deadline.signal?.aborted).toBe(false);
      jest.advanceTimersByTime(1);
    }
    expect(deadline.signal?.aborted).toBe(true);
    deadline.dispose();
  });

  it.each([
    { name: 'the first', which: 0 },
    { name: 'the second', which: 1 },
  ])('aborts without a deadline when $name of two signals (shutdown, client gone) aborts', ({ which }) => {
    const controllers = [new AbortController(), new AbortController()];
    const deadline = deadlineSignal(undefined, controllers[0].signal, controllers[1].signal);
    expect(deadline.signal?.aborted).toBe(false);
    controllers[which].abort();
    expect(deadline.signal?.aborted).toBe(true);
    deadline.dispose();
  });

  it('aborts at once when a signal is already aborted', () => {
    const gone = new AbortController();
    gone.abort();
    const deadline = deadlineSignal(Date.now() + 60_000, new AbortController().signal, gone.signal);
    expect(deadline.signal?.aborted).toBe(true);
    deadline.dispose();
  });

  it('stops listening once disposed', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const controller = new AbortController();
    const deadline = deadlineSignal(1_000_000 + 10_000, controller.signal);
    deadline.dispose();
    controller.abort();
    jest.advanceTimersByTime(10_000);
    expect(deadline.signal?.aborted).toBe(false);
  });

  it('passes the shutdown signal through when there is no deadline', () => {
    const controller = new AbortController();
    expect(deadlineSignal(undefined, controller.signal).signal).toBe(controller.signal);
  });
});
