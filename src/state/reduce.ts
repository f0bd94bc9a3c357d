import { compareInstants } from '../heartbeat/instant.js';
import type { Heartbeat, Instant } from '../heartbeat/types.js';
import type { AccountState } from './account.js';
import { heartbeatTable, type SidTable } from './sidTable.js';

/**
 * - applied: newer than the applied heartbeat (or the first one);
 * - conflict: same timestamp, different content; applied, the later arrival wins;
 * - duplicate: same timestamp, same content (Exotel's retry); nothing but last-received changes;
 * - out_of_order: older than the applied one; acknowledged and ignored.
 */
export type Outcome = 'applied' | 'conflict' | 'duplicate' | 'out_of_order';

/**
 * The heartbeat's table built ahead of the reduction (ingest.ts builds a large one in steps), and
 * the table it was built against: used only if that is still the account's table.
 */
export interface PreparedTable {
  readonly base: SidTable | null;
  readonly table: SidTable;
}

export interface Reduction {
  readonly state: AccountState;
  readonly outcome: Outcome;
}

/**
 * The ordering rules of DESIGN.md as a pure function of (state, heartbeat, receiver time).
 *
 * The heartbeat's lists are scanned straight into the account's per-SID table (sidTable.ts
 * `heartbeatTable`), which keeps each continuing SID's streak start and hands back the previous
 * table itself when the lists are the same (every column, in any order): that is both the
 * duplicate check and what lets the renderers keep their text while an outage repeats its list.
 * Nothing of the heartbeat but its strings is kept.
 */
export function reduceAccount(
  state: AccountState,
  heartbeat: Heartbeat,
  nowMs: number,
  prepared?: PreparedTable,
): Reduction {
  const received = { ...state, lastReceivedMs: nowMs };
  const order =
    state.applied === null ? 1 : compareInstants(heartbeat.timestamp, state.applied.timestamp);
  if (order < 0) return { state: received, outcome: 'out_of_order' };
  // PAYLOAD_TOO_LARGE carries no per-SID detail: keep the last known detail (and its timestamp)
  // so a growing outage does not resolve per-ExoPhone alerts.
  const base = state.details?.table ?? null;
  const table =
    heartbeat.status === 'PAYLOAD_TOO_LARGE'
      ? null
      : prepared !== undefined && prepared.base === base
        ? prepared.table
        : heartbeatTable(heartbeat, base);
  if (order === 0 && sameContent(state, heartbeat, table)) {
    return { state: received, outcome: 'duplicate' };
  }
  const applied = { timestamp: heartbeat.timestamp, status: heartbeat.status };
  const next: AccountState =
    table === null
      ? { ...received, applied }
      : { ...received, applied, details: { timestamp: heartbeat.timestamp, table } };
  return { state: next, outcome: order === 0 ? 'conflict' : 'applied' };
}

/** Same status and, unless PAYLOAD_TOO_LARGE, the same detail timestamp and the same table. */
function sameContent(state: AccountState, heartbeat: Heartbeat, table: SidTable | null): boolean {
  if (state.applied?.status !== heartbeat.status) return false;
  if (heartbeat.status === 'PAYLOAD_TOO_LARGE') return true;
  const details = state.details;
  if (details === null || !sameInstant(details.timestamp, heartbeat.timestamp)) return false;
  return table === details.table;
}

function sameInstant(a: Instant, b: Instant): boolean {
  return compareInstants(a, b) === 0;
}
