// SPDX-License-Identifier: Apache-2.0
// The command line, built with commander from SETTINGS: `timestream-prometheus-connector [options]` serves,
// `local-store` runs only the embedded store. Also renders the README's settings table from the same source.

import { closeSync, openSync, readSync } from 'node:fs';
import { Command, CommanderError, Help, Option } from 'commander';
import { ConfigError, loadConfig, type Config, type RawFlags } from './load';
import { bool } from './parsers';
import { flagNames, SETTINGS, type Setting } from './settings';
import { CONNECTOR_VERSION } from '../version';

/** Name of the executable, as `--help` shows it. */
export const PROGRAM_NAME = 'timestream-prometheus-connector';

/** What the process was asked to do and with which configuration. */
export interface ParsedCommandLine {
  command: 'serve' | 'local-store';
  config: Config;
}

/** Where `--help` goes and how the process ends after it (injectable for tests). */
export interface CommandLineIo {
  writeOut?: (text: string) => void;
  /** Called with 0 after help was printed. @default process.exit */
  exit?: (code: number) => never;
}

/**
 * Parses the user arguments (`process.argv.slice(2)`) and builds the Config.
 *
 * An `@FILE` argument stands for the lines of FILE (withArgsFiles), as with the reference's flags.
 * `env` supplies environment variables (flags win over them). `--help` and `--version` print to
 * stdout and exit 0 through commander. Unknown options and bad values throw one ConfigError (exit
 * code 2) for the caller to print; nothing is written to stderr here.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
  io: CommandLineIo = {},
): ParsedCommandLine {
  const args = withArgsFiles(argv);
  const chosen: { command: ParsedCommandLine['command'] } = { command: 'serve' };
  const program = buildProgram(io);
  program.action(() => {
    chosen.command = 'serve';
  });
  program.commands[0].action(() => {
    chosen.command = 'local-store';
  });
  try {
    const commandNames = new Set(program.commands.map((c) => c.name()));
    program.parse(withExplicitBooleans(args, commandNames), { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) throw new ConfigError([e.message.replace(/^error: /, '')]);
    throw e;
  }
  // Checked after parsing, so that `--help` and `--version` still answer, as they do with kingpin.
  const repeated = repeatedOptions(args);
  if (repeated.length > 0)
    throw new ConfigError(repeated.map((flag) => `${flag}: given more than once; give it once`));
  const flags: Record<string, string | boolean | undefined> = {};
  const values = program.opts();
  for (const option of program.options) {
    const flag = (option.long ?? '').replace(/^--/, '');
    flags[flag] = values[option.attributeName()] as string | boolean | undefined;
  }
  if (chosen.command === 'local-store') {
    // The store alone reads only its own options; any other would be ignored without a word.
    const ignored = Object.keys(flags).filter((f) => flags[f] !== undefined && !appliesToLocalStore(f));
    if (ignored.length > 0)
      throw new ConfigError(
        ignored.map((f) => `--${f}: does not apply to the local-store command (${LOCAL_STORE_OPTIONS})`),
      );
    flags.local = true;
  }
  return { command: chosen.command, config: loadConfig({ flags: flags as RawFlags, env, mode: 'server' }) };
}

const LOCAL_STORE_OWN_OPTIONS = 'the --local.*, --log.*, --enable-logging and --region options';
const LOCAL_STORE_OPTIONS = `it takes --local and ${LOCAL_STORE_OWN_OPTIONS}`;

function appliesToLocalStore(flag: string): boolean {
  const own = flag === 'local' || flag === 'enable-logging' || flag === 'region';
  return own || flag.startsWith('local.') || flag.startsWith('log.');
}

/** How both commands' help is laid out. */
const HELP_LAYOUT = { showGlobalOptions: true, helpWidth: 110 };

