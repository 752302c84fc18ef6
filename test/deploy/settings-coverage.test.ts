// SPDX-License-Identifier: Apache-2.0
// Every setting the Lambda reads from its environment is set by both templates (with the
// connector's own default where no parameter feeds it) and documented in README.md.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../lambda/config/load';
import { SETTINGS, type Setting } from '../../lambda/config/settings';
import { appliesOnLambda, lambdaEnvironment } from '../../lib/stack-facts';
import { functionProperties, loadSamTemplate, render, ROOT_DIR, synthCdkStack } from './template-facts';

const lambdaSettings = (SETTINGS as readonly Setting[]).filter(appliesOnLambda);
const lambdaEnvNames = lambdaSettings.map((s) => s.env as string);
// Their Lambda defaults follow the function's memory, which a fixed value would override.
const memoryScaledNames = lambdaSettings
  .filter((s) => s.scalesWithLambdaMemory === true)
  .map((s) => s.env as string);
const templateEnvNames = lambdaEnvNames.filter((n) => !memoryScaledNames.includes(n));

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

  test('finds the request limits that scale with the function memory', () => {
    expect(memoryScaledNames).toEqual([
      'max_decoded_bytes',
      'max_series_per_request',
      'max_samples_per_request',
    ]);
  });

  test.each(TEMPLATES)(
    '$name sets exactly the Lambda environment variables of SETTINGS but the memory-scaled ones',
    ({ name }) => {
      const env = environmentOf(name);
      const missing = templateEnvNames.filter((n) => !(n in env));
      const unknown = Object.keys(env).filter((n) => !templateEnvNames.includes(n));
      expect({ missing, unknown }).toEqual({ missing: [], unknown: [] });
    },
  );

  test.each(TEMPLATES)(
    "$name's environment leaves a 512 MB function the limits of its memory",
    ({ name }) => {
      // The fixed values as the function gets them; parameters and conditions render as placeholders.
      const fixed = Object.fromEntries(
        Object.entries(environmentOf(name)).filter(([, v]) => typeof v === 'string' && !/\$\{|^If\(/.test(v)),
      );
      const env = {
        ...fixed,
        default_database: 'db1',
        default_table: 'tbl',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      };
      expect(loadConfig({ env, mode: 'lambda' }).limits).toEqual({
        maxBodyBytes: 33554432,
        maxDecodedBytes: 8388608,
        maxSeriesPerRequest: 12500,
        maxSamplesPerRequest: 125000,
        maxLabelsPerSeries: 512,
        maxResponseBytes: 4194304,
      });
    },
  );

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
