// SPDX-License-Identifier: Apache-2.0
import { STORE_ERROR_STATUS, StoreError, validation } from '../../../lambda/local-store/errors';

describe('STORE_ERROR_STATUS', () => {
  // reference/timestream-facts.md 3.8: the HTTP status of every Timestream error, as the JS SDK's
  // schemas carry it. 402 and 421 are never raised by the store, but a client must see them as
  // Timestream sends them if they ever are.
  test.each([
    { type: 'ValidationException', status: 400 },
    { type: 'QueryExecutionException', status: 400 },
    { type: 'ServiceQuotaExceededException', status: 402 },
    { type: 'AccessDeniedException', status: 403 },
    { type: 'ResourceNotFoundException', status: 404 },
    { type: 'ConflictException', status: 409 },
    { type: 'RejectedRecordsException', status: 419 },
    { type: 'InvalidEndpointException', status: 421 },
    { type: 'ThrottlingException', status: 429 },
    { type: 'InternalServerException', status: 500 },
  ] as const)('answers $type with HTTP $status', ({ type, status }) => {
    expect(STORE_ERROR_STATUS[type]).toBe(status);
    expect(new StoreError(type, 'm').status).toBe(status);
  });
});

describe('StoreError', () => {
  test('carries its type as name, its message and the extra members of the error body', () => {
    const rejected = [{ RecordIndex: 0, Reason: 'r', ExistingVersion: 2 }];
    const error = new StoreError('RejectedRecordsException', 'One or more', { RejectedRecords: rejected });
    expect([error.name, error.type, error.message, error.members, error.status]).toEqual([
      'RejectedRecordsException',
      'RejectedRecordsException',
      'One or more',
      { RejectedRecords: rejected },
      419,
    ]);
  });

  test('validation() makes a ValidationException (400) without extra members', () => {
    const error = validation('bad');
    expect([error.type, error.message, error.members, error.status]).toEqual([
      'ValidationException',
      'bad',
      {},
      400,
    ]);
  });
});
