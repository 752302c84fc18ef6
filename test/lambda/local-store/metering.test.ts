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
    {
      name: 'a VARCHAR common type applied to records without their own type',
      records: [
        { MeasureValue: 'abc', Time: '1' },
        { MeasureValue: 'true', MeasureValueType: 'BOOLEAN', Time: '2' },
      ],
      common: { MeasureName: 'm', MeasureValueType: 'VARCHAR' },
      expected: { records: 2, bytes: 1 + (8 + 3) + (8 + 1), writeUnits: 1 },
    },
    {
      name: 'a common BOOLEAN value as 1 B, once',
      records: [{ Time: '1' }, { Time: '2' }],
      common: { MeasureName: 'm', MeasureValue: 'false', MeasureValueType: 'BOOLEAN' },
      expected: { records: 2, bytes: 1 + 1 + 2 * 8, writeUnits: 1 },
    },
    {
      name: 'a null Time as absent: the common Time once',
      records: [
        { MeasureValue: '1', Time: null },
        { MeasureValue: '2', Time: null },
      ],
      common: { MeasureName: 'm', Time: '1' },
      expected: { records: 2, bytes: 1 + 8 + 2 * 8, writeUnits: 1 },
    },
  ])('bills $name', ({ records, common, expected }) => {
    expect(meterWriteRequest(records, common)).toEqual(expected);
  });

  // AWS's example (timestream-facts.md section 10): 100 events of 83 B are 100 writes one per
  // request, 9 writes in one request, and 3 with 52 B of CommonAttributes and 27 B per event.
  const event = (i: number) => ({
    Dimensions: [
      { Name: 'region', Value: 'us-east-1' },
      { Name: 'az', Value: 'az1' },
      { Name: 'hostname', Value: 'host-0123456789abcdef' },
      { Name: 'i', Value: String(i % 10).padStart(14, '0') },
    ],
    MeasureName: 'cpu',
    MeasureValue: '35.2',
    Time: String(i),
  });
  test.each([
    { name: 'one request per event', requests: 100, perRequest: 1, expected: { bytes: 83, writeUnits: 1 } },
    { name: 'one batched request', requests: 1, perRequest: 100, expected: { bytes: 8300, writeUnits: 9 } },
  ])('bills the AWS example, $name', ({ requests, perRequest, expected }) => {
    const meter = new Meter();
    for (let r = 0; r < requests; r++) {
      const records = Array.from({ length: perRequest }, (_, i) => event(r * perRequest + i));
      const call = meterWriteRequest(records, undefined);
      expect(call).toEqual({ records: perRequest, ...expected });
      meter.add(call);
    }
    expect(meter.snapshot()).toEqual({
      calls: requests,
      records: 100,
      bytes: 8300,
      writeUnits: requests === 1 ? 9 : 100,
    });
  });

  test('bills the AWS example with CommonAttributes: 52 B once plus 27 B per event in 3 units', () => {
    const common = {
      Dimensions: [
        { Name: 'region', Value: 'us-east-1' },
        { Name: 'az', Value: 'az1' },
        { Name: 'hostname', Value: 'host-0123456789abcdef' },
      ],
      MeasureName: 'cpu',
    };
    const records = Array.from({ length: 100 }, (_, i) => ({
      Dimensions: [{ Name: 'i', Value: String(i % 10).padStart(10, '0') }],
      MeasureValue: '35.2',
      Time: String(i),
    }));
    expect(meterWriteRequest(records, common)).toEqual({ records: 100, bytes: 52 + 100 * 27, writeUnits: 3 });
  });

  test('returns snapshots that later calls and callers do not change', () => {
    const meter = new Meter();
    meter.add({ records: 1, bytes: 10, writeUnits: 1 });
    const first = meter.snapshot();
    first.writeUnits = 99;
    meter.add({ records: 2, bytes: 20, writeUnits: 1 });
    expect(first).toEqual({ calls: 1, records: 1, bytes: 10, writeUnits: 99 });
    expect(meter.snapshot()).toEqual({ calls: 2, records: 3, bytes: 30, writeUnits: 2 });
  });

  test('accumulates totals', () => {
    const meter = new Meter();
    meter.add({ records: 2, bytes: 100, writeUnits: 1 });
    meter.add({ records: 3, bytes: 2000, writeUnits: 2 });
    expect(meter.snapshot()).toEqual({ calls: 2, records: 5, bytes: 2100, writeUnits: 3 });
  });
});
