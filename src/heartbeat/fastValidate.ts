import { PHONE_PATTERN, SID_REGEX } from './labelSafe.js';
import { parseTimestamp } from './timestamp.js';
import { STATUS_TYPES, type Heartbeat, type StatusType } from './types.js';

const PHONE_REGEX = new RegExp(PHONE_PATTERN);
const STATUSES: ReadonlySet<unknown> = new Set(STATUS_TYPES);

export interface FastResult {
  readonly heartbeat: Heartbeat;
  readonly repairedTimestamp: boolean;
}

/**
 * Checks a decoded body and builds the Heartbeat in one pass over its 150,000-odd SIDs. It accepts
 * exactly what the TypeBox schema (schema.ts) accepts — a differential property test holds the two
 * together — but walks the data once instead of three times (schema check, Object.entries, Set),
 * which took a 10 MB heartbeat from about 0.9 s to under 0.1 s. It returns null at the first
 * problem and leaves naming it to the schema, whose error paths only matter on the slow, bad path.
 */
export function validateFast(value: unknown, allowRepairs: boolean): FastResult | null {
  if (!isObject(value)) return null;
  const { timestamp, status_type: status } = value;
  if (typeof timestamp !== 'string' || !STATUSES.has(status)) return null;
  const parsed = parseTimestamp(timestamp, allowRepairs);
  if (parsed === null) return null;
  const incoming = affected(value['incoming_affected']);
  const outgoing = affected(value['outgoing_affected']);
  const phones = phonesOf(value['data']);
  if (incoming === null || outgoing === null || phones === null) return null;
  return {
    heartbeat: {
      timestamp: parsed.instant,
      status: status as StatusType,
      incoming,
      outgoing,
      phones,
    },
    repairedTimestamp: parsed.repaired,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `null`, `[]` and an absent key mean the same; duplicates count once, first appearance wins. */
function affected(value: unknown): readonly string[] | null {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return null;
  const seen = new Set<string>();
  for (const sid of value as unknown[]) {
    if (typeof sid !== 'string' || !SID_REGEX.test(sid)) return null;
    seen.add(sid);
  }
  // Exotel lists each SID once, so the array itself usually is the answer.
  return seen.size === value.length ? (value as string[]) : [...seen];
}

/**
 * SID → phone number for the `data` entries that have one. for…in sees `__proto__` as an
 * ordinary own key (JSON.parse defines, never sets, it), and reading it back finds the own
 * property before the accessor on Object.prototype; the Map keeps it an ordinary key. for…in
 * rather than Object.keys: it skips building a 150,000-key array (a third of this loop's time),
 * and a JSON object has no inherited enumerable keys for it to find.
 */
function phonesOf(value: unknown): Map<string, string> | null {
  const phones = new Map<string, string>();
  if (value === undefined || value === null) return phones;
  if (!isObject(value)) return null;
  for (const sid in value) {
    if (!SID_REGEX.test(sid)) return null;
    const entry = value[sid];
    if (!isObject(entry)) return null;
    const phone = entry['phone_number'];
    if (phone === undefined) continue;
    if (typeof phone !== 'string' || !PHONE_REGEX.test(phone)) return null;
    phones.set(sid, phone);
  }
  return phones;
}
