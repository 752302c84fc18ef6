// SPDX-License-Identifier: Apache-2.0
// Maps the parsed Config onto what the core and the SDK clients need, so both edges build the
// connector the same way.

import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../codec/remote';
import { SNAPPY, SNAPPY_FALLBACK_MESSAGE, SNAPPY_FALLBACK_REASONS } from '../codec/snappy';
import type { Config } from '../config/load';
import type { ConnectorOptions } from '../core/connector';
import type { Logger } from '../observability/logger';
import type { ClientSettings } from '../timestream/clients';

/** Request-handler options from the configuration. */
export function connectorOptionsFrom(config: Config): ConnectorOptions {
  const decodeLimits: DecodeLimits = {
    ...DEFAULT_DECODE_LIMITS,
    maxDecodedBytes: config.limits.maxDecodedBytes,
    maxSeries: config.limits.maxSeriesPerRequest,
    maxSamples: config.limits.maxSamplesPerRequest,
    maxLabelsPerSeries: config.limits.maxLabelsPerSeries,
  };
  return {
    database: config.defaultDatabase,
    table: config.defaultTable,
    sigv4Auth: config.enableSigv4Auth,
    failOnLongLabel: config.failOnLongLabel,
    failOnInvalidSampleValue: config.failOnInvalidSampleValue,
    writeConcurrency: config.writeConcurrency,
    readConcurrency: config.readConcurrency,
    decodeLimits,
    maxResponseBytes: config.limits.maxResponseBytes,
  };
}

/** SDK client settings from the configuration; `endpoints` override both base endpoints (local mode). */
export function clientSettingsFrom(config: Config, endpoint?: string): ClientSettings {
  return {
    region: config.region,
    writeEndpoint: endpoint ?? config.writeBaseEndpoint,
    queryEndpoint: endpoint ?? config.queryBaseEndpoint,
    maxWriteRetries: config.maxWriteRetries,
    maxReadRetries: config.maxReadRetries,
    writeTimeoutMs: config.writeTimeoutMs,
    readTimeoutMs: config.readTimeoutMs,
    // Every concurrent call of a few simultaneous requests gets its own keep-alive socket.
    maxSockets: Math.max(config.writeConcurrency, config.readConcurrency) * 4,
  };
}

/**
 * Logs, once at start-up, why snappy is decoded in pure JavaScript when no native binary loaded (a
 * zip for another architecture): otherwise only the extra CPU per request would show it.
 */
export function warnOnSnappyFallback(logger: Logger): void {
  if (SNAPPY.name === 'js') logger.warn({ reasons: SNAPPY_FALLBACK_REASONS }, SNAPPY_FALLBACK_MESSAGE);
}

/**
 * Sends Node's process warnings (deprecations, the AWS SDK's NodeVersionSupportWarning on an older
 * Node.js) through the logger as one `warn` line each. Printed by Node they are several plain lines
 * among the logfmt or JSON lines on standard error, which a log shipper takes apart as garbage.
 * With warnings turned off (`--no-warnings`, NODE_NO_WARNINGS=1) Node installs no printer, and
 * none is logged either; with `--redirect-warnings=<file>` Node's printer is kept, since it writes
 * them to that file, not among the log lines.
 */
export function logProcessWarnings(
  logger: Logger,
  proc: NodeJS.EventEmitter & { traceProcessWarnings?: boolean; traceDeprecation?: boolean } = process,
  disabled: ReadonlySet<string> = disabledWarnings(process.execArgv, process.env.NODE_OPTIONS),
  redirected: boolean = nodeOptionValues(process.execArgv, process.env.NODE_OPTIONS, '--redirect-warnings')
    .length > 0,
): void {
  if (proc.listenerCount('warning') === 0 || redirected) return;
  proc.removeAllListeners('warning');
  proc.on('warning', (warning: Error & { code?: unknown; detail?: unknown }) => {
    if (!(warning instanceof Error)) return;
    if (disabled.has(warning.name) || (typeof warning.code === 'string' && disabled.has(warning.code)))
      return;
    const code = typeof warning.code === 'string' ? { code: warning.code } : {};
    // As Node's printer: a warning's detail is part of it, and --trace-warnings (--trace-deprecation
    // for deprecations) asks for where it was emitted.
    const detail = typeof warning.detail === 'string' ? { detail: warning.detail } : {};
    const trace =
      proc.traceProcessWarnings === true ||
      (warning.name === 'DeprecationWarning' && proc.traceDeprecation === true);
    const stack = trace && warning.stack !== undefined ? { stack: warning.stack } : {};
    logger.warn(
      { warning: warning.name, ...code, ...detail, ...stack },
      warning.message.replace(/\s+/g, ' ').trim(),
    );
  });
}

/**
 * The warning types and codes `--disable-warning` (Node.js 20.11+, on the command line or in
 * NODE_OPTIONS) turns off. Node's printer filters them, not process.emitWarning, so the logger that
 * replaces the printer must leave them out too.
 */
export function disabledWarnings(execArgv: readonly string[], nodeOptions = ''): Set<string> {
  return new Set(nodeOptionValues(execArgv, nodeOptions, '--disable-warning'));
}

/** The values a Node.js option is given on the command line and in NODE_OPTIONS. */
export function nodeOptionValues(execArgv: readonly string[], nodeOptions = '', option: string): string[] {
  const values: string[] = [];
  const args = [...execArgv, ...splitNodeOptions(nodeOptions)];
  for (let i = 0; i < args.length; i++) {
    const equals = args[i].indexOf('=');
    // Node.js reads `_` as `-` in an option's name (node_options-inl.h), so `--disable_warning=X`
    // turns a warning off and `--redirect_warnings=<file>` redirects them as the dashed forms do.
    const name = (equals < 0 ? args[i] : args[i].slice(0, equals)).replaceAll('_', '-');
    if (name !== option) continue;
    // `--option=X` or `--option X`.
    const value = equals < 0 ? (args[++i] ?? '') : args[i].slice(equals + 1);
    if (value !== '') values.push(value);
  }
  return values;
}

/**
 * NODE_OPTIONS cut into arguments as Node.js cuts it (node_options.cc, ParseNodeOptionsEnvVar): at
 * spaces (not tabs) outside double quotes, which are dropped wherever they are in an argument, `\`
 * taking the next character as it is inside them. Split at any white space and unquoted only when
 * a value was quoted whole, `"--disable-warning=DEP0040"` was missed and a tab taken for a space.
 */
export function splitNodeOptions(text: string): string[] {
  const args: string[] = [];
  let quoted = false;
  let starts = true;
  for (let i = 0; i < text.length; i++) {
    let c = text[i];
    if (c === '\\' && quoted) {
      // A lone `\` at the end: Node.js refuses NODE_OPTIONS and does not start.
      if (i + 1 === text.length) break;
      c = text[++i];
    } else if (c === ' ' && !quoted) {
      starts = true;
      continue;
    } else if (c === '"') {
      quoted = !quoted;
      continue;
    }
    if (starts) args.push(c);
    else args[args.length - 1] += c;
    starts = false;
  }
  return args;
}
