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
