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

/**
 * A SID keeps its streak start while it stays listed; a newly listed SID starts one now. While an
 * outage goes on Exotel repeats the same list every few minutes: then every streak continues and
 * the previous maps are shared as they are (they are never mutated), which also lets the renderer
 * keep its per-SID text. For 230,000 pairs that is a lookup pass instead of building 380,000 map
 * entries.
 */
function nextDetails(previous: Details | null, heartbeat: Heartbeat): Details {
  if (previous !== null && samePerSid(previous, heartbeat)) {
    return { timestamp: heartbeat.timestamp, since: previous.since, phones: previous.phones };
  }
  const startedAt = instantToSeconds(heartbeat.timestamp);
  const since = {
    incoming: new Map<string, number>(),
    outgoing: new Map<string, number>(),
  };
  let affectedWithPhone = 0;
  for (const direction of DIRECTIONS) {
    const before = previous?.since[direction];
    const now = since[direction];
    for (const sid of heartbeat[direction]) {
      now.set(sid, before?.get(sid) ?? startedAt);
      const listedBefore = direction === 'outgoing' && since.incoming.has(sid);
      if (!listedBefore && heartbeat.phones.has(sid)) affectedWithPhone++;
    }
  }
  // Only affected SIDs keep a phone. Usually `data` lists exactly those, and its map serves as is.
  const phones =
    affectedWithPhone === heartbeat.phones.size
      ? heartbeat.phones
      : onlyAffected(heartbeat.phones, since);
  return { timestamp: heartbeat.timestamp, since, phones };
}

function onlyAffected(
  phones: ReadonlyMap<string, string>,
  since: Details['since'],
): ReadonlyMap<string, string> {
  const kept = new Map<string, string>();
  for (const [sid, phone] of phones) {
    if (since.incoming.has(sid) || since.outgoing.has(sid)) kept.set(sid, phone);
  }
  return kept;
}

/** Same status and, unless PAYLOAD_TOO_LARGE, the same affected sets and phone numbers. */
function sameContent(state: AccountState, heartbeat: Heartbeat): boolean {
  if (state.applied?.status !== heartbeat.status) return false;
  if (heartbeat.status === 'PAYLOAD_TOO_LARGE') return true;
  const details = state.details;
  if (details === null || !sameInstant(details.timestamp, heartbeat.timestamp)) return false;
  return samePerSid(details, heartbeat);
}

/**
 * How each per-SID field of a heartbeat is compared with the detail it would replace. Keyed by
 * every Heartbeat field but timestamp and status, so a per-SID field added to Heartbeat without a
 * comparison here is a type error, not a field silently dropped whenever Exotel repeats a list
 * (nextDetails shares the previous detail when all of these say "same").
 */
const PER_SID_FIELDS: {
  readonly [K in Exclude<keyof Heartbeat, 'timestamp' | 'status'>]: (
    details: Details,
    heartbeat: Heartbeat,
  ) => boolean;
} = {
  incoming: (details, heartbeat) => sameList(details.since.incoming, heartbeat.incoming),
  outgoing: (details, heartbeat) => sameList(details.since.outgoing, heartbeat.outgoing),
  // details.phones holds only affected SIDs, so equal SID sets plus equal phones per SID is
  // equality.
  phones: (details, heartbeat) => {
    for (const direction of DIRECTIONS) {
      for (const sid of heartbeat[direction]) {
        if (heartbeat.phones.get(sid) !== details.phones.get(sid)) return false;
      }
    }
    return true;
  },
};

function sameList(known: ReadonlyMap<string, number>, sids: readonly string[]): boolean {
  if (sids.length !== known.size) return false;
  for (const sid of sids) if (!known.has(sid)) return false;
  return true;
}

/** The same affected SIDs in each direction, with the same phone numbers (every per-SID field). */
function samePerSid(details: Details, heartbeat: Heartbeat): boolean {
  return Object.values(PER_SID_FIELDS).every((same) => same(details, heartbeat));
}

function sameInstant(a: Instant, b: Instant): boolean {
  return compareInstants(a, b) === 0;
}
