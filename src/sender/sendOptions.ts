import { parseArgs } from 'node:util';
import { SID_REGEX } from '../heartbeat/labelSafe.js';
import { parseRfc3339 } from '../heartbeat/timestamp.js';
import { STATUS_TYPES, type StatusType } from '../heartbeat/types.js';
import { DEFAULT_PORT } from '../config.js';

export interface SendOptions {
  readonly url: string;
  readonly status: StatusType;
  readonly incoming: readonly string[];
  readonly outgoing: readonly string[];
  /** RFC 3339; null = the sender's clock. */
  readonly timestamp: string | null;
  /** Sent as `Authorization: Bearer`; null: none. */
  readonly token: string | null;
}

export const SEND_USAGE = `Usage: exotel-heartbeat-exporter send [options]

Posts a realistic Exotel heartbeat to an exporter, to rehearse the paging path end to end.

  --url URL          where to post (default http://localhost:${DEFAULT_PORT}/heartbeat;
                     use .../heartbeat/<account> for another account; to rehearse, use
                     .../heartbeat/rehearsal: a rehearsal account expires on its own)
  --status STATUS    ok, warning, critical or payload_too_large (default ok)
  --sids A,B         SIDs affected in both directions
  --incoming A,B     SIDs affected for incoming calls
  --outgoing A,B     SIDs affected for outgoing calls
  --timestamp TS     RFC 3339 timestamp (default: now)
  --token TOKEN      webhook token, sent as Authorization: Bearer (see WEBHOOK_TOKENS)
  --help             this text
`;

export type ParseResult =
  | { readonly ok: true; readonly options: SendOptions }
  | { readonly ok: false; readonly help: boolean; readonly message: string };

/** Parses `send` arguments with node:util's parseArgs; errors are one line for the terminal. */
export function parseSendArgs(args: readonly string[]): ParseResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        url: { type: 'string' },
        status: { type: 'string' },
        sids: { type: 'string' },
        incoming: { type: 'string' },
        outgoing: { type: 'string' },
        timestamp: { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return {
      ok: false,
      help: false,
      message: error instanceof Error ? error.message : String(error),
    };
  }
  if (values.help === true) return { ok: false, help: true, message: SEND_USAGE };

  const status = (values.status ?? 'ok').toUpperCase();
  const knownStatus = STATUS_TYPES.find((s) => s === status);
  if (knownStatus === undefined) {
    return {
      ok: false,
      help: false,
      message: `--status must be one of ${STATUS_TYPES.join(', ').toLowerCase()}`,
    };
  }
  const both = list(values.sids);
  const incoming = [...both, ...list(values.incoming)];
  const outgoing = [...both, ...list(values.outgoing)];
  const badSid = [...incoming, ...outgoing].find((sid) => !SID_REGEX.test(sid));
  if (badSid !== undefined) {
    return {
      ok: false,
      help: false,
      message: `not a valid SID: ${JSON.stringify(badSid.slice(0, 80))}`,
    };
  }
  const timestamp = values.timestamp ?? null;
  if (timestamp !== null && parseRfc3339(timestamp) === null) {
    return {
      ok: false,
      help: false,
      message: '--timestamp must be RFC 3339, e.g. 2026-01-01T10:00:00Z',
    };
  }
  const url = values.url ?? `http://localhost:${DEFAULT_PORT}/heartbeat`;
  try {
    new URL(url);
  } catch {
    return { ok: false, help: false, message: `--url is not a URL: ${url}` };
  }
  const token = values.token ?? null;
  return { ok: true, options: { url, status: knownStatus, incoming, outgoing, timestamp, token } };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
