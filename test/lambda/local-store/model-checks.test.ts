// SPDX-License-Identifier: Apache-2.0
import { StoreError } from '../../../lambda/local-store/errors';
import { checkModelLength, memberPath, modelViolation } from '../../../lambda/local-store/model-checks';

const PREFIX = '1 validation error detected: ';

describe('modelViolation', () => {
  test.each([
    { shown: "'x'", expected: "Value 'x' at 'a.b' failed to satisfy constraint: C" },
    { shown: 'with length 3', expected: "Value with length 3 at 'a.b' failed to satisfy constraint: C" },
    { shown: undefined, expected: "Value at 'a.b' failed to satisfy constraint: C" },
  ])('shown $shown', ({ shown, expected }) => {
    const error = modelViolation(shown, 'a.b', 'C');
    expect([error.type, error.message]).toEqual(['ValidationException', PREFIX + expected]);
  });
});

describe('checkModelLength', () => {
  const bounds = { min: 2, max: 3 };
  const refusal = (value: unknown, sensitive = false): string | undefined => {
    try {
      checkModelLength(value, 'm', bounds, sensitive);
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(StoreError);
      return (error as StoreError).message.slice(PREFIX.length);
    }
  };

  test.each([
    { value: 'ab', sensitive: false, expected: undefined },
    { value: 'abc', sensitive: true, expected: undefined },
    {
      value: 'a',
      sensitive: false,
      expected:
        "Value 'a' at 'm' failed to satisfy constraint: Member must have length greater than or equal to 2",
    },
    {
      value: 'abcd',
      sensitive: false,
      expected:
        "Value 'abcd' at 'm' failed to satisfy constraint: Member must have length less than or equal to 3",
    },
    {
      value: 'abcd',
      sensitive: true,
      expected: "Value at 'm' failed to satisfy constraint: Member must have length less than or equal to 3",
    },
    {
      value: null,
      sensitive: true,
      expected: "Value null at 'm' failed to satisfy constraint: Member must not be null",
    },
    {
      value: undefined,
      sensitive: false,
      expected: "Value null at 'm' failed to satisfy constraint: Member must not be null",
    },
    {
      value: 12,
      sensitive: false,
      expected: "Value 12 at 'm' failed to satisfy constraint: Member must be a string",
    },
  ])('$value (sensitive: $sensitive)', ({ value, sensitive, expected }) => {
    expect(refusal(value, sensitive)).toBe(expected);
  });
});

test('memberPath lowers the first letter only', () => {
  expect([memberPath('DatabaseName'), memberPath('TableName'), memberPath('x')]).toEqual([
    'databaseName',
    'tableName',
    'x',
  ]);
});
