import type { IngestResult } from '../ingest.js';
import type { AcceptedHeartbeat } from './recentHeartbeats.js';

/** The recent-heartbeats entry for an accepted heartbeat: counts and outcome, never content. */
export function acceptedEntry(
  account: string,
  bodyBytes: number,
  result: Extract<IngestResult, { ok: true }>,
): AcceptedHeartbeat {
  const { heartbeat } = result;
  // PAYLOAD_TOO_LARGE carries no list (any arrays in it are ignored), so it has no counts.
  const listed = heartbeat.status !== 'PAYLOAD_TOO_LARGE';
  return {
    receivedMs: result.receivedMs,
    httpStatus: 200,
    outcome: result.outcome,
    account,
    status: heartbeat.status,
    incoming: listed ? heartbeat.incoming.length : null,
    outgoing: listed ? heartbeat.outgoing.length : null,
    repairs: result.repairs,
    bodyBytes,
  };
}
