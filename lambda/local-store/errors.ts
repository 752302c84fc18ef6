// SPDX-License-Identifier: Apache-2.0
// Timestream's error types as the embedded store answers them: the `__type` name and HTTP status
// of each (reference/timestream-facts.md 3.8), so the SDKs and the AWS CLI classify them as they
// would for the real service.

export const STORE_ERROR_STATUS = {
  ValidationException: 400,
  QueryExecutionException: 400,
  ServiceQuotaExceededException: 402,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  RejectedRecordsException: 419,
  InvalidEndpointException: 421,
  ThrottlingException: 429,
  InternalServerException: 500,
  // Not a Timestream model error, but what the SigV4 layer answers (as AWS front ends do).
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  // 400 as Timestream's Common Errors page gives IncompleteSignature.
  IncompleteSignatureException: 400,
  MissingAuthenticationTokenException: 403,
  UnknownOperationException: 400,
  SerializationException: 400,
} as const;
export type StoreErrorType = keyof typeof STORE_ERROR_STATUS;

export interface RejectedRecord {
  RecordIndex: number;
  Reason: string;
  /** A bigint when past Number.MAX_SAFE_INTEGER (written as its digits on the wire). */
  ExistingVersion?: number | bigint;
}

/** An error the store answers with `{"__type": ..., "message": ...}` and the type's status. */
export class StoreError extends Error {
  readonly type: StoreErrorType;
  /** Extra modeled members of the error body, e.g. `RejectedRecords`. */
  readonly members: Readonly<Record<string, unknown>>;

  constructor(type: StoreErrorType, message: string, members: Record<string, unknown> = {}) {
    super(message);
    this.name = type;
    this.type = type;
    this.members = members;
  }

  get status(): number {
    return STORE_ERROR_STATUS[this.type];
  }
}

export const validation = (message: string) => new StoreError('ValidationException', message);

/**
 * How the message of a failure to create or open the data directory begins (a file in its place,
 * no permission, a DuckDB file another process holds), so the CLI can name `--local.data-dir`
 * even after the error crossed from the store's thread as text.
 */
export const DATA_DIR_FAILURE = 'cannot open data directory ';
