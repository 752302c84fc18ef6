// SPDX-License-Identifier: Apache-2.0
// The messages between the main thread and a store running in a worker thread (thread.ts,
// thread-worker.ts): plain data only, since they cross threads by structured clone.

import type { TableSettings } from './catalog';
import type { FaultSettings } from './faults';
import type { StoreCredential } from './sigv4';

/** Options a worker-thread store accepts: those of startLocalStore that are plain data. */
export interface ThreadStoreOptions {
  dataDir: string;
  host?: string;
  port?: number;
  region?: string;
  pageSize?: number;
  credentials?: StoreCredential[];
  faults?: FaultSettings;
  queryTimeoutMs?: number;
  /** Forward one log line per request to the main thread (costs a message per request). */
  forwardLogs?: boolean;
}

/** A call the main thread makes on the worker's store. */
export type ThreadCall =
  | { id: number; op: 'ensureTable'; database: string; table: string; settings?: Partial<TableSettings> }
  | { id: number; op: 'metering' }
  | { id: number; op: 'health' }
  | { id: number; op: 'memory' }
  | { id: number; op: 'setFaults'; faults: FaultSettings }
  | { id: number; op: 'close' };

/** What the worker posts back. */
export type ThreadMessage =
  | { kind: 'ready'; endpoint: string; port: number }
  | { kind: 'failed'; message: string }
  | { kind: 'reply'; id: number; value?: unknown; error?: { type?: string; message: string } }
  | { kind: 'log'; line: Record<string, unknown> }
  | { kind: 'warning'; warning: ThreadWarning };

/** A process warning raised on the worker thread, for the main thread's handler. */
export interface ThreadWarning {
  name: string;
  message: string;
  code?: string;
  detail?: string;
  stack?: string;
}
