/**
 * Poll settings and their defaults, in a module without imports: config.ts builds its DEFAULTS
 * from it at load time, so it must not sit in an import cycle.
 */
/** How the fallback polls; one set for every account. Times in milliseconds. */
export interface PollSettings {
  /** Request budget per Exotel account: tokens per minute and how many may be saved up. */
  readonly requestsPerMinute: number;
  readonly burst: number;
  /** Requests in flight per account (1 or 2). */
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Retries per request after the first attempt (429, 5xx, timeouts, unreadable answers). */
  readonly maxRetries: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** A Retry-After longer than this is cut to it. */
  readonly maxRetryAfterMs: number;
  /** Pause between the end of one poll and the start of the next while the fallback is wanted. */
  readonly intervalMs: number;
  readonly pageSize: number;
  /** Also poll when no heartbeat arrived for this long (0: only on PAYLOAD_TOO_LARGE). */
  readonly staleAfterMs: number;
  /** Re-check the known-affected SIDs at most this often during a long poll. */
  readonly priorityRefreshMs: number;
  /** At most this many known-affected SIDs are checked ahead of the rest. */
  readonly priorityMax: number;
}

export const FALLBACK_DEFAULTS: PollSettings = {
  // Exotel's newer docs claim 50/min per account; stay well below it, with room for a user's
  // own scripts on the same API key.
  requestsPerMinute: 30,
  burst: 5,
  concurrency: 1,
  timeoutMs: 10_000,
  // The vendor suggests 1, 2, 4, 8, 16 s and at most 5 retries.
  maxRetries: 5,
  backoffBaseMs: 1_000,
  backoffCapMs: 60_000,
  maxRetryAfterMs: 600_000,
  intervalMs: 300_000,
  pageSize: 50,
  staleAfterMs: 0,
  priorityRefreshMs: 900_000,
  priorityMax: 200,
};
