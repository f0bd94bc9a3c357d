import type { AccountSummary } from './accountSummary.js';
import type { RecentHeartbeat } from './recentHeartbeats.js';

/** What GET /api/v1/status answers. Field names and meaning are documented in the README. */
export interface StatusJson {
  readonly generated_at: string;
  /** Which replica answered: with several behind one address, each knows only what it received. */
  readonly replica: string;
  readonly heartbeat_interval_seconds: number;
  readonly accounts: readonly AccountJson[];
  readonly recent_heartbeats: readonly RecentHeartbeatJson[];
}

export interface AccountJson {
  readonly account: string;
  readonly status: string | null;
  readonly freshness: string;
  readonly last_received_at: string | null;
  readonly last_received_age_seconds: number | null;
  readonly heartbeat_timestamp: string | null;
  readonly details_timestamp: string | null;
  readonly affected: { readonly incoming: number; readonly outgoing: number };
}

export interface RecentHeartbeatJson {
  readonly received_at: string;
  readonly account: string | null;
  readonly http_status: number;
  readonly outcome: string;
  readonly reason: string | null;
  readonly detail: string | null;
  readonly repairs: readonly string[];
  readonly status: string | null;
  readonly incoming: number | null;
  readonly outgoing: number | null;
  readonly body_bytes: number | null;
}

/**
 * The status page's data for scripts: the per-account summary (without the per-SID list, which
 * /metrics has) and the recent heartbeats, newest first. Pure.
 */
export function statusJson(
  accounts: readonly AccountSummary[],
  recent: readonly RecentHeartbeat[],
  nowMs: number,
  options: { readonly heartbeatIntervalSeconds: number; readonly replica: string },
): StatusJson {
  return {
    generated_at: isoMillis(nowMs),
    replica: options.replica,
    heartbeat_interval_seconds: options.heartbeatIntervalSeconds,
    accounts: accounts.map(accountJson),
    recent_heartbeats: recent.map(recentJson),
  };
}

function accountJson(summary: AccountSummary): AccountJson {
  return {
    account: summary.account,
    status: summary.status,
    freshness: summary.freshness,
    last_received_at: summary.lastReceivedMs === null ? null : isoMillis(summary.lastReceivedMs),
    last_received_age_seconds: summary.ageMs === null ? null : Math.floor(summary.ageMs / 1000),
    heartbeat_timestamp:
      summary.heartbeatSeconds === null ? null : isoSeconds(summary.heartbeatSeconds),
    details_timestamp: summary.detailsSeconds === null ? null : isoSeconds(summary.detailsSeconds),
    affected: { incoming: summary.incoming, outgoing: summary.outgoing },
  };
}

function recentJson(entry: RecentHeartbeat): RecentHeartbeatJson {
  const rejected = entry.outcome === 'rejected';
  return {
    received_at: isoMillis(entry.receivedMs),
    account: entry.account,
    http_status: entry.httpStatus,
    outcome: entry.outcome,
    reason: rejected ? entry.reason : null,
    detail: rejected ? entry.detail : null,
    repairs: rejected ? [] : entry.repairs,
    status: rejected ? null : entry.status,
    incoming: rejected ? null : entry.incoming,
    outgoing: rejected ? null : entry.outgoing,
    body_bytes: entry.bodyBytes,
  };
}

export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/** Heartbeat timestamps can carry nanoseconds; milliseconds are plenty to read. */
export function isoSeconds(seconds: number): string {
  return new Date(Math.round(seconds * 1000)).toISOString();
}
