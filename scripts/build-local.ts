// SPDX-License-Identifier: Apache-2.0
// `npm start` and `npm run connector` build first (their `pre` scripts run this): the CLI and the
// embedded store's worker entry bundled by esbuild into dist/local/, which the start scripts run
// with plain `node`. Why not tsx: its CommonJS output reads every imported function through a
// getter, which costs on every call of the write path on both threads. Figure 4 of `npm run bench`
// (three interleaved pairs, connector alone): 129 867, 118 133 and 134 133 samples/s bundled
// against 127 333, 101 467 and 117 333 under tsx.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { THREAD_WORKER_NAME } from '../lambda/local-store/thread';
import { LAMBDA_BUILD_OPTIONS } from './package-lambda';

/** Where the bundles go, relative to the repository; package.json's start scripts run from it. */
export const LOCAL_BUILD_DIR = 'dist/local';
/** The bundled CLI's file name in {@link LOCAL_BUILD_DIR}. */
export const LOCAL_CLI_FILE = 'cli.js';

/** Entry points by output name; the worker's must be the name thread.ts looks for beside the CLI. */
const ENTRY_POINTS = {
  cli: 'bin/cli.ts',
  [THREAD_WORKER_NAME]: 'lambda/local-store/thread-worker.ts',
};

/**
 * How esbuild compiles the local bundles: as the Lambda's (the same externals: DuckDB and snappy
 * load from node_modules at run time), for the developer's Node and unminified.
 */
export const LOCAL_BUILD_OPTIONS = {
  ...LAMBDA_BUILD_OPTIONS,
  // The engines floor (package.json): local mode runs on the developer's Node, not Lambda's.
  target: 'node20',
  // A stack trace of a local run stays readable without source maps.
  minify: false,
} satisfies BuildOptions;

/** Configures {@link buildLocal}. */
export interface LocalBuildOptions {
  /** @default the repository */
  readonly rootDir?: string;
  /** @default `<rootDir>/dist/local` */
  readonly outDir?: string;
}

/** Bundles the CLI and the store's worker entry into `outDir`; returns the CLI bundle's path. */
export async function buildLocal(options: LocalBuildOptions = {}): Promise<string> {
  const rootDir = resolve(options.rootDir ?? join(__dirname, '..'));
  const outDir = resolve(options.outDir ?? join(rootDir, LOCAL_BUILD_DIR));
  await build({
    ...LOCAL_BUILD_OPTIONS,
    absWorkingDir: rootDir,
    entryPoints: ENTRY_POINTS,
    outdir: outDir,
  });
  return join(outDir, LOCAL_CLI_FILE);
}

/**
 * The node flags package.json's start script runs the bundled CLI with, checked to run
 * `node <flags> dist/local/cli.js --local`: the benchmark and the end-to-end test start local
 * mode exactly as `npm start` does.
 */
export function startNodeFlags(rootDir = join(__dirname, '..')): string[] {
  const { scripts } = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = scripts.start.split(' ');
  const script = words.findIndex((word, i) => i > 0 && !word.startsWith('--'));
  const expected = `${LOCAL_BUILD_DIR}/${LOCAL_CLI_FILE}`;
  if (
    words[0] !== 'node' ||
    words[script] !== expected ||
    words.length !== script + 2 ||
    words[script + 1] !== '--local'
  )
    throw new Error(
      `package.json's start script no longer runs "node <flags> ${expected} --local": ${scripts.start}`,
    );
  return words.slice(1, script);
}

if (require.main === module) {
  buildLocal().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exitCode = 1;
  });
}
