// SPDX-License-Identifier: Apache-2.0
// Two projects: fast unit tests (no network, no disk beyond tmp) and integration tests that
// run the real AWS SDK clients over HTTP against the embedded store.
const transform = { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  // One temporary directory per run, removed at its end (test/support/temp-root-setup.ts).
  globalSetup: '<rootDir>/test/support/temp-root-setup.ts',
  globalTeardown: '<rootDir>/test/support/temp-root-teardown.ts',
  // NOTE: a worker whose run is done exits by itself at once (no timer, socket or server is left),
  // but tearing down its heap after ~50 files takes a little over jest's default 500 ms, measured
  // at 515-540 ms on two loaded cores; past the timeout jest kills it and prints "A worker process
  // has failed to exit gracefully". A handle left open still keeps a worker past this one.
  workerGracefulExitTimeout: 2000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/', '<rootDir>/test/e2e/'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
  ],
};
