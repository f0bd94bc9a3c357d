import type { Instant } from './types.js';

export function compareInstants(a: Instant, b: Instant): number {
  return a.seconds !== b.seconds ? a.seconds - b.seconds : a.nanos - b.nanos;
}

/** Seconds as a float for a metric value (microsecond precision survives a double). */
export function instantToSeconds(instant: Instant): number {
  return instant.seconds + instant.nanos / 1e9;
}

export function instantFromMillis(ms: number): Instant {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  // Rounding a fraction just below a whole second can reach 1e9: carry it.
  return nanos >= 1e9 ? { seconds: seconds + 1, nanos: nanos - 1e9 } : { seconds, nanos };
}
