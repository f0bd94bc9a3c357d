import { describe, expect, it } from 'vitest';
import { Store } from '../../src/state/store.js';
import type { Details } from '../../src/state/account.js';
import { freshness, summarizeAccount, summarizeAccounts } from '../../src/status/accountSummary.js';
import { longestAffected } from '../../src/status/longestAffected.js';
import { at, heartbeat } from '../helpers/unit-heartbeats.js';
import { detailsFromMaps } from '../helpers/detailMaps.js';

const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 0);
const limits = { maxAccounts: 10, futureToleranceSeconds: 300 };
const options = { heartbeatIntervalSeconds: 300, maxRows: 500 };

describe('freshness', () => {
  it.each([
    [0, 'never'],
    [NOW_MS, 'on_time'],
    [NOW_MS - 300_000, 'on_time'],
    [NOW_MS - 300_001, 'late'],
    [NOW_MS - 900_000, 'late'],
    [NOW_MS - 900_001, 'missing'],
    // A receiver clock that stepped back is not "late".
    [NOW_MS + 60_000, 'on_time'],
  ])('last received %d → %s', (lastReceivedMs, expected) => {
    expect(freshness(lastReceivedMs, NOW_MS, 300)).toBe(expected);
  });
});

describe('summarizeAccount', () => {
  it('summarises a fresh account: status, ages, both clocks, counts', () => {
    const store = new Store(limits);
    store.apply(
      'acme',
      heartbeat({
        timestamp: at('2024-05-01T11:58:00.250Z'),
        status: 'CRITICAL',
        incoming: ['a', 'b'],
        outgoing: ['a'],
        phones: { a: '+911' },
      }),
      NOW_MS - 42_500,
    );
    const entry = store.snapshot().accounts.get('acme');
    if (entry === undefined) throw new Error('no entry');
    const { affected, ...summary } = summarizeAccount('acme', entry, NOW_MS, options);
    const seconds = Date.UTC(2024, 4, 1, 11, 58, 0) / 1000 + 0.25;
    expect(summary).toEqual({
      account: 'acme',
      status: 'CRITICAL',
      freshness: 'on_time',
      lastReceivedMs: NOW_MS - 42_500,
      ageMs: 42_500,
      heartbeatSeconds: seconds,
      detailsSeconds: seconds,
      incoming: 2,
      outgoing: 1,
      affectedTotal: 3,
    });
    expect(affected.map((r) => [r.sid, r.phone, r.direction])).toEqual([
      ['a', '+911', 'incoming'],
      ['a', '+911', 'outgoing'],
      ['b', null, 'incoming'],
    ]);
    // Every streak began with this heartbeat.
    for (const row of affected) expect(row.sinceSeconds).toBeCloseTo(seconds, 3);
  });

  it('orders accounts by attention, then name', () => {
    const store = new Store(limits);
    const old = at('2024-05-01T10:00:00Z');
    store.apply('ok', heartbeat({ timestamp: old, status: 'OK' }), NOW_MS);
    store.apply('late', heartbeat({ timestamp: old, status: 'OK' }), NOW_MS - 400_000);
    store.apply('too-large', heartbeat({ timestamp: old, status: 'PAYLOAD_TOO_LARGE' }), NOW_MS);
    store.apply('gone', heartbeat({ timestamp: old, status: 'OK' }), NOW_MS - 1_000_000);
    store.apply('crit', heartbeat({ timestamp: old, status: 'CRITICAL' }), NOW_MS);
    const order = summarizeAccounts(store.snapshot(), NOW_MS, options).map((s) => s.account);
    expect(order).toEqual(['crit', 'gone', 'late', 'too-large', 'ok', 'default']);
  });
});

describe('longestAffected', () => {
  const details: Details = detailsFromMaps({
    timestamp: at('2024-05-01T11:00:00Z'),
    since: {
      incoming: new Map([
        ['c', 30],
        ['a', 20],
        ['b', 20],
      ]),
      outgoing: new Map([
        ['a', 20],
        ['z', 10],
      ]),
    },
    phones: new Map([['a', '+91']]),
  });
  const { table } = details;

  it('orders by how long, then SID, then direction, and caps the list but not the total', () => {
    const { rows, total } = longestAffected(table, 4);
    expect(rows.map((r) => `${r.sid}/${r.direction}/${r.sinceSeconds}`)).toEqual([
      'z/outgoing/10',
      'a/incoming/20',
      'a/outgoing/20',
      'b/incoming/20',
    ]);
    expect(total).toBe(5);
  });

  it('is empty without detail', () => {
    expect(longestAffected(null, 10)).toEqual({ rows: [], total: 0 });
  });

  it('sorts once per table, whatever the cap', () => {
    expect(table.longestFirst()).toBe(table.longestFirst());
    expect(longestAffected(table, 2).rows).toEqual(longestAffected(table, 4).rows.slice(0, 2));
    expect(longestAffected(table, 3).rows).toHaveLength(3);
  });
});
