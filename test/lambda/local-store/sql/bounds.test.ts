// SPDX-License-Identifier: Apache-2.0
import {
  balancedChain,
  bindOnce,
  concatWithin,
  joinWithin,
  MAX_BINDINGS,
  MAX_TRANSLATED_SQL_CHARS,
  newBudget,
} from '../../../../lambda/local-store/sql/bounds';
import { translateQuery } from '../../../../lambda/local-store/sql/translate';
import { refusal } from '../store-refusal';
import { createFixture, FakeCatalog, NOW_MS, scalars, type Fixture } from './duck-fixture';

const TOO_COMPLEX = {
  type: 'ValidationException',
  message: `The query is too complex for the embedded store: its SQL would exceed ${MAX_TRANSLATED_SQL_CHARS} characters`,
  status: 400,
};

describe('bindOnce', () => {
  const twice = ([x, y]: string[]) => `f(${x}, ${x}, ${y})`;

  test.each([
    {
      name: 'repeats values that repeat nothing themselves',
      values: [
        { sql: '"a"', repeats: false },
        { sql: 'abs(1)', repeats: false },
      ],
      sql: 'f("a", "a", abs(1))',
    },
    {
      name: 'binds one value that repeats parts of itself to a lambda parameter',
      values: [{ sql: 'g(x, x)', repeats: true }],
      sql: 'list_transform([g(x, x)], lambda ts_value: f(ts_value, ts_value, undefined))[1]',
    },
    {
      name: 'binds several values as the fields of one struct when any repeats',
      values: [
        { sql: '"a"', repeats: false },
        { sql: 'g(x, x)', repeats: true },
      ],
      sql:
        'list_transform([struct_pack(a0 := "a", a1 := g(x, x))], lambda ts_value: ' +
        "f(struct_extract(ts_value, 'a0'), struct_extract(ts_value, 'a0'), struct_extract(ts_value, 'a1')))[1]",
    },
  ])('$name', ({ values, sql }) => {
    expect(bindOnce(newBudget(), values, twice)).toBe(sql);
  });
});

describe('values bound once in one query', () => {
  const catalog = new FakeCatalog();
  catalog.addTable('db', 't', ['region'], ['DOUBLE']);
  const TOO_MANY = {
    type: 'ValidationException',
    message:
      'The query is too complex for the embedded store: it has more than 1024 calls of replace(), concat() or || that can lengthen strings, or of bin(), ceil(), greatest() and the like nested in one another',
    status: 400,
  };
  const items = (item: string, count: number) => `SELECT ${Array(count).fill(item).join(', ')} FROM db.t`;

  test('are at most 1024, each some DuckDB planning time', () => {
    expect(MAX_BINDINGS).toBe(1024);
  });

  test.each([
    { name: 'replace() lengthening a string, 1024 times', query: items("replace(region, 'a', 'bb')", 1024) },
    { name: 'ceil() in ceil(), 1024 times', query: items('ceil(ceil(measure_value::double))', 1024) },
    { name: 'lpad() || a column, 1024 times', query: items("lpad(region, 2, 'x') || region", 1024) },
    {
      name: 'replace() that cannot lengthen, 10 000 times',
      query: items("replace(region, 'ab', 'c')", 10_000),
    },
  ])('translates $name', ({ query }) => {
    expect(translateQuery(query, catalog, NOW_MS).kind).toBe('select');
  });

  test.each([
    { name: 'replace() lengthening a string, 1025 times', query: items("replace(region, 'a', 'bb')", 1025) },
    { name: 'ceil() in ceil(), 1025 times', query: items('ceil(ceil(measure_value::double))', 1025) },
    {
      // DuckDB took 2.2 s to plan 4 300 of them.
      name: 'replace() lengthening a string as often as the longest query holds',
      query: items("replace(region, 'a', 'bb')", 9300),
    },
    {
      // 457 of them took DuckDB 17 s to plan.
      name: 'bin() nested 63 deep as often as the longest query holds',
      query: items(`${'bin('.repeat(63)}time${', 1m)'.repeat(63)}`, 457),
    },
  ])('refuses $name', ({ query }) => {
    expect(query.length).toBeLessThanOrEqual(262_144);
    expect(refusal(() => translateQuery(query, catalog, NOW_MS))).toEqual(TOO_MANY);
  });
});

