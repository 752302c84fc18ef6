// SPDX-License-Identifier: Apache-2.0
import {
  CREDENTIALS_FAILURE_HOLD_MS,
  CREDENTIALS_FAILURE_LOG_MS,
  ownCredentials,
} from '../../../lambda/timestream/own-credentials';
import { CaptureLogger } from '../../support/capture-logger';

const FAILED = "the connector's own AWS credentials could not be loaded (default credential provider chain)";
const PAIR = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' };

/**
 * A chain that fails as the SDK's does: each provider's reason to the logger at debug level, then
 * `final`; or gives PAIR once `failing` is false. Counts its asks.
 */
function fakeChain(final: () => Error = () => new Error('Could not load credentials from any providers')) {
  const state = { asks: 0, failing: true, reasons: ['Unable to find environment variable credentials.'] };
  const chain =
    ({ logger }: { logger: { debug: (message: string) => void } }) =>
    async () => {
      state.asks += 1;
      await Promise.resolve();
      if (!state.failing) return PAIR;
      for (const reason of state.reasons) logger.debug(`@smithy/property-provider -> ${reason}`);
      logger.debug('@aws-sdk/credential-provider-node - defaultProvider::remoteProvider');
      const error = final();
      if (error.name === 'CredentialsProviderError')
        logger.debug(`@smithy/property-provider (!) ${error.message}`);
      throw error;
    };
  return { state, chain };
}

function providerError(message: string): Error {
  return Object.assign(new Error(message), { name: 'CredentialsProviderError' });
}

describe('ownCredentials', () => {
  let now = 0;
  const nowMs = () => now;
  beforeEach(() => (now = 1_000));

  test('a failure answers the calls of the next CREDENTIALS_FAILURE_HOLD_MS without asking the chain', async () => {
    const { state, chain } = fakeChain(() => providerError('Could not load credentials from any providers'));
    const logger = new CaptureLogger();
    const provider = ownCredentials({ logger, chain: chain as never, nowMs });

    const first = await Promise.allSettled([provider(), provider(), provider()]);
    now += CREDENTIALS_FAILURE_HOLD_MS - 1;
    await expect(provider()).rejects.toThrow('Could not load credentials from any providers');
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(state.asks).toBe(1);

    // A refresh asked for (Timestream refused the pair) is not held off.
    await expect(provider({ forceRefresh: true })).rejects.toThrow('Could not load');
    expect(state.asks).toBe(2);

    now += CREDENTIALS_FAILURE_HOLD_MS;
    state.failing = false;
    await expect(provider()).resolves.toBe(PAIR);
    expect(state.asks).toBe(3);
    expect(logger.lines).toEqual([
      {
        level: 'error',
        msg: FAILED,
        fields: {
          reasons: [
            'Unable to find environment variable credentials.',
            'Could not load credentials from any providers',
          ],
        },
      },
      { level: 'info', msg: "the connector's own AWS credentials loaded again", fields: {} },
    ]);
  });

  test('the same reasons are logged again only after CREDENTIALS_FAILURE_LOG_MS; other reasons at once', async () => {
    const { state, chain } = fakeChain(() => providerError('Could not load credentials from any providers'));
    const logger = new CaptureLogger();
    const provider = ownCredentials({ logger, chain: chain as never, nowMs });
    const failAt = async (ms: number) => {
      now = ms;
      await expect(provider()).rejects.toThrow();
    };

    const later = 1_000 + CREDENTIALS_FAILURE_LOG_MS - 1;
    await failAt(1_000);
    await failAt(later);
    state.reasons = ['Profile p could not be found in shared credentials file.'];
    await failAt(later + CREDENTIALS_FAILURE_HOLD_MS);
    await failAt(later + CREDENTIALS_FAILURE_HOLD_MS + CREDENTIALS_FAILURE_LOG_MS);

    expect(state.asks).toBe(4);
    expect(logger.lines.map((l) => (l.fields.reasons as string[])[0])).toEqual([
      'Unable to find environment variable credentials.',
      'Profile p could not be found in shared credentials file.',
      'Profile p could not be found in shared credentials file.',
    ]);
  });

  test('an error that is no provider’s (a container endpoint’s garbage JSON) ends the reasons, one line each', async () => {
    const { chain } = fakeChain(
      () => new SyntaxError("Expected property name or '}' in JSON\nat position 1"),
    );
    const logger = new CaptureLogger();
    const provider = ownCredentials({ logger, chain: chain as never, nowMs });

    await expect(provider()).rejects.toBeInstanceOf(SyntaxError);
    expect(logger.lines[0].fields.reasons).toEqual([
      'Unable to find environment variable credentials.',
      "SyntaxError: Expected property name or '}' in JSON at position 1",
    ]);
  });

  test('a failed credential_process is named once, by its standard error, never by its command line', async () => {
    const { state, chain } = fakeChain(() => providerError('Could not load credentials from any providers'));
    const failed = 'Command failed: /usr/local/bin/helper --token s3cr3t\nhelper: no session\n';
    state.reasons = [failed, failed];
    const logger = new CaptureLogger();
    const provider = ownCredentials({ logger, chain: chain as never, nowMs });

    await expect(provider()).rejects.toThrow();
    expect(logger.lines[0].fields.reasons).toEqual([
      'credential_process failed: helper: no session',
      'Could not load credentials from any providers',
    ]);
  });

  test('the chain’s warnings are logged: AWS_PROFILE beside keys in the environment, which the SDK prints', async () => {
    const names = ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_CONFIG_FILE'];
    const names2 = ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED'];
    const saved = Object.fromEntries([...names, ...names2].map((name) => [name, process.env[name]]));
    Object.assign(process.env, {
      AWS_PROFILE: 'missing',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'env-secret',
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      const logger = new CaptureLogger();
      await expect(ownCredentials({ logger })()).rejects.toThrow();
      const warned = logger.lines.filter((l) => l.level === 'warn');
      expect(warned.map((l) => l.msg)).toEqual([
        '@aws-sdk/credential-provider-node - defaultProvider::fromEnv WARNING: Multiple credential ' +
          'sources detected: Both AWS_PROFILE and the pair AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY ' +
          'static credentials are set. This SDK will proceed with the AWS_PROFILE value. However, a ' +
          'future version may change this behavior to prefer the ENV static credentials. Please ensure ' +
          'that your environment only sets either the AWS_PROFILE or the ' +
          'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY pair.',
      ]);
      expect(JSON.stringify(logger.lines)).not.toContain('env-secret');
    } finally {
      for (const [name, value] of Object.entries(saved))
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
  });
});
