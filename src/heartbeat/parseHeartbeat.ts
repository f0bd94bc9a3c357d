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

/**
 * Bytes → a normalised Heartbeat, or why not: everything about a body that needs no state.
 * `between`, when given, is awaited between decoding and validating (ingest.ts gives the event
 * loop a turn there for a large body).
 */
export async function parseHeartbeat(
  body: Uint8Array,
  validator: HeartbeatValidator,
  allowRepairs: boolean,
  between?: () => Promise<void>,
): Promise<ParseResult> {
  const decoded = decodeBody(body, allowRepairs);
  if (!decoded.ok) return decoded;
  if (between !== undefined) await between();
  const validated = validateHeartbeat(decoded.value, validator, allowRepairs);
  if (!validated.ok) return validated;
  const repairs: RepairKind[] = [];
  if (decoded.repairedTrailingComma) repairs.push('trailing_comma');
  if (validated.repairedTimestamp) repairs.push('timestamp_suffix');
  return { ok: true, heartbeat: validated.heartbeat, repairs };
}
