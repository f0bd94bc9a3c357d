import { instantFromMillis } from '../heartbeat/instant.js';
import { DIRECTIONS, type Direction } from '../heartbeat/types.js';
import type { AccountState, Details } from './account.js';
import { RowLookup, rowsOf, tableFromRows, type TableRow } from './sidTable.js';

/** The health of one ExoPhone as an API poll saw it. */
export interface PolledExoPhone {
  /** Raw `connectivity.*.status`; null when the answer did not report one (not counted affected). */
  readonly statuses: Readonly<Record<Direction, string | null>>;
  readonly phone: string | null;
  /** Receiver clock when its details were fetched: the start of a streak it begins. */
  readonly checkedMs: number;
}

/** What the account looked like when the poll began; the poll only applies if it still does. */
export interface PollBasis {
  /** The detail object at the start (compared by identity: any heartbeat with detail replaces it). */
  readonly details: Details | null;
  readonly lastReceivedMs: number;
}

export interface Poll {
  readonly basis: PollBasis;
  /**
   * full: every ExoPhone of the account (a complete snapshot, like a heartbeat);
   * priority: only the SIDs in `exophones`, refreshed ahead of the full poll.
   */
  readonly scope: 'full' | 'priority';
  readonly exophones: ReadonlyMap<string, PolledExoPhone>;
  /** Receiver clock when the poll completed: the new detail timestamp of a full poll. */
  readonly completedMs: number;
}

export type PollOutcome = 'applied' | 'superseded';

/** Anything other than `active` is affected; a missing status is unknown, not affected. */
export function isAffected(status: string | null): boolean {
  return status !== null && status !== 'active';
}

/**
 * Applies polled detail to an account, purely. A heartbeat always wins: the poll is dropped
 * ("superseded") when a heartbeat replaced the detail after the poll began, or — outside
 * PAYLOAD_TOO_LARGE, where the fallback runs because heartbeats stopped — when any heartbeat
 * arrived since. A SID keeps its streak start while it stays affected, whichever source saw it.
 */
export function applyPoll(
  state: AccountState,
  poll: Poll,
): { state: AccountState; outcome: PollOutcome } {
  const heartbeatSince =
    state.details !== poll.basis.details ||
    (state.applied?.status !== 'PAYLOAD_TOO_LARGE' &&
      state.lastReceivedMs !== poll.basis.lastReceivedMs);
  if (heartbeatSince) return { state, outcome: 'superseded' };
  const details =
    poll.scope === 'full' ? fullDetails(state.details, poll) : priorityDetails(state.details, poll);
  return { state: { ...state, details }, outcome: 'applied' };
}

/** A full poll is a complete snapshot: SIDs it does not list as affected are not affected. */
function fullDetails(previous: Details | null, poll: Poll): Details {
  const before = previous === null ? null : new RowLookup(previous.table);
  const next: Rows = { incoming: [], outgoing: [] };
  for (const [sid, exophone] of poll.exophones) addSid(next, before, sid, exophone);
  return {
    timestamp: instantFromMillis(poll.completedMs),
    table: tableFromRows(next, 'api', previous?.table ?? null),
  };
}

/**
 * A priority refresh rewrites only the SIDs it checked and keeps the rest. The detail's timestamp
 * stays: it says how old the oldest part of the detail may be.
 */
function priorityDetails(previous: Details | null, poll: Poll): Details {
  const next: Rows = { incoming: [], outgoing: [] };
  const before = previous === null ? null : new RowLookup(previous.table);
  if (previous !== null) {
    for (const direction of DIRECTIONS) {
      // A kept row keeps its status, or has none when the previous detail came from a heartbeat.
      for (const row of rowsOf(previous.table, direction)) {
        if (!poll.exophones.has(row.sid)) next[direction].push(row);
      }
    }
  }
  for (const [sid, exophone] of poll.exophones) addSid(next, before, sid, exophone);
  const timestamp = previous?.timestamp ?? instantFromMillis(poll.completedMs);
  return { timestamp, table: tableFromRows(next, 'api', previous?.table ?? null) };
}

type Rows = Record<Direction, TableRow[]>;

function addSid(next: Rows, before: RowLookup | null, sid: string, exophone: PolledExoPhone) {
  for (const direction of DIRECTIONS) {
    const status = exophone.statuses[direction];
    if (status === null || !isAffected(status)) continue;
    const table = before?.table;
    const baseRow = before === null ? -1 : before.row(direction, sid);
    // The phone is per SID: a row of the other direction may have it.
    const phoneRow = before === null ? -1 : before.anyRow(sid);
    next[direction].push({
      sid,
      since: baseRow < 0 ? exophone.checkedMs / 1000 : (table?.since[baseRow] ?? 0),
      phone: exophone.phone ?? (phoneRow < 0 ? undefined : table?.phones[phoneRow]),
      status,
    });
  }
}
