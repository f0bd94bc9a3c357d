import { describe, expect, it } from 'vitest';
import { STATUS_TYPES, type StatusType } from '../../src/heartbeat/types.js';
import { domainFamilies } from '../../src/metrics/domainFamilies.js';
import { renderFamilies } from '../../src/metrics/exposition.js';
import { Store } from '../../src/state/store.js';
import { expectPromtoolClean } from '../helpers/promtool.js';
import { parseExposition, sampleLine } from '../helpers/unit-exposition.js';
import {
  at,
  fixtureText,
  heartbeat,
  heartbeatFromJson,
  VENDOR_SECONDS,
} from '../helpers/unit-heartbeats.js';

const RECEIVED_MS = Date.UTC(2018, 7, 22, 15, 20, 0);
const limits = { maxAccounts: 10, futureToleranceSeconds: 300 };

const FAMILY_TYPES = {
  exotel_heartbeat_status: 'gauge',
  exotel_heartbeat_timestamp_seconds: 'gauge',
  exotel_heartbeat_last_received_timestamp_seconds: 'gauge',
  exotel_exophones_affected: 'gauge',
  exotel_exophone_affected: 'gauge',
  exotel_exophone_affected_since_timestamp_seconds: 'gauge',
  exotel_exophone_series_dropped: 'gauge',
  exotel_exophone_details_timestamp_seconds: 'gauge',
  exotel_exophone_details_source: 'gauge',
  exotel_exophone_connectivity_status: 'gauge',
  exotel_heartbeats_received_total: 'counter',
  exotel_heartbeats_duplicate_total: 'counter',
  exotel_heartbeats_conflict_total: 'counter',
  exotel_heartbeats_out_of_order_total: 'counter',
};

interface SidSeries {
  readonly sid: string;
  readonly phone: string;
  readonly direction: 'incoming' | 'outgoing';
  readonly since: number;
}

interface AccountExpectation {
  readonly status: StatusType | null;
  readonly timestamp: number;
  readonly lastReceived: number;
  readonly incoming: number;
  readonly outgoing: number;
  readonly details: number;
  readonly dropped: number;
  readonly received: Partial<Record<StatusType, number>>;
  readonly duplicate: number;
  readonly conflict: number;
  readonly outOfOrder: number;
  readonly sids: readonly SidSeries[];
}

/** The sample lines the metric contract (DESIGN.md) promises for one account. */
function expectedSamples(account: string, e: AccountExpectation): string[] {
  const a = { account };
  return [
    ...STATUS_TYPES.map((status) =>
      sampleLine('exotel_heartbeat_status', { ...a, status }, e.status === status ? 1 : 0),
    ),
    sampleLine('exotel_heartbeat_timestamp_seconds', a, e.timestamp),
    sampleLine('exotel_heartbeat_last_received_timestamp_seconds', a, e.lastReceived),
    sampleLine('exotel_exophones_affected', { ...a, direction: 'incoming' }, e.incoming),
    sampleLine('exotel_exophones_affected', { ...a, direction: 'outgoing' }, e.outgoing),
    ...e.sids.flatMap(({ sid, phone, direction, since }) => [
      sampleLine('exotel_exophone_affected', { ...a, sid, phone_number: phone, direction }, 1),
      sampleLine(
        'exotel_exophone_affected_since_timestamp_seconds',
        { ...a, sid, phone_number: phone, direction },
        since,
      ),
    ]),
    sampleLine('exotel_exophone_series_dropped', a, e.dropped),
    sampleLine('exotel_exophone_details_timestamp_seconds', a, e.details),
    // Every golden here comes from heartbeats: source heartbeat once there is detail.
    sampleLine(
      'exotel_exophone_details_source',
      { ...a, source: 'heartbeat' },
      e.details > 0 ? 1 : 0,
    ),
    sampleLine('exotel_exophone_details_source', { ...a, source: 'api' }, 0),
    ...STATUS_TYPES.map((status) =>
      sampleLine('exotel_heartbeats_received_total', { ...a, status }, e.received[status] ?? 0),
    ),
    sampleLine('exotel_heartbeats_duplicate_total', a, e.duplicate),
    sampleLine('exotel_heartbeats_conflict_total', a, e.conflict),
    sampleLine('exotel_heartbeats_out_of_order_total', a, e.outOfOrder),
  ];
}

const EMPTY: AccountExpectation = {
  status: null,
  timestamp: 0,
  lastReceived: 0,
  incoming: 0,
  outgoing: 0,
  details: 0,
  dropped: 0,
  received: {},
  duplicate: 0,
  conflict: 0,
  outOfOrder: 0,
  sids: [],
};

