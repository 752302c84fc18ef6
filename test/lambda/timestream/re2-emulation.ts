// SPDX-License-Identifier: Apache-2.0
// Test helpers for the RE2 -> Java translation: a generator of small RE2 patterns paired with a
// hand-written JavaScript equivalent (the RE2 reference), and a JavaScript emulation of the Java
// subset regex.ts emits.
//
// The emitted Java never uses the i flag (`(?i)` becomes explicit case folding orbits), so it means
// the same in JavaScript, and the reference's `/iu` folds as Go does (simple case folding); `\p{..}`
// tables are Node's Unicode version, not the JVM's. Everything else the emitter produces (anchors,
// classes, escapes, lookarounds, quantifiers) has the same meaning in both engines.

import fc from 'fast-check';

/** An RE2 pattern and a JavaScript source (for the `u` flag) that matches the same strings. */
export interface Re2Case {
  re2: string;
  js: string;
}

const hex = (c: string) => `\\u{${c.codePointAt(0)!.toString(16)}}`;

/** Characters test strings are drawn from: line terminators Java treats specially, cased and astral ones. */
export const ALPHABET = [
  'a',
  'b',
  'A',
  'z',
  '_',
  '0',
  ' ',
  '\n',
  '\r',
  '\u0085',
  '\u2028',
  '\x0B',
  'é',
  'É',
  'α',
  '😀',
  '.',
  '-',
  '{',
  '*',
  'ſ',
  // Where Go's simple case folding and Java's (?iu) disagree: Kelvin sign, dotless and dotted I,
  // sharp s and its capital, final sigma, micro sign, a titlecase digraph, iota subscript.
  '\u212A',
  'k',
  '\u0131',
  '\u0130',
  'i',
  '\u00DF',
  '\u1E9E',
  '\u03C2',
  '\u03A3',
  '\u00B5',
  '\u01C5',
  '\u1F80',
  '\u1F88',
];

