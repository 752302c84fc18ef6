// SPDX-License-Identifier: Apache-2.0
// template.yml (SAM) and the CDK stack must deploy the same thing: parameters, conditions, routes,
// throttling, integration, function, environment, IAM, Timestream resources and outputs.
import { deploymentFacts, loadSamTemplate, synthCdkStack } from './template-facts';

const sam = deploymentFacts(loadSamTemplate());
const cdk = deploymentFacts(synthCdkStack().json);
type Fact = keyof typeof sam;

const FACTS: { name: Fact }[] = [
  'parameters',
  'conditions',
  'routes',
  'routeSettings',
  'stage',
  'integration',
  'function',
  'environment',
  'logGroups',
  'assumeRole',
  'managedPolicies',
  'policies',
  'timestream',
  'outputs',
].map((name) => ({ name: name as Fact }));

describe('template.yml and the CDK stack', () => {
  test.each(FACTS)('declare the same $name', ({ name }) => {
    expect(sam[name]).toEqual(cdk[name]);
  });

  test('agree on the facts the parity is about (not both empty)', () => {
    expect(Object.keys(sam.parameters)).toHaveLength(14);
    expect(sam.routes.map((r) => r.routeKey)).toEqual(['POST /read', 'POST /write']);
    expect(Object.keys(sam.outputs).sort()).toEqual([
      'DefaultDatabase',
      'DefaultTable',
      'InvokeReadURL',
      'InvokeWriteURL',
    ]);
    expect(sam.policies.flatMap((p) => p.statements.flatMap((s) => s.actions)).sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'timestream:DescribeEndpoints',
      'timestream:DescribeTable',
      'timestream:Select',
      'timestream:WriteRecords',
    ]);
    expect(sam.timestream).toHaveLength(2);
    expect(sam.logGroups).toEqual([{ retentionInDays: 30, deletionPolicy: 'Delete' }]);
  });
});