/** Builds the commander program (with its `local-store` subcommand) from SETTINGS; exported for `--help` tests. */
export function buildProgram(io: CommandLineIo = {}): Command {
  const program = new Command(PROGRAM_NAME)
    .description(
      'Prometheus remote-storage connector for Amazon Timestream: serves POST /write and POST /read.\n' +
        'An argument @FILE stands for the lines of FILE, one argument per line (# lines skipped).',
    )
    .helpOption('-h, --help', 'Show this help and exit.')
    .version(`${PROGRAM_NAME} ${CONNECTOR_VERSION}`, '--version', 'Show the version and exit.')
    .configureHelp(HELP_LAYOUT)
    .allowExcessArguments(false);
  for (const s of SETTINGS as readonly Setting[]) {
    program.addOption(toOption(s));
    // The former spelling is listed in the current option's help rather than as an option of its own.
    if (s.former !== undefined)
      program.addOption(
        new Option(`--${s.former.flag} ${s.parser.placeholder}`, `Former name of --${s.flag}.`).hideHelp(),
      );
  }
  program
    .command('local-store')
    .description(
      `Run only the embedded Timestream-compatible store (uses ${LOCAL_STORE_OWN_OPTIONS}, and --local, which it implies; others are refused).`,
    )
    .allowExcessArguments(false)
    .configureHelp({
      ...HELP_LAYOUT,
      // Lists only the options the store uses: parseCommandLine refuses the others after local-store
      // (and --local, which it implies).
      visibleGlobalOptions(this: Help, cmd: Command): Option[] {
        return Help.prototype.visibleGlobalOptions.call(this, cmd).filter((option) => {
          const flag = (option.long ?? '').replace(/^--/, '');
          return flag === 'version' || (flag !== 'local' && appliesToLocalStore(flag));
        });
      },
    });
  for (const cmd of [program, ...program.commands]) {
    cmd.configureOutput({
      writeOut: io.writeOut ?? ((text) => process.stdout.write(text)),
      // NOTE: errors become a ConfigError; the CLI prints it once, with the exit code 2.
      outputError: () => undefined,
    });
    cmd.exitOverride((err) => {
      if (err.exitCode === 0) (io.exit ?? ((code: number) => process.exit(code)))(0);
      throw err;
    });
  }
  return program;
}

function toOption(s: Setting): Option {
  return new Option(`--${s.flag} ${s.parser.placeholder}`, describe(s));
}

function describe(s: Setting): string {
  const parts = [s.help];
  if (s.parser.placeholder === '[bool]') parts.push('A bare flag means true.');
  if (s.env !== undefined) parts.push(`[env: ${[s.env, ...(s.envFallback ?? [])].join(', then ')}]`);
  if (s.former !== undefined)
    parts.push(`Also taken under its former name --${s.former.flag} [env: ${s.former.env}].`);
  parts.push(`(default: ${describeDefault(s)})`);
  return parts.join(' ');
}

/** Describes a setting's default in words, including the Lambda and local-mode variants. */
export function describeDefault(s: Setting, markdown = false): string {
  const fmt = (value: unknown) => {
    const text = (s.parser.format as (v: unknown) => string)(value);
    return markdown ? `\`${text}\`` : text;
  };
  const base =
    s.default === undefined ? (s.required ? 'required' : (s.unsetMeans ?? 'unset')) : fmt(s.default);
  const variants: string[] = [];
  if (s.modeDefaults?.lambda !== undefined) variants.push(`${fmt(s.modeDefaults.lambda)} on Lambda`);
  if (s.modeDefaults?.local !== undefined)
    variants.push(`${fmt(s.modeDefaults.local)} with ${markdown ? '`--local`' : '--local'}`);
  return variants.length === 0 ? base : `${base}; ${variants.join('; ')}`;
}

/**
 * Joins a boolean flag and a following Go `ParseBool` spelling (`--enable-logging false`, as the
 * reference connector's kingpin flags take it) into `--enable-logging=false`, and rewrites a bare
 * boolean flag (`--fail-on-long-label`) to `--fail-on-long-label=true`, so a following argument
 * that is not a boolean (`local-store`) is never taken as its value. Throws a ConfigError for a
 * value-taking option followed by an option instead of its value, and for a boolean flag followed
 * by a word that is neither a boolean nor a command (`--enable-logging yes`), which commander would
 * refuse only as "too many arguments", without naming the flag.
 */