const literal: fc.Arbitrary<Re2Case> = fc
  .constantFrom(...ALPHABET, '}', ']', '\\', '[', '(', '&', '^', '$')
  .map((c) => {
    const cp = c.codePointAt(0)!;
    const alnum = /^[A-Za-z0-9]$/.test(c);
    const re2 = alnum || cp >= 0x80 ? c : cp < 0x20 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\${c}`;
    return { re2, js: hex(c) };
  });

const fixedAtoms: Re2Case[] = [
  { re2: '.', js: '[^\\n]' },
  { re2: '(?s:.)', js: '[^]' },
  { re2: '\\d', js: '[0-9]' },
  { re2: '\\D', js: '[^0-9]' },
  { re2: '\\s', js: '[\\t\\n\\f\\r ]' },
  { re2: '\\S', js: '[^\\t\\n\\f\\r ]' },
  { re2: '\\w', js: '[0-9A-Za-z_]' },
  { re2: '\\W', js: '[^0-9A-Za-z_]' },
  { re2: '[[:alpha:]]', js: '[A-Za-z]' },
  { re2: '[[:^space:]]', js: '[^\\t\\n\\v\\f\\r ]' },
  { re2: '[^a\\n]', js: '[^a\\n]' },
  { re2: '[a-c\\-]', js: '[a-c\\-]' },
  { re2: '[]a]', js: '[\\]a]' },
  { re2: '[a&&b]', js: '[a&b]' },
  { re2: '[[a]', js: '[\\[a]' },
  { re2: '\\pL', js: '\\p{L}' },
  // A negated class, not \P{..}: under /iu JavaScript folds \P{..} after negating it, Go before.
  { re2: '\\P{Greek}', js: '[^\\p{Script=Greek}]' },
  { re2: '[^\\PL]', js: '\\p{L}' },
  { re2: '\\x{e9}', js: '\\u{e9}' },
  { re2: '\\101', js: 'A' },
  { re2: '\\Qa.*\\E', js: 'a\\.\\*' },
  { re2: '\\v', js: '\\v' },
  { re2: 'x{,2}', js: 'x\\{,2\\}' },
  { re2: '^', js: '^' },
  { re2: '$', js: '$' },
  { re2: '\\A', js: '^' },
  { re2: '\\z', js: '$' },
  { re2: '(?m:^)', js: '(?:^|(?<=\\n))' },
  { re2: '(?m:$)', js: '(?:$|(?=\\n))' },
];
const boundaries: Re2Case[] = [
  { re2: '\\b', js: '\\b' },
  { re2: '\\B', js: '\\B' },
];

const quantifiers: [string, string][] = [
  ['*', '*'],
  ['+', '+'],
  ['?', '?'],
  ['*?', '*?'],
  ['{2}', '{2}'],
  ['{1,3}', '{1,3}'],
  ['{0,}', '{0,}'],
];

/** Small RE2 patterns with their JavaScript reference; `folded` adds `(?i)` (so no `\b`, whose JS form folds). */
export function re2Cases(folded: boolean): fc.Arbitrary<Re2Case> {
  const atom = fc.oneof(literal, fc.constantFrom(...fixedAtoms, ...(folded ? [] : boundaries)));
  const { node } = fc.letrec<{ node: Re2Case }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atom,
      fc.array(tie('node'), { minLength: 0, maxLength: 4 }).map((parts) => ({
        re2: parts.map((p) => p.re2).join(''),
        js: parts.map((p) => p.js).join(''),
      })),
      fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((parts) => ({
        re2: `(${parts.map((p) => p.re2).join('|')})`,
        js: `(?:${parts.map((p) => p.js).join('|')})`,
      })),
      fc.tuple(tie('node'), fc.constantFrom(...quantifiers)).map(([p, [q2, qj]]) => ({
        re2: `(?:${p.re2})${q2}`,
        js: `(?:${p.js})${qj}`,
      })),
    ),
  }));
  return node.map((c) => (folded ? { re2: `(?i)${c.re2}`, js: c.js } : c));
}

/** Evaluates an RE2 case the way Prometheus does: fully anchored, via its JavaScript reference. */
export function re2Reference(c: Re2Case, folded: boolean): RegExp {
  return new RegExp(`^(?:${c.js})$`, folded ? 'iu' : 'u');
}

/**
 * Compiles the Java subset regex.ts emits into a JavaScript RegExp with the same meaning under
 * `regexp_like` (partial match, i.e. RegExp.test).
 */
export function javaToJs(java: string): RegExp {
  let out = '';
  let depth = 0; // class nesting
  let nested = false;
  for (let i = 0; i < java.length;) {
    const c = java[i]!;
    if (c === '\\') {
      const n = java[i + 1]!;
      const brace = /^[xpP]\{([^}]*)\}/.exec(java.slice(i + 1));
      if (n === 'z') out += '$';
      else if (n === 'x' && brace) out += `\\u{${brace[1]}}`;
      else if ((n === 'p' || n === 'P') && brace) out += `\\${n}{${brace[1]!.replace(/^Is/, 'Script=')}}`;
      else if ('tnrfsS'.includes(n)) out += `\\${n}`;
      else if (/[A-Za-z0-9]/.test(n)) throw new Error(`emulator: unexpected escape \\${n} in ${java}`);
      else out += hex(n);
      i += 2 + (brace && 'xpP'.includes(n) ? brace[0].length - 1 : 0);
      continue;
    }
    if (c === '[') {
      depth++;
      nested ||= depth > 1;
      out += c;
      if (java[i + 1] === '^') {
        out += '^';
        i++;
      }
    } else if (c === ']' && depth > 0) {
      depth--;
      out += c;
    } else if (depth > 0 && c === '&' && java[i + 1] === '&') {
      out += '&&'; // intersection (a literal & is emitted escaped)
      i += 2;
      continue;
    } else if (depth > 0 && c !== '-' && /[!-/:-@[-`{-~]/.test(c)) {
      out += hex(c); // the v flag wants class punctuation escaped; u accepts the same
    } else {
      out += c;
    }
    i += c.length;
  }
  // Nested classes need the v flag; otherwise u, because Node 20's v flag mishandles some
  // lookbehinds (/(?<![^\n])^a/v matches "\na").
  return new RegExp(out, nested ? 'v' : 'u');
}
