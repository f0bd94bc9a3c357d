export const STATUS_TYPES = ['OK', 'WARNING', 'CRITICAL', 'PAYLOAD_TOO_LARGE'] as const;
export type StatusType = (typeof STATUS_TYPES)[number];

export const DIRECTIONS = ['incoming', 'outgoing'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/**
 * An instant with the full precision RFC 3339 allows us to keep (nanoseconds), so two heartbeats
 * that differ below a millisecond are still ordered correctly.
 */
export interface Instant {
  /** Whole seconds since the Unix epoch (may be negative). */
  readonly seconds: number;
  /** 0 … 999,999,999. */
  readonly nanos: number;
}

/** A validated heartbeat, normalised: what the reducer needs and nothing else. */
export interface Heartbeat {
  readonly timestamp: Instant;
  readonly status: StatusType;
  /** Unique SIDs, in order of first appearance. `null`, `[]` and an absent key all give []. */
  readonly incoming: readonly string[];
  readonly outgoing: readonly string[];
  /** Phone numbers from `data`, by SID (entries without `phone_number` are absent). */
  readonly phones: ReadonlyMap<string, string>;
  /**
   * Each incoming SID's position in `incoming`, when the validator has it (it finds duplicates
   * with it): the table build (state/sidTable.ts) then needs no index of its own.
   */
  readonly incomingIndex?: ReadonlyMap<string, number>;
}

/** The documented vendor quirks we repaired to accept a heartbeat. */
export const REPAIR_KINDS = ['trailing_comma', 'timestamp_suffix'] as const;
export type RepairKind = (typeof REPAIR_KINDS)[number];
