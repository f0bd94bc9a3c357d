import { MAX_BODY_BYTES } from '../http/heartbeatRoute.js';

/**
 * The most one account can take in the state file. An account's entry is the detail of one
 * heartbeat (at most MAX_BODY_BYTES) re-encoded: each SID listed as `"07930061010",` (14 bytes
 * for the 11-digit SIDs Exotel issues) becomes `["07930061010",1733000000.123456789],` (up to 37),
 * about 2.6 times as much; a `data` entry is longer in the body than its `[sid, phone]` pair.
 * Three times the body cap covers that, plus the fixed fields.
 */
export const STATE_BYTES_PER_ACCOUNT = 3 * MAX_BODY_BYTES;

/** The file's envelope and rounding: a few hundred bytes in practice. */
const ENVELOPE_BYTES = 65_536;

/**
 * The largest state file the configuration allows: MAX_ACCOUNTS × STATE_BYTES_PER_ACCOUNT +
 * 64 KiB. A bigger file cannot be one this exporter wrote with these settings, so it is set aside
 * without being read, and no read ever goes past this (a file that grows while being read
 * included): start-up memory is bounded by the settings, never by whatever STATE_FILE points at.
 */
export function maxStateFileBytes(maxAccounts: number): number {
  return maxAccounts * STATE_BYTES_PER_ACCOUNT + ENVELOPE_BYTES;
}
