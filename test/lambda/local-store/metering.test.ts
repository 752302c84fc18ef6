// SPDX-License-Identifier: Apache-2.0
import { Meter, meterWriteRequest } from '../../../lambda/local-store/metering';

describe('meterWriteRequest', () => {
  test.each([
    {
      name: 'a DOUBLE event: 8 time + dims + name + 8',
      records: [
        { Dimensions: [{ Name: 'host', Value: 'a' }], MeasureName: 'cpu', MeasureValue: '1', Time: '1' },
      ],
      common: undefined,
      expected: { records: 1, bytes: 8 + 5 + 3 + 8, writeUnits: 1 },
    },
    {
      name: 'BOOLEAN (1 B) and VARCHAR (UTF-8 length) values',
      records: [
        { MeasureName: 'up', MeasureValue: 'true', MeasureValueType: 'BOOLEAN', Time: '1' },
        { MeasureName: 'st', MeasureValue: 'héllo', MeasureValueType: 'VARCHAR', Time: '1' },
      ],
      common: undefined,
      expected: { records: 2, bytes: 8 + 2 + 1 + (8 + 2 + 6), writeUnits: 1 },
    },
    {
      name: 'common attributes counted once, the common type applied to record values',
      records: [
        { MeasureValue: '7', Time: '1' },
        { MeasureValue: '8', Time: '2' },
      ],
      common: { Dimensions: [{ Name: 'h', Value: 'v' }], MeasureName: 'm', MeasureValueType: 'BIGINT' },
      expected: { records: 2, bytes: 3 + 2 * 16, writeUnits: 1 },
    },
    {
      name: 'exactly 1024 bytes as one unit',
      records: [{ MeasureName: 'x'.repeat(1008), MeasureValue: '1', Time: '1' }],
      common: undefined,
      expected: { records: 1, bytes: 1024, writeUnits: 1 },
    },
    {
      name: '1025 bytes as two units',
      records: [{ MeasureName: 'x'.repeat(1009), MeasureValue: '1', Time: '1' }],
      common: undefined,
      expected: { records: 1, bytes: 1025, writeUnits: 2 },
    },
  ])('bills $name', ({ records, common, expected }) => {
    expect(meterWriteRequest(records, common)).toEqual(expected);
  });

  test('accumulates totals', () => {
    const meter = new Meter();
    meter.add({ records: 2, bytes: 100, writeUnits: 1 });
    meter.add({ records: 3, bytes: 2000, writeUnits: 2 });
    expect(meter.snapshot()).toEqual({ calls: 2, records: 5, bytes: 2100, writeUnits: 3 });
  });
});
