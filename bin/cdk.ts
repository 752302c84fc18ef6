// SPDX-License-Identifier: Apache-2.0
// The CDK app: one ConnectorStack named like the SAM stack. Run `npm run package` first so
// dist/lambda/ holds the bundle; `npx cdk synth` then works offline (no lookups).
import { App } from 'aws-cdk-lib';
import { ConnectorStack } from '../lib/connector-stack';
import { STACK_NAME } from '../lib/stack-facts';

const app = new App();
new ConnectorStack(app, STACK_NAME);
app.synth();
