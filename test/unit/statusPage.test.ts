import { describe, expect, it } from 'vitest';
import type { AccountState } from '../../src/state/account.js';
import { Store, type AccountCounters, type StoreSnapshot } from '../../src/state/store.js';
import type { RecentHeartbeat } from '../../src/status/recentHeartbeats.js';
import { escapeHtml } from '../../src/ui/html.js';
import {
  MAX_ROWS_PER_ACCOUNT,
  renderStatusPage,
  type StatusPageOptions,
} from '../../src/ui/statusPage.js';
import { at, heartbeat } from '../helpers/unit-heartbeats.js';
import { detailsFromMaps } from '../helpers/detailMaps.js';

const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 0);
const T = at('2024-05-01T11:58:00Z');
/** Early enough to be applied with a receiver time an hour before NOW. */
const EARLY = at('2024-05-01T10:00:00Z');
const limits = { maxAccounts: 10, futureToleranceSeconds: 300 };
const OPTIONS: StatusPageOptions = {
  heartbeatIntervalSeconds: 300,
  grafanaUrl: null,
  refreshSeconds: 30,
  replica: 'exporter-0',
};

const ZERO: AccountCounters = {
  received: { OK: 0, WARNING: 0, CRITICAL: 0, PAYLOAD_TOO_LARGE: 0 },
  duplicate: 0,
  outOfOrder: 0,
  conflict: 0,
};

function render(
  snapshot: StoreSnapshot,
  recent: readonly RecentHeartbeat[] = [],
  options: Partial<StatusPageOptions> = {},
): string {
  return renderStatusPage(snapshot, recent, NOW_MS, { ...OPTIONS, ...options });
}

/** A snapshot built by hand, for content that validation would never let in. */
function snapshotOf(accounts: Record<string, AccountState>): StoreSnapshot {
  return {
    version: 1,
    accounts: new Map(
      Object.entries(accounts).map(([a, state]) => [
        a,
        {
          state,
          counters: ZERO,
          table: state.details?.table ?? null,
        },
      ]),
    ),
  };
}

function section(html: string, account: string): string {
  const start = html.indexOf(`<h2>Account ${account} `);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = html.indexOf('</section>', start);
  return html.slice(start, end);
}

