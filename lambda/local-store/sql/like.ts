// SPDX-License-Identifier: Apache-2.0
// SQL LIKE matching for the SHOW statements answered from the catalog (metadata.ts): `%` matches
// any run of characters, `_` exactly one. DuckDB's LIKE serves every pattern that reaches it.

/**
 * Compiles a LIKE pattern into a matcher of whole names. Each `%` lets the next literal part start
 * at its leftmost place, so a name of n characters costs at most n × n steps whatever the pattern.
 */
export function likeMatcher(pattern: string): (name: string) => boolean {
  // NOTE: never a RegExp: `%a%a%a…%b` as `^.*a.*a….*b$` backtracks for hours on a name of 60 `a`s,
  // on the thread that also serves WriteRecords.
  const parts = pattern.split('%').map((part) => Array.from(part));
  if (parts.length === 1) {
    const [only] = parts as [string[]];
    return (name) => {
      const chars = Array.from(name);
      return chars.length === only.length && matchesAt(chars, 0, only);
    };
  }
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter((part) => part.length > 0);
  const minLength = first.length + last.length + middle.reduce((n, part) => n + part.length, 0);
  return (name) => {
    const chars = Array.from(name);
    if (chars.length < minLength) return false;
    const end = chars.length - last.length;
    if (!matchesAt(chars, 0, first) || !matchesAt(chars, end, last)) return false;
    let at = first.length;
    for (const part of middle) {
      while (at + part.length <= end && !matchesAt(chars, at, part)) at++;
      if (at + part.length > end) return false;
      at += part.length;
    }
    return true;
  };
}

/** Whether `part` (with `_` for any character) matches `chars` from index `at`. */
function matchesAt(chars: readonly string[], at: number, part: readonly string[]): boolean {
  for (let k = 0; k < part.length; k++) if (part[k] !== '_' && part[k] !== chars[at + k]) return false;
  return true;
}
