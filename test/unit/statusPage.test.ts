import { describe, expect, it } from 'vitest';
import type { AccountState } from '../../src/state/account.js';
import { Store, type AccountCounters, type StoreSnapshot } from '../../src/state/store.js';
import {
  escapeHtml,
  formatAge,
  MAX_ROWS_PER_ACCOUNT,
  renderStatusPage,
} from '../../src/ui/statusPage.js';
import { at, heartbeat } from '../helpers/unit-heartbeats.js';

const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 0);
const T = at('2024-05-01T11:58:00Z');
const limits = { maxAccounts: 10, futureToleranceSeconds: 300 };

const ZERO: AccountCounters = {
  received: { OK: 0, WARNING: 0, CRITICAL: 0, PAYLOAD_TOO_LARGE: 0 },
  duplicate: 0,
  outOfOrder: 0,
  conflict: 0,
};

/** A snapshot built by hand, for content that validation would never let in. */
function snapshotOf(accounts: Record<string, AccountState>): StoreSnapshot {
  return {
    version: 1,
    accounts: new Map(Object.entries(accounts).map(([a, state]) => [a, { state, counters: ZERO }])),
  };
}

function section(html: string, account: string): string {
  const start = html.indexOf(`Account ${account} `);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = html.indexOf('</section>', start);
  return html.slice(start, end);
}

describe('escapeHtml', () => {
  it.each([
    ['<script>alert("x")</script>', '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'],
    ["it's & more", 'it&#39;s &amp; more'],
    ['&lt;', '&amp;lt;'],
    ['plain', 'plain'],
  ])('%j → %j', (text, escaped) => {
    expect(escapeHtml(text)).toBe(escaped);
  });
});

describe('renderStatusPage', () => {
  it('is an HTML page linking to the metrics', () => {
    const html = renderStatusPage(new Store(limits).snapshot(), NOW_MS);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toMatch(/<a href="\.?\/?metrics">/);
  });

  it('shows an empty default account as having no heartbeat yet, never received', () => {
    const html = renderStatusPage(new Store(limits).snapshot(), NOW_MS);
    const part = section(html, 'default');
    expect(part).toContain('no heartbeat yet');
    expect(part).toContain('never');
    expect(part).toMatch(/incoming: 0/);
    expect(part).toMatch(/outgoing: 0/);
  });

  it('shows status, counts, age and one row per affected SID and direction', () => {
    const store = new Store(limits);
    store.apply(
      'acme',
      heartbeat({
        timestamp: T,
        status: 'CRITICAL',
        incoming: ['sid-1', 'sid-2'],
        outgoing: ['sid-1'],
        phones: { 'sid-1': '+911111', 'sid-2': '+912222' },
      }),
      NOW_MS - 90_000,
    );
    const html = renderStatusPage(store.snapshot(), NOW_MS);
    const part = section(html, 'acme');
    expect(part).toContain('CRITICAL');
    expect(part).toMatch(/incoming: 2/);
    expect(part).toMatch(/outgoing: 1/);
    expect(part).toContain('1m 30s ago');
    expect(part.match(/<tr><td>/g)).toHaveLength(3);
    expect(part).toContain('<td>sid-1</td><td>+911111</td><td>incoming</td>');
    expect(part).toContain('<td>sid-2</td><td>+912222</td><td>incoming</td>');
    expect(part).toContain('<td>sid-1</td><td>+911111</td><td>outgoing</td>');
    // affected since T, two minutes before NOW
    expect(part).toContain('<td>2m 0s</td>');
    expect(part).not.toMatch(/more/);
  });

  it('escapes everything that comes from outside', () => {
    const evil = '<img src=x onerror="alert(1)">';
    const state: AccountState = {
      applied: { timestamp: T, status: 'WARNING' },
      details: {
        timestamp: T,
        since: { incoming: new Map([[evil, T.seconds]]), outgoing: new Map() },
        phones: new Map([[evil, `${evil}&`]]),
      },
      lastReceivedMs: NOW_MS,
    };
    const html = renderStatusPage(snapshotOf({ [`acct<b>`]: state }), NOW_MS);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).toContain(escapeHtml(evil));
    expect(html).toContain('acct&lt;b&gt;');
  });

  it(`caps rows at MAX_ROWS_PER_ACCOUNT (${MAX_ROWS_PER_ACCOUNT}) and says how many more there are`, () => {
    const extra = 37;
    const sids = Array.from({ length: MAX_ROWS_PER_ACCOUNT + extra }, (_, i) => `sid-${i}`);
    const store = new Store(limits);
    store.apply('default', heartbeat({ timestamp: T, status: 'CRITICAL', incoming: sids }), NOW_MS);
    const part = section(renderStatusPage(store.snapshot(), NOW_MS), 'default');
    expect(part.match(/<tr><td>/g)).toHaveLength(MAX_ROWS_PER_ACCOUNT);
    expect(part).toMatch(new RegExp(`${extra} more`));
    expect(part).toMatch(new RegExp(`incoming: ${MAX_ROWS_PER_ACCOUNT + extra}`));
  });

  it('shows exactly MAX_ROWS_PER_ACCOUNT rows without a "more" note', () => {
    const sids = Array.from({ length: MAX_ROWS_PER_ACCOUNT }, (_, i) => `sid-${i}`);
    const store = new Store(limits);
    store.apply('default', heartbeat({ timestamp: T, status: 'CRITICAL', incoming: sids }), NOW_MS);
    const part = section(renderStatusPage(store.snapshot(), NOW_MS), 'default');
    expect(part.match(/<tr><td>/g)).toHaveLength(MAX_ROWS_PER_ACCOUNT);
    expect(part).not.toMatch(/more/);
  });

  it('says when the list is older detail kept through PAYLOAD_TOO_LARGE', () => {
    const store = new Store(limits);
    store.apply(
      'default',
      heartbeat({ timestamp: T, status: 'WARNING', incoming: ['a'] }),
      NOW_MS - 60_000,
    );
    store.apply(
      'default',
      heartbeat({ timestamp: at('2024-05-01T11:59:00Z'), status: 'PAYLOAD_TOO_LARGE' }),
      NOW_MS,
    );
    const part = section(renderStatusPage(store.snapshot(), NOW_MS), 'default');
    expect(part).toContain('PAYLOAD_TOO_LARGE');
    expect(part).toContain('2024-05-01T11:58:00');
    expect(part.match(/<tr><td>/g)).toHaveLength(1);
  });

  it('lists every account', () => {
    const store = new Store(limits);
    store.apply('one', heartbeat({ timestamp: T, status: 'OK' }), NOW_MS);
    store.apply('two', heartbeat({ timestamp: T, status: 'WARNING', incoming: ['x'] }), NOW_MS);
    const html = renderStatusPage(store.snapshot(), NOW_MS);
    expect(section(html, 'one')).toContain('No affected ExoPhones');
    expect(section(html, 'two')).toContain('<td>x</td>');
    expect(section(html, 'default')).toContain('no heartbeat yet');
  });
});

describe('formatAge', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m 0s'],
    [90_000, '1m 30s'],
    [3_600_000, '1h 0m'],
    [47 * 3_600_000 + 59 * 60_000, '47h 59m'],
    [48 * 3_600_000, '2d 0h'],
    [-5_000, '0s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
