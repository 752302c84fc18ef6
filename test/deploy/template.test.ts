// SPDX-License-Identifier: Apache-2.0
// Facts about template.yml itself: SPEC 7 parameters and defaults, the function, the HTTP API,
// least-privilege IAM, the optional Timestream resources, and references that all resolve.
import { PARAMETERS } from '../../lib/stack-facts';
import { loadSamTemplate, onlyResource, resourcesOfType, type CfnTemplate } from './template-facts';

const template = loadSamTemplate();
const parameters = template.Parameters ?? {};

const SPEC_DEFAULTS = [
  { name: 'APIGatewayStageName', default: 'dev' },
  { name: 'DefaultDatabase', default: 'PrometheusDatabase' },
  { name: 'DefaultTable', default: 'PrometheusMetricsTable' },
  { name: 'ExecutionPolicyName', default: 'LambdaExecutionPolicy' },
  { name: 'LogLevel', default: 'info', allowed: ['info', 'debug', 'warn', 'error'] },
  { name: 'MemorySize', default: 512 },
  { name: 'ReadThrottlingBurstLimit', default: 1200 },
  { name: 'WriteThrottlingBurstLimit', default: 1200 },
  { name: 'ApiGatewayTimeoutInMillis', default: 30000, min: 50, max: 30000 },
  { name: 'LambdaTimeoutInSeconds', default: 30 },
  { name: 'EnableSigV4Auth', default: 'false', allowed: ['true', 'false'] },
  { name: 'CreateTimestreamResources', default: 'false', allowed: ['true', 'false'] },
];

const PSEUDO = [
  'AWS::Region',
  'AWS::AccountId',
  'AWS::Partition',
  'AWS::StackName',
  'AWS::URLSuffix',
  'AWS::NoValue',
];

/** Collects every name a Ref, GetAtt or Sub placeholder points at. */
function references(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => references(v, found));
  else if (value && typeof value === 'object') {
    for (const [key, arg] of Object.entries(value)) {
      if (key === 'Ref') found.push(arg as string);
      else if (key === 'Fn::GetAtt') found.push((arg as string[])[0]);
      else if (key === 'Fn::Sub') {
        const text = typeof arg === 'string' ? arg : (arg as [string])[0];
        for (const m of text.matchAll(/\$\{([^}!.]+)[^}]*\}/g)) found.push(m[1]);
        if (typeof arg !== 'string') references((arg as unknown[])[1], found);
      } else references(arg, found);
    }
  }
  return found;
}

