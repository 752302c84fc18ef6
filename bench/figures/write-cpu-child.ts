// SPDX-License-Identifier: Apache-2.0
// Entry of figure 1's bundle (write-cpu.ts builds it with the Lambda package's esbuild options):
// runs the workload and prints its runs as one JSON document on stdout.

import { measureWriteCpu } from './write-cpu-work';

measureWriteCpu(process.argv.includes('--quick')).then(
  (runs) => process.stdout.write(JSON.stringify(runs)),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
