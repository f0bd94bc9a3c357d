/**
 * Reads a `Retry-After` header (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date. Returns
 * the wait in milliseconds from `nowMs` (never negative, at most `maxMs` so a bogus far-future date
 * cannot park the poller for days), or null when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number, maxMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(maxMs, Number(text) * 1000);
  // All three HTTP-date forms start with the day name; "1.5" or "-1" are not valid at all.
  if (!/^[A-Za-z]{3}/.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.min(maxMs, Math.max(0, at - nowMs));
}
