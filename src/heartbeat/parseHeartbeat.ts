import { bodyText, decodeText, NOT_UTF8 } from './decode.js';
import { runInSteps } from '../steps.js';
import { parseInPieces } from './piecewiseParse.js';
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
 * `between`, when given (ingest.ts gives it for a large body, so a scrape can be served
 * meanwhile), is awaited between the pieces the body is parsed and checked in
 * (piecewiseParse.ts). A body that path is not sure of takes the whole-body path, which decides
 * and names the problem.
 */
export async function parseHeartbeat(
  body: Uint8Array,
  validator: HeartbeatValidator,
  allowRepairs: boolean,
  between?: () => Promise<void>,
): Promise<ParseResult> {
  const text = bodyText(body);
  if (text === null) return NOT_UTF8;
  if (between !== undefined) {
    const pieces = await runInSteps(parseInPieces(text, allowRepairs), between);
    if (pieces !== null) {
      const repairs: RepairKind[] = pieces.repairedTimestamp ? ['timestamp_suffix'] : [];
      return { ok: true, heartbeat: pieces.heartbeat, repairs };
    }
  }
  const decoded = decodeText(text, allowRepairs);
  if (!decoded.ok) return decoded;
  const validated = validateHeartbeat(decoded.value, validator, allowRepairs);
  if (!validated.ok) return validated;
  const repairs: RepairKind[] = [];
  if (decoded.repairedTrailingComma) repairs.push('trailing_comma');
  if (validated.repairedTimestamp) repairs.push('timestamp_suffix');
  return { ok: true, heartbeat: validated.heartbeat, repairs };
}
