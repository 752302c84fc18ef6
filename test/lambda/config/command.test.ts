// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram, parseCommandLine, renderSettingsTable } from '../../../lambda/config/command';
import { ConfigError } from '../../../lambda/config/load';
import { SETTINGS } from '../../../lambda/config/settings';

const REQUIRED = ['--default-database', 'mydb', '--default-table', 'tbl'];

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function runHelp(argv: string[]): { out: string; code: number } {
  let out = '';
  try {
    parseCommandLine(
      argv,
      {},
      {
        writeOut: (text) => (out += text),
        exit: (code) => {
          throw new Exited(code);
        },
      },
    );
  } catch (e) {
    if (e instanceof Exited) return { out, code: e.code };
    throw e;
  }
  throw new Error('help did not exit');
}

function configErrorOf(argv: string[], env: Record<string, string> = {}): ConfigError {
  try {
    parseCommandLine(argv, env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('command line was accepted');
}

describe('parseCommandLine', () => {
  // A call without an injected exit must never end the process: jest would stop with status 0.
  let exit: jest.SpiedFunction<typeof process.exit>;
  beforeEach(() => {
    exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`process.exit(${String(code)})`);
    });
  });
  afterEach(() => exit.mockRestore());

  // kingpin v2.4 (the reference's parser) refuses a flag given twice: "flag 'region' cannot be repeated".
  test.each([
    { argv: ['--region', 'eu-west-1', '--region', 'us-east-2'], problems: ['--region'] },
    { argv: ['--log.level=debug', '--log.level', 'warn'], problems: ['--log.level'] },
    { argv: ['--enable-logging=false', '--enable-logging'], problems: ['--enable-logging'] },
    { argv: ['--enable-logging', 'false', '--enable-logging', 'false'], problems: ['--enable-logging'] },
    { argv: ['--max-retries=3', '--max-retries', '3'], problems: ['--max-retries'] },
    {
      argv: [
        '--region',
        'eu-west-1',
        '--log.level=warn',
        '--region=eu-west-1',
        '--log.level=warn',
        '--region=a',
      ],
      problems: ['--region', '--log.level'],
    },
    { argv: ['--default-database', 'other'], problems: ['--default-database'] },
  ])('an option given twice is refused: $argv', ({ argv, problems }) => {
    expect(configErrorOf([...REQUIRED, ...argv]).problems).toEqual(
      problems.map((flag) => `${flag}: given more than once; give it once`),
    );
  });

  test('an option given once, and once more after --, is not repeated', () => {
    expect(configErrorOf([...REQUIRED, '--region', 'eu-west-1', '--', '--region']).problems).toEqual([
      'too many arguments. Expected 0 arguments but got 1.',
    ]);
  });

  describe('@FILE arguments (one argument per line, as kingpin, the reference parser, reads them)', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'args-file-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };

    test('stand for the lines of the file, comments and empty lines left out', () => {
      const path = file(
        'connector.args',
        '# the Timestream table\n--default-database\nmydb\n\n--default-table=tbl\r\n--enable-logging\nfalse\n',
      );
      const { command, config } = parseCommandLine([`@${path}`, '--region', 'eu-west-1']);
      expect(command).toBe('serve');
      expect([config.defaultDatabase, config.defaultTable, config.enableLogging, config.region]).toEqual([
        'mydb',
        'tbl',
        false,
        'eu-west-1',
      ]);
    });

    test('serve the local-store command too', () => {
      const path = file('store.args', '--local.listen-address=127.0.0.1:9999\n');
      const { command, config } = parseCommandLine(['local-store', `@${path}`]);
      expect([command, config.local?.listen]).toEqual(['local-store', { host: '127.0.0.1', port: 9999 }]);
    });

    test('an option in the file given again on the command line is refused', () => {
      const path = file('region.args', '--region=eu-west-1\n');
      expect(configErrorOf([...REQUIRED, `@${path}`, '--region=us-east-2']).problems).toEqual([
        '--region: given more than once; give it once',
      ]);
    });

    test('a file that cannot be read is refused, naming it', () => {
      const path = join(dir, 'missing.args');
      expect(configErrorOf([...REQUIRED, `@${path}`]).problems).toEqual([
        `@${path}: cannot read the arguments file (ENOENT)`,
      ]);
    });

    test('a file over 1 MiB is refused unread', () => {
      const path = file('large.args', `--region=eu-west-1\n${'#'.repeat(1024 * 1024)}\n`);
      expect(configErrorOf([...REQUIRED, `@${path}`]).problems).toEqual([
        `@${path}: cannot read the arguments file (larger than 1048576 bytes)`,
      ]);
    });

    test('an @ inside a file, or after --, is an argument as it is', () => {
      const path = file('nested.args', `@${join(dir, 'connector.args')}\n`);
      expect(configErrorOf([...REQUIRED, `@${path}`]).problems).toEqual([
        'too many arguments. Expected 0 arguments but got 1.',
      ]);
      expect(configErrorOf([...REQUIRED, '--', `@${path}`]).problems).toEqual([
        'too many arguments. Expected 0 arguments but got 1.',
      ]);
    });
  });

  test('--help answers though an option is given twice', () => {
    expect(runHelp([...REQUIRED, '--region', 'a', '--region', 'b', '--help']).code).toBe(0);
  });

  test('serves with the reference flags', () => {
    const { command, config } = parseCommandLine([
      ...REQUIRED,
      '--region',
      'eu-west-1',
      '--web.listen-address',
      '127.0.0.1:9300',
    ]);
    expect(command).toBe('serve');
    expect([config.defaultDatabase, config.defaultTable, config.region, config.listen]).toEqual([
      'mydb',
      'tbl',
      'eu-west-1',
      { host: '127.0.0.1', port: 9300 },
    ]);
  });

  test.each([
    { name: 'bare flag is true', args: ['--fail-on-long-label'], expected: true },
    { name: '=false', args: ['--fail-on-long-label=false'], expected: false },
    { name: '=0', args: ['--fail-on-long-label=0'], expected: false },
    { name: '=T', args: ['--fail-on-long-label=T'], expected: true },
    { name: 'absent', args: [], expected: false },
  ])('reads a boolean flag: $name', ({ args, expected }) => {
    expect(parseCommandLine([...REQUIRED, ...args]).config.failOnLongLabel).toBe(expected);
  });

  test.each([
    { name: 'false', args: ['--fail-on-long-label', 'false'], expected: false },
    { name: 'F', args: ['--fail-on-long-label', 'F'], expected: false },
    { name: 'true', args: ['--fail-on-long-label', 'true'], expected: true },
    {
      name: '1 before another flag',
      args: ['--fail-on-long-label', '1', '--log.level=warn'],
      expected: true,
    },
  ])('takes a boolean value after a space, as the reference connector does: $name', ({ args, expected }) => {
    expect(parseCommandLine([...REQUIRED, ...args]).config.failOnLongLabel).toBe(expected);
  });

  test('still reads a bare boolean before a non-boolean argument as true', () => {
    const { command, config } = parseCommandLine(['--local', 'local-store']);
    expect([command, config.local !== undefined]).toEqual(['local-store', true]);
  });

  test.each([
    {
      name: 'a serving flag',
      argv: [...REQUIRED, '--fail-on-long-label', 'yes'],
      flag: '--fail-on-long-label',
    },
    { name: 'after local-store', argv: ['local-store', '--enable-logging', 'yes'], flag: '--enable-logging' },
    { name: '--local before a stray word', argv: ['--local', 'extra'], flag: '--local' },
  ])('names the boolean flag a word after it is refused for: $name', ({ argv, flag }) => {
    expect(configErrorOf(argv).problems).toEqual([
      `${flag}: invalid value "${argv.at(-1)}"; accepted: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False (a bare ${flag} means true)`,
    ]);
  });

  test("takes a word after -- as an operand, not as a boolean flag's value", () => {
    expect(configErrorOf([...REQUIRED, '--fail-on-long-label', '--', 'yes']).problems).toEqual([
      'too many arguments. Expected 0 arguments but got 1.',
    ]);
  });

  test('takes a value that starts with - after =, and - alone as a value', () => {
    const { config } = parseCommandLine(['--local', '--local.data-dir=-data', '--log.format', 'logfmt']);
    expect(config.local?.dataDir).toBe('-data');
    expect(parseCommandLine(['--local', '--local.data-dir', '-']).config.local?.dataDir).toBe('-');
  });

  test.each([
    { name: 'after a space', args: ['--max-retries', '7'] },
    { name: 'after =', args: ['--max-retries=7'] },
  ])("takes the reference's former --max-retries as --max-read-retries: $name", ({ args }) => {
    const { config } = parseCommandLine([...REQUIRED, ...args]);
    expect([config.maxReadRetries, config.maxWriteRetries]).toEqual([7, 10]);
  });

  test('never takes an option as the value of --max-retries', () => {
    expect(configErrorOf([...REQUIRED, '--max-retries', '--log.level=warn']).problems[0]).toMatch(
      /^option '--max-retries <int>' argument missing/,
    );
  });

  test('takes --name=value and --name value alike', () => {
    const { config } = parseCommandLine([
      '--default-database=mydb',
      '--default-table',
      'tbl',
      '--log.level=warn',
      '--max-body-bytes',
      '1MiB',
    ]);
    expect([config.defaultDatabase, config.logLevel, config.limits.maxBodyBytes]).toEqual([
      'mydb',
      'warn',
      1048576,
    ]);
  });

  test('prefers a flag over the environment, and the environment over the default', () => {
    const env = {
      default_database: 'envdb',
      default_table: 'envtbl',
      max_read_retries: '7',
      log_level: 'error',
    };
    const { config } = parseCommandLine(['--default-database', 'flagdb', '--log.level', 'debug'], env);
    expect([
      config.defaultDatabase,
      config.defaultTable,
      config.logLevel,
      config.maxReadRetries,
      config.maxWriteRetries,
    ]).toEqual(['flagdb', 'envtbl', 'debug', 7, 10]);
  });

  test('runs locally without a database or table', () => {
    const { command, config } = parseCommandLine(['--local', '--local.data-dir', '/tmp/tpc']);
    expect(command).toBe('serve');
    expect([config.defaultDatabase, config.defaultTable, config.local?.dataDir]).toEqual([
      'PrometheusDatabase',
      'PrometheusMetricsTable',
      '/tmp/tpc',
    ]);
  });

  test.each([
    {
      name: 'options after the command',
      argv: ['local-store', '--local.listen-address', ':9999', '--log.level', 'debug'],
    },
    {
      name: 'options before the command',
      argv: ['--local.listen-address', ':9999', '--log.level', 'debug', 'local-store'],
    },
    {
      name: 'a bare boolean before the command',
      argv: ['--local.listen-address', ':9999', '--log.level=debug', '--local', 'local-store'],
    },
  ])('runs only the store with local-store: $name', ({ argv }) => {
    const { command, config } = parseCommandLine(argv);
    expect(command).toBe('local-store');
    expect([config.local?.listen, config.logLevel]).toEqual([{ host: '', port: 9999 }, 'debug']);
  });

  test('takes --region and --enable-logging with local-store', () => {
    const { config } = parseCommandLine(['local-store', '--region', 'eu-west-1', '--enable-logging=false']);
    expect([config.region, config.enableLogging]).toEqual(['eu-west-1', false]);
  });

  test.each([
    { name: 'a connector limit', argv: ['local-store', '--max-body-bytes', '5'], flags: ['max-body-bytes'] },
    {
      name: 'the connector listen address and table, before the command',
      argv: ['--web.listen-address', ':1', '--default-table', 't', 'local-store'],
      flags: ['default-table', 'web.listen-address'],
    },
  ])('refuses connector options with local-store: $name', ({ argv, flags }) => {
    let error: unknown;
    try {
      parseCommandLine(argv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect([...(error as ConfigError).problems].sort()).toEqual(
      flags.map(
        (f) =>
          `--${f}: does not apply to the local-store command (it takes --local and the --local.*, --log.*, --enable-logging and --region options)`,
      ),
    );
  });

  test.each([
    { name: 'unknown option', argv: ['--bogus'], problems: ["unknown option '--bogus'"] },
    {
      name: 'stray argument',
      argv: [...REQUIRED, 'extra'],
      problems: ['too many arguments. Expected 0 arguments but got 1.'],
    },
    {
      name: 'a stray argument after local-store',
      argv: ['local-store', 'extra'],
      problems: ["too many arguments for 'local-store'. Expected 0 arguments but got 1."],
    },
    {
      name: 'options after -- (operands, never read as options or their values)',
      argv: [...REQUIRED, '--', '--log.level', '--enable-logging'],
      problems: ['too many arguments. Expected 0 arguments but got 2.'],
    },
    {
      name: 'missing value',
      argv: [...REQUIRED, '--log.level'],
      problems: ["option '--log.level <debug|info|warn|error>' argument missing"],
    },
    {
      name: 'an option instead of a value',
      argv: [...REQUIRED, '--log.level', '--enable-logging'],
      problems: [
        "option '--log.level <debug|info|warn|error>' argument missing: the next argument is the option '--enable-logging' (write --log.level=VALUE for a value that starts with '-')",
      ],
    },
    {
      name: 'a short option instead of a value',
      argv: ['--local.data-dir', '-h', '--local'],
      problems: [
        "option '--local.data-dir <string>' argument missing: the next argument is the option '-h' (write --local.data-dir=VALUE for a value that starts with '-')",
      ],
    },
    {
      name: 'bad values, all of them',
      argv: ['--enable-logging=yes', '--write-concurrency', '0'],
      problems: [
        '--default-database (or environment variable default_database): required unless --local is given',
        '--default-table (or environment variable default_table): required unless --local is given',
        '--enable-logging: invalid value "yes"; accepted: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False',
        '--write-concurrency: invalid value "0" (less than 1); accepted: an integer >= 1',
      ],
    },
  ])('throws a ConfigError for $name', ({ argv, problems }) => {
    const error = configErrorOf(argv);
    expect(error.problems).toEqual(problems);
    expect(error.exitCode).toBe(2);
  });

  test('writes nothing to stderr on a usage error', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(configErrorOf(['--bogus']).problems).toEqual(["unknown option '--bogus'"]);
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });

  test('prints help to stdout and exits 0', () => {
    const { out, code } = runHelp(['--help']);
    expect(code).toBe(0);
    expect(out.startsWith('Usage: timestream-prometheus-connector [options] [command]\n')).toBe(true);
    expect(out).toContain(
      '\nAn argument @FILE stands for the lines of FILE, one argument per line (# lines skipped).\n',
    );
  });

  test("prints package.json's version to stdout and exits 0", () => {
    const { version } = JSON.parse(
      readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'),
    ) as {
      version: string;
    };
    expect(runHelp(['--version'])).toEqual({ out: `timestream-prometheus-connector ${version}\n`, code: 0 });
  });

  test('prints the local-store help', () => {
    const { out, code } = runHelp(['local-store', '--help']);
    expect(code).toBe(0);
    expect(out.startsWith('Usage: timestream-prometheus-connector local-store [options]\n')).toBe(true);
  });

  test('names the options local-store takes once each in its description', () => {
    const { out } = runHelp(['local-store', '--help']);
    expect(out.split('\n\n')[1]!.replace(/\s+/g, ' ')).toBe(
      'Run only the embedded Timestream-compatible store (uses the --local.*, --log.*, --enable-logging and --region options, and --local, which it implies; others are refused).',
    );
  });

  test('lists only the options local-store uses among the global ones', () => {
    const { out } = runHelp(['local-store', '--help']);
    const globals = out.slice(out.indexOf('Global Options:'));
    const listed = [...globals.matchAll(/^ {2}(--[\w.-]+)/gm)].map((m) => m[1]);
    expect(listed).toEqual([
      '--version',
      '--region',
      '--enable-logging',
      '--log.level',
      '--log.format',
      ...SETTINGS.filter((s) => s.flag.startsWith('local.')).map((s) => `--${s.flag}`),
    ]);
  });
});

