// SPDX-License-Identifier: Apache-2.0
import { MAX_EXPRESSION_DEPTH, checkNesting } from '../../../../lambda/local-store/sql/nesting';
import { tokenize } from '../../../../lambda/local-store/sql/tokenizer';
import { translateQuery } from '../../../../lambda/local-store/sql/translate';
import { refusal } from '../store-refusal';
import { FakeCatalog, NOW_MS } from './duck-fixture';

const LONGEST_QUERY = 262_144;
const tooDeep = (column: number) => ({
  type: 'ValidationException',
  message: `line 1:${column}: expressions nested more than 64 levels deep are not supported by the embedded store`,
  status: 400,
});
const nest = (open: string, inner: string, close: string, depth: number) =>
  open.repeat(depth) + inner + close.repeat(depth);
/** The 1-based column of the `n`th (from 1) occurrence of `text` in `query`. */
const columnOf = (query: string, text: string, n: number) => {
  let at = -1;
  for (let k = 0; k < n; k++) at = query.indexOf(text, at + 1);
  return at + 1;
};

describe('checkNesting', () => {
  test('allows 64 levels', () => {
    expect(MAX_EXPRESSION_DEPTH).toBe(64);
  });

  test.each([
    { name: 'a chain of 64 operators', query: `SELECT 1${' * 1'.repeat(64)}` },
    { name: '64 parentheses', query: `SELECT ${nest('(', '1', ')', 64)}` },
    { name: 'functions nested 64 deep', query: `SELECT ${nest('abs(', '1', ')', 64)}` },
    { name: 'CASE nested 64 deep', query: `SELECT ${nest('CASE WHEN true THEN ', '1', ' END', 64)}` },
    {
      name: 'a group 32 deep in a chain of 32 operators',
      query: `SELECT ${nest('(', '1', ')', 32)}${' + 1'.repeat(32)} FROM db.t`,
    },
    {
      name: 'chains of 64 operators in two clauses',
      query: `SELECT 1${' + 1'.repeat(64)} WHERE 1${' + 1'.repeat(63)} = 1`,
    },
    {
      // DuckDB keeps AND and OR chains as one node, and lists are as deep as their deepest item.
      name: 'AND, OR and IN lists as long as a query can be',
      query: `SELECT 1 WHERE 1 = 1${' AND 1 = 1 OR 1 = 1'.repeat(8000)} AND 1 IN (${Array(25_000).fill('-1').join(', ')})`,
    },
    {
      name: 'unbalanced parentheses, left to the clause parser',
      query: `SELECT ${')'.repeat(200)}${'('.repeat(64)}`,
    },
    { name: 'END without CASE', query: `SELECT ${'end '.repeat(100)}` },
    {
      // Operators inside a call end with it: only the deepest argument counts.
      name: 'a call with an operator in its argument, listed 100 times',
      query: `SELECT ${Array(100).fill('abs(1 + 1)').join(', ')}`,
    },
    {
      name: 'a chain of 5 operators after a comma that ends a group 60 deep',
      query: `SELECT ${nest('(', '1', ')', 60)}, 1${' + 1'.repeat(5)}`,
    },
    {
      name: 'a chain of 1 operator after a call whose first argument is 62 deep',
      query: `SELECT greatest(${nest('(', '1', ')', 62)}, 1) + 1`,
    },
    {
      // The CASE is left to the clause parser, and the parentheses close over it.
      name: 'a CASE left open in parentheses, listed 65 times',
      query: `SELECT ${Array(65).fill('(CASE WHEN true THEN 1)').join(', ')}`,
    },
  ])('allows $name', ({ query }) => {
    expect(query.length).toBeLessThanOrEqual(LONGEST_QUERY);
    expect(() => checkNesting(query, tokenize(query))).not.toThrow();
  });

  test.each([
    { name: 'a chain of 65 operators', query: `SELECT 1${' * 1'.repeat(65)}`, at: ['*', 65] as const },
    { name: '65 parentheses', query: `SELECT ${nest('(', '1', ')', 65)}`, at: ['(', 65] as const },
    {
      name: 'functions nested 65 deep',
      query: `SELECT ${nest('abs(', '1', ')', 65)}`,
      at: ['(', 65] as const,
    },
    {
      name: 'CASE nested 65 deep',
      query: `SELECT ${nest('CASE WHEN true THEN ', '1', ' END', 65)}`,
      at: ['CASE', 65] as const,
    },
    {
      // The group closes at depth 32 and the chain around it adds 33 more.
      name: 'a group 32 deep in a chain of 33 operators',
      query: `SELECT ${nest('(', '1', ')', 32)}${' + 1'.repeat(33)} FROM db.t`,
      at: ['+', 33] as const,
    },
    {
      name: 'a chain of 33 operators around a group 32 deep',
      query: `SELECT 1${' + 1'.repeat(32)} + ${nest('(', '1', ')', 32)}`,
      at: ['(', 32] as const,
    },
    {
      name: 'unary minus written 65 times',
      query: `SELECT ${'- '.repeat(65)}1`,
      at: ['-', 65] as const,
    },
    // At the longest query string: each refused where the depth first passes 64, in one pass.
    {
      name: 'a multiplication chain as long as a query can be',
      query: `SELECT 1${' * 1'.repeat((LONGEST_QUERY - 8) / 4)}`,
      at: ['*', 65] as const,
    },
    {
      name: 'parentheses as deep as a query can hold',
      query: `SELECT ${nest('(', '1', ')', (LONGEST_QUERY - 8) / 2)}`,
      at: ['(', 65] as const,
    },
    {
      name: 'functions nested as deep as a query can hold',
      query: `SELECT ${nest('abs(', '1', ')', (LONGEST_QUERY - 8) / 5)}`,
      at: ['(', 65] as const,
    },
    {
      // The call is 63 deep, from the group that a comma ended in it.
      name: 'a chain of 2 operators after a call whose first argument is 62 deep',
      query: `SELECT greatest(${nest('(', '1', ')', 62)}, 1)${' + 1'.repeat(2)}`,
      at: ['+', 2] as const,
    },
    {
      // The closing parenthesis of abs() closes no call around it.
      name: 'a chain of 5 operators after a call closed in calls nested 60 deep',
      query: `SELECT ${nest('greatest(', `abs(1), 1${' + 1'.repeat(5)}`, ')', 60)}`,
      at: ['+', 5] as const,
    },
    {
      name: 'a chain of 5 operators after END without CASE in calls nested 60 deep',
      query: `SELECT ${nest('greatest(', `1 END, 1${' + 1'.repeat(5)}`, ')', 60)}`,
      at: ['+', 5] as const,
    },
  ])('refuses $name', ({ query, at: [text, n] }) => {
    expect(query.length).toBeLessThanOrEqual(LONGEST_QUERY);
    expect(refusal(() => checkNesting(query, tokenize(query)))).toEqual(tooDeep(columnOf(query, text, n)));
  });
});

