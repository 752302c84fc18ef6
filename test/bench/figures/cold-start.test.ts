// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coldStartEnv, timedArchitecture } from '../../../bench/figures/cold-start';

describe('timedArchitecture', () => {
  // The deployed package (arm64) carries a binary another architecture cannot load, so the
  // figure times a package whose binary loads here, as the deployed one loads on Lambda.
  test.each([
    { arch: 'x64', timed: 'x86_64' },
    { arch: 'arm64', timed: 'arm64' },
    { arch: 'ia32', timed: 'arm64' },
    { arch: 's390x', timed: 'arm64' },
  ])('node on $arch: the $timed package', ({ arch, timed }) => {
    expect(timedArchitecture(arch)).toBe(timed);
  });
});

describe('coldStartEnv', () => {
  const env = coldStartEnv('http://127.0.0.1:9');
  const template = readFileSync(join(__dirname, '..', '..', '..', 'template.yml'), 'utf8');

  // Logging on costs a cold start its start-up and request lines (~9 ms when measured).
  test.each(['enable_logging', 'log_format'])('%s as the deployed function has it', (name) => {
    const deployed = new RegExp(`^ +${name}: '?([a-z]+)'?$`, 'm').exec(template)?.[1];
    expect(deployed).toBeDefined();
    expect(env[name]).toBe(deployed);
  });

  test('both endpoints are the stand-in', () => {
    expect(env.write_base_endpoint).toBe('http://127.0.0.1:9');
    expect(env.query_base_endpoint).toBe('http://127.0.0.1:9');
  });
});
