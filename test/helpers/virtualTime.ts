import type { Clock } from '../../src/clock.js';
import type { Timers } from '../../src/timers.js';

interface Pending {
  readonly at: number;
  readonly resolve: () => void;
}

/**
 * A clock and timers in virtual time: sleeps return as soon as nothing else can run, with the
 * clock moved to their deadline. HTTP requests made through `fetch` (below) count as running, so
 * time never jumps while an answer is on its way (a request's own timeout cannot fire early).
 */
export class VirtualTime implements Clock, Timers {
  private pending: Pending[] = [];
  private busy = 0;

  constructor(private nowMs: number) {}

  now(): number {
    return this.nowMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(new Error('aborted'));
        return;
      }
      const entry: Pending = {
        at: this.nowMs + ms,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.pending = this.pending.filter((p) => p !== entry);
        reject(new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.push(entry);
      this.schedule();
    });
  }

  /** Real fetch, with the body read in full before time may move on. */
  readonly fetch: typeof fetch = (input, init) => this.around(fetch, input, init);

  /** Any fetch-like function, counted as running until its body is read. */
  wrap(inner: typeof fetch): typeof fetch {
    return (input, init) => this.around(inner, input, init);
  }

  private async around(
    inner: typeof fetch,
    input: Parameters<typeof fetch>[0],
    init: Parameters<typeof fetch>[1],
  ): Promise<Response> {
    this.busy++;
    try {
      const response = await inner(input, init);
      const body = await response.arrayBuffer();
      return new Response(body, { status: response.status, headers: response.headers });
    } finally {
      this.busy--;
      this.schedule();
    }
  }

  private schedule(): void {
    setImmediate(() => {
      if (this.busy > 0 || this.pending.length === 0) return;
      const next = this.pending.reduce((a, b) => (b.at < a.at ? b : a));
      this.pending = this.pending.filter((p) => p !== next);
      this.nowMs = Math.max(this.nowMs, next.at);
      next.resolve();
    });
  }
}
