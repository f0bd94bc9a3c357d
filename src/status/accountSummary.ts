import { instantToSeconds } from '../heartbeat/instant.js';
import type { StatusType } from '../heartbeat/types.js';
import { rowsIn } from '../state/sidTable.js';
import type { AccountEntry, StoreSnapshot } from '../state/store.js';
import { longestAffected, type AffectedRow } from './longestAffected.js';

/**
 * Whether heartbeats arrive as often as Exotel sends them, by the receiver clock (like the
 * ExotelHeartbeatMissing alert): `late` past one interval, `missing` past three (the alert's
 * 15 minutes at the default 5-minute interval), `never` before the first valid heartbeat.
 */
export type Freshness = 'on_time' | 'late' | 'missing' | 'never';

/** Intervals without a heartbeat before it counts as missing; the alert waits 3 × 5 min. */
export const MISSING_AFTER_INTERVALS = 3;

export interface SummaryOptions {
  readonly heartbeatIntervalSeconds: number;
  /** Affected rows listed per account; the rest are counted. */
  readonly maxRows: number;
}

/** What the status page and /api/v1/status say about one account. */
export interface AccountSummary {
  readonly account: string;
  /** The applied heartbeat's status; null before the first one. */
  readonly status: StatusType | null;
  readonly freshness: Freshness;
  /** Receiver clock at the last valid heartbeat; null = never. */
  readonly lastReceivedMs: number | null;
  /** now − lastReceivedMs; null = never. */
  readonly ageMs: number | null;
  /** The applied heartbeat's own timestamp (Exotel's clock), seconds; null = none yet. */
  readonly heartbeatSeconds: number | null;
  /** The heartbeat the affected list comes from; older than heartbeatSeconds after PAYLOAD_TOO_LARGE. */
  readonly detailsSeconds: number | null;
  readonly incoming: number;
  readonly outgoing: number;
  readonly affected: readonly AffectedRow[];
  /** Affected (SID, direction) pairs in all, listed or not. */
  readonly affectedTotal: number;
}

export function freshness(
  lastReceivedMs: number,
  nowMs: number,
  heartbeatIntervalSeconds: number,
): Freshness {
  if (lastReceivedMs === 0) return 'never';
  const ageMs = nowMs - lastReceivedMs;
  const intervalMs = heartbeatIntervalSeconds * 1000;
  if (ageMs > MISSING_AFTER_INTERVALS * intervalMs) return 'missing';
  if (ageMs > intervalMs) return 'late';
  return 'on_time';
}

export function summarizeAccount(
  account: string,
  { state }: AccountEntry,
  nowMs: number,
  options: SummaryOptions,
): AccountSummary {
  const table = state.details?.table ?? null;
  const received = state.lastReceivedMs !== 0;
  const { rows, total } = longestAffected(table, options.maxRows);
  return {
    account,
    status: state.applied?.status ?? null,
    freshness: freshness(state.lastReceivedMs, nowMs, options.heartbeatIntervalSeconds),
    lastReceivedMs: received ? state.lastReceivedMs : null,
    ageMs: received ? Math.max(0, nowMs - state.lastReceivedMs) : null,
    heartbeatSeconds: state.applied === null ? null : instantToSeconds(state.applied.timestamp),
    detailsSeconds: state.details === null ? null : instantToSeconds(state.details.timestamp),
    incoming: rowsIn(table, 'incoming'),
    outgoing: rowsIn(table, 'outgoing'),
    affected: rows,
    affectedTotal: total,
  };
}

/**
 * How urgently an account needs a look: 0 (CRITICAL, or heartbeats missing) first, then WARNING,
 * PAYLOAD_TOO_LARGE or late, then healthy, then accounts that never received anything.
 */
export function attentionRank(summary: AccountSummary): number {
  if (summary.freshness === 'never') return 3;
  if (summary.status === 'CRITICAL' || summary.freshness === 'missing') return 0;
  if (summary.status !== 'OK' || summary.freshness === 'late') return 1;
  return 2;
}

/** Every account, the ones needing attention first, then by name. */
export function summarizeAccounts(
  snapshot: StoreSnapshot,
  nowMs: number,
  options: SummaryOptions,
): AccountSummary[] {
  return [...snapshot.accounts]
    .map(([account, entry]) => summarizeAccount(account, entry, nowMs, options))
    .sort(
      (a, b) =>
        attentionRank(a) - attentionRank(b) ||
        (a.account < b.account ? -1 : a.account > b.account ? 1 : 0),
    );
}
