/**
 * Work written as a generator that pauses (yields) between steps, so one function serves both a
 * caller that wants the result now and one that spreads it over turns of the event loop, letting
 * requests (a scrape) be served in between.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs every step at once. */
export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/** Runs the steps, awaiting `between` after each pause. */
export async function runInSteps<T>(steps: Steps<T>, between: () => Promise<void>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    await between();
  }
}

/**
 * Resolves after the event loop has polled for I/O, so requests that arrived meanwhile are read
 * and served first. One setImmediate is not enough: called from an I/O callback (a request
 * body's last chunk), it runs in the same loop iteration's check phase, before the next poll.
 * The second, queued during the check phase, runs in the next iteration, after its poll.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
