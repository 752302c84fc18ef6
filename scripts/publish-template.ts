// SPDX-License-Identifier: Apache-2.0
// `npm run publish-template -- --bucket <name> [--region r] [--prefix p] [--public] [--dry-run]`:
// uploads the packaged zip and a copy of template.yml whose CodeUri points at it, then prints the
// CloudFormation "Launch Stack" URL. Uploads go through the AWS CLI (`aws s3 cp`).
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { launchStackUrl, releaseKeys, rewriteCodeUri, s3ObjectUrl } from './template-rewrite';

/** Holds the parsed command line of the publish script. */
export interface PublishOptions {
  readonly bucket: string;
  readonly region: string;
  readonly prefix: string;
  readonly dryRun: boolean;
  readonly makePublic: boolean;
  readonly templatePath: string;
  readonly zipPath?: string;
  readonly outPath: string;
}

/** Lists what a publish run uploads and where the stack can be launched from. */
export interface PublishPlan {
  readonly zipPath: string;
  readonly packagedTemplatePath: string;
  readonly commands: readonly (readonly string[])[];
  readonly templateUrl: string;
  readonly launchUrl: string;
}

/** Supplies the effects of a publish run, so tests can run it without AWS or a shell. */
export interface PublishDeps {
  readonly run: (argv: readonly string[]) => Promise<void>;
  readonly log: (line: string) => void;
  readonly rootDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const USAGE =
  'usage: npm run publish-template -- --bucket <name> [--region <region>] [--prefix <key prefix>] [--public] [--dry-run]';

/**
 * Parses the command line; the region falls back to AWS_REGION, AWS_DEFAULT_REGION (each when
 * set and not empty), us-east-1.
 *
 * @throws Error with the usage line when `--bucket` is missing, `--region` is empty or an option
 *   is unknown.
 */
export function parsePublishArgs(argv: readonly string[], env: PublishDeps['env']): PublishOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        bucket: { type: 'string' },
        region: { type: 'string' },
        prefix: { type: 'string', default: '' },
        'dry-run': { type: 'boolean', default: false },
        public: { type: 'boolean', default: false },
        template: { type: 'string', default: 'template.yml' },
        zip: { type: 'string' },
        out: { type: 'string', default: 'dist/packaged-template.yml' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${USAGE}`);
  }
  if (!values.bucket) throw new Error(`--bucket is required\n${USAGE}`);
  // An explicit empty region would build `s3..amazonaws.com` URLs; refused like an empty bucket.
  if (values.region === '') throw new Error(`--region is empty\n${USAGE}`);
  return {
    bucket: values.bucket,
    // An empty variable counts as unset, as the connector reads its own environment.
    region: values.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1'),
    prefix: values.prefix,
    dryRun: values['dry-run'],
    makePublic: values.public,
    templatePath: values.template,
    zipPath: values.zip,
    outPath: values.out,
  };
}

/** Quotes one argument for display as a POSIX shell word. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes the packaged template, then uploads both objects (or, with `--dry-run`, only prints
 * the commands) and prints the Launch Stack URL.
 */
export async function runPublish(argv: readonly string[], deps: PublishDeps): Promise<PublishPlan> {
  const options = parsePublishArgs(argv, deps.env);
  const pkg = JSON.parse(await readFile(resolve(deps.rootDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const { zipKey, templateKey } = releaseKeys(options.prefix, pkg.version);
  const zipPath = resolve(
    deps.rootDir,
    options.zipPath ?? `dist/timestream-prometheus-connector-${pkg.version}.zip`,
  );
  const packagedTemplatePath = resolve(deps.rootDir, options.outPath);

  const template = await readFile(resolve(deps.rootDir, options.templatePath), 'utf8');
  await mkdir(dirname(packagedTemplatePath), { recursive: true });
  await writeFile(packagedTemplatePath, rewriteCodeUri(template, { bucket: options.bucket, key: zipKey }));

  const acl = options.makePublic ? ['--acl', 'public-read'] : [];
  const commands = [
    ['aws', 's3', 'cp', zipPath, `s3://${options.bucket}/${zipKey}`, '--region', options.region, ...acl],
    [
      'aws',
      's3',
      'cp',
      packagedTemplatePath,
      `s3://${options.bucket}/${templateKey}`,
      '--region',
      options.region,
      '--content-type',
      'text/yaml',
      ...acl,
    ],
  ];
  const templateUrl = s3ObjectUrl({ bucket: options.bucket, key: templateKey }, options.region);
  const launchUrl = launchStackUrl(options.region, templateUrl);

  for (const command of commands) {
    deps.log(`${options.dryRun ? '(dry run) ' : ''}${command.map(shellQuote).join(' ')}`);
    if (!options.dryRun) await deps.run(command);
  }
  deps.log(`template: ${templateUrl}`);
  deps.log(`launch stack: ${launchUrl}`);
  return { zipPath, packagedTemplatePath, commands, templateUrl, launchUrl };
}

function runCommand(argv: readonly string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit' });
    child.on('error', (err) =>
      reject(new Error(`cannot run ${argv[0]} (is the AWS CLI installed and on PATH?): ${err.message}`)),
    );
    child.on('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${argv.slice(0, 3).join(' ')} exited with ${code}`)),
    );
  });
}

if (require.main === module) {
  runPublish(process.argv.slice(2), {
    run: runCommand,
    log: (line) => console.log(line),
    rootDir: process.cwd(),
    env: process.env,
  }).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
