/**
 * The only source of "now" for the exporter. Handlers read it once at the edge and pass the value
 * down as data, so reducers and renderers stay pure and tests can move time by hand.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() }; // eslint-disable-line no-restricted-properties
