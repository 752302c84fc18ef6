// SPDX-License-Identifier: Apache-2.0
import { DEFAULT_TABLE_SETTINGS } from '../../../lambda/local-store/catalog';
import {
  checkCreateName,
  checkKmsKeyId,
  checkTags,
  databaseShape,
  pageList,
  readTableSettings,
  requireName,
  requireObject,
  tableShape,
} from '../../../lambda/local-store/control-plane';
import { StoreError } from '../../../lambda/local-store/errors';
import { refusal } from './store-refusal';

describe('readTableSettings', () => {
  const current = {
    memoryStoreRetentionHours: 12,
    magneticStoreRetentionDays: 30,
    enableMagneticStoreWrites: true,
  };

  test.each(['RetentionProperties', 'MagneticStoreWriteProperties'])(
    'reads a null %s as absent (it threw a TypeError, answered as a 500)',
    (member) => {
      expect(readTableSettings({ [member]: null })).toEqual(DEFAULT_TABLE_SETTINGS);
      expect(readTableSettings({ [member]: null }, current)).toEqual(current);
    },
  );

  test('still refuses RetentionProperties without valid periods', () => {
    expect(() => readTableSettings({ RetentionProperties: 'x' })).toThrow(
      new StoreError('ValidationException', 'RetentionProperties must be an object.'),
    );
    expect(() => readTableSettings({ MagneticStoreWriteProperties: 'x' })).toThrow(
      new StoreError('ValidationException', 'MagneticStoreWriteProperties must be an object.'),
    );
  });

  // In the service's words for a missing required member, as the store refuses the others.
  test.each([
    {
      name: 'a RetentionProperties without MemoryStoreRetentionPeriodInHours',
      body: { RetentionProperties: { MagneticStoreRetentionPeriodInDays: 1 } },
      path: 'retentionProperties.memoryStoreRetentionPeriodInHours',
    },
    {
      name: 'a RetentionProperties with a null MagneticStoreRetentionPeriodInDays',
      body: {
        RetentionProperties: {
          MemoryStoreRetentionPeriodInHours: 1,
          MagneticStoreRetentionPeriodInDays: null,
        },
      },
      path: 'retentionProperties.magneticStoreRetentionPeriodInDays',
    },
    {
      name: 'a MagneticStoreWriteProperties without EnableMagneticStoreWrites',
      body: { MagneticStoreWriteProperties: {} },
      path: 'magneticStoreWriteProperties.enableMagneticStoreWrites',
    },
    {
      name: 'a null EnableMagneticStoreWrites',
      body: { MagneticStoreWriteProperties: { EnableMagneticStoreWrites: null } },
      path: 'magneticStoreWriteProperties.enableMagneticStoreWrites',
    },
  ])('refuses $name as a missing member', ({ body, path }) => {
    expect(refusal(() => readTableSettings(body))).toEqual(
      invalid(
        `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`,
      ),
    );
  });

  test.each(['true', 1])('refuses EnableMagneticStoreWrites %p as not a boolean', (value) => {
    expect(
      refusal(() =>
        readTableSettings({ MagneticStoreWriteProperties: { EnableMagneticStoreWrites: value } }),
      ),
    ).toEqual(invalid('EnableMagneticStoreWrites must be a boolean.'));
  });
});

const invalid = (message: string) => ({ type: 'ValidationException', message, status: 400 });

