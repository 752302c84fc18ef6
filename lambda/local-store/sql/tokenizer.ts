// SPDX-License-Identifier: Apache-2.0
// Splits a Timestream SQL query into tokens: string literals ('' escaping), "quoted" identifiers
// ("" escaping), the unquoted `measure_value::<type>` column as one identifier, numbers, interval
// literals (`15m`, `12second`), operators and punctuation; comments and whitespace are dropped.
import { validation } from '../errors';

export type TokenKind = 'ident' | 'qident' | 'string' | 'number' | 'interval' | 'op';

export interface Token {
  kind: TokenKind;
  /** Decoded text: identifier name, string value, number or operator text. */
  text: string;
  /** 0-based offset of the token in the query (for `line 1:<col>` messages). */
  offset: number;
  /** For `interval`: the amount, and its unit as written. */
  amount?: bigint;
  unit?: string;
}

/** Nanoseconds per day-to-second interval unit, and months per year-to-month unit (Timestream [DT]). */
export const INTERVAL_UNITS: Readonly<Record<string, { nanos?: bigint; months?: number }>> = {
  ns: { nanos: 1n },
  nanosecond: { nanos: 1n },
  us: { nanos: 1_000n },
  microsecond: { nanos: 1_000n },
  ms: { nanos: 1_000_000n },
  millisecond: { nanos: 1_000_000n },
  s: { nanos: 1_000_000_000n },
  second: { nanos: 1_000_000_000n },
  m: { nanos: 60_000_000_000n },
  minute: { nanos: 60_000_000_000n },
  h: { nanos: 3_600_000_000_000n },
  hour: { nanos: 3_600_000_000_000n },
  d: { nanos: 86_400_000_000_000n },
  day: { nanos: 86_400_000_000_000n },
  y: { months: 12 },
  year: { months: 12 },
  month: { months: 1 },
};

const OPERATORS = [
  '<>',
  '!=',
  '<=',
  '>=',
  '||',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  ',',
  '.',
  ';',
  '[',
  ']',
];

/** Whether tokens [start, end) call one of `names` (lower-case): the name, then `(`. */
export function callsAnyOf(
  tokens: readonly Token[],
  names: ReadonlySet<string>,
  start = 0,
  end = tokens.length,
): boolean {
  for (let k = start; k < end; k++) {
    const tok = tokens[k]!;
    const next = tokens[k + 1];
    if (tok.kind === 'ident' && next?.kind === 'op' && next.text === '(' && names.has(tok.text.toLowerCase()))
      return true;
  }
  return false;
}

/** Formats a 0-based offset as Timestream does in messages: `line <n>:<col>`, both 1-based. */
export function linePosition(query: string, offset: number): string {
  const before = query.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}:${offset - before.lastIndexOf('\n')}`;
}

const syntaxError = (query: string, offset: number, detail: string) =>
  validation(`The query syntax is invalid at ${linePosition(query, offset)}: ${detail}`);

/** Tokenizes a query; throws ValidationException on an unterminated literal or a stray character. */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (query.startsWith('--', i)) {
      const end = query.indexOf('\n', i);
      i = end < 0 ? query.length : end + 1;
    } else if (query.startsWith('/*', i)) {
      const end = query.indexOf('*/', i + 2);
      if (end < 0) throw syntaxError(query, i, 'unterminated comment');
      i = end + 2;
    } else if (c === "'" || c === '"') {
      const [text, next] = readQuoted(query, i, c);
      tokens.push({ kind: c === "'" ? 'string' : 'qident', text, offset: i });
      i = next;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(query[i + 1] ?? ''))) {
      const m = /^(\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(query.slice(i))!;
      const unit = /^[a-zA-Z_]+/.exec(query.slice(i + m[0].length))?.[0];
      if (unit !== undefined) {
        if (!/^\d+$/.test(m[0]) || !(unit.toLowerCase() in INTERVAL_UNITS)) {
          throw syntaxError(query, i, `'${m[0]}${unit}' is not a valid number or interval literal`);
        }
        tokens.push({
          kind: 'interval',
          text: m[0] + unit,
          offset: i,
          amount: BigInt(m[0]),
          unit: unit.toLowerCase(),
        });
        i += m[0].length + unit.length;
      } else {
        tokens.push({ kind: 'number', text: m[0], offset: i });
        i += m[0].length;
      }
    } else if (/[a-zA-Z_]/.test(c)) {
      const m = /^[a-zA-Z_][a-zA-Z0-9_]*(?:::[a-zA-Z]+)?/.exec(query.slice(i))!;
      let word = m[0];
      if (word.includes('::') && !/^measure_value::/i.test(word)) word = word.slice(0, word.indexOf('::'));
      if (word.includes('::')) word = word.toLowerCase();
      tokens.push({ kind: 'ident', text: word, offset: i });
      i += word.length;
    } else {
      const op = OPERATORS.find((o) => query.startsWith(o, i));
      if (!op) throw syntaxError(query, i, `unexpected character '${c}'`);
      tokens.push({ kind: 'op', text: op === '!=' ? '<>' : op, offset: i });
      i += op.length;
    }
  }
  return tokens;
}

function readQuoted(query: string, start: number, quote: string): [string, number] {
  let text = '';
  let i = start + 1;
  for (;;) {
    const end = query.indexOf(quote, i);
    if (end < 0)
      throw syntaxError(
        query,
        start,
        quote === "'" ? 'unterminated string literal' : 'unterminated quoted identifier',
      );
    text += query.slice(i, end);
    if (query[end + 1] === quote) {
      text += quote;
      i = end + 2;
    } else {
      return [text, end + 1];
    }
  }
}
