import { PHONE_PATTERN, SID_REGEX } from '../heartbeat/labelSafe.js';
import { DIRECTIONS, type Direction } from '../heartbeat/types.js';

/**
 * Readers for Exotel's API answers. Only a few fields matter and the documentation is thin, so
 * they read defensively: unknown keys are ignored, odd shapes give "unknown", never an exception.
 */

const PHONE_REGEX = new RegExp(PHONE_PATTERN);

export interface ListedExoPhone {
  readonly sid: string;
  /** E.164 when the list gave a valid one. */
  readonly phone: string | null;
}

export interface ListPage {
  readonly exophones: readonly ListedExoPhone[];
  /** Entries whose SID cannot be a label value (skipped). */
  readonly skipped: number;
  /** The raw `next_page_uri` (null/absent on the last page). */
  readonly nextPageUri: unknown;
}

/** A page of `GET /v2_beta/Accounts/<sid>/IncomingPhoneNumbers`; null when it is not one. */
export function parseListPage(body: unknown): ListPage | null {
  if (!isRecord(body)) return null;
  const list = body['incoming_phone_numbers'];
  if (!Array.isArray(list)) return null;
  const exophones: ListedExoPhone[] = [];
  let skipped = 0;
  for (const entry of list) {
    const sid = isRecord(entry) ? entry['sid'] : undefined;
    if (typeof sid !== 'string' || !SID_REGEX.test(sid)) {
      skipped++;
      continue;
    }
    exophones.push({ sid, phone: phoneOf(isRecord(entry) ? entry['phone_number'] : undefined) });
  }
  return { exophones, skipped, nextPageUri: body['next_page_uri'] };
}

/** Raw connectivity status per direction; null when the answer did not report one. */
export type ConnectivityStatuses = Readonly<Record<Direction, string | null>>;

export interface ExoPhoneHealth {
  readonly statuses: ConnectivityStatuses;
  readonly phone: string | null;
}

const CONNECTIVITY_KEYS: Readonly<Record<Direction, string>> = {
  incoming: 'incoming_call',
  outgoing: 'outgoing_call',
};

/**
 * The health in a `GET /v2/accounts/<sid>/incoming-phone-numbers/<sid>` answer: the envelope's
 * first `response[]` item's `data.connectivity.{incoming_call,outgoing_call}.status`. That
 * `connectivity` sits inside `data` is inferred, not documented, so `connectivity` directly on the
 * item is read too. Null when the body is not an envelope with data at all.
 */
export function parseDetails(body: unknown): ExoPhoneHealth | null {
  if (!isRecord(body)) return null;
  const response = body['response'];
  const item: unknown = Array.isArray(response) ? response[0] : response;
  if (!isRecord(item)) return null;
  const data = item['data'];
  if (!isRecord(data)) return null;
  const connectivity = isRecord(data['connectivity'])
    ? data['connectivity']
    : isRecord(item['connectivity'])
      ? item['connectivity']
      : {};
  const statuses = Object.fromEntries(
    DIRECTIONS.map((direction) => [
      direction,
      statusOf(connectivity[CONNECTIVITY_KEYS[direction]]),
    ]),
  ) as Record<Direction, string | null>;
  return { statuses, phone: phoneOf(data['phone_number']) };
}

/**
 * A status becomes a label value: keep it short and printable, lower-cased; anything else
 * (numbers, objects, empty) is "not reported".
 */
function statusOf(value: unknown): string | null {
  if (!isRecord(value)) return null;
  const status = value['status'];
  if (typeof status !== 'string') return null;
  const clean = status.trim().toLowerCase();
  return /^[a-z0-9_.-]{1,40}$/.test(clean) ? clean : 'invalid';
}

function phoneOf(value: unknown): string | null {
  return typeof value === 'string' && PHONE_REGEX.test(value) ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
