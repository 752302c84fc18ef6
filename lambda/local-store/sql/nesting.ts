// SPDX-License-Identifier: Apache-2.0
// How deeply a query's expressions nest, measured on its tokens in one pass before anything is
// translated: the translator recurses once per level, and DuckDB's optimizer spends time growing
// with the square of the depth on every node (a chain of 990 multiplications took 18 s to plan).
import { validation } from '../errors';
import { linePosition, type Token } from './tokenizer';

/**
 * Deepest nesting the store translates: parentheses, function calls and CASE each add a level, as
 * does every operator in a chain (`a + b + c` is two levels deep, as DuckDB builds it). Neither
 * Timestream nor Trino documents a limit; this one leaves room for any query a person writes.
 */
export const MAX_EXPRESSION_DEPTH = 64;

// Operators that make a node of the expression tree over what came before them in a chain.
const OPERATORS = new Set(['+', '-', '*', '/', '%', '||', '=', '<>', '<', '>', '<=', '>=']);
const OPERATOR_WORDS = new Set(['not', 'is', 'like', 'between', 'in']);
// Words and commas that end one operand chain and start the next at the same level. DuckDB keeps
// `a AND b AND c` as one node with many children, so AND and OR do not deepen a chain.
const SEPARATOR_WORDS = new Set([
  'and',
  'or',
  'when',
  'then',
  'else',
  'select',
  'from',
  'where',
  'group',
  'by',
  'having',
  'order',
  'limit',
  'offset',
]);

/** An open parenthesis or CASE: the chain of operators seen in it so far. */
interface Frame {
  closer: ')' | 'end';
  /** Deepest chain of the frame already ended by a separator. */
  best: number;
  /** Operators in the current chain. */
  run: number;
  /** Deepest group closed within the current chain. */
  child: number;
}

/**
 * Refuses a query whose expressions nest deeper than MAX_EXPRESSION_DEPTH, naming the token where
 * the depth passes it; unbalanced parentheses are left to the clause parser. @throws StoreError
 */
export function checkNesting(query: string, tokens: readonly Token[]): void {
  // The depth of a group is 1 + its deepest chain, a chain's the operators in it plus its deepest
  // group. What is known so far (the chains of every open group, their number and the deepest
  // group closed in the innermost) bounds the depth from below, and grows to it.
  const stack: Frame[] = [{ closer: ')', best: 0, run: 0, child: 0 }];
  let openOperators = 0;
  const check = (tok: Token) => {
    const top = stack[stack.length - 1]!;
    if (openOperators + stack.length - 1 + top.child > MAX_EXPRESSION_DEPTH)
      throw validation(
        `${linePosition(query, tok.offset)}: expressions nested more than ${MAX_EXPRESSION_DEPTH} levels deep are not supported by the embedded store`,
      );
  };
  for (const tok of tokens) {
    const top = stack[stack.length - 1]!;
    const word = tok.kind === 'ident' ? tok.text.toLowerCase() : '';
    const op = tok.kind === 'op' ? tok.text : '';
    if (op === '(' || word === 'case') {
      stack.push({ closer: op === '(' ? ')' : 'end', best: 0, run: 0, child: 0 });
    } else if (op === ')' || (word === 'end' && top.closer === 'end')) {
      // A CASE left open inside the parentheses closes with them.
      while (stack.length > 1) {
        const frame = stack.pop()!;
        openOperators -= frame.run;
        const parent = stack[stack.length - 1]!;
        parent.child = Math.max(parent.child, 1 + Math.max(frame.best, frame.run + frame.child));
        if (frame.closer === (op === ')' ? ')' : 'end')) break;
      }
    } else if (op === ',' || SEPARATOR_WORDS.has(word)) {
      top.best = Math.max(top.best, top.run + top.child);
      openOperators -= top.run;
      top.run = 0;
      top.child = 0;
      continue;
    } else if (OPERATORS.has(op) || OPERATOR_WORDS.has(word)) {
      top.run++;
      openOperators++;
    } else continue;
    check(tok);
  }
}
