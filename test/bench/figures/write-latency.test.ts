// SPDX-License-Identifier: Apache-2.0
import { latencyMeasurements, type Latencies } from '../../../bench/figures/write-latency';

describe('latencyMeasurements', () => {
  // Even counts, as the figure's 30 requests: the median is the mean of the middle two.
  const ours: Latencies = {
    oneCall: [30, 26, 28, 27],
    request: [50, 36, 40, 38],
    requestCpuMs: [10, 12, 11, 13],
  };
  const store: Latencies = { oneCall: [31, 29], request: [80, 70], requestCpuMs: [20, 22] };
  const storeAlone: Latencies = { oneCall: [5, 6], request: [60, 64], requestCpuMs: [30, 31] };
  const { measurements, ratio } = latencyMeasurements(ours, [1900, 1960], store, storeAlone);
  const row = (name: string) => measurements.find((m) => m.name === name)!;

  test('the headline divides the printed p50 of a request by the printed p50 of one call', () => {
    expect(row('one WriteRecords call (1-sample request)').median).toBe(27.5);
    expect(row('2000-sample request').median).toBe(39);
    expect(ratio).toBe(39 / 27.5);
    expect(row('2000-sample request').extra?.ratio).toBe(39 / 27.5);
  });

  test('the other ratios divide the medians their rows print', () => {
    expect(row('2000-sample request, calls one after another').median).toBe(1930);
    expect(row('2000-sample request, calls one after another').extra?.ratio).toBe(1930 / 27.5);
    expect(row('embedded store +25 ms: one call').median).toBe(30);
    expect(row('embedded store +25 ms: 2000-sample request').extra?.ratio).toBe(75 / 30);
  });

  test('p99 is the nearest-rank 99th percentile of the requests', () => {
    expect(row('2000-sample request').extra?.p99).toBe(50);
    expect(row('embedded store +25 ms: 2000-sample request').extra?.p99).toBe(80);
  });
});
