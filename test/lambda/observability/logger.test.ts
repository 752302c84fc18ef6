// SPDX-License-Identifier: Apache-2.0
import {
  createLogger,
  REDACTED_FIELDS,
  silentLogger,
  type LogFormat,
  type LoggerOptions,
} from '../../../lambda/observability/logger';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const EPOCH = '1970-01-01T00:00:01.500Z';

function capture(options: Partial<LoggerOptions> = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    format: 'json',
    enabled: true,
    nowMs: () => 1500,
    destination: { write: (line: string) => void lines.push(line) },
    ...options,
  });
  return { logger, lines };
}

describe('createLogger json', () => {
  test('writes one JSON line with level, time, fields and msg', () => {
    const { logger, lines } = capture();
    logger.info({ status: 204, samples: 3 }, 'write');
    expect(lines).toEqual([`{"level":"info","time":"${EPOCH}","status":204,"samples":3,"msg":"write"}\n`]);
  });

  test.each([
    { name: 'debug hidden at info', level: 'info' as const, expected: ['info', 'warn', 'error'] },
    { name: 'all at debug', level: 'debug' as const, expected: ['debug', 'info', 'warn', 'error'] },
    { name: 'only error at error', level: 'error' as const, expected: ['error'] },
  ])('filters by level: $name', ({ level, expected }) => {
    const { logger, lines } = capture({ level });
    logger.debug({}, 'd');
    logger.info({}, 'i');
    logger.warn({}, 'w');
    logger.error({}, 'e');
    expect(lines.map((line) => (JSON.parse(line) as { level: string }).level)).toEqual(expected);
  });

  test('keeps only errors when logging is disabled', () => {
    const { logger, lines } = capture({ enabled: false, level: 'debug' });
    logger.info({}, 'hidden');
    logger.warn({}, 'hidden');
    logger.error({ status: 503 }, 'write failed');
    expect(lines).toEqual([`{"level":"error","time":"${EPOCH}","status":503,"msg":"write failed"}\n`]);
  });

  test('adds child bindings to every line', () => {
    const { logger, lines } = capture();
    logger.child({ requestId: 'abc' }).child({ route: '/write' }).info({ n: 1 }, 'x');
    expect(lines).toEqual([
      `{"level":"info","time":"${EPOCH}","requestId":"abc","route":"/write","n":1,"msg":"x"}\n`,
    ]);
  });

  test('serialises errors with type and message', () => {
    const { logger, lines } = capture();
    logger.error({ err: new TypeError('bad') }, 'oops');
    const line = JSON.parse(lines[0]) as { err: { type: string; message: string; stack: string } };
    expect([line.err.type, line.err.message, line.err.stack.startsWith('TypeError: bad\n')]).toEqual([
      'TypeError',
      'bad',
      true,
    ]);
  });
});

