/**
 * Every alert's runbook_url resolves: the mixin renders the rules with `_config.runbookURLPattern`
 * pointed at a live exporter's `/runbook#%s` (as README "Alerts" tells users to), and each
 * alert's URL answers 200 with a page that has the element its anchor names. The exporter runs
 * in process (startExporter, real HTTP) with the repository's docs/runbook.md.
 */
import * as fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { startExporter, type RunningExporter } from '../../src/exporter.js';
import { systemTimers } from '../../src/timers.js';
import { renderMixin } from '../helpers/mixin.js';
import { captureLogs } from '../helpers/unit-logCapture.js';

/** The alerts' runbook URLs in the rules the mixin renders with this runbookURLPattern. */
function runbookUrls(runbookURLPattern: string): Map<string, string> {
  const { alertGroups } = renderMixin({ runbookURLPattern });
  return new Map(
    alertGroups
      .flatMap((group) => group.rules)
      .map((rule) => [rule.alert ?? '', rule.annotations?.['runbook_url'] ?? '']),
  );
}

describe("every alert's runbook_url, pointed at a live exporter", () => {
  let exporter: RunningExporter;
  let base = '';

  beforeAll(async () => {
    exporter = await startExporter({
      config: loadConfig({ PORT: '0', HOST: '127.0.0.1', STATE_FILE: '' }),
      clock: systemClock,
      logger: captureLogs().logger,
      fs,
      build: { version: 'test', revision: 'test', nodejsVersion: 'test' },
      replica: 'test',
      fetch,
      timers: systemTimers,
      random: () => 0.5,
      runbookPath: fileURLToPath(new URL('../../docs/runbook.md', import.meta.url)),
    });
    base = `http://127.0.0.1:${exporter.address.port}`;
  });
  afterAll(() => exporter.close());

  it('answers, and the page has the section its anchor names', async () => {
    const urls = runbookUrls(`${base}/runbook#%s`);
    expect(urls.size).toBeGreaterThan(10);
    const pages = new Map<string, string>();
    for (const [alert, url] of urls) {
      const { origin, pathname, hash } = new URL(url);
      expect(`${origin}${pathname}`).toBe(`${base}/runbook`);
      // The anchor is the alert name in lower case: what GitHub names the `## <alert>` heading.
      expect(hash).toBe(`#${alert.toLowerCase()}`);
      let html = pages.get(pathname);
      if (html === undefined) {
        const response = await fetch(url);
        expect([alert, response.status]).toEqual([alert, 200]);
        html = await response.text();
        pages.set(pathname, html);
      }
      expect(html, alert).toContain(`id="${hash.slice(1)}"`);
    }
  });
});
