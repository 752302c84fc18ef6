// SPDX-License-Identifier: Apache-2.0
// Bytes written to a server over plain TCP, for what no HTTP client sends (malformed requests,
// plain HTTP to an HTTPS port).

import { connect } from 'node:net';

/** Sends `text` to 127.0.0.1:`port`; resolves with every byte the server answers before it closes. */
export function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}
