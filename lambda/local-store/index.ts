// SPDX-License-Identifier: Apache-2.0
// Public entry of the embedded Timestream-compatible store: opens the DuckDB-backed engine and
// serves it over HTTP for the AWS SDKs and CLI. See /tmp/readme-fragments/local-store.md.

import type { AddressInfo } from 'node:net';
import { urlHostFor } from '../config/parsers';
import type { TableSettings } from './catalog';
import { StoreEngine, type StoreMemory } from './engine';
import type { FaultSettings } from './faults';
import type { MeteringTotals } from './metering';
import { createStoreServer } from './server';
import type { StoreCredential } from './sigv4';

export type { TableSettings } from './catalog';
export type { FaultSettings } from './faults';
export type { MeteringTotals } from './metering';
export type { StoreCredential } from './sigv4';
export { StoreEngine, type StoreMemory } from './engine';
export { startLocalStoreThread, type ThreadLocalStore, type ThreadStoreOptions } from './thread';

/** Default port of the store's HTTP server (SPEC 6). */
export const DEFAULT_LOCAL_STORE_PORT = 9202;

/** Options of startLocalStore. */
export interface LocalStoreOptions {
  /** Directory holding `store.duckdb` (created if missing), or `:memory:` for tests. */
  dataDir: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 9202 */
  port?: number;
  /** Region used in ARNs. @default 'us-east-1' */
  region?: string;
  /** Most rows per Query page when the caller sends no smaller MaxRows; pages also end before 1 MB. @default no cap */
  pageSize?: number;
  /** Key pairs for strict SigV4 verification; absent = accept any well-formed signature. */
  credentials?: StoreCredential[];
  faults?: FaultSettings;
  /** Receives one structured line per request. */
  log?: (line: Record<string, unknown>) => void;
  /** Clock in epoch milliseconds (tests). @default Date.now */
  nowMs?: () => number;
  /** Milliseconds a query may run (tests set a small one). @default QUERY_TIMEOUT_MS */
  queryTimeoutMs?: number;
}

/** A running store. */
export interface LocalStore {
  /** `http://<host>:<port>`, for the SDK `endpoint` option and `--endpoint-url`. */
  endpoint: string;
  port: number;
  /** The engine, for in-process calls (`engine.handle(operation, body)`). */
  engine: StoreEngine;
  /** Creates the database and table if missing; settings apply only to a new table. */
  ensureTable(database: string, table: string, settings?: Partial<TableSettings>): Promise<void>;
  /** Returns the running write-metering totals. */
  metering(): MeteringTotals;
  /** Why the store cannot serve until it is restarted, or undefined (StoreEngine.health). */
  health(): string | undefined;
  /** What the store holds in memory (StoreEngine.memory). */
  memory(): Promise<StoreMemory>;
  /** Replaces the fault settings (absent fields = off) and reseeds. */
  setFaults(faults: FaultSettings): void;
  /** Stops HTTP, waits for queued writes and closes DuckDB cleanly. */
  close(): Promise<void>;
}

/** Opens the store in `dataDir` and starts its HTTP server. */
export async function startLocalStore(options: LocalStoreOptions): Promise<LocalStore> {
  const engine = await StoreEngine.open({
    dataDir: options.dataDir,
    region: options.region,
    pageSize: options.pageSize,
    faults: options.faults,
    nowMs: options.nowMs,
    queryTimeoutMs: options.queryTimeoutMs,
  });
  const host = options.host ?? '127.0.0.1';
  const { server, close: closeServer } = createStoreServer(engine, {
    credentials: options.credentials,
    log: options.log,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_LOCAL_STORE_PORT, host, () => resolve());
    });
  } catch (error) {
    await engine.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  // The SDK clients, the printed AWS CLI commands and DescribeEndpoints get an address a client
  // can connect to, as the connector's own URL does.
  const address = `${urlHostFor(host)}:${port}`;
  engine.endpointAddress = address;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${address}`,
    port,
    engine,
    ensureTable: (database, table, settings) => engine.ensureTable(database, table, settings),
    metering: () => engine.metering(),
    health: () => engine.health(),
    memory: () => engine.memory(),
    setFaults: (faults) => engine.faults.set(faults),
    close: () =>
      (closing ??= (async () => {
        await closeServer();
        await engine.close();
      })()),
  };
}
