// SPDX-License-Identifier: Apache-2.0
// The CDK stack: the same deployment as template.yml (parameters, HTTP API, function, IAM,
// optional Timestream resources, outputs), built from lib/stack-facts.ts. Deploy-time choices stay
// CloudFormation parameters so one synthesized template serves every configuration.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CfnCondition,
  CfnOutput,
  CfnParameter,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import {
  CfnRoute,
  CfnStage,
  HttpApi,
  HttpMethod,
  HttpStage,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-timestream';
import type { Construct } from 'constructs';
import {
  CREATE_TIMESTREAM_CONDITION,
  DESCRIBE_ENDPOINTS_ACTION,
  FUNCTION_FACTS,
  LOG_ACTIONS,
  LOG_RETENTION_DAYS,
  MAGNETIC_STORE_RETENTION_DAYS,
  MEMORY_STORE_RETENTION_HOURS,
  OUTPUTS,
  lambdaEnvironment,
  PARAMETERS,
  ROUTE_RATE_LIMIT_PER_SECOND,
  ROUTES,
  SIGV4_CONDITION,
  TABLE_ACTIONS,
  TABLE_ARN_SUB,
  type ParameterName,
} from './stack-facts';

/** Configures {@link ConnectorStack}. */
export interface ConnectorStackProps extends StackProps {
  /**
   * Names the folder holding the bundled handler (`index.js`), as `npm run package` writes it.
   * @default dist/lambda under the current working directory
   */
  readonly codePath?: string;
}

/** Builds the connector deployment: HTTP API → Lambda → Timestream, least-privilege IAM. */
export class ConnectorStack extends Stack {
  constructor(scope: Construct, id: string, props: ConnectorStackProps = {}) {
    super(scope, id, {
      description:
        'Prometheus remote-storage connector for Amazon Timestream (API Gateway HTTP API + AWS Lambda).',
      ...props,
    });
    const codePath = props.codePath ?? join(process.cwd(), FUNCTION_FACTS.codeDir);
    if (!existsSync(join(codePath, 'index.js'))) {
      throw new Error(`No Lambda bundle at ${codePath}/index.js: run \`npm run package\` first.`);
    }

    const params = createParameters(this);
    const ref = (name: ParameterName): string => params[name].valueAsString;
    const useSigV4 = new CfnCondition(this, SIGV4_CONDITION, {
      expression: Fn.conditionEquals(params.EnableSigV4Auth, 'true'),
    });
    const createTimestream = new CfnCondition(this, CREATE_TIMESTREAM_CONDITION, {
      expression: Fn.conditionEquals(params.CreateTimestreamResources, 'true'),
    });
    this.addTimestreamResources(createTimestream, ref('DefaultDatabase'), ref('DefaultTable'));

    const logGroup = new LogGroup(this, 'ConnectorLogGroup', {
      // RetentionDays' values are the days themselves, so any other count fails to compile.
      retention: LOG_RETENTION_DAYS satisfies RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'ConnectorRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: { [ref('ExecutionPolicyName')]: executionPolicy(logGroup.logGroupArn) },
    });
    const fn = new LambdaFunction(this, 'ConnectorFunction', {
      description: 'Prometheus remote write/read to Amazon Timestream.',
      code: Code.fromAsset(codePath),
      handler: FUNCTION_FACTS.handler,
      runtime: new Runtime(FUNCTION_FACTS.runtime),
      architecture: Architecture.ARM_64,
      memorySize: params.MemorySize.valueAsNumber,
      timeout: Duration.seconds(params.LambdaTimeoutInSeconds.valueAsNumber),
      role,
      logGroup,
      environment: this.buildEnvironment(params),
    });

    this.addHttpApi(fn, params, useSigV4);
    // Outputs share their names with parameters; CloudFormation allows it, construct ids do not.
    for (const name of ['DefaultDatabase', 'DefaultTable'] as const) {
      new CfnOutput(this, `${name}Output`, {
        description: OUTPUTS[name],
        value: ref(name),
      }).overrideLogicalId(name);
    }
  }

  private buildEnvironment(params: Record<ParameterName, CfnParameter>): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, source] of lambdaEnvironment()) {
      if (source.kind === 'constant') {
        env[name] = source.value;
      } else if (source.kind === 'parameter') {
        env[name] = source.parameter === 'AWS::Region' ? this.region : params[source.parameter].valueAsString;
      } else {
        new CfnCondition(this, source.condition, {
          expression: Fn.conditionNot(Fn.conditionEquals(params[source.parameter], '')),
        });
        const value = params[source.parameter].valueAsString;
        env[name] = Fn.conditionIf(source.condition, value, Fn.ref('AWS::NoValue')).toString();
      }
    }
    return env;
  }

  private addHttpApi(
    fn: LambdaFunction,
    params: Record<ParameterName, CfnParameter>,
    useSigV4: CfnCondition,
  ): void {
    const api = new HttpApi(this, 'HttpApi', {
      apiName: `${this.stackName}-api`,
      description: 'Prometheus remote write and remote read endpoints.',
      createDefaultStage: false,
    });
    const integration = new HttpLambdaIntegration('LambdaIntegration', fn, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      timeout: Duration.millis(params.ApiGatewayTimeoutInMillis.valueAsNumber),
      // One permission for the whole API instead of one per route.
      scopePermissionToRoute: false,
    });
    const routes = ROUTES.flatMap((route) =>
      api.addRoutes({ path: route.path, methods: [HttpMethod.POST], integration }),
    );
    for (const route of routes) {
      (route.node.defaultChild as CfnRoute).authorizationType = Fn.conditionIf(
        useSigV4.logicalId,
        'AWS_IAM',
        'NONE',
      ).toString();
    }

    const stage = new HttpStage(this, 'ApiStage', {
      httpApi: api,
      stageName: params.APIGatewayStageName.valueAsString,
      autoDeploy: true,
    });
    const cfnStage = stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = Object.fromEntries(
      ROUTES.map((route) => [
        route.routeKey,
        // RouteSettings is untyped JSON in the L1 construct, so keys keep CloudFormation's casing.
        {
          ThrottlingBurstLimit: params[route.burstParameter].valueAsNumber,
          ThrottlingRateLimit: ROUTE_RATE_LIMIT_PER_SECOND,
        },
      ]),
    );
    // Route settings name routes by key, so the routes must exist first.
    for (const route of routes) stage.node.addDependency(route);

    const base = Fn.sub('https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}', {
      Api: api.apiId,
      Stage: params.APIGatewayStageName.valueAsString,
    });
    new CfnOutput(this, 'InvokeWriteURL', { description: OUTPUTS.InvokeWriteURL, value: `${base}/write` });
    new CfnOutput(this, 'InvokeReadURL', { description: OUTPUTS.InvokeReadURL, value: `${base}/read` });
  }

  private addTimestreamResources(condition: CfnCondition, databaseName: string, tableName: string): void {
    const database = new CfnDatabase(this, 'TimestreamDatabase', { databaseName });
    const table = new CfnTable(this, 'TimestreamTable', {
      databaseName: database.ref,
      tableName,
      retentionProperties: {
        MemoryStoreRetentionPeriodInHours: String(MEMORY_STORE_RETENTION_HOURS),
        MagneticStoreRetentionPeriodInDays: String(MAGNETIC_STORE_RETENTION_DAYS),
      },
      // Late samples (older than the memory store window) still land instead of being rejected.
      magneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
    });
    for (const resource of [database, table]) {
      resource.cfnOptions.condition = condition;
      // The service is closed to new customers, not retired; existing accounts still create tables.
      Validations.of(resource).acknowledge({
        id: 'CloudFormation-Validate::W3697',
        reason: 'Timestream is the target of this connector.',
      });
      // Metrics outlive the stack: deleting it never deletes data.
      resource.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }
  }
}

