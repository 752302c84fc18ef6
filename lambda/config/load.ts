// SPDX-License-Identifier: Apache-2.0
// Resolves every option of SETTINGS from flags, then environment, then default, into one frozen Config.
// All bad options are collected and thrown together as one ConfigError; nothing falls back silently.

import { lambdaFunctionMemoryMb, lambdaRequestLimit } from './function-memory';
import { InvalidValueError, type ListenAddress } from './parsers';
import {
  flagNames,
  LAMBDA_MAX_RESPONSE_BYTES,
  SETTINGS,
  type AnySetting,
  type Setting,
  type SettingValues,
} from './settings';

/** How the process runs: the standalone server (and local mode) or the Lambda function. */
export type Mode = 'server' | 'lambda';

/** Options of the embedded store; present only with `--local` or the `local-store` command. */
export interface LocalConfig {
  /** @default './data' */
  readonly dataDir: string;
  /** @default 127.0.0.1:9202 */
  readonly listen: ListenAddress;
  /** Most rows per Query page when the client sends no smaller MaxRows; undefined: no row cap (1 MB pages). */
  readonly pageSize: number | undefined;
  /** @default 60 000 (Timestream's Query timeout) */
  readonly queryTimeoutMs: number;
  /** File of `access-key-id:secret` lines; when set, SigV4 signatures are verified. */
  readonly credentialsFile: string | undefined;
  /** @default 0 */
  readonly faultLatencyMs: number;
  /** @default 0 */
  readonly faultThrottleRate: number;
  /** @default 0 */
  readonly faultInternalErrorRate: number;
  /** @default 1 */
  readonly faultSeed: number;
}

/** Request and response size limits; each breach is answered 413 (or 400) naming the limit. */
export interface Limits {
  /** @default 32 MiB */
  readonly maxBodyBytes: number;
  /** @default 64 MiB */
  readonly maxDecodedBytes: number;
  /** @default 100000 */
  readonly maxSeriesPerRequest: number;
  /** @default 1000000 */
  readonly maxSamplesPerRequest: number;
  /** @default 512 */
  readonly maxLabelsPerSeries: number;
  /** 0 = unlimited. @default 0 on the server, LAMBDA_MAX_RESPONSE_BYTES (4 MiB) on Lambda */
  readonly maxResponseBytes: number;
}

/** The connector's whole configuration, frozen. Field defaults are those of SETTINGS. */
export interface Config {
  readonly mode: Mode;
  /** Required outside local mode. @default 'PrometheusDatabase' in local mode */
  readonly defaultDatabase: string;
  /** Required outside local mode. @default 'PrometheusMetricsTable' in local mode */
  readonly defaultTable: string;
  /** @default `region` env, else `AWS_REGION`, else 'us-east-1' */
  readonly region: string;
  /** @default :9201 (all interfaces) */
  readonly listen: ListenAddress;
  /** @default '/metrics' */
  readonly telemetryPath: string;
  /** PEM files; undefined = plain HTTP. */
  readonly tls: { readonly certificateFile: string; readonly keyFile: string } | undefined;
  /** When false only errors are logged. @default true */
  readonly enableLogging: boolean;
  /** @default 'info' */
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** @default 'json' on Lambda, 'logfmt' on the server */
  readonly logFormat: 'json' | 'logfmt';
  /** @default 3 */
  readonly maxReadRetries: number;
  /** @default 10 */
  readonly maxWriteRetries: number;
  /** @default false */
  readonly failOnLongLabel: boolean;
  /** @default false */
  readonly failOnInvalidSampleValue: boolean;
  /** @default false */
  readonly enableSigv4Auth: boolean;
  /** undefined = SDK default endpoint. */
  readonly queryBaseEndpoint: string | undefined;
  /** undefined = SDK default endpoint. */
  readonly writeBaseEndpoint: string | undefined;
  /** @default 100 */
  readonly writeConcurrency: number;
  /** Remote writes handled at once by the server; 0 = no limit. @default 64 */
  readonly maxConcurrentWrites: number;
  /** How long a remote write may wait for its turn before it is answered 503. @default 10000 */
  readonly writeQueueTimeoutMs: number;
  /** Remote reads handled at once by the server; 0 = no limit. @default 10 */
  readonly maxConcurrentReads: number;
  /** @default 8 */
  readonly readConcurrency: number;
  /** @default 10000 */
  readonly writeTimeoutMs: number;
  /** @default 20000 */
  readonly readTimeoutMs: number;
  readonly limits: Limits;
  readonly local: LocalConfig | undefined;
}

/** Raw option values, as the command line gave them, keyed by flag name without `--`. */
export type RawFlags = Readonly<Record<string, string | boolean | undefined>>;

/** What loadConfig reads; `env` is passed explicitly (never read from process.env here). */
export interface LoadConfigInput {
  flags?: RawFlags;
  env: Readonly<Record<string, string | undefined>>;
  mode: Mode;
}

/** Exit status for a configuration error (commander uses 1 for its own usage errors; 2 is the Go flag convention). */
export const CONFIG_ERROR_EXIT_CODE = 2;

