// SPDX-License-Identifier: Apache-2.0
import { bool, nonNegativeInt, text } from '../../lambda/config/parsers';
import type { Setting } from '../../lambda/config/settings';
import { appliesOnLambda, lambdaEnvironment } from '../../lib/stack-facts';

const base = { key: 'k', flag: 'f', help: 'h' };
const SETTINGS_FIXTURE: Setting[] = [
  { ...base, env: 'default_database', default: undefined, parser: text, scope: 'both' } as Setting,
  { ...base, env: 'region', default: 'us-east-1', parser: text, scope: 'both' } as Setting,
  { ...base, env: 'write_base_endpoint', default: undefined, parser: text, scope: 'both' } as Setting,
  { ...base, env: 'max_read_retries', default: 3, parser: nonNegativeInt, scope: 'both' } as Setting,
  {
    ...base,
    env: 'log_format',
    default: 'logfmt',
    modeDefaults: { lambda: 'json' },
    parser: text,
    scope: 'both',
  } as Setting,
  { ...base, env: 'fail_on_long_label', default: false, parser: bool, scope: 'both' } as Setting,
  {
    ...base,
    env: 'max_series_per_request',
    default: 100,
    parser: nonNegativeInt,
    scalesWithLambdaMemory: true,
    scope: 'both',
  } as Setting,
  { ...base, default: true, parser: bool, scope: 'both' } as Setting,
  { ...base, env: 'server_only', default: 1, parser: nonNegativeInt, scope: 'server' } as Setting,
  { ...base, env: 'local_only', default: 1, parser: nonNegativeInt, scope: 'local' } as Setting,
];

describe('lambdaEnvironment', () => {
  test('feeds parameters, makes endpoints optional, leaves memory-scaled limits out and fixes the rest', () => {
    expect(lambdaEnvironment(SETTINGS_FIXTURE)).toEqual([
      ['default_database', { kind: 'parameter', parameter: 'DefaultDatabase' }],
      ['region', { kind: 'parameter', parameter: 'AWS::Region' }],
      [
        'write_base_endpoint',
        { kind: 'optional', parameter: 'WriteBaseEndpoint', condition: 'HasWriteBaseEndpoint' },
      ],
      ['max_read_retries', { kind: 'constant', value: '3' }],
      ['log_format', { kind: 'constant', value: 'json' }],
      ['fail_on_long_label', { kind: 'constant', value: 'false' }],
    ]);
  });

  test('refuses a setting with neither a parameter nor a default', () => {
    const orphan = {
      ...base,
      flag: 'orphan',
      env: 'orphan',
      default: undefined,
      parser: text,
      scope: 'both',
    } as Setting;
    expect(() => lambdaEnvironment([orphan])).toThrow('setting orphan has no Lambda default for orphan');
  });

  test.each([
    { name: 'both with env', setting: SETTINGS_FIXTURE[1], expected: true },
    { name: 'no env', setting: SETTINGS_FIXTURE[7], expected: false },
    { name: 'server only', setting: SETTINGS_FIXTURE[8], expected: false },
    { name: 'local only', setting: SETTINGS_FIXTURE[9], expected: false },
  ])('appliesOnLambda: $name -> $expected', ({ setting, expected }) => {
    expect(appliesOnLambda(setting)).toBe(expected);
  });
});
