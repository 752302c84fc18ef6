// SPDX-License-Identifier: Apache-2.0
import { parseCfnYaml } from '../../scripts/cfn-yaml';

describe('parseCfnYaml', () => {
  test.each([
    { name: 'Ref', yaml: 'v: !Ref Bucket', expected: { Ref: 'Bucket' } },
    {
      name: 'Sub scalar',
      yaml: "v: !Sub 'arn:${AWS::Partition}:x'",
      expected: { 'Fn::Sub': 'arn:${AWS::Partition}:x' },
    },
    {
      name: 'Sub with variables',
      yaml: "v: !Sub ['${A}', { A: !Ref B }]",
      expected: { 'Fn::Sub': ['${A}', { A: { Ref: 'B' } }] },
    },
    { name: 'GetAtt dotted', yaml: 'v: !GetAtt Fn.Arn', expected: { 'Fn::GetAtt': ['Fn', 'Arn'] } },
    {
      name: 'GetAtt nested attribute',
      yaml: 'v: !GetAtt Db.Endpoint.Address',
      expected: { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] },
    },
    { name: 'GetAtt list', yaml: 'v: !GetAtt [Fn, Arn]', expected: { 'Fn::GetAtt': ['Fn', 'Arn'] } },
    {
      name: 'If with nested Ref',
      yaml: 'v: !If [C, !Ref A, !Ref AWS::NoValue]',
      expected: { 'Fn::If': ['C', { Ref: 'A' }, { Ref: 'AWS::NoValue' }] },
    },
    {
      name: 'Not of Equals',
      yaml: "v: !Not [!Equals [!Ref P, '']]",
      expected: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'P' }, ''] }] },
    },
    { name: 'Join', yaml: "v: !Join ['', [a, !Ref B]]", expected: { 'Fn::Join': ['', ['a', { Ref: 'B' }]] } },
    { name: 'Condition', yaml: 'v: !Condition IsProd', expected: { Condition: 'IsProd' } },
    {
      name: 'plain values',
      yaml: "v: { n: 512, s: '512', b: true }",
      expected: { n: 512, s: '512', b: true },
    },
  ])('reads $name', ({ yaml, expected }) => {
    expect(parseCfnYaml(yaml)).toEqual({ v: expected });
  });

  test('throws on text that is not YAML', () => {
    expect(() => parseCfnYaml('a: [1, 2')).toThrow();
  });
});
