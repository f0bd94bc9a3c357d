import { describe, expect, it } from 'vitest';
import type { Instant, StatusType } from '../../src/heartbeat/types.js';
import { EMPTY_ACCOUNT, type AccountState } from '../../src/state/account.js';
import { reduceAccount, type Outcome } from '../../src/state/reduce.js';
import {
  at,
  heartbeat,
  heartbeatFromJson,
  type HeartbeatSpec,
} from '../helpers/unit-heartbeats.js';
import { detailMaps } from '../helpers/detailMaps.js';

const T1 = at('2024-05-01T10:00:00Z');
const T2 = at('2024-05-01T10:05:00Z');
const T3 = at('2024-05-01T10:10:00Z');
const T4 = at('2024-05-01T10:15:00Z');
const s = (instant: Instant): number => instant.seconds + instant.nanos / 1e9;

/** A Map whose mutators throw (still a plain Map to equality checks). */
function frozenMap<K, V>(entries: Iterable<readonly [K, V]>): Map<K, V> {
  const map = new Map(entries);
  const refuse = (): never => {
    throw new Error('mutated a frozen Map');
  };
  for (const method of ['set', 'delete', 'clear']) {
    Object.defineProperty(map, method, { value: refuse, enumerable: false });
  }
  return Object.freeze(map);
}

/**
 * A deep copy that cannot be changed: plain objects and arrays frozen, Maps made read-only. A
 * typed array (a table's numeric column) cannot be frozen; it is kept as it is, and "never
 * mutates" is checked on it by comparing with a copy (see `plain`).
 */
function deepFreeze<T>(value: T): T {
  if (ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return Object.freeze(value.map((v: unknown) => deepFreeze(v))) as T;
  if (value instanceof Map) {
    const entries = [...(value as Map<unknown, unknown>)].map(
      ([k, v]) => [k, deepFreeze(v)] as const,
    );
    return frozenMap(entries) as T;
  }
  if (typeof value === 'object' && value !== null) {
    const copy = Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, deepFreeze(v as unknown)]),
    );
    return Object.freeze(copy) as T;
  }
  return value;
}

/** Builds a state by reducing heartbeats from empty, each received 1 s after the previous. */
function stateAfter(...specs: HeartbeatSpec[]): AccountState {
  let state = EMPTY_ACCOUNT;
  specs.forEach((spec, i) => {
    state = reduceAccount(state, heartbeat(spec), 1_000 * (i + 1)).state;
  });
  return state;
}

function since(state: AccountState, direction: 'incoming' | 'outgoing'): [string, number][] {
  return [...(detailMaps(state.details)?.since[direction] ?? new Map<string, number>())];
}

/** The state with its detail as plain maps (detailMaps.ts), for equality checks and copies. */
function plain(state: AccountState) {
  return { ...state, details: detailMaps(state.details) };
}

const NOW = 9_999_000;

describe('test helper deepFreeze', () => {
  it('really refuses mutation, so the "never mutates" checks can fail', () => {
    const frozen = deepFreeze({ a: { b: 1 }, m: new Map([['k', 1]]) });
    expect(() => frozen.m.set('x', 2)).toThrow();
    expect(() => frozen.m.delete('k')).toThrow();
    expect(() => {
      frozen.a.b = 2;
    }).toThrow();
  });
});

