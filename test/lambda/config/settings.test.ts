// SPDX-License-Identifier: Apache-2.0
import { SETTINGS, type Setting } from '../../../lambda/config/settings';

const settings = SETTINGS as readonly Setting[];

// SPEC section 2: the reference connector's spellings and defaults, kept as they are.
const REFERENCE = [
  { flag: 'default-database', env: 'default_database', default: undefined },
  { flag: 'default-table', env: 'default_table', default: undefined },
  { flag: 'region', env: 'region', default: 'us-east-1' },
  { flag: 'web.listen-address', env: undefined, default: ':9201' },
  { flag: 'web.telemetry-path', env: undefined, default: '/metrics' },
  { flag: 'tls-certificate', env: undefined, default: undefined },
  { flag: 'tls-key', env: undefined, default: undefined },
  { flag: 'enable-logging', env: 'enable_logging', default: 'true' },
  { flag: 'log.level', env: 'log_level', default: 'info' },
  { flag: 'log.format', env: 'log_format', default: 'logfmt' },
  { flag: 'max-read-retries', env: 'max_read_retries', default: '3' },
  { flag: 'max-write-retries', env: 'max_write_retries', default: '10' },
  { flag: 'fail-on-long-label', env: 'fail_on_long_label', default: 'false' },
  { flag: 'fail-on-invalid-sample-value', env: 'fail_on_invalid_sample_value', default: 'false' },
  { flag: 'enable-sigv4-auth', env: 'enable_sigv4_auth', default: 'false' },
  { flag: 'query-base-endpoint', env: 'query_base_endpoint', default: undefined },
  { flag: 'write-base-endpoint', env: 'write_base_endpoint', default: undefined },
];

describe('SETTINGS', () => {
  test.each(REFERENCE)('keeps the reference option --$flag', ({ flag, env, default: expected }) => {
    const s = settings.find((x) => x.flag === flag);
    expect(s?.env).toBe(env);
    expect(s?.default === undefined ? undefined : s.parser.format(s.default)).toBe(expected);
  });

  test('has unique keys, flags and env names', () => {
    const envs = settings.flatMap((s) => (s.env === undefined ? [] : [s.env]));
    expect(new Set(settings.map((s) => s.key)).size).toBe(settings.length);
    expect(new Set(settings.map((s) => s.flag)).size).toBe(settings.length);
    expect(new Set(envs).size).toBe(envs.length);
  });

  test.each(settings.map((s) => ({ name: s.flag, s })))('spells $name consistently', ({ s }) => {
    expect(s.flag).toMatch(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/);
    if (s.env !== undefined) expect(s.env).toBe(s.flag.replace(/[.-]/g, '_'));
    // local-mode and server-only options have no Lambda variable; everything else has one
    expect(s.env === undefined).toBe(s.scope !== 'both');
    expect(s.help).toMatch(/^[A-Z].*\.$/);
  });

  test.each(settings.filter((s) => s.default !== undefined).map((s) => ({ name: s.flag, s })))(
    'default of $name survives format and parse',
    ({ s }) => {
      expect(s.parser.parse(s.parser.format(s.default))).toEqual(s.default);
    },
  );
});

// Where each option applies and what it accepts: a parser swapped for a looser one (an integer >= 0
// where >= 1 is meant, an extra log format) or an option moved out of local mode shows here.
const INT_0 = 'an integer >= 0';
const INT_1 = 'an integer >= 1';
const BOOL = '1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False';
const BYTES_1 = 'a byte count >= 1, optionally with a B, KiB, MiB or GiB suffix';
const DURATION = 'milliseconds from 1 to 2147483647 (about 24.8 days), as 250, 250ms or 10s';
const RATE = 'a decimal number from 0 to 1';
const TEXT = 'a non-empty string';
const TIMESTREAM_NAME = "a Timestream name: 3 to 256 letters, digits, '_', '-' or '.'";
const LISTEN = ':port, host:port or [ipv6]:port with port 0..65535';
const URL = 'an http:// or https:// URL';
const REGION =
  "an AWS region name such as us-east-1: 1 to 63 letters, digits or '-', not starting or ending with '-'";

