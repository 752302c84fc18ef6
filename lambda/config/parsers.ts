// SPDX-License-Identifier: Apache-2.0
// Typed parsers for option values given as text (flags and environment variables). Each parser knows
// the values it accepts, so a bad value can be reported naming them; naming the option is load.ts's job.

import { isIPv6 } from 'node:net';

/** Host and port a server binds to; `host` is `''` for "all interfaces" (`:9201`). */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * The host a client can put in a URL to reach a server listening on `host`: an unspecified address
 * (`''`, `0.0.0.0`, `::` however spelled, `0::0`) names no host to connect to, so it is the
 * loopback address; an IPv6 address is bracketed.
 */
export function urlHostFor(host: string): string {
  const bracketed = host.includes(':') ? `[${host}]` : host;
  const unspecified =
    host === '' || host === '0.0.0.0' || (isIPv6(host) && new URL(`http://${bracketed}`).hostname === '[::]');
  return unspecified ? '127.0.0.1' : bracketed;
}

/** Turns one raw option value into a typed value, or throws InvalidValueError. */
export interface Parser<T> {
  /** Short placeholder shown in `--help`, e.g. `<int>`. */
  readonly placeholder: string;
  /** The accepted values, in words, used in error messages and the README table. */
  readonly accepted: string;
  parse(raw: string): T;
  /** Renders a value the way a user would type it (for defaults in help and docs). */
  format(value: T): string;
}

/** A value a parser refuses; the message says why, `accepted` what would do. */
export class InvalidValueError extends Error {
  constructor(
    message: string,
    readonly accepted: string,
  ) {
    super(message);
    this.name = 'InvalidValueError';
  }
}

const TRUE_SPELLINGS = ['1', 't', 'T', 'TRUE', 'true', 'True'] as const;
const FALSE_SPELLINGS = ['0', 'f', 'F', 'FALSE', 'false', 'False'] as const;

/** Parses booleans exactly as Go's `strconv.ParseBool` does, so reference configs keep working. */
export const bool: Parser<boolean> = {
  placeholder: '[bool]',
  accepted: [...TRUE_SPELLINGS, ...FALSE_SPELLINGS].join(', '),
  parse(raw) {
    if ((TRUE_SPELLINGS as readonly string[]).includes(raw)) return true;
    if ((FALSE_SPELLINGS as readonly string[]).includes(raw)) return false;
    throw new InvalidValueError('not a boolean', this.accepted);
  },
  format: (value) => String(value),
};

/** An upper bound of an integer parser, and what a value past it is told. */
interface IntegerCap {
  max: number;
  reason: string;
}

function integerAtLeast(
  min: number,
  accepted: string,
  placeholder = '<int>',
  cap?: IntegerCap,
): Parser<number> {
  return {
    placeholder,
    accepted,
    parse(raw) {
      if (!/^[0-9]+$/.test(raw)) throw new InvalidValueError('not an integer', accepted);
      const value = Number(raw);
      // Also catches integers past 2^53, as cap.max is a safe integer.
      if (cap !== undefined && !(value <= cap.max)) throw new InvalidValueError(cap.reason, accepted);
      if (!Number.isSafeInteger(value)) throw new InvalidValueError('too large', accepted);
      if (value < min) throw new InvalidValueError(`less than ${min}`, accepted);
      return value;
    },
    format: (value) => String(value),
  };
}

/** Parses an integer >= 1 (counts, concurrency). */
export const positiveInt = integerAtLeast(1, 'an integer >= 1');

/** Parses an integer >= 0 (retries, seeds). */
export const nonNegativeInt = integerAtLeast(0, 'an integer >= 0');

/** Highest TCP port; 0 lets the OS pick a free one. */
const MAX_PORT = 65535;

const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

function byteSize(min: number, accepted: string): Parser<number> {
  return {
    placeholder: '<bytes>',
    accepted,
    parse(raw) {
      const match = /^([0-9]+)(B|KiB|MiB|GiB)?$/.exec(raw);
      if (match === null) throw new InvalidValueError('not a byte size', accepted);
      const value = Number(match[1]) * BYTE_UNITS[match[2] ?? ''];
      if (!Number.isSafeInteger(value)) throw new InvalidValueError('too large', accepted);
      if (value < min) throw new InvalidValueError(`less than ${min} bytes`, accepted);
      return value;
    },
    format: formatBytes,
  };
}

/** Renders a byte count with the largest binary unit that divides it exactly (`32MiB`, `1000`). */
export function formatBytes(value: number): string {
  for (const unit of ['GiB', 'MiB', 'KiB'] as const) {
    const size = BYTE_UNITS[unit];
    if (value >= size && value % size === 0) return `${value / size}${unit}`;
  }
  return String(value);
}

