/**
 * The fixed set of reasons a heartbeat request is refused, used as the `reason` label of
 * `exotel_heartbeats_rejected_total` and as the `error` field of the JSON error body.
 */
export const REJECT_REASONS = [
  'unauthorized',
  'invalid_account',
  'unsupported_media_type',
  'body_too_large',
  'invalid_body',
  'invalid_json',
  'invalid_payload',
  'future_timestamp',
  'too_many_accounts',
  'not_ready',
  'rate_limited',
  'overloaded',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
