// SPDX-License-Identifier: Apache-2.0
// `npm run package`: bundles the Lambda entrypoint with esbuild into dist/lambda/index.js (the
// folder template.yml's CodeUri and the CDK asset point at) and zips it deterministically into
// dist/timestream-prometheus-connector-<version>.zip for the one-click template, with the native
// snappy binary for the function's architecture next to it when the bundle can use one.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { ZipFile } from 'yazl';
import { BUNDLED_SNAPPY_BINARY } from '../lambda/codec/snappy-native';
import {
  LAMBDA_ARCHITECTURES,
  type LambdaArchitecture,
  type TarballFetcher,
  resolveSnappyBinary,
} from './snappy-binary';

/** Names the bundled file; `index.handler` in both templates points at it. */
export const BUNDLE_FILE = 'index.js';
/** Caps the zipped bundle, in bytes (SPEC 9: ≤ 1 MiB zipped). */
export const MAX_ZIP_BYTES = 1024 * 1024;
// Fixed entry time so the same bundle always zips to the same bytes (and the same S3 key hash).
const ZIP_MTIME = new Date(Date.UTC(2020, 0, 1));
// Native DuckDB belongs to the local store only; it must never reach the Lambda bundle.
const EXCLUDED_PACKAGES = ['@duckdb/*'];
const EXCLUDED_SOURCE_DIR = 'lambda/local-store/';
// The module that loads the native binding: only a bundle holding it gets the binary. The
// `snappy` package stays external: on Lambda it is absent and the binary beside the bundle loads.
const NATIVE_SNAPPY_LOADER = 'lambda/codec/snappy-native.ts';
const EXTERNAL_PACKAGES = [...EXCLUDED_PACKAGES, 'snappy'];
/**
 * How esbuild compiles the Lambda bundle. Benchmark figure 1 builds its workload with the same
 * options, so it times the code as the function runs it, and the local-mode bundle `npm start`
 * runs (scripts/build-local.ts) starts from them.
 */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  // The oldest Lambda runtime the bundle supports: the templates deploy nodejs24.x, and a stack
  // pinned back to nodejs22.x runs the same bundle.
  target: 'node22',
  // CommonJS: the SDK and our TypeScript (compiled as CommonJS) need no require() shim.
  format: 'cjs',
  // Prefer the SDK's ES module builds: they tree-shake far better than the CommonJS ones.
  mainFields: ['module', 'main'],
  minify: true,
  treeShaking: true,
  legalComments: 'none',
  external: EXTERNAL_PACKAGES,
  logLevel: 'warning',
} satisfies BuildOptions;

/** The architecture of template.yml and the CDK stack (SPEC 7). */
export const DEFAULT_ARCHITECTURE: LambdaArchitecture = 'arm64';

/** Configures {@link packageLambda}; every path defaults to the repository layout. */
export interface PackageOptions {
  readonly rootDir?: string;
  readonly entry?: string;
  readonly outDir?: string;
  readonly zipPath?: string;
  readonly sourceMapPath?: string;
  /** Lambda architecture whose native snappy binary is shipped. @default 'arm64' */
  readonly architecture?: LambdaArchitecture;
  /** Downloads a package tarball when the binary is neither installed nor cached (tests pass a fake). */
  readonly fetchTarball?: TarballFetcher;
}

/** The native snappy binary shipped next to the bundle. */
export interface NativeBinaryResult {
  readonly architecture: LambdaArchitecture;
  readonly packageName: string;
  readonly version: string;
  readonly source: 'node_modules' | 'cache' | 'registry';
  readonly bytes: number;
}

/** Reports what {@link packageLambda} wrote, with sizes in bytes. */
export interface PackageResult {
  readonly bundlePath: string;
  readonly zipPath: string;
  readonly sourceMapPath: string;
  readonly bundleBytes: number;
  readonly zipBytes: number;
  /** Undefined when the bundle does not load one, or it could not be found (see warnings). */
  readonly nativeSnappy: NativeBinaryResult | undefined;
  /** Problems that did not stop packaging, e.g. the binary could not be fetched. */
  readonly warnings: readonly string[];
}

