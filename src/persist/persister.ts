import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { asError } from './stateFile.js';

export interface PersisterDeps {
  /** Produces the current state as text; called right before each write, so it is never stale. */
  readonly serialize: () => string;
  readonly write: (data: string) => Promise<void>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onSuccess: (nowMs: number, durationMs: number) => void;
  readonly onFailure: () => void;
}

/**
 * Saves state off the request path and coalesces bursts: while a write runs, any number of
 * schedule() calls collapse into one more write of the then-current state.
 */
export class Persister {
  private running: Promise<void> | null = null;
  private dirty = false;

  constructor(private readonly deps: PersisterDeps) {}

  /** Asks for the current state to be saved soon. Never throws, never blocks the caller. */
  schedule(): void {
    this.dirty = true;
    // setImmediate: Exotel retries on slow answers, so the 200 goes out before any serialising.
    this.running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /** Resolves once everything scheduled so far is on disk (or has failed and been reported). */
  async flush(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        const started = this.deps.clock.now();
        try {
          await this.deps.write(this.deps.serialize());
          const finished = this.deps.clock.now();
          this.deps.onSuccess(finished, finished - started);
        } catch (error) {
          this.deps.onFailure();
          this.deps.logger.error(
            { err: asError(error) },
            'saving state failed; will retry on the next change',
          );
        }
      }
    } finally {
      this.running = null;
    }
  }
}
