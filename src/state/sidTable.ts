import type { Buffer } from 'node:buffer';
import { instantToSeconds } from '../heartbeat/instant.js';
import { DIRECTIONS, type Direction, type Heartbeat } from '../heartbeat/types.js';
import { runToEnd, type Steps } from '../steps.js';

/** Where an account's per-SID detail comes from (exotel_exophone_details_source). */
export type DetailSource = 'heartbeat' | 'api';

/**
 * One account's affected (SID, direction) pairs as columns, one row per pair: incoming rows
 * first, then outgoing, each in the order the detail lists them. It is the one holder of per-SID
 * detail: the account state keeps it (account.ts `Details.table`), the reducer builds it straight
 * from the heartbeat's lists (`heartbeatTable`), and every consumer (the metrics renderer, the
 * state file, the status page, the API fallback) reads it, so that what changed and which pairs
 * come first are worked out once, here, instead of once per consumer.
 *
 * A new per-SID column is added here: in `Columns`, `SAME_COLUMN` (a type error if forgotten),
 * `emptyColumns` and `withSince` (likewise), and where rows are filled (`heartbeatTable` from a
 * heartbeat, `tableFromRows` from an API poll or the state file). `sameRow` compares every
 * column, and the reducer's "same list as before" is `sameRow` too, so a field left out of the
 * change description cannot make a consumer keep a stale row.
 */
export interface SidTable extends Columns {
  /** Distinguishes tables, so a consumer can tell whether `change` is relative to what it holds. */
  readonly id: number;
  readonly rows: number;
  readonly source: DetailSource;
  /** What is the same as in the previous table of the account; null when there was none. */
  readonly change: TableChange | null;
  /** Row numbers, longest affected first (ties by SID, then direction); sorted on first use. */
  longestFirst(): Uint32Array;
}

/** The per-row data of a table. */
interface Columns {
  /** Rows [0, incomingRows) are incoming, the rest outgoing. */
  readonly incomingRows: number;
  /** An outgoing row whose SID is also incoming shares the incoming row's string. */
  readonly sids: readonly string[];
  /** The SID's E.164 number, or undefined when the detail had none. */
  readonly phones: readonly (string | undefined)[];
  /** When the row's affected streak began, seconds since the epoch. */
  readonly since: Float64Array;
  /** 1 for an outgoing row whose SID is also affected incoming (its phone is listed there). */
  readonly alsoIncoming: Uint8Array;
  /**
   * The raw API connectivity status per row (undefined where the poll kept a row it did not
   * re-check and the row had none); null for a table from a heartbeat. Non-null means source api.
   */
  readonly statuses: readonly (string | undefined)[] | null;
}

/**
 * The rows of a table equal (every column) to rows of its base table, as maximal runs, in row
 * order: `runs[3k]` is the first row of a run, `runs[3k+1]` the base row it equals, `runs[3k+2]`
 * its length. Rows are compared in step, position by position within each direction, so a
 * replaced SID breaks a run for one row; a list shifted by an insertion shares little.
 */
export interface TableChange {
  readonly baseId: number;
  readonly runs: Uint32Array;
}

export function directionOf(table: SidTable, row: number): Direction {
  return row < table.incomingRows ? 'incoming' : 'outgoing';
}

/** Rows of one direction: [from, to). */
export function rowRange(table: Columns, direction: Direction): readonly [number, number] {
  return direction === 'incoming'
    ? [0, table.incomingRows]
    : [table.incomingRows, table.sids.length];
}

/** How many pairs the table lists in `direction` (exotel_exophones_affected). */
export function rowsIn(table: SidTable | null, direction: Direction): number {
  if (table === null) return 0;
  return direction === 'incoming' ? table.incomingRows : table.rows - table.incomingRows;
}

interface MutableColumns {
  incomingRows: number;
  sids: string[];
  phones: (string | undefined)[];
  since: Float64Array;
  alsoIncoming: Uint8Array;
  statuses: (string | undefined)[] | null;
}