describe('readTableSettings MagneticStoreRejectedDataLocation', () => {
  const settings = (location: unknown) => ({
    MagneticStoreWriteProperties: {
      EnableMagneticStoreWrites: true,
      MagneticStoreRejectedDataLocation: location,
    },
  });
  const path = 'magneticStoreWriteProperties.magneticStoreRejectedDataLocation.s3Configuration';

  test.each([
    { name: 'a null location', location: null },
    { name: 'a location without S3Configuration', location: {} },
    {
      name: 'a whole S3Configuration at its bounds',
      location: {
        S3Configuration: {
          BucketName: 'a.b',
          ObjectKeyPrefix: 'e'.repeat(928),
          EncryptionOption: 'SSE_KMS',
          KmsKeyId: 'k'.repeat(2048),
        },
      },
    },
    { name: 'a 63-character bucket', location: { S3Configuration: { BucketName: 'b'.repeat(63) } } },
  ])('accepts $name (the store writes no error reports)', ({ location }) => {
    expect(readTableSettings(settings(location)).enableMagneticStoreWrites).toBe(true);
  });

  test.each([
    {
      name: 'a bucket of 2 characters',
      s3: { BucketName: 'ab' },
      message: `1 validation error detected: Value 'ab' at '${path}.bucketName' failed to satisfy constraint: Member must have length greater than or equal to 3`,
    },
    {
      name: 'a bucket with upper-case letters',
      s3: { BucketName: 'Errors' },
      message: `1 validation error detected: Value 'Errors' at '${path}.bucketName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z0-9][\\.\\-a-z0-9]{1,61}[a-z0-9]`,
    },
    {
      name: 'a prefix starting with /',
      s3: { ObjectKeyPrefix: '/errors' },
      message: `1 validation error detected: Value '/errors' at '${path}.objectKeyPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9|!\\-_*'\\(\\)]([a-zA-Z0-9]|[!\\-_*'\\(\\)\\/.])+`,
    },
    {
      name: 'an unknown encryption',
      s3: { EncryptionOption: 'AES' },
      message: `1 validation error detected: Value 'AES' at '${path}.encryptionOption' failed to satisfy constraint: Member must satisfy enum value set: [SSE_S3, SSE_KMS]`,
    },
    {
      name: 'an empty KmsKeyId',
      s3: { KmsKeyId: '' },
      message: `1 validation error detected: Value '' at '${path}.kmsKeyId' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    },
    { name: 'an S3Configuration that is no object', s3: 'x', message: 'S3Configuration must be an object.' },
  ])('refuses $name, as Timestream does', ({ s3, message }) => {
    expect(refusal(() => readTableSettings(settings({ S3Configuration: s3 })))).toEqual(invalid(message));
  });

  test('refuses a location that is no object', () => {
    expect(refusal(() => readTableSettings(settings('s3://errors')))).toEqual(
      invalid('MagneticStoreRejectedDataLocation must be an object.'),
    );
  });
});

describe('readTableSettings Schema', () => {
  test.each([
    { name: 'no Schema', body: {} },
    { name: 'a null Schema', body: { Schema: null } },
    { name: 'a Schema without keys', body: { Schema: {} } },
    { name: 'the measure name key', body: { Schema: { CompositePartitionKey: [{ Type: 'MEASURE' }] } } },
  ])('accepts $name: tables are partitioned by measure name', ({ body }) => {
    expect(readTableSettings(body)).toEqual(DEFAULT_TABLE_SETTINGS);
  });

  test.each([
    {
      name: 'a dimension key, which it would neither keep nor enforce',
      keys: [{ Type: 'DIMENSION', Name: 'host', EnforcementInRecord: 'REQUIRED' }],
      message:
        'The embedded local store does not support dimension partition keys (Schema.CompositePartitionKey with Type DIMENSION): its tables are partitioned by measure name.',
    },
    {
      name: 'no key',
      keys: [],
      message:
        "1 validation error detected: Value '[]' at 'schema.compositePartitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
    },
    {
      name: 'two keys',
      keys: [{ Type: 'MEASURE' }, { Type: 'MEASURE' }],
      message:
        'You have specified too many partition keys to be used in your composite partition key. Only 1 partition keys can be specified.',
    },
    {
      name: 'a key type outside the model',
      keys: [{ Type: 'BAD' }],
      message:
        "1 validation error detected: Value 'BAD' at 'schema.compositePartitionKey.1.member.type' failed to satisfy constraint: Member must satisfy enum value set: [DIMENSION, MEASURE]",
    },
    {
      name: 'an enforcement outside the model',
      keys: [{ Type: 'MEASURE', EnforcementInRecord: 'ALWAYS' }],
      message:
        "1 validation error detected: Value 'ALWAYS' at 'schema.compositePartitionKey.1.member.enforcementInRecord' failed to satisfy constraint: Member must satisfy enum value set: [REQUIRED, OPTIONAL]",
    },
    {
      name: 'a key without a Type',
      keys: [{ Name: 'host' }],
      message:
        "1 validation error detected: Value null at 'schema.compositePartitionKey.1.member.type' failed to satisfy constraint: Member must not be null",
    },
    { name: 'keys that are no list', keys: 'x', message: 'CompositePartitionKey must be a list.' },
  ])('refuses $name, on create and on update', ({ keys, message }) => {
    const body = { Schema: { CompositePartitionKey: keys } };
    expect(refusal(() => readTableSettings(body))).toEqual(invalid(message));
    expect(refusal(() => readTableSettings(body, DEFAULT_TABLE_SETTINGS))).toEqual(invalid(message));
  });
});

describe('members the store does not keep', () => {
  const tags = (count: number) => Array.from({ length: count }, (_, i) => ({ Key: `k${i}`, Value: '' }));

  test.each([
    { name: 'no KmsKeyId', kmsKeyId: undefined },
    { name: 'a null KmsKeyId', kmsKeyId: null },
    { name: 'a KmsKeyId of 1 character', kmsKeyId: 'k' },
    { name: 'a KmsKeyId of 2048 characters', kmsKeyId: 'k'.repeat(2048) },
  ])('accepts $name', ({ kmsKeyId }) => {
    expect(() => checkKmsKeyId(kmsKeyId)).not.toThrow();
  });

  test.each([
    {
      kmsKeyId: '',
      message:
        "1 validation error detected: Value '' at 'kmsKeyId' failed to satisfy constraint: Member must have length greater than or equal to 1",
    },
    {
      kmsKeyId: 5,
      message:
        "1 validation error detected: Value 5 at 'kmsKeyId' failed to satisfy constraint: Member must be a string",
    },
  ])('refuses the KmsKeyId $kmsKeyId', ({ kmsKeyId, message }) => {
    expect(refusal(() => checkKmsKeyId(kmsKeyId))).toEqual(invalid(message));
  });

  test('refuses a KmsKeyId of 2049 characters', () => {
    expect(refusal(() => checkKmsKeyId('k'.repeat(2049))).message).toMatch(
      /at 'kmsKeyId' failed to satisfy constraint: Member must have length less than or equal to 2048$/,
    );
  });

  test.each([
    { name: 'no Tags', value: undefined },
    { name: 'null Tags', value: null },
    { name: 'no tag', value: [] },
    { name: '200 tags', value: tags(200) },
    {
      name: 'a Key of 128 and a Value of 256 characters',
      value: [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }],
    },
  ])('accepts $name', ({ value }) => {
    expect(() => checkTags(value)).not.toThrow();
  });

  test.each([
    {
      name: '201 tags',
      value: tags(201),
      message:
        "1 validation error detected: Value with length 201 at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200",
    },
    {
      name: 'an empty Key',
      value: [
        { Key: 'a', Value: 'b' },
        { Key: '', Value: 'b' },
      ],
      message:
        "1 validation error detected: Value '' at 'tags.2.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
    },
    {
      name: 'a Key of 129 characters',
      value: [{ Key: 'k'.repeat(129), Value: 'v' }],
      message: `1 validation error detected: Value '${'k'.repeat(129)}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128`,
    },
    {
      name: 'a Value of 257 characters',
      value: [{ Key: 'k', Value: 'v'.repeat(257) }],
      message: `1 validation error detected: Value '${'v'.repeat(257)}' at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`,
    },
    {
      name: 'a tag without a Value',
      value: [{ Key: 'k' }],
      message:
        "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null",
    },
    { name: 'Tags that are no list', value: { Key: 'k', Value: 'v' }, message: 'Tags must be a list.' },
  ])('refuses $name', ({ value, message }) => {
    expect(refusal(() => checkTags(value))).toEqual(invalid(message));
  });
});

