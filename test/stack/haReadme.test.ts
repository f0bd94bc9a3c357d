/**
 * README "High availability" states what test/e2e/ha.test.ts measures: its failure table must
 * list exactly the e2e's steps (test/e2e/haScenarios.ts, the one source for both), in order,
 * with none missed and none duplicated — which is what the e2e asserts after each step (exactly
 * the expected pages and resolves).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HA_STEPS } from '../e2e/haScenarios.js';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

/** The rows of the first table after `heading`, as trimmed cells. */
function tableAfter(heading: string): string[][] {
  const start = README.indexOf(`\n${heading}\n`);
  expect(start, `README has no "${heading}"`).toBeGreaterThanOrEqual(0);
  const lines = README.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe('README "High availability" failure table', () => {
  const [header, separator, ...rows] = tableAfter('### Failures, measured');

  it('has the columns the issue asks for', () => {
    expect(header).toEqual(['failure', 'what happens', 'pages missed', 'pages duplicated']);
    expect(separator?.every((cell) => /^:?-+:?$/.test(cell))).toBe(true);
  });

  it('lists the e2e steps in order, none missed, none duplicated', () => {
    expect(rows).toEqual(HA_STEPS.map((step) => [step.failure, step.happens, '0', '0']));
  });

  it('ends every incident with exactly one page and one resolve, as the e2e asserts', () => {
    const last = HA_STEPS[HA_STEPS.length - 1];
    expect({ pages: last?.pages, resolves: last?.resolves }).toEqual({ pages: 1, resolves: 1 });
    // Pages never go down and never exceed one: a step with two would be a duplicate.
    for (const step of HA_STEPS) expect(step.pages).toBe(1);
  });
});
