// SPDX-License-Identifier: Apache-2.0
// Request validation and response shapes of the Timestream control-plane operations (databases and
// tables), exactly as the SDK models them. The catalog does the work; this module speaks the wire.

import { StoreError, validation } from './errors';
import { checkModelLength, checkModelRange, memberPath, modelViolation } from './model-checks';
import { DEFAULT_TABLE_SETTINGS, type TableSettings } from './catalog';
import type { CatalogDatabase, CatalogTable } from './schema';

/** Database and table names on create: pattern and length in bytes (model + facts 3.3). */
export const CREATE_NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
export const MIN_NAME_BYTES = 3;
export const MAX_NAME_BYTES = 256;
/** Length in characters of a name given to other operations (API reference `ResourceName`). */
export const RESOURCE_NAME_LENGTH = { min: 3, max: 256 } as const;
/** Memory store retention bounds in hours (facts 3.3). */
export const MEMORY_RETENTION_HOURS = { min: 1, max: 8766 } as const;
/** Magnetic store retention bounds in days (facts 3.3). */
export const MAGNETIC_RETENTION_DAYS = { min: 1, max: 73000 } as const;
/** ListDatabases/ListTables MaxResults bounds (model `PaginationLimit`). */
export const LIST_MAX_RESULTS = 20;

/** The fixed account id of every ARN the store answers. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/**
 * Validates a database or table name given to CreateDatabase/CreateTable.
 * @throws StoreError ValidationException
 */
export function checkCreateName(value: unknown, member: 'DatabaseName' | 'TableName'): string {
  const name = requireName(value, member);
  const bytes = Buffer.byteLength(name);
  if (!CREATE_NAME_PATTERN.test(name) || bytes < MIN_NAME_BYTES || bytes > MAX_NAME_BYTES) {
    throw modelViolation(
      `'${name}'`,
      memberPath(member),
      `Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have a length between ${MIN_NAME_BYTES} and ${MAX_NAME_BYTES} bytes`,
    );
  }
  return name;
}

/** Most tags on a database or table (model `TagList`). */
export const MAX_TAGS = 200;

/**
 * Checks CreateDatabase's `KmsKeyId` (1..2048 characters) against the model: the store accepts it
 * but keeps no key (README "What it is not"), which is no reason to acknowledge a call Timestream
 * refuses. A JSON null is an absent member. @throws StoreError ValidationException
 */
export function checkKmsKeyId(value: unknown): void {
  if ((value ?? undefined) !== undefined) checkModelLength(value, 'kmsKeyId', { min: 1, max: 2048 });
}

/**
 * Checks CreateDatabase's or CreateTable's `Tags` against the model (at most 200, each a `Key` of
 * 1..128 and a `Value` of 0..256 characters), for the reason in checkKmsKeyId: the store keeps no
 * tags. A JSON null is an absent member. @throws StoreError ValidationException
 */
export function checkTags(value: unknown): void {
  const tags = value ?? undefined;
  if (tags === undefined) return;
  if (!Array.isArray(tags)) throw validation('Tags must be a list.');
  if (tags.length > MAX_TAGS) {
    throw modelViolation(
      `with length ${tags.length}`,
      'tags',
      `Member must have length less than or equal to ${MAX_TAGS}`,
    );
  }
  tags.forEach((tag: unknown, index) => {
    const { Key: key, Value: tagValue } = (tag ?? {}) as Record<string, unknown>;
    checkModelLength(key, `tags.${index + 1}.member.key`, { min: 1, max: 128 });
    checkModelLength(tagValue, `tags.${index + 1}.member.value`, { min: 0, max: 256 });
  });
}

/** S3Configuration's patterns as the model writes them (`S3BucketName`, `S3ObjectKeyPrefix`). */
const S3_BUCKET_NAME = '[a-z0-9][\\.\\-a-z0-9]{1,61}[a-z0-9]';
const S3_OBJECT_KEY_PREFIX = "[a-zA-Z0-9|!\\-_*'\\(\\)]([a-zA-Z0-9]|[!\\-_*'\\(\\)\\/.])+";
const S3_ENCRYPTION_OPTIONS = ['SSE_S3', 'SSE_KMS'];

