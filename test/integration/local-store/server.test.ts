// SPDX-License-Identifier: Apache-2.0
// The store's HTTP connections: an idle kept-alive connection outlives a sender's usual pauses.

import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalStore } from '../../../lambda/local-store';
import { startTestStore, WELL_FORMED_AUTH } from './support';

let store: LocalStore;
beforeAll(async () => {
  store = await startTestStore();
});
afterAll(() => store.close());

/** Sends DescribeEndpoints through `agent`; resolves with its status and whether it reused a socket. */
function describeEndpoints(agent: Agent): Promise<{ status: number | undefined; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${store.endpoint}/`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'Timestream_20181101.DescribeEndpoints',
          'x-amz-date': '20260101T000000Z',
          authorization: WELL_FORMED_AUTH,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, reusedSocket: req.reusedSocket }));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

test('keeps an idle connection open past the 5 s Prometheus waits between sends, so the next call reuses it', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    expect(await describeEndpoints(agent)).toEqual({ status: 200, reusedSocket: false });
    await sleep(6_500);
    expect(await describeEndpoints(agent)).toEqual({ status: 200, reusedSocket: true });
  } finally {
    agent.destroy();
  }
}, 20_000);
