// SPDX-License-Identifier: Apache-2.0
// Finds the operands of `||` chains in an expression's tokens, for the translator to bound the
// strings they build (bounds.ts concatWithin). `||` binds looser than arithmetic and tighter than
// comparisons, as in Trino and DuckDB, so an operand runs from one boundary (a comma, a
// comparison, AND, WHEN, ...) to the next `||` at the same level of parentheses or CASE.
import { callsAnyOf, type Token } from './tokenizer';

/** A `||` chain: its operands, each a token range [start, end), and the range they cover. */
export interface ConcatChain {
  start: number;
  end: number;
  operands: { start: number; end: number }[];
  /** Whether it may build a long string (see concatChains). */
  grows: boolean;
}

const COMPARISONS = new Set(['=', '<>', '<', '>', '<=', '>=', ',']);
const BOUNDARY_WORDS = new Set([
  'and',
  'or',
  'not',
  'is',
  'like',
  'between',
  'in',
  'escape',
  'when',
  'then',
  'else',
  'distinct',
  'from',
  'as',
  'asc',
  'desc',
  'nulls',
  'first',
  'last',
  'all',
  'exists',
]);
/** Functions whose result can be much longer than what the query spells: see bounds.ts. */
const GROWING_FUNCTIONS = new Set(['lpad', 'rpad', 'replace', 'concat']);

/** An open parenthesis or CASE (or the whole expression) and the chain being read in it. */
interface Level {
  closer: ')' | 'end' | '';
  /** Where the current operand starts, if it has started. */
  operand?: number;
  chain: { start: number; end: number }[];
  /** A `||` without an operand before it: not a chain to rewrite (DuckDB reports the syntax). */
  broken: boolean;
}

/**
 * Returns the `||` chains of `tokens` that may build a long string, by the index of their first
 * token: those with an operand calling lpad(), rpad(), replace() or concat() or holding another
 * `||`; with `all`, every chain. Chains inside a call's parentheses are found too, though the
 * translator reads those with the call's arguments.
 */
export function concatChains(tokens: readonly Token[], all = false): Map<number, ConcatChain> {
  const chains = new Map<number, ConcatChain>();
  const levels: Level[] = [{ closer: '', chain: [], broken: false }];
  const endOperand = (level: Level, end: number) => {
    if (level.chain.length > 0 && level.operand !== undefined && !level.broken) {
      const operands = [...level.chain, { start: level.operand, end }];
      const grows = operands.some((o) => mayGrow(tokens, o.start, o.end));
      if (grows || all) chains.set(operands[0]!.start, { start: operands[0]!.start, end, operands, grows });
    }
    level.operand = undefined;
    level.chain = [];
    level.broken = false;
  };
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k]!;
    const level = levels[levels.length - 1]!;
    const op = tok.kind === 'op' ? tok.text : '';
    const word = tok.kind === 'ident' ? tok.text.toLowerCase() : '';
    if (op === '||') {
      if (level.operand === undefined) level.broken = true;
      else level.chain.push({ start: level.operand, end: k });
      level.operand = undefined;
    } else if (COMPARISONS.has(op) || BOUNDARY_WORDS.has(word)) {
      endOperand(level, k);
    } else if (op === ')' || (word === 'end' && level.closer === 'end')) {
      // A CASE left open inside the parentheses ends with them.
      while (levels.length > 1) {
        const inner = levels.pop()!;
        endOperand(inner, k);
        if (inner.closer === (op === ')' ? ')' : 'end')) break;
      }
    } else {
      level.operand ??= k;
      if (op === '(' || word === 'case')
        levels.push({ closer: op === '(' ? ')' : 'end', chain: [], broken: false });
    }
  }
  while (levels.length > 0) endOperand(levels.pop()!, tokens.length);
  return chains;
}

/** Whether tokens [start, end) call a function that can grow a string, or hold a `||`. */
export function mayGrow(tokens: readonly Token[], start = 0, end = tokens.length): boolean {
  for (let k = start; k < end; k++) if (tokens[k]!.kind === 'op' && tokens[k]!.text === '||') return true;
  return callsAnyOf(tokens, GROWING_FUNCTIONS, start, end);
}