describe('redaction', () => {
  const nested = (key: string) => ({
    [key]: SECRET,
    request: { headers: { [key]: SECRET, host: 'h' } },
    list: [{ deeper: { [key]: SECRET } }],
  });

  test.each(
    (['json', 'logfmt'] as LogFormat[]).flatMap((format) =>
      [...REDACTED_FIELDS, 'Authorization', 'X-Amz-Security-Token', 'SecretAccessKey'].map((key) => ({
        name: `${key} in ${format}`,
        key,
        format,
      })),
    ),
  )('hides $name at any depth, in fields and bindings', ({ key, format }) => {
    const { logger, lines } = capture({ format });
    logger.info(nested(key), 'request');
    logger.child(nested(key)).warn({}, 'child');
    const text = lines.join('');
    expect(text).not.toContain(SECRET);
    expect(text.split('[REDACTED]').length - 1).toBe(6);
  });

  test('redacts exactly the documented secret field names', () => {
    expect(REDACTED_FIELDS).toEqual([
      'authorization',
      'password',
      'secretAccessKey',
      'sessionToken',
      'x-amz-security-token',
      'cookie',
    ]);
  });

  test.each(['Cookie', 'PASSWORD', 'SessionToken', 'secretaccesskey'])(
    'hides %s in any letter case',
    (key) => {
      const { logger, lines } = capture();
      logger.info({ [key]: SECRET }, 'r');
      expect(lines[0]).toBe(`{"level":"info","time":"${EPOCH}","${key}":"[REDACTED]","msg":"r"}\n`);
    },
  );

  test('hides secrets in objects without a prototype (Node header maps)', () => {
    const { logger, lines } = capture();
    const headers = Object.assign(Object.create(null) as Record<string, string>, { authorization: SECRET });
    logger.info({ headers }, 'r');
    expect(lines[0]).toBe(
      `{"level":"info","time":"${EPOCH}","headers":{"authorization":"[REDACTED]"},"msg":"r"}\n`,
    );
  });

  test('replaces values nested deeper than 12 levels by a marker, secrets never printed', () => {
    const { logger, lines } = capture();
    let deep: Record<string, unknown> = { authorization: SECRET };
    for (let i = 0; i < 12; i++) deep = { d: deep };
    logger.info({ deep }, 'r');
    expect(lines[0]).not.toContain(SECRET);
    expect(lines[0]).toBe(
      `{"level":"info","time":"${EPOCH}","deep":${'{"d":'.repeat(11)}"[TOO DEEP]"${'}'.repeat(11)},"msg":"r"}\n`,
    );
  });

  test('replaces the value in place, leaving the rest', () => {
    const { logger, lines } = capture();
    logger.info({ headers: { authorization: SECRET, 'content-type': 'application/x-protobuf' } }, 'r');
    expect(lines[0]).toBe(
      `{"level":"info","time":"${EPOCH}","headers":{"authorization":"[REDACTED]","content-type":"application/x-protobuf"},"msg":"r"}\n`,
    );
  });

  test('hides secrets attached to an error', () => {
    const { logger, lines } = capture();
    logger.error({ err: Object.assign(new Error('denied'), { sessionToken: SECRET }) }, 'e');
    expect(lines[0]).not.toContain(SECRET);
    expect((JSON.parse(lines[0]) as { err: Record<string, string> }).err.sessionToken).toBe('[REDACTED]');
  });

  test.each<LogFormat>(['json', 'logfmt'])(
    'hides secrets inside class instances, such as an SDK request or an error response (%s)',
    (format) => {
      class SignedRequest {
        constructor(readonly headers: Record<string, string>) {}
      }
      const { logger, lines } = capture({ format });
      const request = new SignedRequest({ authorization: SECRET, 'x-amz-security-token': SECRET, host: 'h' });
      logger.info({ request }, 'r');
      logger.error({ err: Object.assign(new Error('denied'), { $response: request }) }, 'e');
      logger.child({ request }).info({}, 'c');
      const text = lines.join('');
      expect(text).not.toContain(SECRET);
      expect(text.split('[REDACTED]').length - 1).toBe(6);
      if (format === 'json')
        expect(lines[0]).toBe(
          `{"level":"info","time":"${EPOCH}","request":{"headers":{"authorization":"[REDACTED]","x-amz-security-token":"[REDACTED]","host":"h"}},"msg":"r"}\n`,
        );
      else
        expect(lines[0]).toBe(
          `time=${EPOCH} level=info msg=r request.headers.authorization=[REDACTED] request.headers.x-amz-security-token=[REDACTED] request.headers.host=h\n`,
        );
    },
  );

  test('writes dates and buffers as JSON does', () => {
    const { logger, lines } = capture();
    logger.info({ at: new Date(0), bytes: Buffer.from('ab') }, 'r');
    expect(lines[0]).toBe(
      `{"level":"info","time":"${EPOCH}","at":"1970-01-01T00:00:00.000Z","bytes":{"type":"Buffer","data":[97,98]},"msg":"r"}\n`,
    );
  });

  test("does not modify the caller's object", () => {
    const { logger } = capture();
    const fields = { headers: { authorization: SECRET } };
    logger.info(fields, 'r');
    expect(fields.headers.authorization).toBe(SECRET);
  });
});

