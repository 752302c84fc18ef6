// SPDX-License-Identifier: Apache-2.0
// Startup refusals of the real CLI (`tsx bin/cli.ts`) for files its options name: exit status 2 and
// one line naming the option, as for any bad value, never a stack trace.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ListDatabasesCommand, TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { DuckDBInstance } from '@duckdb/node-api';
import { STORE_LAYOUT_VERSION } from '../../../lambda/local-store/catalog';
import { StoreEngine, STORE_FILE_NAME } from '../../../lambda/local-store/engine';

const ROOT = join(__dirname, '..', '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

// Each case starts a tsx process (~1-2 s).
jest.setTimeout(30_000);

/** Local mode on `dataDir`, both servers on ports the system picks. */
const localOn = (dataDir: string) => [
  '--local',
  '--web.listen-address',
  '127.0.0.1:0',
  '--local.listen-address',
  '127.0.0.1:0',
  '--local.data-dir',
  dataDir,
];

/** The `local-store` command on a port the system picks, on `dataDir`, with a credentials file. */
const storeWithCredentials = (dataDir: string, credentialsFile: string) => [
  'local-store',
  '--local.listen-address',
  '127.0.0.1:0',
  '--local.data-dir',
  dataDir,
  '--local.credentials',
  credentialsFile,
];

/** Runs `statements` on the store file of `dataDir` directly, as an older or later version left it. */
async function runOnStoreFile(dataDir: string, statements: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(join(dataDir, STORE_FILE_NAME));
  const connection = await instance.connect();
  for (const statement of statements) await connection.run(statement);
  connection.closeSync();
  instance.closeSync();
}

/** Runs the CLI with `args`, to be refused: one that starts instead is killed, failing the test. */
function refusedStart(args: string[]) {
  return promisify(execFile)(TSX, [join(ROOT, 'bin', 'cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    timeout: 20_000,
  });
}

describe('the CLI with a file it cannot read', () => {
  test.each([
    {
      name: 'a TLS certificate',
      args: [
        '--default-database',
        'mydb',
        '--default-table',
        'tbl',
        '--tls-certificate',
        '/nonexistent/cert.pem',
        '--tls-key',
        '/nonexistent/key.pem',
      ],
      stderr: 'invalid configuration:\n  --tls-certificate: cannot read /nonexistent/cert.pem (ENOENT)\n',
    },
    {
      name: 'the embedded store credentials',
      args: [
        '--local',
        '--local.data-dir',
        '/nonexistent/data',
        '--local.credentials',
        '/nonexistent/keys.txt',
      ],
      stderr: 'invalid configuration:\n  --local.credentials: cannot read /nonexistent/keys.txt (ENOENT)\n',
    },
    {
      name: 'a data directory that is a file',
      args: ['--local', '--local.listen-address', '127.0.0.1:0', '--local.data-dir', __filename],
      stderr: `invalid configuration:\n  --local.data-dir: cannot open ${__filename} (EEXIST: file already exists, mkdir '${__filename}')\n`,
    },
  ])('exits 2 naming the option: $name', async ({ args, stderr }) => {
    const run = refusedStart(['--web.listen-address', '127.0.0.1:0', ...args]);
    await expect(run).rejects.toMatchObject({ code: 2, stderr });
  });
});

describe('the CLI in local mode with a store where the default table cannot be created', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-table-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('exits 2 naming --local.data-dir, the table and the reason, and leaves the store closed', async () => {
    const dataDir = join(dir, 'data');
    // A database of the default database's name in other letter cases, which the store refuses to
    // keep beside it (as a full disk fails the CREATE, but without needing one).
    const seeded = await StoreEngine.open({ dataDir });
    await seeded.ensureTable('prometheusdatabase', 'other');
    await seeded.close();
    const run = refusedStart(localOn(dataDir));
    await expect(run).rejects.toMatchObject({
      code: 2,
      stderr:
        'invalid configuration:\n' +
        `  --local.data-dir: cannot create the table PrometheusDatabase.PrometheusMetricsTable (--default-database, --default-table) in ${dataDir} ` +
        '(The database name PrometheusDatabase differs only in letter case from the database prometheusdatabase; the embedded store cannot keep both.)\n',
    });
    // Closed: this process can open the file again.
    const reopened = await StoreEngine.open({ dataDir });
    await reopened.close();
  });
});

describe('the CLI in local mode with a data directory written by a later version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-layout-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('exits 2 naming --local.data-dir, the layout and what to do', async () => {
    const dataDir = join(dir, 'data');
    const seeded = await StoreEngine.open({ dataDir });
    await seeded.close();
    const later = STORE_LAYOUT_VERSION + 1;
    await runOnStoreFile(dataDir, [`UPDATE "ts$catalog".layout SET version = ${later}`]);
    const run = refusedStart(localOn(dataDir));
    await expect(run).rejects.toMatchObject({
      code: 2,
      stderr:
        'invalid configuration:\n' +
        `  --local.data-dir: cannot open ${dataDir} (its store.duckdb has layout version ${later}, written by a later ` +
        `version of the embedded store; this version reads layout ${STORE_LAYOUT_VERSION} and earlier: run the later ` +
        'version, or move the directory aside to start an empty one)\n',
    });
  });
});

