// SPDX-License-Identifier: Apache-2.0
import {
  awsRegion,
  bool,
  bytes,
  bytesOrUnlimited,
  durationMs,
  formatBytes,
  httpUrl,
  InvalidValueError,
  listenAddress,
  nonNegativeInt,
  oneOf,
  positiveInt,
  rate,
  text,
  telemetryPath,
  timestreamName,
  urlPath,
  waitMs,
  type Parser,
} from '../../../lambda/config/parsers';

const BOOL_ACCEPTED = '1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False';

function refusal(parser: Parser<unknown>, raw: string): { message: string; accepted: string } {
  try {
    parser.parse(raw);
  } catch (e) {
    if (e instanceof InvalidValueError) return { message: e.message, accepted: e.accepted };
    throw e;
  }
  throw new Error(`${JSON.stringify(raw)} was accepted`);
}

describe('bool', () => {
  test.each(['1', 't', 'T', 'TRUE', 'true', 'True'])(
    'reads %s as true, as Go strconv.ParseBool does',
    (raw) => {
      expect(bool.parse(raw)).toBe(true);
    },
  );
  test.each(['0', 'f', 'F', 'FALSE', 'false', 'False'])(
    'reads %s as false, as Go strconv.ParseBool does',
    (raw) => {
      expect(bool.parse(raw)).toBe(false);
    },
  );
  test.each(['yes', 'no', 'on', 'tRUE', 'FaLsE', '', ' true', '2'])(
    'refuses %j and lists the Go spellings',
    (raw) => {
      expect(refusal(bool, raw)).toEqual({ message: 'not a boolean', accepted: BOOL_ACCEPTED });
    },
  );
});

describe('numbers', () => {
  test.each([
    { name: 'positive int 1', parser: positiveInt, raw: '1', value: 1 },
    { name: 'positive int large', parser: positiveInt, raw: '9007199254740991', value: 9007199254740991 },
    { name: 'non-negative int 0', parser: nonNegativeInt, raw: '0', value: 0 },
    { name: 'plain bytes', parser: bytes, raw: '1000', value: 1000 },
    { name: 'bytes with B', parser: bytes, raw: '7B', value: 7 },
    { name: 'KiB', parser: bytes, raw: '4KiB', value: 4096 },
    { name: 'MiB', parser: bytes, raw: '32MiB', value: 33554432 },
    { name: 'GiB', parser: bytes, raw: '1GiB', value: 1073741824 },
    { name: 'unlimited bytes 0', parser: bytesOrUnlimited, raw: '0', value: 0 },
    { name: 'duration plain ms', parser: durationMs, raw: '250', value: 250 },
    { name: 'duration ms suffix', parser: durationMs, raw: '250ms', value: 250 },
    { name: 'duration s suffix', parser: durationMs, raw: '10s', value: 10000 },
    {
      name: 'duration at the longest Node.js timer',
      parser: durationMs,
      raw: '2147483647',
      value: 2147483647,
    },
    { name: 'rate 0', parser: rate, raw: '0', value: 0 },
    { name: 'rate 1', parser: rate, raw: '1', value: 1 },
    { name: 'rate 1.0', parser: rate, raw: '1.0', value: 1 },
    { name: 'rate 1. (a trailing point, as Go ParseFloat takes it)', parser: rate, raw: '1.', value: 1 },
    { name: 'rate 0.', parser: rate, raw: '0.', value: 0 },
    { name: 'rate .25', parser: rate, raw: '.25', value: 0.25 },
    { name: 'rate 0.125', parser: rate, raw: '0.125', value: 0.125 },
  ])('parses $name', ({ parser, raw, value }) => {
    expect((parser as Parser<number>).parse(raw)).toBe(value);
  });

  test.each([
    {
      name: 'positive int 0',
      parser: positiveInt,
      raw: '0',
      message: 'less than 1',
      accepted: 'an integer >= 1',
    },
    {
      name: 'negative int',
      parser: nonNegativeInt,
      raw: '-1',
      message: 'not an integer',
      accepted: 'an integer >= 0',
    },
    {
      name: 'decimal int',
      parser: positiveInt,
      raw: '1.5',
      message: 'not an integer',
      accepted: 'an integer >= 1',
    },
    {
      name: 'unsafe int',
      parser: positiveInt,
      raw: '9007199254740993',
      message: 'too large',
      accepted: 'an integer >= 1',
    },
    {
      name: 'bytes past 2^53 with a unit',
      parser: bytes,
      raw: '8388608GiB',
      message: 'too large',
      accepted: 'a byte count >= 1, optionally with a B, KiB, MiB or GiB suffix',
    },
    {
      name: 'bytes 0',
      parser: bytes,
      raw: '0',
      message: 'less than 1 bytes',
      accepted: 'a byte count >= 1, optionally with a B, KiB, MiB or GiB suffix',
    },
    {
      name: 'decimal unit',
      parser: bytes,
      raw: '32MB',
      message: 'not a byte size',
      accepted: 'a byte count >= 1, optionally with a B, KiB, MiB or GiB suffix',
    },
    {
      name: 'duration minutes',
      parser: durationMs,
      raw: '1m',
      message: 'not a duration',
      accepted: 'milliseconds from 1 to 2147483647 (about 24.8 days), as 250, 250ms or 10s',
    },
    {
      name: 'duration past the longest Node.js timer',
      parser: durationMs,
      raw: '2147483648',
      message: 'more than 2147483647 ms, the longest timeout Node.js keeps',
      accepted: 'milliseconds from 1 to 2147483647 (about 24.8 days), as 250, 250ms or 10s',
    },
    {
      name: 'duration in seconds past the longest Node.js timer',
      parser: durationMs,
      raw: '2147484s',
      message: 'more than 2147483647 ms, the longest timeout Node.js keeps',
      accepted: 'milliseconds from 1 to 2147483647 (about 24.8 days), as 250, 250ms or 10s',
    },
    {
      name: 'duration 0',
      parser: durationMs,
      raw: '0s',
      message: 'less than 1 ms',
      accepted: 'milliseconds from 1 to 2147483647 (about 24.8 days), as 250, 250ms or 10s',
    },
    {
      name: 'rate above 1',
      parser: rate,
      raw: '1.5',
      message: 'greater than 1',
      accepted: 'a decimal number from 0 to 1',
    },
    {
      name: 'rate negative',
      parser: rate,
      raw: '-0.1',
      message: 'not a number',
      accepted: 'a decimal number from 0 to 1',
    },
    {
      name: 'rate percent',
      parser: rate,
      raw: '10%',
      message: 'not a number',
      accepted: 'a decimal number from 0 to 1',
    },
  ])('refuses $name', ({ parser, raw, message, accepted }) => {
    expect(refusal(parser as Parser<unknown>, raw)).toEqual({ message, accepted });
  });

  test.each([
    { value: 0, text: '0' },
    { value: 1000, text: '1000' },
    { value: 4096, text: '4KiB' },
    { value: 4718592, text: '4608KiB' },
    { value: 33554432, text: '32MiB' },
    { value: 1073741824, text: '1GiB' },
  ])('formats $value bytes as $text', ({ value, text: expected }) => {
    expect(formatBytes(value)).toBe(expected);
    expect(bytesOrUnlimited.parse(expected)).toBe(value);
  });
});

