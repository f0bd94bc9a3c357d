import { describe, expect, it } from 'vitest';
import type { StatusType } from '../../src/heartbeat/types.js';
import { DEFAULT_ACCOUNT, EMPTY_ACCOUNT, type AccountState } from '../../src/state/account.js';
import { Store, type AccountCounters } from '../../src/state/store.js';
import { storeStates } from '../helpers/encodeState.js';
import { at, heartbeat } from '../helpers/unit-heartbeats.js';

const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 0);
const NOW = at('2024-05-01T12:00:00Z');
const limits = { maxAccounts: 100, futureToleranceSeconds: 300 };

const ZERO: AccountCounters = {
  received: { OK: 0, WARNING: 0, CRITICAL: 0, PAYLOAD_TOO_LARGE: 0 },
  duplicate: 0,
  outOfOrder: 0,
  conflict: 0,
};

function hb(secondsFromNow: number, status: StatusType = 'OK', incoming: string[] = []) {
  return heartbeat({
    timestamp: { seconds: NOW.seconds + secondsFromNow, nanos: 0 },
    status,
    incoming,
  });
}

describe('Store', () => {
  it('starts with the default account, empty, and version 0', () => {
    const snapshot = new Store(limits).snapshot();
    expect(snapshot.version).toBe(0);
    expect([...snapshot.accounts.keys()]).toEqual([DEFAULT_ACCOUNT]);
    expect(snapshot.accounts.get(DEFAULT_ACCOUNT)).toEqual({
      state: EMPTY_ACCOUNT,
      counters: ZERO,
    });
  });

  it.each([
    ['exactly at the tolerance', { seconds: NOW.seconds + 300, nanos: 0 }, true],
    ['1 ns over the tolerance', { seconds: NOW.seconds + 300, nanos: 1 }, false],
    ['1 s over the tolerance', { seconds: NOW.seconds + 301, nanos: 0 }, false],
    ['1 ns under the tolerance', { seconds: NOW.seconds + 299, nanos: 999_999_999 }, true],
    ['now', NOW, true],
    ['years in the past (vendor examples are from 2018)', at('2018-08-22T15:19:23Z'), true],
  ])('future tolerance: %s', (_name, timestamp, accepted) => {
    const store = new Store(limits);
    const result = store.apply('default', heartbeat({ timestamp }), NOW_MS);
    expect(result.accepted).toBe(accepted);
    if (!result.accepted) expect(result.reason).toBe('future_timestamp');
  });

  it('with zero tolerance accepts now and refuses 1 ns later', () => {
    const store = new Store({ ...limits, futureToleranceSeconds: 0 });
    expect(store.apply('default', heartbeat({ timestamp: NOW }), NOW_MS).accepted).toBe(true);
    expect(store.apply('default', heartbeat({ timestamp: { ...NOW, nanos: 1 } }), NOW_MS)).toEqual({
      accepted: false,
      reason: 'future_timestamp',
    });
  });

  it('a refused future heartbeat changes nothing', () => {
    const store = new Store(limits);
    store.apply('default', hb(0, 'WARNING'), NOW_MS);
    const before = store.snapshot();
    expect(store.apply('default', hb(3600, 'OK'), NOW_MS + 1).accepted).toBe(false);
    expect(store.snapshot()).toEqual(before);
  });

  it('counts the default account against maxAccounts', () => {
    const one = new Store({ ...limits, maxAccounts: 1 });
    expect(one.apply('acme', hb(0), NOW_MS)).toEqual({
      accepted: false,
      reason: 'too_many_accounts',
    });
    expect(one.apply('default', hb(0), NOW_MS).accepted).toBe(true);
    expect([...one.snapshot().accounts.keys()]).toEqual(['default']);

    const two = new Store({ ...limits, maxAccounts: 2 });
    expect(two.apply('acme', hb(0), NOW_MS).accepted).toBe(true);
    expect(two.apply('other', hb(0), NOW_MS)).toEqual({
      accepted: false,
      reason: 'too_many_accounts',
    });
    expect(two.apply('acme', hb(1), NOW_MS).accepted).toBe(true);
    expect([...two.snapshot().accounts.keys()].sort()).toEqual(['acme', 'default']);
  });

  it('counts every outcome, per status, per account', () => {
    const store = new Store(limits);
    const steps = [
      [hb(0, 'WARNING', ['a']), 'applied'],
      [hb(0, 'WARNING', ['a']), 'duplicate'],
      [hb(0, 'WARNING', ['a']), 'duplicate'],
      [hb(0, 'CRITICAL', ['a']), 'conflict'],
      [hb(-60, 'OK'), 'out_of_order'],
      [hb(60, 'PAYLOAD_TOO_LARGE'), 'applied'],
      [hb(60, 'PAYLOAD_TOO_LARGE'), 'duplicate'],
    ] as const;
    for (const [input, outcome] of steps) {
      const result = store.apply('acme', input, NOW_MS);
      expect(result).toMatchObject({ accepted: true, outcome });
    }
    expect(store.snapshot().accounts.get('acme')?.counters).toEqual({
      received: { OK: 1, WARNING: 3, CRITICAL: 1, PAYLOAD_TOO_LARGE: 2 },
      duplicate: 3,
      outOfOrder: 1,
      conflict: 1,
    });
    expect(store.snapshot().accounts.get('default')?.counters).toEqual(ZERO);
  });

  it('does not count refused heartbeats as received', () => {
    const store = new Store({ ...limits, maxAccounts: 1 });
    store.apply('default', hb(9999), NOW_MS);
    store.apply('acme', hb(0), NOW_MS);
    expect(store.snapshot().accounts.get('default')?.counters).toEqual(ZERO);
  });

  it('returns the previous and next state of an accepted heartbeat', () => {
    const store = new Store(limits);
    const first = store.apply('acme', hb(0, 'WARNING', ['a']), NOW_MS);
    expect(first).toMatchObject({ accepted: true, outcome: 'applied', previous: EMPTY_ACCOUNT });
    const second = store.apply('acme', hb(10, 'OK'), NOW_MS + 5);
    if (!first.accepted || !second.accepted) throw new Error('expected both accepted');
    expect(second.previous).toBe(first.next);
    expect(second.next.applied?.status).toBe('OK');
    expect(store.snapshot().accounts.get('acme')?.state).toBe(second.next);
  });

  it('increments the version on every accepted heartbeat, whatever the outcome, and not on a refusal', () => {
    const store = new Store({ ...limits, maxAccounts: 2 });
    const versions = [store.snapshot().version];
    const record = (): void => {
      versions.push(store.snapshot().version);
    };
    store.apply('default', hb(0, 'WARNING'), NOW_MS); // applied
    record();
    store.apply('default', hb(0, 'WARNING'), NOW_MS); // duplicate
    record();
    store.apply('default', hb(-5, 'OK'), NOW_MS); // out of order
    record();
    store.apply('default', hb(0, 'CRITICAL'), NOW_MS); // conflict
    record();
    store.apply('default', hb(5000, 'OK'), NOW_MS); // future: refused
    record();
    store.apply('a', hb(0), NOW_MS); // new account
    record();
    store.apply('b', hb(0), NOW_MS); // too many accounts: refused
    record();
    expect(versions).toEqual([0, 1, 2, 3, 4, 4, 5, 5]);
  });

  it('hands out snapshots that later applies do not change', () => {
    const store = new Store(limits);
    store.apply('default', hb(0, 'WARNING', ['a']), NOW_MS);
    const snapshot = store.snapshot();
    const entry = snapshot.accounts.get('default');
    store.apply('default', hb(10, 'OK'), NOW_MS);
    store.apply('acme', hb(10, 'OK'), NOW_MS);
    expect(snapshot.version).toBe(1);
    expect([...snapshot.accounts.keys()]).toEqual(['default']);
    expect(snapshot.accounts.get('default')).toBe(entry);
    expect(entry?.state.applied?.status).toBe('WARNING');
  });

  describe('restore', () => {
    const restored = (status: StatusType): AccountState => ({
      applied: { timestamp: at('2024-05-01T11:00:00Z'), status },
      details: null,
      lastReceivedMs: NOW_MS - 1000,
    });

    it('replaces all states, resets counters, keeps the default account and bumps the version', () => {
      const store = new Store(limits);
      store.apply('old', hb(0, 'CRITICAL'), NOW_MS);
      store.apply('default', hb(0, 'CRITICAL'), NOW_MS);
      const versionBefore = store.snapshot().version;
      const dropped = store.restore(new Map([['acme', restored('WARNING')]]));
      expect(dropped).toEqual([]);
      const snapshot = store.snapshot();
      expect(snapshot.version).toBeGreaterThan(versionBefore);
      expect([...snapshot.accounts.keys()].sort()).toEqual(['acme', 'default']);
      expect(snapshot.accounts.get('acme')).toEqual({
        state: restored('WARNING'),
        counters: ZERO,
      });
      expect(snapshot.accounts.get('default')).toEqual({
        state: EMPTY_ACCOUNT,
        counters: ZERO,
      });
    });

    it('restores the default account’s own state', () => {
      const store = new Store(limits);
      store.restore(new Map([['default', restored('OK')]]));
      expect(store.snapshot().accounts.get('default')?.state).toEqual(restored('OK'));
    });

    it('returns the accounts dropped over the limit, counting default', () => {
      const store = new Store({ ...limits, maxAccounts: 3 });
      const dropped = store.restore(
        new Map([
          ['a', restored('OK')],
          ['b', restored('OK')],
          ['default', restored('CRITICAL')],
          ['c', restored('OK')],
          ['d', restored('OK')],
        ]),
      );
      expect(dropped).toEqual(['c', 'd']);
      const accounts = store.snapshot().accounts;
      expect([...accounts.keys()].sort()).toEqual(['a', 'b', 'default']);
      expect(accounts.get('default')?.state).toEqual(restored('CRITICAL'));
    });

    it('applies normally after a restore, ordering against the restored timestamp', () => {
      const store = new Store(limits);
      store.restore(new Map([['acme', restored('WARNING')]]));
      const older = heartbeat({ timestamp: at('2024-05-01T10:00:00Z'), status: 'OK' });
      expect(store.apply('acme', older, NOW_MS)).toMatchObject({
        accepted: true,
        outcome: 'out_of_order',
      });
      expect(store.snapshot().accounts.get('acme')?.state.applied?.status).toBe('WARNING');
    });
  });
});

