// SPDX-License-Identifier: Apache-2.0
import { request } from 'node:http';
import { startLatencyStub, type LatencyStub } from '../../../bench/latency-stub';

/** Posts a body to the stand-in with node:http (fetch's own timers would be faked too). */
function post(endpoint: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint}/`, { method: 'POST', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end('{"DatabaseName":"d","TableName":"t","Records":[]}');
  });
}

describe('the Timestream stand-in of the latency figures', () => {
  let stub: LatencyStub | undefined;
  afterEach(async () => {
    jest.useRealTimers();
    await stub?.close();
    stub = undefined;
  });

  // Only setTimeout is faked: an answer that needs a timer never comes until the test advances it.
  const fakeSetTimeoutOnly = () =>
    jest.useFakeTimers({
      doNotFake: [
        'nextTick',
        'setImmediate',
        'setInterval',
        'clearInterval',
        'queueMicrotask',
        'Date',
        'hrtime',
        'performance',
      ],
    });

  test('with no latency answers every call at once, without waiting for a timer', async () => {
    stub = await startLatencyStub(0);
    fakeSetTimeoutOnly();
    const answers = await Promise.all([post(stub.endpoint), post(stub.endpoint)]);
    expect(answers).toEqual([
      {
        status: 200,
        type: 'application/x-amz-json-1.0',
        body: '{"RecordsIngested":{"Total":1,"MemoryStore":1,"MagneticStore":0}}',
      },
      {
        status: 200,
        type: 'application/x-amz-json-1.0',
        body: '{"RecordsIngested":{"Total":1,"MemoryStore":1,"MagneticStore":0}}',
      },
    ]);
    expect(stub.calls()).toBe(2);
  });

  test('with a latency answers only once that much time has passed', async () => {
    stub = await startLatencyStub(25);
    fakeSetTimeoutOnly();
    let answered = false;
    const answer = post(stub.endpoint).then((a) => {
      answered = true;
      return a;
    });
    while (stub.calls() === 0) await new Promise((resolve) => setImmediate(resolve));
    await jest.advanceTimersByTimeAsync(24);
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect((await answer).status).toBe(200);
  });
});
