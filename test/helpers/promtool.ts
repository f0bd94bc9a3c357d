import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

/**
 * Pipes an exposition through `promtool check metrics` and fails the test on any finding.
 * promtool is required (`.ci/run` installs Debian's prometheus package): a missing binary fails
 * loudly rather than skipping the check.
 */
export function expectPromtoolClean(exposition: string): void {
  const result = spawnSync('promtool', ['check', 'metrics'], {
    input: exposition,
    encoding: 'utf8',
  });
  if (result.error) throw new Error(`promtool could not run: ${result.error.message}`);
  expect({ status: result.status, findings: `${result.stdout}${result.stderr}`.trim() }).toEqual({
    status: 0,
    findings: '',
  });
}