describe('Store.states', () => {
  const NOW_MS = Date.parse('2026-01-01T00:00:10Z');

  it('returns the account states without counters, and restore() takes them back unchanged', () => {
    const store = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
    const result = store.apply(
      'acme',
      heartbeat({ timestamp: at('2026-01-01T00:00:00Z'), incoming: ['a'] }),
      NOW_MS,
    );
    expect(result.accepted).toBe(true);
    const states = storeStates(store);
    expect([...states.keys()]).toEqual(['default', 'acme']);
    expect(states.get('acme')?.lastReceivedMs).toBe(NOW_MS);
    const copy = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
    copy.restore(states);
    expect(storeStates(copy)).toEqual(states);
  });
});

describe('Store.remove', () => {
  it('forgets an account, frees its MAX_ACCOUNTS slot and bumps the version', () => {
    const store = new Store({ maxAccounts: 2, futureToleranceSeconds: 300 });
    expect(store.apply('acme', hb(0), NOW_MS).accepted).toBe(true);
    expect(store.apply('beta', hb(0), NOW_MS)).toEqual({
      accepted: false,
      reason: 'too_many_accounts',
    });
    const version = store.snapshot().version;
    expect(store.remove('acme')).toBe(true);
    expect(store.snapshot().version).toBe(version + 1);
    expect([...store.snapshot().accounts.keys()]).toEqual([DEFAULT_ACCOUNT]);
    expect(store.apply('beta', hb(0), NOW_MS).accepted).toBe(true);
    expect(store.remove('acme')).toBe(false);
  });

  it('resets `default` instead of removing it, and says false when it is already empty', () => {
    const store = new Store(limits);
    expect(store.remove(DEFAULT_ACCOUNT)).toBe(false);
    store.apply(DEFAULT_ACCOUNT, hb(0, 'CRITICAL'), NOW_MS);
    expect(store.remove(DEFAULT_ACCOUNT)).toBe(true);
    expect(store.snapshot().accounts.get(DEFAULT_ACCOUNT)).toEqual({
      state: EMPTY_ACCOUNT,
      counters: ZERO,
    });
  });
});
