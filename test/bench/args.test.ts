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
    {
      argv: ['--figures', '7'],
      message:
        "option '--figures <ids>' argument '7' is invalid. \"7\" is not a figure (figures are 1, 2, 3, 4, 5, 6).",
    },
    {
      argv: ['--figures', '0'],
      message:
        "option '--figures <ids>' argument '0' is invalid. \"0\" is not a figure (figures are 1, 2, 3, 4, 5, 6).",
    },
    {
      argv: ['--figures', '4,x'],
      message:
        "option '--figures <ids>' argument '4,x' is invalid. \"x\" is not a figure (figures are 1, 2, 3, 4, 5, 6).",
    },
    {
      argv: ['--figures', '4,'],
      message:
        "option '--figures <ids>' argument '4,' is invalid. \"\" is not a figure (figures are 1, 2, 3, 4, 5, 6).",
    },
    {
      argv: ['--figures', '1e0'],
      message:
        "option '--figures <ids>' argument '1e0' is invalid. \"1e0\" is not a figure (figures are 1, 2, 3, 4, 5, 6).",
    },
    { argv: ['--figures'], message: "option '--figures <ids>' argument missing" },
    { argv: ['--fast'], message: "unknown option '--fast'" },
    { argv: ['5'], message: 'too many arguments. Expected 0 arguments but got 1.' },
  ])('refuses $argv', ({ argv, message }) => {
    expect(() => parse(argv)).toThrow(new BenchArgsError(message));
  });

  it('prints its help and ends with an empty message', () => {
    let out = '';
    expect(() => parseBenchArgs(['--help'], (text) => (out += text))).toThrow(new BenchArgsError(''));
    expect(out).toContain('Usage: npm run bench -- [options]');
    expect(out).toContain('--figures <ids>');
    expect(out).toContain('--quick');
  });
});
