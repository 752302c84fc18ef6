// SPDX-License-Identifier: Apache-2.0
// The connector's version, read from package.json when the code is bundled or compiled, so
// `--version` and the start-up log line name the release that is running.

import { version } from '../package.json';

/** The version of this connector (package.json's `version`). */
export const CONNECTOR_VERSION: string = version;
