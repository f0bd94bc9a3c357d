import { describe, expect, it } from 'vitest';
import { dueForExpiry, isRehearsalAccount } from '../../src/state/expiry.js';
import { Store } from '../../src/state/store.js';
import { heartbeat } from '../helpers/unit-heartbeats.js';

const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 0);

function storeWith(accounts: Record<string, number>): Store {
  const store = new Store({ maxAccounts: 100, futureToleranceSeconds: 300 });
  for (const [account, receivedMs] of Object.entries(accounts)) {
    store.apply(account, heartbeat({ timestamp: { seconds: 0, nanos: 0 } }), receivedMs);
  }
  return store;
}

describe('isRehearsalAccount', () => {
  it.each([
    ['rehearsal', true],
    ['rehearsal-2024', true],
    ['rehearsal_pager', true],
    ['rehearsals', false],
    ['prod-rehearsal', false],
    ['default', false],
  ])('%s → %s', (account, expected) => {
    expect(isRehearsalAccount(account)).toBe(expected);
  });
});

describe('dueForExpiry', () => {
  const settings = { accountExpirySeconds: 86_400, rehearsalExpirySeconds: 600 };

  it('expires accounts silent past their limit, rehearsal accounts on their shorter one', () => {
    const store = storeWith({
      fresh: NOW_MS - 86_400_000,
      stale: NOW_MS - 86_400_001,
      rehearsal: NOW_MS - 600_001,
      'rehearsal-new': NOW_MS - 600_000,
    });
    expect(dueForExpiry(store.snapshot(), NOW_MS, settings)).toEqual([
      { account: 'stale', reason: 'expired' },
      { account: 'rehearsal', reason: 'rehearsal_expired' },
    ]);
  });

  it('never expires an ordinary account when ACCOUNT_EXPIRY_SECONDS is off, nor one never heard from', () => {
    const store = storeWith({ old: 1, rehearsal: 1 });
    expect(
      dueForExpiry(store.snapshot(), NOW_MS, {
        accountExpirySeconds: null,
        rehearsalExpirySeconds: 600,
      }),
    ).toEqual([{ account: 'rehearsal', reason: 'rehearsal_expired' }]);
    // `default` exists from the start with last-received 0: nothing to expire.
    expect(
      dueForExpiry(
        new Store({ maxAccounts: 5, futureToleranceSeconds: 0 }).snapshot(),
        NOW_MS,
        settings,
      ),
    ).toEqual([]);
  });
});
