import type { StoreSnapshot } from './store.js';

/** When accounts that have gone quiet are forgotten (README, "Account lifecycle"). */
export interface ExpirySettings {
  /** ACCOUNT_EXPIRY_SECONDS; null: accounts never expire (the default). */
  readonly accountExpirySeconds: number | null;
  /** REHEARSAL_EXPIRY_SECONDS: rehearsal accounts always expire, before the absence alert. */
  readonly rehearsalExpirySeconds: number;
}

export type ExpiryReason = 'expired' | 'rehearsal_expired';

/**
 * `rehearsal`, `rehearsal-…` and `rehearsal_…`: the accounts the runbook's rehearsal posts to.
 * They expire on their own, so a rehearsal can never leave a paging account behind.
 */
export function isRehearsalAccount(account: string): boolean {
  return /^rehearsal(?:$|[-_])/.test(account);
}

/**
 * The accounts to forget now: silent (by the receiver's clock) for longer than their expiry. An
 * account never heard from (last-received 0, e.g. `default` before its first heartbeat) has
 * nothing to expire.
 */
export function dueForExpiry(
  snapshot: StoreSnapshot,
  nowMs: number,
  settings: ExpirySettings,
): { readonly account: string; readonly reason: ExpiryReason }[] {
  const due: { account: string; reason: ExpiryReason }[] = [];
  for (const [account, { state }] of snapshot.accounts) {
    if (state.lastReceivedMs === 0) continue;
    const silentMs = nowMs - state.lastReceivedMs;
    if (isRehearsalAccount(account)) {
      if (silentMs > settings.rehearsalExpirySeconds * 1000) {
        due.push({ account, reason: 'rehearsal_expired' });
      }
    } else if (
      settings.accountExpirySeconds !== null &&
      silentMs > settings.accountExpirySeconds * 1000
    ) {
      due.push({ account, reason: 'expired' });
    }
  }
  return due;
}
