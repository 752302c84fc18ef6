#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// The command line: `timestream-prometheus-connector [flags]` runs the standalone server against
// Amazon Timestream (or any Timestream-API endpoint); `--local` runs it on the embedded store;
// `local-store` runs only the embedded store.

import { readFileSync } from 'node:fs';
import { SNAPPY } from '../lambda/codec/snappy';
import { parseCommandLine } from '../lambda/config/command';
import { ConfigError, type Config, type LocalConfig } from '../lambda/config/load';
import { refusesCredentials } from '../lambda/core/auth';
import { createConnector } from '../lambda/core/connector';
import {
  clientSettingsFrom,
  connectorOptionsFrom,
  logProcessWarnings,
  warnOnSnappyFallback,
} from '../lambda/entrypoints/runtime';
import { startServer } from '../lambda/entrypoints/server';
import { RequestQueue } from '../lambda/entrypoints/request-queue';
import { startLocalStoreThread, type StoreCredential, type ThreadLocalStore } from '../lambda/local-store';
import { createLogger, standardError, type Logger } from '../lambda/observability/logger';
import { createPromMetrics } from '../lambda/observability/metrics';
import { ClientCache } from '../lambda/timestream/clients';
import { CONNECTOR_VERSION } from '../lambda/version';
import { localBanner, storeHint, urlNamedByCertificate } from './banner';
import { LOCAL_TABLE_SETTINGS } from './local-table';
import { checkTlsPair, dataDirFailure, defaultTableFailure, listenFailure } from './startup-errors';

async function main(): Promise<void> {
  const { command, config } = parseCommandLine(process.argv.slice(2), process.env);
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    enabled: config.enableLogging,
    destination: standardError(),
  });
  logProcessWarnings(logger);
  if (command === 'local-store') {
    const store = await openStore(config, logger);
    logger.info(
      { endpoint: store.endpoint, version: CONNECTOR_VERSION },
      'embedded Timestream-compatible store ready',
    );
    process.stdout.write(
      `Embedded Timestream store listening on ${store.endpoint}\n${storeHint(store.endpoint, config)}\n`,
    );
    onSignals(async () => store.close());
    return;
  }

  let store: ThreadLocalStore | undefined;
  if (config.local !== undefined) {
    store = await openStore(config, logger);
    try {
      await store.ensureTable(config.defaultDatabase, config.defaultTable, LOCAL_TABLE_SETTINGS);
    } catch (error) {
      await store.close();
      throw defaultTableFailure(
        (config.local as LocalConfig).dataDir,
        config.defaultDatabase,
        config.defaultTable,
        error,
      );
    }
  }
  const writeQueue = new RequestQueue(config.maxConcurrentWrites, config.writeQueueTimeoutMs);
  // A read waits for its turn until its client gives up on it, as Prometheus' own remote-read
  // server does: unlike a write, a read answered 503 is not resent, so its query would be answered
  // without the connector's data (Prometheus 2.42 answers it 200, with the failure as a warning).
  const readQueue = new RequestQueue(config.maxConcurrentReads);
  const metrics = createPromMetrics(undefined, {
    writeQueue,
    readQueue,
    storeMemory: store === undefined ? undefined : () => store.memory(),
  });
  const clients = new ClientCache(clientSettingsFrom(config, store?.endpoint), logger);
  const shutdownController = new AbortController();
  const connector = createConnector({
    options: connectorOptionsFrom(config),
    clients,
    logger,
    metrics,
    shutdownSignal: shutdownController.signal,
  });
  const tls =
    config.tls === undefined
      ? undefined
      : {
          cert: readOptionFile('--tls-certificate', config.tls.certificateFile),
          key: readOptionFile('--tls-key', config.tls.keyFile),
        };
  if (tls !== undefined) checkTlsPair(tls.cert, tls.key);
  const server = await startServer({
    host: config.listen.host,
    port: config.listen.port,
    tls,
    telemetryPath: config.telemetryPath,
    maxBodyBytes: config.limits.maxBodyBytes,
    handler: connector,
    metrics: async () => ({ contentType: metrics.contentType, body: await metrics.metrics() }),
    logger,
    shutdownController,
    health: store === undefined ? undefined : () => store.health(),
    writeQueue,
    readQueue,
    refusesFromHeaders: (headers) => refusesCredentials(headers, config.enableSigv4Auth),
  }).catch((error: unknown) => {
    throw listenFailure('web.listen-address', config.listen, error);
  });
  logger.info(
    {
      url: server.url,
      database: config.defaultDatabase,
      table: config.defaultTable,
      local: store !== undefined,
      version: CONNECTOR_VERSION,
      snappy: SNAPPY.name,
    },
    'connector listening',
  );
  warnOnSnappyFallback(logger);
  if (store !== undefined) {
    const url = tls === undefined ? server.url : urlNamedByCertificate(server.url, tls.cert);
    process.stdout.write(localBanner(url, store.endpoint, config));
  }
  onSignals(async () => {
    logger.info({}, 'shutting down: finishing in-flight requests');
    await server.close();
    clients.destroy();
    await store?.close();
  });
}

