// SPDX-License-Identifier: Apache-2.0
// README.md must hold the settings table exactly as the settings module renders it, so the
// documented flags, environment variables and defaults cannot drift from the code.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSettingsTable } from '../../lambda/config/command';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('README.md', () => {
  test('contains the rendered settings table verbatim', () => {
    expect(readme).toContain(renderSettingsTable().trim());
  });

  test.each(['npm ci && npm start', 'npm ci && npm test'])('shows `%s` in the quick start', (command) => {
    expect(readme.slice(0, readme.indexOf('## Prometheus configuration'))).toContain(command);
  });
});