/**
 * Checks `MagneticStoreRejectedDataLocation` against the model, for the reason in checkKmsKeyId:
 * the store writes no error reports to S3 (README "What it is not"). A JSON null is an absent
 * member. @throws StoreError ValidationException
 */
function checkRejectedDataLocation(value: unknown): void {
  const location = value ?? undefined;
  if (location === undefined) return;
  const path = 'magneticStoreWriteProperties.magneticStoreRejectedDataLocation';
  if (typeof location !== 'object' || Array.isArray(location))
    throw validation('MagneticStoreRejectedDataLocation must be an object.');
  const s3 = (location as Record<string, unknown>).S3Configuration ?? undefined;
  if (s3 === undefined) return;
  if (typeof s3 !== 'object' || Array.isArray(s3)) throw validation('S3Configuration must be an object.');
  const { BucketName, ObjectKeyPrefix, EncryptionOption, KmsKeyId } = s3 as Record<string, unknown>;
  const optional = (member: unknown, name: string, min: number, max: number, pattern?: string) => {
    if ((member ?? undefined) === undefined) return;
    checkModelLength(member, `${path}.s3Configuration.${name}`, { min, max });
    // Matched whole, as the name patterns are (CREATE_NAME_PATTERN).
    if (pattern !== undefined && !new RegExp(`^(?:${pattern})$`).test(member as string)) {
      throw modelViolation(
        `'${String(member)}'`,
        `${path}.s3Configuration.${name}`,
        `Member must satisfy regular expression pattern: ${pattern}`,
      );
    }
  };
  optional(BucketName, 'bucketName', 3, 63, S3_BUCKET_NAME);
  optional(ObjectKeyPrefix, 'objectKeyPrefix', 1, 928, S3_OBJECT_KEY_PREFIX);
  optional(KmsKeyId, 'kmsKeyId', 1, 2048);
  const encryption = EncryptionOption ?? undefined;
  if (
    encryption !== undefined &&
    (typeof encryption !== 'string' || !S3_ENCRYPTION_OPTIONS.includes(encryption))
  ) {
    throw modelViolation(
      `'${String(encryption)}'`,
      `${path}.s3Configuration.encryptionOption`,
      `Member must satisfy enum value set: [${S3_ENCRYPTION_OPTIONS.join(', ')}]`,
    );
  }
}

/**
 * Validates the database or table name of an operation on an existing one (model `ResourceName`):
 * a name outside the API reference's 3..256 characters, which the SDK model leaves out, is refused
 * as the service refuses it, not answered as a missing resource.
 * @throws StoreError ValidationException
 */
export function requireResourceName(value: unknown, member: 'DatabaseName' | 'TableName'): string {
  const name = requireName(value, member);
  checkModelLength(name, memberPath(member), RESOURCE_NAME_LENGTH);
  return name;
}

/**
 * Validates a required name member of any operation: a missing one is refused as the model's other
 * required members are (checkModelLength). @throws StoreError ValidationException
 */
export function requireName(value: unknown, member: string): string {
  if (value === undefined || value === null) throw missingMember(memberPath(member));
  if (typeof value !== 'string' || value.length === 0) throw validation(`${member} must be specified.`);
  return value;
}

/** The refusal of a required member that is missing, in the service's words (checkModelLength). */
const missingMember = (path: string) => modelViolation('null', path, 'Member must not be null');

/**
 * Reads RetentionProperties and MagneticStoreWriteProperties over `base` (defaults on create, the
 * current settings on update), and checks Schema (checkSchema). @throws StoreError ValidationException
 */
