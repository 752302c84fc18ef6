// SPDX-License-Identifier: Apache-2.0
// Loads both deployment templates (template.yml and the synthesized CDK stack) as plain JSON and
// reduces them to comparable facts: logical ids (which differ) are replaced by resource types,
// and Sub/Join/Ref/GetAtt are rendered to one string form.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConnectorStack } from '../../lib/connector-stack';
import { STACK_NAME } from '../../lib/stack-facts';
import { parseCfnYaml } from '../../scripts/cfn-yaml';

/** A CloudFormation template as JSON. */
export interface CfnTemplate {
  Parameters?: Record<string, Record<string, unknown>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<
    string,
    { Type: string; Condition?: string; DeletionPolicy?: string; Properties?: Record<string, unknown> }
  >;
  Outputs?: Record<string, { Description?: string; Value: unknown }>;
}

/** Repository root, from test/deploy/. */
export const ROOT_DIR = join(__dirname, '..', '..');

/** Parses template.yml with the CloudFormation short-form tags. */
export function loadSamTemplate(): CfnTemplate {
  return parseCfnYaml(readFileSync(join(ROOT_DIR, 'template.yml'), 'utf8')) as unknown as CfnTemplate;
}

/**
 * Synthesizes the CDK stack against a placeholder bundle in a temporary folder. The cloud assembly
 * goes into a temporary folder of its own, removed with the bundle's: an App without `outdir` makes
 * a `cdk.out*` folder in the system's temporary directory and leaves it there. It cannot be inside
 * the bundle's folder, which synthesis copies into it.
 */
export function synthCdkStack(): { template: Template; json: CfnTemplate } {
  const codePath = mkdtempSync(join(tmpdir(), 'connector-asset-'));
  const outdir = mkdtempSync(join(tmpdir(), 'connector-cdk-out-'));
  try {
    writeFileSync(join(codePath, 'index.js'), 'exports.handler = async () => ({ statusCode: 204 });\n');
    const stack = new ConnectorStack(new App({ outdir }), STACK_NAME, { codePath });
    const template = Template.fromStack(stack);
    return { template, json: template.toJSON() as CfnTemplate };
  } finally {
    rmSync(codePath, { recursive: true, force: true });
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Returns the one resource of a type, failing when there are none or several. */
export function onlyResource(template: CfnTemplate, type: string): { Properties: Record<string, unknown> } {
  const found = Object.values(template.Resources).filter((r) => r.Type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return { Properties: found[0].Properties ?? {} };
}

/** Lists the resources of a type. */
export function resourcesOfType(
  template: CfnTemplate,
  type: string,
): { Properties: Record<string, unknown>; Condition?: string }[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === type)
    .map((r) => ({ Properties: r.Properties ?? {}, Condition: r.Condition }));
}

/**
 * Renders intrinsic functions to strings with `${…}` placeholders naming parameters, pseudo
 * parameters or, for resources, their type (`${AWS::ApiGatewayV2::Api}`), so two templates that
 * differ only in logical ids and Sub-versus-Join spelling render the same.
 */
export function render(value: unknown, template: CfnTemplate): unknown {
  // SAM's function becomes an AWS::Lambda::Function after the transform.
  const name = (id: string): string =>
    (template.Resources[id]?.Type ?? id).replace('AWS::Serverless::Function', 'AWS::Lambda::Function');
  const placeholder = (ref: string): string => {
    const dot = ref.indexOf('.');
    return dot < 0 ? `\${${name(ref)}}` : `\${${name(ref.slice(0, dot))}${ref.slice(dot)}}`;
  };
  if (Array.isArray(value)) return value.map((v) => render(v, template));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [key] = keys;
    const arg = obj[key];
    if (key === 'Ref') return placeholder(arg as string);
    if (key === 'Fn::GetAtt') return placeholder((arg as string[]).join('.'));
    if (key === 'Fn::Sub') {
      const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
      return text.replace(/\$\{([^}!]+)\}/g, (_m, ref: string) =>
        ref in vars ? String(render(vars[ref], template)) : placeholder(ref),
      );
    }
    if (key === 'Fn::Join') {
      const [sep, parts] = arg as [string, unknown[]];
      return parts.map((p) => String(render(p, template))).join(sep);
    }
    if (key === 'Fn::If') {
      const [condition, yes, no] = arg as [string, unknown, unknown];
      return `If(${condition}, ${String(render(yes, template))}, ${String(render(no, template))})`;
    }
  }
  return Object.fromEntries(keys.map((k) => [k, render(obj[k], template)]));
}