describe('checkNesting on each operator and separator', () => {
  test.each([
    '+',
    '-',
    '*',
    '/',
    '%',
    '||',
    '=',
    '<>',
    '<',
    '>',
    '<=',
    '>=',
    'NOT',
    'IS',
    'LIKE',
    'BETWEEN',
    'IN',
  ])('refuses a chain of 65 %s', (operator) => {
    const query = `SELECT 1${` ${operator} 1`.repeat(65)}`;
    expect(refusal(() => checkNesting(query, tokenize(query)))).toEqual(
      tooDeep(columnOf(query, ` ${operator} `, 65) + 1),
    );
  });

  // Each ends one chain and starts the next at the same level, as AND does.
  test.each([
    'AND',
    'OR',
    'WHEN',
    'THEN',
    'ELSE',
    'SELECT',
    'FROM',
    'WHERE',
    'GROUP',
    'BY',
    'HAVING',
    'ORDER',
    'LIMIT',
    'OFFSET',
  ])('allows chains of 40 operators on each side of %s', (separator) => {
    const query = `SELECT 1${' + 1'.repeat(40)} ${separator} 1${' + 1'.repeat(40)}`;
    expect(() => checkNesting(query, tokenize(query))).not.toThrow();
  });
});

describe('translateQuery on deeply nested expressions', () => {
  const catalog = new FakeCatalog();

  test('translates functions nested 64 deep', () => {
    const query = `SELECT ${nest('abs(', '1', ')', 64)}`;
    expect(translateQuery(query, catalog, NOW_MS)).toEqual({
      kind: 'select',
      sql: `SELECT ${nest('abs(', '1', ')', 64)} AS "_col0"`,
      scansNothing: true,
    });
  });

  test('refuses functions nested as deep as a query can hold before translating them', () => {
    // The translator recurses once per call: nested 52 000 deep it overflowed the stack.
    const query = `SELECT ${nest('abs(', '1', ')', (LONGEST_QUERY - 8) / 5)}`;
    expect(refusal(() => translateQuery(query, catalog, NOW_MS))).toEqual(tooDeep(columnOf(query, '(', 65)));
  });
});
