// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileHead } from '../../../lambda/core/file-head';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'file-head-'));
  writeFileSync(join(dir, 'long'), 'SQLite format 3\u0000rest');
  writeFileSync(join(dir, 'short'), 'SQL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  { name: 'a file at least as long: its first bytes', file: 'long', expected: 'SQLite' },
  { name: 'a shorter file', file: 'short', expected: undefined },
  { name: 'a missing file', file: 'missing', expected: undefined },
  { name: 'a directory (EISDIR on read)', file: '.', expected: undefined },
])('reads $name', ({ file, expected }) => {
  expect(readFileHead(join(dir, file), 6)?.toString('latin1')).toBe(expected);
});
