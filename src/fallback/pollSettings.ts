/**
 * How the fallback polls; one set for every account. Times in milliseconds. Defaults and checks:
 * the --exotel.api-* entries of src/settings/table.ts.
 */
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
