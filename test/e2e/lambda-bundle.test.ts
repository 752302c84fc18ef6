// SPDX-License-Identifier: Apache-2.0
// End-to-end: the packaged Lambda bundle (dist/lambda/index.js as `npm run package` builds it)
// behind a local API Gateway HTTP API, on the embedded store, with Prometheus 2.42 and the AWS CLI.

import { startLambdaBundle } from './support/deployment';
import { describeProductFlow } from './support/product-flow';

describeProductFlow(
  'packaged Lambda bundle behind API Gateway with Prometheus and the AWS CLI',
  startLambdaBundle,
);
