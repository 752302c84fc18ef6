// SPDX-License-Identifier: Apache-2.0
import { DEFAULT_TABLE_SETTINGS } from '../../../lambda/local-store/catalog';
import { readTableSettings } from '../../../lambda/local-store/control-plane';
import { StoreError } from '../../../lambda/local-store/errors';

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
      new StoreError(
        'ValidationException',
        'MemoryStoreRetentionPeriodInHours must be an integer between 1 and 8766.',
      ),
    );
    expect(() => readTableSettings({ MagneticStoreWriteProperties: {} })).toThrow(
      new StoreError('ValidationException', 'EnableMagneticStoreWrites must be specified.'),
    );
  });
});
