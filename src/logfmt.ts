/**
 * logfmt output for pino (--log.format=logfmt), the format Prometheus components log in:
 * `ts=… level=info msg="listening" address=:: port=8747`. pino writes one JSON line per entry to
 * its destination; this destination rewrites each line before passing it on. Nested objects are
 * flattened with dots (`config.port=8747`), arrays are written as JSON. Nothing is dropped: what
 * the JSON log would say, this says.
 */
import type { DestinationStream } from 'pino';

/** Keys written first, in this order, as Prometheus components do. */
const LEADING = ['time', 'level', 'msg'] as const;
const RENAMED: Readonly<Record<string, string>> = { time: 'ts' };

export function logfmtDestination(out: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      out.write(`${toLogfmt(line)}\n`);
    },
  };
}

/** One pino JSON line → one logfmt line (without the newline); non-JSON text is quoted as msg. */
export function toLogfmt(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return `msg=${value(line.trimEnd())}`;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return `msg=${value(line.trimEnd())}`;
  }
  const record = entry as Record<string, unknown>;
  const pairs: string[] = [];
  for (const key of LEADING) {
    if (key in record) pairs.push(`${RENAMED[key] ?? key}=${value(record[key])}`);
  }
  for (const [key, v] of Object.entries(record)) {
    if ((LEADING as readonly string[]).includes(key)) continue;
    flatten(key, v, pairs);
  }
  return pairs.join(' ');
}

function flatten(prefix: string, v: unknown, pairs: string[]): void {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const entries = Object.entries(v);
    if (entries.length === 0) pairs.push(`${safeKey(prefix)}={}`);
    for (const [key, inner] of entries) flatten(`${prefix}.${key}`, inner, pairs);
    return;
  }
  pairs.push(`${safeKey(prefix)}=${value(v)}`);
}

/** Keys are left alone unless they hold a character that would break the line. */
function safeKey(key: string): string {
  return key.replace(/[\s="\\]/g, '_');
}

function value(v: unknown): string {
  const text =
    typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint'
        ? String(v)
        : v === undefined
          ? 'null'
          : JSON.stringify(v);
  return text === '' || needsQuotes(text) ? JSON.stringify(text) : text;
}

/** Spaces, `=`, quotes, backslashes and control characters would break a logfmt reader. */
function needsQuotes(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f || code === 0x22 || code === 0x3d || code === 0x5c) {
      return true;
    }
  }
  return false;
}
