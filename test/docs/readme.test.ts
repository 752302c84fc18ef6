// SPDX-License-Identifier: Apache-2.0
// README.md and DEVELOPER_README.md must hold what the code defines: the settings table exactly as
// the settings module renders it, the embedded store's API, the log levels, so the docs cannot drift.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine, renderSettingsTable } from '../../lambda/config/command';
import { SETTINGS, type Setting } from '../../lambda/config/settings';
import { MAX_RESULT_BYTES, resultTooLarge } from '../../lambda/local-store/query-executor';
import { TIMESTREAM_RECORD_LIMITS } from '../../lambda/timestream/validate-series';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const guide = readFileSync(join(__dirname, '..', '..', 'DEVELOPER_README.md'), 'utf8');
const localStoreSource = readFileSync(
  join(__dirname, '..', '..', 'lambda', 'local-store', 'index.ts'),
  'utf8',
);

/** The member names of an exported interface of lambda/local-store/index.ts, read from its source. */
function interfaceMembers(name: string): string[] {
  const body =
    new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`).exec(localStoreSource)?.[1] ?? '';
  return [...body.matchAll(/^ {2}(\w+)\??[:(]/gm)].map((m) => m[1]);
}

/** The README text from `heading` up to the next heading. */
function section(heading: string): string {
  const start = readme.indexOf(heading);
  return start < 0 ? '' : readme.slice(start, readme.indexOf('\n#', start + heading.length));
}

describe('README.md', () => {
  test('contains the rendered settings table verbatim', () => {
    expect(readme).toContain(renderSettingsTable().trim());
  });

  test.each(['npm ci && npm start', 'npm ci && npm test'])('shows `%s` in the quick start', (command) => {
    expect(readme.slice(0, readme.indexOf('## Prometheus configuration'))).toContain(command);
  });

  test("quotes the refusal of a local-mode read whose result passes the store's limit", () => {
    // What the connector answers (its prefix and the store's words), whitespace as README wraps it.
    const refusal = `Timestream Query failed: ValidationException: ${resultTooLarge(MAX_RESULT_BYTES).message}`;
    expect(section('### What it is not').replace(/\s+/g, ' ')).toContain(`\`400\` \`${refusal}\``);
  });

  test('gives the label counts the write path refuses as long_label, between the two limits', () => {
    // __name__ is the measure name, not a dimension: one label more than the dimension limit is
    // still written, and --max-labels-per-series counts every label.
    const maxLabels = (SETTINGS as readonly Setting[]).find((s) => s.flag === 'max-labels-per-series');
    const range = /a series\s+with (\d+) to (\d+) labels\b/.exec(readme);
    expect(range?.slice(1).map(Number)).toEqual([
      TIMESTREAM_RECORD_LIMITS.maxDimensions + 2,
      maxLabels?.default,
    ]);
  });

  test('names every option of startLocalStore and every member of the store it returns', () => {
    const options = interfaceMembers('LocalStoreOptions');
    const members = interfaceMembers('LocalStore');
    expect(options).toContain('dataDir');
    expect(members).toContain('close');
    const table = section('### Options (`startLocalStore`');
    expect(options.filter((o) => !table.includes(`\`${o}\``))).toEqual([]);
    const returned = /The returned object has [^]*?(?:\n\n|$)/.exec(table)?.[0] ?? '';
    expect(members.filter((m) => !new RegExp(`\`${m}[\`(]`).test(returned))).toEqual([]);
  });

  test('names every option the local-store command takes where it describes the command', () => {
    const text =
      /local-store`\s+runs only the embedded Timestream-compatible store, with[^]*?\(exit status 2\)/.exec(
        readme,
      )?.[0] ?? '';
    const prefixes = [...text.matchAll(/`--([\w-]+)\.\*`/g)].map((m) => `${m[1]}.`);
    const named = (flag: string) =>
      text.includes(`\`--${flag}\``) || prefixes.some((p) => flag.startsWith(p));
    // The command refuses an option it does not use before any value is checked, naming it.
    const taken = (flag: string) => {
      try {
        parseCommandLine(['local-store', `--${flag}=1`]);
      } catch (error) {
        return !String(error).includes(`--${flag}: does not apply to the local-store command`);
      }
      return true;
    };
    const flags = (SETTINGS as readonly Setting[]).map((s) => s.flag);
    expect(flags.filter(taken)).toContain('local.data-dir');
    expect(flags.filter((flag) => taken(flag) && !named(flag))).toEqual([]);
    expect(flags.filter((flag) => !taken(flag) && named(flag))).toEqual([]);
  });

  test('DEVELOPER_README promises more log lines at LogLevel=debug only if the function logs at debug', () => {
    const lambdaDir = join(__dirname, '..', '..', 'lambda');
    // The embedded store is local mode only, and the logger merely defines the level.
    const debugCallers = readdirSync(lambdaDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.startsWith('local-store') && !f.endsWith('logger.ts'))
      .filter((f) => /\.debug\(/.test(readFileSync(join(lambdaDir, f), 'utf8')));
    expect(/`LogLevel=debug` for more/.test(guide)).toBe(debugCallers.length > 0);
  });

  test('DEVELOPER_README names every line LogLevel=warn keeps besides refused and failed requests', () => {
    const coreDir = join(__dirname, '..', '..', 'lambda', 'core');
    // The function's request lines are the core's; a `… refused` line answers 4xx. A request's
    // client closing the connection is seen by the standalone server only (request.signal), never
    // by the function behind API Gateway.
    const others = readdirSync(coreDir)
      .flatMap((f) => [
        ...readFileSync(join(coreDir, f), 'utf8').matchAll(/\.warn\([^;]*?'([^']+)'[,\s]*\);/g),
      ])
      .map((m) => m[1])
      .filter((msg) => !msg.endsWith(' refused') && !msg.startsWith('client closed the connection'));
    expect(others).toEqual(['read dropped duplicate samples']);
    const sentence = /`LogLevel=warn` keeps[^]*?:\n/.exec(guide)?.[0] ?? '';
    expect(others.filter((msg) => !sentence.includes(`\`${msg}\``))).toEqual([]);
  });
});