describe('help text', () => {
  const help = buildProgram().helpInformation({ error: false }).replace(/\s+/g, ' ');

  test.each(SETTINGS.map((s) => ({ name: s.flag, s })))('documents --$name with its default', ({ s }) => {
    expect(help).toContain(`--${s.flag} ${s.parser.placeholder} `);
  });

  test.each([
    '[env: default_database] (default: required; PrometheusDatabase with --local)',
    '[env: region, then AWS_REGION] (default: us-east-1)',
    '(default: :9201)',
    '[env: enable_logging] (default: true)',
    '[env: log_format] (default: logfmt; json on Lambda)',
    '[env: max_response_bytes] (default: 0; 4MiB on Lambda)',
    '(default: 127.0.0.1:9202)',
    '--fail-on-long-label [bool] Fail the whole write with 400 when a series exceeds a Timestream name or size limit, instead of rejecting that series. A bare flag means true. [env: fail_on_long_label] (default: false)',
    '-h, --help Show this help and exit.',
    '--version Show the version and exit.',
  ])('shows %s', (fragment) => {
    expect(help).toContain(fragment);
  });

  test('lists the former --max-retries only in the help of --max-read-retries', () => {
    expect(help).toContain(
      "--max-read-retries <int> SDK retries of a failed Timestream Query call before answering 503; with the connector's own first attempt before the SDK's, a call makes at most this many + 2 attempts. [env: max_read_retries] Also taken under its former name --max-retries [env: max_retries]. (default: 3)",
    );
    expect(help).not.toContain('--max-retries <int>');
  });

  test('wraps the help at 110 columns', () => {
    const lines = buildProgram().helpInformation({ error: false }).trimEnd().split('\n');
    const widest = Math.max(...lines.map((line) => line.length));
    expect(widest).toBeLessThanOrEqual(110);
    expect(widest).toBeGreaterThan(100);
  });
});

describe('renderSettingsTable', () => {
  const table = renderSettingsTable();
  const lines = table.trimEnd().split('\n');

  test('has a header and one row per setting, in table order', () => {
    expect(lines.slice(0, 2)).toEqual([
      '| flag | Lambda env | default | description |',
      '| --- | --- | --- | --- |',
    ]);
    expect(lines.slice(2).map((line) => /^\| `--([^`]+)`/.exec(line)?.[1])).toEqual(
      SETTINGS.map((s) => s.flag),
    );
  });

  test.each([
    '| `--default-database` | `default_database` | required; `PrometheusDatabase` with `--local` | Timestream database that samples are written to and read from. |',
    '| `--region` | `region`, else `AWS_REGION` | `us-east-1` | AWS region of the Timestream database. |',
    "| `--web.telemetry-path` | – | `/metrics` | Path of the connector's own Prometheus metrics. |",
    '| `--query-base-endpoint` | `query_base_endpoint` | SDK default | Timestream Query endpoint instead of the SDK default (also disables endpoint discovery). |',
    '| `--local.fault-seed` | – | `1` | Seed of the fault-injection random numbers, so failures repeat run to run. |',
  ])('renders %s', (row) => {
    expect(lines).toContain(row);
  });
});