describe('readTableSettings bounds', () => {
  test.each([
    { memory: 1, magnetic: 1 },
    { memory: 8766, magnetic: 73000 },
  ])('accepts $memory hours and $magnetic days', ({ memory, magnetic }) => {
    const body = {
      RetentionProperties: {
        MemoryStoreRetentionPeriodInHours: memory,
        MagneticStoreRetentionPeriodInDays: magnetic,
      },
    };
    expect(readTableSettings(body)).toEqual({
      ...DEFAULT_TABLE_SETTINGS,
      memoryStoreRetentionHours: memory,
      magneticStoreRetentionDays: magnetic,
    });
  });

  test.each([
    {
      memory: 1.5,
      magnetic: 1,
      message:
        "1 validation error detected: Value '1.5' at 'retentionProperties.memoryStoreRetentionPeriodInHours' failed to satisfy constraint: Member must have value between 1 and 8766",
    },
    {
      memory: 8767,
      magnetic: 1,
      message:
        "1 validation error detected: Value '8767' at 'retentionProperties.memoryStoreRetentionPeriodInHours' failed to satisfy constraint: Member must have value between 1 and 8766",
    },
    {
      memory: 1,
      magnetic: 0,
      message:
        "1 validation error detected: Value '0' at 'retentionProperties.magneticStoreRetentionPeriodInDays' failed to satisfy constraint: Member must have value between 1 and 73000",
    },
    {
      memory: 1,
      magnetic: 2.5,
      message:
        "1 validation error detected: Value '2.5' at 'retentionProperties.magneticStoreRetentionPeriodInDays' failed to satisfy constraint: Member must have value between 1 and 73000",
    },
  ])('refuses $memory hours and $magnetic days', ({ memory, magnetic, message }) => {
    const body = {
      RetentionProperties: {
        MemoryStoreRetentionPeriodInHours: memory,
        MagneticStoreRetentionPeriodInDays: magnetic,
      },
    };
    expect(refusal(() => readTableSettings(body))).toEqual(invalid(message));
  });
});

