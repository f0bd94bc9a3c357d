import type { Instant, StatusType } from '../heartbeat/types.js';
import type { SidTable } from './sidTable.js';

/** Per-ExoPhone detail from the last heartbeat (or API poll) that carried any. */
export interface Details {
  /** The timestamp of the heartbeat the detail comes from. */
  readonly timestamp: Instant;
  /**
   * Every affected (SID, direction) pair with its streak start, phone number and, from an API
   * poll, raw status: the one holder of per-SID detail (sidTable.ts).
   */
  readonly table: SidTable;
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
