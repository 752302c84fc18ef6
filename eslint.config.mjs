// SPDX-License-Identifier: Apache-2.0
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'build/', 'dist/', 'cdk.out/', 'data/', 'coverage/', '*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Only config/ and the entry points read the process environment (STYLE 6.4).
    files: ['lambda/**/*.ts'],
    ignores: ['lambda/config/**', 'lambda/entrypoints/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through lambda/config.' }],
    },
  },
);
