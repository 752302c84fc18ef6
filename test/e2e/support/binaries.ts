// SPDX-License-Identifier: Apache-2.0
// Decides whether the end-to-end suites can run: they need the real Prometheus server and AWS CLI.
// Outside CI a missing binary turns a suite into one test that prints why; in CI it fails.

import { accessSync, constants } from 'node:fs';

/** The Debian `prometheus` package's server (Prometheus 2.42). */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';
/** The Debian `awscli` package's AWS CLI v2 (not the `aws` a PATH shim may provide). */
export const AWS_BIN = '/usr/bin/aws';
const REQUIRED_BINARIES = [PROMETHEUS_BIN, AWS_BIN] as const;

/** Returns the required binaries that are missing or not executable. */
export function missingBinaries(paths: readonly string[] = REQUIRED_BINARIES): string[] {
  return paths.filter((path) => {
    try {
      accessSync(path, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * Declares `body` as a describe block when Prometheus and the AWS CLI are installed. Otherwise the
 * block holds one test that prints the reason and passes, or fails when `CI=true` (in CI the
 * binaries are part of the environment, so their absence is a broken build, not a skip).
 */
export function describeWithBinaries(title: string, body: () => void): void {
  const missing = missingBinaries();
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const reason = `${title}: not run because ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing (install the Debian packages prometheus and awscli)`;
  describe(title, () => {
    test('needs the Prometheus server and the AWS CLI', () => {
      if (process.env.CI === 'true') throw new Error(`${reason}; CI=true requires them`);
      console.log(reason);
      expect(missing.length).toBeGreaterThan(0);
    });
  });
}