/** Every bad option at once; `problems` holds one line per option, naming it and its accepted values. */
export class ConfigError extends Error {
  readonly exitCode = CONFIG_ERROR_EXIT_CODE;

  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

interface Context {
  flags: RawFlags;
  env: LoadConfigInput['env'];
  mode: Mode;
  local: boolean;
  problems: string[];
}

/**
 * Builds the configuration from flags, then environment variables, then defaults.
 *
 * The server honours the same snake_case environment variables as Lambda (so containers can be
 * configured without flags); a flag always wins. On Lambda only options of scope `both` are read.
 * Empty environment variables count as unset (templates pass `""` for optional parameters).
 * `region` falls back to `AWS_REGION`; an option's former reference spelling (`--max-retries`,
 * `max_retries`) is read after its current one. Throws ConfigError listing every bad option.
 */
export function loadConfig(input: LoadConfigInput): Config {
  const ctx: Context = {
    flags: input.flags ?? {},
    env: input.env,
    mode: input.mode,
    local: false,
    problems: [],
  };
  const known = new Set<string>((SETTINGS as readonly Setting[]).flatMap(flagNames));
  for (const [flag, value] of Object.entries(ctx.flags)) {
    if (value !== undefined && !known.has(flag)) ctx.problems.push(`--${flag}: unknown option`);
  }
  const values: Record<string, unknown> = {};
  // NOTE: `local` is resolved first because it changes other defaults and what is allowed.
  const localSetting = SETTINGS.find((s) => s.key === 'local') as AnySetting;
  ctx.local = resolve(localSetting, ctx) === true;
  for (const s of SETTINGS) values[s.key] = s.key === 'local' ? ctx.local : resolve(s, ctx);
  const config = buildConfig(values as SettingValues, ctx);
  if (ctx.problems.length > 0) throw new ConfigError(ctx.problems);
  return deepFreeze(config);
}

function resolve(s: AnySetting, ctx: Context): unknown {
  const applies =
    ctx.mode === 'lambda' ? s.scope === 'both' : s.scope !== 'local' || ctx.local || s.key === 'local';
  // On the server a local option given without --local is looked up only to be reported.
  const given = applies || ctx.mode === 'server' ? findRaw(s, ctx) : undefined;
  if (given !== undefined && !applies) {
    ctx.problems.push(`${given.source}: only applies with --local or the local-store command`);
    return undefined;
  }
  if (given !== undefined) {
    try {
      return (s.parser.parse as (raw: string) => unknown)(given.raw);
    } catch (e) {
      if (!(e instanceof InvalidValueError)) throw e;
      // The reason is only worth printing when the accepted values alone do not explain it (ranges).
      const reason = e.message.startsWith('not ') || e.message === 'empty' ? '' : ` (${e.message})`;
      ctx.problems.push(
        `${given.source}: invalid value ${JSON.stringify(withoutUserinfo(given.raw))}${reason}; accepted: ${e.accepted}`,
      );
      return undefined;
    }
  }
  const fallback = defaultFor(s, ctx);
  if (fallback === undefined && 'required' in s && s.required && applies) {
    const names =
      ctx.mode === 'lambda'
        ? `environment variable ${s.env}`
        : `--${s.flag} (or environment variable ${s.env})`;
    ctx.problems.push(`${names}: required${ctx.mode === 'server' ? ' unless --local is given' : ''}`);
  }
  return fallback;
}

/**
 * Masks everything before the last `@` (after a `scheme://`), so a refused endpoint never echoes a
 * secret: an unescaped secret key may hold `/`, `?` or `#`, which end a URL's authority, and a value
 * without a scheme (`AKID:secret@host`) has no authority at all. A refused value only loses detail.
 */
function withoutUserinfo(raw: string): string {
  return raw.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?[\s\S]*@/, '$1[REDACTED]@');
}

/** A value as given, and where: `--flag` or `environment variable name`. */
interface RawValue {
  raw: string;
  source: string;
}

/**
 * Finds the value given for `s`: its flag (server only), else its former flag, else its variable,
 * else its former variable, else its fallback variables in order.
 */
function findRaw(s: AnySetting, ctx: Context): RawValue | undefined {
  const base: Setting = s;
  const former = base.former;
  if (ctx.mode === 'server') {
    const flag = preferCurrent(rawFlag(base.flag, ctx), former && rawFlag(former.flag, ctx), ctx);
    if (flag !== undefined) return flag;
  }
  const env = preferCurrent(rawEnv(base.env, ctx), former && rawEnv(former.env, ctx), ctx);
  if (env !== undefined) return env;
  for (const name of base.envFallback ?? []) {
    const fallback = rawEnv(name, ctx);
    if (fallback !== undefined) return fallback;
  }
  return undefined;
}

function rawFlag(flag: string, ctx: Context): RawValue | undefined {
  const value = ctx.flags[flag];
  return value === undefined ? undefined : { raw: String(value), source: `--${flag}` };
}

