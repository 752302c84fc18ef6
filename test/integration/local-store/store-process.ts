// SPDX-License-Identifier: Apache-2.0
// Runs a local store in its own process for the kill -9 durability test: prints its endpoint as
// one JSON line on stdout once listening, then serves until killed.

import { startLocalStore } from '../../../lambda/local-store';

startLocalStore({ dataDir: process.argv[2], port: 0, nowMs: () => Number(process.argv[3]) }).then(
  (store) => process.stdout.write(`${JSON.stringify({ endpoint: store.endpoint })}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
