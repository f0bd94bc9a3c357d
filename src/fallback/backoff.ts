/**
 * Exponential backoff with "equal jitter": the delay doubles per attempt up to the cap, and a random
 * half of it is added, so pollers that failed together do not retry together (no retry storms) and
 * no delay is ever shorter than half the nominal one. `attempt` 0 is the first retry.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number,
): number {
  const nominal = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(nominal / 2 + random() * (nominal / 2));
}