describe('reduceAccount ordering', () => {
  const warning: HeartbeatSpec = {
    timestamp: T2,
    status: 'WARNING',
    incoming: ['a', 'b'],
    outgoing: ['c'],
    phones: { a: '+911', b: '+912', c: '+913' },
  };

  it.each<[string, HeartbeatSpec, Outcome, StatusType]>([
    ['newer → applied', { ...warning, timestamp: T3 }, 'applied', 'WARNING'],
    [
      'newer by 1 ns → applied',
      { ...warning, timestamp: { ...T2, nanos: 1 } },
      'applied',
      'WARNING',
    ],
    ['identical retry → duplicate', warning, 'duplicate', 'WARNING'],
    [
      'same sets in a different order → duplicate',
      { ...warning, incoming: ['b', 'a'] },
      'duplicate',
      'WARNING',
    ],
    [
      'a different phone for a SID in no array → duplicate (not affected, not content)',
      { ...warning, phones: { a: '+911', b: '+912', c: '+913', unlisted: '+999' } },
      'duplicate',
      'WARNING',
    ],
    ['different status → conflict', { ...warning, status: 'CRITICAL' }, 'conflict', 'CRITICAL'],
    [
      'an extra incoming SID → conflict',
      { ...warning, incoming: ['a', 'b', 'd'] },
      'conflict',
      'WARNING',
    ],
    ['a missing incoming SID → conflict', { ...warning, incoming: ['a'] }, 'conflict', 'WARNING'],
    [
      'a SID moved to the other direction → conflict',
      { ...warning, incoming: ['a', 'b', 'c'], outgoing: [] },
      'conflict',
      'WARNING',
    ],
    [
      'a different phone number → conflict',
      { ...warning, phones: { a: '+911', b: '+999', c: '+913' } },
      'conflict',
      'WARNING',
    ],
    [
      'a phone number dropped → conflict',
      { ...warning, phones: { a: '+911', c: '+913' } },
      'conflict',
      'WARNING',
    ],
    [
      'PAYLOAD_TOO_LARGE at the same time → conflict',
      { timestamp: T2, status: 'PAYLOAD_TOO_LARGE' },
      'conflict',
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'older → out_of_order',
      { ...warning, timestamp: T1, status: 'OK', incoming: [], outgoing: [] },
      'out_of_order',
      'WARNING',
    ],
    [
      'older by 1 ns → out_of_order',
      {
        ...warning,
        timestamp: { seconds: T2.seconds - 1, nanos: 999_999_999 },
        status: 'CRITICAL',
      },
      'out_of_order',
      'WARNING',
    ],
  ])('%s', (_name, next, outcome, appliedStatus) => {
    const before = deepFreeze(stateAfter(warning));
    const result = reduceAccount(before, heartbeat(next), NOW);
    expect(result.outcome).toBe(outcome);
    expect(result.state.applied?.status).toBe(appliedStatus);
    expect(result.state.lastReceivedMs).toBe(NOW);
  });

  it('applies the first heartbeat', () => {
    const result = reduceAccount(
      deepFreeze(EMPTY_ACCOUNT),
      heartbeat({
        timestamp: T1,
        status: 'CRITICAL',
        incoming: ['a'],
        outgoing: ['a'],
        phones: { a: '+911' },
      }),
      NOW,
    );
    expect(result.outcome).toBe('applied');
    expect(plain(result.state)).toEqual({
      applied: { timestamp: T1, status: 'CRITICAL' },
      details: {
        timestamp: T1,
        since: { incoming: new Map([['a', s(T1)]]), outgoing: new Map([['a', s(T1)]]) },
        phones: new Map([['a', '+911']]),
      },
      lastReceivedMs: NOW,
    });
  });

  it('treats a retry whose payload repeats SIDs as a duplicate', () => {
    const first = heartbeatFromJson(
      '{"timestamp":"2024-05-01T10:05:00Z","status_type":"WARNING","incoming_affected":["a","b"],' +
        '"data":{"a":{"phone_number":"+911"}}}',
    );
    const retry = heartbeatFromJson(
      '{"timestamp":"2024-05-01T10:05:00Z","status_type":"WARNING","incoming_affected":["b","a","b","a"],' +
        '"outgoing_affected":null,"data":{"a":{"phone_number":"+911"}}}',
    );
    const state = reduceAccount(EMPTY_ACCOUNT, first, 1).state;
    expect(reduceAccount(deepFreeze(state), retry, 2).outcome).toBe('duplicate');
  });

  it('applies the new content on a conflict', () => {
    const state = stateAfter(warning);
    const next = reduceAccount(
      deepFreeze(state),
      heartbeat({
        timestamp: T2,
        status: 'CRITICAL',
        incoming: ['a', 'z'],
        outgoing: [],
        phones: { z: '+919' },
      }),
      NOW,
    );
    expect(next.outcome).toBe('conflict');
    expect(next.state.applied).toEqual({ timestamp: T2, status: 'CRITICAL' });
    expect(since(next.state, 'incoming')).toEqual([
      ['a', s(T2)],
      ['z', s(T2)],
    ]);
    expect(since(next.state, 'outgoing')).toEqual([]);
    expect(detailMaps(next.state.details)?.phones).toEqual(new Map([['z', '+919']]));
  });

  it('changes nothing but lastReceivedMs for a duplicate or an older heartbeat', () => {
    const state = stateAfter(warning);
    for (const next of [
      warning,
      { ...warning, timestamp: T1, status: 'CRITICAL' as const, incoming: ['x'] },
    ]) {
      const input = deepFreeze(stateAfter(warning));
      const result = reduceAccount(input, heartbeat(next), NOW);
      expect(plain(result.state)).toEqual(plain({ ...state, lastReceivedMs: NOW }));
      expect(result.state.details).toBe(input.details);
    }
  });

  it('never mutates the input state', () => {
    const state = stateAfter(warning, { timestamp: T3, status: 'PAYLOAD_TOO_LARGE' });
    const copy = structuredClone(plain(state));
    const frozen = deepFreeze(state);
    const inputs: HeartbeatSpec[] = [
      {
        timestamp: T4,
        status: 'CRITICAL',
        incoming: ['a', 'x'],
        outgoing: ['c'],
        phones: { x: '+91' },
      },
      { timestamp: T3, status: 'PAYLOAD_TOO_LARGE' },
      { timestamp: T3, status: 'OK' },
      { timestamp: T1, status: 'OK' },
    ];
    for (const input of inputs) {
      expect(() => reduceAccount(frozen, heartbeat(input), NOW)).not.toThrow();
    }
    expect(plain(frozen)).toEqual(copy);
  });
});

