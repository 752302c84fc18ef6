// SPDX-License-Identifier: Apache-2.0
// Two projects: fast unit tests (no network, no disk beyond tmp) and integration tests that
// run the real AWS SDK clients over HTTP against the embedded store.
const transform = { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  // One temporary directory per run, removed at its end (test/support/temp-root-setup.ts).
  globalSetup: '<rootDir>/test/support/temp-root-setup.ts',
  globalTeardown: '<rootDir>/test/support/temp-root-teardown.ts',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/', '<rootDir>/test/e2e/'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
  ],
};
