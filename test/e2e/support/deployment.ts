// SPDX-License-Identifier: Apache-2.0
// The two deployments the end-to-end flow runs against, started the way a user starts them: the
// CLI in local mode (connector + embedded store in one process), and the packaged Lambda bundle
// behind the local API Gateway adapter, in front of the embedded store run alone.

import { join, resolve } from 'node:path';
import { buildLocal, startNodeFlags } from '../../../scripts/build-local';
import { packageLambda } from '../../../scripts/package-lambda';
import { aws } from './aws-cli';
import { freePort, startChild, waitFor, type Child } from './processes';

const ROOT = resolve(__dirname, '../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
/** The database and table of the deployment guide and of `--local`. */
export const DATABASE = 'PrometheusDatabase';
export const TABLE = 'PrometheusMetricsTable';
/** The API Gateway stage of template.yml's default `APIGatewayStageName`. */
const STAGE = 'dev';
// One SDK retry: injected faults then reach Prometheus as 503s instead of being absorbed by the
// SDK's own retries (default 10), so the failure path proves Prometheus' retries.
const MAX_WRITE_RETRIES = '1';

/** A running deployment: where Prometheus writes and reads, and the store the AWS CLI talks to. */
export interface Deployment {
  readonly writeUrl: string;
  readonly readUrl: string;
  readonly storeEndpoint: string;
  /** The connector's own metrics page, where the deployment has one (the standalone server). */
  readonly metricsUrl?: string;
  /** The process whose output explains a failed request. */
  readonly connector: Child;
}

/**
 * Starts local mode as `npm start` does: the CLI bundled by scripts/build-local.ts (into `dir`,
 * leaving dist/ alone; node_modules is found through NODE_PATH) run by `node` with the start
 * script's flags, on free loopback ports; waits for `/healthz`.
 */
export async function startLocalMode(dir: string): Promise<Deployment> {
  const [webPort, storePort] = [await freePort(), await freePort()];
  const cli = await buildLocal({ rootDir: ROOT, outDir: join(dir, 'local') });
  const connector = startChild({
    name: 'connector (--local)',
    command: process.execPath,
    args: [
      ...startNodeFlags(ROOT),
      cli,
      '--local',
      '--local.data-dir',
      join(dir, 'store'),
      '--web.listen-address',
      `127.0.0.1:${webPort}`,
      '--local.listen-address',
      `127.0.0.1:${storePort}`,
      '--max-write-retries',
      MAX_WRITE_RETRIES,
    ],
    cwd: ROOT,
    env: childEnv({ NODE_PATH: join(ROOT, 'node_modules') }),
    logFile: join(dir, 'connector.log'),
  });
  const url = `http://127.0.0.1:${webPort}`;
  await waitFor(
    'the connector to answer /healthz',
    async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined),
    {
      child: connector,
    },
  );
  return {
    writeUrl: `${url}/write`,
    readUrl: `${url}/read`,
    storeEndpoint: `http://127.0.0.1:${storePort}`,
    metricsUrl: `${url}/metrics`,
    connector,
  };
}

/**
 * Runs the embedded store alone (`local-store`), creates the database and table with the AWS CLI
 * as the deployment guide's prerequisites do, packages the Lambda bundle exactly as
 * `npm run package` does (into `dir`, leaving dist/ alone) and serves it through
 * scripts/local-api-gateway.ts with the Lambda environment variables of template.yml.
 */
export async function startLambdaBundle(dir: string): Promise<Deployment> {
  const [storePort, gatewayPort] = [await freePort(), await freePort()];
  const store = startChild({
    name: 'embedded store (local-store)',
    command: TSX,
    args: [
      'bin/cli.ts',
      'local-store',
      '--local.data-dir',
      join(dir, 'store'),
      '--local.listen-address',
      `127.0.0.1:${storePort}`,
    ],
    cwd: ROOT,
    env: childEnv({}),
    logFile: join(dir, 'store.log'),
  });
  const storeEndpoint = `http://127.0.0.1:${storePort}`;
  const bundle = await packageLambda({
    rootDir: ROOT,
    outDir: join(dir, 'lambda'),
    zipPath: join(dir, 'connector.zip'),
    sourceMapPath: join(dir, 'index.js.map'),
  });
  await waitFor(
    'the embedded store to answer',
    async () => ((await fetch(`${storeEndpoint}/_local/faults`)).ok ? true : undefined),
    {
      child: store,
    },
  );
  await aws(storeEndpoint, ['timestream-write', 'create-database', '--database-name', DATABASE]);
  await aws(storeEndpoint, [
    'timestream-write',
    'create-table',
    '--database-name',
    DATABASE,
    '--table-name',
    TABLE,
    '--retention-properties',
    'MemoryStoreRetentionPeriodInHours=24,MagneticStoreRetentionPeriodInDays=73000',
    '--magnetic-store-write-properties',
    'EnableMagneticStoreWrites=true',
  ]);
  const connector = startChild({
    name: 'local API Gateway + Lambda bundle',
    command: TSX,
    args: [
      'scripts/local-api-gateway.ts',
      '--bundle',
      bundle.bundlePath,
      '--listen',
      `127.0.0.1:${gatewayPort}`,
      '--stage',
      STAGE,
    ],
    cwd: ROOT,
    env: childEnv({
      AWS_REGION: 'us-east-1',
      default_database: DATABASE,
      default_table: TABLE,
      region: 'us-east-1',
      write_base_endpoint: storeEndpoint,
      query_base_endpoint: storeEndpoint,
      max_write_retries: MAX_WRITE_RETRIES,
    }),
    logFile: join(dir, 'lambda.log'),
  });
  const base = `http://127.0.0.1:${gatewayPort}/${STAGE}`;
  await waitFor(
    'the local API Gateway to answer',
    async () => (await fetch(`${base}/write`, { method: 'POST' })).status,
    {
      child: connector,
    },
  );
  return { writeUrl: `${base}/write`, readUrl: `${base}/read`, storeEndpoint, connector };
}

/** Turns the store's fault injection on (`{}` turns it off) through `POST /_local/faults`. */
export async function setFaults(
  storeEndpoint: string,
  faults: { throttleRate?: number; internalErrorRate?: number; latencyMs?: number; seed?: number },
): Promise<void> {
  const response = await fetch(`${storeEndpoint}/_local/faults`, {
    method: 'POST',
    body: JSON.stringify(faults),
  });
  if (!response.ok) throw new Error(`setting faults failed: ${response.status} ${await response.text()}`);
}

// Children get a minimal environment: nothing from the user's AWS configuration leaks in.
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}