describe('reduceAccount affected-since', () => {
  it('keeps a SID’s streak start while it stays listed, starts new SIDs now, drops removed SIDs', () => {
    const state = stateAfter(
      { timestamp: T1, status: 'WARNING', incoming: ['a', 'b'] },
      { timestamp: T2, status: 'WARNING', incoming: ['a', 'c'] },
      { timestamp: T3, status: 'CRITICAL', incoming: ['c', 'a', 'd'] },
    );
    expect(new Map(since(state, 'incoming'))).toEqual(
      new Map([
        ['a', s(T1)],
        ['c', s(T2)],
        ['d', s(T3)],
      ]),
    );
    expect(detailMaps(state.details)?.since.incoming.has('b')).toBe(false);
  });

  it('uses the heartbeat timestamp in seconds, with sub-second precision', () => {
    const t = { seconds: T1.seconds, nanos: 250_000_000 };
    const state = stateAfter({ timestamp: t, status: 'WARNING', incoming: ['a'] });
    expect(detailMaps(state.details)?.since.incoming.get('a')).toBe(T1.seconds + 0.25);
  });

  it('tracks the same SID in both directions separately', () => {
    const state = stateAfter(
      { timestamp: T1, status: 'WARNING', incoming: ['a'] },
      { timestamp: T2, status: 'WARNING', incoming: ['a'], outgoing: ['a'] },
      { timestamp: T3, status: 'WARNING', outgoing: ['a'] },
      { timestamp: T4, status: 'WARNING', incoming: ['a'], outgoing: ['a'] },
    );
    expect(since(state, 'incoming')).toEqual([['a', s(T4)]]);
    expect(since(state, 'outgoing')).toEqual([['a', s(T2)]]);
  });

  it('a streak ends when an OK heartbeat lists nothing', () => {
    const state = stateAfter(
      { timestamp: T1, status: 'WARNING', incoming: ['a'] },
      { timestamp: T2, status: 'OK' },
      { timestamp: T3, status: 'WARNING', incoming: ['a'] },
    );
    expect(since(state, 'incoming')).toEqual([['a', s(T3)]]);
  });

  it('an out-of-order heartbeat neither starts nor ends a streak', () => {
    const state = stateAfter(
      { timestamp: T2, status: 'WARNING', incoming: ['a'] },
      { timestamp: T1, status: 'WARNING', incoming: ['b'] },
      { timestamp: T3, status: 'WARNING', incoming: ['a', 'b'] },
    );
    expect(new Map(since(state, 'incoming'))).toEqual(
      new Map([
        ['a', s(T2)],
        ['b', s(T3)],
      ]),
    );
  });

  it('keeps phone numbers only for affected SIDs', () => {
    const state = stateAfter({
      timestamp: T1,
      status: 'WARNING',
      incoming: ['a', 'nophone'],
      phones: { a: '+911', unlisted: '+912' },
    });
    expect(detailMaps(state.details)?.phones).toEqual(new Map([['a', '+911']]));
  });
});

