/**
 * The README cannot drift from the code: its settings table is the settings table's own rendering
 * (regenerate with `npm run docs:settings`), every setting's flag and variable appears in it, and
 * every metric name the exporter can expose is in its metrics table.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApiMetrics } from '../../src/fallback/apiMetrics.js';
import { createSelfMetrics } from '../../src/metrics/selfMetrics.js';
import { readmeSettingsTable } from '../../src/settings/help.js';
import { SETTINGS } from '../../src/settings/table.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** A markdown table with the cell padding prettier adds removed. */
const normalise = (table: string) =>
  table
    .trim()
    .split('\n')
    .map((line) =>
      line
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replace(/^-+$/, '---'))
        .join('|'),
    )
    .join('\n');

function between(text: string, begin: RegExp, end: string): string {
  const start = begin.exec(text);
  if (start === null) throw new Error(`README has no ${String(begin)}`);
  const from = start.index + start[0].length;
  const to = text.indexOf(end, from);
  if (to === -1) throw new Error(`README has no ${end}`);
  return text.slice(from, to);
}

describe('README settings table', () => {
  const table = between(README, /<!-- settings:begin[^>]*-->/, '<!-- settings:end -->');

  it('is the settings table as generated (npm run docs:settings)', () => {
    expect(normalise(table)).toBe(normalise(readmeSettingsTable()));
  });

  it('names every flag and variable', () => {
    for (const spec of Object.values(SETTINGS)) {
      expect(table).toContain(`\`--${spec.flag}\``);
      for (const variable of spec.env) expect(table).toContain(`\`${variable}\``);
    }
  });
});

/** Every `exotel_*` metric name as a string literal in src/: what the exporter can expose. */
function metricNamesInSource(dir = join(ROOT, 'src')): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      for (const name of metricNamesInSource(path)) names.add(name);
    } else if (entry.name.endsWith('.ts')) {
      for (const match of readFileSync(path, 'utf8').matchAll(/['"`](exotel_[a-z_]+)['"`]/g)) {
        if (match[1] !== undefined) names.add(match[1]);
      }
    }
  }
  return names;
}

describe('README metrics table', () => {
  const section = between(README, /^## Metrics$/m, '\n## ');
  const documented = new Set(
    [...section.matchAll(/^\| `(exotel_[a-z_]+)`/gm)].map((m) => m[1] ?? ''),
  );
  const inSource = metricNamesInSource();

  it('documents every metric name the source can expose, and nothing else', () => {
    expect(inSource.size).toBeGreaterThan(25);
    expect([...inSource].filter((name) => !documented.has(name)).sort()).toEqual([]);
    expect([...documented].filter((name) => !inSource.has(name)).sort()).toEqual([]);
  });

  it('the source scan finds every family the registries really hold', async () => {
    // A cross-check of the scan above: the self and API registries, built for real.
    const self = createSelfMetrics({ version: 'v', revision: 'r', nodejsVersion: 'n' });
    createApiMetrics(self.registry, ['acme']);
    const registered = (await self.families())
      .map((family) => family.name)
      .filter((name) => name.startsWith('exotel_'));
    expect(registered.length).toBeGreaterThan(10);
    for (const name of registered) {
      // prom-client keeps counters' names without `_total` in some paths; accept either.
      expect(inSource.has(name) || inSource.has(`${name}_total`)).toBe(true);
    }
  });
});