export function readTableSettings(
  body: Record<string, unknown>,
  base: TableSettings = DEFAULT_TABLE_SETTINGS,
): TableSettings {
  const settings = { ...base };
  // A JSON null is an absent member (as the store reads null elsewhere), not an object to read.
  const retention = (body.RetentionProperties ?? undefined) as Record<string, unknown> | undefined;
  if (retention !== undefined) {
    if (typeof retention !== 'object' || Array.isArray(retention))
      throw validation('RetentionProperties must be an object.');
    settings.memoryStoreRetentionHours = boundedInteger(
      retention.MemoryStoreRetentionPeriodInHours,
      'retentionProperties.memoryStoreRetentionPeriodInHours',
      MEMORY_RETENTION_HOURS,
    );
    settings.magneticStoreRetentionDays = boundedInteger(
      retention.MagneticStoreRetentionPeriodInDays,
      'retentionProperties.magneticStoreRetentionPeriodInDays',
      MAGNETIC_RETENTION_DAYS,
    );
  }
  const magnetic = (body.MagneticStoreWriteProperties ?? undefined) as Record<string, unknown> | undefined;
  if (magnetic !== undefined) {
    if (typeof magnetic !== 'object' || Array.isArray(magnetic))
      throw validation('MagneticStoreWriteProperties must be an object.');
    const enable = magnetic.EnableMagneticStoreWrites;
    if (enable === undefined || enable === null)
      throw missingMember('magneticStoreWriteProperties.enableMagneticStoreWrites');
    if (typeof enable !== 'boolean') throw validation('EnableMagneticStoreWrites must be a boolean.');
    settings.enableMagneticStoreWrites = enable;
    checkRejectedDataLocation(magnetic.MagneticStoreRejectedDataLocation);
  }
  checkSchema(body.Schema);
  return settings;
}

const PARTITION_KEY_TYPES = ['DIMENSION', 'MEASURE'];
const ENFORCEMENT_LEVELS = ['REQUIRED', 'OPTIONAL'];

/**
 * Checks a CreateTable/UpdateTable `Schema` against the model, and refuses a dimension partition
 * key: every table of the store is partitioned by measure name (Timestream's default, what
 * tableShape describes), so such a key, and the records its `EnforcementInRecord: REQUIRED`
 * refuses, would be acknowledged but neither kept nor enforced. A JSON null is an absent member.
 * @throws StoreError ValidationException
 */