describe('reduceAccount sharing of the per-SID table', () => {
  const outage = {
    status: 'CRITICAL',
    incoming: ['a', 'b'],
    outgoing: ['a'],
    phones: { a: '+911' },
  } as const;

  it('shares the table when a newer heartbeat repeats the same SIDs and phones', () => {
    const first = stateAfter({ timestamp: T1, ...outage });
    const second = reduceAccount(first, heartbeat({ timestamp: T2, ...outage }), NOW).state;
    expect(second.details).not.toBe(first.details);
    expect(second.details?.timestamp).toEqual(T2);
    expect(second.details?.table).toBe(first.details?.table);
    expect(since(second, 'incoming')).toEqual([
      ['a', s(T1)],
      ['b', s(T1)],
    ]);
  });

  it('shares it when the same SIDs come in another order (the rows keep the first order)', () => {
    const first = stateAfter({ timestamp: T1, ...outage });
    const reordered = { ...outage, incoming: ['b', 'a'] };
    const second = reduceAccount(first, heartbeat({ timestamp: T2, ...reordered }), NOW).state;
    expect(second.details?.table).toBe(first.details?.table);
  });

  it('builds a new table when a SID, a direction or a phone number changes', () => {
    const first = stateAfter({ timestamp: T1, ...outage });
    for (const change of [
      { incoming: ['a'] },
      { outgoing: ['b'] },
      { phones: { a: '+912' } },
      { phones: {} },
    ]) {
      const next = reduceAccount(first, heartbeat({ timestamp: T2, ...outage, ...change }), NOW);
      expect(next.state.details?.table).not.toBe(first.details?.table);
    }
  });

  it('keeps nothing of the heartbeat but its strings: no list or map of it is referenced', () => {
    const hb = heartbeat({ timestamp: T1, ...outage, phones: { a: '+911', z: '+919' } });
    const state = reduceAccount(EMPTY_ACCOUNT, hb, NOW).state;
    const held = new Set<unknown>([hb, hb.incoming, hb.outgoing, hb.phones]);
    const reachable = (value: unknown, seen = new Set<unknown>()): boolean => {
      if (held.has(value)) return true;
      if (typeof value !== 'object' || value === null || seen.has(value)) return false;
      seen.add(value);
      return Object.values(value).some((v) => reachable(v, seen));
    };
    expect(reachable(state)).toBe(false);
    expect(detailMaps(state.details)?.phones).toEqual(new Map([['a', '+911']]));
  });
});

describe('reduceAccount PAYLOAD_TOO_LARGE', () => {
  const warning: HeartbeatSpec = {
    timestamp: T1,
    status: 'WARNING',
    incoming: ['a', 'b'],
    outgoing: ['a'],
    phones: { a: '+911' },
  };

  it('keeps the previous details object while applied moves on', () => {
    const before = deepFreeze(stateAfter(warning));
    const result = reduceAccount(
      before,
      heartbeat({ timestamp: T2, status: 'PAYLOAD_TOO_LARGE' }),
      NOW,
    );
    expect(result.outcome).toBe('applied');
    expect(result.state.applied).toEqual({ timestamp: T2, status: 'PAYLOAD_TOO_LARGE' });
    expect(result.state.details).toBe(before.details);
    expect(result.state.details?.timestamp).toEqual(T1);
  });

  it('keeps details even if PAYLOAD_TOO_LARGE carries arrays', () => {
    const before = stateAfter(warning);
    const result = reduceAccount(
      before,
      heartbeat({ timestamp: T2, status: 'PAYLOAD_TOO_LARGE', incoming: ['zzz'] }),
      NOW,
    );
    expect(result.state.details).toBe(before.details);
  });

  it('leaves details null when the first heartbeat is PAYLOAD_TOO_LARGE', () => {
    const result = reduceAccount(
      EMPTY_ACCOUNT,
      heartbeat({ timestamp: T1, status: 'PAYLOAD_TOO_LARGE' }),
      NOW,
    );
    expect(result.outcome).toBe('applied');
    expect(plain(result.state)).toEqual({
      applied: { timestamp: T1, status: 'PAYLOAD_TOO_LARGE' },
      details: null,
      lastReceivedMs: NOW,
    });
  });

  it('a later WARNING keeps the streak start of SIDs still listed', () => {
    const state = stateAfter(
      warning,
      { timestamp: T2, status: 'PAYLOAD_TOO_LARGE' },
      { timestamp: T3, status: 'WARNING', incoming: ['a', 'c'], outgoing: [] },
    );
    expect(state.applied).toEqual({ timestamp: T3, status: 'WARNING' });
    expect(state.details?.timestamp).toEqual(T3);
    expect(new Map(since(state, 'incoming'))).toEqual(
      new Map([
        ['a', s(T1)],
        ['c', s(T3)],
      ]),
    );
    expect(since(state, 'outgoing')).toEqual([]);
  });

  it('a retried PAYLOAD_TOO_LARGE is a duplicate', () => {
    const state = deepFreeze(stateAfter(warning, { timestamp: T2, status: 'PAYLOAD_TOO_LARGE' }));
    const result = reduceAccount(
      state,
      heartbeat({ timestamp: T2, status: 'PAYLOAD_TOO_LARGE' }),
      NOW,
    );
    expect(result.outcome).toBe('duplicate');
    expect(result.state).toEqual({ ...state, lastReceivedMs: NOW });
  });

  it('a WARNING at the same time as an applied PAYLOAD_TOO_LARGE is a conflict', () => {
    const state = stateAfter(warning, { timestamp: T2, status: 'PAYLOAD_TOO_LARGE' });
    const result = reduceAccount(state, heartbeat({ ...warning, timestamp: T2 }), NOW);
    expect(result.outcome).toBe('conflict');
    expect(result.state.applied?.status).toBe('WARNING');
    expect(result.state.details?.timestamp).toEqual(T2);
  });
});