function render(store: Store, maxSidSeries = 10_000, maxTotalSidSeries = 20_000): string {
  return renderFamilies(
    domainFamilies(store.snapshot(), { maxSidSeries, maxTotalSidSeries }),
    'text',
  );
}

/** Order-insensitive golden comparison, plus promtool on the exact text. */
function expectGolden(text: string, accounts: Record<string, AccountExpectation>): void {
  const parsed = parseExposition(text);
  const expected = Object.entries(accounts)
    .flatMap(([account, e]) => expectedSamples(account, e))
    .sort();
  expect(parsed.samples).toEqual(expected);
  expect(Object.fromEntries(parsed.type)).toEqual(FAMILY_TYPES);
  expect([...parsed.help.keys()].sort()).toEqual(Object.keys(FAMILY_TYPES).sort());
  for (const help of parsed.help.values()) expect(help.trim()).not.toBe('');
  expectPromtoolClean(text);
}

describe('domainFamilies golden expositions', () => {
  it('an empty store: the default account, all zeros', () => {
    expectGolden(render(new Store(limits)), { default: EMPTY });
  });

  it('after the vendor CRITICAL example', () => {
    const store = new Store(limits);
    const result = store.apply(
      'default',
      heartbeatFromJson(fixtureText('vendor-scenario-3-critical.json')),
      RECEIVED_MS,
    );
    expect(result).toMatchObject({ accepted: true, outcome: 'applied' });
    expectGolden(render(store), {
      default: {
        ...EMPTY,
        status: 'CRITICAL',
        timestamp: VENDOR_SECONDS,
        lastReceived: RECEIVED_MS / 1000,
        incoming: 2,
        outgoing: 1,
        details: VENDOR_SECONDS,
        received: { CRITICAL: 1 },
        sids: [
          {
            sid: '07930061010',
            phone: '+917930061010',
            direction: 'incoming',
            since: VENDOR_SECONDS,
          },
          {
            sid: '08030752522',
            phone: '+918030752522',
            direction: 'incoming',
            since: VENDOR_SECONDS,
          },
          {
            sid: '07930061010',
            phone: '+917930061010',
            direction: 'outgoing',
            since: VENDOR_SECONDS,
          },
        ],
      },
    });
  });

  it('after all three vendor examples on two accounts, with a retry', () => {
    const store = new Store(limits);
    store.apply(
      'default',
      heartbeatFromJson(fixtureText('vendor-scenario-1-ok.json')),
      RECEIVED_MS,
    );
    const warning = heartbeatFromJson(fixtureText('vendor-scenario-2-warning.json'));
    store.apply('acme', warning, RECEIVED_MS);
    store.apply('acme', warning, RECEIVED_MS + 5_000);
    expectGolden(render(store), {
      default: {
        ...EMPTY,
        status: 'OK',
        timestamp: VENDOR_SECONDS,
        lastReceived: RECEIVED_MS / 1000,
        details: VENDOR_SECONDS,
        received: { OK: 1 },
      },
      acme: {
        ...EMPTY,
        status: 'WARNING',
        timestamp: VENDOR_SECONDS,
        lastReceived: RECEIVED_MS / 1000 + 5,
        incoming: 1,
        details: VENDOR_SECONDS,
        received: { WARNING: 2 },
        duplicate: 1,
        sids: [
          {
            sid: '07930061010',
            phone: '+917930061010',
            direction: 'incoming',
            since: VENDOR_SECONDS,
          },
        ],
      },
    });
  });

  it('caps per-SID series, keeping the longest-affected, with exact counts', () => {
    const t1 = at('2024-05-01T10:00:00Z');
    const t2 = at('2024-05-01T10:05:00Z');
    const t3 = at('2024-05-01T10:10:00Z');
    const now = Date.UTC(2024, 4, 1, 10, 10, 30);
    const store = new Store(limits);
    const steps = [
      heartbeat({
        timestamp: t1,
        status: 'WARNING',
        incoming: ['sid-a'],
        phones: { 'sid-a': '+911' },
      }),
      heartbeat({ timestamp: t2, status: 'WARNING', incoming: ['sid-a'], outgoing: ['sid-b'] }),
      heartbeat({
        timestamp: t3,
        status: 'CRITICAL',
        incoming: ['sid-c', 'sid-a'],
        outgoing: ['sid-b'],
        phones: { 'sid-a': '+911', 'sid-c': '+913' },
      }),
    ];
    for (const step of steps) store.apply('default', step, now);
    expectGolden(render(store, 2), {
      default: {
        ...EMPTY,
        status: 'CRITICAL',
        timestamp: t3.seconds,
        lastReceived: now / 1000,
        incoming: 2,
        outgoing: 1,
        details: t3.seconds,
        dropped: 1,
        received: { WARNING: 2, CRITICAL: 1 },
        sids: [
          { sid: 'sid-a', phone: '+911', direction: 'incoming', since: t1.seconds },
          { sid: 'sid-b', phone: '', direction: 'outgoing', since: t2.seconds },
        ],
      },
    });
  });

  it('PAYLOAD_TOO_LARGE keeps the last detail and its timestamp', () => {
    const t1 = at('2024-05-01T10:00:00Z');
    const t2 = at('2024-05-01T10:05:00.5Z');
    const now = Date.UTC(2024, 4, 1, 10, 6, 0);
    const store = new Store(limits);
    store.apply(
      'default',
      heartbeat({
        timestamp: t1,
        status: 'WARNING',
        incoming: ['x1', 'x2'],
        outgoing: ['x2'],
        phones: { x1: '+9111', x2: '+9122' },
      }),
      now - 60_000,
    );
    store.apply('default', heartbeat({ timestamp: t2, status: 'PAYLOAD_TOO_LARGE' }), now);
    expectGolden(render(store), {
      default: {
        ...EMPTY,
        status: 'PAYLOAD_TOO_LARGE',
        timestamp: t2.seconds + 0.5,
        lastReceived: now / 1000,
        incoming: 2,
        outgoing: 1,
        details: t1.seconds,
        received: { WARNING: 1, PAYLOAD_TOO_LARGE: 1 },
        sids: [
          { sid: 'x1', phone: '+9111', direction: 'incoming', since: t1.seconds },
          { sid: 'x2', phone: '+9122', direction: 'incoming', since: t1.seconds },
          { sid: 'x2', phone: '+9122', direction: 'outgoing', since: t1.seconds },
        ],
      },
    });
  });
});

