// SPDX-License-Identifier: Apache-2.0
import { spawnSync } from 'node:child_process';
import { DEADLINE_MARGIN_MS, deadlineSignal } from '../../../lambda/core/write-handler';

describe('deadlineSignal', () => {
  afterEach(() => jest.useRealTimers());

  it('takes a listener for each of 100 concurrent calls without a MaxListenersExceededWarning', () => {
    // Node prints the warning from its own process object, which jest's sandbox does not see.
    const script = [
      `const { deadlineSignal } = require(${JSON.stringify(require.resolve('../../../lambda/core/write-handler'))});`,
      'const deadline = deadlineSignal(Date.now() + 60_000, undefined);',
      "for (let i = 0; i < 100; i++) deadline.signal.addEventListener('abort', () => undefined);",
      'setImmediate(() => deadline.dispose());',
    ].join('\n');
    const result = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
      encoding: 'utf8',
    });
    expect([result.status, result.stderr]).toEqual([0, '']);
  });

  it('adds one listener per concurrent request to the shared shutdown signal without a MaxListenersExceededWarning', () => {
    // The standalone server passes one shutdown signal to every request (plus the request's own
    // signal): more than ten requests in flight, as with a resharded Prometheus, must stay quiet.
    const script = [
      `const { deadlineSignal } = require(${JSON.stringify(require.resolve('../../../lambda/core/write-handler'))});`,
      'const shutdown = new AbortController();',
      'const deadlines = [];',
      'for (let i = 0; i < 50; i++) deadlines.push(deadlineSignal(undefined, shutdown.signal, new AbortController().signal));',
      'setImmediate(() => deadlines.forEach((d) => d.dispose()));',
    ].join('\n');
    const result = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
      encoding: 'utf8',
    });
    expect([result.status, result.stderr]).toEqual([0, '']);
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

  it('passes the shutdown signal through when there is no deadline', () => {
    const controller = new AbortController();
    expect(deadlineSignal(undefined, controller.signal).signal).toBe(controller.signal);
  });
});