/** Opens the embedded store in its own worker thread, so it does not share the connector's core. */
async function openStore(config: Config, logger: Logger): Promise<ThreadLocalStore> {
  const local = config.local as LocalConfig;
  return startLocalStoreThread(
    {
      dataDir: local.dataDir,
      host: local.listen.host === '' ? '127.0.0.1' : local.listen.host,
      port: local.listen.port,
      region: config.region,
      pageSize: local.pageSize,
      queryTimeoutMs: local.queryTimeoutMs,
      credentials:
        local.credentialsFile === undefined ? undefined : readCredentialsFile(local.credentialsFile),
      faults: {
        latencyMs: local.faultLatencyMs,
        throttleRate: local.faultThrottleRate,
        internalErrorRate: local.faultInternalErrorRate,
        seed: local.faultSeed,
      },
    },
    // Request lines are debug-level: only then are they worth a message across threads.
    { log: config.logLevel === 'debug' ? (line) => logger.debug(line, 'local store') : undefined },
  ).catch((error: unknown) => {
    throw dataDirFailure(listenFailure('local.listen-address', local.listen, error));
  });
}

/** Reads a file an option names; a file that cannot be read is a configuration error naming the option. */
function readOptionFile(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError([`${option}: cannot read ${path} (${code})`]);
  }
}

/**
 * Reads `access-key-id:secret-access-key` lines, a temporary pair's followed by a space and its
 * session token (blank lines and `#` comments ignored). A file without a pair is refused: the
 * store would verify nothing and accept any signature.
 */
function readCredentialsFile(path: string): StoreCredential[] {
  const pairs = readOptionFile('--local.credentials', path)
    .toString('utf8')
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'))
    .map(({ line, number }) => {
      // Keys and tokens never hold whitespace: the one space a line may hold sets its token off.
      // A pair written `AKID : secret` would never match any signature, failing every request with
      // an error that does not point here.
      const fields = line.split(/\s+/);
      if (fields.length > 2)
        throw new ConfigError([
          `--local.credentials: ${path}: an access key id or secret access key holds whitespace (line ${number})`,
        ]);
      const [pair, sessionToken] = fields;
      // Read as a token, `AKID:secret # note` would make the pair refuse every request without it.
      if (sessionToken?.startsWith('#'))
        throw new ConfigError([
          `--local.credentials: ${path}: a comment must be a line of its own; no session token starts with # (line ${number})`,
        ]);
      const colon = pair.indexOf(':');
      // The line's number, never its text: the text may hold a secret key.
      if (colon <= 0 || colon === pair.length - 1)
        throw new ConfigError([
          `--local.credentials: ${path}: every line must be access-key-id:secret-access-key (line ${number} is not)`,
        ]);
      return {
        accessKeyId: pair.slice(0, colon),
        secretAccessKey: pair.slice(colon + 1),
        ...(sessionToken === undefined ? {} : { sessionToken }),
      };
    });
  if (pairs.length === 0)
    throw new ConfigError([
      `--local.credentials: ${path} holds no access-key-id:secret-access-key line, so no signature could be checked`,
    ]);
  return pairs;
}

function onSignals(shutdown: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown after ${signal} failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
