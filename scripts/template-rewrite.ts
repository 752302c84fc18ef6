// SPDX-License-Identifier: Apache-2.0
// Pure helpers behind `npm run publish-template`: point the template's function code at an S3
// object, and build the object, template and CloudFormation "Launch Stack" URLs. No I/O here;
// scripts/publish-template.ts does the uploads.
import { parseDocument } from 'yaml';
import { STACK_NAME } from '../lib/stack-facts';

/** Locates one S3 object. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

const SERVERLESS_FUNCTION = 'AWS::Serverless::Function';

/**
 * Rewrites the `CodeUri` of every `AWS::Serverless::Function` to `{ Bucket, Key }`, keeping the
 * rest of the text (comments, short-form intrinsic tags) as it was.
 *
 * @throws Error when the text is not valid YAML or declares no serverless function.
 */
export function rewriteCodeUri(templateText: string, code: S3Location): string {
  const doc = parseDocument(templateText);
  // Unknown tags (!Ref, !Sub, …) only raise warnings; they are kept verbatim on output.
  if (doc.errors.length > 0) throw new Error(`template is not valid YAML: ${doc.errors[0].message}`);
  const { Resources: resources = {} } = (doc.toJS() ?? {}) as {
    Resources?: Record<string, { Type?: unknown }>;
  };
  let rewritten = 0;
  for (const [name, resource] of Object.entries(resources)) {
    if (resource?.Type !== SERVERLESS_FUNCTION) continue;
    doc.setIn(
      ['Resources', name, 'Properties', 'CodeUri'],
      doc.createNode({ Bucket: code.bucket, Key: code.key }),
    );
    rewritten += 1;
  }
  if (rewritten === 0) throw new Error(`template declares no ${SERVERLESS_FUNCTION}`);
  return doc.toString({ lineWidth: 0 });
}

/** Builds the virtual-hosted-style HTTPS URL of an S3 object (each key segment URL-encoded). */
export function s3ObjectUrl(location: S3Location, region: string): string {
  const key = location.key.split('/').map(encodeURIComponent).join('/');
  return `https://${location.bucket}.s3.${region}.amazonaws.com/${key}`;
}

/** Builds the CloudFormation console URL that opens "Quick create stack" on a template URL. */
export function launchStackUrl(region: string, templateUrl: string, stackName: string = STACK_NAME): string {
  const query = `templateURL=${encodeURIComponent(templateUrl)}&stackName=${encodeURIComponent(stackName)}`;
  return `https://console.aws.amazon.com/cloudformation/home?region=${encodeURIComponent(region)}#/stacks/create/review?${query}`;
}

/** Names the zip and template objects for a release, under an optional key prefix. */
export function releaseKeys(prefix: string, version: string): { zipKey: string; templateKey: string } {
  const base = prefix.replace(/^\/+|\/+$/g, '');
  const join = (name: string): string => (base ? `${base}/${name}` : name);
  return {
    zipKey: join(`timestream-prometheus-connector-${version}.zip`),
    templateKey: join(`template-${version}.yml`),
  };
}
