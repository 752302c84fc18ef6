// SPDX-License-Identifier: Apache-2.0
import { createEmfMetrics } from '../../../lambda/observability/metrics';

const NOW_MS = 1_700_000_000_000;

function capture() {
  const lines: string[] = [];
  const metrics = createEmfMetrics({
    nowMs: () => NOW_MS,
    destination: { write: (line: string) => lines.push(line) },
  });
  const documents = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { metrics, lines, documents };
}

describe('createEmfMetrics', () => {
  test('writes nothing until flush, and nothing when there is nothing to flush', () => {
    const { metrics, lines } = capture();
    metrics.flush();
    metrics.readRequest({
      status: 200,
      durationMs: 5,
      queries: 1,
      series: 0,
      samples: 0,
      duplicateSamples: 0,
      queryCalls: 1,
    });
    expect(lines).toEqual([]);
    metrics.flush();
    expect(lines.length).toBe(1);
    metrics.flush();
    expect(lines.length).toBe(1);
  });

  test('renders a write request as one EMF document per dimension set', () => {
    const { metrics, lines, documents } = capture();
    metrics.writeRequest({
      status: 400,
      durationMs: 42,
      received: 10,
      written: 6,
      ignored: { non_finite: 1, stale: 0 },
      rejected: 3,
      retried: 0,
      ignoredExemplars: 5,
      writeCalls: 2,
    });
    metrics.flush();
    expect(lines.every((line) => line.endsWith('}\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    expect(documents()).toEqual([
      {
        _aws: {
          Timestamp: NOW_MS,
          CloudWatchMetrics: [
            {
              Namespace: 'TimestreamPrometheusConnector',
              Dimensions: [['Route']],
              Metrics: [
                { Name: 'Requests', Unit: 'Count' },
                { Name: 'ClientErrors', Unit: 'Count' },
                { Name: 'ServerErrors', Unit: 'Count' },
                { Name: 'Duration', Unit: 'Milliseconds' },
                { Name: 'ReceivedSamples', Unit: 'Count' },
                { Name: 'WrittenSamples', Unit: 'Count' },
                { Name: 'IgnoredSamples', Unit: 'Count' },
                { Name: 'RejectedSamples', Unit: 'Count' },
                { Name: 'RetriedSamples', Unit: 'Count' },
                { Name: 'TimestreamCalls', Unit: 'Count' },
                { Name: 'IgnoredExemplars', Unit: 'Count' },
              ],
            },
          ],
        },
        Route: 'write',
        Requests: 1,
        ClientErrors: 1,
        ServerErrors: 0,
        Duration: 42,
        ReceivedSamples: 10,
        WrittenSamples: 6,
        IgnoredSamples: 1,
        RejectedSamples: 3,
        RetriedSamples: 0,
        TimestreamCalls: 2,
        IgnoredExemplars: 5,
      },
      {
        _aws: {
          Timestamp: NOW_MS,
          CloudWatchMetrics: [
            {
              Namespace: 'TimestreamPrometheusConnector',
              Dimensions: [['Route', 'Reason']],
              Metrics: [{ Name: 'IgnoredSamples', Unit: 'Count' }],
            },
          ],
        },
        Route: 'write',
        Reason: 'non_finite',
        IgnoredSamples: 1,
      },
    ]);
  });

  test('leaves IgnoredExemplars out of a write without exemplars', () => {
    const { metrics, documents } = capture();
    metrics.writeRequest({
      status: 204,
      durationMs: 5,
      received: 2,
      written: 2,
      ignored: { stale: 0 },
      rejected: 0,
      retried: 0,
      ignoredExemplars: 0,
      writeCalls: 1,
    });
    metrics.flush();
    const [doc] = documents() as { _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } }[];
    expect(doc).not.toHaveProperty('IgnoredExemplars');
    expect(doc._aws.CloudWatchMetrics[0].Metrics.map((m) => m.Name)).toEqual([
      'Requests',
      'ClientErrors',
      'ServerErrors',
      'Duration',
      'ReceivedSamples',
      'WrittenSamples',
      'IgnoredSamples',
      'RejectedSamples',
      'RetriedSamples',
      'TimestreamCalls',
    ]);
  });

  test('counts the samples a 503 left unwritten as RetriedSamples, and nothing as ignored or rejected', () => {
    const { metrics, documents } = capture();
    metrics.writeRequest({
      status: 503,
      durationMs: 7,
      received: 153,
      written: 63,
      ignored: { stale: 0, invalid_series: 0 },
      rejected: 0,
      retried: 90,
      ignoredExemplars: 0,
      writeCalls: 2,
    });
    metrics.flush();
    expect(documents()).toMatchObject([
      {
        Route: 'write',
        ServerErrors: 1,
        ReceivedSamples: 153,
        WrittenSamples: 63,
        IgnoredSamples: 0,
        RejectedSamples: 0,
        RetriedSamples: 90,
      },
    ]);
  });

  test('adds up counts and keeps every duration within an invocation', () => {
    const { metrics, documents } = capture();
    metrics.readRequest({
      status: 200,
      durationMs: 10,
      queries: 2,
      series: 3,
      samples: 30,
      duplicateSamples: 2,
      queryCalls: 2,
    });
    metrics.readRequest({
      status: 503,
      durationMs: 25,
      queries: 1,
      series: 0,
      samples: 0,
      duplicateSamples: 0,
      queryCalls: 1,
    });
    metrics.flush();
    const [doc] = documents();
    expect(doc).toMatchObject({
      Route: 'read',
      Requests: 2,
      ClientErrors: 0,
      ServerErrors: 1,
      Duration: [10, 25],
      Queries: 3,
      Series: 3,
      Samples: 30,
      DuplicateSamples: 2,
      TimestreamCalls: 3,
    });
  });

  test.each([
    { status: 200, clientErrors: 0, serverErrors: 0 },
    { status: 399, clientErrors: 0, serverErrors: 0 },
    { status: 400, clientErrors: 1, serverErrors: 0 },
    { status: 499, clientErrors: 1, serverErrors: 0 },
    { status: 500, clientErrors: 0, serverErrors: 1 },
    { status: 503, clientErrors: 0, serverErrors: 1 },
  ])('counts status $status as $clientErrors client and $serverErrors server errors', (c) => {
    const { metrics, documents } = capture();
    metrics.readRequest({
      status: c.status,
      durationMs: 1,
      queries: 4,
      series: 0,
      samples: 0,
      duplicateSamples: 0,
      queryCalls: 7,
    });
    metrics.flush();
    expect(documents()[0]).toMatchObject({
      Requests: 1,
      ClientErrors: c.clientErrors,
      ServerErrors: c.serverErrors,
      Queries: 4,
      TimestreamCalls: 7,
    });
  });

  test('reports Timestream calls by operation and by operation and outcome', () => {
    const { metrics, documents } = capture();
    metrics.timestreamCall({ operation: 'WriteRecords', durationMs: 7, outcome: 'ok' });
    metrics.timestreamCall({ operation: 'WriteRecords', durationMs: 9, outcome: 'ok' });
    metrics.timestreamCall({ operation: 'Query', durationMs: 11, outcome: 'throttled' });
    metrics.flush();
    expect(documents()).toEqual([
      {
        _aws: {
          Timestamp: NOW_MS,
          CloudWatchMetrics: [
            {
              Namespace: 'TimestreamPrometheusConnector',
              Dimensions: [['Operation'], ['Operation', 'Outcome']],
              Metrics: [
                { Name: 'Calls', Unit: 'Count' },
                { Name: 'CallDuration', Unit: 'Milliseconds' },
              ],
            },
          ],
        },
        Operation: 'WriteRecords',
        Outcome: 'ok',
        Calls: 2,
        CallDuration: [7, 9],
      },
      {
        _aws: {
          Timestamp: NOW_MS,
          CloudWatchMetrics: [
            {
              Namespace: 'TimestreamPrometheusConnector',
              Dimensions: [['Operation'], ['Operation', 'Outcome']],
              Metrics: [
                { Name: 'Calls', Unit: 'Count' },
                { Name: 'CallDuration', Unit: 'Milliseconds' },
              ],
            },
          ],
        },
        Operation: 'Query',
        Outcome: 'throttled',
        Calls: 1,
        CallDuration: 11,
      },
    ]);
  });

  // CloudWatch dimension values: 1 to 1024 ASCII characters, no control characters, not only
  // whitespace (API_Dimension); an endpoint other than Timestream's may name its errors otherwise.
  test.each([
    { name: 'empty (`__type` ns#)', outcome: '', written: 'Error' },
    { name: 'only spaces', outcome: '   ', written: 'Error' },
    { name: 'a control character', outcome: 'Weird\nName', written: 'Error' },
    { name: 'non-ASCII', outcome: 'ÜberError', written: 'Error' },
    { name: 'over 1024 characters', outcome: 'E'.repeat(1025), written: 'Error' },
    { name: '1024 printable characters', outcome: 'E'.repeat(1024), written: 'E'.repeat(1024) },
    { name: 'a space inside', outcome: 'Throttling Exception', written: 'Throttling Exception' },
  ])('writes an outcome as Error unless CloudWatch takes it as a dimension value: $name', (c) => {
    const { metrics, documents } = capture();
    metrics.timestreamCall({ operation: 'Query', durationMs: 3, outcome: c.outcome });
    metrics.flush();
    expect(documents().map((d) => [d.Operation, d.Outcome, d.Calls])).toEqual([['Query', c.written, 1]]);
  });

  test('splits more than 100 values of one metric over several documents', () => {
    const { metrics, documents } = capture();
    for (let i = 0; i < 150; i++)
      metrics.timestreamCall({ operation: 'WriteRecords', durationMs: i, outcome: 'ok' });
    metrics.flush();
    const docs = documents();
    expect(docs.map((d) => [d.Calls, (d.CallDuration as number[]).length])).toEqual([
      [150, 100],
      [undefined, 50],
    ]);
    expect(
      (docs[1]._aws as { CloudWatchMetrics: { Metrics: unknown[] }[] }).CloudWatchMetrics[0].Metrics,
    ).toEqual([{ Name: 'CallDuration', Unit: 'Milliseconds' }]);
    expect((docs[1].CallDuration as number[])[0]).toBe(100);
  });
});
