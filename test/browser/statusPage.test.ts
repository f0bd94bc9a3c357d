/**
 * The status page in a real browser (Debian's chromium via playwright-core) against the whole
 * exporter (in process, as main.ts starts it): what a person sees, in the order they see it, with no console errors and no
 * Content-Security-Policy violations.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchBrowser, watchedPage, type WatchedPage } from '../helpers/browser.js';
import {
  startExporterInProcess,
  stopAllInProcess,
  type ExporterInProcess,
} from '../helpers/exporterInProcess.js';
import { heartbeat, heartbeatUrl, iso, postHeartbeat, waitFor } from '../helpers/http.js';

const DOCS_SCREENSHOT = fileURLToPath(new URL('../../docs/status-page.png', import.meta.url));
const GRAFANA_URL = 'https://grafana.example.com/d/exotel-heartbeat/exotel-heartbeat?orgId=1';

let browser: Browser;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser.close();
  await stopAllInProcess();
});

/** Every page a test opened must have been free of console errors and CSP violations. */
afterEach(async () => {
  const pages = opened.splice(0);
  for (const { page } of pages) await page.context().close();
  expect(pages.flatMap((p) => p.problems)).toEqual([]);
});

async function open(url: string, viewport?: { width: number; height: number }): Promise<Page> {
  const watched = await watchedPage(browser, viewport);
  opened.push(watched);
  const response = await watched.page.goto(url);
  expect(response?.status()).toBe(200);
  return watched.page;
}

async function post(base: string, account: string, body: Parameters<typeof postHeartbeat>[1]) {
  return postHeartbeat(heartbeatUrl(base, account), body);
}

/** Cell texts of a table's body rows. */
async function rows(page: Page, selector: string): Promise<string[][]> {
  const out: string[][] = [];
  for (const row of await page.locator(`${selector} tbody tr`).all()) {
    out.push((await row.locator('td').allInnerTexts()).map((text) => text.trim()));
  }
  return out;
}

/** Text as a person reads it: badges laid out side by side read as words separated by spaces. */
async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).innerText()).replace(/\s+/g, ' ').trim();
}

async function backgroundColor(page: Page, selector: string): Promise<unknown> {
  // A string expression, not a function: the tests compile without the DOM library.
  return page.evaluate(
    `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).backgroundColor`,
  );
}

