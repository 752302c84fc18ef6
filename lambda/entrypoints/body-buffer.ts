// SPDX-License-Identifier: Apache-2.0
// A request body collected into one buffer as it arrives, whatever the number of its chunks, and
// read within a byte limit (the connector's server and the embedded store's share it).

import type { IncomingMessage } from 'node:http';

/** The first allocation: one socket read's worth, or less for a smaller declared body. */
const FIRST_BYTES = 64 * 1024;

/**
 * Copies each chunk of a body into one buffer, grown by doubling up to `limitBytes`. Node hands a
 * chunked body to the server a chunk at a time, each a Buffer of its own (some 300 bytes of memory
 * beside its data): kept in a list, a body sent one byte per chunk took some 300 times its size,
 * 1.7 GB for a 4 MB body. Copied here, they are garbage at once; the buffer holds at most twice
 * the bytes received.
 */
export class BodyBuffer {
  private buffer: Buffer;
  private size = 0;

  /** `declaredBytes` (the Content-Length, if any) sizes the first allocation only. */
  constructor(
    private readonly limitBytes: number,
    declaredBytes?: number,
  ) {
    const first = declaredBytes !== undefined && declaredBytes >= 0 ? declaredBytes : FIRST_BYTES;
    this.buffer = Buffer.allocUnsafe(Math.min(first, FIRST_BYTES, limitBytes));
  }

  /** Bytes received so far. */
  get length(): number {
    return this.size;
  }

  /** Appends `chunk`; the caller keeps the total within the limit. */
  append(chunk: Buffer): void {
    const needed = this.size + chunk.length;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(needed, this.buffer.length * 2), this.limitBytes));
      this.buffer.copy(grown, 0, 0, this.size);
      this.buffer = grown;
    }
    chunk.copy(this.buffer, this.size);
    this.size = needed;
  }

  /** The body received, without copying. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.size);
  }
}

/** Whether the request's Content-Length already declares more than `maxBytes`. */
export function declaresMoreThan(req: IncomingMessage, maxBytes: number): boolean {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > maxBytes;
}

/**
 * Reads the request's body into one buffer, or answers 'too-large' as soon as its declared or
 * received length passes `maxBytes`, draining the rest so the connection stays usable.
 */
export function readBodyWithin(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  if (declaresMoreThan(req, maxBytes)) {
    req.resume();
    return Promise.resolve('too-large');
  }
  // Destroyed already (its client gone while the request waited), it emits nothing more: without
  // this the promise never settled, holding the request's turn in the server's queue for good.
  if (req.destroyed) return Promise.reject(new Error('the request was closed before its body was read'));
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    const body = new BodyBuffer(maxBytes, declared === undefined ? undefined : Number(declared));
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      if (body.length + chunk.length > maxBytes) {
        done = true;
        req.resume();
        resolve('too-large');
        return;
      }
      body.append(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(body.bytes());
    });
    req.on('error', (error) => {
      if (!done) reject(error);
      done = true;
    });
    // Closed before its end without an error (destroyed by the server, not by the socket).
    req.on('close', () => {
      if (!done) reject(new Error('the request was closed before its body was read'));
      done = true;
    });
  });
}