/** Reduces a template to the facts both deployments must share. */
export function deploymentFacts(template: CfnTemplate) {
  const { BootstrapVersion: _bootstrap, ...parameters } = template.Parameters ?? {};
  const fn = functionProperties(template);
  const stage = onlyResource(template, 'AWS::ApiGatewayV2::Stage').Properties;
  const integration = onlyResource(template, 'AWS::ApiGatewayV2::Integration').Properties;
  const role = onlyResource(template, 'AWS::IAM::Role').Properties;
  const logGroups = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
  const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route')
    .map((r) => ({
      routeKey: r.Properties.RouteKey,
      authorizationType: render(r.Properties.AuthorizationType, template),
      target: render(r.Properties.Target, template),
    }))
    .sort((a, b) => String(a.routeKey).localeCompare(String(b.routeKey)));
  const policies = (
    role.Policies as { PolicyName: unknown; PolicyDocument: { Statement: Record<string, unknown>[] } }[]
  ).map((p) => ({
    name: render(p.PolicyName, template),
    statements: p.PolicyDocument.Statement.map((s) => ({
      effect: s.Effect,
      actions: [s.Action].flat().map(String).sort(),
      resources: [render(s.Resource, template)].flat(),
    })),
  }));
  return {
    parameters,
    conditions: template.Conditions,
    routes,
    routeSettings: render(stage.RouteSettings, template),
    stage: { name: render(stage.StageName, template), autoDeploy: stage.AutoDeploy },
    integration: render(
      {
        type: integration.IntegrationType,
        uri: integration.IntegrationUri,
        payload: integration.PayloadFormatVersion,
        timeout: integration.TimeoutInMillis,
      },
      template,
    ),
    function: render(
      {
        runtime: fn.Runtime,
        architectures: fn.Architectures,
        handler: fn.Handler,
        memory: fn.MemorySize,
        timeout: fn.Timeout,
        role: fn.Role,
        logging: fn.LoggingConfig,
      },
      template,
    ),
    environment: render((fn.Environment as { Variables: Record<string, unknown> }).Variables, template),
    // CloudFormation deletes a resource without a DeletionPolicy with its stack.
    logGroups: logGroups.map((r) => ({
      retentionInDays: r.Properties?.RetentionInDays,
      deletionPolicy: r.DeletionPolicy ?? 'Delete',
    })),
    assumeRole: role.AssumeRolePolicyDocument,
    managedPolicies: role.ManagedPolicyArns ?? [],
    policies,
    timestream: resourcesOfType(template, 'AWS::Timestream::Table')
      .concat(resourcesOfType(template, 'AWS::Timestream::Database'))
      .map((r) => ({ condition: r.Condition, properties: render(r.Properties, template) })),
    outputs: Object.fromEntries(
      Object.entries(template.Outputs ?? {}).map(([k, o]) => [
        k,
        { description: o.Description, value: render(o.Value, template) },
      ]),
    ),
  };
}

/** Returns the function's properties, from either AWS::Serverless::Function or AWS::Lambda::Function. */
export function functionProperties(template: CfnTemplate): Record<string, unknown> {
  const found = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::Serverless::Function' || r.Type === 'AWS::Lambda::Function',
  );
  if (found.length !== 1) throw new Error(`expected one function, found ${found.length}`);
  return found[0].Properties ?? {};
}