describe('listenAddress', () => {
  test.each([
    { raw: ':9201', host: '', port: 9201 },
    { raw: '127.0.0.1:9202', host: '127.0.0.1', port: 9202 },
    { raw: 'localhost:0', host: 'localhost', port: 0 },
    { raw: '[::1]:9201', host: '::1', port: 9201 },
    { raw: '[::]:65535', host: '::', port: 65535 },
  ])('parses $raw', ({ raw, host, port }) => {
    expect(listenAddress.parse(raw)).toEqual({ host, port });
    expect(listenAddress.format({ host, port })).toBe(raw);
  });

  test('returns a frozen address', () => {
    expect(Object.isFrozen(listenAddress.parse(':9201'))).toBe(true);
  });

  test.each([
    { raw: '9201', message: 'not a listen address' },
    { raw: '::1:9201', message: 'not a listen address' },
    { raw: 'host:', message: 'not a listen address' },
    { raw: 'host:65536', message: 'port out of range' },
    { raw: 'host:99999', message: 'port out of range' },
    { raw: 'host:100000', message: 'not a listen address' },
    { raw: 'host:port', message: 'not a listen address' },
    { raw: '[::1]9201', message: 'not a listen address' },
    { raw: '[host]:9201', message: 'not a listen address' },
    { raw: '[fe80::1%eth0]:9201', message: 'not a listen address' },
    { raw: 'a b:1', message: 'not a listen address' },
  ])('refuses $raw: $message', ({ raw, message }) => {
    expect(refusal(listenAddress, raw)).toEqual({
      message,
      accepted: ':port, host:port or [ipv6]:port with port 0..65535',
    });
  });
});

