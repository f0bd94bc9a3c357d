/** The HTTP limits an SRE may want to tune (README, "Configuration" and "Operations"). */
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

/**
 * Why these numbers: Exotel waits 15 s for its 200 and then retries (NOTES.md). A 10 MB heartbeat
 * must therefore arrive well inside 15 s for Exotel to see success at all (≥ 0.7 MB/s); 30 s
 * still takes one from a link half that fast (≥ 0.35 MB/s, about 2.7 Mbit/s), and its state is
 * applied even though Exotel has already timed out (the retries are then duplicates). A slow
 * body holds a socket at most 30 s, twice the vendor's own patience. Headers are a few hundred
 * bytes sent at once: 10 s is generous. Exotel's heartbeats are minutes apart, so keep-alive only
 * helps Prometheus (scrapes every 15–60 s) a little: Node's 5 s default. Heartbeats are one
 * request a few minutes per account; 600/min per source with a burst of 200 is two orders of
 * magnitude above that (one Exotel source may serve many accounts) yet caps a flood. One source
 * may hold an eighth of MAX_CONNECTIONS (64): Exotel needs one connection per heartbeat in flight
 * and Prometheus one per scrape, so seven other sources' worth of slots stay free however hard one
 * source floods (an idle socket is closed after HEADERS_TIMEOUT_MS anyway).
 */
export const HTTP_LIMIT_DEFAULTS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16_384,
  maxConnections: 512,
  maxConnectionsPerSource: 64,
  rateLimitPerMinute: 600,
  rateLimitBurst: 200,
  maxConcurrentLargeIngests: 3,
};