function rawEnv(name: string | undefined, ctx: Context): RawValue | undefined {
  const raw = name === undefined ? undefined : ctx.env[name];
  return raw === undefined || raw === '' ? undefined : { raw, source: `environment variable ${name}` };
}

/**
 * The value under the current spelling, else under the former one. Both given with different
 * values is a problem: neither can be chosen without silently dropping the other (the templates
 * always set the current variable, so a former one added beside it would otherwise do nothing).
 */
function preferCurrent(
  current: RawValue | undefined,
  former: RawValue | undefined,
  ctx: Context,
): RawValue | undefined {
  if (current !== undefined && former !== undefined && current.raw !== former.raw) {
    ctx.problems.push(
      `${former.source}: former name of ${current.source}, which is also given, with another value; give only ${current.source}`,
    );
  }
  return current ?? former;
}

function defaultFor(s: AnySetting, ctx: Context): unknown {
  const modeDefaults = (s as Setting).modeDefaults ?? {};
  if (ctx.local && modeDefaults.local !== undefined) return modeDefaults.local;
  if (ctx.mode === 'lambda' && modeDefaults.lambda !== undefined) return modeDefaults.lambda;
  if (ctx.mode === 'lambda' && (s as Setting).scalesWithLambdaMemory === true) {
    return lambdaRequestLimit(s.default as number, lambdaFunctionMemoryMb(ctx.env));
  }
  return s.default;
}

function buildConfig(v: SettingValues, ctx: Context): Config {
  if ((v.tlsCertificate === undefined) !== (v.tlsKey === undefined)) {
    ctx.problems.push('--tls-certificate and --tls-key: give both or neither');
  }
  checkLambdaResponseCap(v.maxResponseBytes, ctx);
  const tls =
    v.tlsCertificate !== undefined && v.tlsKey !== undefined
      ? { certificateFile: v.tlsCertificate, keyFile: v.tlsKey }
      : undefined;
  return {
    mode: ctx.mode,
    defaultDatabase: v.defaultDatabase ?? '',
    defaultTable: v.defaultTable ?? '',
    region: v.region,
    listen: v.webListenAddress,
    telemetryPath: v.webTelemetryPath,
    tls,
    enableLogging: v.enableLogging,
    logLevel: v.logLevel,
    logFormat: v.logFormat,
    maxReadRetries: v.maxReadRetries,
    maxWriteRetries: v.maxWriteRetries,
    failOnLongLabel: v.failOnLongLabel,
    failOnInvalidSampleValue: v.failOnInvalidSampleValue,
    enableSigv4Auth: v.enableSigv4Auth,
    queryBaseEndpoint: v.queryBaseEndpoint,
    writeBaseEndpoint: v.writeBaseEndpoint,
    writeConcurrency: v.writeConcurrency,
    maxConcurrentWrites: v.webMaxConcurrentWrites,
    writeQueueTimeoutMs: v.webWriteQueueTimeoutMs,
    maxConcurrentReads: v.webMaxConcurrentReads,
    readConcurrency: v.readConcurrency,
    writeTimeoutMs: v.writeTimeoutMs,
    readTimeoutMs: v.readTimeoutMs,
    limits: {
      maxBodyBytes: v.maxBodyBytes,
      maxDecodedBytes: v.maxDecodedBytes,
      maxSeriesPerRequest: v.maxSeriesPerRequest,
      maxSamplesPerRequest: v.maxSamplesPerRequest,
      maxLabelsPerSeries: v.maxLabelsPerSeries,
      maxResponseBytes: v.maxResponseBytes,
    },
    local: ctx.local
      ? {
          dataDir: v.localDataDir,
          listen: v.localListenAddress,
          pageSize: v.localPageSize,
          queryTimeoutMs: v.localQueryTimeoutMs,
          credentialsFile: v.localCredentials,
          faultLatencyMs: v.localFaultLatencyMs,
          faultThrottleRate: v.localFaultThrottleRate,
          faultInternalErrorRate: v.localFaultInternalErrorRate,
          faultSeed: v.localFaultSeed,
        }
      : undefined,
  };
}

/**
 * On Lambda a read response over LAMBDA_MAX_RESPONSE_BYTES cannot be returned at all (Lambda's
 * 6 MB cap, the body base64-encoded): the function would fail and API Gateway answer 500 instead
 * of the 413 asking for a narrower range, so 0 (unlimited) and larger values are refused there.
 */
function checkLambdaResponseCap(maxResponseBytes: number | undefined, ctx: Context): void {
  if (ctx.mode !== 'lambda' || maxResponseBytes === undefined) return;
  if (maxResponseBytes > 0 && maxResponseBytes <= LAMBDA_MAX_RESPONSE_BYTES) return;
  const given = findRaw(SETTINGS.find((s) => s.key === 'maxResponseBytes') as AnySetting, ctx);
  if (given === undefined) return;
  ctx.problems.push(
    `${given.source}: invalid value ${JSON.stringify(given.raw)}; accepted on Lambda: 1 to ` +
      `${LAMBDA_MAX_RESPONSE_BYTES} (4MiB; Lambda returns at most 6 MB, the body base64-encoded), never 0 (unlimited)`,
  );
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