function emptyColumns(incomingRows: number, rows: number, api: boolean): MutableColumns {
  return {
    incomingRows,
    sids: new Array<string>(rows),
    phones: new Array<string | undefined>(rows),
    since: new Float64Array(rows),
    alsoIncoming: new Uint8Array(rows),
    statuses: api ? new Array<string | undefined>(rows) : null,
  };
}

/**
 * A table's rows by (direction, SID), for the reducer and the API fallback, which need a SID's
 * previous streak start. Held only while one table is built, then dropped: a row is first looked
 * for at the position the caller expects it (an ongoing outage repeats its list in the same
 * order), and a map of the direction's rows is built only on the first miss.
 */
export class RowLookup {
  private readonly maps: [Map<string, number> | null, Map<string, number> | null] = [null, null];

  constructor(readonly table: SidTable) {}

  /** The row of (direction, sid), or -1; `position` (within the direction) is tried first. */
  row(direction: Direction, sid: string, position = -1): number {
    const guess = this.atPosition(direction, sid, position);
    if (guess >= 0) return guess;
    if (!this.mapped(direction)) runToEnd(this.mapInSteps(direction, AT_ONCE()));
    return this.maps[direction === 'incoming' ? 0 : 1]?.get(sid) ?? -1;
  }

  /** The row of (direction, sid) if it is at `position` within the direction, else -1. */
  atPosition(direction: Direction, sid: string, position: number): number {
    // Not rowRange: this runs once per row of a 231,000-row heartbeat, and its pair is garbage.
    const incoming = direction === 'incoming';
    const from = incoming ? 0 : this.table.incomingRows;
    const to = incoming ? this.table.incomingRows : this.table.rows;
    const guess = from + position;
    return position >= 0 && guess < to && this.table.sids[guess] === sid ? guess : -1;
  }

  /** Whether the direction's map is built, so a lookup that misses its position costs no more. */
  mapped(direction: Direction): boolean {
    return this.maps[direction === 'incoming' ? 0 : 1] !== null;
  }

  /** Builds the direction's map, pausing as `pause` says (154,000 rows take tens of ms). */
  *mapInSteps(direction: Direction, pause: Pacer): Steps<void> {
    const [from, to] = rowRange(this.table, direction);
    const map = new Map<string, number>();
    for (let row = from; row < to; row++) {
      map.set(this.table.sids[row] ?? '', row);
      if (pause.due()) yield;
    }
    this.maps[direction === 'incoming' ? 0 : 1] = map;
  }

  /** Any row of the SID (incoming first), or -1. */
  anyRow(sid: string): number {
    const row = this.row('incoming', sid);
    return row >= 0 ? row : this.row('outgoing', sid);
  }
}

/**
 * The table of a heartbeat's lists, scanned straight from them (no per-SID maps are kept): a SID
 * keeps its streak start (from `previous`) while it stays listed in a direction; a newly listed
 * one starts a streak at the heartbeat's timestamp. Returns `previous` itself when the heartbeat
 * lists the same rows (every column, in any order): while an outage goes on Exotel repeats the
 * same list every few minutes, and sharing the table lets every consumer keep what it rendered.
 */
export function heartbeatTable(heartbeat: Heartbeat, previous: SidTable | null): SidTable {
  return runToEnd(heartbeatTableInSteps(heartbeat, previous, Infinity));
}

/**
 * heartbeatTable in steps: pauses after every `rowsPerStep` rows of each pass, so ingest.ts can
 * build the table of a 10 MB heartbeat (231,000 rows, some 0.15 s) over several turns of the
 * event loop.
 */
export function* heartbeatTableInSteps(
  heartbeat: Heartbeat,
  previous: SidTable | null,
  rowsPerStep: number,
): Steps<SidTable> {
  const pause = new Pacer(rowsPerStep);
  const startedAt = instantToSeconds(heartbeat.timestamp);
  const incomingRows = heartbeat.incoming.length;
  const columns = emptyColumns(incomingRows, incomingRows + heartbeat.outgoing.length, false);
  const before = previous === null ? null : new RowLookup(previous);
  let row = 0;
  for (const direction of DIRECTIONS) {
    const list = heartbeat[direction];
    for (let position = 0; position < list.length; position++, row++) {
      const sid = list[position] ?? '';
      columns.sids[row] = sid;
      columns.phones[row] = heartbeat.phones.get(sid);
      let baseRow = before === null ? -1 : before.atPosition(direction, sid, position);
      if (baseRow < 0 && before !== null) {
        // A miss: the SID is new here or moved, which takes the map of the previous rows.
        if (!before.mapped(direction)) yield* before.mapInSteps(direction, pause);
        baseRow = before.row(direction, sid);
      }
      columns.since[row] = baseRow < 0 ? startedAt : (previous?.since[baseRow] ?? startedAt);
      if (pause.due()) yield;
    }
  }
  return yield* finish(columns, previous, before, pause, heartbeat.incomingIndex);
}

