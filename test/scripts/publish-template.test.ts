// SPDX-License-Identifier: Apache-2.0
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePublishArgs, runPublish, shellQuote } from '../../scripts/publish-template';

const ROOT = join(__dirname, '..', '..');
const TSX_CLI = require.resolve('tsx/cli');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('parsePublishArgs', () => {
  test.each([
    {
      name: 'flag region wins',
      argv: ['--bucket', 'b', '--region', 'eu-west-1'],
      env: { AWS_REGION: 'us-west-2' },
      region: 'eu-west-1',
    },
    {
      name: 'AWS_REGION next',
      argv: ['--bucket', 'b'],
      env: { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'ap-south-1' },
      region: 'us-west-2',
    },
    {
      name: 'AWS_DEFAULT_REGION next',
      argv: ['--bucket', 'b'],
      env: { AWS_DEFAULT_REGION: 'ap-south-1' },
      region: 'ap-south-1',
    },
    { name: 'us-east-1 last', argv: ['--bucket', 'b'], env: {}, region: 'us-east-1' },
    {
      // An empty variable is unset, as the connector reads its own (README "Configuration").
      name: 'empty variables skipped',
      argv: ['--bucket', 'b'],
      env: { AWS_REGION: '', AWS_DEFAULT_REGION: 'ap-south-1' },
      region: 'ap-south-1',
    },
    {
      name: 'all empty: us-east-1',
      argv: ['--bucket', 'b'],
      env: { AWS_REGION: '', AWS_DEFAULT_REGION: '' },
      region: 'us-east-1',
    },
  ])('resolves the region: $name', ({ argv, env, region }) => {
    expect(parsePublishArgs(argv, env).region).toBe(region);
  });

  test.each([
    {
      name: 'only a bucket: the defaults',
      argv: ['--bucket', 'b'],
      options: {
        bucket: 'b',
        region: 'us-east-1',
        prefix: '',
        dryRun: false,
        makePublic: false,
        templatePath: 'template.yml',
        zipPath: undefined,
        outPath: 'dist/packaged-template.yml',
      },
    },
    {
      name: 'every option',
      argv: [
        '--bucket=b',
        '--region=eu-west-1',
        '--prefix=p',
        '--dry-run',
        '--public',
        '--template=t.yml',
        '--zip=z.zip',
        '--out=o.yml',
      ],
      options: {
        bucket: 'b',
        region: 'eu-west-1',
        prefix: 'p',
        dryRun: true,
        makePublic: true,
        templatePath: 't.yml',
        zipPath: 'z.zip',
        outPath: 'o.yml',
      },
    },
  ])('parses $name', ({ argv, options }) => {
    expect(parsePublishArgs(argv, {})).toEqual(options);
  });

  test.each([
    { name: 'no bucket', argv: ['--dry-run'], message: '--bucket is required' },
    { name: 'an empty bucket', argv: ['--bucket', ''], message: '--bucket is required' },
    { name: 'an empty region', argv: ['--bucket', 'b', '--region', ''], message: '--region is empty' },
    { name: 'unknown option', argv: ['--bucket', 'b', '--colour'], message: "Unknown option '--colour'" },
  ])('refuses $name with the usage line', ({ argv, message }) => {
    expect(() => parsePublishArgs(argv, {})).toThrow(message);
    expect(() => parsePublishArgs(argv, {})).toThrow('usage: npm run publish-template -- --bucket <name>');
  });
});