describe('an incident as on-call sees it', () => {
  let exporter: ExporterInProcess;
  // Heartbeats of the last 20 minutes, so ages read as they would in production.
  const now = Math.floor(Date.now() / 1000);
  const [t1, t2, t3] = [now - 1200, now - 600, now - 60];

  beforeAll(async () => {
    exporter = await startExporterInProcess({ GRAFANA_URL });
    const base = exporter.url;
    const phones = {
      '07930061010': '+917930061010',
      '08030752522': '+918030752522',
    };
    const acme = [
      heartbeat({ timestamp: iso(t1), status: 'CRITICAL', incoming: ['07930061010'], phones }),
      heartbeat({
        timestamp: iso(t2),
        status: 'CRITICAL',
        incoming: ['07930061010', '08030752522'],
        outgoing: ['08030752522'],
        phones,
      }),
      heartbeat({
        timestamp: iso(t3),
        status: 'CRITICAL',
        // Listed first, affected last: the page orders by how long, not by the heartbeat.
        incoming: ['02248906100', '08030752522', '07930061010'],
        outgoing: ['08030752522'],
        phones,
      }),
    ] as const;
    for (const body of acme) expect((await post(base, 'acme', body)).status).toBe(200);
    expect(JSON.parse((await post(base, 'acme', acme[2])).text)).toEqual({ result: 'duplicate' });
    expect(JSON.parse((await post(base, 'acme', acme[1])).text)).toEqual({
      result: 'out_of_order',
    });
    // The vendor's documented quirk: a trailing comma inside an object, repaired and counted.
    const quirky = `{"timestamp":"${iso(t3)}","status_type":"WARNING","incoming_affected":["04439593000"],"outgoing_affected":null,"data":{"04439593000":{"phone_number":"+914439593000",}}}`;
    expect((await post(base, 'support', quirky)).status).toBe(200);
    expect((await post(base, 'calm', heartbeat({ timestamp: iso(t3), status: 'OK' }))).status).toBe(
      200,
    );
    const wrongType = await postHeartbeat(heartbeatUrl(base, 'calm'), '{}', {
      'content-type': 'text/plain',
    });
    expect(wrongType.status).toBe(415);
    const badTime = await post(base, 'support', {
      ...heartbeat({ timestamp: iso(t3), status: 'OK' }),
      timestamp: 'yesterday',
    });
    expect(badTime.status).toBe(400);
  });

  it('shows each account with its status in words and colour, the urgent ones first', async () => {
    const page = await open(`${exporter.url}/`);
    expect(await page.title()).toBe('2 need attention · Exotel heartbeat exporter');
    const headings = await page.locator('section.account h2').allInnerTexts();
    expect(headings.map((h) => h.replace(/\s+/g, ' ').trim())).toEqual([
      'Account acme CRITICAL on time',
      'Account support WARNING on time',
      'Account calm OK on time',
      'Account default NO HEARTBEAT YET never received',
    ]);
    // The colours come from the style sheet, so this also proves the CSP let it load.
    expect(await backgroundColor(page, '#account-acme .status')).toBe('rgb(176, 0, 32)');
    expect(await backgroundColor(page, '#account-support .status')).toBe('rgb(255, 179, 0)');
    expect(await backgroundColor(page, '#account-calm .status')).toBe('rgb(30, 123, 52)');

    const acme = page.locator('#account-acme');
    await expect(acme.innerText()).resolves.toMatch(
      /Last heartbeat received .* UTC, \d+s ago \(expected every 5m\)/,
    );
    await expect(acme.innerText()).resolves.toContain(
      'Affected ExoPhones: 3 incoming · 1 outgoing',
    );
    expect(await rows(page, 'table.overview')).toEqual([
      ['acme', 'CRITICAL', 'on time', expect.stringMatching(/^\d+s ago$/), '3', '1'],
      ['support', 'WARNING', 'on time', expect.stringMatching(/^\d+s ago$/), '1', '0'],
      ['calm', 'OK', 'on time', expect.stringMatching(/^\d+s ago$/), '0', '0'],
      ['default', 'NO HEARTBEAT YET', 'never received', 'never', '0', '0'],
    ]);
  });

  it('lists the affected ExoPhones longest-affected first, with since and for how long', async () => {
    const page = await open(`${exporter.url}/`);
    const table = await rows(page, '#account-acme table.affected');
    expect(table.map((cells) => cells.slice(0, 4))).toEqual([
      ['07930061010', '+917930061010', 'incoming', expect.stringMatching(/^2\dm \d+s$/)],
      ['08030752522', '+918030752522', 'incoming', expect.stringMatching(/^1\dm \d+s$/)],
      ['08030752522', '+918030752522', 'outgoing', expect.stringMatching(/^1\dm \d+s$/)],
      ['02248906100', 'unknown', 'incoming', expect.stringMatching(/^\d+m \d+s$|^\d+s$/)],
    ]);
    expect(table.map((cells) => cells[4])).toEqual([
      `${iso(t1).replace('T', ' ').replace('Z', '')} UTC`,
      `${iso(t2).replace('T', ' ').replace('Z', '')} UTC`,
      `${iso(t2).replace('T', ' ').replace('Z', '')} UTC`,
      `${iso(t3).replace('T', ' ').replace('Z', '')} UTC`,
    ]);
    expect(await page.locator('#account-calm').innerText()).toContain('No affected ExoPhones.');
  });

  it('lists the recent heartbeats newest first with what happened to each', async () => {
    const page = await open(`${exporter.url}/`);
    const recent = await rows(page, 'table.recent');
    // Received, account, HTTP, outcome (+ detail), status, in, out, body size.
    expect(recent.map((cells) => cells.slice(1))).toEqual([
      [
        'support',
        '400',
        'rejected: invalid_payload\ninvalid field: timestamp',
        '—',
        '—',
        '—',
        expect.stringMatching(/^\d+ B$/),
      ],
      [
        'calm',
        '415',
        expect.stringMatching(/^rejected: unsupported_media_type\n/),
        '—',
        '—',
        '—',
        '—',
      ],
      ['calm', '200', 'applied', 'OK', '0', '0', expect.stringMatching(/^\d+ B$/)],
      [
        'support',
        '200',
        'applied\nrepaired: trailing_comma',
        'WARNING',
        '1',
        '0',
        expect.stringMatching(/^\d+ B$/),
      ],
      [
        'acme',
        '200',
        'out of order (older; ignored)',
        'CRITICAL',
        '2',
        '1',
        expect.stringMatching(/^\d+ B$/),
      ],
      [
        'acme',
        '200',
        'duplicate (a retry; no change)',
        'CRITICAL',
        '3',
        '1',
        expect.stringMatching(/^\d+ B$/),
      ],
      ['acme', '200', 'applied', 'CRITICAL', '3', '1', expect.stringMatching(/^\d+ B$/)],
      ['acme', '200', 'applied', 'CRITICAL', '2', '1', expect.stringMatching(/^\d+ B$/)],
      ['acme', '200', 'applied', 'CRITICAL', '1', '0', expect.stringMatching(/^\d+ B$/)],
    ]);
    for (const cells of recent) expect(cells[0]).toMatch(/^\d\d:\d\d:\d\d \d+s ago$/);
  });

  it('links /metrics, the runbook section for each account and the Grafana dashboard', async () => {
    const page = await open(`${exporter.url}/`);
    // Relative: the exporter serves the runbook itself (GET /runbook).
    const runbook = 'runbook';
    expect(await page.locator('#account-acme a', { hasText: 'Runbook' }).getAttribute('href')).toBe(
      `${runbook}#exotelstatuscritical`,
    );
    expect(await page.locator('nav a', { hasText: 'Runbook' }).getAttribute('href')).toBe(runbook);
    expect(await page.locator('nav a', { hasText: 'Grafana' }).getAttribute('href')).toBe(
      GRAFANA_URL,
    );
    expect(
      await page.locator('#account-support a', { hasText: 'Grafana' }).getAttribute('href'),
    ).toBe(`${GRAFANA_URL}&var-account=support`);

    await page.locator('nav a', { hasText: 'Metrics' }).click();
    await page.waitForURL(`${exporter.url}/metrics`);
    expect(await page.locator('body').innerText()).toContain(
      'exotel_heartbeat_status{account="acme",status="CRITICAL"} 1',
    );

    // The account's runbook link lands on its section of the served runbook, styled.
    await page.goBack();
    await page.locator('#account-acme a', { hasText: 'Runbook' }).click();
    await page.waitForURL(`${exporter.url}/runbook#exotelstatuscritical`);
    const section = page.locator('#exotelstatuscritical');
    expect(await page.locator('h2#exotelstatuscritical').count()).toBe(1);
    expect(await section.innerText()).toBe('ExotelStatusCritical');
    // status.css applied under the page's CSP: code blocks scroll instead of widening the page.
    expect(await page.evaluate(`getComputedStyle(document.querySelector('pre')).overflowX`)).toBe(
      'auto',
    );
  });

  it('turns auto-refresh off and on again with plain links', async () => {
    const page = await open(`${exporter.url}/`);
    const refresh = page.locator('meta[http-equiv="refresh"]');
    expect(await refresh.getAttribute('content')).toBe('30');
    expect(await page.locator('#refresh-state').innerText()).toBe('Reloads every 30s');

    await page.locator('#refresh-toggle').click();
    await page.waitForURL(`${exporter.url}/?refresh=0`);
    expect(await refresh.count()).toBe(0);
    expect(await page.locator('#refresh-state').innerText()).toBe('Auto-refresh is off');

    await page.locator('#refresh-toggle').click();
    await page.waitForURL(`${exporter.url}/?`);
    expect(await refresh.getAttribute('content')).toBe('30');
  });

  it('reads on a phone without sideways scrolling of the page itself', async () => {
    const page = await open(`${exporter.url}/?refresh=0`, { width: 390, height: 844 });
    const pageWidth = await page.evaluate('document.documentElement.scrollWidth');
    expect(pageWidth).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'status-page-phone.png'), fullPage: true });
  });

  it('saves a screenshot (and refreshes docs/status-page.png when UPDATE_DOCS_SCREENSHOT=1)', async () => {
    // The default view, auto-refresh on: a 30 s reload cannot land within this test.
    const page = await open(`${exporter.url}/`, { width: 1100, height: 900 });
    const path = join(ARTIFACTS_DIR, 'status-page.png');
    await page.screenshot({ path, fullPage: true });
    if (process.env['UPDATE_DOCS_SCREENSHOT'] === '1') copyFileSync(path, DOCS_SCREENSHOT);
  });
});

