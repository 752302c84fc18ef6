// SPDX-License-Identifier: Apache-2.0
// The one table of options (STYLE 6.4): flag, Lambda environment variable, default, parser and help.
// The CLI, loadConfig, the README table and the deployment templates all derive from it.

import {
  awsRegion,
  bool,
  bytes,
  bytesOrUnlimited,
  durationMs,
  httpUrl,
  listenAddress,
  nonNegativeInt,
  oneOf,
  positiveInt,
  rate,
  text,
  timestreamName,
  telemetryPath,
  waitMs,
  type ListenAddress,
  type Parser,
} from './parsers';
import { FULL_REQUEST_LIMITS_MEMORY_MB } from './function-memory';

/**
 * Where an option applies: `both` = standalone server and Lambda (flag and env), `server` = flag only,
 * `local` = flag only and only with `--local` or the `local-store` command.
 */
export type SettingScope = 'both' | 'server' | 'local';

/** One option: its spellings, default, parser and help text. */
export interface Setting<K extends string = string, T = unknown, D extends T | undefined = T | undefined> {
  /** Name of the option in the flat SettingValues (camelCase). */
  readonly key: K;
  /** Command-line flag without the leading `--`, spelled as the reference connector spells it. */
  readonly flag: string;
  /** Environment variable (snake_case) read on Lambda and, for containers, by the server. */
  readonly env?: string;
  /** Further environment variables consulted, in order, when neither flag nor `env` is set. */
  readonly envFallback?: readonly string[];
  /**
   * An earlier spelling of the option in the reference connector, still accepted so its configs keep
   * working: the flag after `flag`, the variable after `env`. Given together with the current
   * spelling at the same level (two flags, or two variables) and a different value, it is a problem.
   */
  readonly former?: { readonly flag: string; readonly env: string };
  /** Default value; `undefined` means "unset" (or "required" when `required` is set). */
  readonly default: D;
  /** Defaults that replace `default` on Lambda or in local mode (local wins over lambda). */
  readonly modeDefaults?: { readonly lambda?: T; readonly local?: T };
  /**
   * A per-request limit whose Lambda default shrinks with the function's memory (lambdaRequestLimit):
   * a request within the whole default needs more than 1 GB, an out-of-memory kill on a smaller
   * function, which API Gateway answers 502 and Prometheus resends forever.
   */
  readonly scalesWithLambdaMemory?: boolean;
  /** Set for options that have no usable default outside local mode. */
  readonly required?: boolean;
  /** What an unset optional option means, for help and docs (e.g. "SDK default"). */
  readonly unsetMeans?: string;
  readonly parser: Parser<T>;
  readonly help: string;
  readonly scope: SettingScope;
}

type ParsedBy<P> = P extends Parser<infer T> ? T : never;

// NOTE: the value type comes from the parser alone, so a default cannot widen an enum to string.
function setting<K extends string, P extends Parser<unknown>, D extends ParsedBy<P> | undefined>(
  s: Setting<K, ParsedBy<P>, D> & { readonly parser: P },
): Setting<K, ParsedBy<P>, D> {
  return s;
}

const MiB = 1024 * 1024;

/** What the help of a setting that scalesWithLambdaMemory adds. */
const SCALED_ON_LAMBDA = ` On Lambda a function under ${FULL_REQUEST_LIMITS_MEMORY_MB} MB gets memory/${FULL_REQUEST_LIMITS_MEMORY_MB} of this default.`;

/** Local-mode database and table names, as the templates create them. */
export const LOCAL_DEFAULT_DATABASE = 'PrometheusDatabase';
export const LOCAL_DEFAULT_TABLE = 'PrometheusMetricsTable';

/**
 * Largest remote-read response body on Lambda. Lambda caps a synchronous response at 6 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html) and a binary body is
 * base64-encoded in it (4/3 growth): 4 MiB becomes 5,592,408 characters, leaving ~400 KB below
 * 6,000,000 bytes for the JSON envelope and headers, whichever way "6 MB" is counted.
 */
export const LAMBDA_MAX_RESPONSE_BYTES = 4 * MiB;

/** The flags that give a setting: its own, then its former spelling's (without the leading `--`). */
export function flagNames(s: Setting): readonly string[] {
  return s.former === undefined ? [s.flag] : [s.flag, s.former.flag];
}

