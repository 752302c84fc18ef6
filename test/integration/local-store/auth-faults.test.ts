// SPDX-License-Identifier: Apache-2.0
// Strict SigV4 credentials and seeded fault injection, through the real SDK over HTTP.

import { request } from 'node:http';
import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { ListDatabasesCommand, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LocalStore } from '../../../lambda/local-store';
import { clientsFor, doubleRecord, errorOf, NOW_MS, startTestStore, TEST_CREDENTIALS } from './support';

const DB = 'authdb';
const TABLE = 'metrics';
const DENIED = { accessKeyId: 'AKIDDENIED', secretAccessKey: 'denied-secret' };
const SESSION = {
  accessKeyId: 'ASIASESSION',
  secretAccessKey: 'session-secret',
  sessionToken: 'session-token-1',
};

describe('strict credentials', () => {
  let store: LocalStore;
  beforeAll(async () => {
    store = await startTestStore({ credentials: [TEST_CREDENTIALS, { ...DENIED, deny: true }, SESSION] });
    await store.ensureTable(DB, TABLE);
  });
  afterAll(() => store.close());

  const writeWith = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    clientsFor(store, credentials).write.send(
      new WriteRecordsCommand({
        DatabaseName: DB,
        TableName: TABLE,
        Records: [doubleRecord('a', '1', NOW_MS)],
      }),
    );

  test.each([
    { name: 'a known key', credentials: TEST_CREDENTIALS },
    { name: 'a key with its session token', credentials: SESSION },
  ])('accepts a request signed with $name', async ({ credentials }) => {
    expect((await writeWith(credentials)).RecordsIngested?.Total).toBe(1);
  });

  test.each([
    {
      name: 'an unknown access key',
      credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' },
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    },
    {
      name: 'a wrong session token',
      credentials: { ...SESSION, sessionToken: 'other' },
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    },
    {
      name: 'a session token sent with a long-term key',
      credentials: { ...TEST_CREDENTIALS, sessionToken: 'session-token-1' },
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    },
    {
      name: 'a session key without its token',
      credentials: { accessKeyId: SESSION.accessKeyId, secretAccessKey: SESSION.secretAccessKey },
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    },
    {
      name: 'a wrong secret (bad signature)',
      credentials: { ...TEST_CREDENTIALS, secretAccessKey: 'wrong' },
      type: 'InvalidSignatureException',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    },
    {
      name: 'a key flagged deny',
      credentials: DENIED,
      type: 'AccessDeniedException',
      message:
        'User: arn:aws:iam::000000000000:user/AKIDDENIED is not authorized to perform: timestream:WriteRecords because no identity-based policy allows the action',
    },
  ])('answers 403 for $name', async ({ credentials, type, message }) => {
    const error = await errorOf(() => writeWith(credentials));
    expect([error.name, error.message, error.$metadata]).toEqual([
      type,
      message,
      expect.objectContaining({ httpStatusCode: 403 }),
    ]);
  });

  test('denies Query for a deny key but still serves it control-plane calls', async () => {
    const clients = clientsFor(store, DENIED);
    const error = await errorOf(() => clients.query.send(new QueryCommand({ QueryString: 'SELECT 1' })));
    expect([error.name, error.message, error.$metadata]).toEqual([
      'AccessDeniedException',
      'User: arn:aws:iam::000000000000:user/AKIDDENIED is not authorized to perform: timestream:Select because no identity-based policy allows the action',
      expect.objectContaining({ httpStatusCode: 403 }),
    ]);
    expect(
      (await clients.write.send(new ListDatabasesCommand({}))).Databases?.map((d) => d.DatabaseName),
    ).toEqual([DB]);
  });

  test('detects a body changed after signing', async () => {
    const client = clientsFor(store).write;
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: Uint8Array | string };
        // The SDK's body is a Uint8Array subclass whose string methods warn (and will throw): its
        // bytes are decoded as bytes.
        const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
        request.body = text.replace('"1"', '"2"');
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'tamperAfterSigning' },
    );
    const error = await errorOf(() =>
      client.send(
        new WriteRecordsCommand({
          DatabaseName: DB,
          TableName: TABLE,
          Records: [doubleRecord('t', '1', NOW_MS)],
        }),
      ),
    );
    expect(error.name).toBe('InvalidSignatureException');
  });
  /**
   * POSTs ListDatabases with `header` sent once per value, signed by the SDK's signer over the
   * values joined with `,` (what SigV4 signs for a repeated header).
   */
  const listWithRepeated = async (header: string, values: string[]) => {
    const { host } = new URL(store.endpoint);
    const body = '{}';
    const signed = await new SignatureV4({
      credentials: TEST_CREDENTIALS,
      region: 'us-east-1',
      service: 'timestream',
      sha256: clientsFor(store).write.config.sha256,
    }).sign({
      method: 'POST',
      protocol: 'http:',
      hostname: host,
      path: '/',
      query: {},
      headers: {
        host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'Timestream_20181101.ListDatabases',
        [header]: values.join(','),
      },
      body,
    });
    return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const req = request(`${store.endpoint}/`, {
        method: 'POST',
        headers: { ...signed.headers, [header]: values },
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  };

  test.each([
    { header: 'x-amz-meta-tag', values: ['one', 'two'] },
    // Node keeps only the first Content-Type in req.headers.
    { header: 'content-type', values: ['application/x-amz-json-1.0', 'application/x-amz-json-1.0'] },
  ])('accepts a signed header $header sent once per value', async ({ header, values }) => {
    expect(await listWithRepeated(header, values)).toEqual({
      status: 200,
      body: expect.objectContaining({ Databases: [expect.objectContaining({ DatabaseName: DB })] }),
    });
  });
});

