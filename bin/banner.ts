// SPDX-License-Identifier: Apache-2.0
// What `npm start` prints once the connector and its embedded store listen: the Prometheus
// configuration to paste and an AWS CLI command to look at the data.

import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { Config } from '../lambda/config/load';
import { LOCAL_TABLE_SETTINGS } from './local-table';

/** The parts of the configuration the texts name. */
export type BannerConfig = Pick<Config, 'region' | 'defaultDatabase' | 'defaultTable' | 'local' | 'tls'>;

export function cliHint(storeEndpoint: string, config: BannerConfig): string {
  const [which, keys] = cliKeys(config);
  return [
    `Look at the data with the AWS CLI (${which}):`,
    `  ${keys} aws timestream-query query --region ${config.region} \\`,
    `    --endpoint-url ${storeEndpoint} --query-string 'SELECT count() FROM "${config.defaultDatabase}"."${config.defaultTable}"'`,
  ].join('\n');
}

/**
 * What `local-store` prints: only `--local` creates the default table, so a fresh data directory
 * needs it created before the query in cliHint answers anything but "not found". The table gets
 * `--local`'s settings: CreateTable's defaults (a 6 h memory store, magnetic writes off) would
 * refuse the older samples a Prometheus replays after an outage.
 */
export function storeHint(storeEndpoint: string, config: BannerConfig): string {
  const [which, keys] = cliKeys(config);
  const write = `  ${keys} aws timestream-write --region ${config.region} --endpoint-url ${storeEndpoint}`;
  const { memoryStoreRetentionHours, magneticStoreRetentionDays, enableMagneticStoreWrites } =
    LOCAL_TABLE_SETTINGS;
  return [
    `Create the default table if it does not exist yet (${which}):`,
    `${write} create-database --database-name ${config.defaultDatabase}`,
    `${write} create-table --database-name ${config.defaultDatabase} --table-name ${config.defaultTable} \\`,
    `    --retention-properties MemoryStoreRetentionPeriodInHours=${memoryStoreRetentionHours},MagneticStoreRetentionPeriodInDays=${magneticStoreRetentionDays} \\`,
    `    --magnetic-store-write-properties EnableMagneticStoreWrites=${enableMagneticStoreWrites}`,
    cliHint(storeEndpoint, config),
  ].join('\n');
}

/** How the AWS CLI commands get credentials: any pair, or one from --local.credentials (never a secret). */
function cliKeys(config: BannerConfig): [string, string] {
  const credentialsFile = config.local?.credentialsFile;
  return credentialsFile === undefined
    ? ['any key pair works', 'AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local']
    : [`use a pair from ${credentialsFile}`, 'AWS_ACCESS_KEY_ID=<key id> AWS_SECRET_ACCESS_KEY=<secret>'];
}

/** Loopback names a certificate may give, in the order the banner prefers them. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * The URL the banner gives Prometheus for a server at `serverUrl` (its host is `127.0.0.1` when it
 * listens on every interface) speaking TLS with `certificate`: when the certificate does not name
 * that loopback host but names another (`localhost`, as a certificate made for local use usually
 * does, the reference connector's openssl steps among them), the URL uses that one. Go, and so
 * Prometheus, checks only the subjectAltNames; a URL the certificate does not name is refused
 * ("cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs").
 */
export function urlNamedByCertificate(serverUrl: string, certificate: Buffer): string {
  const url = new URL(serverUrl);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!LOOPBACK_NAMES.includes(host)) return serverUrl;
  const leaf = new X509Certificate(certificate);
  const names = (name: string) =>
    isIP(name) === 0
      ? leaf.checkHost(name, { subject: 'never' }) !== undefined
      : leaf.checkIP(name) !== undefined;
  if (names(host)) return serverUrl;
  const named = LOOPBACK_NAMES.find(names);
  if (named === undefined) return serverUrl;
  url.hostname = isIP(named) === 6 ? `[${named}]` : named;
  return url.origin;
}

export function localBanner(connectorUrl: string, storeEndpoint: string, config: BannerConfig): string {
  // With --local.credentials the store checks signatures: name a pair from the file, never a secret.
  const credentialsFile = config.local?.credentialsFile;
  const [note, username, password] =
    credentialsFile === undefined
      ? ['the embedded store accepts any pair', 'local', 'local']
      : [
          `the embedded store accepts only the pairs in ${credentialsFile}`,
          '<an access key id from that file>',
          '<its secret access key>',
        ];
  // Prometheus refuses a certificate it cannot verify, and the one given to --tls-certificate is
  // often self-signed. Go trusts a server certificate found among its roots, so the file itself
  // serves as ca_file whether it is self-signed or issued by a CA. Absolute: Prometheus reads a
  // relative ca_file from its configuration file's directory, not from where the connector runs.
  const certificateFile = config.tls === undefined ? undefined : resolve(config.tls.certificateFile);
  const tlsNote =
    certificateFile === undefined
      ? ''
      : `; tls_config trusts the certificate itself, which must name the URL's host`;
  const tlsConfig =
    certificateFile === undefined ? '' : `\n    tls_config:\n      ca_file: ${yamlString(certificateFile)}`;
  return `
timestream-prometheus-connector is ready on ${connectorUrl} (embedded store at ${storeEndpoint}, data in ${config.local?.dataDir}).

Add this to prometheus.yml (basic auth carries an access key id and secret; ${note}${tlsNote}):

remote_write:
  - url: ${connectorUrl}/write
    basic_auth:
      username: ${username}
      password: ${password}${tlsConfig}
remote_read:
  - url: ${connectorUrl}/read
    basic_auth:
      username: ${username}
      password: ${password}${tlsConfig}
    read_recent: true

${cliHint(storeEndpoint, config)}
`;
}

/**
 * Writes `text` as a YAML double-quoted scalar. A plain one would end at ` #`, break at `: ` or a
 * newline, and a double-quoted one folds a raw line break or refuses a control character: JSON's
 * escapes cover C0 controls, quotes and backslashes, and YAML's `\u` those left.
 */
function yamlString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