/**
 * Bundles, checks and zips the Lambda handler.
 *
 * The source map is written next to, not inside, the deployed folder so it does not count
 * against the zipped size. When the bundle holds the native snappy loader, the binary for
 * `architecture` is written next to it as snappy.node (found or fetched by snappy-binary.ts); if
 * that fails the package is still built, decodes snappy in pure JS, and a warning says why.
 * Throws when the bundle pulls in the local store or DuckDB.
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
    ...LAMBDA_BUILD_OPTIONS,
    entryPoints: [entry],
    outfile: bundlePath,
    absWorkingDir: rootDir,
    sourcemap: 'external',
    metafile: true,
    write: false,
  });
  assertNoLocalStore(result.metafile, rootDir);

  const code = result.outputFiles.find((f) => f.path.endsWith(BUNDLE_FILE));
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
  if (!code || !map) throw new Error('esbuild produced no bundle');
  const codeText = Buffer.from(code.contents);
  if (codeText.includes('@duckdb/')) {
    throw new Error('The Lambda bundle requires @duckdb: the entrypoint must not import the local store.');
  }

  const architecture = options.architecture ?? DEFAULT_ARCHITECTURE;
  const warnings: string[] = [];
  const files: { name: string; data: Buffer }[] = [{ name: BUNDLE_FILE, data: codeText }];
  let nativeSnappy: NativeBinaryResult | undefined;
  if (includesSource(result.metafile, rootDir, NATIVE_SNAPPY_LOADER)) {
    try {
      const binary = await resolveSnappyBinary(rootDir, architecture, options.fetchTarball);
      files.push({ name: BUNDLED_SNAPPY_BINARY, data: binary.data });
      const { packageName, version, source } = binary;
      nativeSnappy = { architecture, packageName, version, source, bytes: binary.data.length };
    } catch (error) {
      warnings.push(
        `native snappy for ${architecture} not included (${error instanceof Error ? error.message : String(error)}); ` +
          'the function will decode snappy in pure JavaScript, which costs more CPU per request',
      );
    }
  }

  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await mkdir(dirname(sourceMapPath), { recursive: true });
  for (const file of files) await writeFile(join(outDir, file.name), file.data);
  await writeFile(sourceMapPath, map.contents);
  const zip = await zipFiles(files);
  await mkdir(dirname(zipPath), { recursive: true });
  await writeFile(zipPath, zip);
  return {
    bundlePath,
    zipPath,
    sourceMapPath,
    bundleBytes: codeText.length,
    zipBytes: zip.length,
    nativeSnappy,
    warnings,
  };
}

/** True when the bundle holds code from `source` (a path relative to the project root). */
function includesSource(metafile: Metafile, rootDir: string, source: string): boolean {
  return Object.values(metafile.outputs).some((output) =>
    Object.entries(output.inputs).some(
      ([path, input]) => input.bytesInOutput > 0 && relative(rootDir, resolve(rootDir, path)) === source,
    ),
  );
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

/** Reads `--architecture arm64|x86_64` (or `--architecture=...`) from the command line. */
export function parseArchitecture(argv: readonly string[]): LambdaArchitecture {
  const at = argv.findIndex((a) => a === '--architecture' || a.startsWith('--architecture='));
  if (at < 0) return DEFAULT_ARCHITECTURE;
  const value = argv[at].includes('=') ? argv[at].slice(argv[at].indexOf('=') + 1) : argv[at + 1];
  const known = LAMBDA_ARCHITECTURES.find((a) => a === value);
  if (known === undefined) {
    throw new Error(
      `--architecture must be one of ${LAMBDA_ARCHITECTURES.join(', ')} (got ${value ?? 'nothing'})`,
    );
  }
  return known;
}

async function main(): Promise<void> {
  const result = await packageLambda({ architecture: parseArchitecture(process.argv.slice(2)) });
  const cwd = process.cwd();
  console.log(`bundle  ${relative(cwd, result.bundlePath)}  ${formatKiB(result.bundleBytes)}`);
  const native = result.nativeSnappy;
  if (native) {
    console.log(
      `native  ${BUNDLED_SNAPPY_BINARY} for ${native.architecture}: ${native.packageName}@${native.version} ` +
        `(${native.source}), ${formatKiB(native.bytes)}`,
    );
  }
  for (const warning of result.warnings) console.warn(`warning: ${warning}`);
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
