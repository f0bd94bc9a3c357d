import type { RepairKind, StatusType } from '../heartbeat/types.js';
import type { RejectReason } from '../metrics/rejectReasons.js';
import type { Outcome } from '../state/reduce.js';

/** How many requests the status page and /api/v1/status remember (blackbox's "Recent Probes"). */
export const RECENT_HEARTBEATS_CAPACITY = 100;

/**
 * Longest attempted account name kept for a refused request. The name comes from the URL, so it
 * can be anything; the first characters are enough to spot a misconfigured Exotel URL.
 */
export const MAX_ATTEMPTED_ACCOUNT_CHARS = 64;

/**
 * One heartbeat request as on-call needs to see it: what happened to it, never what it carried.
 * The body is never kept, only its size.
 */
export type RecentHeartbeat = AcceptedHeartbeat | RejectedHeartbeat;

interface RecentCommon {
  /** Receiver clock, ms since the epoch. */
  readonly receivedMs: number;
  readonly httpStatus: number;
  /** Body size in bytes; null when the body was not read (refused on its headers or size). */
  readonly bodyBytes: number | null;
}

export interface AcceptedHeartbeat extends RecentCommon {
  readonly outcome: Outcome;
  readonly account: string;
  readonly status: StatusType;
  /** SIDs the heartbeat listed per direction; null for PAYLOAD_TOO_LARGE, which lists none. */
  readonly incoming: number | null;
  readonly outgoing: number | null;
  /** Vendor quirks repaired to accept it. */
  readonly repairs: readonly RepairKind[];
}

export interface RejectedHeartbeat extends RecentCommon {
  readonly outcome: 'rejected';
  /** The account from the URL as attempted (maybe invalid, truncated), or null when unknown. */
  readonly account: string | null;
  readonly reason: RejectReason;
  /** The short explanation sent to the client; it never contains payload content. */
  readonly detail: string;
}

/**
 * A bounded ring of the latest heartbeat requests, newest first on read. Memory stays constant
 * however many requests arrive; nothing here reads a clock (entries carry their own time).
 */
export class RecentHeartbeats {
  private readonly entries: (RecentHeartbeat | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number = RECENT_HEARTBEATS_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
    this.entries = new Array<RecentHeartbeat | undefined>(capacity);
  }

  record(entry: RecentHeartbeat): void {
    this.entries[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** A copy, newest first, so a renderer can hold it while new requests arrive. */
  list(): RecentHeartbeat[] {
    const out: RecentHeartbeat[] = [];
    for (let i = 1; i <= this.size; i++) {
      const entry = this.entries[(this.next - i + this.capacity) % this.capacity];
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }
}

/** Keeps an attempted (possibly hostile) account name short enough to show. */
export function attemptedAccount(account: string | undefined): string | null {
  if (account === undefined) return null;
  // By code point, so a cut never splits a surrogate pair.
  const chars = Array.from(account);
  return chars.length > MAX_ATTEMPTED_ACCOUNT_CHARS
    ? `${chars.slice(0, MAX_ATTEMPTED_ACCOUNT_CHARS).join('')}…`
    : account;
}
