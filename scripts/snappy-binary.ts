// SPDX-License-Identifier: Apache-2.0
// Finds the native snappy binary (napi-rs, Linux glibc) for the Lambda's architecture so the
// package script can ship it next to the bundle: from node_modules when that architecture's
// package is installed, else from the package tarball in a local cache, else from the npm
// registry (`npm pack`); a tarball is checked against the integrity package-lock.json records
// each time it is used. It never runs the binary.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';

/** Lambda's architecture names (template.yml `Architectures`). */
export const LAMBDA_ARCHITECTURES = ['arm64', 'x86_64'] as const;
export type LambdaArchitecture = (typeof LAMBDA_ARCHITECTURES)[number];

/** Node's name for each Lambda architecture, as napi-rs uses it in package and file names. */
const NODE_ARCH: Readonly<Record<LambdaArchitecture, string>> = { arm64: 'arm64', x86_64: 'x64' };
/** Where fetched binaries are kept between runs, under the project root (also the other Node majors', on-node.ts). */
export const CACHE_DIR = 'node_modules/.cache/timestream-prometheus-connector';
/** A hung registry must not hang the build. */
const FETCH_TIMEOUT_MS = 120_000;

/** The binary found for one architecture. */
export interface SnappyBinary {
  readonly packageName: string;
  readonly version: string;
  /** Where it came from: an installed package, the local cache, or the registry just now. */
  readonly source: 'node_modules' | 'cache' | 'registry';
  readonly data: Buffer;
}

/** Downloads the npm tarball of `spec` (name@version) into `destDir` and returns its path. */
export type TarballFetcher = (spec: string, destDir: string) => Promise<string>;

/** Names the napi-rs package holding the Linux glibc binary for `architecture`. */
export function snappyBinaryPackage(architecture: LambdaArchitecture): string {
  return `@napi-rs/snappy-linux-${NODE_ARCH[architecture]}-gnu`;
}

/**
 * Returns the snappy binary for Linux on `architecture`, in the version of the installed `snappy`
 * package (package-lock.json, else node_modules/snappy). Throws with the reason when it cannot be
 * found or fetched, or when a download does not match the lockfile's integrity.
 */
export async function resolveSnappyBinary(
  rootDir: string,
  architecture: LambdaArchitecture,
  fetchTarball: TarballFetcher = npmPack,
): Promise<SnappyBinary> {
  const packageName = snappyBinaryPackage(architecture);
  const fileName = `snappy.linux-${NODE_ARCH[architecture]}-gnu.node`;
  const { version, integrity } = await lockedVersion(rootDir, packageName);

  const installed = join(rootDir, 'node_modules', packageName);
  const installedVersion = await readJson(join(installed, 'package.json')).then(
    (pkg) => (pkg as { version?: string }).version,
    () => undefined,
  );
  if (installedVersion === version) {
    return { packageName, version, source: 'node_modules', data: await readFile(join(installed, fileName)) };
  }

  const spec = `${packageName}@${version}`;
  const unpack = (tarball: Buffer): Buffer => {
    if (integrity !== undefined) checkIntegrity(tarball, integrity, spec);
    const data = extractTarEntry(gunzipSync(tarball), `package/${fileName}`);
    if (data === undefined) throw new Error(`${spec} holds no ${fileName}`);
    return data;
  };
  // The tarball is cached, not the binary, and checked again on every use: a file cut short (an
  // interrupted or concurrent run) is fetched again instead of shipped, as a truncated binary
  // crashes the function (SIGBUS in dlopen) where a missing one falls back to pure JS.
  const cached = join(rootDir, CACHE_DIR, `${fileName.replace(/\.node$/, '')}-${version}.tgz`);
  const fromCache = await readFile(cached)
    .then(unpack)
    .catch(() => undefined);
  if (fromCache) return { packageName, version, source: 'cache', data: fromCache };

  const tempDir = await mkdtemp(join(tmpdir(), 'snappy-binary-'));
  try {
    const tarball = await readFile(await fetchTarball(spec, tempDir));
    const data = unpack(tarball);
    await mkdir(join(rootDir, CACHE_DIR), { recursive: true });
    await writeFile(cached, tarball);
    return { packageName, version, source: 'registry', data };
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

/** The version (and integrity, when recorded) of `packageName` the project is locked to. */
async function lockedVersion(
  rootDir: string,
  packageName: string,
): Promise<{ version: string; integrity?: string }> {
  const lock = (await readJson(join(rootDir, 'package-lock.json')).catch(() => undefined)) as
    { packages?: Record<string, { version?: string; integrity?: string }> } | undefined;
  const entry = lock?.packages?.[`node_modules/${packageName}`];
  if (entry?.version) return { version: entry.version, integrity: entry.integrity };
  const snappy = (await readJson(join(rootDir, 'node_modules', 'snappy', 'package.json')).catch(
    () => undefined,
  )) as { version?: string } | undefined;
  if (!snappy?.version) throw new Error('the snappy package is not installed (npm ci)');
  return { version: snappy.version };
}

/** Throws unless `data` matches an SRI string such as "sha512-<base64>" recorded in `source`. */
export function checkIntegrity(
  data: Buffer,
  integrity: string,
  what: string,
  source = 'package-lock.json',
): void {
  const [algorithm, expected] = integrity.split('-', 2);
  const actual = createHash(algorithm).update(data).digest('base64');
  if (actual !== expected) throw new Error(`${what} does not match the integrity in ${source}`);
}

/** Returns the content of the regular file `path` in an uncompressed tar archive, if present. */
export function extractTarEntry(tar: Buffer, path: string): Buffer | undefined {
  const BLOCK = 512;
  for (let at = 0; at + BLOCK <= tar.length;) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) return undefined; // end of archive
    const field = (start: number, length: number) =>
      header.toString('utf8', start, start + length).replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const dataStart = at + BLOCK;
    if (name === path && (type === '0' || type === ''))
      return Buffer.from(tar.subarray(dataStart, dataStart + size));
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return undefined;
}

/** `npm pack <spec>` into `destDir`: the registry and credentials npm is configured with. */
export async function npmPack(spec: string, destDir: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', spec, '--json', '--silent', '--pack-destination', destDir],
    { timeout: FETCH_TIMEOUT_MS, maxBuffer: 1024 * 1024 },
  );
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  return join(destDir, packed.filename);
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}
