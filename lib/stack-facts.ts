// SPDX-License-Identifier: Apache-2.0
// The facts the CDK stack is built from: parameters, routes, IAM actions, environment and outputs.
// template.yml spells the same facts by hand; test/deploy/parity.test.ts holds the two together.
// Data only: no constructs, no I/O.
import { TIMESTREAM_NAME_PATTERN } from '../lambda/config/parsers';
import { SETTINGS, type Setting } from '../lambda/config/settings';

/** Default CloudFormation stack name, shared by samconfig.toml, the CDK app and Launch Stack URLs. */
export const STACK_NAME = 'PrometheusTimestreamConnector';

/** Describes one CloudFormation parameter the way the template declares it. */
export interface ParameterFact {
  readonly type: 'String' | 'Number';
  readonly default: string | number;
  readonly description: string;
  readonly allowedValues?: readonly string[];
  readonly allowedPattern?: string;
  readonly constraintDescription?: string;
  readonly minValue?: number;
  readonly maxValue?: number;
}

// Timestream database and table names: the pattern is the connector's own start-up rule.
const NAME_CONSTRAINT = '3 to 256 characters from a-z A-Z 0-9 _ . -';
const ENDPOINT_PATTERN = '^(https?://.+)?$';
const ENDPOINT_CONSTRAINT = 'empty, or a URL starting with http:// or https://';

/** Lists every template parameter with its default and constraints, in template order. */
export const PARAMETERS = {
  APIGatewayStageName: {
    type: 'String',
    default: 'dev',
    allowedPattern: '^[A-Za-z0-9_-]{1,128}$',
    constraintDescription: 'letters, digits, hyphens and underscores, at most 128 characters',
    description:
      'Stage name of the HTTP API; it becomes the first path segment of both URLs (for example prod).',
  },
  DefaultDatabase: {
    type: 'String',
    default: 'PrometheusDatabase',
    allowedPattern: TIMESTREAM_NAME_PATTERN,
    constraintDescription: NAME_CONSTRAINT,
    description: 'Timestream database the connector writes to and reads from.',
  },
  DefaultTable: {
    type: 'String',
    default: 'PrometheusMetricsTable',
    allowedPattern: TIMESTREAM_NAME_PATTERN,
    constraintDescription: NAME_CONSTRAINT,
    description: 'Timestream table the connector writes to and reads from.',
  },
  CreateTimestreamResources: {
    type: 'String',
    default: 'false',
    allowedValues: ['true', 'false'],
    description:
      'Create DefaultDatabase and DefaultTable with this stack (true), or use existing ones (false).',
  },
  WriteBaseEndpoint: {
    type: 'String',
    default: '',
    allowedPattern: ENDPOINT_PATTERN,
    constraintDescription: ENDPOINT_CONSTRAINT,
    description: 'Optional Timestream write endpoint URL; empty uses endpoint discovery.',
  },
  QueryBaseEndpoint: {
    type: 'String',
    default: '',
    allowedPattern: ENDPOINT_PATTERN,
    constraintDescription: ENDPOINT_CONSTRAINT,
    description: 'Optional Timestream query endpoint URL; empty uses endpoint discovery.',
  },
  ExecutionPolicyName: {
    type: 'String',
    default: 'LambdaExecutionPolicy',
    allowedPattern: '^[A-Za-z0-9+=,.@_-]{1,128}$',
    constraintDescription: '1 to 128 characters from A-Z a-z 0-9 + = , . @ _ -',
    description:
      'Name of the inline policy that grants the function its Timestream and CloudWatch Logs permissions.',
  },
  LogLevel: {
    type: 'String',
    default: 'info',
    allowedValues: ['info', 'debug', 'warn', 'error'],
    description: 'Connector log level.',
  },
  MemorySize: {
    type: 'Number',
    default: 512,
    minValue: 128,
    maxValue: 10240,
    description: 'Memory of the Lambda function in MB (CPU scales with it).',
  },
  LambdaTimeoutInSeconds: {
    type: 'Number',
    default: 30,
    minValue: 1,
    maxValue: 900,
    description:
      'Lambda function timeout in seconds; API Gateway stops waiting after ApiGatewayTimeoutInMillis anyway.',
  },
  ApiGatewayTimeoutInMillis: {
    type: 'Number',
    default: 30000,
    minValue: 50,
    maxValue: 30000,
    description:
      'How long API Gateway waits for the function, in milliseconds (HTTP APIs allow 50 to 30000).',
  },
  WriteThrottlingBurstLimit: {
    type: 'Number',
    default: 1200,
    minValue: 0,
    description: 'Burst limit of POST /write requests that API Gateway lets through.',
  },
  ReadThrottlingBurstLimit: {
    type: 'Number',
    default: 1200,
    minValue: 0,
    description: 'Burst limit of POST /read requests that API Gateway lets through.',
  },
  EnableSigV4Auth: {
    type: 'String',
    default: 'false',
    allowedValues: ['true', 'false'],
    description:
      'true makes API Gateway require SigV4-signed requests (AWS_IAM) and the function use its own role; false keeps basic auth carrying IAM credentials.',
  },
} as const satisfies Record<string, ParameterFact>;

/** Names a template parameter. */
export type ParameterName = keyof typeof PARAMETERS;

/** Lists the two routes and the parameter holding each one's burst limit. */
export const ROUTES = [
  { routeKey: 'POST /write', path: '/write', burstParameter: 'WriteThrottlingBurstLimit' },
  { routeKey: 'POST /read', path: '/read', burstParameter: 'ReadThrottlingBurstLimit' },
] as const satisfies readonly { routeKey: string; path: string; burstParameter: ParameterName }[];

