// SPDX-License-Identifier: Apache-2.0
// The AWS Lambda entry point (handler `index.handler` in the bundle). Configuration, logger,
// metrics and SDK clients live at module scope: a bad setting fails the cold start once, and a
// warm container reuses clients and keep-alive sockets across invocations.

import { SNAPPY } from '../codec/snappy';
import { loadConfig } from '../config/load';
import { createConnector } from '../core/connector';
import { createLogger } from '../observability/logger';
import { createEmfMetrics } from '../observability/metrics';
import { ClientCache } from '../timestream/clients';
import { CONNECTOR_VERSION } from '../version';
import { createLambdaHandler, type LambdaHandler } from './lambda-adapter';
import { clientSettingsFrom, connectorOptionsFrom, warnOnSnappyFallback } from './runtime';

function build(): LambdaHandler {
  const config = loadConfig({ env: process.env, mode: 'lambda' });
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    enabled: config.enableLogging,
  });
  const metrics = createEmfMetrics();
  const clients = new ClientCache(clientSettingsFrom(config), logger);
  const connector = createConnector({ options: connectorOptionsFrom(config), clients, logger, metrics });
  logger.info(
    {
      database: config.defaultDatabase,
      table: config.defaultTable,
      region: config.region,
      sigv4: config.enableSigv4Auth,
      version: CONNECTOR_VERSION,
      snappy: SNAPPY.name,
    },
    'connector ready',
  );
  warnOnSnappyFallback(logger);
  return createLambdaHandler(connector, () => metrics.flush(), {
    maxBodyBytes: config.limits.maxBodyBytes,
  });
}

/** The Lambda handler for API Gateway HTTP API (payload 2.0) and REST API (1.0) proxy events. */
export const handler: LambdaHandler = build();
