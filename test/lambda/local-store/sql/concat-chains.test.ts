// SPDX-License-Identifier: Apache-2.0
import { concatChains } from '../../../../lambda/local-store/sql/concat-chains';
import { tokenize } from '../../../../lambda/local-store/sql/tokenizer';

/** Each chain found in `expression`, as the text of its operands' tokens. */
function chainsOf(expression: string): string[][] {
  const tokens = tokenize(expression);
  return [...concatChains(tokens).values()].map((chain) =>
    chain.operands.map(({ start, end }) =>
      tokens
        .slice(start, end)
        .map((t) => t.text)
        .join(' '),
    ),
  );
}

describe('concatChains', () => {
  test.each([
    { name: 'a chain of columns and literals, which cannot grow', expression: "a || '-' || b", chains: [] },
    {
      name: 'a chain with an lpad() operand',
      expression: "lpad(a, 2, 'x') || b || c",
      chains: [['lpad ( a , 2 , x )', 'b', 'c']],
    },
    {
      name: 'operands bounded by comparisons and AND; the chain that cannot grow is left alone',
      expression: "x = upper(b) || replace(a, 'x', 'yy') AND c || d",
      chains: [['upper ( b )', 'replace ( a , x , yy )']],
    },
    {
      name: 'arithmetic and a minus sign inside an operand',
      expression: "- a * 2 || concat(b, c) < 'z'",
      chains: [['- a * 2', 'concat ( b , c )']],
    },
    {
      name: 'a chain in parentheses as an operand, and inside them',
      expression: "(a || replace(b, 'x', 'yy')) || c",
      chains: [
        ['a', 'replace ( b , x , yy )'],
        ['( a || replace ( b , x , yy ) )', 'c'],
      ],
    },
    {
      name: 'a CASE as an operand, with a chain in its THEN',
      expression: "CASE WHEN c THEN concat(a, b) || 'x' ELSE 'y' END || 'z'",
      chains: [
        ['concat ( a , b )', 'x'],
        ['CASE WHEN c THEN concat ( a , b ) || x ELSE y END', 'z'],
      ],
    },
    {
      name: 'a list of chains, one per item',
      expression: "lpad(a, 2, 'x') || b, c, d || rpad(e, 2, 'y')",
      chains: [
        ['lpad ( a , 2 , x )', 'b'],
        ['d', 'rpad ( e , 2 , y )'],
      ],
    },
    { name: 'a || without an operand before it', expression: "|| lpad(a, 2, 'x')", chains: [] },
    // Left as written, for DuckDB to report the syntax error.
    { name: 'a || without an operand after it', expression: "lpad(a, 2, 'x') ||", chains: [] },
    { name: '|| written twice between operands', expression: "a || || lpad(b, 2, 'x')", chains: [] },
    {
      name: 'a chain after a broken one in a list',
      expression: "|| a, lpad(b, 2, 'x') || c",
      chains: [['lpad ( b , 2 , x )', 'c']],
    },
    {
      // One chain holds at most 64 operators (nesting.ts); chains of chains join many more columns.
      name: 'a chain in parentheses as an operand, though none of its operands grows',
      expression: '(a || b) || c',
      chains: [['( a || b )', 'c']],
    },
    {
      name: 'a CASE left open inside parentheses, ended with them',
      expression: "(CASE WHEN c THEN lpad(a, 2, 'x') || b) || d",
      chains: [
        ['lpad ( a , 2 , x )', 'b'],
        ['( CASE WHEN c THEN lpad ( a , 2 , x ) || b )', 'd'],
      ],
    },
    {
      name: 'END without a CASE, which ends no parentheses',
      expression: "(a END || lpad(b, 2, 'x')) || c",
      chains: [
        ['a END', 'lpad ( b , 2 , x )'],
        ['( a END || lpad ( b , 2 , x ) )', 'c'],
      ],
    },
  ])('$name', ({ expression, chains }) => {
    expect(chainsOf(expression)).toEqual(chains);
  });

  // `||` binds tighter than each of these (Trino's and DuckDB's grammar), so each ends an operand.
  test.each([
    '=',
    '<>',
    '<',
    '>',
    '<=',
    '>=',
    ',',
    'AND',
    'OR',
    'NOT',
    'IS',
    'LIKE',
    'BETWEEN',
    'IN',
    'ESCAPE',
    'WHEN',
    'THEN',
    'ELSE',
    'DISTINCT',
    'FROM',
    'AS',
    'ASC',
    'DESC',
    'NULLS',
    'FIRST',
    'LAST',
    'ALL',
    'EXISTS',
  ])('ends an operand at %s', (boundary) => {
    expect(chainsOf(`a || lpad(b, 2, 'x') ${boundary} c || d`)).toEqual([['a', 'lpad ( b , 2 , x )']]);
  });
});

test('concatChains with all finds every chain, saying which may grow', () => {
  const tokens = tokenize("a || 'x' = b || lpad(c, 2, 'y')");
  expect(
    [...concatChains(tokens, true).values()].map(({ start, end, grows }) => ({ start, end, grows })),
  ).toEqual([
    { start: 0, end: 3, grows: false },
    { start: 4, end: 14, grows: true },
  ]);
});
