// SPDX-License-Identifier: Apache-2.0
// How the bench starts a child process on one of this repository's TypeScript files.

/** Node arguments that load tsx's CommonJS hook, so the child runs a `.ts` file directly. */
export const TSX_ARGS = ['--require', require.resolve('tsx/cjs')];