describe('hostile input', () => {
  let exporter: ExporterInProcess;

  beforeAll(async () => {
    exporter = await startExporterInProcess();
  });

  it('is refused, and the refusal shows on the page as text, never as markup', async () => {
    const base = exporter.url;
    const t = Math.floor(Date.now() / 1000) - 60;
    const hostileAccount = '<img src=x onerror=alert(1)>';
    const byAccount = await postHeartbeat(
      `${base}/heartbeat/${encodeURIComponent(hostileAccount)}`,
      heartbeat({ timestamp: iso(t), status: 'OK' }),
    );
    expect(byAccount.status).toBe(400);
    const bySid = await post(
      base,
      'victim',
      heartbeat({ timestamp: iso(t), status: 'CRITICAL', incoming: ['<script>alert(2)</script>'] }),
    );
    expect(bySid.status).toBe(400);
    expect(JSON.parse(bySid.text)).toEqual({
      error: 'invalid_payload',
      detail: 'invalid field: incoming_affected[0]',
    });
    const byDataKey = await post(base, 'victim', {
      ...heartbeat({ timestamp: iso(t), status: 'CRITICAL', incoming: ['ok-sid'] }),
      data: { '<b>bold</b>': { phone_number: '+911' }, 'ok-sid': { phone_number: '+912' } },
    });
    expect(byDataKey.status).toBe(400);
    const byPhone = await post(
      base,
      'victim',
      heartbeat({
        timestamp: iso(t),
        status: 'CRITICAL',
        incoming: ['ok-sid'],
        phones: { 'ok-sid': '<svg onload=alert(3)>' },
      }),
    );
    expect(byPhone.status).toBe(400);
    // A valid heartbeat for the same account still lands.
    expect(
      (await post(base, 'victim', heartbeat({ timestamp: iso(t), status: 'OK' }))).status,
    ).toBe(200);

    const watched = await watchedPage(browser);
    opened.push(watched);
    const dialogs: string[] = [];
    watched.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await watched.page.goto(`${base}/?refresh=0`);
    const page = watched.page;

    const recent = await rows(page, 'table.recent');
    expect(recent.map((cells) => [cells[1], cells[2], cells[3]])).toEqual([
      ['victim', '200', 'applied'],
      [
        'victim',
        '400',
        expect.stringMatching(
          /^rejected: invalid_payload\ninvalid field: data\["ok-sid"\]\.phone_number$/,
        ),
      ],
      [
        'victim',
        '400',
        expect.stringMatching(/^rejected: invalid_payload\ninvalid field: data\[<invalid key>\]$/),
      ],
      ['victim', '400', 'rejected: invalid_payload\ninvalid field: incoming_affected[0]'],
      [hostileAccount, '400', expect.stringMatching(/^rejected: invalid_account\n/)],
    ]);
    // The attempted account and the detail with angle brackets are text, not elements.
    expect(await page.locator('img, script, svg, b, iframe, object').count()).toBe(0);
    expect(await page.getByText(hostileAccount, { exact: true }).count()).toBe(1);
    expect(await page.content()).not.toContain('<img src=x');
    expect(dialogs).toEqual([]);
  });
});