/** Counts rows and says when a step is done. */
class Pacer {
  private left: number;

  constructor(private readonly rowsPerStep: number) {
    this.left = rowsPerStep;
  }

  due(): boolean {
    if (--this.left > 0) return false;
    this.left = this.rowsPerStep;
    return true;
  }
}

const AT_ONCE = (): Pacer => new Pacer(Infinity);

/** One row as an API poll or the state file gives it. */
export interface TableRow {
  readonly sid: string;
  readonly since: number;
  readonly phone: string | undefined;
  /** Only for source api. */
  readonly status?: string | undefined;
}

/** A table from rows given per direction (API polls, the state file, tests). */
export function tableFromRows(
  rows: Readonly<Record<Direction, readonly TableRow[]>>,
  source: DetailSource,
  previous: SidTable | null,
): SidTable {
  const incomingRows = rows.incoming.length;
  const columns = emptyColumns(incomingRows, incomingRows + rows.outgoing.length, source === 'api');
  let row = 0;
  for (const direction of DIRECTIONS) {
    for (const given of rows[direction]) {
      columns.sids[row] = given.sid;
      columns.phones[row] = given.phone;
      columns.since[row] = given.since;
      if (columns.statuses !== null) columns.statuses[row] = given.status;
      row++;
    }
  }
  const before = previous === null ? null : new RowLookup(previous);
  return runToEnd(finish(columns, previous, before, AT_ONCE()));
}

/** The rows of one direction, as tableFromRows takes them. */
export function rowsOf(table: SidTable, direction: Direction): TableRow[] {
  const [from, to] = rowRange(table, direction);
  const rows: TableRow[] = [];
  for (let row = from; row < to; row++) {
    rows.push({
      sid: table.sids[row] ?? '',
      since: table.since[row] ?? 0,
      phone: table.phones[row],
      ...(table.statuses === null ? {} : { status: table.statuses[row] }),
    });
  }
  return rows;
}

/** The same table with `since` replaced per row (restoreRules' clamp); no change description. */
export function withSince(table: SidTable, since: (value: number) => number): SidTable {
  const columns: MutableColumns = {
    incomingRows: table.incomingRows,
    sids: table.sids.slice(),
    phones: table.phones.slice(),
    since: table.since.map(since),
    alsoIncoming: table.alsoIncoming.slice(),
    statuses: table.statuses === null ? null : table.statuses.slice(),
  };
  return runToEnd(finish(columns, null, null, AT_ONCE()));
}

let lastId = 0;

/**
 * Derives alsoIncoming (sharing the incoming row's SID string), describes the change against
 * `previous`, and returns `previous` itself when the rows are the same set.
 */
