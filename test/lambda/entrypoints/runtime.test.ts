import { EventEmitter } from 'node:events';
import {
  disabledWarnings,
  logProcessWarnings,
  nodeOptionValues,
  splitNodeOptions,
} from '../../../lambda/entrypoints/runtime';
import { CaptureLogger } from '../../support/capture-logger';

describe('logProcessWarnings', () => {
  test("replaces Node's warning printer with one warn line per warning, its lines joined", () => {
    const proc = new EventEmitter();
    const printed: string[] = [];
    proc.on('warning', (warning: Error) => printed.push(warning.message));
    const logger = new CaptureLogger();
    logProcessWarnings(logger, proc);
    // The AWS SDK's warning on Node.js 20, as @aws-sdk/core emits it (process.emitWarning(text)).
    const sdk = new Error(
      'NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)\nversions published after the first ' +
        'week of January 2027\nwill require node >=22. You are running node v20.20.2.\n\nTo continue ' +
        'receiving updates ...',
    );
    sdk.name = 'Warning';
    const deprecation = Object.assign(new Error('The `punycode` module is deprecated.'), {
      name: 'DeprecationWarning',
      code: 'DEP0040',
    });
    proc.emit('warning', sdk);
    proc.emit('warning', deprecation);
    expect(printed).toEqual([]);
    expect(logger.lines.map((l) => [l.level, l.msg, l.fields])).toEqual([
      [
        'warn',
        'NodeVersionSupportWarning: The AWS SDK for JavaScript (v3) versions published after the first ' +
          'week of January 2027 will require node >=22. You are running node v20.20.2. To continue ' +
          'receiving updates ...',
        { warning: 'Warning' },
      ],
      ['warn', 'The `punycode` module is deprecated.', { warning: 'DeprecationWarning', code: 'DEP0040' }],
    ]);
  });

  test('logs nothing when warnings are off (Node installed no printer: --no-warnings, NODE_NO_WARNINGS=1)', () => {
    const proc = new EventEmitter();
    const logger = new CaptureLogger();
    logProcessWarnings(logger, proc);
    proc.emit('warning', new Error('quiet'));
    expect([proc.listenerCount('warning'), logger.lines]).toEqual([0, []]);
  });

  test("leaves out the warnings --disable-warning turns off, by type or code, as Node's printer does", () => {
    const proc = new EventEmitter();
    proc.on('warning', () => undefined);
    const logger = new CaptureLogger();
    logProcessWarnings(logger, proc, new Set(['DeprecationWarning', 'C1']));
    proc.emit(
      'warning',
      Object.assign(new Error('deprecated'), { name: 'DeprecationWarning', code: 'DEP0040' }),
    );
    proc.emit('warning', Object.assign(new Error('by code'), { name: 'Warning', code: 'C1' }));
    proc.emit('warning', Object.assign(new Error('kept'), { name: 'Warning', code: 'C2' }));
    expect(logger.lines.map((l) => [l.level, l.msg, l.fields])).toEqual([
      ['warn', 'kept', { warning: 'Warning', code: 'C2' }],
    ]);
  });

  test("leaves Node's printer in place with --redirect-warnings, which writes the warnings to its file", () => {
    const proc = new EventEmitter();
    const printed: string[] = [];
    proc.on('warning', (warning: Error) => printed.push(warning.message));
    const logger = new CaptureLogger();
    logProcessWarnings(logger, proc, new Set(), true);
    proc.emit('warning', new Error('to the file'));
    expect([printed, logger.lines]).toEqual([['to the file'], []]);
  });

  test("logs a warning's detail, and its stack with --trace-warnings or --trace-deprecation, as Node prints them", () => {
    const proc = Object.assign(new EventEmitter(), { traceProcessWarnings: false, traceDeprecation: true });
    proc.on('warning', () => undefined);
    const logger = new CaptureLogger();
    logProcessWarnings(logger, proc, new Set(), false);
    const detailed = Object.assign(new Error('with detail'), { name: 'Warning', detail: 'what to do' });
    const deprecation = Object.assign(new Error('old'), { name: 'DeprecationWarning', stack: 'at here' });
    proc.emit('warning', detailed);
    proc.emit('warning', deprecation);
    proc.traceProcessWarnings = true;
    proc.emit('warning', Object.assign(new Error('traced'), { stack: 'at there' }));
    proc.emit('warning', 'not an Error');
    expect(logger.lines.map((l) => [l.msg, l.fields])).toEqual([
      ['with detail', { warning: 'Warning', detail: 'what to do' }],
      ['old', { warning: 'DeprecationWarning', stack: 'at here' }],
      ['traced', { warning: 'Error', stack: 'at there' }],
    ]);
  });
});

describe('disabledWarnings', () => {
  test('reads --disable-warning from the command line and NODE_OPTIONS, with = or a space, quoted or not', () => {
    expect([
      ...disabledWarnings(
        ['--disable-warning=DEP0040', '--max-old-space-size=512', '--disable-warning', 'ExperimentalWarning'],
        ' --disable-warning="DeprecationWarning"  --disable-warning C1 --enable-source-maps',
      ),
    ]).toEqual(['DEP0040', 'ExperimentalWarning', 'DeprecationWarning', 'C1']);
    expect([
      ...disabledWarnings(['--no-warnings'], undefined),
      ...disabledWarnings([], '--disable-warning'),
    ]).toEqual([]);
  });

  test('reads --redirect-warnings from the command line and NODE_OPTIONS', () => {
    expect([
      nodeOptionValues(['--redirect-warnings=/var/log/w.log'], undefined, '--redirect-warnings'),
      nodeOptionValues([], '--max-old-space-size=512 --redirect-warnings "/w"', '--redirect-warnings'),
      nodeOptionValues(['--redirect-warningsX=1'], '', '--redirect-warnings'),
    ]).toEqual([['/var/log/w.log'], ['/w'], []]);
  });

  test('reads an option whose name is spelt with `_` for `-`, as Node.js reads it', () => {
    expect([
      ...disabledWarnings(['--disable_warning=DEP0040'], '--disable_warning C1 --disable-warning=X_Y'),
      ...nodeOptionValues([], '--redirect_warnings=/w_1', '--redirect-warnings'),
    ]).toEqual(['DEP0040', 'C1', 'X_Y', '/w_1']);
  });

  test('cuts NODE_OPTIONS as Node.js does: at spaces outside double quotes, the quotes dropped wherever they are', () => {
    expect([
      ...disabledWarnings(
        [],
        '"--disable-warning=DEP0005" --disable-warning=DEP"0040" "--disable-warning" C1',
      ),
      ...disabledWarnings([], '--disable-warning=C2\t--disable-warning=C3'),
    ]).toEqual(['DEP0005', 'DEP0040', 'C1', 'C2\t--disable-warning=C3']);
    expect(splitNodeOptions(' --a="x y" "" --b="q\\"r\\\\" --c="open')).toEqual([
      '--a=x y',
      '--b=q"r\\',
      '--c=open',
    ]);
  });
});
