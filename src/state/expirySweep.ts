import type { Config } from '../config.js';
import type { Timers } from '../timers.js';

/**
 * Often enough that a rehearsal account is gone before ExotelHeartbeatMissing could fire for it
 * (config.ts keeps REHEARSAL_EXPIRY_SECONDS below three heartbeat intervals), at most every 30 s.
 */
export function sweepIntervalMs(config: Config): number {
  const marginMs = (3 * config.heartbeatIntervalSeconds - config.rehearsalExpirySeconds) * 1000;
  return Math.max(1_000, Math.min(30_000, Math.floor(marginMs / 2)));
}

/** Runs `sweep` every `intervalMs` until `signal` aborts (shutdown). */
export async function sweepForever(
  timers: Timers,
  intervalMs: number,
  sweep: () => void,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    try {
      await timers.sleep(intervalMs, signal);
    } catch {
      return; // aborted: shutting down
    }
    sweep();
  }
}