/** Parses a byte size >= 1: a plain integer, or with a `KiB`, `MiB` or `GiB` suffix. */
export const bytes = byteSize(1, 'a byte count >= 1, optionally with a B, KiB, MiB or GiB suffix');

/** Parses a byte size where 0 means "no limit". */
export const bytesOrUnlimited = byteSize(
  0,
  'a byte count, optionally with a B, KiB, MiB or GiB suffix; 0 = unlimited',
);

/**
 * Longest timeout Node.js timers keep (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms
 * (TimeoutOverflowWarning), so every Timestream call would time out at once.
 */
export const MAX_TIMER_MS = 2_147_483_647;

const TIMER_TOO_LONG = `more than ${MAX_TIMER_MS} ms, the longest timeout Node.js keeps`;

/** Parses a duration in milliseconds: `250`, `250ms` or `10s`; from 1 ms to MAX_TIMER_MS. */
export const durationMs: Parser<number> = {
  placeholder: '<ms>',
  accepted: `milliseconds from 1 to ${MAX_TIMER_MS} (about 24.8 days), as 250, 250ms or 10s`,
  parse(raw) {
    const match = /^([0-9]+)(ms|s)?$/.exec(raw);
    if (match === null) throw new InvalidValueError('not a duration', this.accepted);
    const value = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
    if (!Number.isSafeInteger(value) || value > MAX_TIMER_MS)
      throw new InvalidValueError(TIMER_TOO_LONG, this.accepted);
    if (value < 1) throw new InvalidValueError('less than 1 ms', this.accepted);
    return value;
  },
  format: (value) => `${value}ms`,
};

/** Parses whole milliseconds from 0 to MAX_TIMER_MS: a longer wait would pass after 1 ms. */
export const waitMs = integerAtLeast(
  0,
  `an integer number of milliseconds from 0 to ${MAX_TIMER_MS} (about 24.8 days)`,
  '<ms>',
  { max: MAX_TIMER_MS, reason: TIMER_TOO_LONG },
);

