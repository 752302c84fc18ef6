// SPDX-License-Identifier: Apache-2.0
// The Logger interface the core logs through, and its pino implementation writing JSON or logfmt lines.
// Secrets are redacted here, at any depth, so no caller has to remember to.

import logfmt from 'logfmt';
import pino from 'pino';

/** Structured logger: fields first, then a short constant message (pino's argument order). */
export interface Logger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
  /** Returns a logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): Logger;
}

/** Lowest level a logger writes. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Line format: one JSON object, or logfmt `key=value` pairs. */
export type LogFormat = 'json' | 'logfmt';

/** Where lines go: a stream, or anything with a synchronous `write(line)`. */
export type LogDestination = NodeJS.WritableStream | { write(line: string): void };

/** Options of createLogger, usually taken from Config (`logLevel`, `logFormat`, `enableLogging`). */
export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** When false only `error` lines are written (see createLogger). */
  enabled: boolean;
  /** @default stdout, written synchronously (nothing is lost when Lambda freezes the process) */
  destination?: LogDestination;
  /** Clock for the `time` field, in ms since the epoch; tests pass a fixed one. @default Date.now */
  nowMs?: () => number;
}

/**
 * Standard error, written synchronously: where the standalone server and the embedded store log,
 * as the reference connector does (Prometheus' promlog writes to standard error), so standard
 * output is left to what the CLI prints for people (local mode's banner).
 */
export function standardError(): LogDestination {
  return pino.destination({ dest: 2, sync: true });
}

/** Field names whose values are replaced by REDACTED wherever they occur (compared case-insensitively). */
export const REDACTED_FIELDS: readonly string[] = [
  'authorization',
  'password',
  'secretAccessKey',
  'sessionToken',
  'x-amz-security-token',
  'cookie',
];

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/** Deepest nesting redaction descends into; deeper values are replaced by a marker, never printed unread. */
const MAX_REDACTION_DEPTH = 12;

const redactedNames = new Set(REDACTED_FIELDS.map((name) => name.toLowerCase()));

/**
 * Creates a pino-backed Logger.
 *
 * `enabled: false` keeps `error` lines: the reference's `enable_logging=false` silences everything,
 * but an operator who turns chatter off still needs to learn why a write failed (5xx). Refusals
 * (4xx, `warn`) are left to the counters and the answer Prometheus logs (README "Configuration").
 * Any field named in REDACTED_FIELDS, at any depth and in any letter case (HTTP headers arrive as
 * `Authorization` or `authorization`), is logged as `[REDACTED]`.
 */
export function createLogger(options: LoggerOptions): Logger {
  const nowMs = options.nowMs ?? Date.now;
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  const target =
    options.format === 'logfmt' ? toLogfmtDestination(destination) : (destination as pino.DestinationStream);
  const instance = pino(
    {
      level: options.enabled ? options.level : 'error',
      base: undefined,
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date(nowMs()).toISOString()}"`,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => withoutLineKeys(redact(fields, 0) as Record<string, unknown>),
      },
    },
    target,
  );
  return wrap(instance);
}

function wrap(instance: pino.Logger): Logger {
  return {
    debug: (fields, msg) => instance.debug(fields, msg),
    info: (fields, msg) => instance.info(fields, msg),
    warn: (fields, msg) => instance.warn(fields, msg),
    error: (fields, msg) => instance.error(fields, msg),
    // NOTE: pino skips formatters for child bindings, so they are redacted here.
    child: (bindings) =>
      wrap(instance.child(withoutLineKeys(redact(bindings, 0) as Record<string, unknown>))),
  };
}

/** Keys every line has of its own; pino writes a field of the same name beside them, not instead. */
const LINE_KEYS: readonly string[] = ['time', 'level', 'msg'];

/**
 * Moves fields named like a line's own keys to `field.<name>`: written as they are, a JSON line
 * would hold the key twice, and a logfmt line (read back from that JSON) would show the field's
 * value as the line's level, time or message.
 */
function withoutLineKeys(fields: Record<string, unknown>): Record<string, unknown> {
  if (fields instanceof Error || !LINE_KEYS.some((key) => Object.hasOwn(fields, key))) return fields;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields))
    out[LINE_KEYS.includes(key) ? `field.${key}` : key] = value;
  return out;
}

/**
 * Copies objects and arrays with secret fields replaced. Class instances are copied too: JSON
 * writes them field by field, and one such as an SDK HttpRequest holds a `headers` map with the
 * Authorization and X-Amz-Security-Token. Only values JSON writes otherwise (`toJSON`: a Date, a
 * Buffer; the bytes of a typed array) are returned as they are.
 */
function redact(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  const isArray = Array.isArray(value);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function' || ArrayBuffer.isView(value)) return value;
  if (depth >= MAX_REDACTION_DEPTH) return '[TOO DEEP]';
  if (isArray) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = redactedNames.has(key.toLowerCase()) ? REDACTED : redact(child, depth + 1);
  }
  if (value instanceof Error) {
    // NOTE: message and stack are not enumerable; keep them so pino's err serializer still has them.
    const proto = Object.getPrototypeOf(value) as object;
    return Object.assign(Object.create(proto) as Error, out, { message: value.message, stack: value.stack });
  }
  return out;
}

/** First keys of a logfmt line, in the order people scan for them. */
const LOGFMT_LEADING_KEYS = ['time', 'level', 'msg'] as const;

function toLogfmtDestination(destination: LogDestination): pino.DestinationStream {
  return {
    write(line: string) {
      const record = JSON.parse(line) as Record<string, unknown>;
      const ordered: Record<string, unknown> = {};
      for (const key of LOGFMT_LEADING_KEYS) if (key in record) ordered[key] = record[key];
      flatten(record, '', ordered);
      const pairs = Object.entries(ordered).map(([key, value]) => logfmtPair(key, value));
      destination.write(`${escapeControls(pairs.join(' '))}\n`);
    },
  };
}

/**
 * One `key=value` as logfmt.stringify writes it, but a value holding a control character quoted
 * too (logfmt.stringify quotes for spaces, `=`, `"` and `\` only): unquoted, the escape
 * escapeControls writes there (`a\nb`) is read back by logfmt decoders (go-logfmt, Loki) as a
 * backslash and an `n`, where in quotes it is the newline it stands for.
 */
function logfmtPair(key: string, value: unknown): string {
  if (typeof value !== 'string' || !CONTROL_CHARACTER.test(value)) return logfmt.stringify({ [key]: value });
  return `${key}="${value.replace(/["\\]/g, '\\$&')}"`;
}

/** Flattens nested objects into dotted keys (`err.message=…`); arrays become JSON text. */
function flatten(record: Record<string, unknown>, prefix: string, out: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(record)) {
    const name = prefix + key;
    if (prefix === '' && name in out) continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      flatten(value as Record<string, unknown>, `${name}.`, out);
    } else {
      out[name] = Array.isArray(value) ? JSON.stringify(value) : value;
    }
  }
}

const CONTROL_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
// C0, DEL and C1 controls (NEL, U+0085, ends a line for some readers), and the Unicode line and
// paragraph separators, which editors and log viewers may break a line at.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** The same class without the global flag, whose lastIndex would make test() stateful. */
const CONTROL_CHARACTER = new RegExp(CONTROL_CHARACTERS.source);

/** Escapes control characters (logfmt.stringify leaves them), so one entry stays one line. */
function escapeControls(line: string): string {
  return line.replace(
    CONTROL_CHARACTERS,
    (c) => CONTROL_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A Logger that drops everything (tests, and callers that do not log). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
