import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

/**
 * Pipes an exposition through `promtool check metrics` and fails the test on any finding.
 * promtool is required (`.ci/run` installs Debian's prometheus package): a missing binary fails
 * loudly rather than skipping the check.
 *
 * An exposition that differs from one already found clean only in its sample values is not
 * checked again: promtool's findings come from names, HELP, TYPE and label names (promlint) and
 * from whether the text parses, never from a well-formed value. Integration tests scrape before
 * and after every request, so this saves hundreds of promtool runs per file; a value that is not
 * a well-formed number keeps its own text in the key, so promtool still sees it.
 */
export function expectPromtoolClean(exposition: string): void {
  const key = shape(exposition);
  if (clean.has(key)) return;
  const result = spawnSync('promtool', ['check', 'metrics'], {
    input: exposition,
    encoding: 'utf8',
  });
  if (result.error) throw new Error(`promtool could not run: ${result.error.message}`);
  expect({ status: result.status, findings: `${result.stdout}${result.stderr}`.trim() }).toEqual({
    status: 0,
    findings: '',
  });
  clean.add(key);
}

/** Shapes (below) of expositions promtool found clean in this test file. */
const clean = new Set<string>();

/**
 * A sample value at the end of a line that every exposition parser takes: a float well inside
 * a double's range (at most 30+30 digits, a two-digit exponent), ±Inf or NaN.
 */
const WELL_FORMED_VALUE =
  / (?:[+-]?(?:\d{1,30}(?:\.\d{0,30})?|\.\d{1,30})(?:[eE][+-]?\d{1,2})?|[+-]?Inf|NaN)$/;

/** The exposition with each well-formed sample value replaced by `#`. */
function shape(exposition: string): string {
  return exposition
    .split('\n')
    .map((line) => (line.startsWith('#') ? line : line.replace(WELL_FORMED_VALUE, ' #')))
    .join('\n');
}