describe('template.yml', () => {
  test.each(SPEC_DEFAULTS)('declares parameter $name with default $default', (row) => {
    const p = parameters[row.name];
    expect(p.Default).toBe(row.default);
    expect(typeof p.Description).toBe('string');
    if (row.allowed) expect(p.AllowedValues).toEqual(row.allowed);
    if (row.min !== undefined) expect([p.MinValue, p.MaxValue]).toEqual([row.min, row.max]);
  });

  test('declares exactly the parameters of lib/stack-facts.ts, with the same constraints', () => {
    const expected = Object.fromEntries(
      Object.entries(PARAMETERS).map(([name, f]) => {
        const fact: Record<string, unknown> = { ...f };
        return [
          name,
          Object.fromEntries(
            Object.entries({
              Type: fact.type,
              Default: fact.default,
              AllowedValues: fact.allowedValues,
              AllowedPattern: fact.allowedPattern,
              ConstraintDescription: fact.constraintDescription,
              MinValue: fact.minValue,
              MaxValue: fact.maxValue,
              Description: fact.description,
            }).filter(([, v]) => v !== undefined),
          ),
        ];
      }),
    );
    expect(parameters).toEqual(expected);
  });

  test.each([
    {
      name: 'stage name',
      parameter: 'APIGatewayStageName',
      ok: ['dev', 'prod_2-a'],
      bad: ['', 'has space', 'a/b'],
    },
    {
      name: 'database name',
      parameter: 'DefaultDatabase',
      ok: ['PrometheusDatabase', 'a.b-c_d'],
      bad: ['ab', 'bad name', "x'y"],
    },
    {
      name: 'endpoint',
      parameter: 'WriteBaseEndpoint',
      ok: ['', 'https://vpce.example:443'],
      bad: ['ftp://x', 'example.com'],
    },
  ])('lets the $name pattern accept good values and refuse bad ones', ({ parameter, ok, bad }) => {
    const pattern = new RegExp(parameters[parameter].AllowedPattern as string);
    expect(ok.map((v) => pattern.test(v))).toEqual(ok.map(() => true));
    expect(bad.map((v) => pattern.test(v))).toEqual(bad.map(() => false));
  });

  test('resolves every Ref, GetAtt and Sub placeholder to a parameter, resource or pseudo parameter', () => {
    const declared = new Set([...Object.keys(parameters), ...Object.keys(template.Resources), ...PSEUDO]);
    const all = references([template.Resources, template.Outputs]);
    expect(all.filter((name) => !declared.has(name))).toEqual([]);
    expect(all.length).toBeGreaterThan(20);
  });

  test('runs index.handler from dist/lambda/ on nodejs24.x arm64 with the parameter-fed size and timeout', () => {
    const fn = onlyResource(template, 'AWS::Serverless::Function').Properties;
    expect(fn).toMatchObject({
      CodeUri: 'dist/lambda/',
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: { Ref: 'MemorySize' },
      Timeout: { Ref: 'LambdaTimeoutInSeconds' },
      LoggingConfig: { LogGroup: { Ref: 'ConnectorLogGroup' } },
    });
    expect(fn.Events).toBeUndefined();
  });

  test('routes POST /write and POST /read through one payload 2.0 integration with the parameter timeout', () => {
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map((r) => r.Properties);
    expect(routes.map((r) => r.RouteKey)).toEqual(['POST /write', 'POST /read']);
    for (const route of routes) {
      expect(route.AuthorizationType).toEqual({ 'Fn::If': ['UseSigV4Auth', 'AWS_IAM', 'NONE'] });
      expect(route.Target).toEqual({ 'Fn::Sub': 'integrations/${LambdaIntegration}' });
    }
    expect(onlyResource(template, 'AWS::ApiGatewayV2::Integration').Properties).toEqual({
      ApiId: { Ref: 'HttpApi' },
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': ['ConnectorFunction', 'Arn'] },
      PayloadFormatVersion: '2.0',
      TimeoutInMillis: { Ref: 'ApiGatewayTimeoutInMillis' },
    });
    expect(template.Conditions?.UseSigV4Auth).toEqual({ 'Fn::Equals': [{ Ref: 'EnableSigV4Auth' }, 'true'] });
  });

  test('throttles each route with its own burst parameter on the named stage', () => {
    const stage = onlyResource(template, 'AWS::ApiGatewayV2::Stage').Properties;
    expect(stage).toEqual({
      ApiId: { Ref: 'HttpApi' },
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
    });
  });

  test('grants Timestream on the table ARN, DescribeEndpoints on *, and logs on its own log group only', () => {
    const role = onlyResource(template, 'AWS::IAM::Role').Properties;
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.Policies).toEqual([
      {
        PolicyName: { Ref: 'ExecutionPolicyName' },
        PolicyDocument: {
          Version: '2012-10-17',
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
              Resource: { 'Fn::GetAtt': ['ConnectorLogGroup', 'Arn'] },
            },
          ],
        },
      },
    ]);
  });

  test('creates the database and table only when CreateTimestreamResources is true, and keeps them on delete', () => {
    const ts = (t: CfnTemplate, type: string) => Object.values(t.Resources).filter((r) => r.Type === type);
    const [database] = ts(template, 'AWS::Timestream::Database');
    const [table] = ts(template, 'AWS::Timestream::Table');
    expect(template.Conditions?.CreateTimestream).toEqual({
      'Fn::Equals': [{ Ref: 'CreateTimestreamResources' }, 'true'],
    });
    expect(database).toMatchObject({
      Condition: 'CreateTimestream',
      DeletionPolicy: 'Retain',
      Properties: { DatabaseName: { Ref: 'DefaultDatabase' } },
    });
    expect(table).toMatchObject({
      Condition: 'CreateTimestream',
      DeletionPolicy: 'Retain',
      Properties: {
        DatabaseName: { Ref: 'TimestreamDatabase' },
        TableName: { Ref: 'DefaultTable' },
        MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
        RetentionProperties: {
          MemoryStoreRetentionPeriodInHours: '24',
          MagneticStoreRetentionPeriodInDays: '73000',
        },
      },
    });
  });

  test('outputs the two invoke URLs under the stage and the database and table names', () => {
    expect(template.Outputs).toEqual({
      InvokeWriteURL: {
        Description: 'Remote write URL for Prometheus (remote_write url).',
        Value: {
          'Fn::Sub':
            'https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${APIGatewayStageName}/write',
        },
      },
      InvokeReadURL: {
        Description: 'Remote read URL for Prometheus (remote_read url).',
        Value: {
          'Fn::Sub':
            'https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${APIGatewayStageName}/read',
        },
      },
      DefaultDatabase: {
        Description: 'Timestream database the connector uses by default.',
        Value: { Ref: 'DefaultDatabase' },
      },
      DefaultTable: {
        Description: 'Timestream table the connector uses by default.',
        Value: { Ref: 'DefaultTable' },
      },
    });
  });
});
