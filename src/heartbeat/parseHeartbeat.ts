import { decodeBody } from './decode.js';
import type { HeartbeatValidator } from './schema.js';
import type { Heartbeat, RepairKind } from './types.js';
import { validateHeartbeat } from './validate.js';

export type ParseResult =
  | { readonly ok: true; readonly heartbeat: Heartbeat; readonly repairs: readonly RepairKind[] }
  | {
      readonly ok: false;
      readonly reason: 'invalid_json' | 'invalid_payload';
      readonly detail: string;
    };

/** Bytes → a normalised Heartbeat, or why not: everything about a body that needs no state. */
export function parseHeartbeat(
  body: Uint8Array,
  validator: HeartbeatValidator,
  allowRepairs: boolean,
): ParseResult {
  const decoded = decodeBody(body, allowRepairs);
  if (!decoded.ok) return decoded;
  const validated = validateHeartbeat(decoded.value, validator, allowRepairs);
  if (!validated.ok) return validated;
  const repairs: RepairKind[] = [];
  if (decoded.repairedTrailingComma) repairs.push('trailing_comma');
  if (validated.repairedTimestamp) repairs.push('timestamp_suffix');
  return { ok: true, heartbeat: validated.heartbeat, repairs };
}
