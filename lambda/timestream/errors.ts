// SPDX-License-Identifier: Apache-2.0
// Classifies AWS SDK errors from Timestream into ConnectorError kinds, by error name, fault side,
// the SDK's retryable flag and HTTP status — never by message text. Anything unrecognised is
// retryable (503): Prometheus resends, and identical re-writes are idempotent in Timestream.

import { ConnectorError, ErrorKind } from '../core/errors';
import { lastAttemptErrorOf } from './last-attempt';

// Beside the models' errors, the refusals AWS's Common Errors list (Timestream developer guide):
// they mostly come with a 400, on which an unknown name is retried (503), so a refusal named only
// there would be resent by Prometheus forever.
const UNAUTHORIZED_NAMES = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationTokenException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
]);

const FORBIDDEN_NAMES = new Set(['AccessDeniedException', 'NotAuthorized']);

const BAD_REQUEST_NAMES = new Set([
  'ValidationException',
  'ValidationError',
  'QueryExecutionException',
  'RejectedRecordsException',
  'ServiceQuotaExceededException',
  'ConflictException',
]);

const RETRYABLE_NAMES = new Set([
  // The connector's own credential chain failed (only with --enable-sigv4-auth: basic auth's keys
  // never fail to load), often for a while (instance metadata, a container credentials endpoint).
  // That is the server's fault, not the caller's: a 401 would make Prometheus drop the samples.
  'CredentialsProviderError',
  'ThrottlingException',
  'InternalServerException',
  'InvalidEndpointException',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'AbortError',
]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
  code?: string;
}

/**
 * The DescribeEndpoints error behind the SDK's failure to discover an endpoint, or undefined.
 * Without an explicit endpoint every call first discovers one, and the SDK's middleware
 * (@aws-sdk/middleware-endpoint-discovery) throws a plain Error ("The operation to discover
 * endpoint failed") keeping DescribeEndpoints' own error as `reason`. Read as the plain Error, a
 * key Timestream does not know or a policy without timestream:DescribeEndpoints was a 503 that
 * Prometheus resent forever.
 */
function discoveryReason(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, reason, $metadata } = error as SdkErrorShape & { reason?: unknown };
  if (name !== 'Error' || $metadata !== undefined) return undefined;
  return typeof reason === 'object' && reason !== null && 'name' in reason ? reason : undefined;
}

/**
 * The name of a Timestream SDK error, for metrics and checks by name: for a failed endpoint
 * discovery, DescribeEndpoints' own (discoveryReason), not the plain `Error` the SDK throws.
 */
export function awsErrorName(error: unknown): string {
  const cause = discoveryReason(error) ?? error;
  const name = typeof cause === 'object' && cause !== null && 'name' in cause ? String(cause.name) : '';
  // The SDK names an answer of `__type` "ns#" (from an endpoint other than Timestream's) ''; as
  // an outcome label, Prometheus would store that as no outcome at all.
  return name === '' ? 'Error' : name;
}

/**
 * Whether a discovered endpoint is no longer one to use: Timestream says so
 * (InvalidEndpointException, HTTP 421), or its name no longer resolves or nothing listens there,
 * as when a cell is retired. Kept until its cache period (1440 minutes) ends, such an endpoint
 * failed every call that went to it.
 */
export function isStaleEndpoint(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code } = error as SdkErrorShape;
  return isInvalidEndpoint(error) || code === 'ENOTFOUND' || code === 'ECONNREFUSED';
}

/** The HTTP status of Timestream's InvalidEndpointException: the discovered endpoint is retired. */
export const INVALID_ENDPOINT_STATUS = 421;

/** Whether Timestream refused a call for going to a retired endpoint, without doing it. */
export function isInvalidEndpoint(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as SdkErrorShape;
  return name === 'InvalidEndpointException' || $metadata?.httpStatusCode === INVALID_ENDPOINT_STATUS;
}

/** Returns the ErrorKind a Timestream SDK error maps to. */
export function classifyAwsError(error: unknown): ErrorKind {
  const cause = discoveryReason(error) ?? error;
  const e = (typeof cause === 'object' && cause !== null ? cause : {}) as SdkErrorShape;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  if (RETRYABLE_NAMES.has(name) || e.$retryable !== undefined) return ErrorKind.Retryable;
  if (FORBIDDEN_NAMES.has(name)) return ErrorKind.Forbidden;
  if (UNAUTHORIZED_NAMES.has(name)) return ErrorKind.Unauthorized;
  if (name === 'ResourceNotFoundException') return ErrorKind.NotFound;
  if (BAD_REQUEST_NAMES.has(name)) return ErrorKind.BadRequest;
  if (status !== undefined && status >= 500) return ErrorKind.Retryable;
  if (status === 429) return ErrorKind.Retryable;
  if (status === 401) return ErrorKind.Unauthorized;
  if (status === 403) return ErrorKind.Forbidden;
  // Network errors, timeouts, unknown 4xx shapes: retry rather than drop data.
  return ErrorKind.Retryable;
}

/** Wraps an SDK error into a ConnectorError with a client-safe message naming the operation. */
export function fromAwsError(error: unknown, operation: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const kind = classifyAwsError(error);
  const reason = discoveryReason(error);
  const cause = reason ?? error;
  const e = (typeof cause === 'object' && cause !== null ? cause : {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const text = oneLine(e.message ?? String(cause));
  const step = reason === undefined ? '' : 'DescribeEndpoints: ';
  return new ConnectorError(kind, `Timestream ${operation} failed: ${step}${name}: ${text}${after(error)}`, {
    cause: error,
  });
}

/**
 * What the call's last attempt failed with before it was stopped (last-attempt.ts), as the end of
 * its message: a deadline reached while Timestream throttled every attempt reads as that, not as
 * an AbortError alone.
 */
function after(error: unknown): string {
  const last = lastAttemptErrorOf(error);
  if (typeof last !== 'object' || last === null) return '';
  const e = last as SdkErrorShape;
  return ` (stopped after an attempt failed with ${awsErrorName(last)}: ${oneLine(e.message ?? '', 200)})`;
}

/**
 * The error for a Timestream answer the connector cannot use (`fault` says why; `answer` names it:
 * a Query page, a WriteRecords RejectedRecordsException), after the SDK's own attempt gave it too.
 * Timestream's fault, not the caller's: retryable (503), as an unexpected double in a page is,
 * never a 400 that would blame the query or make Prometheus drop the samples.
 */
export function malformedAnswer(operation: string, fault: string, answer = 'page'): ConnectorError {
  return new ConnectorError(
    ErrorKind.Retryable,
    `Timestream ${operation} answered a malformed ${answer}: ${fault}`,
  );
}

/** Collapses a message to one bounded line so it is safe to put into a response body. */
export function oneLine(text: string, maxLength = 300): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ').trim();
  return flat.length > maxLength ? `${flat.slice(0, maxLength)}…` : flat;
}
