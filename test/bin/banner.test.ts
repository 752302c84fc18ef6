// SPDX-License-Identifier: Apache-2.0
import { localBanner, storeHint, type BannerConfig } from '../../bin/banner';
import type { LocalConfig } from '../../lambda/config/load';

const local = (credentialsFile: string | undefined): LocalConfig => ({
  dataDir: './data',
  listen: { host: '127.0.0.1', port: 9202 },
  pageSize: undefined,
  queryTimeoutMs: 60_000,
  credentialsFile,
  faultLatencyMs: 0,
  faultThrottleRate: 0,
  faultInternalErrorRate: 0,
  faultSeed: 1,
});
const config = (credentialsFile: string | undefined): BannerConfig => ({
  region: 'us-east-1',
  defaultDatabase: 'PrometheusDatabase',
  defaultTable: 'PrometheusMetricsTable',
  local: local(credentialsFile),
});

const banner = (who: string, username: string, password: string, keys: string, which: string) => `
timestream-prometheus-connector is ready on http://127.0.0.1:9201 (embedded store at http://127.0.0.1:9202, data in ./data).

Add this to prometheus.yml (basic auth carries an access key id and secret; ${who}):

remote_write:
  - url: http://127.0.0.1:9201/write
    basic_auth:
      username: ${username}
      password: ${password}
remote_read:
  - url: http://127.0.0.1:9201/read
    basic_auth:
      username: ${username}
      password: ${password}
    read_recent: true

Look at the data with the AWS CLI (${which}):
  ${keys} aws timestream-query query --region us-east-1 \\
    --endpoint-url http://127.0.0.1:9202 --query-string 'SELECT count() FROM "PrometheusDatabase"."PrometheusMetricsTable"'
`;

describe('localBanner', () => {
  test.each([
    {
      name: 'a store that accepts any key pair',
      credentialsFile: undefined,
      expected: banner(
        'the embedded store accepts any pair',
        'local',
        'local',
        'AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local',
        'any key pair works',
      ),
    },
    {
      name: 'a store checking --local.credentials: the file named, no pair it would refuse',
      credentialsFile: '/etc/store/keys.txt',
      expected: banner(
        'the embedded store accepts only the pairs in /etc/store/keys.txt',
        '<an access key id from that file>',
        '<its secret access key>',
        'AWS_ACCESS_KEY_ID=<key id> AWS_SECRET_ACCESS_KEY=<secret>',
        'use a pair from /etc/store/keys.txt',
      ),
    },
  ])('$name', ({ credentialsFile, expected }) => {
    expect(localBanner('http://127.0.0.1:9201', 'http://127.0.0.1:9202', config(credentialsFile))).toBe(
      expected,
    );
  });
});

describe('storeHint (local-store, which creates no table)', () => {
  test('creates the default table, with the settings --local gives it, before querying it', () => {
    expect(storeHint('http://127.0.0.1:9202', config(undefined))).toBe(
      [
        'Create the default table if it does not exist yet (any key pair works):',
        '  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws timestream-write --region us-east-1 --endpoint-url http://127.0.0.1:9202 create-database --database-name PrometheusDatabase',
        '  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws timestream-write --region us-east-1 --endpoint-url http://127.0.0.1:9202 create-table --database-name PrometheusDatabase --table-name PrometheusMetricsTable \\',
        '    --retention-properties MemoryStoreRetentionPeriodInHours=8766,MagneticStoreRetentionPeriodInDays=73000 \\',
        '    --magnetic-store-write-properties EnableMagneticStoreWrites=true',
        'Look at the data with the AWS CLI (any key pair works):',
        '  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws timestream-query query --region us-east-1 \\',
        `    --endpoint-url http://127.0.0.1:9202 --query-string 'SELECT count() FROM "PrometheusDatabase"."PrometheusMetricsTable"'`,
      ].join('\n'),
    );
  });
});