describe('runPublish', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'publish-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function deps() {
    const lines: string[] = [];
    const ran: string[][] = [];
    return {
      lines,
      ran,
      deps: {
        rootDir: ROOT,
        env: {},
        log: (l: string) => lines.push(l),
        run: async (argv: readonly string[]) => void ran.push([...argv]),
      },
    };
  }

  test('prints the upload commands and the Launch Stack URL on --dry-run, running nothing', async () => {
    const out = join(dir, 'packaged.yml');
    const { lines, ran, deps: d } = deps();
    await runPublish(
      ['--bucket', 'my-assets', '--region', 'eu-west-1', '--prefix', 'rel', '--dry-run', '--out', out],
      d,
    );
    const zip = join(ROOT, 'dist', `timestream-prometheus-connector-${VERSION}.zip`);
    const templateUrl = `https://my-assets.s3.eu-west-1.amazonaws.com/rel/template-${VERSION}.yml`;
    expect(ran).toEqual([]);
    expect(lines).toEqual([
      `(dry run) aws s3 cp ${zip} s3://my-assets/rel/timestream-prometheus-connector-${VERSION}.zip --region eu-west-1`,
      `(dry run) aws s3 cp ${out} s3://my-assets/rel/template-${VERSION}.yml --region eu-west-1 --content-type text/yaml`,
      `template: ${templateUrl}`,
      `launch stack: https://console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/create/review?templateURL=${encodeURIComponent(templateUrl)}&stackName=PrometheusTimestreamConnector`,
    ]);
    expect(readFileSync(out, 'utf8')).toContain(
      `      CodeUri:\n        Bucket: my-assets\n        Key: rel/timestream-prometheus-connector-${VERSION}.zip\n`,
    );
  });

  test('uploads the zip before the template, with public-read when asked', async () => {
    const out = join(dir, 'packaged.yml');
    const { ran, deps: d } = deps();
    const plan = await runPublish(
      ['--bucket', 'b', '--region', 'us-east-1', '--public', '--out', out, '--zip', 'x.zip'],
      d,
    );
    expect(ran).toEqual([
      [
        'aws',
        's3',
        'cp',
        join(ROOT, 'x.zip'),
        `s3://b/timestream-prometheus-connector-${VERSION}.zip`,
        '--region',
        'us-east-1',
        '--acl',
        'public-read',
      ],
      [
        'aws',
        's3',
        'cp',
        out,
        `s3://b/template-${VERSION}.yml`,
        '--region',
        'us-east-1',
        '--content-type',
        'text/yaml',
        '--acl',
        'public-read',
      ],
    ]);
    expect(plan.templateUrl).toBe(`https://b.s3.us-east-1.amazonaws.com/template-${VERSION}.yml`);
  });

  test('runs as a script: --dry-run prints the plan and exits 0 without calling aws', () => {
    const out = join(dir, 'packaged.yml');
    const result = spawnSync(
      process.execPath,
      [
        TSX_CLI,
        'scripts/publish-template.ts',
        '--bucket',
        'b',
        '--region',
        'ap-southeast-2',
        '--dry-run',
        '--out',
        out,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        // An empty PATH: a dry run that tried to run aws would fail.
        env: { PATH: dir, HOME: dir },
      },
    );
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter((l) => l.startsWith('launch stack: '))).toEqual([
      'launch stack: https://console.aws.amazon.com/cloudformation/home?region=ap-southeast-2#/stacks/create/review' +
        `?templateURL=${encodeURIComponent(`https://b.s3.ap-southeast-2.amazonaws.com/template-${VERSION}.yml`)}&stackName=PrometheusTimestreamConnector`,
    ]);
  });

  test('exits 1 with the usage line when --bucket is missing', () => {
    const result = spawnSync(process.execPath, [TSX_CLI, 'scripts/publish-template.ts', '--dry-run'], {
      cwd: ROOT,
      encoding: 'utf8',
      // An empty PATH: a dry run that tried to run aws would fail.
      env: { PATH: dir, HOME: dir },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--bucket is required');
  });

  /** Runs the script with a PATH holding only `dir`, where a fake aws may log its argv and exit. */
  function runScript(fakeAwsExit?: number) {
    if (fakeAwsExit !== undefined) {
      const aws = join(dir, 'aws');
      writeFileSync(aws, `#!/bin/sh\necho "$*" >> "${join(dir, 'aws.log')}"\nexit ${fakeAwsExit}\n`);
      chmodSync(aws, 0o755);
    }
    const argv = ['--bucket', 'b', '--region', 'us-east-1', '--zip', 'x.zip', '--out', join(dir, 'p.yml')];
    return spawnSync(process.execPath, [TSX_CLI, 'scripts/publish-template.ts', ...argv], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: dir, HOME: dir },
    });
  }
  const awsLog = () => readFileSync(join(dir, 'aws.log'), 'utf8').split('\n').filter(Boolean);

  test('runs the aws CLI for both uploads as a script and exits 0', () => {
    const result = runScript(0);
    expect(result.status).toBe(0);
    expect(awsLog()).toEqual([
      `s3 cp ${join(ROOT, 'x.zip')} s3://b/timestream-prometheus-connector-${VERSION}.zip --region us-east-1`,
      `s3 cp ${join(dir, 'p.yml')} s3://b/template-${VERSION}.yml --region us-east-1 --content-type text/yaml`,
    ]);
  });

  test('exits 1 naming the failed aws command and its exit code, uploading nothing more', () => {
    const result = runScript(3);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('aws s3 cp exited with 3\n');
    expect(awsLog()).toHaveLength(1);
  });

  test('exits 1 asking whether the AWS CLI is installed when aws is not on PATH', () => {
    const result = runScript();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^cannot run aws \(is the AWS CLI installed and on PATH\?\): spawn aws ENOENT\n$/,
    );
  });

  test('stops at the first failed upload', async () => {
    const { lines, deps: d } = deps();
    const failing = { ...d, run: async () => Promise.reject(new Error('aws s3 cp exited with 1')) };
    await expect(runPublish(['--bucket', 'b', '--out', join(dir, 'p.yml')], failing)).rejects.toThrow(
      'aws s3 cp exited with 1',
    );
    expect(lines).toHaveLength(1);
  });
});

describe('shellQuote', () => {
  test.each([
    { name: 'plain word', arg: 's3://b/k.zip', quoted: 's3://b/k.zip' },
    { name: 'space', arg: 'my file', quoted: "'my file'" },
    { name: 'single quote', arg: "it's", quoted: `'it'\\''s'` },
    { name: 'word with two single quotes', arg: "'a'", quoted: `''\\''a'\\'''` },
    { name: 'word of only safe punctuation, unchanged', arg: 'a_@%+=:,./-z', quoted: 'a_@%+=:,./-z' },
  ])('quotes a $name', ({ arg, quoted }) => {
    expect(shellQuote(arg)).toBe(quoted);
  });
});
