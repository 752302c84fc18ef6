// SPDX-License-Identifier: Apache-2.0
// Adds lock entries for platform-specific optional packages that the registry mirror used here does
// not serve (e.g. darwin builds of @swc/core). npm leaves them out of package-lock.json, and then
// `npm ci` refuses the lock as out of sync. Each added entry is gated by os/cpu (and libc), so npm
// never fetches it on a platform it does not match. Run after `npm install` changes the lock:
//   node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const packages = lock.packages;

const OS = [
  'darwin',
  'linux',
  'win32',
  'freebsd',
  'android',
  'openharmony',
  'aix',
  'sunos',
  'netbsd',
  'openbsd',
];
const CPU = ['x64', 'arm64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32', 'mips64el'];

/** Reads os, cpu and libc from a platform package name such as `core-linux-arm64-musl`. */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  let cpu = parts.find((p) => CPU.includes(p));
  if (cpu === undefined && parts.includes('arm')) cpu = 'arm';
  const libc =
    parts.includes('musl') || parts.some((p) => p.startsWith('musl'))
      ? 'musl'
      : parts.includes('gnu') || parts.some((p) => p.startsWith('gnu'))
        ? 'glibc'
        : undefined;
  return { os, cpu: cpu ?? (parts.includes('wasm32') ? 'wasm32' : undefined), libc };
}

let added = 0;
for (const [path, meta] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const target = `node_modules/${dep}`;
    if (packages[target] !== undefined) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (os === undefined && cpu === undefined) continue; // not a platform package: leave it to npm
    const entry = { version, ...(meta.dev ? { dev: true } : {}), optional: true };
    if (cpu !== undefined) entry.cpu = [cpu];
    if (libc !== undefined && os === 'linux') entry.libc = [libc];
    if (os !== undefined) entry.os = [os];
    packages[target] = entry;
    added++;
    void path;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} platform-gated lock entries`);
