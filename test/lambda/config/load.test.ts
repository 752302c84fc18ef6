// SPDX-License-Identifier: Apache-2.0
import { ConfigError, loadConfig, type LoadConfigInput } from '../../../lambda/config/load';
import { LAMBDA_MAX_RESPONSE_BYTES } from '../../../lambda/config/settings';

const REQUIRED_ENV = { default_database: 'mydb', default_table: 'tbl' };
const REQUIRED_FLAGS = { 'default-database': 'mydb', 'default-table': 'tbl' };
const TIMESTREAM_NAME = "a Timestream name: 3 to 256 letters, digits, '_', '-' or '.'";

function problemsOf(input: LoadConfigInput): readonly string[] {
  try {
    loadConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('configuration was accepted');
}

describe('loadConfig defaults', () => {
  test('fills every default on the server', () => {
    expect(loadConfig({ flags: REQUIRED_FLAGS, env: {}, mode: 'server' })).toEqual({
      mode: 'server',
      defaultDatabase: 'mydb',
      defaultTable: 'tbl',
      region: 'us-east-1',
      listen: { host: '', port: 9201 },
      telemetryPath: '/metrics',
      tls: undefined,
      enableLogging: true,
      logLevel: 'info',
      logFormat: 'logfmt',
      maxReadRetries: 3,
      maxWriteRetries: 10,
      failOnLongLabel: false,
      failOnInvalidSampleValue: false,
      enableSigv4Auth: false,
      queryBaseEndpoint: undefined,
      writeBaseEndpoint: undefined,
      writeConcurrency: 100,
      maxConcurrentWrites: 64,
      writeQueueTimeoutMs: 10000,
      maxConcurrentReads: 10,
      readConcurrency: 8,
      writeTimeoutMs: 10000,
      readTimeoutMs: 20000,
      limits: {
        maxBodyBytes: 33554432,
        maxDecodedBytes: 67108864,
        maxSeriesPerRequest: 100000,
        maxSamplesPerRequest: 1000000,
        maxLabelsPerSeries: 512,
        maxResponseBytes: 0,
      },
      local: undefined,
    });
  });

  test('uses json logs and the Lambda response cap on Lambda', () => {
    const config = loadConfig({ env: REQUIRED_ENV, mode: 'lambda' });
    expect(config.logFormat).toBe('json');
    expect(config.limits.maxResponseBytes).toBe(LAMBDA_MAX_RESPONSE_BYTES);
    expect(LAMBDA_MAX_RESPONSE_BYTES).toBe(4194304);
    // base64 of the largest body still fits the 6 MB Lambda response with room for the envelope
    expect(Math.ceil(LAMBDA_MAX_RESPONSE_BYTES / 3) * 4).toBe(5592408);
  });

  // The whole defaults accept a write that peaked at 1.1-1.2 GB and killed a 512 MB function.
  test.each([
    { memory: '128', decoded: 2097152, series: 3125, samples: 31250 },
    { memory: '512', decoded: 8388608, series: 12500, samples: 125000 },
    { memory: '1024', decoded: 16777216, series: 25000, samples: 250000 },
    { memory: '4096', decoded: 67108864, series: 100000, samples: 1000000 },
    { memory: '10240', decoded: 67108864, series: 100000, samples: 1000000 },
  ])('scales the request limits to a $memory MB Lambda function', ({ memory, decoded, series, samples }) => {
    const env = { ...REQUIRED_ENV, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory };
    expect(loadConfig({ env, mode: 'lambda' }).limits).toEqual({
      maxBodyBytes: 33554432,
      maxDecodedBytes: decoded,
      maxSeriesPerRequest: series,
      maxSamplesPerRequest: samples,
      maxLabelsPerSeries: 512,
      maxResponseBytes: 4194304,
    });
  });

  test('keeps request limits given on Lambda, and the whole defaults on a server', () => {
    const memory = { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' };
    const given = { max_decoded_bytes: '64MiB', max_series_per_request: '7', max_samples_per_request: '9' };
    expect(
      loadConfig({ env: { ...REQUIRED_ENV, ...memory, ...given }, mode: 'lambda' }).limits,
    ).toMatchObject({
      maxDecodedBytes: 67108864,
      maxSeriesPerRequest: 7,
      maxSamplesPerRequest: 9,
    });
    expect(loadConfig({ flags: REQUIRED_FLAGS, env: memory, mode: 'server' }).limits).toMatchObject({
      maxDecodedBytes: 67108864,
      maxSeriesPerRequest: 100000,
      maxSamplesPerRequest: 1000000,
    });
  });

  test.each(['0', '4194305', '8MiB'])(
    'refuses max_response_bytes=%s on Lambda, where a larger response cannot be returned as a 413',
    (raw) => {
      expect(problemsOf({ env: { ...REQUIRED_ENV, max_response_bytes: raw }, mode: 'lambda' })).toEqual([
        `environment variable max_response_bytes: invalid value "${raw}"; accepted on Lambda: 1 to 4194304 ` +
          '(4MiB; Lambda returns at most 6 MB, the body base64-encoded), never 0 (unlimited)',
      ]);
    },
  );

  test('accepts max_response_bytes up to 4MiB on Lambda and 0 (unlimited) on the server', () => {
    expect(
      loadConfig({ env: { ...REQUIRED_ENV, max_response_bytes: '4MiB' }, mode: 'lambda' }).limits
        .maxResponseBytes,
    ).toBe(4194304);
    expect(
      loadConfig({ env: { ...REQUIRED_ENV, max_response_bytes: '0' }, mode: 'server' }).limits
        .maxResponseBytes,
    ).toBe(0);
  });

  test('names the local database and table in local mode, and reads 2 at once', () => {
    const config = loadConfig({ flags: { local: true }, env: {}, mode: 'server' });
    expect([config.defaultDatabase, config.defaultTable, config.maxConcurrentReads]).toEqual([
      'PrometheusDatabase',
      'PrometheusMetricsTable',
      2,
    ]);
    expect(config.local).toEqual({
      dataDir: './data',
      listen: { host: '127.0.0.1', port: 9202 },
      pageSize: undefined,
      queryTimeoutMs: 60_000,
      credentialsFile: undefined,
      faultLatencyMs: 0,
      faultThrottleRate: 0,
      faultInternalErrorRate: 0,
      faultSeed: 1,
    });
  });

  test('lets flags override the local database and table', () => {
    const config = loadConfig({
      flags: { local: 'true', 'default-table': 'Other' },
      env: {},
      mode: 'server',
    });
    expect([config.defaultDatabase, config.defaultTable]).toEqual(['PrometheusDatabase', 'Other']);
  });

  test('returns a deeply frozen object', () => {
    const config = loadConfig({ flags: { local: true }, env: {}, mode: 'server' });
    expect([
      Object.isFrozen(config),
      Object.isFrozen(config.limits),
      Object.isFrozen(config.local),
      Object.isFrozen(config.listen),
    ]).toEqual([true, true, true, true]);
  });
});

describe('loadConfig precedence', () => {
  test.each([
    {
      name: 'flag beats env',
      flags: { 'max-write-retries': '4' },
      env: { max_write_retries: '5' },
      expected: 4,
    },
    { name: 'env beats default', flags: {}, env: { max_write_retries: '5' }, expected: 5 },
    { name: 'default when neither', flags: {}, env: {}, expected: 10 },
    { name: 'empty env counts as unset', flags: {}, env: { max_write_retries: '' }, expected: 10 },
  ])('server: $name', ({ flags, env, expected }) => {
    const config = loadConfig({ flags: { ...REQUIRED_FLAGS, ...flags }, env, mode: 'server' });
    expect(config.maxWriteRetries).toBe(expected);
  });

  test.each([
    {
      name: 'flag',
      flags: { region: 'eu-west-1' },
      env: { region: 'eu-central-1', AWS_REGION: 'ap-south-1' },
      expected: 'eu-west-1',
    },
    {
      name: 'region env',
      flags: {},
      env: { region: 'eu-central-1', AWS_REGION: 'ap-south-1' },
      expected: 'eu-central-1',
    },
    { name: 'AWS_REGION fallback', flags: {}, env: { AWS_REGION: 'ap-south-1' }, expected: 'ap-south-1' },
    { name: 'built-in default', flags: {}, env: {}, expected: 'us-east-1' },
  ])('region: $name', ({ flags, env, expected }) => {
    expect(loadConfig({ flags: { ...REQUIRED_FLAGS, ...flags }, env, mode: 'server' }).region).toBe(expected);
  });

  test.each([
    {
      name: 'region env',
      env: { region: 'eu-central-1', AWS_REGION: 'ap-south-1' },
      expected: 'eu-central-1',
    },
    { name: 'AWS_REGION fallback', env: { AWS_REGION: 'ap-south-1' }, expected: 'ap-south-1' },
    {
      name: 'AWS_REGION after an empty region (a template parameter left blank)',
      env: { region: '', AWS_REGION: 'ap-south-1' },
      expected: 'ap-south-1',
    },
  ])('region on Lambda: $name', ({ env, expected }) => {
    expect(loadConfig({ env: { ...REQUIRED_ENV, ...env }, mode: 'lambda' }).region).toBe(expected);
  });

  const REGION_ACCEPTED =
    "an AWS region name such as us-east-1: 1 to 63 letters, digits or '-', not starting or ending with '-'";
  test.each([
    {
      name: 'a flag with a space',
      input: { flags: { ...REQUIRED_FLAGS, region: 'us east 1' }, env: {}, mode: 'server' as const },
      problem: `--region: invalid value "us east 1"; accepted: ${REGION_ACCEPTED}`,
    },
    {
      name: 'a Lambda variable with a trailing space',
      input: { env: { ...REQUIRED_ENV, region: 'eu-west-1 ' }, mode: 'lambda' as const },
      problem: `environment variable region: invalid value "eu-west-1 "; accepted: ${REGION_ACCEPTED}`,
    },
    {
      name: 'the AWS_REGION fallback',
      input: { env: { ...REQUIRED_ENV, AWS_REGION: 'us-east-1/' }, mode: 'lambda' as const },
      problem: `environment variable AWS_REGION: invalid value "us-east-1/"; accepted: ${REGION_ACCEPTED}`,
    },
  ])('region the SDK would refuse on every call is a startup error: $name', ({ input, problem }) => {
    expect(problemsOf(input)).toEqual([problem]);
  });

  test('refuses a fault latency a Node.js timer would run after 1 ms', () => {
    expect(
      problemsOf({ flags: { local: 'true', 'local.fault-latency': '2147483648' }, env: {}, mode: 'server' }),
    ).toEqual([
      '--local.fault-latency: invalid value "2147483648" (more than 2147483647 ms, the longest timeout Node.js keeps); accepted: an integer number of milliseconds from 0 to 2147483647 (about 24.8 days)',
    ]);
  });

  test('reads every snake_case variable on Lambda', () => {
    const config = loadConfig({
      env: {
        ...REQUIRED_ENV,
        enable_logging: 'f',
        log_level: 'debug',
        log_format: 'logfmt',
        max_read_retries: '0',
        fail_on_long_label: 'T',
        fail_on_invalid_sample_value: '1',
        enable_sigv4_auth: 'TRUE',
        query_base_endpoint: 'http://localhost:9202',
        write_base_endpoint: 'https://ingest.example',
        write_concurrency: '2',
        read_concurrency: '3',
        write_timeout: '2s',
        read_timeout: '1500',
        max_body_bytes: '1MiB',
        max_response_bytes: '2MiB',
      },
      mode: 'lambda',
    });
    expect(config).toMatchObject({
      enableLogging: false,
      logLevel: 'debug',
      logFormat: 'logfmt',
      maxReadRetries: 0,
      failOnLongLabel: true,
      failOnInvalidSampleValue: true,
      enableSigv4Auth: true,
      queryBaseEndpoint: 'http://localhost:9202',
      writeBaseEndpoint: 'https://ingest.example',
      writeConcurrency: 2,
      readConcurrency: 3,
      writeTimeoutMs: 2000,
      readTimeoutMs: 1500,
      limits: { maxBodyBytes: 1048576, maxResponseBytes: 2097152 },
    });
  });

  test('ignores flags and server-only settings on Lambda', () => {
    const config = loadConfig({
      flags: { 'max-write-retries': '1' },
      env: { ...REQUIRED_ENV, 'web.listen-address': 'x' },
      mode: 'lambda',
    });
    expect([config.maxWriteRetries, config.listen]).toEqual([10, { host: '', port: 9201 }]);
  });

  test('enables TLS only with both files', () => {
    const config = loadConfig({
      flags: { ...REQUIRED_FLAGS, 'tls-certificate': 'c.pem', 'tls-key': 'k.pem' },
      env: {},
      mode: 'server',
    });
    expect(config.tls).toEqual({ certificateFile: 'c.pem', keyFile: 'k.pem' });
  });
});

describe('loadConfig errors', () => {
  test('reports every bad option at once, each with its accepted values', () => {
    const problems = problemsOf({
      flags: { 'log.level': 'verbose', 'enable-logging': 'yes', 'web.listen-address': '9201' },
      env: { max_write_retries: '-1', fail_on_long_label: 'on' },
      mode: 'server',
    });
    expect(problems).toEqual([
      '--default-database (or environment variable default_database): required unless --local is given',
      '--default-table (or environment variable default_table): required unless --local is given',
      '--web.listen-address: invalid value "9201"; accepted: :port, host:port or [ipv6]:port with port 0..65535',
      '--enable-logging: invalid value "yes"; accepted: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False',
      '--log.level: invalid value "verbose"; accepted: debug, info, warn, error',
      'environment variable max_write_retries: invalid value "-1"; accepted: an integer >= 0',
      'environment variable fail_on_long_label: invalid value "on"; accepted: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False',
    ]);
  });

  test('never echoes the credentials of a refused endpoint URL', () => {
    const problems = problemsOf({
      env: {
        default_database: 'mydb',
        default_table: 'tbl',
        query_base_endpoint: 'http://AKIDEXAMPLE:wJalrXUtnFEMI@host name',
      },
      mode: 'lambda',
    });
    expect(problems).toEqual([
      'environment variable query_base_endpoint: invalid value "http://[REDACTED]@host name"; accepted: an http:// or https:// URL',
    ]);
  });

  // AWS secret keys hold / and +, which end a URL's authority, so the URL refuses them unescaped.
  test.each([
    {
      name: 'a secret key with / in it',
      raw: 'http://AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY@host',
      shown: '"http://[REDACTED]@host"',
    },
    {
      name: 'a password with @ in it',
      raw: 'http://AKIDEXAMPLE:p@ss@host name',
      shown: '"http://[REDACTED]@host name"',
    },
    {
      name: 'a password with ? in it',
      raw: 'https://AKIDEXAMPLE:p?ss@host',
      shown: '"https://[REDACTED]@host"',
    },
    {
      name: 'credentials without a scheme',
      raw: 'AKIDEXAMPLE:wJalrXUtnFEMI@host:9202',
      shown: '"[REDACTED]@host:9202" (scheme akidexample: is not http or https)',
    },
  ])('never echoes the credentials of a refused endpoint: $name', ({ raw, shown }) => {
    expect(problemsOf({ env: { ...REQUIRED_ENV, write_base_endpoint: raw }, mode: 'lambda' })).toEqual([
      `environment variable write_base_endpoint: invalid value ${shown}; accepted: an http:// or https:// URL`,
    ]);
  });

  test('throws one ConfigError whose message lists the problems and exits 2', () => {
    let error: unknown;
    try {
      loadConfig({ env: { default_table: 'tbl', enable_sigv4_auth: 'yes' }, mode: 'lambda' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect([(error as ConfigError).name, (error as ConfigError).exitCode]).toEqual(['ConfigError', 2]);
    expect((error as ConfigError).message).toBe(
      'invalid configuration:\n' +
        '  environment variable default_database: required\n' +
        '  environment variable enable_sigv4_auth: invalid value "yes"; accepted: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False',
    );
  });

  test.each([
    {
      name: 'a range reason is kept',
      flags: { 'local.fault-throttle-rate': '2', local: true },
      problem:
        '--local.fault-throttle-rate: invalid value "2" (greater than 1); accepted: a decimal number from 0 to 1',
    },
    // The reference's multi-destination labels, which it removed itself in 1.0.0.
    {
      name: 'an unknown flag',
      flags: { 'database-label': 'mydb' },
      problem: '--database-label: unknown option',
    },
    {
      name: 'a local option without --local',
      flags: { 'local.data-dir': '/tmp/x' },
      problem: '--local.data-dir: only applies with --local or the local-store command',
    },
    {
      name: 'half a TLS pair',
      flags: { 'tls-key': 'k.pem' },
      problem: '--tls-certificate and --tls-key: give both or neither',
    },
    {
      name: 'a non-http endpoint',
      flags: { 'write-base-endpoint': 'localhost:9202' },
      problem:
        '--write-base-endpoint: invalid value "localhost:9202" (scheme localhost: is not http or https); accepted: an http:// or https:// URL',
    },
    {
      name: 'an empty database flag',
      flags: { 'default-database': '' },
      problem: `--default-database: invalid value ""; accepted: ${TIMESTREAM_NAME}`,
    },
    {
      name: 'a database name Timestream cannot hold',
      flags: { 'default-database': 'Prometheus Database' },
      problem: `--default-database: invalid value "Prometheus Database"; accepted: ${TIMESTREAM_NAME}`,
    },
    {
      name: "a table name below Timestream's length",
      flags: { 'default-table': 'pm' },
      problem: `--default-table: invalid value "pm" (shorter than 3 characters); accepted: ${TIMESTREAM_NAME}`,
    },
  ])('names $name', ({ flags, problem }) => {
    expect(problemsOf({ flags: { ...REQUIRED_FLAGS, ...flags }, env: {}, mode: 'server' })).toEqual([
      problem,
    ]);
  });
});

describe('loadConfig reads every option into its own field', () => {
  test('server: every flag set to a value other than its default', () => {
    const config = loadConfig({
      flags: {
        'default-database': 'mydb',
        'default-table': 'tbl',
        region: 'eu-west-1',
        'web.listen-address': '127.0.0.1:9300',
        'web.telemetry-path': '/own-metrics',
        'tls-certificate': 'c.pem',
        'tls-key': 'k.pem',
        'enable-logging': 'false',
        'log.level': 'warn',
        'log.format': 'json',
        'max-read-retries': '1',
        'max-write-retries': '2',
        'fail-on-long-label': 'true',
        'fail-on-invalid-sample-value': 'false',
        'enable-sigv4-auth': 'true',
        'query-base-endpoint': 'http://query.example',
        'write-base-endpoint': 'http://write.example',
        'write-concurrency': '3',
        'web.max-concurrent-writes': '0',
        'web.write-queue-timeout': '2s',
        'web.max-concurrent-reads': '5',
        'read-concurrency': '4',
        'write-timeout': '5ms',
        'read-timeout': '6s',
        'max-body-bytes': '7',
        'max-decoded-bytes': '8',
        'max-series-per-request': '9',
        'max-samples-per-request': '10',
        'max-labels-per-series': '11',
        'max-response-bytes': '12',
      },
      env: {},
      mode: 'server',
    });
    expect(config).toEqual({
      mode: 'server',
      defaultDatabase: 'mydb',
      defaultTable: 'tbl',
      region: 'eu-west-1',
      listen: { host: '127.0.0.1', port: 9300 },
      telemetryPath: '/own-metrics',
      tls: { certificateFile: 'c.pem', keyFile: 'k.pem' },
      enableLogging: false,
      logLevel: 'warn',
      logFormat: 'json',
      maxReadRetries: 1,
      maxWriteRetries: 2,
      failOnLongLabel: true,
      failOnInvalidSampleValue: false,
      enableSigv4Auth: true,
      queryBaseEndpoint: 'http://query.example',
      writeBaseEndpoint: 'http://write.example',
      writeConcurrency: 3,
      maxConcurrentWrites: 0,
      writeQueueTimeoutMs: 2000,
      maxConcurrentReads: 5,
      readConcurrency: 4,
      writeTimeoutMs: 5,
      readTimeoutMs: 6000,
      limits: {
        maxBodyBytes: 7,
        maxDecodedBytes: 8,
        maxSeriesPerRequest: 9,
        maxSamplesPerRequest: 10,
        maxLabelsPerSeries: 11,
        maxResponseBytes: 12,
      },
      local: undefined,
    });
  });

  test('Lambda: fail_on_long_label and fail_on_invalid_sample_value are read apart', () => {
    const config = loadConfig({
      env: { ...REQUIRED_ENV, fail_on_long_label: 'false', fail_on_invalid_sample_value: 'true' },
      mode: 'lambda',
    });
    expect([config.failOnLongLabel, config.failOnInvalidSampleValue]).toEqual([false, true]);
  });

  test('local mode: every local flag set to a value other than its default', () => {
    const config = loadConfig({
      flags: {
        local: 'true',
        'local.data-dir': '/tmp/store',
        'local.listen-address': ':9400',
        'local.page-size': '5',
        'local.query-timeout': '2s',
        'local.credentials': 'creds.txt',
        'local.fault-latency': '7',
        'local.fault-throttle-rate': '0.25',
        'local.fault-internal-error-rate': '0.5',
        'local.fault-seed': '42',
      },
      env: {},
      mode: 'server',
    });
    expect(config.local).toEqual({
      dataDir: '/tmp/store',
      listen: { host: '', port: 9400 },
      pageSize: 5,
      queryTimeoutMs: 2000,
      credentialsFile: 'creds.txt',
      faultLatencyMs: 7,
      faultThrottleRate: 0.25,
      faultInternalErrorRate: 0.5,
      faultSeed: 42,
    });
  });
});

describe('loadConfig problems are reported once', () => {
  test.each([
    {
      name: 'a bad --local value, which leaves local mode off',
      flags: { local: 'yes' },
      problems: [
        '--local: invalid value "yes"; accepted: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False',
        '--default-database (or environment variable default_database): required unless --local is given',
        '--default-table (or environment variable default_table): required unless --local is given',
      ],
    },
    {
      name: 'a bad local option without --local: only the missing --local',
      flags: { ...REQUIRED_FLAGS, 'local.fault-seed': 'x' },
      problems: ['--local.fault-seed: only applies with --local or the local-store command'],
    },
  ])('$name', ({ flags, problems }) => {
    expect(problemsOf({ flags, env: {}, mode: 'server' })).toEqual(problems);
  });

  test('takes an unknown flag name that was not given (undefined) as absent', () => {
    const config = loadConfig({
      flags: { ...REQUIRED_FLAGS, 'no-such-option': undefined },
      env: {},
      mode: 'server',
    });
    expect(config.maxReadRetries).toBe(3);
  });
});

// The reference's README and releases up to 1.2 spell the read retries --max-retries / max_retries;
// its configs keep working, and never lose a value silently.
describe('loadConfig former reference spellings', () => {
  test.each([
    { name: 'server: --max-retries', mode: 'server', flags: { 'max-retries': '7' }, env: {}, expected: 7 },
    { name: 'server: max_retries', mode: 'server', flags: {}, env: { max_retries: '7' }, expected: 7 },
    { name: 'Lambda: max_retries', mode: 'lambda', flags: {}, env: { max_retries: '7' }, expected: 7 },
    {
      name: 'Lambda: max_read_retries and max_retries alike',
      mode: 'lambda',
      flags: {},
      env: { max_read_retries: '7', max_retries: '7' },
      expected: 7,
    },
    {
      name: 'server: --max-read-retries beats max_retries',
      mode: 'server',
      flags: { 'max-read-retries': '2' },
      env: { max_retries: '7' },
      expected: 2,
    },
    {
      name: 'server: --max-retries beats max_read_retries',
      mode: 'server',
      flags: { 'max-retries': '2' },
      env: { max_read_retries: '7' },
      expected: 2,
    },
    {
      name: 'Lambda: empty max_retries is unset',
      mode: 'lambda',
      flags: {},
      env: { max_retries: '' },
      expected: 3,
    },
  ] as const)('reads the read retries under the former name: $name', ({ mode, flags, env, expected }) => {
    const config = loadConfig({
      flags: { ...REQUIRED_FLAGS, ...flags },
      env: { ...REQUIRED_ENV, ...env },
      mode,
    });
    expect([config.maxReadRetries, config.maxWriteRetries]).toEqual([expected, 10]);
  });

  test.each([
    {
      name: "both variables with different values (max_retries added beside the template's max_read_retries)",
      mode: 'lambda',
      flags: {},
      env: { max_read_retries: '3', max_retries: '10' },
      problems: [
        'environment variable max_retries: former name of environment variable max_read_retries, which is also given, with another value; give only environment variable max_read_retries',
      ],
    },
    {
      name: 'both flags with different values',
      mode: 'server',
      flags: { 'max-read-retries': '3', 'max-retries': '10' },
      env: {},
      problems: [
        '--max-retries: former name of --max-read-retries, which is also given, with another value; give only --max-read-retries',
      ],
    },
    {
      name: 'a bad value under the former name',
      mode: 'lambda',
      flags: {},
      env: { max_retries: 'ten' },
      problems: ['environment variable max_retries: invalid value "ten"; accepted: an integer >= 0'],
    },
    // Both spellings alike are taken as one value, reported under the current name.
    {
      name: 'a bad value under both variables alike',
      mode: 'lambda',
      flags: {},
      env: { max_read_retries: 'ten', max_retries: 'ten' },
      problems: ['environment variable max_read_retries: invalid value "ten"; accepted: an integer >= 0'],
    },
    {
      name: 'a bad value under both flags alike',
      mode: 'server',
      flags: { 'max-read-retries': '-1', 'max-retries': '-1' },
      env: {},
      problems: ['--max-read-retries: invalid value "-1"; accepted: an integer >= 0'],
    },
  ] as const)('refuses $name', ({ mode, flags, env, problems }) => {
    expect(
      problemsOf({ flags: { ...REQUIRED_FLAGS, ...flags }, env: { ...REQUIRED_ENV, ...env }, mode }),
    ).toEqual(problems);
  });
});
