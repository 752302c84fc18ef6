// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCfnYaml } from '../../scripts/cfn-yaml';
import { launchStackUrl, releaseKeys, rewriteCodeUri, s3ObjectUrl } from '../../scripts/template-rewrite';

const TEMPLATE = readFileSync(join(__dirname, '..', '..', 'template.yml'), 'utf8');

describe('rewriteCodeUri', () => {
  const rewritten = rewriteCodeUri(TEMPLATE, {
    bucket: 'my-assets',
    key: 'v1/timestream-prometheus-connector-0.1.0.zip',
  });

  test('points the function code at the S3 object in Bucket/Key form', () => {
    const t = parseCfnYaml(rewritten) as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    expect(t.Resources.ConnectorFunction.Properties.CodeUri).toEqual({
      Bucket: 'my-assets',
      Key: 'v1/timestream-prometheus-connector-0.1.0.zip',
    });
  });

  test('changes nothing else: intrinsics, comments and other resources read the same', () => {
    const before = parseCfnYaml(TEMPLATE) as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    const after = parseCfnYaml(rewritten) as typeof before;
    after.Resources.ConnectorFunction.Properties.CodeUri =
      before.Resources.ConnectorFunction.Properties.CodeUri;
    expect(after).toEqual(before);
    expect(rewritten).toContain('# SPDX-License-Identifier: Apache-2.0');
    expect(rewritten).toContain('AuthorizationType: !If [ UseSigV4Auth, AWS_IAM, NONE ]');
  });

  test('points every serverless function at the object, and only those', () => {
    const text = [
      'Resources:',
      '  A:',
      '    Type: AWS::Serverless::Function',
      '    Properties: { CodeUri: a/ }',
      '  T:',
      '    Type: AWS::SNS::Topic',
      '    Properties: { CodeUri: t/ }',
      '  B:',
      '    Type: AWS::Serverless::Function',
      '    Properties: { CodeUri: b/ }',
      '',
    ].join('\n');
    const t = parseCfnYaml(rewriteCodeUri(text, { bucket: 'bk', key: 'k.zip' })) as {
      Resources: Record<string, { Properties: { CodeUri: unknown } }>;
    };
    expect(Object.values(t.Resources).map((r) => r.Properties.CodeUri)).toEqual([
      { Bucket: 'bk', Key: 'k.zip' },
      't/',
      { Bucket: 'bk', Key: 'k.zip' },
    ]);
  });

  test('keeps long descriptions on one line instead of folding them', () => {
    const descriptions = (text: string) => text.split('\n').filter((line) => /^ *Description: /.test(line));
    expect(descriptions(TEMPLATE).some((line) => line.length > 100)).toBe(true);
    expect(descriptions(rewritten)).toEqual(descriptions(TEMPLATE));
  });

  test.each([
    {
      name: 'no serverless function',
      text: 'Resources:\n  T:\n    Type: AWS::SNS::Topic\n',
      message: 'template declares no AWS::Serverless::Function',
    },
    {
      name: 'no resources',
      text: 'Description: x\n',
      message: 'template declares no AWS::Serverless::Function',
    },
    { name: 'broken YAML', text: 'Resources: [a, b\n', message: 'template is not valid YAML' },
  ])('refuses a template with $name', ({ text, message }) => {
    expect(() => rewriteCodeUri(text, { bucket: 'b', key: 'k' })).toThrow(message);
  });
});

describe('URLs and keys', () => {
  test.each([
    {
      name: 'plain key',
      key: 'template-0.1.0.yml',
      url: 'https://assets.s3.eu-west-1.amazonaws.com/template-0.1.0.yml',
    },
    {
      name: 'prefixed key',
      key: 'a/b/template.yml',
      url: 'https://assets.s3.eu-west-1.amazonaws.com/a/b/template.yml',
    },
    {
      name: 'key needing escapes',
      key: 'my dir/t+1.yml',
      url: 'https://assets.s3.eu-west-1.amazonaws.com/my%20dir/t%2B1.yml',
    },
  ])('s3ObjectUrl builds the regional URL for a $name', ({ key, url }) => {
    expect(s3ObjectUrl({ bucket: 'assets', key }, 'eu-west-1')).toBe(url);
  });

  test('launchStackUrl encodes a given stack name and region', () => {
    expect(launchStackUrl('us east', 'https://b/t.yml', 'My Stack&x=1')).toBe(
      'https://console.aws.amazon.com/cloudformation/home?region=us%20east#/stacks/create/review' +
        '?templateURL=https%3A%2F%2Fb%2Ft.yml&stackName=My%20Stack%26x%3D1',
    );
  });

  test('launchStackUrl opens the quick-create review page with the encoded template URL and stack name', () => {
    expect(launchStackUrl('us-east-2', 'https://b.s3.us-east-2.amazonaws.com/t.yml')).toBe(
      'https://console.aws.amazon.com/cloudformation/home?region=us-east-2#/stacks/create/review' +
        '?templateURL=https%3A%2F%2Fb.s3.us-east-2.amazonaws.com%2Ft.yml&stackName=PrometheusTimestreamConnector',
    );
  });

  test.each([
    {
      name: 'no prefix',
      prefix: '',
      zipKey: 'timestream-prometheus-connector-1.2.3.zip',
      templateKey: 'template-1.2.3.yml',
    },
    {
      name: 'a prefix',
      prefix: 'releases',
      zipKey: 'releases/timestream-prometheus-connector-1.2.3.zip',
      templateKey: 'releases/template-1.2.3.yml',
    },
    {
      name: 'slashes around the prefix',
      prefix: '/a/b/',
      zipKey: 'a/b/timestream-prometheus-connector-1.2.3.zip',
      templateKey: 'a/b/template-1.2.3.yml',
    },
    {
      name: 'repeated slashes around the prefix',
      prefix: '//a//',
      zipKey: 'a/timestream-prometheus-connector-1.2.3.zip',
      templateKey: 'a/template-1.2.3.yml',
    },
  ])('releaseKeys names the objects with $name', ({ prefix, zipKey, templateKey }) => {
    expect(releaseKeys(prefix, '1.2.3')).toEqual({ zipKey, templateKey });
  });
});
