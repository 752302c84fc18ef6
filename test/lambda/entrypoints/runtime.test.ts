import { EventEmitter } from 'node:events';
import { logProcessWarnings } from '../../../lambda/entrypoints/runtime';
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
});
