// SPDX-License-Identifier: Apache-2.0
import { timedArchitecture } from '../../../bench/figures/cold-start';

describe('timedArchitecture', () => {
  // The deployed package (arm64) carries a binary another architecture cannot load, so the
  // figure times a package whose binary loads here, as the deployed one loads on Lambda.
  test.each([
    { arch: 'x64', timed: 'x86_64' },
    { arch: 'arm64', timed: 'arm64' },
    { arch: 'ia32', timed: 'arm64' },
    { arch: 's390x', timed: 'arm64' },
  ])('node on $arch: the $timed package', ({ arch, timed }) => {
    expect(timedArchitecture(arch)).toBe(timed);
  });
});