describe('the CLI in local mode with a data directory whose upgrade fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-upgrade-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('exits 2 naming --local.data-dir, the table and the reason, without a stack trace', async () => {
    const dataDir = join(dir, 'data');
    const seeded = await StoreEngine.open({ dataDir });
    await seeded.ensureTable('olddb', 'metrics');
    await seeded.close();
    // A wide table (the layout before $series/$samples) without the dimension its catalog lists,
    // marked as a directory of no layout version: its migration fails.
    await runOnStoreFile(dataDir, [
      'DROP VIEW olddb.metrics',
      'DROP TABLE "olddb"."metrics$samples"',
      'DROP TABLE "olddb"."metrics$series"',
      'DROP TABLE "olddb"."metrics$doubles"',
      'CREATE TABLE olddb.metrics (measure_name VARCHAR NOT NULL, time TIMESTAMP_NS NOT NULL, ' +
        '"measure_value::double" DOUBLE, "measure_value::bigint" BIGINT, "measure_value::varchar" VARCHAR, ' +
        '"measure_value::boolean" BOOLEAN, ts_version BIGINT NOT NULL, ts_series VARCHAR NOT NULL)',
      `INSERT INTO "ts$catalog".dimensions VALUES ('olddb', 'metrics', 0, 'zone')`,
      'DROP TABLE "ts$catalog".layout',
    ]);
    const run = refusedStart(localOn(dataDir));
    await expect(run).rejects.toMatchObject({
      code: 2,
      stderr:
        'invalid configuration:\n' +
        `  --local.data-dir: cannot open ${dataDir} (the upgrade of table olddb.metrics, written by an earlier ` +
        'version of the embedded store, failed and was undone: Binder Error: Referenced column "zone" not found ' +
        'in FROM clause!; move the directory aside to start an empty one)\n',
    });
  });
});

describe('the CLI with an embedded store credentials file it cannot use', () => {
  // The files are written by each case; the message names the file after the option.
  const dir = mkdtempSync(join(tmpdir(), 'cli-credentials-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    {
      name: 'no pair, only a comment and blank lines (the store would accept any signature)',
      file: 'empty.txt',
      text: '# keys for the embedded store\n\n',
      after: ' holds no access-key-id:secret-access-key line, so no signature could be checked',
    },
    {
      name: 'a key id without a secret',
      file: 'no-secret.txt',
      text: 'AKIDLOCAL:\n',
      after: ': every line must be access-key-id:secret-access-key (line 1 is not)',
    },
    {
      name: 'a secret without its key id, after a pair, a comment and a blank line (named by number, never quoted)',
      file: 'no-key-id.txt',
      text: 'AKIDLOCAL:first\n# keys\n\n:TopSecretKeyWithoutItsKeyId\n',
      after: ': every line must be access-key-id:secret-access-key (line 4 is not)',
    },
    {
      name: 'spaces around the colon (the pair would match no signature)',
      file: 'spaced.txt',
      text: '\uFEFFAKIDLOCAL:first\nAKIDOTHER : second\n',
      after: ': an access key id or secret access key holds whitespace (line 2)',
    },
    {
      name: "a comment after a pair (it would be taken for the pair's session token)",
      file: 'trailing-comment.txt',
      text: 'AKIDLOCAL:first\nAKIDOTHER:second #ci\n',
      after: ': a comment must be a line of its own; no session token starts with # (line 2)',
    },
  ])('exits 2 naming the option: $name', async ({ file, text, after }) => {
    const path = join(dir, file);
    writeFileSync(path, text);
    const run = refusedStart(storeWithCredentials(join(dir, 'data'), path));
    await expect(run).rejects.toMatchObject({
      code: 2,
      stderr: `invalid configuration:\n  --local.credentials: ${path}${after}\n`,
    });
  });
});

describe('the CLI with an embedded store credentials file of pairs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-credentials-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the store accepts a request signed with any pair of the file, a temporary one with its session token, and refuses other keys', async () => {
    const path = join(dir, 'keys.txt');
    // Comments and blank lines between the pairs; a secret may hold a ':' and be 1 character long;
    // a temporary pair's session token follows its secret after a space.
    writeFileSync(
      path,
      '# keys\nAKIDFIRST:first:secret\n\n  AKIDSECOND:s  \nASIATEMP:temp/secret\tFwoGZXIvYXdz+token/0==\n# end\n',
    );
    const child = spawn(
      TSX,
      [join(ROOT, 'bin', 'cli.ts'), ...storeWithCredentials(join(dir, 'data'), path)],
      {
        cwd: ROOT,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = once(child, 'exit');
    try {
      let output = '';
      const endpoint = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const listening = /listening on (http:\/\/\S+)/.exec(output);
          if (listening) resolve(listening[1]);
        });
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.once('exit', (code) => reject(new Error(`the CLI exited ${code}: ${output}`)));
      });
      const listWith = (accessKeyId: string, secretAccessKey: string, sessionToken?: string) =>
        new TimestreamWriteClient({
          endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId, secretAccessKey, sessionToken },
          maxAttempts: 1,
        })
          .send(new ListDatabasesCommand({}))
          .then(
            () => 'accepted',
            (error: Error) => error.name,
          );
      expect([
        await listWith('AKIDFIRST', 'first:secret'),
        await listWith('AKIDSECOND', 's'),
        await listWith('AKIDFIRST', 'first'),
        await listWith('AKIDOTHER', 'first:secret'),
        await listWith('ASIATEMP', 'temp/secret', 'FwoGZXIvYXdz+token/0=='),
        await listWith('ASIATEMP', 'temp/secret'),
        await listWith('ASIATEMP', 'temp/secret', 'FwoGZXIvYXdz+other/0=='),
        await listWith('AKIDSECOND', 's', 'FwoGZXIvYXdz+token/0=='),
      ]).toEqual([
        'accepted',
        'accepted',
        'InvalidSignatureException',
        'UnrecognizedClientException',
        'accepted',
        'UnrecognizedClientException',
        'UnrecognizedClientException',
        'UnrecognizedClientException',
      ]);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