/** Every option of the connector and the embedded store, in the order `--help` and the README list them. */
export const SETTINGS = [
  setting({
    key: 'defaultDatabase',
    flag: 'default-database',
    env: 'default_database',
    default: undefined,
    modeDefaults: { local: LOCAL_DEFAULT_DATABASE },
    required: true,
    parser: timestreamName,
    help: 'Timestream database that samples are written to and read from.',
    scope: 'both',
  }),
  setting({
    key: 'defaultTable',
    flag: 'default-table',
    env: 'default_table',
    default: undefined,
    modeDefaults: { local: LOCAL_DEFAULT_TABLE },
    required: true,
    parser: timestreamName,
    help: 'Timestream table that samples are written to and read from.',
    scope: 'both',
  }),
  setting({
    key: 'region',
    flag: 'region',
    env: 'region',
    envFallback: ['AWS_REGION'],
    default: 'us-east-1',
    parser: awsRegion,
    help: 'AWS region of the Timestream database.',
    scope: 'both',
  }),
  setting({
    key: 'webListenAddress',
    flag: 'web.listen-address',
    default: { host: '', port: 9201 } as ListenAddress,
    parser: listenAddress,
    help: 'Address the standalone server listens on.',
    scope: 'server',
  }),
  setting({
    key: 'webTelemetryPath',
    flag: 'web.telemetry-path',
    default: '/metrics',
    parser: telemetryPath,
    help: "Path of the connector's own Prometheus metrics.",
    scope: 'server',
  }),
  setting({
    key: 'tlsCertificate',
    unsetMeans: 'none (plain HTTP)',
    flag: 'tls-certificate',
    default: undefined,
    parser: text,
    help: 'PEM certificate file; with --tls-key the server speaks HTTPS.',
    scope: 'server',
  }),
  setting({
    key: 'tlsKey',
    unsetMeans: 'none',
    flag: 'tls-key',
    default: undefined,
    parser: text,
    help: 'PEM private key file for --tls-certificate.',
    scope: 'server',
  }),
  setting({
    key: 'enableLogging',
    flag: 'enable-logging',
    env: 'enable_logging',
    default: true,
    parser: bool,
    help: 'Log requests and events; when false only errors are logged.',
    scope: 'both',
  }),
  setting({
    key: 'logLevel',
    flag: 'log.level',
    env: 'log_level',
    default: 'info',
    parser: oneOf(['debug', 'info', 'warn', 'error']),
    help: 'Lowest level that is logged.',
    scope: 'both',
  }),
  setting({
    key: 'logFormat',
    flag: 'log.format',
    env: 'log_format',
    default: 'logfmt',
    modeDefaults: { lambda: 'json' },
    parser: oneOf(['logfmt', 'json']),
    help: 'Log line format.',
    scope: 'both',
  }),
  setting({
    key: 'maxReadRetries',
    flag: 'max-read-retries',
    env: 'max_read_retries',
    // The reference's README and releases up to 1.2 name it max-retries ("the maximum number of
    // times the read request will be retried"); its main.go later split it into read and write.
    former: { flag: 'max-retries', env: 'max_retries' },
    default: 3,
    parser: nonNegativeInt,
    help: "SDK retries of a failed Timestream Query call before answering 503; with the connector's own first attempt before the SDK's, a call makes at most this many + 2 attempts.",
    scope: 'both',
  }),
  setting({
    key: 'maxWriteRetries',
    flag: 'max-write-retries',
    env: 'max_write_retries',
    default: 10,
    parser: nonNegativeInt,
    help: "SDK retries of a failed WriteRecords call before answering 503; with the connector's own first attempt before the SDK's, a call makes at most this many + 2 attempts.",
    scope: 'both',
  }),
  setting({
    key: 'failOnLongLabel',
    flag: 'fail-on-long-label',
    env: 'fail_on_long_label',
    default: false,
    parser: bool,
    help: 'Fail the whole write with 400 when a series exceeds a Timestream name or size limit, instead of rejecting that series.',
    scope: 'both',
  }),
  setting({
    key: 'failOnInvalidSampleValue',
    flag: 'fail-on-invalid-sample-value',
    env: 'fail_on_invalid_sample_value',
    default: false,
    parser: bool,
    help: 'Fail the whole write with 400 on a NaN or infinite sample, instead of skipping it.',
    scope: 'both',
  }),
  setting({
    key: 'enableSigv4Auth',
    flag: 'enable-sigv4-auth',
    env: 'enable_sigv4_auth',
    default: false,
    parser: bool,
    help: "Ignore basic auth and use the connector's own AWS credentials (API Gateway authorises callers with IAM).",
    scope: 'both',
  }),
  setting({
    key: 'queryBaseEndpoint',
    unsetMeans: 'SDK default',
    flag: 'query-base-endpoint',
    env: 'query_base_endpoint',
    default: undefined,
    parser: httpUrl,
    help: 'Timestream Query endpoint instead of the SDK default (also disables endpoint discovery).',
    scope: 'both',
  }),
  setting({
    key: 'writeBaseEndpoint',
    unsetMeans: 'SDK default',
    flag: 'write-base-endpoint',
    env: 'write_base_endpoint',
    default: undefined,
    parser: httpUrl,
    help: 'Timestream Write endpoint instead of the SDK default (also disables endpoint discovery).',
    scope: 'both',
  }),
  setting({
    key: 'writeConcurrency',
    flag: 'write-concurrency',
    env: 'write_concurrency',
    // Covers every call of a 2000-sample request in one wave: the batch planner makes ~70-80 calls
    // for 2000 samples (CALL_PENALTY_UNITS), and a second wave doubles the latency (npm run bench,
    // figure 3). Sockets are opened on demand and capped by maxSockets (entrypoints/runtime.ts).
    default: 100,
    parser: positiveInt,
    help: 'WriteRecords calls in flight at once per remote-write request.',
    scope: 'both',
  }),
  setting({
    key: 'webMaxConcurrentWrites',
    flag: 'web.max-concurrent-writes',
    // Enough for every socket of a client (maxSockets, entrypoints/runtime.ts) to be busy with
    // small requests; 500 senders of 2000-sample requests peaked at 0.58 GB of RSS with it, 1.1 GB
    // without (2026-12-07, same series from every sender).
    default: 64,
    parser: nonNegativeInt,
    help: 'Remote-write requests handled at once; later ones wait their turn in arrival order. 0 = no limit.',
    scope: 'server',
  }),
  setting({
    key: 'webWriteQueueTimeoutMs',
    flag: 'web.write-queue-timeout',
    // Well inside Prometheus' 30 s remote_timeout, so a request that waited its longest still has
    // time to be written before its sender gives up on it.
    default: 10_000,
    parser: durationMs,
    help: 'Longest a remote-write request waits for its turn (--web.max-concurrent-writes); then it is answered 503 with Retry-After.',
    scope: 'server',
  }),
  setting({
    key: 'webMaxConcurrentReads',
    flag: 'web.max-concurrent-reads',
    // Prometheus' own remote-read server's bound (--storage.remote.read-concurrent-limit). Wide reads
    // are bound by CPU, so more at once only finish later together, holding memory. In local mode
    // the embedded store shares the machine's cores: 10 wide reads at once (1000 series x 1 h) took
    // a median 11.7 s each at a limit of 2 and 20.4 s at 10, peaking at 527 and 1067 MiB (2026-12-07,
    // a busy 2-core machine, before the store streamed its results; bench/NOTES.md).
    default: 10,
    modeDefaults: { local: 2 },
    parser: nonNegativeInt,
    help: 'Remote-read requests handled at once; later ones wait their turn in arrival order until their client gives up. 0 = no limit.',
    scope: 'server',
  }),
  setting({
    key: 'readConcurrency',
    flag: 'read-concurrency',
    env: 'read_concurrency',
    default: 8,
    parser: positiveInt,
    help: 'Queries of one remote-read request run at once.',
    scope: 'both',
  }),
  setting({
    key: 'writeTimeoutMs',
    flag: 'write-timeout',
    env: 'write_timeout',
    default: 10_000,
    parser: durationMs,
    help: 'Timeout of one WriteRecords attempt.',
    scope: 'both',
  }),
  setting({
    key: 'readTimeoutMs',
    flag: 'read-timeout',
    env: 'read_timeout',
    default: 20_000,
    parser: durationMs,
    help: 'Timeout of one Query page attempt.',
    scope: 'both',
  }),
  setting({
    key: 'maxBodyBytes',
    flag: 'max-body-bytes',
    env: 'max_body_bytes',
    default: 32 * MiB,
    parser: bytes,
    help: 'Largest request body as received (snappy-compressed); larger gets 413.',
    scope: 'both',
  }),
  setting({
    key: 'maxDecodedBytes',
    flag: 'max-decoded-bytes',
    env: 'max_decoded_bytes',
    default: 64 * MiB,
    parser: bytes,
    help:
      "Largest decompressed body, checked against snappy's declared length before decompressing; larger gets 413." +
      SCALED_ON_LAMBDA,
    scalesWithLambdaMemory: true,
    scope: 'both',
  }),
  setting({
    key: 'maxSeriesPerRequest',
    flag: 'max-series-per-request',
    env: 'max_series_per_request',
    default: 100_000,
    parser: positiveInt,
    help: 'Most series in one write request or one read response; more gets 413.' + SCALED_ON_LAMBDA,
    scalesWithLambdaMemory: true,
    scope: 'both',
  }),
  setting({
    key: 'maxSamplesPerRequest',
    flag: 'max-samples-per-request',
    env: 'max_samples_per_request',
    default: 1_000_000,
    parser: positiveInt,
    help: 'Most samples in one write request or one read response; more gets 413.' + SCALED_ON_LAMBDA,
    scalesWithLambdaMemory: true,
    scope: 'both',
  }),
  setting({
    key: 'maxLabelsPerSeries',
    flag: 'max-labels-per-series',
    env: 'max_labels_per_series',
    default: 512,
    parser: positiveInt,
    help: 'Most labels of one series in a request (a decoding guard, above the 128 dimensions Timestream takes); more gets 413.',
    scope: 'both',
  }),
  setting({
    key: 'maxResponseBytes',
    flag: 'max-response-bytes',
    env: 'max_response_bytes',
    default: 0,
    modeDefaults: { lambda: LAMBDA_MAX_RESPONSE_BYTES },
    parser: bytesOrUnlimited,
    help: 'Largest remote-read response body; larger gets 413 asking for a narrower range. 0 = unlimited.',
    scope: 'both',
  }),
  setting({
    key: 'local',
    flag: 'local',
    default: false,
    parser: bool,
    help: 'Run against the embedded Timestream-compatible store instead of AWS.',
    scope: 'local',
  }),
  setting({
    key: 'localDataDir',
    flag: 'local.data-dir',
    default: './data',
    parser: text,
    help: 'Directory of the embedded store (DuckDB files).',
    scope: 'local',
  }),
  setting({
    key: 'localListenAddress',
    flag: 'local.listen-address',
    default: { host: '127.0.0.1', port: 9202 } as ListenAddress,
    parser: listenAddress,
    help: 'Address the embedded store serves the Timestream API on.',
    scope: 'local',
  }),
  setting({
    key: 'localPageSize',
    unsetMeans: 'no row cap',
    flag: 'local.page-size',
    default: undefined,
    parser: positiveInt,
    help: 'Most rows per Query result page when the client sends no smaller MaxRows (to exercise paging); pages also end before 1 MB, as Timestream pages do.',
    scope: 'local',
  }),
  setting({
    key: 'localQueryTimeoutMs',
    flag: 'local.query-timeout',
    default: 60_000,
    parser: durationMs,
    help: "Longest a Query may run in the embedded store; past it the query is stopped and refused with QueryExecutionException (Timestream's Query times out after 60 s).",
    scope: 'local',
  }),
  setting({
    key: 'localCredentials',
    unsetMeans: 'none (any well-formed signature is accepted)',
    flag: 'local.credentials',
    default: undefined,
    parser: text,
    help: "File of access-key-id:secret-access-key lines (a temporary pair's followed by a space and its session token); when set, the store verifies SigV4 signatures against them and refuses a request signed more than 5 minutes from its clock, as AWS does.",
    scope: 'local',
  }),
  setting({
    key: 'localFaultLatencyMs',
    flag: 'local.fault-latency',
    default: 0,
    parser: waitMs,
    help: 'Milliseconds of latency the store adds to every WriteRecords and Query call (fault injection).',
    scope: 'local',
  }),
  setting({
    key: 'localFaultThrottleRate',
    flag: 'local.fault-throttle-rate',
    default: 0,
    parser: rate,
    help: 'Share of WriteRecords and Query calls the store answers with ThrottlingException (fault injection).',
    scope: 'local',
  }),
  setting({
    key: 'localFaultInternalErrorRate',
    flag: 'local.fault-internal-error-rate',
    default: 0,
    parser: rate,
    help: 'Share of WriteRecords and Query calls the store answers with InternalServerException (fault injection).',
    scope: 'local',
  }),
  setting({
    key: 'localFaultSeed',
    flag: 'local.fault-seed',
    default: 1,
    parser: nonNegativeInt,
    help: 'Seed of the fault-injection random numbers, so failures repeat run to run.',
    scope: 'local',
  }),
] as const;

/** Any entry of SETTINGS. */
export type AnySetting = (typeof SETTINGS)[number];

/** Name of an option in SettingValues. */
export type SettingKey = AnySetting['key'];

/**
 * Resolved value of every option, keyed by `key`: options without a default may be `undefined`.
 */
export type SettingValues = {
  [S in AnySetting as S['key']]: [S['default']] extends [undefined]
    ? ParsedBy<S['parser']> | undefined
    : ParsedBy<S['parser']>;
};
