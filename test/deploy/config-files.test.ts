// SPDX-License-Identifier: Apache-2.0
// samconfig.toml and cdk.json agree with the templates: same stack name, template path, bundle
// folder and the capabilities the template needs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTION_FACTS, STACK_NAME } from '../../lib/stack-facts';
import { loadSamTemplate, ROOT_DIR } from './template-facts';

const samconfig = readFileSync(join(ROOT_DIR, 'samconfig.toml'), 'utf8');

/** Reads `key = "value"` / `key = true` pairs of one TOML table (flat tables only). */
function tomlTable(text: string, table: string): Record<string, string | boolean> {
  const start = text.indexOf(`[${table}]`);
  if (start < 0) throw new Error(`no [${table}] table`);
  const body = text.slice(start + table.length + 2).split(/^\[/m)[0];
  const pairs = [...body.matchAll(/^(\w+)\s*=\s*(?:"([^"]*)"|(true|false))\s*$/gm)];
  return Object.fromEntries(pairs.map((m) => [m[1], m[2] ?? m[3] === 'true']));
}

describe('samconfig.toml', () => {
  test('deploys template.yml as the shared stack name with a SAM-managed bucket and a confirmed changeset', () => {
    expect(tomlTable(samconfig, 'default.deploy.parameters')).toEqual({
      stack_name: STACK_NAME,
      template_file: 'template.yml',
      resolve_s3: true,
      s3_prefix: STACK_NAME,
      capabilities: 'CAPABILITY_IAM',
      confirm_changeset: true,
      fail_on_empty_changeset: false,
    });
    expect(tomlTable(samconfig, 'default.delete.parameters')).toEqual({ stack_name: STACK_NAME });
  });

  test('needs no CAPABILITY_NAMED_IAM: the template names no IAM resource', () => {
    const iam = Object.values(loadSamTemplate().Resources).filter((r) => r.Type.startsWith('AWS::IAM::'));
    expect(iam.map((r) => [r.Type, r.Properties?.RoleName, r.Properties?.ManagedPolicyName])).toEqual([
      ['AWS::IAM::Role', undefined, undefined],
    ]);
  });
});

describe('cdk.json', () => {
  test('runs bin/cdk.ts through tsx, and the stack reads the bundle from the CodeUri folder', () => {
    const cdk = JSON.parse(readFileSync(join(ROOT_DIR, 'cdk.json'), 'utf8')) as { app: string };
    expect(cdk.app).toBe('npx tsx bin/cdk.ts');
    expect(`${FUNCTION_FACTS.codeDir}/`).toBe(
      (loadSamTemplate().Resources.ConnectorFunction.Properties as { CodeUri: string }).CodeUri,
    );
  });
});