function* finish(
  columns: MutableColumns,
  previous: SidTable | null,
  before: RowLookup | null,
  pause: Pacer,
  /** The incoming SIDs' rows, when the caller has them (Heartbeat.incomingIndex). */
  incomingIndex?: ReadonlyMap<string, number>,
): Steps<SidTable> {
  const { incomingRows, sids } = columns;
  if (sids.length > incomingRows) {
    let incoming = incomingIndex;
    if (incoming === undefined) {
      const built = new Map<string, number>();
      for (let row = 0; row < incomingRows; row++) {
        built.set(sids[row] ?? '', row);
        if (pause.due()) yield;
      }
      incoming = built;
    }
    for (let row = incomingRows; row < sids.length; row++) {
      if (pause.due()) yield;
      const incomingRow = incoming.get(sids[row] ?? '');
      if (incomingRow === undefined) continue;
      columns.alsoIncoming[row] = 1;
      sids[row] = sids[incomingRow] ?? '';
    }
  }
  const source: DetailSource = columns.statuses === null ? 'heartbeat' : 'api';
  const runs = previous === null ? null : yield* sameRuns(columns, previous, pause);
  if (previous !== null && runs !== null && before !== null) {
    if (
      coversAll(runs, columns, previous, source) ||
      (yield* sameRowSet(columns, source, before, pause))
    ) {
      return previous;
    }
  }
  let order: Uint32Array | null = null;
  const table: SidTable = {
    id: ++lastId,
    rows: sids.length,
    ...columns,
    source,
    change: previous === null || runs === null ? null : { baseId: previous.id, runs },
    longestFirst() {
      order ??= sortLongestFirst(columns);
      return order;
    },
  };
  return table;
}

type RowColumn = Exclude<keyof Columns, 'incomingRows'>;

/**
 * How each per-row column is compared. Keyed by every column, so a column added to `Columns`
 * without a comparison here is a type error, not a field silently kept stale whenever Exotel
 * repeats a list (the reducer keeps the previous table when all of these say "same").
 */
const SAME_COLUMN: {
  readonly [K in RowColumn]: (a: Columns, row: number, b: Columns, baseRow: number) => boolean;
} = {
  sids: (a, row, b, baseRow) => a.sids[row] === b.sids[baseRow],
  since: (a, row, b, baseRow) => a.since[row] === b.since[baseRow],
  phones: (a, row, b, baseRow) => a.phones[row] === b.phones[baseRow],
  alsoIncoming: (a, row, b, baseRow) => a.alsoIncoming[row] === b.alsoIncoming[baseRow],
  statuses: (a, row, b, baseRow) => a.statuses?.[row] === b.statuses?.[baseRow],
};
const SAME_COLUMNS = Object.values(SAME_COLUMN);

/** Every column: a row counts as unchanged only if no consumer could render it differently. */
function sameRow(a: Columns, row: number, b: Columns, baseRow: number): boolean {
  for (const same of SAME_COLUMNS) if (!same(a, row, b, baseRow)) return false;
  return true;
}

function coversAll(runs: Uint32Array, table: Columns, base: SidTable, source: DetailSource) {
  if (table.sids.length !== base.rows || table.incomingRows !== base.incomingRows) return false;
  if (source !== base.source) return false;
  let covered = 0;
  for (let k = 2; k < runs.length; k += 3) covered += runs[k] ?? 0;
  return covered === base.rows;
}

/** The same rows as the looked-up table, in any order (each SID is listed once per direction). */
function* sameRowSet(
  table: Columns,
  source: DetailSource,
  before: RowLookup,
  pause: Pacer,
): Steps<boolean> {
  const base = before.table;
  if (table.sids.length !== base.rows || table.incomingRows !== base.incomingRows) return false;
  if (source !== base.source) return false;
  for (let row = 0; row < table.sids.length; row++) {
    const incoming = row < table.incomingRows;
    const position = incoming ? row : row - table.incomingRows;
    const baseRow = before.row(incoming ? 'incoming' : 'outgoing', table.sids[row] ?? '', position);
    if (baseRow < 0 || !sameRow(table, row, base, baseRow)) return false;
    if (pause.due()) yield;
  }
  return true;
}

/** Whether the row's SID (and so its phone) was already listed by an earlier row. */
export function listedBefore(table: SidTable, row: number): boolean {
  return table.alsoIncoming[row] === 1;
}

function* sameRuns(table: Columns, base: Columns, pause: Pacer): Steps<Uint32Array> {
  const runs: number[] = [];
  const rows = table.sids.length;
  const baseRows = base.sids.length;
  for (const [from, to, baseFrom, baseTo] of [
    [0, table.incomingRows, 0, base.incomingRows],
    [table.incomingRows, rows, base.incomingRows, baseRows],
  ] as const) {
    let runStart = -1;
    for (let row = from, baseRow = baseFrom; row < to; row++, baseRow++) {
      const same = baseRow < baseTo && sameRow(table, row, base, baseRow);
      if (same && runStart < 0) runStart = row;
      if (!same && runStart >= 0) {
        runs.push(runStart, runStart - from + baseFrom, row - runStart);
        runStart = -1;
      }
      if (pause.due()) yield;
    }
    if (runStart >= 0) runs.push(runStart, runStart - from + baseFrom, to - runStart);
  }
  return Uint32Array.from(runs);
}

