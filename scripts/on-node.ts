// SPDX-License-Identifier: Apache-2.0
// Runs a command with another Node.js major first on PATH: `tsx scripts/on-node.ts 24 jest`. The
// development machine and CI have Node 20; the Lambda runs Node 24, and Node 22 is the other
// supported major. The official binary comes from the npm registry (the `node-linux-<arch>`
// packages, which nodejs.org mirrors there), pinned to one version per major and checked against
// its integrity, and is kept in node_modules' cache so later runs need no network. Linux x64 and
// arm64 only.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CACHE_DIR, checkIntegrity, extractTarEntry, npmPack, type TarballFetcher } from './snappy-binary';

/** A Node release as the npm registry holds it: its version and each architecture's tarball integrity. */
export interface NodeRelease {
  readonly version: string;
  readonly integrity: Readonly<Record<string, string>>;
}

/**
 * The pinned release of each major the tests run on besides the machine's own (integrities from
 * `npm view node-linux-<arch>@<version> dist.integrity`).
 */
export const NODE_RELEASES: Readonly<Record<string, NodeRelease>> = {
  '22': {
    version: '22.23.5',
    integrity: {
      x64: 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==',
      arm64:
        'sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==',
    },
  },
  '24': {
    version: '24.22.3',
    integrity: {
      x64: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
      arm64:
        'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
    },
  },
};

/** Set for the command: jest's global setup refuses to run on any other version (temp-root-setup.ts). */
export const EXPECTED_NODE_VARIABLE = 'CONNECTOR_TEST_NODE_VERSION';

/**
 * Returns the directory holding `release` as `node`, fetching it into the cache when it is not
 * there yet. Throws with the reason on another platform or architecture, or
 * when the download does not match the pinned integrity.
 */
export async function nodeBinDir(
  rootDir: string,
  release: NodeRelease,
  {
    platform = process.platform,
    arch = process.arch,
    fetchTarball = npmPack,
  }: { platform?: string; arch?: string; fetchTarball?: TarballFetcher } = {},
): Promise<string> {
  const integrity = release.integrity[arch];
  if (platform !== 'linux' || integrity === undefined) {
    throw new Error(
      `Node ${release.version} is fetched for Linux x64 and arm64 only, not ${platform} ${arch}`,
    );
  }
  const packageName = `node-linux-${arch}`;
  const binDir = join(rootDir, CACHE_DIR, `${packageName}-${release.version}`, 'bin');
  if (existsSync(join(binDir, 'node'))) return binDir;

  const tempDir = mkdtempSync(join(tmpdir(), 'node-release-'));
  try {
    const spec = `${packageName}@${release.version}`;
    const tarball = readFileSync(await fetchTarball(spec, tempDir));
    checkIntegrity(tarball, integrity, spec, 'scripts/on-node.ts');
    const binary = extractTarEntry(gunzipSync(tarball), 'package/bin/node');
    if (binary === undefined) throw new Error(`${spec} holds no bin/node`);
    // Written under a temporary name and renamed, so an interrupted run leaves no half binary.
    mkdirSync(binDir, { recursive: true });
    const partial = join(binDir, `node.partial-${process.pid}`);
    writeFileSync(partial, binary);
    chmodSync(partial, 0o755);
    renameSync(partial, join(binDir, 'node'));
    return binDir;
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}

/** Runs `argv` with `binDir` first on PATH; resolves to its exit status (1 when killed by a signal). */
export function runWithNode(binDir: string, argv: readonly string[], version: string): Promise<number> {
  const env = {
    ...process.env,
    PATH: `${binDir}:${process.env.PATH ?? ''}`,
    [EXPECTED_NODE_VARIABLE]: `v${version}`,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

const USAGE = `usage: tsx scripts/on-node.ts <${Object.keys(NODE_RELEASES).join('|')}> <command> [arguments...]`;

/** The pinned release of `major`; throws with the usage when there is none. */
export function releaseOf(major: string | undefined): NodeRelease {
  if (major !== undefined && Object.hasOwn(NODE_RELEASES, major)) return NODE_RELEASES[major];
  throw new Error(`no pinned Node release for ${JSON.stringify(major ?? '')}; ${USAGE}`);
}

async function main(): Promise<void> {
  const [major, ...argv] = process.argv.slice(2);
  const release = releaseOf(major);
  if (argv.length === 0) throw new Error(USAGE);
  const binDir = await nodeBinDir(join(__dirname, '..'), release);
  console.error(`on-node: Node ${release.version} (${join(binDir, 'node')}): ${argv.join(' ')}`);
  process.exitCode = await runWithNode(binDir, argv, release.version);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`on-node: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