describe('names and bodies', () => {
  test.each(['DatabaseName', 'TableName'])('refuses an empty %s as unspecified', (member) => {
    expect(refusal(() => requireName('', member))).toEqual(invalid(`${member} must be specified.`));
  });

  test.each([
    { member: 'DatabaseName', value: undefined, path: 'databaseName' },
    { member: 'TableName', value: null, path: 'tableName' },
  ])(
    'refuses a missing $member ($value) in the words of a missing model member',
    ({ member, value, path }) => {
      expect(refusal(() => requireName(value, member))).toEqual(
        invalid(
          `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`,
        ),
      );
    },
  );

  test('accepts a 256-byte name and refuses 257 bytes', () => {
    expect(checkCreateName('a'.repeat(256), 'TableName')).toBe('a'.repeat(256));
    expect(refusal(() => checkCreateName('a'.repeat(257), 'TableName'))).toEqual(
      invalid(
        `1 validation error detected: Value '${'a'.repeat(257)}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have a length between 3 and 256 bytes`,
      ),
    );
  });

  test.each([[], null, 'x', 1])('refuses the body %p as not a JSON object', (body) => {
    expect(refusal(() => requireObject(body))).toEqual({
      type: 'SerializationException',
      message: 'Request body must be a JSON object.',
      status: 400,
    });
  });
});

describe('pageList', () => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const list = (body: Record<string, unknown>, items = names) => pageList(items, (n) => n, body);

  test.each([1, 2, 3, 6, 7, 20])('walks every name once in pages of %i', (size) => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = list({ MaxResults: size, ...(nextToken === undefined ? {} : { NextToken: nextToken }) });
      seen.push(...page.page);
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken !== undefined);
    expect([seen, pages]).toEqual([names, Math.ceil(names.length / size)]);
  });

  test('answers up to 20 names a page', () => {
    const many = Array.from({ length: 25 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    const first = list({ MaxResults: 20 }, many);
    expect([first.page, list({ MaxResults: 20, NextToken: first.nextToken }, many)]).toEqual([
      many.slice(0, 20),
      { page: many.slice(20) },
    ]);
  });

  test.each([undefined, 2, 20])(
    'answers an empty last page for a token past every name (MaxResults %p)',
    (maxResults) => {
      expect(list({ MaxResults: maxResults, NextToken: Buffer.from('h').toString('base64url') })).toEqual({
        page: [],
      });
    },
  );

  test.each([0, 21, 1.5, '2'])('refuses MaxResults %p', (maxResults) => {
    expect(refusal(() => list({ MaxResults: maxResults }))).toEqual(
      invalid(
        `1 validation error detected: Value '${String(maxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 20`,
      ),
    );
  });

  test('reads a null MaxResults and NextToken as absent, as the store reads null elsewhere', () => {
    expect(list({ MaxResults: null, NextToken: null })).toEqual({ page: names });
  });

  test('refuses a NextToken that is not a string', () => {
    expect(refusal(() => list({ NextToken: 1 }))).toEqual(invalid('Invalid NextToken.'));
  });
});

describe('shapes', () => {
  // The fixed test clock of the integration tests makes both times equal there.
  test('answers a database LastUpdatedTime apart from its CreationTime, in seconds', () => {
    const shape = databaseShape(
      { database: 'db', creationTimeMs: 1000, lastUpdatedTimeMs: 2500 },
      0,
      'us-east-1',
    );
    expect([shape.CreationTime, shape.LastUpdatedTime]).toEqual([1, 2.5]);
  });

  test('answers a table LastUpdatedTime apart from its CreationTime, in seconds', () => {
    const table = {
      database: 'db',
      table: 't',
      dimensions: [],
      measureTypes: [],
      ...DEFAULT_TABLE_SETTINGS,
      creationTimeMs: 1000,
      lastUpdatedTimeMs: 2500,
    };
    const shape = tableShape(table as Parameters<typeof tableShape>[0], 'us-east-1');
    expect([shape.CreationTime, shape.LastUpdatedTime]).toEqual([1, 2.5]);
  });
});
