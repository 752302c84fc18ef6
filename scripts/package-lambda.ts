// SPDX-License-Identifier: Apache-2.0
// `npm run package`: bundles the Lambda entrypoint with esbuild into dist/lambda/index.js (the
// folder template.yml's CodeUri and the CDK asset point at) and zips it deterministically into
// dist/timestream-prometheus-connector-<version>.zip for the one-click template.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { ZipFile } from 'yazl';

/** Names the bundled file; `index.handler` in both templates points at it. */
export const BUNDLE_FILE = 'index.js';
/** Caps the zipped bundle, in bytes (SPEC 9: ≤ 1 MiB zipped). */
export const MAX_ZIP_BYTES = 1024 * 1024;
// Fixed entry time so the same bundle always zips to the same bytes (and the same S3 key hash).
const ZIP_MTIME = new Date(Date.UTC(2020, 0, 1));
// Native DuckDB belongs to the local store only; it must never reach the Lambda bundle.
const EXCLUDED_PACKAGES = ['@duckdb/*'];
const EXCLUDED_SOURCE_DIR = 'lambda/local-store/';

/** Configures {@link packageLambda}; every path defaults to the repository layout. */
export interface PackageOptions {
  readonly rootDir?: string;
  readonly entry?: string;
  readonly outDir?: string;
  readonly zipPath?: string;
  readonly sourceMapPath?: string;
}

/** Reports what {@link packageLambda} wrote, with sizes in bytes. */
export interface PackageResult {
  readonly bundlePath: string;
  readonly zipPath: string;
  readonly sourceMapPath: string;
  readonly bundleBytes: number;
  readonly zipBytes: number;
}

/**
 * Bundles, checks and zips the Lambda handler.
 *
 * The source map is written next to, not inside, the deployed folder so it does not count
 * against the zipped size. Throws when the bundle pulls in the local store or DuckDB.
 */
export async function packageLambda(options: PackageOptions = {}): Promise<PackageResult> {
  const rootDir = resolve(options.rootDir ?? process.cwd());
  const version = await packageVersion(rootDir);
  const entry = resolve(rootDir, options.entry ?? 'lambda/entrypoints/lambda.ts');
  const outDir = resolve(rootDir, options.outDir ?? 'dist/lambda');
  const zipPath = resolve(rootDir, options.zipPath ?? `dist/timestream-prometheus-connector-${version}.zip`);
  const sourceMapPath = resolve(rootDir, options.sourceMapPath ?? `dist/${BUNDLE_FILE}.map`);
  const bundlePath = join(outDir, BUNDLE_FILE);

  const result = await build({
    entryPoints: [entry],
    outfile: bundlePath,
    absWorkingDir: rootDir,
    bundle: true,
    platform: 'node',
    target: 'node22',
    // CommonJS: the SDK and our TypeScript (compiled as CommonJS) need no require() shim.
    format: 'cjs',
    // Prefer the SDK's ES module builds: they tree-shake far better than the CommonJS ones.
    mainFields: ['module', 'main'],
    minify: true,
    treeShaking: true,
    sourcemap: 'external',
    legalComments: 'none',
    external: EXCLUDED_PACKAGES,
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  assertNoLocalStore(result.metafile, rootDir);

  const code = result.outputFiles.find((f) => f.path.endsWith(BUNDLE_FILE));
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
  if (!code || !map) throw new Error('esbuild produced no bundle');
  const codeText = Buffer.from(code.contents);
  if (codeText.includes('@duckdb/')) {
    throw new Error('The Lambda bundle requires @duckdb: the entrypoint must not import the local store.');
  }

  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await mkdir(dirname(sourceMapPath), { recursive: true });
  await writeFile(bundlePath, codeText);
  await writeFile(sourceMapPath, map.contents);
  const zip = await zipFiles([{ name: BUNDLE_FILE, data: codeText }]);
  await mkdir(dirname(zipPath), { recursive: true });
  await writeFile(zipPath, zip);
  return { bundlePath, zipPath, sourceMapPath, bundleBytes: codeText.length, zipBytes: zip.length };
}

/** Zips files at the archive root with fixed times and modes, so equal input gives equal bytes. */
export function zipFiles(files: readonly { name: string; data: Buffer }[]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const file of files) {
    zip.addBuffer(file.data, file.name, {
      mtime: ZIP_MTIME,
      mode: 0o100644,
      compress: true,
      forceDosTimestamp: true,
    });
  }
  zip.end();
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolvePromise(Buffer.concat(chunks)));
  });
}

function assertNoLocalStore(metafile: Metafile, rootDir: string): void {
  for (const output of Object.values(metafile.outputs)) {
    const leaked = Object.entries(output.inputs)
      .filter(
        ([path, input]) =>
          input.bytesInOutput > 0 &&
          relative(rootDir, resolve(rootDir, path)).startsWith(EXCLUDED_SOURCE_DIR),
      )
      .map(([path]) => path);
    if (leaked.length > 0) {
      throw new Error(
        `The Lambda bundle includes the local store (${leaked.join(', ')}); keep it out of lambda/entrypoints/lambda.ts.`,
      );
    }
  }
}

async function packageVersion(rootDir: string): Promise<string> {
  const pkg = JSON.parse(await readFile(join(rootDir, 'package.json'), 'utf8')) as { version?: string };
  if (!pkg.version) throw new Error('package.json has no version');
  return pkg.version;
}

function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

async function main(): Promise<void> {
  const result = await packageLambda();
  const cwd = process.cwd();
  console.log(`bundle  ${relative(cwd, result.bundlePath)}  ${formatKiB(result.bundleBytes)}`);
  console.log(
    `zip     ${relative(cwd, result.zipPath)}  ${formatKiB(result.zipBytes)} (${result.zipBytes} bytes)`,
  );
  if (result.zipBytes > MAX_ZIP_BYTES) {
    console.warn(`warning: the zip exceeds the ${formatKiB(MAX_ZIP_BYTES)} target`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
