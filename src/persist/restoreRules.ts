import { compareInstants, instantFromMillis } from '../heartbeat/instant.js';
import type { Instant } from '../heartbeat/types.js';
import type { AccountState, Details } from '../state/account.js';
import { withSince } from '../state/sidTable.js';

export interface RestoreRules {
  /** True for an account name that equals a configured webhook token (WebhookTokens.matches). */
  readonly isToken: (account: string) => boolean;
  /** Receiver clock at restore. */
  readonly nowMs: number;
  /** FUTURE_TOLERANCE_SECONDS: how far ahead of the clock a request's timestamp may be. */
  readonly futureToleranceSeconds: number;
}

export interface RestoreVerdict {
  readonly accounts: ReadonlyMap<string, AccountState>;
  /** How many accounts were named like a webhook token; never which (a name would be a token). */
  readonly tokenAccounts: number;
  /** Accounts with a time past the future tolerance, now clamped to the restore time. */
  readonly clamped: readonly string[];
}

/**
 * A restored state meets the rules a request meets, so a file can never bring back what the
 * webhook would refuse today:
 *
 * - An account named like a configured token (posted while the webhook was still open, before
 *   WEBHOOK_TOKENS was set) is dropped: it would put the token in labels, pages and alerts.
 * - A time beyond the future tolerance (a file written under a wrong clock, or edited) is clamped
 *   to the restore time: the applied and detail timestamps, so the next real heartbeat is newer
 *   and applies instead of being ignored as out of order until the clock catches up; each
 *   affected-since, so the ExoPhone alerts' age is not negative; and last-received, so
 *   ExotelHeartbeatMissing is not held off. The status itself is kept: it is still the latest
 *   thing known about the account.
 *
 * SIDs, phone numbers and account names were already checked per entry by decodeState.
 */
export function applyRestoreRules(
  states: ReadonlyMap<string, AccountState>,
  rules: RestoreRules,
): RestoreVerdict {
  const horizonMs = rules.nowMs + rules.futureToleranceSeconds * 1000;
  const horizon = instantFromMillis(horizonMs);
  const now = instantFromMillis(rules.nowMs);
  const accounts = new Map<string, AccountState>();
  const clamped: string[] = [];
  let tokenAccounts = 0;
  for (const [account, state] of states) {
    if (rules.isToken(account)) {
      tokenAccounts++;
      continue;
    }
    const fixed = clampFuture(state, { horizon, horizonMs, now, nowMs: rules.nowMs });
    if (fixed !== state) clamped.push(account);
    accounts.set(account, fixed);
  }
  return { accounts, tokenAccounts, clamped };
}

interface Bounds {
  readonly horizon: Instant;
  readonly horizonMs: number;
  readonly now: Instant;
  readonly nowMs: number;
}

function clampFuture(
  state: AccountState,
  { horizon, horizonMs, now, nowMs }: Bounds,
): AccountState {
  const beyond = (instant: Instant) => compareInstants(instant, horizon) > 0;
  const horizonSeconds = horizonMs / 1000;
  const nowSeconds = nowMs / 1000;
  const appliedBeyond = state.applied !== null && beyond(state.applied.timestamp);
  const detailsBeyond = state.details !== null && detailsHaveFuture(state.details, horizonSeconds);
  const receivedBeyond = state.lastReceivedMs > horizonMs;
  if (!appliedBeyond && !detailsBeyond && !receivedBeyond) return state;
  return {
    applied:
      state.applied !== null && appliedBeyond
        ? { ...state.applied, timestamp: now }
        : state.applied,
    details:
      state.details !== null && detailsBeyond
        ? clampDetails(state.details, beyond, now, horizonSeconds, nowSeconds)
        : state.details,
    lastReceivedMs: receivedBeyond ? nowMs : state.lastReceivedMs,
  };
}

function detailsHaveFuture(details: Details, horizonSeconds: number): boolean {
  if (details.timestamp.seconds + details.timestamp.nanos / 1e9 > horizonSeconds) return true;
  for (const value of details.table.since) if (value > horizonSeconds) return true;
  return false;
}

function clampDetails(
  details: Details,
  beyond: (instant: Instant) => boolean,
  now: Instant,
  horizonSeconds: number,
  nowSeconds: number,
): Details {
  return {
    timestamp: beyond(details.timestamp) ? now : details.timestamp,
    table: withSince(details.table, (value) => (value > horizonSeconds ? nowSeconds : value)),
  };
}
