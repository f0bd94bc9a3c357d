import type { Logger } from '../logger.js';
import { ApiError } from './apiClient.js';
import type { ApiMetrics } from './apiMetrics.js';
import { runPollCycle, type CycleDeps } from './pollCycle.js';
import type { Timers } from '../timers.js';

export interface AccountPollerDeps {
  readonly cycle: CycleDeps;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly metrics: ApiMetrics;
  readonly intervalMs: number;
}

/**
 * Polls one account again and again while started: a poll, then the interval, then the next.
 * A failed poll also waits the interval, so a broken key or an outage costs a handful of requests
 * per interval, never a storm. stop() aborts the poll in flight (its request included).
 */
export class AccountPoller {
  private controller: AbortController | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly deps: AccountPollerDeps) {}

  get active(): boolean {
    return this.controller !== null;
  }

  start(): void {
    if (this.controller !== null) return;
    const controller = new AbortController();
    this.controller = controller;
    this.deps.metrics.active(this.deps.cycle.account.account, true);
    const previous = this.running ?? Promise.resolve();
    // A stop-then-start waits for the aborted loop to unwind, so two loops never overlap.
    this.running = previous.then(() => this.loop(controller.signal));
  }

  stop(): void {
    if (this.controller === null) return;
    this.controller.abort(new Error('fallback stopped'));
    this.controller = null;
    this.deps.metrics.active(this.deps.cycle.account.account, false);
  }

  /** Stops and waits until the loop has unwound. */
  async close(): Promise<void> {
    this.stop();
    await this.running;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const { cycle, logger, metrics, timers } = this.deps;
    const account = cycle.account.account;
    while (!signal.aborted) {
      try {
        const result = await runPollCycle(cycle, signal);
        if (result.kind === 'complete') {
          metrics.pollCompleted(
            account,
            cycle.clock.now(),
            result.durationMs,
            result.exophones,
            result.withoutHealth,
          );
          logger.info(
            {
              account,
              exophones: result.exophones,
              withoutHealth: result.withoutHealth,
              durationMs: result.durationMs,
            },
            'api poll complete; per-ExoPhone detail published',
          );
        } else {
          metrics.pollEnded(account, 'superseded');
          logger.info({ account }, 'api poll superseded by a heartbeat; not published');
        }
      } catch (error) {
        if (stopped(signal)) return;
        metrics.pollEnded(account, 'failed');
        const reason = error instanceof ApiError ? error.reason : 'internal';
        const detail = error instanceof Error ? error.message : String(error);
        logger.warn(
          { account, reason, detail },
          'api poll failed; retrying after the poll interval',
        );
      }
      try {
        await timers.sleep(this.deps.intervalMs, signal);
      } catch {
        return;
      }
    }
  }
}

/** Read through a call: the loop's condition would otherwise make TypeScript think it is false. */
function stopped(signal: AbortSignal): boolean {
  return signal.aborted;
}
