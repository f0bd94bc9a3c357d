import type { Direction, Instant } from '../../src/heartbeat/types.js';
import { DIRECTIONS } from '../../src/heartbeat/types.js';
import type { AccountState, Details } from '../../src/state/account.js';
import { rowRange, tableFromRows, type SidTable } from '../../src/state/sidTable.js';

/**
 * The per-SID detail as plain maps, the shape the account state had before the table
 * (state/sidTable.ts) became its one holder: tests state what they expect this way, and build
 * details from it, without depending on the table's layout.
 */
export interface DetailMaps {
  readonly timestamp: Instant;
  /** SID → streak start, per direction, in row order. */
  readonly since: Readonly<Record<Direction, ReadonlyMap<string, number>>>;
  /** SID → phone, for the SIDs that have one, in row order (incoming first). */
  readonly phones: ReadonlyMap<string, string>;
  /** Only for detail from Exotel's API: SID → raw status, per direction. */
  readonly api?: { readonly statuses: Readonly<Record<Direction, ReadonlyMap<string, string>>> };
}

/**
 * Details whose table lists the maps' rows, in their order; its change is described against
 * `previous` (null: none), as the reducer's would be.
 */
export function detailsFromMaps(maps: DetailMaps, previous: SidTable | null = null): Details {
  const rows = (direction: Direction) =>
    [...maps.since[direction]].map(([sid, since]) => ({
      sid,
      since,
      phone: maps.phones.get(sid),
      ...(maps.api === undefined ? {} : { status: maps.api.statuses[direction].get(sid) }),
    }));
  return {
    timestamp: maps.timestamp,
    table: tableFromRows(
      { incoming: rows('incoming'), outgoing: rows('outgoing') },
      maps.api === undefined ? 'heartbeat' : 'api',
      previous,
    ),
  };
}

/** The maps a table's rows make. */
export function tableMaps(table: SidTable): Omit<DetailMaps, 'timestamp'> {
  const since = { incoming: new Map<string, number>(), outgoing: new Map<string, number>() };
  const statuses = { incoming: new Map<string, string>(), outgoing: new Map<string, string>() };
  const phones = new Map<string, string>();
  for (const direction of DIRECTIONS) {
    const [from, to] = rowRange(table, direction);
    for (let row = from; row < to; row++) {
      const sid = table.sids[row] ?? '';
      since[direction].set(sid, table.since[row] ?? 0);
      const phone = table.phones[row];
      if (phone !== undefined && !phones.has(sid)) phones.set(sid, phone);
      const status = table.statuses?.[row];
      if (status !== undefined) statuses[direction].set(sid, status);
    }
  }
  return { since, phones, ...(table.statuses === null ? {} : { api: { statuses } }) };
}

/** The maps of an account's detail. */
export function detailMaps(details: Details): DetailMaps;
export function detailMaps(details: Details | null): DetailMaps | null;
export function detailMaps(details: Details | null): DetailMaps | null {
  return details === null ? null : { timestamp: details.timestamp, ...tableMaps(details.table) };
}

/** An account state with its detail as maps: what equality checks and copies compare. */
export function plainState(state: AccountState) {
  return { ...state, details: detailMaps(state.details) };
}

/** plainState of every account. */
export function plainStates(states: ReadonlyMap<string, AccountState>) {
  return new Map([...states].map(([account, state]) => [account, plainState(state)]));
}
