// SPDX-License-Identifier: Apache-2.0
// The packager on small fixture projects: layout of the output, deterministic zips, and the guard
// that keeps the local store and DuckDB out of the Lambda bundle.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { packageLambda, zipFiles } from '../../scripts/package-lambda';

/** Lists the entries of a zip (name, modification time fields, content) from its central directory. */
function readZip(zip: Buffer): { name: string; dosTime: number; dosDate: number; data: string }[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i += 1) {
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      dosTime: zip.readUInt16LE(at + 12),
      dosDate: zip.readUInt16LE(at + 14),
      data: inflateRawSync(zip.subarray(dataStart, dataStart + compressedSize)).toString('utf8'),
    });
    at += 46 + skip;
  }
  return entries;
}

function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'package-'));
  for (const [path, text] of Object.entries({ 'package.json': '{"version":"9.8.7"}', ...files })) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const ENTRY = 'lambda/entrypoints/lambda.ts';

describe('zipFiles', () => {
  test('zips the same files to the same bytes with a fixed time, entries at the root', async () => {
    const files = [{ name: 'index.js', data: Buffer.from('exports.handler = 1;\n') }];
    const first = await zipFiles(files);
    const second = await zipFiles(files);
    expect(first.equals(second)).toBe(true);
    const [entry] = readZip(first);
    expect(entry.name).toBe('index.js');
    expect(entry.data).toBe('exports.handler = 1;\n');
    // 2020-01-01 in DOS date form: (2020 - 1980) << 9 | 1 << 5 | 1.
    expect(entry.dosDate).toBe((40 << 9) | (1 << 5) | 1);
  });
});

describe('packageLambda', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

  test('writes dist/lambda/index.js, the versioned zip holding only index.js, and the map outside', async () => {
    const root = fixture({
      [ENTRY]: "import { greet } from '../core/greet';\nexport const handler = async () => greet('x');\n",
      'lambda/core/greet.ts':
        'export const greet = (n: string): string => `hi ${n}`;\nexport const unused = (): number => 42;\n',
    });
    roots.push(root);
    const result = await packageLambda({ rootDir: root });
    expect(result.bundlePath).toBe(join(root, 'dist/lambda/index.js'));
    expect(result.zipPath).toBe(join(root, 'dist/timestream-prometheus-connector-9.8.7.zip'));
    expect(result.sourceMapPath).toBe(join(root, 'dist/index.js.map'));
    const bundle = readFileSync(result.bundlePath, 'utf8');
    expect(bundle).not.toContain('sourceMappingURL');
    expect(bundle).not.toContain('42');
    expect(result.bundleBytes).toBe(statSync(result.bundlePath).size);
    const zip = readFileSync(result.zipPath);
    expect(result.zipBytes).toBe(zip.length);
    expect(readZip(zip).map((e) => [e.name, e.data])).toEqual([['index.js', bundle]]);
    const handler = (await import(result.bundlePath)) as { handler: () => Promise<string> };
    await expect(handler.handler()).resolves.toBe('hi x');
    expect(JSON.parse(readFileSync(result.sourceMapPath, 'utf8')).sources).toEqual(
      expect.arrayContaining([expect.stringContaining('greet.ts')]),
    );
  });

  test.each<{ name: string; files: Record<string, string>; message: string }>([
    {
      name: 'imports the local store',
      files: {
        [ENTRY]: "import { open } from '../local-store/index';\nexport const handler = open;\n",
        'lambda/local-store/index.ts': 'export const open = (): string => "store";\n',
      },
      message: 'The Lambda bundle includes the local store (lambda/local-store/index.ts)',
    },
    {
      name: 'requires DuckDB',
      files: {
        [ENTRY]:
          "import { DuckDBInstance } from '@duckdb/node-api';\nexport const handler = DuckDBInstance;\n",
      },
      message: 'The Lambda bundle requires @duckdb',
    },
  ])('refuses an entrypoint that $name', async ({ files, message }) => {
    const root = fixture(files);
    roots.push(root);
    await expect(packageLambda({ rootDir: root })).rejects.toThrow(message);
  });

  test('lets tree-shaking drop an unused import of the local store', async () => {
    const root = fixture({
      [ENTRY]:
        "import { open } from '../local-store/index';\nexport const handler = async (): Promise<number> => 1;\nexport const keep = false ? open : null;\n",
      'lambda/local-store/index.ts': 'export function open(): string { return "store-marker"; }\n',
    });
    roots.push(root);
    const result = await packageLambda({ rootDir: root });
    expect(readFileSync(result.bundlePath, 'utf8')).not.toContain('store-marker');
  });
});