describe('domainFamilies projection rules', () => {
  const later = Date.UTC(2024, 4, 1, 11, 0, 0);
  it('a SID no longer listed leaves no stale series', () => {
    const store = new Store(limits);
    const t1 = at('2024-05-01T10:00:00Z');
    const t2 = at('2024-05-01T10:05:00Z');
    store.apply(
      'default',
      heartbeat({ timestamp: t1, status: 'WARNING', incoming: ['a', 'b'] }),
      later,
    );
    store.apply(
      'default',
      heartbeat({ timestamp: t2, status: 'WARNING', incoming: ['b'] }),
      later + 1,
    );
    const text = render(store);
    expect(text).not.toMatch(/sid="a"/);
    expect(text.match(/^exotel_exophone_affected\{/gm)).toHaveLength(1);
    expect(text).toContain(
      'exotel_exophone_affected_since_timestamp_seconds{account="default",sid="b",phone_number="",direction="incoming"} ' +
        String(t1.seconds),
    );
  });

  it('API-polled detail: source api, raw connectivity status per kept pair, promtool-clean', () => {
    const store = new Store(limits);
    store.apply(
      'acme',
      heartbeat({ timestamp: at('2024-05-01T10:00:00Z'), status: 'WARNING', incoming: ['a'] }),
      later,
    );
    store.apply(
      'acme',
      heartbeat({ timestamp: at('2024-05-01T10:05:00Z'), status: 'PAYLOAD_TOO_LARGE' }),
      later,
    );
    const state = store.snapshot().accounts.get('acme')?.state;
    const polled = (incoming: string | null, outgoing: string | null) => ({
      statuses: { incoming, outgoing },
      phone: null,
      checkedMs: later + 500,
    });
    store.applyPoll('acme', {
      basis: { details: state?.details ?? null, lastReceivedMs: state?.lastReceivedMs ?? 0 },
      scope: 'full',
      exophones: new Map([
        ['a', polled('major_outage', 'active')],
        ['b', polled('active', 'partial_outage')],
        ['c', polled('active', 'active')],
      ]),
      completedMs: later + 1_000,
    });
    const text = render(store);
    expectPromtoolClean(text);
    expect(text).toContain('exotel_exophone_details_source{account="acme",source="api"} 1');
    expect(text).toContain('exotel_exophone_details_source{account="acme",source="heartbeat"} 0');
    expect(text).toContain(
      'exotel_exophone_connectivity_status{account="acme",sid="a",direction="incoming",status="major_outage"} 1',
    );
    expect(text).toContain(
      'exotel_exophone_connectivity_status{account="acme",sid="b",direction="outgoing",status="partial_outage"} 1',
    );
    expect(text.match(/^exotel_exophone_connectivity_status\{/gm)).toHaveLength(2);
    expect(text).toContain(
      `exotel_exophone_details_timestamp_seconds{account="acme"} ${(later + 1_000) / 1000}`,
    );
    // The cap bounds the raw-status series exactly like the per-SID series.
    expect(render(store, 1).match(/^exotel_exophone_connectivity_status\{/gm)).toHaveLength(1);
  });

  it('a cap of 0 drops every per-SID series but keeps the counts', () => {
    const store = new Store(limits);
    store.apply(
      'default',
      heartbeat({
        timestamp: at('2024-05-01T10:00:00Z'),
        status: 'CRITICAL',
        incoming: ['a', 'b'],
        outgoing: ['a'],
      }),
      later,
    );
    const text = render(store, 0);
    expect(text).not.toMatch(/^exotel_exophone_affected\{/m);
    expect(text).not.toMatch(/^exotel_exophone_affected_since_timestamp_seconds\{/m);
    expect(text).toMatch(/^exotel_exophone_series_dropped\{account="default"\} 3$/m);
    expect(text).toMatch(
      /^exotel_exophones_affected\{account="default",direction="incoming"\} 2$/m,
    );
    expect(text).toMatch(
      /^exotel_exophones_affected\{account="default",direction="outgoing"\} 1$/m,
    );
  });

  it('the cap applies per account', () => {
    const store = new Store(limits);
    const t = at('2024-05-01T10:00:00Z');
    store.apply('one', heartbeat({ timestamp: t, status: 'WARNING', incoming: ['a', 'b'] }), later);
    store.apply('two', heartbeat({ timestamp: t, status: 'WARNING', incoming: ['c', 'd'] }), later);
    const parsed = parseExposition(render(store, 2));
    expect(parsed.samples.filter((l) => l.startsWith('exotel_exophone_affected{'))).toHaveLength(4);
    expect(parsed.samples).toContain(
      sampleLine('exotel_exophone_series_dropped', { account: 'one' }, 0),
    );
  });

  it('shares MAX_TOTAL_SID_SERIES across accounts, longest-affected first, counts exact', () => {
    const store = new Store(limits);
    const first = at('2024-05-01T10:00:00Z');
    const second = at('2024-05-01T10:05:00Z');
    store.apply(
      'big',
      heartbeat({ timestamp: first, status: 'WARNING', incoming: ['a3', 'a1', 'a2'] }),
      later,
    );
    store.apply(
      'big',
      heartbeat({
        timestamp: second,
        status: 'WARNING',
        incoming: ['a6', 'a5', 'a4', 'a1', 'a2', 'a3'],
      }),
      later,
    );
    store.apply(
      'small',
      heartbeat({ timestamp: second, status: 'WARNING', incoming: ['s1'] }),
      later,
    );
    // Demands: default 0, small 1, big 6 = 7 > 5. small keeps its one pair; big gets the other 4,
    // its three oldest (a1-a3, since the first heartbeat) and then a4 (ties by SID).
    const parsed = parseExposition(render(store, 10, 5));
    const kept = (account: string) =>
      parsed.samples
        .filter((l) => l.startsWith(`exotel_exophone_affected{account="${account}"`))
        .map((l) => /sid="([^"]+)"/.exec(l)?.[1]);
    expect(kept('big')).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(kept('small')).toEqual(['s1']);
    for (const [account, dropped] of [
      ['big', 2],
      ['small', 0],
      ['default', 0],
    ] as const) {
      expect(parsed.samples).toContain(
        sampleLine('exotel_exophone_series_dropped', { account }, dropped),
      );
    }
    expect(parsed.samples).toContain(
      sampleLine('exotel_exophones_affected', { account: 'big', direction: 'incoming' }, 6),
    );
    // Status, freshness and counts of every account are there whatever the budget.
    const none = parseExposition(render(store, 10, 0));
    for (const account of ['default', 'big', 'small']) {
      expect(none.samples).toContain(
        sampleLine('exotel_heartbeat_status', { account, status: 'OK' }, 0),
      );
      expect(
        none.samples.filter((l) =>
          l.startsWith(`exotel_heartbeat_last_received_timestamp_seconds{account="${account}"}`),
        ),
      ).toHaveLength(1);
    }
    expect(none.samples.filter((l) => l.startsWith('exotel_exophone_affected{'))).toEqual([]);
    expect(none.samples).toContain(
      sampleLine('exotel_exophone_series_dropped', { account: 'big' }, 6),
    );
  });

  it('renders counters as OpenMetrics counters', () => {
    const text = renderFamilies(
      domainFamilies(new Store(limits).snapshot(), { maxSidSeries: 10, maxTotalSidSeries: 20 }),
      'openmetrics',
    );
    expect(text).toContain('# TYPE exotel_heartbeats_received counter\n');
    expect(text).toContain('exotel_heartbeats_received_total{account="default",status="OK"} 0\n');
    expect(text).not.toContain('# TYPE exotel_heartbeats_received_total');
  });
});
