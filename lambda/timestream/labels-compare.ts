// SPDX-License-Identifier: Apache-2.0
// Prometheus' label ordering (labels.Compare, Go string comparison): byte-wise on UTF-8, which is
// code point order, not JavaScript's UTF-16 code unit order.

import type { Label } from '../prompb/types';

/**
 * Compares two strings in UTF-8 byte order. UTF-16 order differs from code point order only when
 * a surrogate (U+D800–DFFF, astral characters) meets a unit in U+E000–FFFF; shifting those
 * ranges past each other at the first difference fixes it (the ICU "code point order" trick).
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * Compares two sorted label sets like Prometheus' labels.Compare: names then values pairwise,
 * byte-wise on UTF-8; when one is a prefix of the other, the shorter comes first.
 */
export function compareLabels(a: readonly Label[], b: readonly Label[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const byName = compareUtf8(a[i]!.name, b[i]!.name);
    if (byName !== 0) return byName;
    const byValue = compareUtf8(a[i]!.value, b[i]!.value);
    if (byValue !== 0) return byValue;
  }
  return a.length - b.length;
}