describe('heartbeats that stop, and a page that refreshes itself', () => {
  let exporter: ExporterInProcess;

  beforeAll(async () => {
    // A one-second interval, so "missing" (three intervals) arrives within the test.
    exporter = await startExporterInProcess({ HEARTBEAT_INTERVAL_SECONDS: '1' });
  });

  it('marks an account MISSING once three intervals pass without a heartbeat', async () => {
    const t = Math.floor(Date.now() / 1000) - 5;
    expect(
      (await post(exporter.url, 'quiet', heartbeat({ timestamp: iso(t), status: 'OK' }))).status,
    ).toBe(200);
    const watched = await watchedPage(browser);
    opened.push(watched);
    const page = watched.page;
    await waitFor('the account to be shown as MISSING', async () => {
      await page.goto(`${exporter.url}/?refresh=0`);
      return (await text(page, '#account-quiet h2')) === 'Account quiet OK MISSING';
    });
    expect(await page.locator('#account-quiet').innerText()).toContain(
      'Missing: more than 3s without one; the status shown is the last one known.',
    );
    expect(await backgroundColor(page, '#account-quiet .fresh')).toBe('rgb(176, 0, 32)');
    expect(await page.locator('#account-quiet a', { hasText: 'Runbook' }).innerText()).toBe(
      'Runbook: ExotelHeartbeatMissing',
    );
  });

  it('reloads by itself, showing a heartbeat that arrived after it was opened', async () => {
    const page = await open(`${exporter.url}/?refresh=5`);
    expect(await page.locator('#account-later').count()).toBe(0);
    const reloaded = page.waitForEvent('framenavigated', { timeout: 15_000 });
    const t = Math.floor(Date.now() / 1000);
    expect(
      (await post(exporter.url, 'later', heartbeat({ timestamp: iso(t), status: 'WARNING' })))
        .status,
    ).toBe(200);
    await reloaded;
    await page.waitForLoadState('load');
    expect(await text(page, '#account-later h2')).toMatch(/^Account later WARNING/);
    expect(page.url()).toBe(`${exporter.url}/?refresh=5`);
  });
});
