import type { Direction, Instant, StatusType } from '../heartbeat/types.js';

/** Per-ExoPhone detail from the last heartbeat (or API poll) that carried any. */
export interface Details {
  /** The timestamp of the heartbeat the detail comes from. */
  readonly timestamp: Instant;
  /** SID → when its current affected streak began (seconds since the epoch), per direction. */
  readonly since: Readonly<Record<Direction, ReadonlyMap<string, number>>>;
  /** SID → E.164 number, for affected SIDs whose `data` entry had one. */
  readonly phones: ReadonlyMap<string, string>;
  /** Present when the detail comes from Exotel's API (the PAYLOAD_TOO_LARGE fallback). */
  readonly api?: ApiDetail;
}

/** What only an API poll knows: the raw connectivity status of each affected SID. */
export interface ApiDetail {
  /** SID → raw `connectivity.*.status` (anything but `active`), for the affected SIDs. */
  readonly statuses: Readonly<Record<Direction, ReadonlyMap<string, string>>>;
}

export interface AppliedHeartbeat {
  readonly timestamp: Instant;
  readonly status: StatusType;
}

/** Everything the exporter knows about one account; persisted, and never mutated in place. */
export interface AccountState {
  /** null until the first heartbeat is applied. */
  readonly applied: AppliedHeartbeat | null;
  /** null until a heartbeat with per-SID detail (anything but PAYLOAD_TOO_LARGE) is applied. */
  readonly details: Details | null;
  /** Receiver clock (ms) at the last valid heartbeat, applied or not; 0 = never. */
  readonly lastReceivedMs: number;
}

export const EMPTY_ACCOUNT: AccountState = { applied: null, details: null, lastReceivedMs: 0 };

export const DEFAULT_ACCOUNT = 'default';