function withExplicitBooleans(argv: readonly string[], commandNames: ReadonlySet<string>): string[] {
  const placeholders = new Map<string, string>(
    (SETTINGS as readonly Setting[]).flatMap((s) =>
      flagNames(s).map((flag) => [`--${flag}`, s.parser.placeholder]),
    ),
  );
  const end = argv.indexOf('--');
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // Undefined for anything but an option, and for every argument after `--`.
    const placeholder = end === -1 || i < end ? placeholders.get(arg) : undefined;
    if (placeholder === undefined) {
      out.push(arg);
    } else if (placeholder !== '[bool]') {
      // Commander would take the next option as this one's value (`--log.level --enable-logging`
      // logs at level "--enable-logging"); kingpin, whose flags the reference has, refuses it.
      const next = argv[i + 1];
      if (next !== undefined && next.startsWith('-') && next !== '-')
        throw new ConfigError([
          `option '${arg} ${placeholder}' argument missing: the next argument is the option '${next}' (write ${arg}=VALUE for a value that starts with '-')`,
        ]);
      out.push(arg);
    } else if (i + 1 < argv.length && (end === -1 || i + 1 < end) && !argv[i + 1].startsWith('-')) {
      const next = argv[i + 1];
      if (isBoolSpelling(next)) {
        out.push(`${arg}=${next}`);
        i++;
      } else if (commandNames.has(next)) {
        out.push(`${arg}=true`);
      } else {
        throw new ConfigError([
          `${arg}: invalid value ${JSON.stringify(next)}; accepted: ${bool.accepted} (a bare ${arg} means true)`,
        ]);
      }
    } else {
      out.push(`${arg}=true`);
    }
  }
  return out;
}

/** Largest arguments file `@FILE` reads; a command line's worth of options is a few KiB. */
const MAX_ARGS_FILE_BYTES = 1024 * 1024;

/**
 * Replaces each `@FILE` argument before `--` with the lines of FILE, one argument per line, as the
 * reference connector's kingpin flags do (`bootstrap @/etc/connector.args`): lines starting with
 * `#` are comments, and a line holds its argument as is (`--region=eu-west-1`, or `--region` and
 * `eu-west-1` on two lines). An `@` in the file is taken literally, so a file can never include
 * itself; an empty line is skipped.
 */
function withArgsFiles(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('@') || (end !== -1 && i > end)) {
      out.push(arg);
      continue;
    }
    out.push(...argsFileLines(arg.slice(1)));
  }
  return out;
}

function argsFileLines(path: string): string[] {
  let text: string;
  try {
    text = readBounded(path, MAX_ARGS_FILE_BYTES).toString('utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConfigError([`@${path}: cannot read the arguments file (${reason})`]);
  }
  return text
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Reads a file of at most `maxBytes`, without trusting its size (`@/dev/zero` has none and no end). */
function readBounded(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) return buffer.subarray(0, length);
      length += read;
      if (length > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The options given more than once (`--region a --region b`, `--log.level=debug --log.level warn`),
 * each named once. kingpin, whose flags the reference connector has, refuses them ("flag 'region'
 * cannot be repeated"): taking the last value would silently drop the other one.
 */
function repeatedOptions(argv: readonly string[]): string[] {
  const known = new Set((SETTINGS as readonly Setting[]).flatMap((s) => flagNames(s).map((f) => `--${f}`)));
  const end = argv.indexOf('--');
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const arg of end === -1 ? argv : argv.slice(0, end)) {
    const name = arg.split('=', 1)[0];
    if (!known.has(name)) continue;
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  return [...repeated];
}

function isBoolSpelling(raw: string): boolean {
  try {
    bool.parse(raw);
    return true;
  } catch {
    return false;
  }
}

/** Renders the markdown table of every option (flag, Lambda env, default, description) for README.md. */
export function renderSettingsTable(): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const rows = (SETTINGS as readonly Setting[]).map((s) => {
    const env =
      s.env === undefined ? '–' : [s.env, ...(s.envFallback ?? [])].map((e) => `\`${e}\``).join(', else ');
    const [flag, envCell] =
      s.former === undefined
        ? [`\`--${s.flag}\``, env]
        : [`\`--${s.flag}\` (or \`--${s.former.flag}\`)`, `${env} (or \`${s.former.env}\`)`];
    return `| ${flag} | ${envCell} | ${escape(describeDefault(s, true))} | ${escape(s.help)} |`;
  });
  return (
    ['| flag | Lambda env | default | description |', '| --- | --- | --- | --- |', ...rows].join('\n') + '\n'
  );
}
