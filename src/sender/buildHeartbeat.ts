import { instantFromMillis } from '../heartbeat/instant.js';
import { formatInstant } from '../heartbeat/timestamp.js';
import type { SendOptions } from './sendOptions.js';

/**
 * A heartbeat shaped like Exotel's: unique SIDs per direction (null when none, as in the vendor's
 * examples), and a `data` entry per affected SID. ExoPhone SIDs in the vendor's examples are the
 * national number with a leading 0 (07930061010 → +917930061010); other SIDs get no phone number.
 */
export function buildHeartbeat(options: SendOptions, nowMs: number): string {
  const incoming = [...new Set(options.incoming)];
  const outgoing = [...new Set(options.outgoing)];
  // Object.fromEntries defines own properties, so no SID could ever reach a prototype.
  const data =
    options.status === 'PAYLOAD_TOO_LARGE'
      ? {}
      : Object.fromEntries(
          [...new Set([...incoming, ...outgoing])].map((sid) => [
            sid,
            /^0\d{6,14}$/.test(sid) ? { phone_number: `+91${sid.slice(1)}` } : {},
          ]),
        );
  return JSON.stringify({
    timestamp: options.timestamp ?? formatInstant(instantFromMillis(nowMs)),
    status_type: options.status,
    incoming_affected: incoming.length === 0 ? null : incoming,
    outgoing_affected: outgoing.length === 0 ? null : outgoing,
    data,
  });
}