describe('createLogger logfmt', () => {
  test('writes time, level and msg first, then flattened fields', () => {
    const { logger, lines } = capture({ format: 'logfmt' });
    logger
      .child({ route: '/write' })
      .info({ status: 400, reason: 'bad series', counts: { rejected: 2 }, ok: false }, 'write refused');
    expect(lines).toEqual([
      `time=${EPOCH} level=info msg="write refused" route=/write status=400 reason="bad series" counts.rejected=2 ok=false\n`,
    ]);
  });

  test('keeps one entry on one line and escapes quotes', () => {
    const { logger, lines } = capture({ format: 'logfmt' });
    logger.warn({ detail: 'line1\nline2 "q"', tab: 'a\tb' }, 'multi\nline');
    expect(lines).toEqual([
      `time=${EPOCH} level=warn msg="multi\\nline" detail="line1\\nline2 \\"q\\"" tab="a\\tb"\n`,
    ]);
  });

  // A quoted logfmt value is unescaped as a JSON string is (go-logfmt, and Loki's parser built on
  // it); an unquoted one is taken as written, so `a\nb` would read back as a backslash and an n.
  test.each([
    { name: 'a newline', value: 'multi\nline' },
    { name: 'a tab beside a quote and a backslash', value: 'a\t"b\\' },
    { name: 'a newline beside a space', value: 'x y\nz' },
    { name: 'U+0001', value: 'a\u0001b' },
    { name: 'DEL', value: 'a\u007f' },
    { name: 'NEL (U+0085)', value: 'a\u0085b' },
    { name: 'U+2028', value: 'a\u2028b' },
  ])('quotes a value holding $name, so a logfmt decoder reads it back as it was', ({ value }) => {
    const { logger, lines } = capture({ format: 'logfmt' });
    logger.info({ v: value }, 'm');
    const quoted = /^time=\S+ level=info msg=m v=("(?:[^"\\]|\\.)*")\n$/.exec(lines[0])?.[1];
    expect(quoted === undefined ? undefined : JSON.parse(quoted)).toBe(value);
  });
});

test.each([
  { name: 'U+0001', text: 'a\u0001b', escaped: 'a\\u0001b' },
  { name: 'U+001B', text: 'a\u001bb', escaped: 'a\\u001bb' },
  { name: 'DEL', text: 'a\u007fb', escaped: 'a\\u007fb' },
  { name: 'NEL (U+0085)', text: 'a\u0085b', escaped: 'a\\u0085b' },
  { name: 'U+009F', text: 'a\u009fb', escaped: 'a\\u009fb' },
  { name: 'U+2028', text: 'a\u2028b', escaped: 'a\\u2028b' },
  { name: 'U+2029', text: 'a\u2029b', escaped: 'a\\u2029b' },
])('logfmt escapes control character $name as \\u plus four hex digits', ({ text, escaped }) => {
  const { logger, lines } = capture({ format: 'logfmt' });
  logger.info({ v: text }, 'm');
  expect(lines).toEqual([`time=${EPOCH} level=info msg=m v="${escaped}"\n`]);
});

describe("fields named like a line's own keys", () => {
  // The embedded store's request lines carry a `msg` of their own (bin/cli.ts logs them at debug).
  const storeLine = { msg: 'local-store request', operation: 'WriteRecords', status: 200 };

  test('are written under field.<name> in JSON, so each key appears once', () => {
    const { logger, lines } = capture({ level: 'debug' });
    logger.debug(storeLine, 'local store');
    logger.child({ level: 'x' }).info({ time: 'y' }, 'm');
    expect(lines).toEqual([
      `{"level":"debug","time":"${EPOCH}","field.msg":"local-store request","operation":"WriteRecords","status":200,"msg":"local store"}\n`,
      `{"level":"info","time":"${EPOCH}","field.level":"x","field.time":"y","msg":"m"}\n`,
    ]);
  });

  test("never replace the line's level, time or message in logfmt", () => {
    const { logger, lines } = capture({ format: 'logfmt', level: 'debug' });
    logger.debug({ ...storeLine, level: 'x', time: 'y' }, 'local store');
    expect(lines).toEqual([
      `time=${EPOCH} level=debug msg="local store" field.msg="local-store request" operation=WriteRecords status=200 field.level=x field.time=y\n`,
    ]);
  });
});

test('silentLogger writes nothing and returns itself as child', () => {
  expect(silentLogger.child({ a: 1 })).toBe(silentLogger);
  expect(silentLogger.info({}, 'x')).toBeUndefined();
});
