// SPDX-License-Identifier: Apache-2.0
// SIGTERM and SIGINT of the real CLI (`node --import tsx bin/cli.ts --local`), fast and without
// waiting on a clock: a write whose headers the server took (it answered `100 Continue`) when the
// signal came is answered once its body arrives and its connection closed, a second signal during
// the drain starts no second shutdown, and the process exits 0.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyCompress } from '../../../lambda/codec/snappy';
import { encodeWriteRequest } from '../../../lambda/prompb/codec';
import { probeRequest } from '../../reliability/probe';
import { BASIC_AUTH } from '../../support/harness';

const ROOT = join(__dirname, '..', '..', '..');
// Node with tsx's loader, not the tsx command: tsx passes a signal on to its child and kills it
// (SIGKILL) unless the child says within 30 ms that it got it, which a loaded machine can miss.
const WITH_TSX = ['--import', 'tsx'];

// Each case starts a tsx process (~1-2 s).
jest.setTimeout(30_000);

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cli-signals-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

test.each(['SIGTERM', 'SIGINT'] as const)(
  '%s answers the write in flight, ignores a second one and exits 0',
  async (signal) => {
    const child = spawn(
      process.execPath,
      [
        ...WITH_TSX,
        'bin/cli.ts',
        '--local',
        '--local.data-dir',
        dataDir,
        '--local.listen-address',
        '127.0.0.1:0',
        '--web.listen-address',
        '127.0.0.1:0',
        '--log.format',
        'json',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // 'close', not 'exit': every line it wrote has been read by then.
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('close', (code, killedBy) => resolve([code, killedBy])),
    );
    let logs = '';
    let printed = '';
    let more = () => {};
    // Log lines go to standard error (as the reference connector's do); the banner to standard output.
    child.stderr.on('data', (chunk: Buffer) => {
      logs += chunk.toString();
      more();
    });
    child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    /** The first JSON log line whose msg is `msg`, once it is whole. */
    const logged = async (msg: string): Promise<Record<string, unknown>> => {
      for (;;) {
        const found = logs
          .split('\n')
          .slice(0, -1)
          .find((line) => line.includes(`"msg":"${msg}"`));
        if (found !== undefined) return JSON.parse(found) as Record<string, unknown>;
        const [code] = await Promise.race([exited, new Promise<[]>((resolve) => (more = () => resolve([])))]);
        if (code !== undefined) throw new Error(`exited ${code} before "${msg}": ${logs}${printed}`);
      }
    };
    try {
      const { url } = (await logged('connector listening')) as { url: string };
      const body = snappyCompress(encodeWriteRequest(probeRequest(`signal-${signal}`, 2, 5)));
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const continued = new Promise<void>((resolve) =>
        socket.on('data', () => received.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && resolve()),
      );
      socket.write(
        [
          'POST /write HTTP/1.1',
          'Host: 127.0.0.1',
          'Content-Encoding: snappy',
          'Content-Type: application/x-protobuf',
          `Authorization: ${BASIC_AUTH}`,
          `Content-Length: ${body.length}`,
          'Expect: 100-continue',
          '',
          '',
        ].join('\r\n'),
      );
      // The server answers 100 Continue as it takes the request in: it is in flight from then on.
      await continued;
      child.kill(signal);
      const SHUTDOWN = 'shutting down: finishing in-flight requests';
      await logged(SHUTDOWN);
      // Pressed twice, as Ctrl-C often is: the shutdown under way goes on alone.
      child.kill(signal);
      socket.write(body);
      await closed;
      expect(received).toMatch(
        /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 204 No Content\r\n(?:[^\r]*\r\n)*?connection: close\r\n/im,
      );
      expect(received).toMatch(/\r\nx-prometheus-remote-write-samples-written: 10\r\n/i);
      expect(await exited).toEqual([0, null]);
      expect(logs.split('\n').filter((line) => line.includes(`"msg":"${SHUTDOWN}"`))).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  },
);
