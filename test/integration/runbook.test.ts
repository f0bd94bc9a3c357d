/**
 * GET /runbook with the whole exporter in process (startExporter, real HTTP): docs/runbook.md as
 * HTML with GitHub's heading anchors, under the status page's headers, read once at start-up; and
 * what happens when the file cannot be read (a clear log line, a 503 page, everything else up).
 */
import * as fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { startExporter, type RunningExporter } from '../../src/exporter.js';
import { STATUS_PAGE_CSP } from '../../src/http/statusRoutes.js';
import { systemTimers } from '../../src/timers.js';
import { captureLogs, type LogCapture } from '../helpers/unit-logCapture.js';

const RUNBOOK_PATH = fileURLToPath(new URL('../../docs/runbook.md', import.meta.url));

async function start(
  runbookPath: string,
  readFile: typeof fs.readFile = fs.readFile,
): Promise<{ exporter: RunningExporter; url: string; logs: LogCapture }> {
  const logs = captureLogs();
  const exporter = await startExporter({
    config: loadConfig({ PORT: '0', HOST: '127.0.0.1', STATE_FILE: '', LOG_LEVEL: 'debug' }),
    clock: systemClock,
    logger: logs.logger,
    fs: { ...fs, readFile },
    build: { version: 'test', revision: 'test', nodejsVersion: 'test' },
    replica: 'test',
    fetch,
    timers: systemTimers,
    random: () => 0.5,
    runbookPath,
  });
  return { exporter, url: `http://127.0.0.1:${exporter.address.port}`, logs };
}

describe('GET /runbook', () => {
  let running: Awaited<ReturnType<typeof start>>;
  let reads: string[];

  beforeAll(async () => {
    reads = [];
    running = await start(RUNBOOK_PATH, ((path: string, options: BufferEncoding) => {
      reads.push(path);
      return fs.readFile(path, options);
    }) as typeof fs.readFile);
  });
  afterAll(() => running.exporter.close());

  it("serves docs/runbook.md as HTML with GitHub's anchors, one per alert section", async () => {
    const response = await fetch(`${running.url}/runbook`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    // Headings as GitHub names them: lower case, spaces to hyphens.
    expect(html).toContain('<h2 id="common-checks">Common checks</h2>');
    expect(html).toContain('<h2 id="exotelstatuscritical">ExotelStatusCritical</h2>');
    const markdown = await fs.readFile(RUNBOOK_PATH, 'utf8');
    const alertHeadings = [...markdown.matchAll(/^## (Exotel\w+)$/gm)].map((m) => m[1] ?? '');
    expect(alertHeadings.length).toBeGreaterThan(10);
    for (const name of alertHeadings) {
      expect(html).toContain(`<h2 id="${name.toLowerCase()}">${name}</h2>`);
    }
    // Markdown rendered, not shown raw: code blocks and inline code.
    expect(html).toMatch(/<pre><code class="language-sh">/);
    expect(html).not.toMatch(/^## /m);
    // Links into the repository would not resolve on the exporter: their text stays, unlinked.
    expect(markdown).toContain('](../alerts/exotel.rules.yml)');
    expect(html).not.toContain('href="../');
    expect(html).toContain('<code>alerts/exotel.rules.yml</code>');
    // The status page's frame and style sheet, and a way back to it.
    expect(html).toContain('<link rel="stylesheet" href="status.css">');
    expect(html).toContain('<a href="./">Status page</a>');
  });

  it("answers with the status page's protection headers", async () => {
    const response = await fetch(`${running.url}/runbook`);
    expect(response.headers.get('content-security-policy')).toBe(STATUS_PAGE_CSP);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('reads the file once, at start-up, not per request', async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${running.url}/runbook`)).status).toBe(200);
    expect(reads.filter((path) => path === RUNBOOK_PATH)).toHaveLength(1);
  });

  it('answers other methods with 405', async () => {
    const response = await fetch(`${running.url}/runbook`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('GET /runbook when docs/runbook.md cannot be read', () => {
  it('says so in the log (naming the path) and on the page, and the exporter serves on', async () => {
    const missing = fileURLToPath(new URL('../../docs/no-such-runbook.md', import.meta.url));
    const { exporter, url, logs } = await start(missing);
    try {
      const response = await fetch(`${url}/runbook`);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-security-policy')).toBe(STATUS_PAGE_CSP);
      expect(await response.text()).toContain('<h1>Runbook unavailable</h1>');
      const line = logs.lines().find((l) => String(l['msg']).startsWith('runbook unavailable'));
      expect(line).toMatchObject({ level: 'warn', runbookPath: missing });
      expect(JSON.stringify(line)).toContain('ENOENT');
      expect((await fetch(`${url}/metrics`)).status).toBe(200);
      expect((await fetch(`${url}/-/ready`)).status).toBe(200);
    } finally {
      await exporter.close();
    }
  });
});
