import type { Clock } from '../clock.js';
import type { Timers } from '../timers.js';
import type { Logger } from '../logger.js';
import type { StateData } from './stateEncoder.js';
import { asError } from './stateFile.js';
import { ThrottledErrorLog } from './throttledLog.js';

export interface PersisterDeps {
  /**
   * Produces the current state's file content; called right before each write, so never stale.
   * It may take turns of the event loop (the exporter encodes a large state in steps); a change
   * meanwhile schedules another save, as during the write.
   */
  readonly serialize: () => StateData | Promise<StateData>;
  readonly write: (data: StateData) => Promise<void>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onSuccess: (nowMs: number, durationMs: number) => void;
  readonly onFailure: () => void;
  /**
   * Waits before retrying a failed save. Without it, a failed save is retried only with the next
   * change, which for a quiet account may be many minutes (or a restart) away.
   */
  readonly timers?: Timers;
}

/** A failed save is retried after 5 s, then 10, 20, … up to 5 minutes between attempts. */
export const RETRY_FIRST_MS = 5_000;
export const RETRY_MAX_MS = 300_000;
/** A failing disk logs one error per minute, with the number of failures held back. */
export const ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * Saves state off the request path and coalesces bursts: while a write runs, any number of
 * schedule() calls collapse into one more write of the then-current state. A failed save keeps
 * the old file (writeFileAtomic), is counted, logged at most once a minute, and retried with
 * backoff; the exporter keeps serving from memory meanwhile.
 */
export class Persister {
  private running: Promise<void> | null = null;
  private dirty = false;
  private failures = 0;
  private retry: AbortController | null = null;
  private closing = false;
  private readonly errorLog: ThrottledErrorLog;

  constructor(private readonly deps: PersisterDeps) {
    this.errorLog = new ThrottledErrorLog(deps.logger, ERROR_LOG_INTERVAL_MS);
  }

  /** Asks for the current state to be saved soon. Never throws, never blocks the caller. */
  schedule(): void {
    this.dirty = true;
    // setImmediate: Exotel retries on slow answers, so the 200 goes out before any serialising.
    this.running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /**
   * Resolves once everything scheduled so far is on disk (or has failed and been reported). A
   * retry still waiting is attempted now instead, once: flush is what shutdown calls.
   */
  async flush(): Promise<void> {
    this.closing = true;
    if (this.retry !== null) {
      this.retry.abort();
      this.retry = null;
      this.schedule();
    }
    while (this.running !== null) await this.running;
    this.closing = false;
  }

  /** Delay before the next retry after `failures` failures in a row. */
  static retryDelayMs(failures: number): number {
    return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(failures - 1, 30));
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        const started = this.deps.clock.now();
        try {
          await this.deps.write(await this.deps.serialize());
          const finished = this.deps.clock.now();
          this.failures = 0;
          this.cancelRetry();
          this.errorLog.recovered('saving state works again');
          this.deps.onSuccess(finished, finished - started);
        } catch (error) {
          this.failures++;
          this.deps.onFailure();
          const retryInMs =
            this.deps.timers === undefined ? null : Persister.retryDelayMs(this.failures);
          this.errorLog.error(
            this.deps.clock.now(),
            { err: asError(error), failures: this.failures, retryInMs },
            'saving state failed; the old file is kept and the state is served from memory',
          );
          if (retryInMs !== null) this.retryAfter(retryInMs);
        }
      }
    } finally {
      this.running = null;
    }
  }

  private retryAfter(ms: number): void {
    if (this.closing || this.deps.timers === undefined) return;
    this.cancelRetry();
    const controller = new AbortController();
    this.retry = controller;
    this.deps.timers.sleep(ms, controller.signal).then(
      () => {
        if (this.retry !== controller) return;
        this.retry = null;
        this.schedule();
      },
      () => undefined, // aborted: a save succeeded, or flush() took over
    );
  }

  private cancelRetry(): void {
    this.retry?.abort();
    this.retry = null;
  }
}
