// SPDX-License-Identifier: Apache-2.0
// Entry of the worker thread that runs the embedded store (see thread.ts): starts it with the
// options from workerData and answers the main thread's calls until it is closed.

import { parentPort, workerData } from 'node:worker_threads';
import { StoreError } from './errors';
import { startLocalStore, type LocalStore } from './index';
import type { ThreadCall, ThreadMessage, ThreadStoreOptions } from './thread-protocol';

const port = parentPort!;
const options = workerData as ThreadStoreOptions;
const post = (message: ThreadMessage) => port.postMessage(message);

// NOTE: this thread has Node's warning printer of its own, which printed the store's warnings as
// plain lines among the log lines; the main thread's handler (logProcessWarnings) takes them as
// it takes its own. No printer: warnings are off (--no-warnings), and none is sent either.
if (process.listenerCount('warning') > 0) {
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: unknown; detail?: unknown }) => {
    // As Node's printer: `process.emit('warning', x)` with something not an Error is no warning;
    // taken apart, a string or a number was logged as an empty line (and null ended the thread).
    if (!(warning instanceof Error)) return;
    const { name, message, stack } = warning;
    const code = typeof warning.code === 'string' ? warning.code : undefined;
    const detail = typeof warning.detail === 'string' ? warning.detail : undefined;
    post({ kind: 'warning', warning: { name, message, code, detail, stack } });
  });
}

startLocalStore({
  ...options,
  log: options.forwardLogs ? (line) => post({ kind: 'log', line }) : undefined,
}).then(
  (store) => {
    port.on('message', (call: ThreadCall) => void answer(store, call));
    post({ kind: 'ready', endpoint: store.endpoint, port: store.port });
  },
  (error: unknown) => post({ kind: 'failed', message: (error as Error).message }),
);

async function answer(store: LocalStore, call: ThreadCall): Promise<void> {
  try {
    let value: unknown;
    if (call.op === 'ensureTable') await store.ensureTable(call.database, call.table, call.settings);
    else if (call.op === 'metering') value = store.metering();
    else if (call.op === 'health') value = store.health();
    else if (call.op === 'memory') value = await store.memory();
    else if (call.op === 'setFaults') store.setFaults(call.faults);
    else await store.close();
    post({ kind: 'reply', id: call.id, value });
    if (call.op === 'close') port.close();
  } catch (error) {
    const type = error instanceof StoreError ? error.type : undefined;
    post({ kind: 'reply', id: call.id, error: { type, message: (error as Error).message } });
  }
}
