// SPDX-License-Identifier: Apache-2.0
import { TimestreamQueryClient, ValidationException } from '@aws-sdk/client-timestream-query';
import type { HttpRequest } from '@smithy/core/protocols';
import { ConnectorError, ErrorKind } from '../../../lambda/core/errors';
import type { RequestHandlerLike } from '../../../lambda/timestream/fast-call';
import { scanQueryPage } from '../../../lambda/timestream/page-scan';
import { QuerySender, type QuerySenderOptions } from '../../../lambda/timestream/query-sender';
import { DimensionCatalog, readQuery } from '../../../lambda/timestream/reader';
import { MatcherType } from '../../../lambda/prompb/types';

const ENDPOINT = 'http://127.0.0.1:9202';
const PAGE = {
  QueryId: 'q-1',
  NextToken: 'token-2',
  ColumnInfo: [
    { Name: 'instance', Type: { ScalarType: 'VARCHAR' } },
    { Name: 'measure_value::double', Type: { ScalarType: 'DOUBLE' } },
  ],
  Rows: [
    { Data: [{ ScalarValue: 'a:9100' }, { NullValue: true }] },
    { Data: [{ ScalarValue: 'b:9100' }, { ScalarValue: '1.5' }] },
  ],
  QueryStatus: { ProgressPercentage: 100, CumulativeBytesScanned: 10, CumulativeBytesMetered: 10000000 },
};

/**
 * Answers from a script of [status, body, headers?] (strings sent as they are) and records every
 * request, and the abort signal each was handed; `options` replaces the sender's.
 */