function checkSchema(value: unknown): void {
  const schema = value ?? undefined;
  if (schema === undefined) return;
  if (typeof schema !== 'object' || Array.isArray(schema)) throw validation('Schema must be an object.');
  const keys = (schema as Record<string, unknown>).CompositePartitionKey ?? undefined;
  if (keys === undefined) return;
  if (!Array.isArray(keys)) throw validation('CompositePartitionKey must be a list.');
  if (keys.length === 0) {
    throw modelViolation(
      "'[]'",
      'schema.compositePartitionKey',
      'Member must have length greater than or equal to 1',
    );
  }
  // The service's own words (github.com/aws/aws-cli/issues/9025).
  if (keys.length > 1) {
    throw validation(
      `You have specified too many partition keys to be used in your composite partition key. Only 1 partition keys can be specified.`,
    );
  }
  const key = (keys[0] ?? {}) as Record<string, unknown>;
  const enumError = (member: string, value: unknown, allowed: string[]) =>
    modelViolation(
      `'${String(value)}'`,
      `schema.compositePartitionKey.1.member.${member}`,
      `Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  // Type is required: a key without one is refused as the model's other required members are.
  checkModelLength(key.Type, 'schema.compositePartitionKey.1.member.type', {
    min: 1,
    max: Number.POSITIVE_INFINITY,
  });
  if (!PARTITION_KEY_TYPES.includes(key.Type as string))
    throw enumError('type', key.Type, PARTITION_KEY_TYPES);
  const enforcement = key.EnforcementInRecord ?? undefined;
  if (
    enforcement !== undefined &&
    (typeof enforcement !== 'string' || !ENFORCEMENT_LEVELS.includes(enforcement))
  )
    throw enumError('enforcementInRecord', enforcement, ENFORCEMENT_LEVELS);
  const name = key.Name ?? undefined;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0))
    throw validation('Partition key Name must be a string of at least 1 character.');
  if (key.Type === 'DIMENSION') {
    throw validation(
      'The embedded local store does not support dimension partition keys (Schema.CompositePartitionKey with Type DIMENSION): its tables are partitioned by measure name.',
    );
  }
}

/**
 * Reads a required integer member within the model's `bounds`, refused in the words of the model's
 * other bounds (checkModelRange). @throws StoreError ValidationException
 */
function boundedInteger(value: unknown, path: string, bounds: { min: number; max: number }): number {
  if (value === undefined || value === null) throw missingMember(path);
  checkModelRange(value, path, bounds);
  return value as number;
}

/** Returns the `Database` shape of the model. */
export function databaseShape(
  database: CatalogDatabase,
  tableCount: number,
  region: string,
): Record<string, unknown> {
  return {
    Arn: `arn:aws:timestream:${region}:${LOCAL_ACCOUNT_ID}:database/${database.database}`,
    DatabaseName: database.database,
    TableCount: tableCount,
    // Timestream encrypts with an AWS managed key when none is given; this one is a stand-in.
    KmsKeyId: `arn:aws:kms:${region}:${LOCAL_ACCOUNT_ID}:key/00000000-0000-0000-0000-000000000000`,
    CreationTime: database.creationTimeMs / 1000,
    LastUpdatedTime: database.lastUpdatedTimeMs / 1000,
  };
}

/** Returns the `Table` shape of the model. */
export function tableShape(table: CatalogTable, region: string): Record<string, unknown> {
  return {
    Arn: `arn:aws:timestream:${region}:${LOCAL_ACCOUNT_ID}:database/${table.database}/table/${table.table}`,
    TableName: table.table,
    DatabaseName: table.database,
    TableStatus: 'ACTIVE',
    RetentionProperties: {
      MemoryStoreRetentionPeriodInHours: table.memoryStoreRetentionHours,
      MagneticStoreRetentionPeriodInDays: table.magneticStoreRetentionDays,
    },
    CreationTime: table.creationTimeMs / 1000,
    LastUpdatedTime: table.lastUpdatedTimeMs / 1000,
    MagneticStoreWriteProperties: { EnableMagneticStoreWrites: table.enableMagneticStoreWrites },
    Schema: { CompositePartitionKey: [{ Type: 'MEASURE' }] },
  };
}

/**
 * Pages a name-sorted list for ListDatabases/ListTables. The token is the last name returned,
 * base64url encoded; `ownsName` tells whether a name read from a token is one this listing
 * returns (checkListPaging). UNCONFIRMED: without MaxResults everything is returned in one page.
 * @throws StoreError ValidationException
 */
export function pageList<T>(
  items: readonly T[],
  nameOf: (item: T) => string,
  body: Record<string, unknown>,
  ownsName: (name: string) => boolean = () => true,
): { page: T[]; nextToken?: string } {
  const after = checkListPaging(body, ownsName);
  const maxResults = body.MaxResults ?? undefined;
  let start = 0;
  if (after !== undefined) {
    start = items.findIndex((item) => Buffer.compare(Buffer.from(nameOf(item)), Buffer.from(after)) > 0);
    if (start < 0) start = items.length;
  }
  const size = (maxResults as number | undefined) ?? items.length;
  const page = items.slice(start, start + size);
  const more = start + size < items.length && page.length > 0;
  return more
    ? { page, nextToken: Buffer.from(nameOf(page[page.length - 1])).toString('base64url') }
    : { page };
}

/**
 * Checks the MaxResults and NextToken of ListDatabases/ListTables (pageList checks them too; ListTables
 * checks them before it looks its database up) and returns the name the token continues after. A
 * JSON null is an absent member, as readTableSettings reads it, and so is an empty NextToken (the
 * model sets it no minimum length).
 * NOTE: a token the store did not issue for this listing (a typo, one of ListDatabases given to
 * ListTables, one of another database's tables) is refused, where it read as some name and answered
 * a page of the wrong names, or all of them, without an error. UNCONFIRMED: Timestream's tokens are
 * opaque and its words for one it did not issue are not documented.
 * @throws StoreError ValidationException
 */
export function checkListPaging(
  body: Record<string, unknown>,
  ownsName: (name: string) => boolean = () => true,
): string | undefined {
  checkModelRange(body.MaxResults, 'maxResults', { min: 1, max: LIST_MAX_RESULTS });
  const nextToken = body.NextToken ?? undefined;
  if (nextToken === undefined || nextToken === '') return undefined;
  if (typeof nextToken !== 'string') throw validation('Invalid NextToken.');
  const name = Buffer.from(nextToken, 'base64url').toString();
  // Encoded again, only a token the store wrote gives itself back (not one with other characters,
  // padding, or bytes that are not UTF-8).
  if (name.length === 0 || Buffer.from(name).toString('base64url') !== nextToken || !ownsName(name))
    throw validation('Invalid NextToken.');
  return name;
}

/** Throws unless `body` is a JSON object. @throws StoreError SerializationException */
export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new StoreError('SerializationException', 'Request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}
