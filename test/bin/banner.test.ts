// SPDX-License-Identifier: Apache-2.0
import { join } from 'node:path';
import { localBanner, storeHint, urlNamedByCertificate, type BannerConfig } from '../../bin/banner';
import type { LocalConfig } from '../../lambda/config/load';
import { selfSignedLocalhost } from '../support/tls';

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
const config = (credentialsFile: string | undefined, certificateFile?: string): BannerConfig => ({
  region: 'us-east-1',
  defaultDatabase: 'PrometheusDatabase',
  defaultTable: 'PrometheusMetricsTable',
  local: local(credentialsFile),
  tls: certificateFile === undefined ? undefined : { certificateFile, keyFile: '/etc/tls/key.pem' },
});

const banner = (
  who: string,
  username: string,
  password: string,
  keys: string,
  which: string,
  scheme = 'http',
  tls = '',
) => `
timestream-prometheus-connector is ready on ${scheme}://127.0.0.1:9201 (embedded store at http://127.0.0.1:9202, data in ./data).

Add this to prometheus.yml (basic auth carries an access key id and secret; ${who}):

remote_write:
  - url: ${scheme}://127.0.0.1:9201/write
    basic_auth:
      username: ${username}
      password: ${password}${tls}
remote_read:
  - url: ${scheme}://127.0.0.1:9201/read
    basic_auth:
      username: ${username}
      password: ${password}${tls}
    read_recent: true

Look at the data with the AWS CLI (${which}):
  ${keys} aws timestream-query query --region us-east-1 \\
    --endpoint-url http://127.0.0.1:9202 --query-string 'SELECT count() FROM "PrometheusDatabase"."PrometheusMetricsTable"'
`;

/** The banner of a connector speaking HTTPS, its entries trusting `caFile` (as YAML). */
const httpsBanner = (caFile: string) =>
  banner(
    "the embedded store accepts any pair; tls_config trusts the certificate itself, which must name the URL's host",
    'local',
    'local',
    'AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local',
    'any key pair works',
    'https',
    `\n    tls_config:\n      ca_file: ${caFile}`,
  );

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
    {
      name: 'a connector speaking HTTPS: Prometheus trusts the certificate file itself',
      credentialsFile: undefined,
      certificateFile: '/etc/tls/cert.pem',
      expected: httpsBanner('"/etc/tls/cert.pem"'),
    },
    {
      name: 'a relative certificate path: named absolute (Prometheus reads a relative ca_file from its config directory)',
      credentialsFile: undefined,
      certificateFile: 'tls/cert.pem',
      expected: httpsBanner(`"${join(process.cwd(), 'tls', 'cert.pem')}"`),
    },
    {
      name: 'a certificate path YAML would cut at " #", refuse at ": " or a line break, or fold at U+2028: escaped in double quotes',
      credentialsFile: undefined,
      certificateFile: '/etc/tls/my certs #1/a: b\n\u2028\u0085.pem',
      expected: httpsBanner('"/etc/tls/my certs #1/a: b\\n\\u2028\\u0085.pem"'),
    },
  ])('$name', ({ credentialsFile, certificateFile, expected }) => {
    const scheme = certificateFile === undefined ? 'http' : 'https';
    expect(
      localBanner(
        `${scheme}://127.0.0.1:9201`,
        'http://127.0.0.1:9202',
        config(credentialsFile, certificateFile),
      ),
    ).toBe(expected);
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

describe('urlNamedByCertificate (the URL the banner gives for a server speaking TLS)', () => {
  test.each([
    {
      name: "a certificate naming only localhost (the reference connector's openssl steps): localhost, which Prometheus can verify",
      altNames: 'DNS:localhost',
      url: 'https://127.0.0.1:9201',
      expected: 'https://localhost:9201',
    },
    {
      name: 'a certificate naming 127.0.0.1: the URL as it is',
      altNames: 'DNS:localhost,IP:127.0.0.1',
      url: 'https://127.0.0.1:9201',
      expected: 'https://127.0.0.1:9201',
    },
    {
      name: 'a certificate naming only ::1: that address, bracketed',
      altNames: 'IP:::1',
      url: 'https://127.0.0.1:9201',
      expected: 'https://[::1]:9201',
    },
    {
      name: 'a certificate naming localhost in its subject only, which Go ignores: the URL as it is',
      altNames: '',
      url: 'https://127.0.0.1:9201',
      expected: 'https://127.0.0.1:9201',
    },
    {
      name: 'a server listening on another address: the URL as it is',
      altNames: 'DNS:localhost',
      url: 'https://10.1.2.3:9201',
      expected: 'https://10.1.2.3:9201',
    },
  ])('$name', ({ altNames, url, expected }) => {
    expect(urlNamedByCertificate(url, selfSignedLocalhost('rsa:2048', altNames).cert)).toBe(expected);
  });
});
