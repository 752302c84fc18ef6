// SPDX-License-Identifier: Apache-2.0
import { BenchArgsError, parseBenchArgs } from '../../bench/args';

const parse = (argv: string[]) => parseBenchArgs(argv, () => undefined);

describe('parseBenchArgs', () => {
  test.each([
    { argv: [], quick: false, figures: [1, 2, 3, 4, 5, 6] },
    { argv: ['--quick'], quick: true, figures: [1, 2, 3, 4, 5, 6] },
    { argv: ['--figures', '5'], quick: false, figures: [5] },
    { argv: ['--figures=4,5', '--quick'], quick: true, figures: [4, 5] },
    { argv: ['--figures', '5, 4,5'], quick: false, figures: [4, 5] },
    { argv: ['--figures', '6,1,3'], quick: false, figures: [1, 3, 6] },
  ])('reads $argv', ({ argv, quick, figures }) => {
    expect(parse(argv)).toEqual({ quick, figures });
  });

  test.each([
    { value: '7', bad: '7' },
    { value: '0', bad: '0' },
    { value: '4,x', bad: 'x' },
    { value: '4,', bad: '' },
    { value: '1e0', bad: '1e0' },
  ])('refuses --figures $value, naming "$bad"', ({ value, bad }) => {
    expect(() => parse(['--figures', value])).toThrow(
      new BenchArgsError(
        `option '--figures <ids>' argument '${value}' is invalid. "${bad}" is not a figure (figures are 1, 2, 3, 4, 5, 6).`,
      ),
    );
  });

  test.each([
    { argv: ['--figures'], message: "option '--figures <ids>' argument missing" },
    { argv: ['--fast'], message: "unknown option '--fast'" },
    { argv: ['5'], message: 'too many arguments. Expected 0 arguments but got 1.' },
  ])('refuses $argv', ({ argv, message }) => {
    expect(() => parse(argv)).toThrow(new BenchArgsError(message));
  });

  it('prints its help and ends with an empty message', () => {
    let out = '';
    expect(() => parseBenchArgs(['--help'], (text) => (out += text))).toThrow(new BenchArgsError(''));
    expect(out).toBe(
      [
        'Usage: npm run bench -- [options]',
        '',
        'Runs the performance figures of SPEC section 9, each in a process of its own.',
        '',
        'Options:',
        '  --quick          a smoke run: fewer runs, a smaller read data set',
        '  --figures <ids>  comma-separated figures to run (default: all of 1, 2, 3, 4, 5, 6)',
        '  -h, --help       display help for command',
        '',
      ].join('\n'),
    );
  });
});
