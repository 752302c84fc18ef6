// SPDX-License-Identifier: Apache-2.0
// The settings of the default table in local mode: `--local` creates it with them, and the AWS CLI
// command `local-store` prints for creating it names the same ones.

import type { TableSettings } from '../lambda/local-store';

/** Settings that accept late data: Prometheus WAL replays and backfills land in the magnetic store. */
export const LOCAL_TABLE_SETTINGS: Readonly<TableSettings> = {
  memoryStoreRetentionHours: 8766,
  magneticStoreRetentionDays: 73000,
  enableMagneticStoreWrites: true,
};
