// SPDX-License-Identifier: Apache-2.0
// Runs the real AWS CLI v2 against the embedded store, isolated from the user's AWS configuration:
// fixed throwaway credentials, no config or credentials files, no pager, always --endpoint-url.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AWS_BIN } from './binaries';

const execFileAsync = promisify(execFile);
/** Longest a single CLI call may take (its Python start-up alone is about a second). */
const CLI_TIMEOUT_MS = 30_000;
/** Any well-formed key pair works: the embedded store accepts every signature by default. */
export const CLI_ACCESS_KEY_ID = 'AKIDE2ECLI';
const CLI_SECRET_ACCESS_KEY = 'e2e/cli+secret';

/** Runs `aws <args> --endpoint-url <endpoint> --output json` and returns the parsed output. */
export async function aws(endpoint: string, args: readonly string[]): Promise<unknown> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: CLI_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: CLI_SECRET_ACCESS_KEY,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
  };
  try {
    const { stdout } = await execFileAsync(
      AWS_BIN,
      [...args, '--endpoint-url', endpoint, '--output', 'json'],
      { env, timeout: CLI_TIMEOUT_MS },
    );
    return stdout.trim() === '' ? undefined : JSON.parse(stdout);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`aws ${args.slice(0, 2).join(' ')} failed: ${stderr.trim() || String(error)}`);
  }
}

/** Runs `aws timestream-query query` for a single-row, single-column answer and returns its integer value. */
export async function queryCount(endpoint: string, sql: string): Promise<number> {
  const output = (await aws(endpoint, ['timestream-query', 'query', '--query-string', sql])) as {
    Rows: { Data: { ScalarValue?: string }[] }[];
  };
  if (output.Rows.length !== 1) throw new Error(`expected one row from ${sql}, got ${output.Rows.length}`);
  return Number(output.Rows[0].Data[0].ScalarValue);
}
