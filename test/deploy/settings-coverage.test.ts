// SPDX-License-Identifier: Apache-2.0
// Every setting the Lambda reads from its environment is set by both templates (with the
// connector's own default where no parameter feeds it) and documented in README.md.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS, type Setting } from '../../lambda/config/settings';
import { appliesOnLambda, lambdaEnvironment } from '../../lib/stack-facts';
import { functionProperties, loadSamTemplate, render, ROOT_DIR, synthCdkStack } from './template-facts';

const lambdaSettings = (SETTINGS as readonly Setting[]).filter(appliesOnLambda);
const lambdaEnvNames = lambdaSettings.map((s) => s.env as string);

function environmentOf(which: 'template.yml' | 'CDK stack'): Record<string, unknown> {
  const template = which === 'template.yml' ? loadSamTemplate() : synthCdkStack().json;
  const { Variables } = functionProperties(template).Environment as { Variables: Record<string, unknown> };
  return render(Variables, template) as Record<string, unknown>;
}

const TEMPLATES = [{ name: 'template.yml' as const }, { name: 'CDK stack' as const }];

describe('Lambda settings coverage', () => {
  test('finds the Lambda settings of the settings table', () => {
    expect(lambdaEnvNames).toEqual(
      expect.arrayContaining(['default_database', 'default_table', 'log_level', 'enable_sigv4_auth']),
    );
  });

  test.each(TEMPLATES)('$name sets exactly the Lambda environment variables of SETTINGS', ({ name }) => {
    const env = environmentOf(name);
    const missing = lambdaEnvNames.filter((n) => !(n in env));
    const unknown = Object.keys(env).filter((n) => !lambdaEnvNames.includes(n));
    expect({ missing, unknown }).toEqual({ missing: [], unknown: [] });
  });

  test.each(TEMPLATES)('$name fixes each unparameterised variable to its Lambda default', ({ name }) => {
    const env = environmentOf(name);
    const expected = Object.fromEntries(
      lambdaEnvironment().flatMap(([n, source]) => (source.kind === 'constant' ? [[n, source.value]] : [])),
    );
    const actual = Object.fromEntries(Object.keys(expected).map((n) => [n, env[n]]));
    expect(actual).toEqual(expected);
  });

  test('README.md documents every Lambda environment variable', () => {
    const readme = join(ROOT_DIR, 'README.md');
    const text = existsSync(readme) ? readFileSync(readme, 'utf8') : '';
    const missing = lambdaEnvNames.filter((n) => !new RegExp(`\\b${n}\\b`).test(text));
    if (missing.length > 0) {
      throw new Error(`README.md does not mention these Lambda environment variables: ${missing.join(', ')}`);
    }
  });
});