describe('joinWithin', () => {
  test('joins parts that fit the bound', () => {
    const part = 'x'.repeat(MAX_TRANSLATED_SQL_CHARS / 4 - 1);
    expect(joinWithin([part, part, part, part], ',').length).toBe(MAX_TRANSLATED_SQL_CHARS - 1);
  });

  test('refuses parts that would pass the bound before joining them', () => {
    const part = 'x'.repeat(MAX_TRANSLATED_SQL_CHARS / 4);
    expect(refusal(() => joinWithin([part, part, part, part, ''], ','))).toEqual(TOO_COMPLEX);
  });

  // Without a separator the count is exact: the bound itself is the longest join.
  test('joins parts without a separator to exactly the bound', () => {
    const half = 'x'.repeat(MAX_TRANSLATED_SQL_CHARS / 2);
    expect(joinWithin([half, half], '').length).toBe(MAX_TRANSLATED_SQL_CHARS);
  });

  test('refuses parts without a separator one character past the bound', () => {
    const half = 'x'.repeat(MAX_TRANSLATED_SQL_CHARS / 2);
    expect(refusal(() => joinWithin([half, `${half}x`], ''))).toEqual(TOO_COMPLEX);
  });
});

describe('balancedChain', () => {
  test.each([
    { values: ['a'], sql: 'a' },
    { values: ['a', 'b'], sql: '(a || b)' },
    { values: ['a', 'b', 'c'], sql: '(a || (b || c))' },
    { values: ['a', 'b', 'c', 'd', 'e'], sql: '((a || b) || (c || (d || e)))' },
  ])('joins $values as a balanced tree', ({ values, sql }) => {
    expect(balancedChain(values, '||')).toBe(sql);
  });

  test('nests 100 000 values 17 parentheses deep', () => {
    const sql = balancedChain(Array(100_000).fill('x'), '||');
    let depth = 0;
    let deepest = 0;
    for (const char of sql) {
      depth += char === '(' ? 1 : char === ')' ? -1 : 0;
      deepest = Math.max(deepest, depth);
    }
    expect(deepest).toBe(17);
  });

  test('refuses values that would pass the bound before joining them', () => {
    const part = 'x'.repeat(MAX_TRANSLATED_SQL_CHARS / 4);
    expect(refusal(() => balancedChain([part, part, part, part], '||'))).toEqual(TOO_COMPLEX);
  });

  // Each pair adds its operator, two spaces and two parentheses; the count allows that for every
  // value, one pair more than the tree has.
  test('joins values whose count, a pair for each, is exactly the bound', () => {
    const part = 'x'.repeat(MAX_TRANSLATED_SQL_CHARS / 4 - 6);
    expect(balancedChain([part, part, part, part], '||').length).toBe(MAX_TRANSLATED_SQL_CHARS - 6);
  });

  test('refuses values within the bound whose pairs would take the chain past it', () => {
    // 4 values of 4 characters less than a quarter: their 3 pairs would make 2 characters too many.
    const part = 'x'.repeat(MAX_TRANSLATED_SQL_CHARS / 4 - 4);
    expect(refusal(() => balancedChain([part, part, part, part], '||'))).toEqual(TOO_COMPLEX);
  });
});

describe('concatWithin', () => {
  const PAIR =
    "list_transform([struct_pack(a0 := a, a1 := b)], lambda ts_value: CASE WHEN strlen(CAST(struct_extract(ts_value, 'a0') AS VARCHAR)) + " +
    "strlen(CAST(struct_extract(ts_value, 'a1') AS VARCHAR)) > 1000000 THEN error('Query aborted as max page response size has been exceeded by the output result row') " +
    "ELSE struct_extract(ts_value, 'a0') || struct_extract(ts_value, 'a1') END)[1]";

  test('checks the bytes of a pair against a page before joining it, each value bound once', () => {
    expect(concatWithin(newBudget(), ['a', 'b'])).toBe(PAIR);
  });

  test('builds values that fit the bound with 400 characters of checks for each', () => {
    const part = 'x'.repeat(MAX_TRANSLATED_SQL_CHARS / 2 - 400);
    expect(concatWithin(newBudget(), [part, part])).toBe(
      PAIR.replace(' a, ', ` ${part}, `).replace(' b)', ` ${part})`),
    );
  });

  test('refuses values within the bound whose checks would take the SQL past it', () => {
    const part = 'x'.repeat(MAX_TRANSLATED_SQL_CHARS / 2 - 100);
    expect(refusal(() => concatWithin(newBudget(), [part, part]))).toEqual(TOO_COMPLEX);
  });

  // NOTE: a chain of pairs as deep as the values are many would reach DuckDB's parser limit.
  test('nests 1000 values 10 pairs deep, binding each pair once', () => {
    const budget = newBudget();
    const sql = concatWithin(budget, Array(1000).fill('x'));
    let depth = 0;
    let deepest = 0;
    for (const char of sql) {
      depth += char === '(' ? 1 : char === ')' ? -1 : 0;
      deepest = Math.max(deepest, depth);
    }
    // list_transform( and struct_pack( for each of 10 levels, and strlen(CAST( in the innermost.
    expect([deepest, budget.bindings]).toEqual([22, 999]);
  });
});

