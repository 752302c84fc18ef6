// SPDX-License-Identifier: Apache-2.0
// The connector's one error type and the one table that maps error kinds to HTTP statuses.
// Lower layers throw ConnectorError; the edges (router, Lambda, server) turn it into a response once.

/** Closed set of failure kinds; each maps to exactly one HTTP status in STATUS_BY_KIND. */
export const ErrorKind = {
  /** Undecodable body, invalid series or matcher, permanent Timestream refusal. */
  BadRequest: 'bad_request',
  /** Missing or malformed credentials, or credentials Timestream does not recognise. */
  Unauthorized: 'unauthorized',
  /** Credentials Timestream recognises but refuses for this action. */
  Forbidden: 'forbidden',
  /** Database or table does not exist, or unknown route. */
  NotFound: 'not_found',
  MethodNotAllowed: 'method_not_allowed',
  /** Body, decoded body or response over a configured limit. */
  PayloadTooLarge: 'payload_too_large',
  /** Remote-write 2.0 or an unknown content encoding. */
  UnsupportedMediaType: 'unsupported_media_type',
  /** Throttling, Timestream 5xx, timeouts, network failures, anything unclassified. */
  Retryable: 'retryable',
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

/**
 * The only status mapping. What Prometheus does next decides each row: it retries 5xx with
 * backoff and drops the batch on any 4xx (429 too, unless `retry_on_http_429` is set).
 */
export const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  bad_request: 400, // dropped: resending the same bytes can never succeed
  unauthorized: 401, // dropped: fix the credentials
  forbidden: 403, // dropped: fix the IAM policy
  not_found: 404, // dropped: create the database/table (STYLE 6.8 trade-off, kept as SPEC says)
  method_not_allowed: 405,
  payload_too_large: 413, // dropped: lower max_samples_per_send or raise the limit
  unsupported_media_type: 415, // a remote-write 2.0 sender falls back to 1.0
  retryable: 503, // retried: Timestream re-writes of identical records are idempotent
};

/** Seconds Prometheus is told to wait before resending after a 503 (it also backs off itself). */
export const RETRY_AFTER_SECONDS = 1;

export interface ConnectorErrorOptions {
  /** Counts and first reasons, rendered as extra lines of the response body. */
  details?: readonly string[];
  cause?: unknown;
  /** Response headers the error adds (e.g. WWW-Authenticate). */
  headers?: Readonly<Record<string, string>>;
}

/** A failure with a client-safe message and the HTTP status it maps to. */
export class ConnectorError extends Error {
  readonly kind: ErrorKind;
  readonly details: readonly string[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(kind: ErrorKind, message: string, options: ConnectorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.kind = kind;
    this.details = options.details ?? [];
    this.headers = options.headers ?? {};
  }

  /** The HTTP status this error is answered with. */
  get status(): number {
    return STATUS_BY_KIND[this.kind];
  }
}

export const badRequest = (message: string, options?: ConnectorErrorOptions) =>
  new ConnectorError(ErrorKind.BadRequest, message, options);
export const unauthorized = (message: string, options?: ConnectorErrorOptions) =>
  new ConnectorError(ErrorKind.Unauthorized, message, options);
export const forbidden = (message: string, options?: ConnectorErrorOptions) =>
  new ConnectorError(ErrorKind.Forbidden, message, options);
export const notFound = (message: string, options?: ConnectorErrorOptions) =>
  new ConnectorError(ErrorKind.NotFound, message, options);
export const methodNotAllowed = (message: string, options?: ConnectorErrorOptions) =>
  new ConnectorError(ErrorKind.MethodNotAllowed, message, options);
export const tooLarge = (message: string, options?: ConnectorErrorOptions) =>
  new ConnectorError(ErrorKind.PayloadTooLarge, message, options);
export const unsupportedMediaType = (message: string, options?: ConnectorErrorOptions) =>
  new ConnectorError(ErrorKind.UnsupportedMediaType, message, options);
export const retryable = (message: string, options?: ConnectorErrorOptions) =>
  new ConnectorError(ErrorKind.Retryable, message, options);

export const isConnectorError = (e: unknown): e is ConnectorError => e instanceof ConnectorError;
