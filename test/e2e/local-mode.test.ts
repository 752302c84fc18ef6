// SPDX-License-Identifier: Apache-2.0
// End-to-end: `timestream-prometheus-connector --local` (connector + embedded store) run as
// `npm start` runs it (the esbuild bundle of scripts/build-local.ts), with the real Prometheus 2.42
// server and the AWS CLI v2.

import { startLocalMode } from './support/deployment';
import { describeProductFlow } from './support/product-flow';

describeProductFlow(
  'local mode (npm start: the bundled CLI with --local) with Prometheus and the AWS CLI',
  startLocalMode,
);
