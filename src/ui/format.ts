/** Human-readable times and sizes for the status page. Pure; "now" is always passed in. */

/** A duration as on-call reads it: `42s`, `4m 10s`, `3h 5m`, `2d 4h`. Negative reads as 0s. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** A configured interval, without a zero part: `5m`, `1h`, `1m 30s`, `1h 30m`. */
export function formatInterval(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 60 && seconds < 3600 && seconds % 60 === 0) return `${seconds / 60}m`;
  return formatAge(seconds * 1000);
}

/** `2024-05-01 11:58:00 UTC`: the page has no JavaScript, so it cannot know the reader's zone. */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Time of day only when it is on the same UTC day as now, else the full date and time. */
export function formatUtcShort(ms: number, nowMs: number): string {
  const full = new Date(ms).toISOString();
  const today = new Date(nowMs).toISOString().slice(0, 10);
  return full.slice(0, 10) === today
    ? full.slice(11, 19)
    : `${full.slice(0, 10)} ${full.slice(11, 19)}`;
}

/** `512 B`, `1.5 kB`, `9.8 MB` (powers of 1000, like the 10 MB vendor cap). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