/** Parses a probability, a decimal number from 0 to 1 inclusive. */
export const rate: Parser<number> = {
  placeholder: '<rate>',
  accepted: 'a decimal number from 0 to 1',
  parse(raw) {
    if (!/^([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(raw))
      throw new InvalidValueError('not a number', this.accepted);
    const value = Number(raw);
    if (value > 1) throw new InvalidValueError('greater than 1', this.accepted);
    return value;
  },
  format: (value) => String(value),
};

/** Builds a parser accepting exactly the given values (case-sensitive). */
export function oneOf<const T extends string>(values: readonly T[]): Parser<T> {
  const accepted = values.join(', ');
  return {
    placeholder: `<${values.join('|')}>`,
    accepted,
    parse(raw) {
      if ((values as readonly string[]).includes(raw)) return raw as T;
      throw new InvalidValueError('not one of the accepted values', accepted);
    },
    format: (value) => value,
  };
}

/** Parses any non-empty string, e.g. a database name or a file path. */
export const text: Parser<string> = {
  placeholder: '<string>',
  accepted: 'a non-empty string',
  parse(raw) {
    if (raw === '') throw new InvalidValueError('empty', this.accepted);
    return raw;
  },
  format: (value) => value,
};

/**
 * The AWS SDK's rule for a region (`isValidHostLabel` in @smithy/core): it becomes a label of the
 * endpoint's host name and of the signature's scope.
 */
const AWS_REGION_PATTERN = /^(?!-)(?!.*-$)[a-zA-Z0-9-]{1,63}$/;

/**
 * Parses an AWS region name such as `us-east-1`. The SDK refuses any other value on every call
 * ("Region not accepted"), which the connector answers 503, so Prometheus would resend forever:
 * refused at start-up instead.
 */
export const awsRegion: Parser<string> = {
  placeholder: '<region>',
  accepted:
    "an AWS region name such as us-east-1: 1 to 63 letters, digits or '-', not starting or ending with '-'",
  parse(raw) {
    if (raw === '') throw new InvalidValueError('empty', this.accepted);
    if (!AWS_REGION_PATTERN.test(raw)) throw new InvalidValueError('not a region name', this.accepted);
    return raw;
  },
  format: (value) => value,
};

/** A character of a Timestream database or table name (the API model's pattern `[a-zA-Z0-9_.-]+`). */
const TIMESTREAM_NAME_CHARACTER = '[a-zA-Z0-9_.-]';
/** Length bounds of a database or table name (the API model; facts 3.3); ASCII, so bytes. */
const TIMESTREAM_NAME_LENGTH = { min: 3, max: 256 } as const;
const TIMESTREAM_NAME_CHARACTERS = new RegExp(`^${TIMESTREAM_NAME_CHARACTER}+$`);
/** The whole rule as one pattern, also the template's AllowedPattern for names (lib/stack-facts.ts). */
export const TIMESTREAM_NAME_PATTERN = `^${TIMESTREAM_NAME_CHARACTER}{${TIMESTREAM_NAME_LENGTH.min},${TIMESTREAM_NAME_LENGTH.max}}$`;

/**
 * Parses a Timestream database or table name. A name outside Timestream's rule cannot exist, so a
 * connector started with one would have every write refused (404 or 400) and Prometheus would drop
 * the samples: refused at start-up instead, naming the rule.
 */
export const timestreamName: Parser<string> = {
  placeholder: '<name>',
  accepted: `a Timestream name: ${TIMESTREAM_NAME_LENGTH.min} to ${TIMESTREAM_NAME_LENGTH.max} letters, digits, '_', '-' or '.'`,
  parse(raw) {
    if (raw === '') throw new InvalidValueError('empty', this.accepted);
    if (!TIMESTREAM_NAME_CHARACTERS.test(raw))
      throw new InvalidValueError('not made of the characters Timestream allows', this.accepted);
    if (raw.length < TIMESTREAM_NAME_LENGTH.min)
      throw new InvalidValueError(`shorter than ${TIMESTREAM_NAME_LENGTH.min} characters`, this.accepted);
    if (raw.length > TIMESTREAM_NAME_LENGTH.max)
      throw new InvalidValueError(`longer than ${TIMESTREAM_NAME_LENGTH.max} characters`, this.accepted);
    return raw;
  },
  format: (value) => value,
};

/** Parses an absolute URL path such as `/metrics`. */
export const urlPath: Parser<string> = {
  placeholder: '<path>',
  accepted: 'a path starting with /, without whitespace, ?, # or %',
  parse(raw) {
    if (!raw.startsWith('/') || /[\s?#]/.test(raw))
      throw new InvalidValueError('not a URL path', this.accepted);
    // Requests are routed by their decoded path (server.ts requestPath), so a path holding an
    // escape could never be requested: `/my%20metrics` is asked for as `/my metrics`.
    if (raw.includes('%'))
      throw new InvalidValueError(
        'percent-escapes are decoded before routing, so this path is never reached',
        this.accepted,
      );
    return raw;
  },
  format: (value) => value,
};

/** The standalone server's own routes, which the metrics path must not hide. */
const SERVER_ROUTES: readonly string[] = ['/write', '/read', '/healthz'];

/** Parses the metrics path: a URL path that is not one of the server's routes (with or without a final `/`). */
export const telemetryPath: Parser<string> = {
  placeholder: urlPath.placeholder,
  accepted: 'a path starting with /, without whitespace, ?, # or %, other than /write, /read and /healthz',
  parse(raw) {
    const path = urlPath.parse(raw);
    const route = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    if (SERVER_ROUTES.includes(route))
      throw new InvalidValueError(`${route} is one of the server's own routes`, this.accepted);
    return path;
  },
  format: (value) => value,
};

/** Parses an http(s) URL, e.g. a Timestream endpoint; the value is returned as given. */
export const httpUrl: Parser<string> = {
  placeholder: '<url>',
  accepted: 'an http:// or https:// URL',
  parse(raw) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new InvalidValueError('not a URL', this.accepted);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidValueError(`scheme ${url.protocol} is not http or https`, this.accepted);
    }
    return raw;
  },
  format: (value) => value,
};

/** Parses `:9201`, `host:port` or `[ipv6]:port` into host and port. */
export const listenAddress: Parser<ListenAddress> = {
  placeholder: '<[host]:port>',
  accepted: ':port, host:port or [ipv6]:port with port 0..65535',
  parse(raw) {
    // NOTE: an unbracketed IPv6 address (::1:9201) is refused: its port cannot be told apart.
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]*)):([0-9]{1,5})$/.exec(raw);
    if (match === null) throw new InvalidValueError('not a listen address', this.accepted);
    const port = Number(match[3]);
    if (port > MAX_PORT) throw new InvalidValueError('port out of range', this.accepted);
    return Object.freeze({ host: match[1] ?? match[2], port });
  },
  format: (value) =>
    value.host.includes(':') ? `[${value.host}]:${value.port}` : `${value.host}:${value.port}`,
};