describe('fault injection', () => {
  let store: LocalStore;
  beforeAll(async () => {
    store = await startTestStore();
    await store.ensureTable(DB, TABLE);
  });
  afterAll(() => store.close());

  const writeOnce = () =>
    clientsFor(store).write.send(
      new WriteRecordsCommand({
        DatabaseName: DB,
        TableName: TABLE,
        Records: [doubleRecord('f', '1', NOW_MS)],
      }),
    );

  test.each([
    { name: 'throttling', faults: { throttleRate: 1 }, type: 'ThrottlingException', status: 429 },
    {
      name: 'internal errors',
      faults: { internalErrorRate: 1 },
      type: 'InternalServerException',
      status: 500,
    },
  ])(
    'injects $name into WriteRecords and Query but not control-plane calls',
    async ({ faults, type, status }) => {
      store.setFaults(faults);
      try {
        const writeError = await errorOf(writeOnce);
        expect([writeError.name, writeError.$metadata]).toEqual([
          type,
          expect.objectContaining({ httpStatusCode: status }),
        ]);
        const queryError = await errorOf(() =>
          clientsFor(store).query.send(new QueryCommand({ QueryString: 'SELECT 1' })),
        );
        expect(queryError.name).toBe(type);
        expect((await clientsFor(store).write.send(new ListDatabasesCommand({}))).Databases?.length).toBe(1);
      } finally {
        store.setFaults({});
      }
      expect((await writeOnce()).RecordsIngested?.Total).toBe(1);
    },
  );

  test('resets the connection of data-plane calls only', async () => {
    store.setFaults({ resetRate: 1 });
    try {
      await errorOf(writeOnce);
      expect((await clientsFor(store).write.send(new ListDatabasesCommand({}))).Databases?.length).toBe(1);
    } finally {
      store.setFaults({});
    }
  });

  test('resets every data-plane call at reset rate 1, after the write as well as before it', async () => {
    // Seed 7 draws both kinds of reset within eight calls; neither may answer.
    store.setFaults({ resetRate: 1, seed: 7 });
    try {
      const messages: string[] = [];
      for (let i = 0; i < 8; i += 1) messages.push((await errorOf(writeOnce)).message);
      expect(messages).toEqual(Array(8).fill('AWS SDK error wrapper for TimeoutError: socket hang up'));
    } finally {
      store.setFaults({});
    }
  });

  test('sends the whole answer of a slow body', async () => {
    const log: Record<string, unknown>[] = [];
    const slow = await startTestStore({ log: (line) => log.push(line) });
    try {
      await slow.ensureTable(DB, TABLE);
      slow.setFaults({ slowBodyRate: 1, slowBodyMs: 0 });
      const answer = await clientsFor(slow).write.send(
        new WriteRecordsCommand({
          DatabaseName: DB,
          TableName: TABLE,
          Records: [doubleRecord('s', '1', NOW_MS)],
        }),
      );
      expect(answer.RecordsIngested).toEqual({ Total: 1, MemoryStore: 1, MagneticStore: 0 });
      expect(
        log.filter((line) => line.operation === 'WriteRecords').map((line) => [line.status, line.error]),
      ).toEqual([[200, 'InjectedSlowBody']]);
    } finally {
      await slow.close();
    }
  });

  test('draws the same fault sequence for the same seed, set over HTTP', async () => {
    const outcomes = async () => {
      const set = await fetch(`${store.endpoint}/_local/faults`, {
        method: 'POST',
        body: JSON.stringify({ throttleRate: 0.5, seed: 42 }),
      });
      expect(await set.json()).toEqual({
        latencyMs: 0,
        spikeRate: 0,
        spikeMs: 0,
        throttleRate: 0.5,
        internalErrorRate: 0,
        rejectRate: 0,
        resetRate: 0,
        slowBodyRate: 0,
        slowBodyMs: 0,
        seed: 42,
      });
      const results: string[] = [];
      for (let i = 0; i < 12; i += 1)
        results.push(
          await writeOnce().then(
            () => 'ok',
            (e: Error) => e.name,
          ),
        );
      return results;
    };
    const first = await outcomes();
    expect(await outcomes()).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['ok', 'ThrottlingException']));
    const current = await fetch(`${store.endpoint}/_local/faults`);
    expect(await current.json()).toEqual({
      latencyMs: 0,
      spikeRate: 0,
      spikeMs: 0,
      throttleRate: 0.5,
      internalErrorRate: 0,
      rejectRate: 0,
      resetRate: 0,
      slowBodyRate: 0,
      slowBodyMs: 0,
      seed: 42,
    });
    store.setFaults({});
  });

  test('accepts durations up to 2^31 - 1 ms over HTTP, the longest --local.fault-latency takes', async () => {
    const longest = { latencyMs: 2147483647, spikeMs: 2147483647, slowBodyMs: 2147483647 };
    const response = await fetch(`${store.endpoint}/_local/faults`, {
      method: 'POST',
      body: JSON.stringify(longest),
    });
    expect([response.status, await response.json()]).toEqual([
      200,
      {
        latencyMs: 2147483647,
        spikeRate: 0,
        spikeMs: 2147483647,
        throttleRate: 0,
        internalErrorRate: 0,
        rejectRate: 0,
        resetRate: 0,
        slowBodyRate: 0,
        slowBodyMs: 2147483647,
        seed: 1,
      },
    ]);
    store.setFaults({});
  });

  test.each([
    { name: 'an array', body: '[]', message: 'The faults body must be a JSON object of fault settings.' },
    { name: 'null', body: 'null', message: 'The faults body must be a JSON object of fault settings.' },
    { name: 'a string', body: '"x"', message: 'The faults body must be a JSON object of fault settings.' },
    {
      name: 'a misspelt field',
      body: '{"throttlerate":0.5}',
      message:
        'Unknown fault settings: "throttlerate"; known: latencyMs, spikeRate, spikeMs, throttleRate, ' +
        'internalErrorRate, rejectRate, resetRate, slowBodyRate, slowBodyMs, seed.',
    },
    {
      name: 'a __proto__ field',
      body: '{"throttleRate":0.5,"__proto__":{"seed":3}}',
      message:
        'Unknown fault settings: "__proto__"; known: latencyMs, spikeRate, spikeMs, throttleRate, ' +
        'internalErrorRate, rejectRate, resetRate, slowBodyRate, slowBodyMs, seed.',
    },
  ])('refuses $name as fault settings over HTTP and keeps the settings it had', async ({ body, message }) => {
    store.setFaults({ throttleRate: 0.25, seed: 9 });
    const response = await fetch(`${store.endpoint}/_local/faults`, { method: 'POST', body });
    expect([response.status, await response.json()]).toEqual([
      400,
      { __type: 'com.amazonaws.timestream.v20181101#ValidationException', message },
    ]);
    const current = (await (await fetch(`${store.endpoint}/_local/faults`)).json()) as Record<string, number>;
    expect([current.throttleRate, current.seed]).toEqual([0.25, 9]);
    store.setFaults({});
  });

  test('refuses out-of-range fault settings over HTTP', async () => {
    const response = await fetch(`${store.endpoint}/_local/faults`, {
      method: 'POST',
      body: JSON.stringify({ throttleRate: 2 }),
    });
    expect([response.status, await response.json()]).toEqual([
      400,
      {
        __type: 'com.amazonaws.timestream.v20181101#ValidationException',
        message:
          'Faults need latencyMs, spikeMs, slowBodyMs from 0 to 2147483647 ms, spikeRate, throttleRate, internalErrorRate, ' +
          'rejectRate, resetRate, slowBodyRate in [0, 1] and an integer seed.',
      },
    ]);
  });
});
