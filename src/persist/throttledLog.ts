import type { Logger } from '../logger.js';

/**
 * Logs a repeating error at most once per interval, counting what it held back: a full disk fails
 * every save, and one error line per heartbeat would bury everything else in the logs.
 */
export class ThrottledErrorLog {
  private lastLoggedMs: number | null = null;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  error(nowMs: number, fields: Record<string, unknown>, msg: string): void {
    if (this.lastLoggedMs !== null && nowMs - this.lastLoggedMs < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.logger.error({ ...fields, suppressed: this.suppressed }, msg);
    this.lastLoggedMs = nowMs;
    this.suppressed = 0;
  }

  /** The failures are over: says so once (with what was held back) and re-arms the log. */
  recovered(msg: string): void {
    if (this.lastLoggedMs === null) return;
    this.logger.info({ suppressed: this.suppressed }, msg);
    this.lastLoggedMs = null;
    this.suppressed = 0;
  }
}