/** The one "longest affected first" order: by streak start, then SID, then direction. */
function sortLongestFirst(table: Columns): Uint32Array {
  const order = new Uint32Array(table.sids.length);
  for (let row = 0; row < order.length; row++) order[row] = row;
  const { sids, since, incomingRows } = table;
  return order.sort((a, b) => {
    const bySince = (since[a] ?? 0) - (since[b] ?? 0);
    if (bySince !== 0) return bySince;
    const sa = sids[a] ?? '';
    const sb = sids[b] ?? '';
    if (sa !== sb) return sa < sb ? -1 : 1;
    // 'incoming' < 'outgoing', and incoming rows come first.
    return (a < incomingRows ? 0 : 1) - (b < incomingRows ? 0 : 1);
  });
}

/**
 * Replays a table into per-row byte text, copying the runs its change description says are
 * unchanged from the text rendered for the base table, and rendering the other rows. Used by
 * every consumer that keeps per-row text, so "copy the unchanged runs" exists once.
 */
export interface RowText {
  readonly tableId: number;
  readonly bytes: Buffer;
  /** Where each row's text ends in `bytes`. */
  readonly ends: Uint32Array;
}

/** The byte sink replayRows writes to (byteWriter.ts's ByteWriter). */
export interface RowSink {
  readonly length: number;
  write(text: string): void;
  copy(source: Buffer, start: number, end: number): void;
}

export function replayRows(
  table: SidTable,
  previous: RowText | undefined,
  out: RowSink,
  render: (row: number) => string,
): Uint32Array {
  return runToEnd(replayRowsInSteps(table, previous, out, render, Infinity));
}

/**
 * replayRows in steps: pauses (yields) after every `rowsPerStep` rendered rows, so a caller can
 * spread a large replay over several turns of the event loop (src/metrics/versionRenderer.ts).
 * Copied runs cost a memcpy and do not count.
 */
export function* replayRowsInSteps(
  table: SidTable,
  previous: RowText | undefined,
  out: RowSink,
  render: (row: number) => string,
  rowsPerStep: number,
): Generator<void, Uint32Array, void> {
  const ends = new Uint32Array(table.rows);
  // The runs only say something about the text of the table they were described against.
  const list =
    previous !== undefined && table.change?.baseId === previous.tableId
      ? table.change.runs
      : EMPTY_RUNS;
  let row = 0;
  let budget = rowsPerStep;
  for (let k = 0; k <= list.length; k += 3) {
    const runStart = k < list.length ? (list[k] ?? 0) : table.rows;
    for (; row < runStart; row++) {
      out.write(render(row));
      ends[row] = out.length;
      if (--budget <= 0) {
        yield;
        budget = rowsPerStep;
      }
    }
    if (k >= list.length || previous === undefined) break;
    const baseRow = list[k + 1] ?? 0;
    const length = list[k + 2] ?? 0;
    const start = baseRow === 0 ? 0 : (previous.ends[baseRow - 1] ?? 0);
    const offset = out.length - start;
    out.copy(previous.bytes, start, previous.ends[baseRow + length - 1] ?? 0);
    for (let i = 0; i < length; i++) ends[row + i] = (previous.ends[baseRow + i] ?? 0) + offset;
    row += length;
  }
  return ends;
}

/** Rows of `table` a replay against `previous` renders (the rest it copies). */
export function rowsToRender(table: SidTable, previous: RowText | undefined): number {
  if (previous === undefined || table.change?.baseId !== previous.tableId) return table.rows;
  const runs = table.change.runs;
  let copied = 0;
  for (let k = 2; k < runs.length; k += 3) copied += runs[k] ?? 0;
  return table.rows - copied;
}

const EMPTY_RUNS = new Uint32Array(0);
