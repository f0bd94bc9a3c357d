/**
 * The HTTP limits an SRE may want to tune (README, "Configuration" and "Operations"). Defaults,
 * checks and the reasoning behind the numbers: the --http.* entries of src/settings/table.ts.
 */
export interface HttpLimits {
  /** Whole request head (line and headers) must arrive within this. */
  readonly headersTimeoutMs: number;
  /** Whole request, body included, must arrive within this. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Largest request head; a bigger one gets Node's 431 and a closed connection. */
  readonly maxHeaderBytes: number;
  /** Open connections beyond this are dropped on accept. */
  readonly maxConnections: number;
  /** Open connections one source IP may hold; more are closed on accept. 0 turns it off. */
  readonly maxConnectionsPerSource: number;
  /** Webhook requests per source IP per minute once its burst is spent; 0 turns the limit off. */
  readonly rateLimitPerMinute: number;
  /** Webhook requests one source IP may send at once before the per-minute rate applies. */
  readonly rateLimitBurst: number;
  /** Large (> 1 MB or unknown length) heartbeat bodies being read at the same time. */
  readonly maxConcurrentLargeIngests: number;
}
