// SPDX-License-Identifier: Apache-2.0
// Runs the embedded store in a worker thread, so its HTTP parsing, validation and DuckDB appends
// use a second core instead of competing with the connector for the main event loop. The store
// is the same code as in-process (index.ts); only the handle's calls cross threads.

import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TableSettings } from './catalog';
import { StoreError, STORE_ERROR_STATUS, type StoreErrorType } from './errors';
import type { FaultSettings } from './faults';
import type { StoreMemory } from './engine';
import type { MeteringTotals } from './metering';
import type { ThreadCall, ThreadMessage, ThreadStoreOptions } from './thread-protocol';

export type { ThreadStoreOptions } from './thread-protocol';

/** How long the worker may take to open the store, and to close it. */
export const THREAD_START_TIMEOUT_MS = 60_000;
export const THREAD_CLOSE_TIMEOUT_MS = 30_000;
/**
 * Young-generation size of the worker (MiB). Every WriteRecords body becomes short-lived objects;
 * a larger nursery turns most of them into garbage that dies young and is never copied.
 */
export const THREAD_YOUNG_GENERATION_MB = 64;

/**
 * A store running in a worker thread: LocalStore without the in-process engine. Once the thread
 * has died, its calls reject with why (what onFatal had) and close() resolves at once.
 */
export interface ThreadLocalStore {
  endpoint: string;
  port: number;
  ensureTable(database: string, table: string, settings?: Partial<TableSettings>): Promise<void>;
  metering(): Promise<MeteringTotals>;
  /** Why the store cannot serve until it is restarted (also a thread that died), or undefined. */
  health(): Promise<string | undefined>;
  /** What the store holds in memory (StoreEngine.memory); rejects once the thread has died. */
  memory(): Promise<StoreMemory>;
  setFaults(faults: FaultSettings): Promise<void>;
  /** Stops HTTP, waits for queued writes, closes DuckDB and ends the thread. */
  close(): Promise<void>;
}

/** Extra options of the thread handle. */
export interface ThreadHandleOptions {
  /** Receives the store's request log lines (only forwarded when given). */
  log?: (line: Record<string, unknown>) => void;
  /** Called when the thread dies unexpectedly. @default rethrows, ending the process */
  onFatal?: (error: Error) => void;
}

/**
 * The worker's entry file, without extension, next to this module's: thread-worker.ts beside the
 * sources, thread-worker.js beside the bundle `npm start` runs (scripts/build-local.ts).
 */
export const THREAD_WORKER_NAME = 'thread-worker';

/** Opens the store in `options.dataDir` inside a new worker thread and starts its HTTP server. */
export async function startLocalStoreThread(
  options: ThreadStoreOptions,
  handle: ThreadHandleOptions = {},
): Promise<ThreadLocalStore> {
  const entry = join(__dirname, `${THREAD_WORKER_NAME}${extname(__filename)}`);
  const fromSources = extname(__filename) === '.ts';
  // Running from TypeScript sources (tsx, jest): the worker registers tsx's CommonJS hook first,
  // since loader flags of the main thread do not reach worker threads. Evaluated code resolves
  // packages from the working directory, so tsx is looked up from the entry, as a CLI started
  // from another directory (`tsx /repo/bin/cli.ts`) finds it.
  const entryRequire = `require('node:module').createRequire(${JSON.stringify(entry)})`;
  const worker = new Worker(
    fromSources
      ? `const load = ${entryRequire}; load('tsx/cjs/api').register(); load(${JSON.stringify(entry)});`
      : entry,
    {
      eval: fromSources,
      workerData: { ...options, forwardLogs: handle.log !== undefined } satisfies ThreadStoreOptions,
      resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB },
    },
  );
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let closing = false;
  /** A thread that dies before it is ready only fails the start; after that it is fatal. */
  let started = false;
  /** Why the thread ended, once it has: it answers no call after that, and never exits again. */
  let death: Error | undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const ready = new Promise<{ endpoint: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`embedded store thread not ready within ${THREAD_START_TIMEOUT_MS} ms`));
      void worker.terminate();
    }, THREAD_START_TIMEOUT_MS);
    worker.on('message', (message: ThreadMessage) => {
      if (message.kind === 'ready') {
        clearTimeout(timer);
        started = true;
        resolve(message);
      } else if (message.kind === 'failed') {
        clearTimeout(timer);
        reject(new Error(message.message));
      } else if (message.kind === 'log') {
        handle.log?.(message.line);
      } else if (message.kind === 'warning') {
        // Emitted, not printed: this thread's handler filters, redirects or logs it as its own.
        const { message: text, ...fields } = message.warning;
        process.emit('warning', Object.assign(new Error(text), fields));
      } else {
        const call = pending.get(message.id);
        pending.delete(message.id);
        if (message.error === undefined) call?.resolve(message.value);
        else call?.reject(toError(message.error));
      }
    });
    const fail = (error: Error) => {
      // A thread that dies of an uncaught error emits 'error', then 'exit': one death, told once.
      const first = death === undefined;
      death ??= error;
      clearTimeout(timer);
      reject(error);
      for (const call of pending.values()) call.reject(error);
      pending.clear();
      if (first && started && !closing) (handle.onFatal ?? rethrow)(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`embedded store thread exited with code ${code}`)));
  });
  const { endpoint, port } = await ready;
  const call = (message: CallBody): Promise<unknown> =>
    death !== undefined
      ? Promise.reject(death)
      : new Promise((resolve, reject) => {
          const id = nextId++;
          pending.set(id, { resolve, reject });
          worker.postMessage({ ...message, id });
        });
  let closed: Promise<void> | undefined;
  return {
    endpoint,
    port,
    ensureTable: async (database, table, settings) => {
      await call({ op: 'ensureTable', database, table, settings });
    },
    metering: async () => (await call({ op: 'metering' })) as MeteringTotals,
    health: async () =>
      (await call({ op: 'health' }).catch((error: Error) => error.message)) as string | undefined,
    memory: async () => (await call({ op: 'memory' })) as StoreMemory,
    setFaults: async (faults) => {
      await call({ op: 'setFaults', faults });
    },
    close: () =>
      (closed ??= (async () => {
        // NOTE: a thread that died (onFatal has had why) has nothing left to close; resolving,
        // not rejecting with that error again, keeps close() a plain shutdown step after it.
        if (death !== undefined) return exited;
        closing = true;
        const timer = setTimeout(() => void worker.terminate(), THREAD_CLOSE_TIMEOUT_MS);
        try {
          await call({ op: 'close' });
        } finally {
          await exited;
          clearTimeout(timer);
        }
      })()),
  };
}

/** A ThreadCall without its id (Omit distributed over the union). */
type CallBody = ThreadCall extends infer T ? (T extends ThreadCall ? Omit<T, 'id'> : never) : never;

function toError(error: { type?: string; message: string }): Error {
  return error.type !== undefined && Object.hasOwn(STORE_ERROR_STATUS, error.type)
    ? new StoreError(error.type as StoreErrorType, error.message)
    : new Error(error.message);
}

function rethrow(error: Error): void {
  process.nextTick(() => {
    throw error;
  });
}
