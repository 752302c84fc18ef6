// SPDX-License-Identifier: Apache-2.0
import { utf8ByteLength } from '../../../lambda/timestream/validate-series';

describe('utf8ByteLength', () => {
  test.each([
    { name: 'empty', text: '' },
    { name: 'ASCII', text: 'node_cpu_seconds_total' },
    { name: 'two-byte characters', text: 'Grüße' },
    { name: 'three-byte characters', text: '€ and 日本' },
    { name: 'a surrogate pair', text: 'a😀b' },
    { name: 'a lone high surrogate', text: 'a\ud800b' },
    { name: 'a lone low surrogate at the end', text: 'a\udc00' },
    { name: 'a high surrogate at the end', text: '\ud83d' },
  ])('counts $name like Buffer.byteLength', ({ text }) => {
    expect(utf8ByteLength(text)).toBe(Buffer.byteLength(text, 'utf8'));
  });
});
