// SPDX-License-Identifier: Apache-2.0
// README.md must hold the settings table exactly as the settings module renders it, so the
// documented flags, environment variables and defaults cannot drift from the code.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSettingsTable } from '../../lambda/config/command';
import { SETTINGS, type Setting } from '../../lambda/config/settings';
import { TIMESTREAM_RECORD_LIMITS } from '../../lambda/timestream/validate-series';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('README.md', () => {
  test('contains the rendered settings table verbatim', () => {
    expect(readme).toContain(renderSettingsTable().trim());
  });

  test.each(['npm ci && npm start', 'npm ci && npm test'])('shows `%s` in the quick start', (command) => {
    expect(readme.slice(0, readme.indexOf('## Prometheus configuration'))).toContain(command);
  });

  test('gives the label counts the write path refuses as long_label, between the two limits', () => {
    // __name__ is the measure name, not a dimension: one label more than the dimension limit is
    // still written, and --max-labels-per-series counts every label.
    const maxLabels = (SETTINGS as readonly Setting[]).find((s) => s.flag === 'max-labels-per-series');
    const range = /a series\s+with (\d+) to (\d+) labels\b/.exec(readme);
    expect(range?.slice(1).map(Number)).toEqual([
      TIMESTREAM_RECORD_LIMITS.maxDimensions + 2,
      maxLabels?.default,
    ]);
  });
});
