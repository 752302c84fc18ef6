// SPDX-License-Identifier: Apache-2.0
import {
  badRequest,
  ConnectorError,
  forbidden,
  isConnectorError,
  methodNotAllowed,
  notFound,
  retryable,
  RETRY_AFTER_SECONDS,
  STATUS_BY_KIND,
  tooLarge,
  unauthorized,
  unsupportedMediaType,
} from '../../../lambda/core/errors';

test('every error kind maps to the status Prometheus acts on (SPEC sections 4 and 5)', () => {
  expect(STATUS_BY_KIND).toEqual({
    bad_request: 400,
    unauthorized: 401,
    forbidden: 403,
    not_found: 404,
    method_not_allowed: 405,
    payload_too_large: 413,
    unsupported_media_type: 415,
    retryable: 503,
  });
  expect(RETRY_AFTER_SECONDS).toBe(1);
});

test.each([
  { make: badRequest, kind: 'bad_request', status: 400 },
  { make: unauthorized, kind: 'unauthorized', status: 401 },
  { make: forbidden, kind: 'forbidden', status: 403 },
  { make: notFound, kind: 'not_found', status: 404 },
  { make: methodNotAllowed, kind: 'method_not_allowed', status: 405 },
  { make: tooLarge, kind: 'payload_too_large', status: 413 },
  { make: unsupportedMediaType, kind: 'unsupported_media_type', status: 415 },
  { make: retryable, kind: 'retryable', status: 503 },
])('$kind is answered $status and keeps what it was given', ({ make, kind, status }) => {
  const cause = new Error('below');
  const error = make('message', { details: ['- a'], headers: { allow: 'POST' }, cause });
  expect(error).toBeInstanceOf(ConnectorError);
  expect(isConnectorError(error)).toBe(true);
  expect({
    name: error.name,
    message: error.message,
    kind: error.kind,
    status: error.status,
    details: error.details,
    headers: error.headers,
    cause: error.cause,
  }).toEqual({
    name: 'ConnectorError',
    message: 'message',
    kind,
    status,
    details: ['- a'],
    headers: { allow: 'POST' },
    cause,
  });
  const bare = make('bare');
  expect([bare.details, bare.headers, 'cause' in bare]).toEqual([[], {}, false]);
});

test('isConnectorError is false for other errors and values', () => {
  expect([new Error('x'), 'x', undefined, { kind: 'bad_request' }].map(isConnectorError)).toEqual([
    false,
    false,
    false,
    false,
  ]);
});
