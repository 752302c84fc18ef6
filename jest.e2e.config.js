// SPDX-License-Identifier: Apache-2.0
// End-to-end tests with the real Prometheus server and the AWS CLI: run one file at a time
// (they start servers and Prometheus processes) by `npm run test:e2e`.
const transform = { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] };

module.exports = {
  displayName: 'e2e',
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
  testTimeout: 300_000,
  // One temporary directory per run, removed at its end (test/support/temp-root-setup.ts).
  globalSetup: '<rootDir>/test/support/temp-root-setup.ts',
  globalTeardown: '<rootDir>/test/support/temp-root-teardown.ts',
};
