import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { ACCOUNT_REGEX, PHONE_PATTERN, SID_PATTERN } from '../heartbeat/labelSafe.js';
import type { Direction, Instant } from '../heartbeat/types.js';
import { STATUS_TYPES } from '../heartbeat/types.js';
import type { AccountState } from '../state/account.js';
import { tableFromRows, type SidTable, type TableRow } from '../state/sidTable.js';

/**
 * The state file's format. Accounts and SIDs are stored as arrays of pairs, never as object keys,
 * so a hostile name like `__proto__` stays data. Version it so a future format can migrate.
 */
export const STATE_FORMAT = 'exotel-heartbeat-exporter/state';
export const STATE_VERSION = 1;

const InstantSchema = Type.Object({
  seconds: Type.Integer(),
  nanos: Type.Integer({ minimum: 0, maximum: 999_999_999 }),
});
const Sid = Type.String({ pattern: SID_PATTERN });
const SincePairs = Type.Array(Type.Tuple([Sid, Type.Number()]));
/** Raw API connectivity statuses, as label values (see fallback/envelope.ts). */
const StatusPairs = Type.Array(Type.Tuple([Sid, Type.String({ pattern: '^[a-z0-9_.-]{1,40}$' })]));
const AccountSchema = Type.Object({
  account: Type.String({ pattern: ACCOUNT_REGEX.source }),
  lastReceivedMs: Type.Number({ minimum: 0 }),
  applied: Type.Union([
    Type.Object({
      timestamp: InstantSchema,
      status: Type.Union(STATUS_TYPES.map((s) => Type.Literal(s))),
    }),
    Type.Null(),
  ]),
  details: Type.Union([
    Type.Object({
      timestamp: InstantSchema,
      incoming: SincePairs,
      outgoing: SincePairs,
      phones: Type.Array(Type.Tuple([Sid, Type.String({ pattern: PHONE_PATTERN })])),
      // Added with the API fallback; optional, so files written before it load unchanged.
      api: Type.Optional(Type.Object({ incoming: StatusPairs, outgoing: StatusPairs })),
    }),
    Type.Null(),
  ]),
});
/** The file's envelope; each account entry is then checked on its own (see decodeState). */
const FileSchema = Type.Object({
  format: Type.Literal(STATE_FORMAT),
  version: Type.Literal(STATE_VERSION),
  accounts: Type.Array(Type.Unknown()),
});

const checkFile = Compile(FileSchema);
const checkAccount = Compile(AccountSchema);

/** An account entry left out of a restore: where it was and why, never its content. */
export interface RefusedEntry {
  /** Position in the file's `accounts` array. */
  readonly index: number;
  /** Where in the entry the first problem is, e.g. `/details/incoming/0/0` (a SID). */
  readonly detail: string;
}

/**
 * Whether a file's first bytes (HEAD_BYTES of them) can begin a state file: every file this
 * exporter writes begins `{"format":"exotel-heartbeat-exporter/state"` (whitespace allowed, for a
 * file pretty-printed by hand). Anything else is set aside without reading the rest, so a huge
 * stray file costs 256 bytes of memory, not its size.
 */
export function looksLikeStateFile(head: string): boolean {
  return /^\s*\{\s*"format"\s*:\s*"exotel-heartbeat-exporter\/state"/.test(head);
}

export type DecodeStateResult =
  | {
      readonly ok: true;
      readonly accounts: ReadonlyMap<string, AccountState>;
      /** Entries that broke the rules a request must meet (a bad SID, account name, …). */
      readonly refused: readonly RefusedEntry[];
    }
  | { readonly ok: false; readonly detail: string };

/**
 * Parses and validates a state file; anything unexpected is an error, never a guess. A file that
 * is not a state file at all is refused whole; inside a good envelope each account entry is
 * checked on its own against the same rules as a request (SIDs, phone numbers, account names),
 * and a bad entry is left out rather than costing every other account its state.
 */
export function decodeState(text: string): DecodeStateResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, detail: 'not valid JSON' };
  }
  if (!checkFile.Check(value)) {
    const path = checkFile.Errors(value)[0]?.instancePath ?? '';
    return { ok: false, detail: `unexpected content at "${path.slice(0, 100)}"` };
  }
  const accounts = new Map<string, AccountState>();
  const refused: RefusedEntry[] = [];
  value.accounts.forEach((entry, index) => {
    if (checkAccount.Check(entry)) {
      accounts.set(entry.account, accountState(entry));
    } else {
      const path = checkAccount.Errors(entry)[0]?.instancePath ?? '';
      refused.push({ index, detail: `unexpected content at "${path.slice(0, 100)}"` });
    }
  });
  return { ok: true, accounts, refused };
}

type AccountEntry = Type.Static<typeof AccountSchema>;

function accountState(entry: AccountEntry): AccountState {
  return {
    lastReceivedMs: entry.lastReceivedMs,
    applied:
      entry.applied === null
        ? null
        : { ...entry.applied, timestamp: instant(entry.applied.timestamp) },
    details:
      entry.details === null
        ? null
        : { timestamp: instant(entry.details.timestamp), table: detailTable(entry.details) },
  };
}

/**
 * The file's lists as the account's table (state/sidTable.ts). A phone or status for a SID the
 * direction does not list is not kept: the table has no row for it (the encoder never writes one).
 */
function detailTable(details: NonNullable<AccountEntry['details']>): SidTable {
  const phones = new Map(details.phones);
  const api = details.api;
  const rows = (direction: Direction): TableRow[] => {
    const statuses = api === undefined ? null : new Map(api[direction]);
    // Through a map, as before the table: a SID listed twice in a direction (a file edited by
    // hand) is one row, at its first place with its last value, never two identical series.
    return Array.from(new Map(details[direction]), ([sid, since]) => ({
      sid,
      since,
      phone: phones.get(sid),
      ...(statuses === null ? {} : { status: statuses.get(sid) }),
    }));
  };
  return tableFromRows(
    { incoming: rows('incoming'), outgoing: rows('outgoing') },
    api === undefined ? 'heartbeat' : 'api',
    null,
  );
}

function instant(value: { seconds: number; nanos: number }): Instant {
  return { seconds: value.seconds, nanos: value.nanos };
}
