/** How often the status page reloads itself unless told otherwise. */
export const DEFAULT_REFRESH_SECONDS = 30;
export const MIN_REFRESH_SECONDS = 5;
export const MAX_REFRESH_SECONDS = 3600;

/**
 * The `refresh` query parameter: absent → the default, `0` → off, or whole seconds within
 * 5–3600 (a dozen forgotten tabs must not make the exporter render a large page every second).
 * Returns null for anything else, which the route answers with a 400.
 */
export function parseRefresh(value: unknown): number | null {
  if (value === undefined) return DEFAULT_REFRESH_SECONDS;
  if (typeof value !== 'string' || !/^\d{1,5}$/.test(value)) return null;
  const seconds = Number(value);
  if (seconds === 0) return 0;
  return seconds >= MIN_REFRESH_SECONDS && seconds <= MAX_REFRESH_SECONDS ? seconds : null;
}
