/**
 * The chart's rules and dashboard are generated (scripts/generate-chart-files.js), never kept by
 * hand: the files in charts/exotel-heartbeat-exporter/files/ must be exactly what the generator
 * writes from the one source.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CHART_FILES,
  chartFiles,
  chartRules,
  SELECTOR_PLACEHOLDER,
} from '../../scripts/generate-chart-files.js';

describe('generated chart files', () => {
  it.each(Object.entries(chartFiles()))(
    '%s is up to date (node scripts/generate-chart-files.js)',
    (name, content) => {
      expect(readFileSync(join(CHART_FILES, name), 'utf8')).toBe(content);
    },
  );

  it('every job selector of the rules becomes the placeholder, in block literals', () => {
    const text = chartRules(
      'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up{job="exotel-heartbeat-exporter"} == 0\n',
    );
    expect(text).toContain(`expr: |\n          up{${SELECTOR_PLACEHOLDER}} == 0\n`);
    // Substituting a selector with quotes keeps the YAML valid and the expression intact.
    const substituted = text.replaceAll(SELECTOR_PLACEHOLDER, 'job="x",namespace="y"');
    expect(parse(substituted)).toEqual({
      groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up{job="x",namespace="y"} == 0\n' }] }],
    });
    expect(() => chartRules('groups:\n  - name: g\n    rules: []\n')).toThrow(
      'no job="exotel-heartbeat-exporter" selector',
    );
  });
});