const ACCEPTED = [
  { flag: 'default-database', scope: 'both', accepted: TIMESTREAM_NAME },
  { flag: 'default-table', scope: 'both', accepted: TIMESTREAM_NAME },
  { flag: 'region', scope: 'both', accepted: REGION },
  { flag: 'web.listen-address', scope: 'server', accepted: LISTEN },
  {
    flag: 'web.telemetry-path',
    scope: 'server',
    accepted: 'a path starting with /, without whitespace, ?, # or %, other than /write, /read and /healthz',
  },
  { flag: 'tls-certificate', scope: 'server', accepted: TEXT },
  { flag: 'tls-key', scope: 'server', accepted: TEXT },
  { flag: 'enable-logging', scope: 'both', accepted: BOOL },
  { flag: 'log.level', scope: 'both', accepted: 'debug, info, warn, error' },
  { flag: 'log.format', scope: 'both', accepted: 'logfmt, json' },
  { flag: 'max-read-retries', scope: 'both', accepted: INT_0 },
  { flag: 'max-write-retries', scope: 'both', accepted: INT_0 },
  { flag: 'fail-on-long-label', scope: 'both', accepted: BOOL },
  { flag: 'fail-on-invalid-sample-value', scope: 'both', accepted: BOOL },
  { flag: 'enable-sigv4-auth', scope: 'both', accepted: BOOL },
  { flag: 'query-base-endpoint', scope: 'both', accepted: URL },
  { flag: 'write-base-endpoint', scope: 'both', accepted: URL },
  { flag: 'write-concurrency', scope: 'both', accepted: INT_1 },
  { flag: 'web.max-concurrent-writes', scope: 'server', accepted: INT_0 },
  { flag: 'web.write-queue-timeout', scope: 'server', accepted: DURATION },
  { flag: 'web.max-concurrent-reads', scope: 'server', accepted: INT_0 },
  { flag: 'read-concurrency', scope: 'both', accepted: INT_1 },
  { flag: 'write-timeout', scope: 'both', accepted: DURATION },
  { flag: 'read-timeout', scope: 'both', accepted: DURATION },
  { flag: 'max-body-bytes', scope: 'both', accepted: BYTES_1 },
  { flag: 'max-decoded-bytes', scope: 'both', accepted: BYTES_1 },
  { flag: 'max-series-per-request', scope: 'both', accepted: INT_1 },
  { flag: 'max-samples-per-request', scope: 'both', accepted: INT_1 },
  { flag: 'max-labels-per-series', scope: 'both', accepted: INT_1 },
  {
    flag: 'max-response-bytes',
    scope: 'both',
    accepted: 'a byte count, optionally with a B, KiB, MiB or GiB suffix; 0 = unlimited',
  },
  { flag: 'local', scope: 'local', accepted: BOOL },
  { flag: 'local.data-dir', scope: 'local', accepted: TEXT },
  { flag: 'local.listen-address', scope: 'local', accepted: LISTEN },
  { flag: 'local.page-size', scope: 'local', accepted: INT_1 },
  { flag: 'local.query-timeout', scope: 'local', accepted: DURATION },
  { flag: 'local.credentials', scope: 'local', accepted: TEXT },
  {
    flag: 'local.fault-latency',
    scope: 'local',
    accepted: 'an integer number of milliseconds from 0 to 2147483647 (about 24.8 days)',
  },
  { flag: 'local.fault-throttle-rate', scope: 'local', accepted: RATE },
  { flag: 'local.fault-internal-error-rate', scope: 'local', accepted: RATE },
  { flag: 'local.fault-seed', scope: 'local', accepted: INT_0 },
];

describe('SETTINGS scopes and accepted values', () => {
  test('lists every option once, in table order', () => {
    expect(settings.map((s) => s.flag)).toEqual(ACCEPTED.map((a) => a.flag));
  });

  test.each(ACCEPTED)('--$flag applies to $scope and accepts $accepted', ({ flag, scope, accepted }) => {
    const s = settings.find((x) => x.flag === flag);
    expect([s?.scope, s?.parser.accepted]).toEqual([scope, accepted]);
  });
});

// The embedded store injects faults into its data-plane calls only (DATA_PLANE_OPERATIONS in
// lambda/local-store/engine.ts): CreateTable, DescribeEndpoints and the like are never slowed or
// refused, and a page size caps a client's larger MaxRows too (query-executor.ts), so the help
// (and the README table rendered from it) must say so.
describe('SETTINGS help of the embedded store options', () => {
  test.each(['local.fault-latency', 'local.fault-throttle-rate', 'local.fault-internal-error-rate'])(
    '--%s names the calls it applies to',
    (flag) => {
      const help = settings.find((s) => s.flag === flag)?.help;
      expect(help).toContain('WriteRecords and Query call');
      expect(help).not.toMatch(/\bevery call\b|^Share of calls\b/);
    },
  );

  test('--local.page-size also caps a larger MaxRows', () => {
    expect(settings.find((s) => s.flag === 'local.page-size')?.help).toContain('no smaller MaxRows');
  });
});