describe('concat() of many values', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture();
  });
  afterAll(() => fixture.close());

  // NOTE: joined as one flat || chain, 999 values and more were DuckDB's "syntax invalid"; past
  // 127 values (Trino's limit, expressions.test.ts) the call is refused before DuckDB sees it.
  test.each([126])('answers concat() of %i values, and of them and a NULL', async (count) => {
    const values = Array.from({ length: count }, (_, i) => `'${i % 10}'`).join(', ');
    const expected = Array.from({ length: count }, (_, i) => String(i % 10)).join('');
    expect(scalars((await fixture.query(`SELECT concat(${values}), concat(${values}, NULL)`)).rows)).toEqual([
      [expected, null],
    ]);
  });
});

describe('functions that use an argument several times, nested to the depth limit', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture();
    // A dimension `v` and a table `ts_value`: names a lambda parameter and its fields must not take.
    await fixture.createTable('db', 'ts_value', ['v', 'a0'], ['DOUBLE']);
    await fixture.insert('db', 'ts_value', [
      { v: '1.5', measure_name: 'm', time: 90_061_001_000_000n, 'measure_value::double': 5 },
    ]);
  });
  afterAll(() => fixture.close());

  /** `open` written `depth` times around `inner`, each closed by `close`. */
  const nest = (open: string, inner: string, close: string, depth: number) =>
    open.repeat(depth) + inner + close.repeat(depth);

  // Each query nests 64 levels deep: the calls, and a CAST or minus sign around the innermost value.
  test.each([
    {
      name: 'ceil()',
      nested: (d: number) => nest('ceil(', 'CAST(-0.5 AS double)', ')', d),
      depth: 62,
      value: '-0.0',
    },
    {
      name: 'floor()',
      nested: (d: number) => nest('floor(', 'CAST(v AS double)', ')', d),
      depth: 63,
      value: '1.0',
    },
    {
      name: 'sign()',
      nested: (d: number) => nest('sign(', 'CAST(-2.5 AS double)', ')', d),
      depth: 62,
      value: '-1.0',
    },
    {
      name: 'greatest()',
      nested: (d: number) => nest('greatest(', 'measure_value::double', ', 1)', d),
      depth: 64,
      value: '5.0',
    },
    {
      name: 'least() with a NULL',
      nested: (d: number) => nest('least(', 'NULL', ', 1)', d),
      depth: 64,
      value: null,
    },
    {
      name: 'bin()',
      nested: (d: number) => nest('bin(', 'time', ', 1m)', d),
      depth: 64,
      value: '1970-01-02 01:01:00.000000000',
    },
    {
      name: 'split_part() in its index',
      nested: (d: number) => nest("split_part('1,2', ',', CAST(", "'1'", ' AS bigint))', d),
      depth: 32,
      value: '1',
    },
    {
      name: 'lpad() in its size',
      nested: (d: number) => nest("lpad('a', length(", "'abc'", "), 'x')", d),
      depth: 32,
      value: 'xxa',
    },
    {
      name: "regexp_like() with '$'",
      nested: (d: number) => nest('regexp_like(CAST(', 'v', " AS varchar), '[e5]$')", d),
      depth: 32,
      value: 'true',
    },
    {
      name: 'ceil() of an aggregate',
      nested: (d: number) => nest('ceil(', 'avg(measure_value::double)', ')', d),
      depth: 63,
      value: '5.0',
    },
  ])(
    'translates $name with as much SQL for each level, answering as DuckDB nested',
    async ({ nested, depth, value }) => {
      const sqlLength = (d: number) => {
        const translated = translateQuery(`SELECT ${nested(d)} FROM db.ts_value`, fixture.catalog, NOW_MS);
        return translated.kind === 'select' ? translated.sql.length : 0;
      };
      // Repeating an argument multiplied the SQL with each level; bound once, a level adds as much
      // SQL at the top as in the middle.
      expect(sqlLength(depth) - sqlLength(depth - 1)).toBe(
        sqlLength(Math.floor(depth / 2)) - sqlLength(Math.floor(depth / 2) - 1),
      );
      expect(scalars((await fixture.query(`SELECT ${nested(depth)} FROM db.ts_value`)).rows)).toEqual([
        [value],
      ]);
    },
  );

  test('GROUP BY matches a select item whose translation binds a value', async () => {
    const bins = 'bin(bin(time, 1m), 1h)';
    const result = await fixture.query(`SELECT ${bins} AS b, count(*) FROM db.ts_value GROUP BY ${bins}`);
    expect(scalars(result.rows)).toEqual([['1970-01-02 01:00:00.000000000', '1']]);
  });
});

