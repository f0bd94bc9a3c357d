import { DIRECTIONS, type Direction } from '../heartbeat/types.js';
import type { Details } from '../state/account.js';

export interface AffectedRow {
  readonly sid: string;
  /** null when the heartbeat had no `data` entry (or no number) for the SID. */
  readonly phone: string | null;
  readonly direction: Direction;
  /** When the current affected streak began, seconds since the epoch (Exotel's clock). */
  readonly sinceSeconds: number;
}

export interface LongestAffected {
  /** Longest affected first (ties by SID, then direction), at most `maxRows`. */
  readonly rows: readonly AffectedRow[];
  /** Every affected (SID, direction) pair, shown or not. */
  readonly total: number;
}

/**
 * Details objects are replaced, never mutated, so the sorted list can be kept per Details object:
 * a 10 MB heartbeat lists hundreds of thousands of SIDs, and a status page refreshing every 30 s
 * should sort them once per heartbeat, not once per view.
 */
const cache = new WeakMap<Details, Map<number, LongestAffected>>();

/** The affected pairs on-call should look at first: those affected the longest. Pure (memoised). */
export function longestAffected(details: Details | null, maxRows: number): LongestAffected {
  if (details === null) return { rows: [], total: 0 };
  const cached = cache.get(details)?.get(maxRows);
  if (cached !== undefined) return cached;

  const all: AffectedRow[] = [];
  for (const direction of DIRECTIONS) {
    for (const [sid, sinceSeconds] of details.since[direction]) {
      all.push({ sid, phone: details.phones.get(sid) ?? null, direction, sinceSeconds });
    }
  }
  // Same order as the per-SID series cap in /metrics, so the page and the metrics agree on which
  // ExoPhones come first.
  all.sort(
    (a, b) =>
      a.sinceSeconds - b.sinceSeconds ||
      (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0) ||
      (a.direction < b.direction ? -1 : a.direction > b.direction ? 1 : 0),
  );
  const result: LongestAffected = { rows: all.slice(0, maxRows), total: all.length };
  const perDetails = cache.get(details) ?? new Map<number, LongestAffected>();
  perDetails.set(maxRows, result);
  cache.set(details, perDetails);
  return result;
}
