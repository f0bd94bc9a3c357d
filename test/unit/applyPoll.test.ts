import { describe, expect, it } from 'vitest';
import { EMPTY_ACCOUNT, type AccountState } from '../../src/state/account.js';
import { applyPoll, type Poll, type PolledExoPhone } from '../../src/state/applyPoll.js';
import { reduceAccount } from '../../src/state/reduce.js';
import { Store } from '../../src/state/store.js';
import { at, heartbeat } from '../helpers/unit-heartbeats.js';
import { detailMaps } from '../helpers/detailMaps.js';

const T1 = at('2024-01-01T10:00:00Z');
const T2 = at('2024-01-01T10:05:00Z');
const T3 = at('2024-01-01T10:10:00Z');
const NOW = Date.parse('2024-01-01T10:07:00Z');

function state(...beats: Parameters<typeof heartbeat>[0][]): AccountState {
  let s: AccountState = EMPTY_ACCOUNT;
  beats.forEach((spec, i) => {
    s = reduceAccount(s, heartbeat(spec), NOW - 60_000 + i).state;
  });
  return s;
}

/** WARNING listing A (incoming) at 10:00, then PAYLOAD_TOO_LARGE at 10:05. */
const PTL = state(
  { timestamp: T1, status: 'WARNING', incoming: ['A'], phones: { A: '+918000000001' } },
  { timestamp: T2, status: 'PAYLOAD_TOO_LARGE' },
);

function phone(incoming: string | null, outgoing: string | null, checkedMs = NOW): PolledExoPhone {
  return { statuses: { incoming, outgoing }, phone: null, checkedMs };
}

function poll(
  s: AccountState,
  scope: Poll['scope'],
  exophones: Record<string, PolledExoPhone>,
): Poll {
  return {
    basis: { details: s.details, lastReceivedMs: s.lastReceivedMs },
    scope,
    exophones: new Map(Object.entries(exophones)),
    completedMs: NOW + 1_000,
  };
}

describe('applyPoll: a full poll', () => {
  it('replaces the detail: non-active is affected, the raw status kept, the timestamp = completion', () => {
    const { state: next, outcome } = applyPoll(
      PTL,
      poll(PTL, 'full', {
        A: phone('major_outage', 'active'),
        B: phone('active', 'degraded'),
        C: phone(null, null),
        D: phone('active', 'active'),
      }),
    );
    expect(outcome).toBe('applied');
    const d = detailMaps(next.details);
    expect(d?.timestamp).toEqual({ seconds: (NOW + 1_000) / 1000, nanos: 0 });
    expect([...(d?.since.incoming.keys() ?? [])]).toEqual(['A']);
    expect([...(d?.since.outgoing.keys() ?? [])]).toEqual(['B']);
    expect(d?.api?.statuses.incoming.get('A')).toBe('major_outage');
    expect(d?.api?.statuses.outgoing.get('B')).toBe('degraded');
    expect(next.applied).toEqual(PTL.applied);
  });

  it('keeps the streak start of a SID that stays affected; a new one starts when it was checked', () => {
    const { state: next } = applyPoll(
      PTL,
      poll(PTL, 'full', {
        A: phone('major_outage', null),
        B: phone('major_outage', null, NOW - 500),
      }),
    );
    expect(detailMaps(next.details)?.since.incoming.get('A')).toBe(T1.seconds);
    expect(detailMaps(next.details)?.since.incoming.get('B')).toBe((NOW - 500) / 1000);
    expect(detailMaps(next.details)?.phones.get('A')).toBe('+918000000001');
  });

  it('a SID that recovered (or is no longer listed) leaves the detail', () => {
    const { state: next } = applyPoll(PTL, poll(PTL, 'full', { A: phone('active', 'active') }));
    expect(detailMaps(next.details)?.since.incoming.size).toBe(0);
  });
});

describe('applyPoll: a priority refresh', () => {
  it('rewrites only the SIDs it checked and keeps the detail timestamp', () => {
    const s = state(
      { timestamp: T1, status: 'WARNING', incoming: ['A', 'B'] },
      { timestamp: T2, status: 'PAYLOAD_TOO_LARGE' },
    );
    const { state: next } = applyPoll(
      s,
      poll(s, 'priority', { A: phone('active', 'major_outage') }),
    );
    expect(next.details?.timestamp).toEqual(T1);
    expect([...(detailMaps(next.details)?.since.incoming.keys() ?? [])]).toEqual(['B']);
    expect([...(detailMaps(next.details)?.since.outgoing.keys() ?? [])]).toEqual(['A']);
    expect(detailMaps(next.details)?.api).toBeDefined();
  });
});

describe('applyPoll: a heartbeat always wins', () => {
  it('a normal heartbeat applied after the poll began supersedes it', () => {
    const p = poll(PTL, 'full', { A: phone('major_outage', null), Z: phone('major_outage', null) });
    const after = reduceAccount(PTL, heartbeat({ timestamp: T3, status: 'OK' }), NOW).state;
    const result = applyPoll(after, p);
    expect(result.outcome).toBe('superseded');
    expect(result.state).toBe(after);
  });

  it('even a normal heartbeat older than the poll completion, followed by PAYLOAD_TOO_LARGE again', () => {
    const p = poll(PTL, 'full', { A: phone('major_outage', null) });
    let s = reduceAccount(
      PTL,
      heartbeat({ timestamp: T3, status: 'WARNING', incoming: ['Q'] }),
      NOW,
    ).state;
    s = reduceAccount(
      s,
      heartbeat({ timestamp: at('2024-01-01T10:15:00Z'), status: 'PAYLOAD_TOO_LARGE' }),
      NOW,
    ).state;
    expect(applyPoll(s, p).outcome).toBe('superseded');
  });

  it('PAYLOAD_TOO_LARGE heartbeats during the poll do not supersede it', () => {
    const p = poll(PTL, 'full', { A: phone('major_outage', null) });
    const s = reduceAccount(
      PTL,
      heartbeat({ timestamp: T3, status: 'PAYLOAD_TOO_LARGE' }),
      NOW + 5,
    ).state;
    expect(applyPoll(s, p).outcome).toBe('applied');
  });

  it('outside PAYLOAD_TOO_LARGE (stale heartbeats), any heartbeat received since supersedes it', () => {
    const ok = state({ timestamp: T1, status: 'OK' });
    const p = poll(ok, 'full', { A: phone('major_outage', null) });
    expect(applyPoll(ok, p).outcome).toBe('applied');
    const duplicate = reduceAccount(ok, heartbeat({ timestamp: T1, status: 'OK' }), NOW + 10).state;
    expect(applyPoll(duplicate, p).outcome).toBe('superseded');
  });

  it('through the Store: version moves only when applied; unknown accounts are superseded', () => {
    const store = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
    store.apply('acme', heartbeat({ timestamp: T1, status: 'PAYLOAD_TOO_LARGE' }), NOW);
    const before = store.snapshot();
    const s = before.accounts.get('acme')?.state ?? EMPTY_ACCOUNT;
    expect(store.applyPoll('nobody', poll(s, 'full', {}))).toBe('superseded');
    expect(store.snapshot().version).toBe(before.version);
    expect(store.applyPoll('acme', poll(s, 'full', { A: phone('major_outage', null) }))).toBe(
      'applied',
    );
    expect(store.snapshot().version).toBe(before.version + 1);
    expect(
      detailMaps(store.snapshot().accounts.get('acme')?.state.details ?? null)?.since.incoming.has(
        'A',
      ),
    ).toBe(true);
    expect(before.accounts.get('acme')?.state.details).toBeNull();
  });
});
