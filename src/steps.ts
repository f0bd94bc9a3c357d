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