function createParameters(stack: Stack): Record<ParameterName, CfnParameter> {
  const entries = Object.entries(PARAMETERS).map(([name, fact]) => {
    const f: Partial<{
      allowedValues: readonly string[];
      allowedPattern: string;
      constraintDescription: string;
      minValue: number;
      maxValue: number;
    }> = fact;
    return [
      name,
      new CfnParameter(stack, name, {
        type: fact.type,
        default: fact.default,
        description: fact.description,
        allowedValues: f.allowedValues ? [...f.allowedValues] : undefined,
        allowedPattern: f.allowedPattern,
        constraintDescription: f.constraintDescription,
        minValue: f.minValue,
        maxValue: f.maxValue,
      }),
    ];
  });
  return Object.fromEntries(entries) as Record<ParameterName, CfnParameter>;
}

function executionPolicy(logGroupArn: string): PolicyDocument {
  return new PolicyDocument({
    statements: [
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: [...TABLE_ACTIONS],
        resources: [Fn.sub(TABLE_ARN_SUB)],
      }),
      new PolicyStatement({ effect: Effect.ALLOW, actions: [DESCRIBE_ENDPOINTS_ACTION], resources: ['*'] }),
      new PolicyStatement({ effect: Effect.ALLOW, actions: [...LOG_ACTIONS], resources: [logGroupArn] }),
    ],
  });
}