describe('strings longer than a page', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture();
    await fixture.createTable('db', 't', ['region'], ['DOUBLE']);
    await fixture.insert('db', 't', [
      { region: 'us', measure_name: 'm', time: 1n, 'measure_value::double': 1 },
    ]);
  });
  afterAll(() => fixture.close());

  const PAGE_EXCEEDED = 'Query aborted as max page response size has been exceeded by the output result row';
  const pad = (chars: number, with_ = 'a') => `lpad('', ${chars}, '${with_}')`;

  test.each([
    {
      name: 'replace() growing a string',
      query: `SELECT replace('abc', 'b', 'xyz'), replace(region, 'u', ${pad(3, 'x')}) FROM db.t`,
      row: ['axyzc', 'xxxs'],
    },
    {
      name: 'replace() of NULL',
      query: `SELECT replace(NULL, 'a', 'bb'), replace('a', NULL, 'bb'), replace('aXa', 'a', NULL)`,
      row: [null, null, null],
    },
    { name: 'replace() with an empty search', query: `SELECT replace('aaa', '', 'bb')`, row: ['aaa'] },
    {
      name: 'replace() building exactly a page',
      query: `SELECT length(replace(${pad(1000)}, 'a', ${pad(1000, 'b')}))`,
      row: ['1000000'],
    },
    {
      name: '|| building exactly a page',
      query: `SELECT length(${pad(500_000)} || ${pad(500_000, 'b')})`,
      row: ['1000000'],
    },
    {
      // 500 occurrences of the two-character search, each 1998 characters longer once replaced.
      name: 'replace() with a two-character search building exactly a page',
      query: `SELECT length(replace(${pad(1000)}, 'aa', ${pad(2000, 'b')}))`,
      row: ['1000000'],
    },
    {
      name: '|| and concat() with NULL',
      query: `SELECT ${pad(2)} || NULL || 'x', concat(${pad(2)}, NULL), concat('1', ${pad(3, 'x')})`,
      row: [null, null, '1xxx'],
    },
  ])('answers $name as before', async ({ query, row }) => {
    expect(scalars((await fixture.query(query)).rows)).toEqual([row]);
  });

  test.each([
    {
      // 5 GB once built; refused from the sizes of its parts, as a row that size would be.
      name: 'replace() nested, 200 characters by 5000 by 5000',
      query: `SELECT replace(replace('${'a'.repeat(200)}', 'a', '${'b'.repeat(5000)}'), 'b', '${'c'.repeat(5000)}')`,
    },
    {
      name: 'replace() one byte past a page',
      query: `SELECT length(replace(${pad(1001)}, 'a', ${pad(1000, 'b')}))`,
    },
    {
      name: 'replace() of two-byte characters past a page',
      query: `SELECT length(replace('ééé', 'é', ${pad(400_000, 'ü')}))`,
    },
    {
      // 600 000 characters, 1.2 MB: a page is measured in bytes.
      name: 'replace() of two-byte characters past a page in bytes only',
      query: `SELECT length(replace('éé', 'é', ${pad(300_000, 'ü')}))`,
    },
    {
      name: '|| of two-byte characters past a page in bytes only',
      query: `SELECT length(${pad(300_000, 'é')} || ${pad(300_000, 'é')})`,
    },
    { name: '|| one character past a page', query: `SELECT length(${pad(500_001)} || ${pad(500_000, 'b')})` },
    {
      name: 'concat() of four lpad() results',
      query: `SELECT concat(${Array(4).fill(pad(400_000)).join(', ')})`,
    },
    {
      name: '|| of lpad() results in nested parentheses',
      query: `SELECT length((${pad(400_000)} || ${pad(400_000)}) || (${pad(400_000)} || ${pad(400_000)}))`,
    },
  ])('refuses $name as a row too large for a page', async ({ query }) => {
    await expect(fixture.query(query)).rejects.toMatchObject({
      type: 'ValidationException',
      message: PAGE_EXCEEDED,
    });
  });
});
