/**
 * values.yaml documents every value, and README.md's "Chart values" table is exactly what
 * scripts/chart-values-table.js generates from it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  README,
  valueRows,
  valuesTable,
  VALUES_FILE,
  withTable,
} from '../../scripts/chart-values-table.js';

const values = readFileSync(VALUES_FILE, 'utf8');

describe('the chart values table', () => {
  it('is up to date in README.md (npm run generate)', async () => {
    const readme = readFileSync(README, 'utf8');
    expect(withTable(readme, await valuesTable(values))).toBe(readme);
  });

  it('has a row for every documented value, each with a description', () => {
    const rows = valueRows(values);
    expect(rows.length).toBeGreaterThan(60);
    for (const row of rows) expect(row.description.length, row.key).toBeGreaterThan(10);
    expect(rows.map((r) => r.key)).toEqual(
      expect.arrayContaining(['replicaCount', 'serviceMonitor.sampleLimit', 'ingress.hosts']),
    );
  });

  it('refuses a value without a description', () => {
    expect(() => valueRows('# -- documented\na: 1\nsection:\n  b: 2\n')).toThrow(
      'values.yaml: section.b has no "# -- " description',
    );
  });
});
