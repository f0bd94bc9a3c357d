import { compareInstants, instantFromMillis } from '../heartbeat/instant.js';
import type { Heartbeat, StatusType } from '../heartbeat/types.js';
import { STATUS_TYPES } from '../heartbeat/types.js';
import { DEFAULT_ACCOUNT, EMPTY_ACCOUNT, type AccountState } from './account.js';
import { applyPoll, type Poll, type PollOutcome } from './applyPoll.js';
import { reduceAccount, type Outcome, type PreparedTable } from './reduce.js';
import type { SidTable } from './sidTable.js';

/** Per-account counters; they restart at zero with the process, as Prometheus counters may. */
export interface AccountCounters {
  readonly received: Readonly<Record<StatusType, number>>;
  readonly duplicate: number;
  readonly outOfOrder: number;
  readonly conflict: number;
}

export interface AccountEntry {
  readonly state: AccountState;
  readonly counters: AccountCounters;
}

/**
 * The account's per-SID detail as a table (sidTable.ts), with what changed since its previous
 * one; null when there is no detail. The reducer builds it and shares the previous one while the
 * detail is the same (an outage repeating the same list), so renderers can compare by identity.
 */
export function tableOf(entry: AccountEntry | undefined): SidTable | null {
  return entry?.state.details?.table ?? null;
}

/** What renderers see: an immutable view, numbered so a render can be cached per version. */
export interface StoreSnapshot {
  readonly version: number;
  readonly accounts: ReadonlyMap<string, AccountEntry>;
}

export type ApplyResult =
  | {
      readonly accepted: true;
      readonly outcome: Outcome;
      readonly previous: AccountState;
      readonly next: AccountState;
    }
  | { readonly accepted: false; readonly reason: 'future_timestamp' | 'too_many_accounts' };

export interface StoreLimits {
  readonly maxAccounts: number;
  readonly futureToleranceSeconds: number;
}

const ZERO_COUNTERS: AccountCounters = {
  received: Object.fromEntries(STATUS_TYPES.map((s) => [s, 0])) as Record<StatusType, number>,
  duplicate: 0,
  outOfOrder: 0,
  conflict: 0,
};

/**
 * Holds the state of every account. It never reads a clock: the caller passes the receiver time.
 * Entries are replaced, never mutated, so a snapshot handed to a renderer cannot change under it.
 */
export class Store {
  private accounts = new Map<string, AccountEntry>([
    [DEFAULT_ACCOUNT, { state: EMPTY_ACCOUNT, counters: ZERO_COUNTERS }],
  ]);
  private version = 0;

  constructor(private readonly limits: StoreLimits) {}

  apply(
    account: string,
    heartbeat: Heartbeat,
    nowMs: number,
    prepared?: PreparedTable,
  ): ApplyResult {
    const horizon = instantFromMillis(nowMs + this.limits.futureToleranceSeconds * 1000);
    // A far-future timestamp would win every later comparison and freeze the account.
    if (compareInstants(heartbeat.timestamp, horizon) > 0) {
      return { accepted: false, reason: 'future_timestamp' };
    }
    const entry = this.accounts.get(account);
    if (entry === undefined && this.accounts.size >= this.limits.maxAccounts) {
      return { accepted: false, reason: 'too_many_accounts' };
    }
    const previous = entry?.state ?? EMPTY_ACCOUNT;
    const { state: next, outcome } = reduceAccount(previous, heartbeat, nowMs, prepared);
    const counters = count(entry?.counters ?? ZERO_COUNTERS, heartbeat.status, outcome);
    this.accounts = new Map(this.accounts).set(account, { state: next, counters });
    this.version++;
    return { accepted: true, outcome, previous, next };
  }

  /**
   * Applies detail polled from Exotel's API (the PAYLOAD_TOO_LARGE fallback). A heartbeat always
   * wins: see applyPoll for when a poll is dropped as superseded.
   */
  applyPoll(account: string, poll: Poll): PollOutcome {
    const entry = this.accounts.get(account);
    if (entry === undefined) return 'superseded';
    const { state, outcome } = applyPoll(entry.state, poll);
    if (outcome === 'applied') {
      this.accounts = new Map(this.accounts).set(account, { ...entry, state });
      this.version++;
    }
    return outcome;
  }

  /**
   * Replaces all account states (at start-up, from the state file). Counters start at zero.
   * Returns the accounts left out because MAX_ACCOUNTS was lowered, so the caller can say so.
   */
  restore(states: ReadonlyMap<string, AccountState>): string[] {
    const dropped: string[] = [];
    const accounts = new Map<string, AccountEntry>([
      [DEFAULT_ACCOUNT, { state: EMPTY_ACCOUNT, counters: ZERO_COUNTERS }],
    ]);
    for (const [account, state] of states) {
      if (accounts.size >= this.limits.maxAccounts && !accounts.has(account)) {
        dropped.push(account);
        continue;
      }
      accounts.set(account, { state, counters: ZERO_COUNTERS });
    }
    this.accounts = accounts;
    this.version++;
    return dropped;
  }

  /**
   * Forgets an account: its series leave /metrics and it frees its MAX_ACCOUNTS slot. `default`
   * always exists, so it is reset to "no heartbeat yet" instead. False when there was no such
   * account (or `default` was already empty).
   */
  remove(account: string): boolean {
    const entry = this.accounts.get(account);
    if (entry === undefined) return false;
    const accounts = new Map(this.accounts);
    if (account === DEFAULT_ACCOUNT) {
      if (entry.state === EMPTY_ACCOUNT) return false;
      accounts.set(account, { state: EMPTY_ACCOUNT, counters: ZERO_COUNTERS });
    } else {
      accounts.delete(account);
    }
    this.accounts = accounts;
    this.version++;
    return true;
  }

  snapshot(): StoreSnapshot {
    return { version: this.version, accounts: this.accounts };
  }
}

function count(counters: AccountCounters, status: StatusType, outcome: Outcome): AccountCounters {
  return {
    received: { ...counters.received, [status]: counters.received[status] + 1 },
    duplicate: counters.duplicate + (outcome === 'duplicate' ? 1 : 0),
    outOfOrder: counters.outOfOrder + (outcome === 'out_of_order' ? 1 : 0),
    conflict: counters.conflict + (outcome === 'conflict' ? 1 : 0),
  };
}