function recentSection(html: string): string {
  const start = html.indexOf('<h2 id="recent">');
  expect(start).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

function accountOrder(html: string): string[] {
  return [...html.matchAll(/<h2>Account ([^ ]+) /g)].map((m) => m[1] ?? '');
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
  it('is an HTML page with its style sheet, linking to the metrics and the JSON', () => {
    const html = render(new Store(limits).snapshot());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<link rel="stylesheet" href="status.css">');
    expect(html).toMatch(/<a href="metrics">/);
    expect(html).toMatch(/<a href="api\/v1\/status">/);
    // No script and no inline style: the Content-Security-Policy allows neither.
    expect(html).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
  });

  it('names the replica serving the page, escaped', () => {
    const html = render(new Store(limits).snapshot(), [], { replica: 'exporter-1' });
    expect(html).toMatch(
      /<p class="meta">.* · replica <code class="replica">exporter-1<\/code> · /,
    );
    // Configuration refuses such a name; the page escapes whatever it is given all the same.
    expect(render(new Store(limits).snapshot(), [], { replica: '<b>' })).toContain(
      '<code class="replica">&lt;b&gt;</code>',
    );
  });

  it('shows an empty default account as having no heartbeat yet, never received', () => {
    const part = section(render(new Store(limits).snapshot()), 'default');
    expect(part).toContain('<span class="status NONE">NO HEARTBEAT YET</span>');
    expect(part).toContain('<span class="fresh never">never received</span>');
    expect(part).toContain('<strong>never</strong>');
    expect(part).toContain('<strong>0</strong> incoming · <strong>0</strong> outgoing');
  });

  it('shows status, counts, age against the interval, and one row per affected SID and direction', () => {
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
    const part = section(render(store.snapshot()), 'acme');
    expect(part).toContain('<span class="status CRITICAL">CRITICAL</span>');
    expect(part).toContain('<span class="fresh on_time">on time</span>');
    expect(part).toContain('<strong>2</strong> incoming · <strong>1</strong> outgoing');
    expect(part).toContain('2024-05-01 11:58:30 UTC</time>, <strong>1m 30s ago</strong>');
    expect(part).toContain('(expected every 5m)');
    expect(part.match(/<tr><td>/g)).toHaveLength(3);
    expect(part).toContain('<td>sid-1</td><td>+911111</td><td>incoming</td><td>2m 0s</td>');
    expect(part).toContain('<td>sid-2</td><td>+912222</td><td>incoming</td>');
    expect(part).toContain('<td>sid-1</td><td>+911111</td><td>outgoing</td>');
    expect(part).toContain('2024-05-01 11:58:00 UTC');
    expect(part).not.toMatch(/more not listed/);
  });

  it('orders affected rows longest-affected first, ties by SID then direction', () => {
    const store = new Store(limits);
    const t0 = at('2024-05-01T11:40:00Z');
    const t1 = at('2024-05-01T11:50:00Z');
    store.apply(
      'default',
      heartbeat({ timestamp: t0, status: 'WARNING', incoming: ['zz'] }),
      NOW_MS,
    );
    store.apply(
      'default',
      heartbeat({
        timestamp: t1,
        status: 'WARNING',
        incoming: ['zz', 'bb', 'aa'],
        outgoing: ['aa'],
      }),
      NOW_MS,
    );
    store.apply(
      'default',
      heartbeat({
        timestamp: T,
        status: 'WARNING',
        incoming: ['new', 'aa', 'bb', 'zz'],
        outgoing: ['aa'],
      }),
      NOW_MS,
    );
    const part = section(render(store.snapshot()), 'default');
    const rows = [
      ...part.matchAll(/<tr><td>([^<]+)<\/td><td>[^]*?<\/td><td>(\w+)<\/td><td>([^<]+)<\/td>/g),
    ];
    expect(rows.map((m) => `${m[1]} ${m[2]} ${m[3]}`)).toEqual([
      'zz incoming 20m 0s',
      'aa incoming 10m 0s',
      'aa outgoing 10m 0s',
      'bb incoming 10m 0s',
      'new incoming 2m 0s',
    ]);
  });

  it.each<[string, number, string, string]>([
    ['on time at exactly one interval', 300_000, 'on_time', 'on time'],
    ['late just past one interval', 300_001, 'late', 'LATE'],
    ['late at exactly three intervals', 900_000, 'late', 'LATE'],
    ['missing past three intervals (the alert’s 15 minutes)', 900_001, 'missing', 'MISSING'],
  ])('calls a heartbeat %s', (_name, ageMs, freshness, word) => {
    const store = new Store(limits);
    store.apply('acme', heartbeat({ timestamp: EARLY, status: 'OK' }), NOW_MS - ageMs);
    const part = section(render(store.snapshot()), 'acme');
    expect(part).toContain(`<span class="fresh ${freshness}">${word}</span>`);
    if (freshness === 'missing') {
      expect(part).toContain('Missing: more than 15m without one');
      expect(part).toContain('#exotelheartbeatmissing');
    }
  });

  it('uses the configured interval', () => {
    const store = new Store(limits);
    store.apply('acme', heartbeat({ timestamp: T, status: 'OK' }), NOW_MS - 150_000);
    const part = section(render(store.snapshot(), [], { heartbeatIntervalSeconds: 60 }), 'acme');
    expect(part).toContain('<span class="fresh late">LATE</span>');
    expect(part).toContain('(expected every 1m)');
  });

  it('lists accounts needing attention first, then by name, and counts them in the title', () => {
    const store = new Store(limits);
    store.apply('b-ok', heartbeat({ timestamp: T, status: 'OK' }), NOW_MS);
    store.apply('a-ok', heartbeat({ timestamp: T, status: 'OK' }), NOW_MS);
    store.apply('warn', heartbeat({ timestamp: T, status: 'WARNING' }), NOW_MS);
    store.apply('silent', heartbeat({ timestamp: EARLY, status: 'OK' }), NOW_MS - 3_600_000);
    store.apply('crit', heartbeat({ timestamp: T, status: 'CRITICAL' }), NOW_MS);
    const html = render(store.snapshot());
    expect(accountOrder(html)).toEqual(['crit', 'silent', 'warn', 'a-ok', 'b-ok', 'default']);
    expect(html).toContain('<title>3 need attention · Exotel heartbeat exporter</title>');
  });

  it('escapes everything that comes from outside', () => {
    const evil = '<img src=x onerror="alert(1)">';
    const state: AccountState = {
      applied: { timestamp: T, status: 'WARNING' },
      details: detailsFromMaps({
        timestamp: T,
        since: { incoming: new Map([[evil, T.seconds]]), outgoing: new Map() },
        phones: new Map([[evil, `${evil}&`]]),
      }),
      lastReceivedMs: NOW_MS,
    };
    const recent: RecentHeartbeat[] = [
      {
        receivedMs: NOW_MS,
        httpStatus: 400,
        outcome: 'rejected',
        account: evil,
        reason: 'invalid_payload',
        detail: 'invalid field: data[<invalid key>]',
        bodyBytes: 10,
      },
    ];
    const html = render(snapshotOf({ [`acct<b>`]: state }), recent, {
      grafanaUrl: 'https://grafana.example.com/d/x?a="><script>',
    });
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<invalid key>');
    expect(html).toContain(escapeHtml(evil));
    expect(html).toContain('acct&lt;b&gt;');
    expect(html).toContain('data[&lt;invalid key&gt;]');
  });

  it(`caps rows at MAX_ROWS_PER_ACCOUNT (${MAX_ROWS_PER_ACCOUNT}) and says how many more there are`, () => {
    const extra = 37;
    const sids = Array.from({ length: MAX_ROWS_PER_ACCOUNT + extra }, (_, i) => `sid-${i}`);
    const store = new Store(limits);
    store.apply('default', heartbeat({ timestamp: T, status: 'CRITICAL', incoming: sids }), NOW_MS);
    const part = section(render(store.snapshot()), 'default');
    expect(part.match(/<tr><td>/g)).toHaveLength(MAX_ROWS_PER_ACCOUNT);
    expect(part).toContain(`…and ${extra} more not listed`);
    // Not "all are in /metrics": beyond --limits.max-sid-series only the counts are.
    expect(part).not.toContain('all are in /metrics');
    expect(part).toContain('--limits.max-sid-series');
    expect(part).toContain(`<strong>${MAX_ROWS_PER_ACCOUNT + extra}</strong> incoming`);
  });

  it('shows exactly MAX_ROWS_PER_ACCOUNT rows without a "more" note', () => {
    const sids = Array.from({ length: MAX_ROWS_PER_ACCOUNT }, (_, i) => `sid-${i}`);
    const store = new Store(limits);
    store.apply('default', heartbeat({ timestamp: T, status: 'CRITICAL', incoming: sids }), NOW_MS);
    const part = section(render(store.snapshot()), 'default');
    expect(part.match(/<tr><td>/g)).toHaveLength(MAX_ROWS_PER_ACCOUNT);
    expect(part).not.toMatch(/more not listed/);
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
    const part = section(render(store.snapshot()), 'default');
    expect(part).toContain('PAYLOAD_TOO_LARGE');
    expect(part).toContain('the list below is from 2024-05-01T11:58:00');
    expect(part.match(/<tr><td>/g)).toHaveLength(1);
  });

  it('turns auto-refresh on and off, with a plain link to the other state', () => {
    const snapshot = new Store(limits).snapshot();
    const on = render(snapshot, [], { refreshSeconds: 30 });
    expect(on).toContain('<meta http-equiv="refresh" content="30">');
    expect(on).toContain('<a id="refresh-toggle" href="?refresh=0">Stop auto-refresh</a>');
    const off = render(snapshot, [], { refreshSeconds: 0 });
    expect(off).not.toContain('http-equiv="refresh"');
    expect(off).toContain('Auto-refresh is off');
    expect(off).toContain('<a id="refresh-toggle" href="?">');
  });

  it('links the Grafana dashboard only when configured, per account with the account selected', () => {
    const store = new Store(limits);
    expect(render(store.snapshot())).not.toContain('Grafana');
    const html = render(store.snapshot(), [], {
      grafanaUrl: 'https://grafana.example.com/d/exotel-heartbeat?orgId=1',
    });
    expect(html).toContain('<a href="https://grafana.example.com/d/exotel-heartbeat?orgId=1">');
    expect(section(html, 'default')).toContain(
      '<a href="https://grafana.example.com/d/exotel-heartbeat?orgId=1&amp;var-account=default">',
    );
  });

  it('lists recent heartbeats with their outcome, repairs, counts and size, never more', () => {
    const recent: RecentHeartbeat[] = [
      {
        receivedMs: NOW_MS - 5_000,
        httpStatus: 200,
        outcome: 'conflict',
        account: 'acme',
        status: 'CRITICAL',
        incoming: 3,
        outgoing: 1,
        repairs: ['trailing_comma', 'timestamp_suffix'],
        bodyBytes: 1_534,
      },
      {
        receivedMs: Date.UTC(2024, 3, 30, 23, 59, 59),
        httpStatus: 200,
        outcome: 'applied',
        account: 'big',
        status: 'PAYLOAD_TOO_LARGE',
        incoming: null,
        outgoing: null,
        repairs: [],
        bodyBytes: 9_800_000,
      },
      {
        receivedMs: NOW_MS,
        httpStatus: 413,
        outcome: 'rejected',
        account: null,
        reason: 'body_too_large',
        detail: 'body exceeds 12000000 bytes',
        bodyBytes: null,
      },
    ];
    const part = recentSection(render(new Store(limits).snapshot(), recent));
    expect(part).toContain('The last 3 heartbeat requests');
    expect(part).toContain(
      '<td class="outcome">conflict (same timestamp, new content; applied)<span class="detail">repaired: trailing_comma, timestamp_suffix</span></td><td>CRITICAL</td><td class="num wide">3</td><td class="num wide">1</td><td class="num wide">1.5 kB</td>',
    );
    expect(part).toContain('>11:59:55</time> <small>5s ago</small>');
    // Another UTC day: the date is shown too.
    expect(part).toContain('>2024-04-30 23:59:59</time> <small>12h 0m ago</small>');
    expect(part).toContain(
      '<td class="num wide">—</td><td class="num wide">—</td><td class="num wide">9.8 MB</td>',
    );
    expect(part).toContain(
      '<tr class="rejected"><td><time datetime="2024-05-01T12:00:00.000Z">12:00:00</time> <small>0s ago</small></td><td><small>unknown</small></td><td>413</td><td class="outcome">rejected: body_too_large<span class="detail">body exceeds 12000000 bytes</span></td>',
    );
  });

  it('says so when there are no recent heartbeats', () => {
    expect(recentSection(render(new Store(limits).snapshot()))).toContain(
      'No heartbeat requests yet.',
    );
  });
});