function scripted(
  answers: Array<[number, unknown, Record<string, string>?]>,
  options: Partial<QuerySenderOptions> = {},
) {
  const seen: HttpRequest[] = [];
  const signals: Array<AbortSignal | undefined> = [];
  const handler: RequestHandlerLike & { updateHttpClientConfig(): void; httpHandlerConfigs(): object } = {
    handle: async (request, handlerOptions) => {
      seen.push(request);
      signals.push(handlerOptions?.abortSignal);
      const [statusCode, body, headers] = answers.shift() ?? [200, PAGE];
      return {
        response: {
          statusCode,
          reason: '',
          headers: { 'content-type': 'application/x-amz-json-1.0', ...headers },
          body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
        },
      } as never;
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  const client = new TimestreamQueryClient({
    region: 'us-east-1',
    endpoint: ENDPOINT,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: handler as never,
  });
  return {
    sender: new QuerySender(client, { region: 'us-east-1', endpoint: ENDPOINT, handler, ...options }),
    seen,
    signals,
  };
}

function bodyText(request: HttpRequest): string {
  const body: unknown = request.body;
  return typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array);
}

/** A page as parsed by the sender, with no scanner. */
function page(sender: QuerySender, sql: string, nextToken: string | undefined): Promise<unknown> {
  return sender.scannedPage<never>(sql, nextToken, undefined, () => undefined);
}

describe('QuerySender', () => {
  it('returns the page the SDK would deserialise, from one signed request', async () => {
    const { sender, seen } = scripted([[200, PAGE]]);
    const fast = await page(sender, 'SELECT 1', undefined);
    // The SDK's own reading of the same answer, for comparison.
    const { sender: reference } = scripted([
      [500, {}],
      [200, PAGE],
    ]);
    const viaSdk = await page(reference, 'SELECT 1', undefined);
    expect(fast).toEqual({ ColumnInfo: PAGE.ColumnInfo, Rows: PAGE.Rows, NextToken: 'token-2' });
    expect(viaSdk).toEqual(fast);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers['x-amz-target']).toBe('Timestream_20181101.Query');
    expect(JSON.parse(bodyText(seen[0]))).toEqual({ QueryString: 'SELECT 1' });
  });

  it('signs its fast attempt at the time the SDK client corrected its clock to', async () => {
    const now = Date.parse('2026-11-22T04:05:06Z');
    const { sender, seen } = scripted([[200, PAGE]], { nowMs: () => now });
    // As the SDK sets it once Timestream's Date showed this host's clock ten minutes behind.
    sender.client.config.systemClockOffset = 600_000;
    await page(sender, 'SELECT 1', undefined);
    expect(seen.map((r) => r.headers['x-amz-date'])).toEqual(['20261122T041506Z']);
  });

  it('takes Timestream’s clock from the Date of a refused fast attempt before the SDK redoes the call', async () => {
    const now = Date.parse('2026-11-22T04:05:06Z');
    const expired = {
      __type: 'com.amazonaws.timestream.v20181101#InvalidSignatureException',
      message:
        'Signature expired: 20261122T040506Z is now earlier than 20261122T041006Z (20261122T041506Z - 5 min.)',
    };
    const { sender, seen } = scripted([[403, expired, { Date: 'Sun, 22 Nov 2026 04:15:06 GMT' }]], {
      nowMs: () => now,
    });
    expect(await page(sender, 'SELECT 1', undefined)).toEqual({
      ColumnInfo: PAGE.ColumnInfo,
      Rows: PAGE.Rows,
      NextToken: 'token-2',
    });
    // The SDK signs its redo at its own Date.now() plus the offset learnt from the refusal.
    expect(sender.client.config.systemClockOffset).toBe(600_000);
    const redoneMs = Date.parse(
      String(seen[1].headers['x-amz-date']).replace(
        /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/,
        '$1-$2-$3T$4:$5:$6Z',
      ),
    );
    expect(Math.abs(redoneMs - (Date.now() + 600_000))).toBeLessThan(60_000);
  });

  it('keeps its clock when a refused fast attempt is dated within the skew Timestream allows, as the SDK does', async () => {
    const now = Date.parse('2026-11-22T04:05:06Z');
    const throttled = {
      __type: 'com.amazonaws.timestream.v20181101#ThrottlingException',
      message: 'slow down',
    };
    const { sender } = scripted([[400, throttled, { Date: 'Sun, 22 Nov 2026 04:10:05 GMT' }]], {
      nowMs: () => now,
    });
    await page(sender, 'SELECT 1', undefined);
    expect(sender.client.config.systemClockOffset).toBe(0);
  });

  it('offers the page to the scanner as its bytes, and parses it when the scanner declines', async () => {
    const { sender } = scripted([
      [200, PAGE],
      [200, PAGE],
    ]);
    const offered: string[] = [];
    const scanned = await sender.scannedPage('SELECT 1', undefined, undefined, (bytes) => {
      offered.push(bytes.toString('utf8'));
      return scanQueryPage(bytes);
    });
    expect(offered).toEqual([JSON.stringify(PAGE)]);
    expect(scanned).toMatchObject({ columnInfo: PAGE.ColumnInfo, nextToken: 'token-2', rowCount: 2 });
    const declined = await sender.scannedPage('SELECT 1', undefined, undefined, () => undefined);
    expect(declined).toEqual({ ColumnInfo: PAGE.ColumnInfo, Rows: PAGE.Rows, NextToken: 'token-2' });
  });

  it('sends the NextToken of the previous page', async () => {
    const { sender, seen } = scripted([[200, { ColumnInfo: [], Rows: [] }]]);
    expect(await page(sender, 'SELECT 1', 'token-2')).toEqual({ ColumnInfo: [], Rows: [] });
    expect(JSON.parse(bodyText(seen[0]))).toEqual({ QueryString: 'SELECT 1', NextToken: 'token-2' });
  });

  it.each([
    [
      'an error status',
      [400, { __type: 'com.amazonaws.timestream.v20181101#ValidationException', message: 'bad' }],
    ],
    ['a 200 that is not JSON', [200, '<html>proxy error</html>']],
    ['a 200 whose NextToken is not a string', [200, { ...PAGE, NextToken: 7 }]],
    ['a 200 whose ColumnInfo is not a list', [200, { ...PAGE, ColumnInfo: {} }]],
    ['a 200 whose Rows are not a list', [200, { ...PAGE, Rows: 'none' }]],
    ['a 200 that is a JSON list', [200, [PAGE]]],
    // Destructured, it was a TypeError instead of the SDK's answer.
    ['a 200 that is JSON null', [200, 'null']],
    ['a 200 whose ColumnInfo holds null', [200, { ...PAGE, ColumnInfo: [null] }]],
    ['a 200 whose ColumnInfo holds a number', [200, { ...PAGE, ColumnInfo: [1] }]],
    ['a 200 with a column whose Name is not a string', [200, { ...PAGE, ColumnInfo: [{ Name: 5 }] }]],
    ['a 200 whose Rows hold null', [200, { ...PAGE, Rows: [null, ...PAGE.Rows] }]],
    ['a 200 whose Rows hold a string', [200, { ...PAGE, Rows: ['row'] }]],
    ['a 200 whose NextToken is empty', [200, { ...PAGE, NextToken: '' }]],
  ] as const)(
    'lets the SDK redo the call after %s, so its error or page is the SDK’s own',
    async (_name, first) => {
      const { sender, seen } = scripted([
        first as [number, unknown],
        [400, { __type: 'com.amazonaws.timestream.v20181101#ValidationException', message: 'bad' }],
      ]);
      await expect(page(sender, 'SELECT nonsense', undefined)).rejects.toBeInstanceOf(ValidationException);
      expect(seen).toHaveLength(2);
    },
  );

  // Timestream's model does not allow any of these, and the SDK's deserialiser passes each through.
  const MALFORMED = [
    {
      name: 'a column of null',
      answer: { ...PAGE, ColumnInfo: [null] },
      fault: 'ColumnInfo is not a list of columns',
    },
    {
      name: 'a column whose Name is a number',
      answer: { ...PAGE, ColumnInfo: [{ Name: 5 }] },
      fault: 'ColumnInfo is not a list of columns',
    },
    {
      name: 'a second column whose Name is a number',
      answer: { ...PAGE, ColumnInfo: [PAGE.ColumnInfo[0], { Name: 5 }] },
      fault: 'ColumnInfo is not a list of columns',
    },
    // An object has no length, so a loop over it found no row to refuse.
    { name: 'Rows that are an object', answer: { ...PAGE, Rows: {} }, fault: 'Rows is not a list of rows' },
    { name: 'a row of null', answer: { ...PAGE, Rows: [null] }, fault: 'Rows is not a list of rows' },
    { name: 'a row that is a number', answer: { ...PAGE, Rows: [7] }, fault: 'Rows is not a list of rows' },
    {
      // Read as a label's value, it went into the response as a number.
      name: 'a cell whose ScalarValue is a number',
      answer: { ...PAGE, Rows: [{ Data: [{ ScalarValue: 7 }, { ScalarValue: '1.5' }] }] },
      fault: "a cell's ScalarValue is not a string",
    },
    {
      name: 'a row whose Data is a string',
      answer: { ...PAGE, Rows: [{ Data: 'a:9100' }] },
      fault: "a row's Data is not a list of cells",
    },
    {
      name: 'a row whose Data is an object',
      answer: { ...PAGE, Rows: [{ Data: {} }] },
      fault: "a row's Data is not a list of cells",
    },
    {
      name: 'a last cell whose ScalarValue is a number',
      answer: { ...PAGE, Rows: [{ Data: [{ ScalarValue: 'a:9100' }, { ScalarValue: 1.5 }] }] },
      fault: "a cell's ScalarValue is not a string",
    },
    {
      // Rows without cells and null cells are skipped, not taken for the end of the checks.
      name: 'a cell whose ScalarValue is a number after rows without Data and a null cell',
      answer: { ...PAGE, Rows: [{}, { Data: null }, { Data: [null, { ScalarValue: 7 }] }] },
      fault: "a cell's ScalarValue is not a string",
    },
    {
      name: 'a cell that is a number',
      answer: { ...PAGE, Rows: [{ Data: [7, { ScalarValue: '1.5' }] }] },
      fault: "a row's Data is not a list of cells",
    },
    { name: 'an empty NextToken', answer: { ...PAGE, NextToken: '' }, fault: 'NextToken is empty' },
  ];

  // Parsed, a label's null cell was a TypeError; the SDK's deserialiser drops it as absent.
  const NULL_SCALAR = {
    name: 'a cell whose ScalarValue is null',
    answer: { ...PAGE, Rows: [{ Data: [{ ScalarValue: null }, { ScalarValue: '1.5' }] }] },
    fault: "a cell's ScalarValue is not a string",
  };

  it.each([...MALFORMED, NULL_SCALAR])(
    'takes the SDK’s page when the fast attempt’s has $name, through the scanner as the reader calls it',
    async ({ answer }) => {
      const { sender, seen } = scripted([
        [200, answer],
        [200, PAGE],
      ]);
      const viaSdk = await sender.scannedPage('SELECT 1', undefined, undefined, scanQueryPage);
      expect(viaSdk).toEqual({ ColumnInfo: PAGE.ColumnInfo, Rows: PAGE.Rows, NextToken: 'token-2' });
      expect(seen).toHaveLength(2);
    },
  );

  it.each(MALFORMED)(
    'fails as retryable (503) naming the fault when the SDK’s answer has $name too',
    async ({ answer, fault }) => {
      const { sender, seen } = scripted([
        [200, answer],
        [200, answer],
      ]);
      const failure = await sender.scannedPage('SELECT 1', undefined, undefined, scanQueryPage).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ConnectorError);
      expect(failure).toMatchObject({
        kind: ErrorKind.Retryable,
        status: 503,
        message: `Timestream Query answered a malformed page: ${fault}`,
      });
      expect(seen).toHaveLength(2);
    },
  );

  // The model makes every member optional; the SDK's deserialiser drops a null Data.
  it.each([
    {
      name: 'no ColumnInfo, Rows or NextToken',
      answer: { QueryId: 'q' },
      fast: { ColumnInfo: [], Rows: [] },
      viaSdk: { ColumnInfo: [], Rows: [] },
    },
    {
      name: 'a column without a Name, rows without Data or with Data null, and a null cell',
      answer: {
        ColumnInfo: [{ Type: { ScalarType: 'VARCHAR' } }],
        Rows: [{}, { Data: null }, { Data: [null, { ScalarValue: 'x' }] }],
      },
      fast: {
        ColumnInfo: [{ Type: { ScalarType: 'VARCHAR' } }],
        Rows: [{}, { Data: null }, { Data: [null, { ScalarValue: 'x' }] }],
      },
      viaSdk: {
        ColumnInfo: [{ Type: { ScalarType: 'VARCHAR' } }],
        Rows: [{}, {}, { Data: [null, { ScalarValue: 'x' }] }],
      },
    },
  ])(
    'takes a page with $name as it is, from the fast attempt or the SDK',
    async ({ answer, fast, viaSdk }) => {
      const direct = scripted([[200, answer]]);
      expect(await page(direct.sender, 'SELECT 1', undefined)).toEqual(fast);
      expect(direct.seen).toHaveLength(1);
      const redone = scripted([
        [500, {}],
        [200, answer],
      ]);
      expect(await page(redone.sender, 'SELECT 1', undefined)).toEqual(viaSdk);
      expect(redone.seen).toHaveLength(2);
    },
  );

  it('lets the SDK redo the call with the NextToken and the abort signal of the page', async () => {
    const { sender, seen, signals } = scripted([
      [500, {}],
      [200, PAGE],
    ]);
    const signal = new AbortController().signal;
    await sender.scannedPage('SELECT 1', 'token-2', signal, () => undefined);
    expect(seen.map((request) => JSON.parse(bodyText(request)) as unknown)).toEqual([
      { QueryString: 'SELECT 1', NextToken: 'token-2' },
      expect.objectContaining({ QueryString: 'SELECT 1', NextToken: 'token-2' }),
    ]);
    expect(signals).toEqual([signal, signal]);
  });

  describe('without an explicit endpoint', () => {
    const DESCRIBE_ENDPOINTS = 'Timestream_20181101.DescribeEndpoints';
    const QUERY = 'Timestream_20181101.Query';
    const t0 = Date.parse('2026-11-22T04:05:06Z');
    const endpoints = (Address: string) => ({ Endpoints: [{ Address, CachePeriodInMinutes: 2 }] });
    const targetsSeen = (seen: HttpRequest[]) => seen.map((r) => [r.hostname, r.headers['x-amz-target']]);

    it('sends the fast attempt to the endpoint DescribeEndpoints names, for its CachePeriodInMinutes', async () => {
      let now = t0;
      const { sender, seen } = scripted(
        [
          [200, endpoints('query-cell1.example.com')],
          [200, PAGE],
          [200, PAGE],
          [200, endpoints('query-cell2.example.com')],
          [200, PAGE],
        ],
        { endpoint: undefined, nowMs: () => now },
      );
      for (const at of [t0, t0 + 119_999, t0 + 120_000]) {
        now = at;
        expect(await page(sender, 'SELECT 1', undefined)).toEqual({
          ColumnInfo: PAGE.ColumnInfo,
          Rows: PAGE.Rows,
          NextToken: 'token-2',
        });
      }
      expect(targetsSeen(seen)).toEqual([
        ['127.0.0.1', DESCRIBE_ENDPOINTS],
        ['query-cell1.example.com', QUERY],
        ['query-cell1.example.com', QUERY],
        ['127.0.0.1', DESCRIBE_ENDPOINTS],
        ['query-cell2.example.com', QUERY],
      ]);
    });

    it.each([
      { name: 'no endpoint', answer: { Endpoints: [] } },
      { name: 'an endpoint without an Address', answer: { Endpoints: [{ CachePeriodInMinutes: 2 }] } },
    ])('lets the SDK do the call when DescribeEndpoints names $name', async ({ answer }) => {
      const { sender, seen } = scripted(
        [
          [200, answer],
          [200, PAGE],
        ],
        { endpoint: undefined },
      );
      expect(await page(sender, 'SELECT 1', undefined)).toEqual({
        ColumnInfo: PAGE.ColumnInfo,
        Rows: PAGE.Rows,
        NextToken: 'token-2',
      });
      expect(targetsSeen(seen)).toEqual([
        ['127.0.0.1', DESCRIBE_ENDPOINTS],
        ['127.0.0.1', QUERY],
      ]);
    });
  });

  it('fails a read whose page has an empty NextToken with 503 after the fast and the SDK attempt, instead of paging on', async () => {
    const describe = {
      QueryId: 'd',
      ColumnInfo: ['Column', 'Type', 'Timestream attribute type'].map((Name) => ({ Name })),
      Rows: [{ Data: ['env', 'varchar', 'DIMENSION'].map((ScalarValue) => ({ ScalarValue })) }],
    };
    const page = {
      QueryId: 'q',
      ColumnInfo: ['time', 'measure_name', 'measure_value::double', 'env'].map((Name) => ({ Name })),
      Rows: [
        {
          Data: ['2026-01-01 00:00:00.000000000', 'm', '1.0', 'prod'].map((ScalarValue) => ({ ScalarValue })),
        },
      ],
    };
    const { sender, seen } = scripted([
      [200, describe],
      [200, { ...page, NextToken: '' }],
      [200, { ...page, NextToken: '' }],
      [200, page],
    ]);
    const query = {
      startTimestampMs: 0,
      endTimestampMs: Date.UTC(2027, 0, 1),
      matchers: [{ type: MatcherType.EQ, name: 'env', value: 'prod' }],
    };
    const failure = await readQuery(
      sender,
      new DimensionCatalog(),
      { database: 'db', table: 'tbl' },
      query,
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({
      kind: ErrorKind.Retryable,
      status: 503,
      message: 'Timestream Query answered a malformed page: NextToken is empty',
    });
    expect(seen).toHaveLength(3);
  });
});
