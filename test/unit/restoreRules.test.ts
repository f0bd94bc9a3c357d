import { describe, expect, it } from 'vitest';
import { WebhookTokens } from '../../src/http/auth/webhookTokens.js';
import { applyRestoreRules } from '../../src/persist/restoreRules.js';
import type { AccountState } from '../../src/state/account.js';
import { detailMaps, detailsFromMaps } from '../helpers/detailMaps.js';

const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 0);
const NOW_S = NOW_MS / 1000;
const TOLERANCE = 300;
const tokens = new WebhookTokens(['secret-token-0123456789']);
const rules = {
  isToken: (account: string) => tokens.matches(account),
  nowMs: NOW_MS,
  futureToleranceSeconds: TOLERANCE,
};

function state(seconds: number, sinceSeconds = seconds, receivedMs = NOW_MS - 1000): AccountState {
  return {
    applied: { timestamp: { seconds, nanos: 5 }, status: 'CRITICAL' },
    details: detailsFromMaps({
      timestamp: { seconds, nanos: 5 },
      since: { incoming: new Map([['a', sinceSeconds]]), outgoing: new Map([['b', NOW_S - 60]]) },
      phones: new Map([['a', '+911234567890']]),
    }),
    lastReceivedMs: receivedMs,
  };
}

describe('applyRestoreRules', () => {
  it('keeps a state inside the tolerance as it is (the same object)', () => {
    const ok = state(NOW_S + TOLERANCE - 1);
    const verdict = applyRestoreRules(new Map([['acme', ok]]), rules);
    expect(verdict.accounts.get('acme')).toBe(ok);
    expect(verdict).toMatchObject({ tokenAccounts: 0, clamped: [] });
  });

  it('drops an account named like a webhook token, counting it without naming it', () => {
    const verdict = applyRestoreRules(
      new Map([
        ['secret-token-0123456789', state(NOW_S)],
        ['acme', state(NOW_S)],
      ]),
      rules,
    );
    expect([...verdict.accounts.keys()]).toEqual(['acme']);
    expect(verdict.tokenAccounts).toBe(1);
    expect(JSON.stringify(verdict.clamped)).not.toContain('secret');
  });

  it('clamps every time beyond the tolerance to the restore time, keeping the status and the rest', () => {
    const yearAhead = NOW_S + 365 * 86_400;
    const verdict = applyRestoreRules(
      new Map([['acme', state(yearAhead, yearAhead, yearAhead * 1000)]]),
      rules,
    );
    expect(verdict.clamped).toEqual(['acme']);
    const restored = verdict.accounts.get('acme');
    expect(restored?.applied).toEqual({
      timestamp: { seconds: NOW_S, nanos: 0 },
      status: 'CRITICAL',
    });
    expect(restored?.details?.timestamp).toEqual({ seconds: NOW_S, nanos: 0 });
    expect([...(detailMaps(restored?.details ?? null)?.since.incoming ?? [])]).toEqual([
      ['a', NOW_S],
    ]);
    // Inside the tolerance: untouched.
    expect([...(detailMaps(restored?.details ?? null)?.since.outgoing ?? [])]).toEqual([
      ['b', NOW_S - 60],
    ]);
    expect([...(detailMaps(restored?.details ?? null)?.phones ?? [])]).toEqual([
      ['a', '+911234567890'],
    ]);
    expect(restored?.lastReceivedMs).toBe(NOW_MS);
  });

  it('clamps a future last-received alone, so ExotelHeartbeatMissing is not held off', () => {
    const verdict = applyRestoreRules(
      new Map([['acme', state(NOW_S - 60, NOW_S - 60, NOW_MS + (TOLERANCE + 1) * 1000)]]),
      rules,
    );
    const restored = verdict.accounts.get('acme');
    expect(restored?.lastReceivedMs).toBe(NOW_MS);
    expect(restored?.applied?.timestamp).toEqual({ seconds: NOW_S - 60, nanos: 5 });
  });
});
