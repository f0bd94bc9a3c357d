import type { Direction } from '../heartbeat/types.js';
import { directionOf, type SidTable } from '../state/sidTable.js';

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
 * The affected pairs on-call should look at first: those affected the longest, in the table's
 * one order (state/sidTable.ts) — the same as the per-SID series cap in /metrics, so the page and
 * the metrics agree on which ExoPhones come first. The table sorts once per heartbeat, not once
 * per view of a status page refreshing every 30 s; only `maxRows` rows are built here.
 */
export function longestAffected(table: SidTable | null, maxRows: number): LongestAffected {
  if (table === null) return { rows: [], total: 0 };
  const rows = Array.from(table.longestFirst().subarray(0, maxRows), (row) => ({
    sid: table.sids[row] ?? '',
    phone: table.phones[row] ?? null,
    direction: directionOf(table, row),
    sinceSeconds: table.since[row] ?? 0,
  }));
  return { rows, total: table.rows };
}
