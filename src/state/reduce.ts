import { compareInstants, instantToSeconds } from '../heartbeat/instant.js';
import type { Heartbeat, Instant } from '../heartbeat/types.js';
import { DIRECTIONS } from '../heartbeat/types.js';
import type { AccountState, Details } from './account.js';

/**
 * - applied: newer than the applied heartbeat (or the first one);
 * - conflict: same timestamp, different content; applied, the later arrival wins;
 * - duplicate: same timestamp, same content (Exotel's retry); nothing but last-received changes;
 * - out_of_order: older than the applied one; acknowledged and ignored.
 */
export type Outcome = 'applied' | 'conflict' | 'duplicate' | 'out_of_order';

export interface Reduction {
  readonly state: AccountState;
  readonly outcome: Outcome;
}

/** The ordering rules of DESIGN.md as a pure function of (state, heartbeat, receiver time). */
export function reduceAccount(state: AccountState, heartbeat: Heartbeat, nowMs: number): Reduction {
  const received = { ...state, lastReceivedMs: nowMs };
  if (state.applied !== null) {
    const order = compareInstants(heartbeat.timestamp, state.applied.timestamp);
    if (order < 0) return { state: received, outcome: 'out_of_order' };
    if (order === 0 && sameContent(state, heartbeat)) {
      return { state: received, outcome: 'duplicate' };
    }
    if (order === 0) return { state: apply(received, heartbeat), outcome: 'conflict' };
  }
  return { state: apply(received, heartbeat), outcome: 'applied' };
}

function apply(state: AccountState, heartbeat: Heartbeat): AccountState {
  const applied = { timestamp: heartbeat.timestamp, status: heartbeat.status };
  // PAYLOAD_TOO_LARGE carries no per-SID detail: keep the last known detail (and its timestamp)
  // so a growing outage does not resolve per-ExoPhone alerts.
  if (heartbeat.status === 'PAYLOAD_TOO_LARGE') return { ...state, applied };
  return { ...state, applied, details: nextDetails(state.details, heartbeat) };
}

/** A SID keeps its streak start while it stays listed; a newly listed SID starts one now. */
function nextDetails(previous: Details | null, heartbeat: Heartbeat): Details {
  const startedAt = instantToSeconds(heartbeat.timestamp);
  const phones = new Map<string, string>();
  const since = {
    incoming: new Map<string, number>(),
    outgoing: new Map<string, number>(),
  };
  for (const direction of DIRECTIONS) {
    const before = previous?.since[direction];
    const now = since[direction];
    for (const sid of heartbeat[direction]) {
      now.set(sid, before?.get(sid) ?? startedAt);
      const phone = heartbeat.phones.get(sid);
      if (phone !== undefined) phones.set(sid, phone);
    }
  }
  return { timestamp: heartbeat.timestamp, since, phones };
}

/** Same status and, unless PAYLOAD_TOO_LARGE, the same affected sets and phone numbers. */
function sameContent(state: AccountState, heartbeat: Heartbeat): boolean {
  if (state.applied?.status !== heartbeat.status) return false;
  if (heartbeat.status === 'PAYLOAD_TOO_LARGE') return true;
  const details = state.details;
  if (details === null || !sameInstant(details.timestamp, heartbeat.timestamp)) return false;
  // details.phones holds only affected SIDs, so equal sets plus equal phones per SID is equality.
  for (const direction of DIRECTIONS) {
    const sids = heartbeat[direction];
    const known = details.since[direction];
    if (sids.length !== known.size) return false;
    for (const sid of sids) {
      if (!known.has(sid)) return false;
      if (heartbeat.phones.get(sid) !== details.phones.get(sid)) return false;
    }
  }
  return true;
}

function sameInstant(a: Instant, b: Instant): boolean {
  return compareInstants(a, b) === 0;
}
