// SPDX-License-Identifier: Apache-2.0
// End-to-end: `timestream-prometheus-connector --local` (connector + embedded store) with the real
// Prometheus 2.42 server and the AWS CLI v2.

import { startLocalMode } from './support/deployment';
import { describeProductFlow } from './support/product-flow';

describeProductFlow('local mode (bin/cli.ts --local) with Prometheus and the AWS CLI', startLocalMode);
