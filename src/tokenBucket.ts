import type { Clock } from './clock.js';
import type { Timers } from './timers.js';

/**
 * The request budget for one Exotel account: `ratePerMinute` tokens a minute, at most `capacity`
 * saved up, so any 60 s window holds at most capacity + ratePerMinute requests. A 429 pauses the
 * bucket and empties it but for one token, so the end of a pause is not followed by a burst.
 *
 * Hand-written (40 lines) rather than `limiter` or `bottleneck`: both read Date.now() and schedule
 * with real timers internally, so budget and backoff could not be tested with an injected clock.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private readonly perMs: number;

  constructor(
    ratePerMinute: number,
    private readonly capacity: number,
    startMs: number,
  ) {
    this.perMs = ratePerMinute / 60_000;
    this.tokens = capacity;
    this.last = startMs;
  }

  /** Takes a token and returns 0, or returns how long to wait before asking again. */
  tryTake(nowMs: number): number {
    if (nowMs < this.pausedUntil) return this.pausedUntil - nowMs;
    if (nowMs > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (nowMs - this.last) * this.perMs);
      this.last = nowMs;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perMs));
  }

  /**
   * Exotel said "slow down": nothing goes out before `untilMs`; then exactly one request may go
   * (Retry-After is honoured to the millisecond), and saving up restarts from there.
   */
  pauseUntil(untilMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
    this.tokens = 1;
    this.last = Math.max(this.last, this.pausedUntil);
  }

  /** Waits for a token. */
  async take(clock: Clock, timers: Timers, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.tryTake(clock.now());
      if (wait === 0) return;
      await timers.sleep(wait, signal);
    }
  }
}
