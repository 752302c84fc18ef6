// SPDX-License-Identifier: Apache-2.0
// Reads CloudFormation YAML (short-form intrinsic tags such as !Ref, !Sub, !If) into the same
// JSON shape a synthesized CDK template has, so tests can compare the SAM template and the CDK
// stack fact by fact. Pure: text in, plain objects out.
import { parse, type Tags } from 'yaml';

type Collection = { toJSON(): unknown };

/** Intrinsic functions whose short form names `Fn::<name>`; `Ref` and `Condition` are special. */
const FN_NAMES = [
  'And',
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Not',
  'Or',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'Length',
  'ToJsonString',
] as const;

function intrinsicTags(name: string, key: string): Tags {
  return [
    { tag: `!${name}`, resolve: (value: string) => ({ [key]: value }) },
    {
      tag: `!${name}`,
      collection: 'seq',
      resolve: (seq: unknown) => ({ [key]: (seq as Collection).toJSON() }),
    },
    {
      tag: `!${name}`,
      collection: 'map',
      resolve: (map: unknown) => ({ [key]: (map as Collection).toJSON() }),
    },
  ] as unknown as Tags;
}

/** Tags understood by {@link parseCfnYaml}: every CloudFormation short-form intrinsic. */
export const CFN_TAGS: Tags = [
  ...intrinsicTags('Ref', 'Ref'),
  ...intrinsicTags('Condition', 'Condition'),
  ...FN_NAMES.flatMap((name) => intrinsicTags(name, `Fn::${name}`)),
  // `!GetAtt A.B` is the short form of `Fn::GetAtt: [A, B]`.
  { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': splitAttribute(value) }) },
  {
    tag: '!GetAtt',
    collection: 'seq',
    resolve: (seq: unknown) => ({ 'Fn::GetAtt': (seq as Collection).toJSON() }),
  },
] as unknown as Tags;

function splitAttribute(value: string): [string, string] {
  const dot = value.indexOf('.');
  return dot < 0 ? [value, ''] : [value.slice(0, dot), value.slice(dot + 1)];
}

/**
 * Parses CloudFormation YAML text into long-form JSON (`{ Ref }`, `{ 'Fn::Sub': … }`).
 *
 * @throws Error when the text is not valid YAML.
 */
export function parseCfnYaml(text: string): Record<string, unknown> {
  return parse(text, { customTags: CFN_TAGS }) as Record<string, unknown>;
}
