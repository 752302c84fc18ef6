// SPDX-License-Identifier: Apache-2.0
// The packager on small fixture projects: layout of the output, deterministic zips, the guard
// that keeps the local store and DuckDB out of the Lambda bundle, and the native snappy binary.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { packageLambda, parseArchitecture, zipFiles } from '../../scripts/package-lambda';
import { CACHE_DIR } from '../../scripts/snappy-binary';
import { tarball } from '../support/tarball';

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

describe('packageLambda with the native snappy loader', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
  const BINARY = Buffer.from('\x7fELF fake arm64 binary');
  const ARM64_FILE = 'package/snappy.linux-arm64-gnu.node';
  const integrity = (data: Buffer) => `sha512-${createHash('sha512').update(data).digest('base64')}`;

  function nativeFixture(extra: Record<string, string> = {}): string {
    const root = fixture({
      [ENTRY]:
        "import { loaded } from '../codec/snappy-native';\nexport const handler = async () => loaded;\n",
      'lambda/codec/snappy-native.ts': 'export const loaded = "native-loader";\n',
      'node_modules/snappy/package.json': '{"version":"7.4.3"}',
      ...extra,
    });
    roots.push(root);
    return root;
  }

  /** A fetcher that writes `tgz` and records the specs it was asked for. */
  function fetcher(tgz: Buffer | Error) {
    const specs: string[] = [];
    const fetchTarball = async (spec: string, dir: string) => {
      specs.push(spec);
      if (tgz instanceof Error) throw tgz;
      writeFileSync(join(dir, 'fetched.tgz'), tgz);
      return join(dir, 'fetched.tgz');
    };
    return { specs, fetchTarball };
  }

  test('fetches the arm64 binary by default, ships it as snappy.node and caches it', async () => {
    const root = nativeFixture();
    const { specs, fetchTarball } = fetcher(tarball(ARM64_FILE, BINARY));
    const first = await packageLambda({ rootDir: root, fetchTarball });
    expect(specs).toEqual(['@napi-rs/snappy-linux-arm64-gnu@7.4.3']);
    expect(first.warnings).toEqual([]);
    expect(first.nativeSnappy).toEqual({
      architecture: 'arm64',
      packageName: '@napi-rs/snappy-linux-arm64-gnu',
      version: '7.4.3',
      source: 'registry',
      bytes: BINARY.length,
    });
    expect(readFileSync(join(root, 'dist/lambda/snappy.node')).equals(BINARY)).toBe(true);
    expect(readZip(readFileSync(first.zipPath)).map((e) => e.name)).toEqual(['index.js', 'snappy.node']);

    const second = await packageLambda({ rootDir: root, fetchTarball });
    expect([specs.length, second.nativeSnappy?.source]).toEqual([1, 'cache']);
  });

  test('fetches again, instead of shipping, a cached binary cut short', async () => {
    const root = nativeFixture();
    const { specs, fetchTarball } = fetcher(tarball(ARM64_FILE, BINARY));
    await packageLambda({ rootDir: root, fetchTarball });
    // An interrupted or concurrent run leaves a partial file; shipped, it crashes the function.
    const cacheDir = join(root, CACHE_DIR);
    for (const name of readdirSync(cacheDir)) {
      const path = join(cacheDir, name);
      writeFileSync(path, readFileSync(path).subarray(0, statSync(path).size >> 1));
    }
    const second = await packageLambda({ rootDir: root, fetchTarball });
    expect([specs.length, second.nativeSnappy?.source, second.nativeSnappy?.bytes]).toEqual([
      2,
      'registry',
      BINARY.length,
    ]);
    expect(readFileSync(join(root, 'dist/lambda/snappy.node')).equals(BINARY)).toBe(true);
  });

  test('takes an installed binary of the locked version for x86_64 without fetching', async () => {
    const root = nativeFixture({
      'node_modules/@napi-rs/snappy-linux-x64-gnu/package.json': '{"version":"7.4.3"}',
      'node_modules/@napi-rs/snappy-linux-x64-gnu/snappy.linux-x64-gnu.node': 'x64 binary',
    });
    const { specs, fetchTarball } = fetcher(new Error('must not fetch'));
    const result = await packageLambda({ rootDir: root, architecture: 'x86_64', fetchTarball });
    expect(specs).toEqual([]);
    expect(result.nativeSnappy?.source).toBe('node_modules');
    expect(readFileSync(join(root, 'dist/lambda/snappy.node'), 'utf8')).toBe('x64 binary');
  });

  test.each([
    {
      name: 'the registry cannot be reached',
      tgz: new Error('npm pack failed: ENOTFOUND registry.npmjs.org'),
      lock: undefined,
      reason: 'npm pack failed: ENOTFOUND registry.npmjs.org',
    },
    {
      name: 'the download does not match package-lock.json',
      tgz: tarball(ARM64_FILE, BINARY),
      lock: 'sha512-AAAA',
      reason: '@napi-rs/snappy-linux-arm64-gnu@7.4.3 does not match the integrity in package-lock.json',
    },
    {
      name: 'the package holds no binary for the architecture',
      tgz: tarball('package/snappy.linux-x64-gnu.node', BINARY),
      lock: undefined,
      reason: '@napi-rs/snappy-linux-arm64-gnu@7.4.3 holds no snappy.linux-arm64-gnu.node',
    },
  ])('still packages, in pure JS with a warning, when $name', async ({ tgz, lock, reason }) => {
    const lockfile: Record<string, string> =
      lock === undefined
        ? {}
        : {
            'package-lock.json': JSON.stringify({
              packages: {
                'node_modules/@napi-rs/snappy-linux-arm64-gnu': { version: '7.4.3', integrity: lock },
              },
            }),
          };
    const root = nativeFixture(lockfile);
    const result = await packageLambda({ rootDir: root, fetchTarball: fetcher(tgz).fetchTarball });
    expect(result.nativeSnappy).toBeUndefined();
    expect(result.warnings).toEqual([
      `native snappy for arm64 not included (${reason}); the function will decode snappy in pure JavaScript, which costs more CPU per request`,
    ]);
    expect(readZip(readFileSync(result.zipPath)).map((e) => e.name)).toEqual(['index.js']);
  });

  test('accepts a download matching the integrity in package-lock.json', async () => {
    const tgz = tarball(ARM64_FILE, BINARY);
    const root = nativeFixture({
      'package-lock.json': JSON.stringify({
        packages: {
          'node_modules/@napi-rs/snappy-linux-arm64-gnu': { version: '7.4.3', integrity: integrity(tgz) },
        },
      }),
    });
    const result = await packageLambda({ rootDir: root, fetchTarball: fetcher(tgz).fetchTarball });
    expect([result.warnings, result.nativeSnappy?.source]).toEqual([[], 'registry']);
  });
});

describe('parseArchitecture', () => {
  test.each([
    { argv: [], architecture: 'arm64' },
    { argv: ['--architecture', 'x86_64'], architecture: 'x86_64' },
    { argv: ['--architecture=arm64'], architecture: 'arm64' },
  ])('reads $argv as $architecture', ({ argv, architecture }) => {
    expect(parseArchitecture(argv)).toBe(architecture);
  });

  test.each([
    { argv: ['--architecture', 'x64'], message: '--architecture must be one of arm64, x86_64 (got x64)' },
    { argv: ['--architecture'], message: '--architecture must be one of arm64, x86_64 (got nothing)' },
  ])('refuses $argv', ({ argv, message }) => {
    expect(() => parseArchitecture(argv)).toThrow(message);
  });
});
