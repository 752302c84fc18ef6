// SPDX-License-Identifier: Apache-2.0
// The store's shutdown over real sockets: answers under way when it starts are delivered whole,
// connections between requests are closed, and nothing new is accepted.

import { Agent, request, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { StoreEngine } from '../../../lambda/local-store/engine';
import { createStoreServer } from '../../../lambda/local-store/server';
import { NOW_MS, startTestStore, WELL_FORMED_AUTH } from './support';

/** Sends a Query call on `agent`; resolves with the answer's head once it arrives. */
function query(endpoint: string, agent: Agent): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${endpoint}/`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'Timestream_20181101.Query',
          'x-amz-date': '20260101T000000Z',
          authorization: WELL_FORMED_AUTH,
        },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(JSON.stringify({ QueryString: 'SELECT 1' }));
  });
}

function bodyOf(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('answer cut short')));
  });
}

/** Whether a new connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('local store shutdown', () => {
  test('delivers an answer still being written whole, then closes its connection', async () => {
    const store = await startTestStore();
    store.setFaults({ slowBodyRate: 1, slowBodyMs: 50 });
    const agent = new Agent({ keepAlive: true });
    try {
      const res = await query(store.endpoint, agent);
      const socketClosed = new Promise<void>((resolve) => res.socket.once('close', () => resolve()));
      // The head is out and the body follows in pieces: the shutdown starts mid-answer.
      const closed = store.close();
      const body = await bodyOf(res);
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(body)).toEqual({
        ColumnInfo: [{ Name: '_col0', Type: { ScalarType: 'INTEGER' } }],
        QueryId: expect.any(String),
        QueryStatus: {
          CumulativeBytesMetered: 10_000_000,
          CumulativeBytesScanned: 0,
          ProgressPercentage: 100,
        },
        Rows: [{ Data: [{ ScalarValue: '1' }] }],
      });
      await socketClosed;
      await closed;
      expect(await refused(store.port)).toBe(true);
    } finally {
      agent.destroy();
      await store.close();
    }
  });

  test('closes a connection kept open between requests and accepts no new one', async () => {
    const store = await startTestStore();
    const agent = new Agent({ keepAlive: true });
    try {
      const res = await query(store.endpoint, agent);
      const socketClosed = new Promise<void>((resolve) => res.socket.once('close', () => resolve()));
      await bodyOf(res);
      expect(res.headers.connection).toBe('keep-alive');
      await store.close();
      await socketClosed;
      expect(await refused(store.port)).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  test('cuts an answer still under way when the grace period runs out', async () => {
    const engine = await StoreEngine.open({ dataDir: ':memory:', region: 'us-east-1', nowMs: () => NOW_MS });
    const { server, close } = createStoreServer(engine, {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    engine.faults.set({ slowBodyRate: 1, slowBodyMs: 1_000 });
    const agent = new Agent({ keepAlive: true });
    try {
      // The head comes with the first of four pieces, a second apart: the shutdown starts mid-answer.
      const res = await query(`http://127.0.0.1:${port}`, agent);
      const body = bodyOf(res);
      await close(50);
      await expect(body).rejects.toThrow('answer cut short');
      expect(await refused(port)).toBe(true);
    } finally {
      agent.destroy();
      await engine.close();
    }
  });
});
