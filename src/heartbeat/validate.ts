import { validateFast } from './fastValidate.js';
import { SID_REGEX } from './labelSafe.js';
import type { HeartbeatValidator } from './schema.js';
import { parseTimestamp } from './timestamp.js';
import type { Heartbeat } from './types.js';

export type ValidateResult =
  | { readonly ok: true; readonly heartbeat: Heartbeat; readonly repairedTimestamp: boolean }
  | { readonly ok: false; readonly reason: 'invalid_payload'; readonly detail: string };

/**
 * Checks a decoded body and normalises it into a Heartbeat: the one-pass check first, the schema
 * only to name what is wrong (or, should the two ever disagree, to have the final word).
 */
export function validateHeartbeat(
  value: unknown,
  validator: HeartbeatValidator,
  allowRepairs: boolean,
): ValidateResult {
  const fast = validateFast(value, allowRepairs);
  if (fast !== null) return { ok: true, ...fast };
  return validateWithSchema(value, validator, allowRepairs);
}

/** The reference path: the schema decides, then a plain normalisation. */
export function validateWithSchema(
  value: unknown,
  validator: HeartbeatValidator,
  allowRepairs: boolean,
): ValidateResult {
  if (!validator.check(value)) {
    const field = describeField(validator.firstErrorPath(value));
    return { ok: false, reason: 'invalid_payload', detail: `invalid field: ${field}` };
  }
  const parsed = parseTimestamp(value.timestamp, allowRepairs);
  // The schema's format check ran the same parser, so this cannot fail; keep the type honest.
  if (parsed === null)
    return { ok: false, reason: 'invalid_payload', detail: 'invalid field: timestamp' };

  // Object.entries sees `__proto__` as an ordinary own key (JSON.parse defines, never sets, it);
  // the Map keeps it that way.
  const phones = new Map<string, string>();
  for (const [sid, entry] of Object.entries(value.data ?? {})) {
    if (entry.phone_number !== undefined) phones.set(sid, entry.phone_number);
  }
  return {
    ok: true,
    heartbeat: {
      timestamp: parsed.instant,
      status: value.status_type,
      incoming: unique(value.incoming_affected),
      outgoing: unique(value.outgoing_affected),
      phones,
    },
    repairedTimestamp: parsed.repaired,
  };
}

/** Duplicate SIDs within an array count once. */
function unique(sids: readonly string[] | null | undefined): readonly string[] {
  if (sids === null || sids === undefined) return [];
  return [...new Set(sids)];
}

/**
 * Turns a JSON Pointer into a field name for the error message without echoing the payload: a key
 * is shown only when it is itself a safe SID.
 */
export function describeField(pointer: string): string {
  if (pointer === '') return 'body (must be a JSON object)';
  const segments = pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  let field = '';
  segments.forEach((segment, index) => {
    if (index === 0) field = SID_REGEX.test(segment) ? segment : '<unknown field>';
    else if (/^\d+$/.test(segment) && segments[0] !== 'data') field += `[${segment}]`;
    else if (SID_REGEX.test(segment)) field += index === 1 ? `["${segment}"]` : `.${segment}`;
    else field += '[<invalid key>]';
  });
  return field;
}
