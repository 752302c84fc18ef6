// SPDX-License-Identifier: Apache-2.0
import { MAX_PADDED_CHARS, MAX_REGEX_COPIES } from '../../../../lambda/local-store/sql/expressions';
import { translateQuery } from '../../../../lambda/local-store/sql/translate';
import { refusal } from '../store-refusal';
import { FakeCatalog, NOW_MS } from './duck-fixture';

describe('lpad() and rpad() together in one query', () => {
  const catalog = new FakeCatalog();
  catalog.addTable('db', 't', ['region'], ['DOUBLE']);
  const translates = (query: string) => translateQuery(query, catalog, NOW_MS).kind === 'select';
  const tooMuch = (column: number) => ({
    type: 'ValidationException',
    message: `line 1:${column}: lpad() and rpad() building more than 64000064 characters in one query are not supported by the embedded store`,
    status: 400,
  });
  const calls = (call: string, count: number) => `SELECT ${Array(count).fill(call).join(', ')} FROM db.t`;

  test('build at most 64 pages', () => {
    expect(MAX_PADDED_CHARS).toBe(64 * 1_000_001);
  });

  test.each([
    { name: 'small sizes written 20 000 times', query: calls("lpad(region, 10, '0')", 20_000) },
    { name: 'a page written 64 times', query: calls("rpad(region, 1000001, 'x')", 64) },
    { name: 'sizes past a page, cut to one, written 64 times', query: calls("lpad('', 99999999, 'x')", 64) },
    {
      name: 'a size that is not a number written 64 times',
      query: calls("lpad('', length(region), 'x')", 64),
    },
  ])('translates $name', ({ query }) => {
    expect(translates(query)).toBe(true);
  });

  test.each([
    { name: 'a page written 65 times', query: calls("rpad(region, 1000001, 'x')", 65), call: 65 },
    { name: 'a size that is not a number written 65 times', query: calls("lpad('', -1, 'x')", 65), call: 65 },
    {
      // 10 000 pages, 10 GB for one row, once built.
      name: 'a page written as often as the longest query holds',
      query: calls("lpad('', 1000000, 'a')", 10_000),
      call: 65,
    },
  ])('refuses $name at the call past the limit', ({ query, call }) => {
    const at = [...query.matchAll(/[lr]pad\(/g)][call - 1]!.index;
    expect(refusal(() => translateQuery(query, catalog, NOW_MS))).toEqual(tooMuch(at + 1));
  });
});

describe('split_part()', () => {
  const catalog = new FakeCatalog();
  catalog.addTable('db', 't', ['region'], ['DOUBLE']);

  // Found by fuzzing the Query path: these failed as a 500 (InternalServerException).
  test.each([
    { query: 'SELECT split_part()', count: 0 },
    { query: "SELECT split_part('a')", count: 1 },
    { query: 'SELECT split_part(region) FROM db.t', count: 1 },
  ])('refuses $query with too few arguments as a ValidationException (400)', ({ query, count }) => {
    expect(refusal(() => translateQuery(query, catalog, NOW_MS))).toEqual({
      type: 'ValidationException',
      message: `line 1:8: split_part() takes 3 argument(s); it is called with ${count} by the embedded store`,
      status: 400,
    });
  });
});

describe('arguments of one function call', () => {
  const catalog = new FakeCatalog();
  catalog.addTable('db', 't', ['region'], ['DOUBLE']);
  const call = (name: string, count: number) =>
    `SELECT ${name}(${Array(count).fill("'a'").join(', ')}) FROM db.t`;

  test.each(['concat', 'greatest', 'least', 'coalesce'])('%s() takes 127 arguments', (name) => {
    expect(translateQuery(call(name, 127), catalog, NOW_MS).kind).toBe('select');
  });

  // Trino refuses a call past 127 arguments; DuckDB took 15 s to plan a concat() of 40 000.
  test.each(['concat', 'greatest', 'least'])('%s() of 128 arguments is refused as Trino does', (name) => {
    expect(refusal(() => translateQuery(call(name, 128), catalog, NOW_MS))).toEqual({
      type: 'ValidationException',
      message: `line 1:8: Too many arguments for function call ${name}()`,
      status: 400,
    });
  });

  test('a concat() as long as the longest query holds is refused before DuckDB plans it', () => {
    expect(refusal(() => translateQuery(call('CONCAT', 65_000), catalog, NOW_MS)).message).toBe(
      'line 1:8: Too many arguments for function call concat()',
    );
  });

  test('coalesce() is not a function call in Trino, so it takes more', () => {
    expect(translateQuery(call('coalesce', 1000), catalog, NOW_MS).kind).toBe('select');
  });
});

describe('copies RE2 makes of the regexp_like patterns of one query', () => {
  const catalog = new FakeCatalog();
  catalog.addTable('db', 't', ['region'], ['DOUBLE']);
  const calls = (pattern: string, count: number) =>
    `SELECT 1 FROM db.t WHERE ${Array(count).fill(`regexp_like(region, '${pattern}')`).join(' OR ')}`;
  const columnOfCall = (query: string, call: number) => {
    let at = -1;
    for (let k = 0; k < call; k++) at = query.indexOf('regexp_like', at + 1);
    return at + 1;
  };

  test('are at most 200 000', () => {
    expect(MAX_REGEX_COPIES).toBe(200_000);
  });

  test.each([
    { name: 'a{1000} in 200 calls (199 800 copies)', query: calls('a{1000}', 200) },
    { name: 'a{1000} 200 times in one pattern', query: calls('a{1000}'.repeat(200), 1) },
    { name: 'a* and a? in 5000 calls (no copy)', query: calls('a*b?', 5000) },
  ])('translates $name', ({ query }) => {
    expect(translateQuery(query, catalog, NOW_MS).kind).toBe('select');
  });

  // 2000 calls of a{1000} (62 000 characters of query) took DuckDB 2.9 s to compile.
  test.each([
    { name: 'a{1000} in 201 calls', query: calls('a{1000}', 201), call: 201 },
    { name: 'a{1000} in as many calls as the longest query holds', query: calls('a{1000}', 8000), call: 201 },
    { name: 'a{1000} 201 times in one pattern', query: calls('a{1000}'.repeat(201), 1), call: 1 },
    // 100 000 copies, compiled twice: once for subjects ending with CRLF.
    { name: 'a{1000}$ 100 times in one pattern', query: calls(`${'a{1000}'.repeat(100)}x$`, 2), call: 2 },
  ])('refuses $name at the call past the limit', ({ query, call }) => {
    expect(refusal(() => translateQuery(query, catalog, NOW_MS))).toEqual({
      type: 'ValidationException',
      message: `line 1:${columnOfCall(query, call)}: regexp_like() patterns repeating more than 200000 copies of their parts in one query are not supported by the embedded store`,
      status: 400,
    });
  });
});