describe('strings', () => {
  test('oneOf accepts exactly its values and lists them', () => {
    const level = oneOf(['debug', 'info']);
    expect(level.parse('info')).toBe('info');
    expect(refusal(level, 'INFO')).toEqual({
      message: 'not one of the accepted values',
      accepted: 'debug, info',
    });
  });
  test('text refuses the empty string', () => {
    expect(text.parse('PrometheusDatabase')).toBe('PrometheusDatabase');
    expect(refusal(text, '')).toEqual({ message: 'empty', accepted: 'a non-empty string' });
  });
  test.each(['PrometheusDatabase', 'abc', 'a.b-c_9', 'x'.repeat(256)])('timestreamName accepts %s', (raw) =>
    expect(timestreamName.parse(raw)).toBe(raw),
  );
  test.each([
    ['', 'empty'],
    ['   ', 'not made of the characters Timestream allows'],
    ['Prometheus Database', 'not made of the characters Timestream allows'],
    ['metrics/db', 'not made of the characters Timestream allows'],
    ['métriques', 'not made of the characters Timestream allows'],
    ['db', 'shorter than 3 characters'],
    ['x'.repeat(257), 'longer than 256 characters'],
  ])('timestreamName refuses %j: %s', (raw, message) => {
    expect(refusal(timestreamName, raw)).toEqual({
      message,
      accepted: "a Timestream name: 3 to 256 letters, digits, '_', '-' or '.'",
    });
  });
  test.each([
    'us-east-1',
    'eu-central-1',
    'us-gov-west-1',
    'cn-north-1',
    'local',
    // The SDK's own bounds: letters of either case, 63 characters at most.
    'US-East-1',
    'x'.repeat(63),
  ])('awsRegion accepts %s', (raw) => expect(awsRegion.parse(raw)).toBe(raw));
  test.each([
    ['', 'empty'],
    ['us east 1', 'not a region name'],
    ['eu-west-1 ', 'not a region name'],
    ['us-east-1/', 'not a region name'],
    ['https://timestream.us-east-1.amazonaws.com', 'not a region name'],
    ['us.east.1', 'not a region name'],
    ['-us-east-1', 'not a region name'],
    ['us-east-1-', 'not a region name'],
    ['*', 'not a region name'],
    ['x'.repeat(64), 'not a region name'],
  ])('awsRegion refuses %j, which the SDK refuses on every call', (raw, message) => {
    expect(refusal(awsRegion, raw)).toEqual({
      message,
      accepted:
        "an AWS region name such as us-east-1: 1 to 63 letters, digits or '-', not starting or ending with '-'",
    });
  });
  test.each(['/metrics', '/a/b'])('urlPath accepts %s', (raw) => expect(urlPath.parse(raw)).toBe(raw));
  test.each(['/metrics', '/writes', '/read/x', '/'])('telemetryPath accepts %s', (raw) =>
    expect(telemetryPath.parse(raw)).toBe(raw),
  );
  test.each([
    ['/write', '/write'],
    ['/read/', '/read'],
    ['/healthz', '/healthz'],
  ])('telemetryPath refuses %j, a route of the server', (raw, route) => {
    const error = refusal(telemetryPath, raw);
    expect([error.message, error.accepted]).toEqual([
      `${route} is one of the server's own routes`,
      'a path starting with /, without whitespace, ?, # or %, other than /write, /read and /healthz',
    ]);
  });
  test.each(['metrics', '/m?x=1', '/m#top', '/a b', '/a\tb', ''])('urlPath refuses %j', (raw) => {
    expect(refusal(urlPath, raw)).toMatchObject({
      message: 'not a URL path',
      accepted: 'a path starting with /, without whitespace, ?, # or %',
    });
  });
  test.each(['/my%20metrics', '/%6detrics', '/m%'])('urlPath refuses %j, which no request reaches', (raw) => {
    expect(refusal(urlPath, raw)).toMatchObject({
      message: 'percent-escapes are decoded before routing, so this path is never reached',
      accepted: 'a path starting with /, without whitespace, ?, # or %',
    });
  });
  test.each(['http://localhost:9202', 'https://query-cell1.timestream.us-east-1.amazonaws.com'])(
    'httpUrl accepts %s',
    (raw) => {
      expect(httpUrl.parse(raw)).toBe(raw);
    },
  );
  test.each([
    { raw: 'localhost:9202', message: 'scheme localhost: is not http or https' },
    { raw: 'ftp://x', message: 'scheme ftp: is not http or https' },
    { raw: 'httpx://x', message: 'scheme httpx: is not http or https' },
    { raw: 'not a url', message: 'not a URL' },
  ])('httpUrl refuses $raw', ({ raw, message }) => {
    expect(refusal(httpUrl, raw)).toEqual({ message, accepted: 'an http:// or https:// URL' });
  });
});

describe('waitMs', () => {
  const ACCEPTED = 'an integer number of milliseconds from 0 to 2147483647 (about 24.8 days)';
  test.each([
    ['0', 0],
    ['250', 250],
    ['2147483647', 2147483647],
  ])('accepts %s', (raw, expected) => expect(waitMs.parse(raw)).toBe(expected));
  test.each([
    ['2147483648', 'more than 2147483647 ms, the longest timeout Node.js keeps'],
    ['99999999999999999999', 'more than 2147483647 ms, the longest timeout Node.js keeps'],
    ['250ms', 'not an integer'],
    ['-1', 'not an integer'],
    ['', 'not an integer'],
  ])('refuses %j: %s', (raw, message) => {
    expect(refusal(waitMs, raw)).toEqual({ message, accepted: ACCEPTED });
  });
});
