// SPDX-License-Identifier: Apache-2.0
// A Timestream Write stand-in for latency figures: answers every WriteRecords call with 200 after
// a fixed delay and does no other work, so a figure measures the connector's overlap of calls
// rather than the embedded store's own processing, which shares this machine's cores.

import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TSX_ARGS } from './tsx-child';

/** A running stand-in. */
export interface LatencyStub {
  endpoint: string;
  /** WriteRecords calls answered so far. */
  calls(): number;
  close(): Promise<void>;
}

/** The answer to every call: what Timestream answers a WriteRecords call with. */
const ANSWER = '{"RecordsIngested":{"Total":1,"MemoryStore":1,"MagneticStore":0}}';

/** Starts the stand-in on 127.0.0.1 with `latencyMs` per call (0: answered at once). */
export async function startLatencyStub(latencyMs: number): Promise<LatencyStub> {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': ANSWER.length });
        res.end(ANSWER);
      };
      // A zero-delay timer still waits for the next timers phase (at least 1 ms in Node).
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls: () => calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Runs the stand-in in a child process (`node` with tsx), so its work does not share the event
 * loop of the connector being measured; resolves once it listens.
 */
export async function spawnLatencyStub(
  latencyMs: number,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, [...TSX_ARGS, __filename, String(latencyMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`latency stub exited with ${code}`)));
  });
  return {
    endpoint,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

if (require.main === module) {
  void startLatencyStub(Number(process.argv[2])).then((stub) => process.stdout.write(`${stub.endpoint}\n`));
}
