// SPDX-License-Identifier: Apache-2.0
// Fine-grained facts about the synthesized CDK stack (aws-cdk-lib/assertions); no snapshot.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { ConnectorStack } from '../../lib/connector-stack';
import { synthCdkStack } from '../deploy/template-facts';

const { template } = synthCdkStack();

describe('ConnectorStack', () => {
  test('refuses to synthesize without a bundle and says to run npm run package', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-bundle-'));
    try {
      expect(() => new ConnectorStack(new App({ outdir: empty }), 'S', { codePath: empty })).toThrow(
        `No Lambda bundle at ${empty}/index.js: run \`npm run package\` first.`,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test.each([
    { name: 'APIGatewayStageName', type: 'String', value: 'dev' },
    { name: 'DefaultDatabase', type: 'String', value: 'PrometheusDatabase' },
    { name: 'DefaultTable', type: 'String', value: 'PrometheusMetricsTable' },
    { name: 'ExecutionPolicyName', type: 'String', value: 'LambdaExecutionPolicy' },
    { name: 'LogLevel', type: 'String', value: 'info' },
    { name: 'MemorySize', type: 'Number', value: 512 },
    { name: 'ReadThrottlingBurstLimit', type: 'Number', value: 1200 },
    { name: 'WriteThrottlingBurstLimit', type: 'Number', value: 1200 },
    { name: 'ApiGatewayTimeoutInMillis', type: 'Number', value: 30000 },
    { name: 'LambdaTimeoutInSeconds', type: 'Number', value: 30 },
    { name: 'EnableSigV4Auth', type: 'String', value: 'false' },
    { name: 'CreateTimestreamResources', type: 'String', value: 'false' },
  ])('declares parameter $name ($type) defaulting to $value', ({ name, type, value }) => {
    template.hasParameter(name, { Type: type, Default: value });
  });

  test('runs one nodejs24.x arm64 function with index.handler, parameter-fed memory, timeout and environment', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: { Ref: 'MemorySize' },
      Timeout: { Ref: 'LambdaTimeoutInSeconds' },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ConnectorLogGroup') } },
      Environment: {
        Variables: Match.objectLike({
          default_database: { Ref: 'DefaultDatabase' },
          default_table: { Ref: 'DefaultTable' },
          region: { Ref: 'AWS::Region' },
          log_level: { Ref: 'LogLevel' },
          log_format: 'json',
          enable_sigv4_auth: { Ref: 'EnableSigV4Auth' },
          write_base_endpoint: {
            'Fn::If': ['HasWriteBaseEndpoint', { Ref: 'WriteBaseEndpoint' }, { Ref: 'AWS::NoValue' }],
          },
        }),
      },
    });
  });

  test('routes POST /write and POST /read, switching authorization to AWS_IAM under UseSigV4Auth', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      Name: 'PrometheusTimestreamConnector-api',
      ProtocolType: 'HTTP',
    });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 2);
    for (const routeKey of ['POST /write', 'POST /read']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: { 'Fn::If': ['UseSigV4Auth', 'AWS_IAM', 'NONE'] },
      });
    }
    template.hasCondition('UseSigV4Auth', { 'Fn::Equals': [{ Ref: 'EnableSigV4Auth' }, 'true'] });
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
  });

  test('integrates the function once, payload 2.0, with the parameter timeout and one invoke permission', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      TimeoutInMillis: { Ref: 'ApiGatewayTimeoutInMillis' },
    });
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'apigateway.amazonaws.com',
      Action: 'lambda:InvokeFunction',
    });
  });

  test('deploys the named stage with per-route burst limits after the routes exist', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResource('AWS::ApiGatewayV2::Stage', {
      Properties: {
        StageName: { Ref: 'APIGatewayStageName' },
        AutoDeploy: true,
        RouteSettings: {
          'POST /write': {
            ThrottlingBurstLimit: { Ref: 'WriteThrottlingBurstLimit' },
            ThrottlingRateLimit: 10000,
          },
          'POST /read': {
            ThrottlingBurstLimit: { Ref: 'ReadThrottlingBurstLimit' },
            ThrottlingRateLimit: 10000,
          },
        },
      },
      // DependsOn is sorted by logical id.
      DependsOn: Match.arrayWith([
        Match.stringLikeRegexp('^HttpApiPOSTread[0-9A-F]{8}$'),
        Match.stringLikeRegexp('^HttpApiPOSTwrite[0-9A-F]{8}$'),
      ]),
    });
  });

  test('keeps the function logs 30 days in one log group deleted with the stack', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });

  test('gives the function a role with only the named inline execution policy', () => {
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.absent(),
      Policies: [
        {
          PolicyName: { Ref: 'ExecutionPolicyName' },
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: ['timestream:WriteRecords', 'timestream:Select', 'timestream:DescribeTable'],
                Resource: {
                  'Fn::Sub':
                    'arn:${AWS::Partition}:timestream:${AWS::Region}:${AWS::AccountId}:database/${DefaultDatabase}/table/${DefaultTable}',
                },
              },
              { Effect: 'Allow', Action: 'timestream:DescribeEndpoints', Resource: '*' },
              {
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConnectorLogGroup'), 'Arn'] },
              },
            ],
          },
        },
      ],
    });
  });

  test('creates the Timestream database and table only under CreateTimestream, retained on delete', () => {
    template.hasCondition('CreateTimestream', {
      'Fn::Equals': [{ Ref: 'CreateTimestreamResources' }, 'true'],
    });
    template.hasResource('AWS::Timestream::Database', {
      Condition: 'CreateTimestream',
      DeletionPolicy: 'Retain',
      Properties: { DatabaseName: { Ref: 'DefaultDatabase' } },
    });
    template.hasResource('AWS::Timestream::Table', {
      Condition: 'CreateTimestream',
      DeletionPolicy: 'Retain',
      Properties: {
        TableName: { Ref: 'DefaultTable' },
        MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
      },
    });
  });

  test.each([
    { name: 'InvokeWriteURL', suffix: '/write' },
    { name: 'InvokeReadURL', suffix: '/read' },
  ])('outputs $name ending in $suffix', ({ name, suffix }) => {
    template.hasOutput(name, {
      Description: Match.stringLikeRegexp('URL for Prometheus'),
      Value: { 'Fn::Join': ['', [Match.objectLike({ 'Fn::Sub': Match.anyValue() }), suffix]] },
    });
  });

  test('outputs the database and table parameters', () => {
    template.hasOutput('DefaultDatabase', { Value: { Ref: 'DefaultDatabase' } });
    template.hasOutput('DefaultTable', { Value: { Ref: 'DefaultTable' } });
  });
});