// An unset route rate limit can read as 0 (every request refused); 10000 requests/s is the
// default account-level limit, so only the burst limit is effectively tuned per route.
/** Pins the steady-state rate limit of each route, in requests per second. */
export const ROUTE_RATE_LIMIT_PER_SECOND = 10000;

/** Names the condition that switches route authorization to `AWS_IAM`. */
export const SIGV4_CONDITION = 'UseSigV4Auth';
/** Names the condition that creates the Timestream database and table. */
export const CREATE_TIMESTREAM_CONDITION = 'CreateTimestream';

/** Grants these on the table ARN; the read path DESCRIBEs the table before building SQL. */
export const TABLE_ACTIONS = [
  'timestream:WriteRecords',
  'timestream:Select',
  'timestream:DescribeTable',
] as const;
/** Grants this on `*`: endpoint discovery cannot be scoped to a resource. */
export const DESCRIBE_ENDPOINTS_ACTION = 'timestream:DescribeEndpoints';
/** Grants these on the function's own log group only. */
export const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'] as const;
/** Spells the table ARN as an `Fn::Sub` string over the template parameters. */
export const TABLE_ARN_SUB =
  'arn:${AWS::Partition}:timestream:${AWS::Region}:${AWS::AccountId}:database/${DefaultDatabase}/table/${DefaultTable}';

/** Keeps function logs this many days. */
export const LOG_RETENTION_DAYS = 30;
/** Keeps records in the memory store this many hours when the stack creates the table. */
export const MEMORY_STORE_RETENTION_HOURS = 24;
/** Keeps records in the magnetic store this many days (the Timestream maximum, 200 years). */
export const MAGNETIC_STORE_RETENTION_DAYS = 73000;

/** Feeds these Lambda environment variables from template parameters (or pseudo parameters). */
export const PARAMETER_ENV = {
  default_database: 'DefaultDatabase',
  default_table: 'DefaultTable',
  region: 'AWS::Region',
  log_level: 'LogLevel',
  enable_sigv4_auth: 'EnableSigV4Auth',
} as const;

/** Sets these Lambda environment variables only when their (optional) parameter is not empty. */
export const OPTIONAL_ENV = {
  write_base_endpoint: { parameter: 'WriteBaseEndpoint', condition: 'HasWriteBaseEndpoint' },
  query_base_endpoint: { parameter: 'QueryBaseEndpoint', condition: 'HasQueryBaseEndpoint' },
} as const;

/** Says where one Lambda environment variable gets its value. */
export type EnvSource =
  | { readonly kind: 'parameter'; readonly parameter: (typeof PARAMETER_ENV)[keyof typeof PARAMETER_ENV] }
  | { readonly kind: 'optional'; readonly parameter: ParameterName; readonly condition: string }
  | { readonly kind: 'constant'; readonly value: string };

/**
 * Lists the Lambda environment in settings order: every setting with an environment variable that
 * applies on Lambda, fed from a parameter or fixed to its Lambda default as the user would type it.
 * The request limits whose Lambda default follows the function's memory are left unset: a value in
 * the environment is used as given, so fixing the whole default there would let a 512 MB function
 * accept writes that need over 1 GB (an out-of-memory kill instead of a 413).
 *
 * @throws Error when a setting has neither a parameter nor a default to fix.
 */
export function lambdaEnvironment(settings: readonly Setting[] = SETTINGS): readonly [string, EnvSource][] {
  const fixable = settings.filter((s) => appliesOnLambda(s) && s.scalesWithLambdaMemory !== true);
  return fixable.map((setting): [string, EnvSource] => {
    const name = setting.env as string;
    if (name in PARAMETER_ENV) {
      return [name, { kind: 'parameter', parameter: PARAMETER_ENV[name as keyof typeof PARAMETER_ENV] }];
    }
    if (name in OPTIONAL_ENV)
      return [name, { kind: 'optional', ...OPTIONAL_ENV[name as keyof typeof OPTIONAL_ENV] }];
    const value = setting.modeDefaults?.lambda ?? setting.default;
    if (value === undefined) throw new Error(`setting ${setting.flag} has no Lambda default for ${name}`);
    return [name, { kind: 'constant', value: setting.parser.format(value) }];
  });
}

/** Tells whether a setting is read from the Lambda environment. */
export function appliesOnLambda(setting: Setting): boolean {
  return (
    setting.env !== undefined &&
    (setting.scope as string) !== 'server' &&
    (setting.scope as string) !== 'local'
  );
}

/** Describes each stack output. */
export const OUTPUTS = {
  InvokeWriteURL: 'Remote write URL for Prometheus (remote_write url).',
  InvokeReadURL: 'Remote read URL for Prometheus (remote_read url).',
  DefaultDatabase: 'Timestream database the connector uses by default.',
  DefaultTable: 'Timestream table the connector uses by default.',
} as const;

/**
 * Lambda function runtime, architecture and handler shared by both templates. nodejs24.x because
 * Lambda deprecates nodejs22.x on 2027-04-30 and blocks updating its functions from 2027-07-01
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html); the handler is async, which
 * is the only form Node.js 24's runtime calls.
 */
export const FUNCTION_FACTS = {
  runtime: 'nodejs24.x',
  architecture: 'arm64',
  handler: 'index.handler',
  codeDir: 'dist/lambda',
} as const;
