import { TokenBucket } from '../tokenBucket.js';

/** Source addresses remembered at once; the least recently seen is forgotten beyond it. */
const MAX_TRACKED_SOURCES = 10_000;

/**
 * A token bucket per source IP for the webhook. Hand-written on the existing TokenBucket rather
 * than express-rate-limit: its MemoryStore reads Date.now() and runs its own interval timer, and
 * counts fixed windows (no separate burst), so it could not be tested with an injected clock.
 *
 * Memory is bounded: at most MAX_TRACKED_SOURCES buckets, least recently used evicted first (an
 * evicted source starts again with a full burst, which only errs on the side of letting it in).
 */
export class SourceRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly maxSources = MAX_TRACKED_SOURCES,
  ) {}

  /** 0 when the request may go ahead; otherwise how many ms until this source may try again. */
  take(source: string, nowMs: number): number {
    if (this.perMinute === 0) return 0;
    let bucket = this.buckets.get(source);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.perMinute, this.burst, nowMs);
      if (this.buckets.size >= this.maxSources) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    } else {
      this.buckets.delete(source); // re-inserted below: Map order is recency order
    }
    this.buckets.set(source, bucket);
    return bucket.tryTake(nowMs);
  }

  get trackedSources(): number {
    return this.buckets.size;
  }
}
