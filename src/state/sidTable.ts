import type { Buffer } from 'node:buffer';
import { DIRECTIONS, type Direction } from '../heartbeat/types.js';
import type { Details } from './account.js';

/** Where an account's per-SID detail comes from (exotel_exophone_details_source). */
export type DetailSource = 'heartbeat' | 'api';

/**
 * One account's affected (SID, direction) pairs as columns, one row per pair: incoming rows
 * first, then outgoing, each in the order the detail lists them. It is what every consumer of
 * per-SID detail reads (the metrics renderer, the status page), so that what changed and which
 * pairs come first are worked out once, here, instead of once per consumer.
 *
 * A new per-SID column is added here (in the interface and in `sidTable`); `sameRow` compares
 * every column, so a field left out of the change description cannot make a consumer keep a stale
 * row.
 */
export interface SidTable {
  /** Distinguishes tables, so a consumer can tell whether `change` is relative to what it holds. */
  readonly id: number;
  readonly rows: number;
  /** Rows [0, incomingRows) are incoming, the rest outgoing. */
  readonly incomingRows: number;
  readonly sids: readonly string[];
  /** The SID's E.164 number, or undefined when the detail had none. */
  readonly phones: readonly (string | undefined)[];
  /** When the row's affected streak began, seconds since the epoch. */
  readonly since: Float64Array;
  /** 1 for an outgoing row whose SID is also affected incoming (its phone is listed there). */
  readonly alsoIncoming: Uint8Array;
  readonly source: DetailSource;
  /** What is the same as in the previous table of the account; null when there was none. */
  readonly change: TableChange | null;
  /** Row numbers, longest affected first (ties by SID, then direction); sorted on first use. */
  longestFirst(): Uint32Array;
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

let lastId = 0;

/**
 * The table of `details`, described against `previous` (the account's table before it). The
 * previous table is not referenced by the new one, so tables do not chain in memory.
 */
export function sidTable(details: Details, previous: SidTable | null): SidTable {
  const incomingRows = details.since.incoming.size;
  const rows = incomingRows + details.since.outgoing.size;
  const sids: string[] = new Array<string>(rows);
  const phones: (string | undefined)[] = new Array<string | undefined>(rows);
  const since = new Float64Array(rows);
  const alsoIncoming = new Uint8Array(rows);
  let row = 0;
  for (const direction of DIRECTIONS) {
    for (const [sid, startedAt] of details.since[direction]) {
      sids[row] = sid;
      phones[row] = details.phones.get(sid);
      since[row] = startedAt;
      if (direction === 'outgoing' && details.since.incoming.has(sid)) alsoIncoming[row] = 1;
      row++;
    }
  }
  const columns = { incomingRows, sids, phones, since, alsoIncoming };
  const source: DetailSource = details.api === undefined ? 'heartbeat' : 'api';
  let order: Uint32Array | null = null;
  return {
    id: ++lastId,
    rows,
    ...columns,
    source,
    change: previous === null ? null : { baseId: previous.id, runs: sameRuns(columns, previous) },
    longestFirst() {
      order ??= sortLongestFirst(columns);
      return order;
    },
  };
}

type Columns = Pick<SidTable, 'incomingRows' | 'sids' | 'phones' | 'since' | 'alsoIncoming'>;

/** Every column: a row counts as unchanged only if no consumer could render it differently. */
function sameRow(a: Columns, row: number, b: Columns, baseRow: number): boolean {
  return (
    a.sids[row] === b.sids[baseRow] &&
    a.since[row] === b.since[baseRow] &&
    a.phones[row] === b.phones[baseRow] &&
    a.alsoIncoming[row] === b.alsoIncoming[baseRow]
  );
}

/** Whether the row's SID (and so its phone) was already listed by an earlier row. */
export function listedBefore(table: SidTable, row: number): boolean {
  return table.alsoIncoming[row] === 1;
}

function sameRuns(table: Columns, base: Columns): Uint32Array {
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
    }
    if (runStart >= 0) runs.push(runStart, runStart - from + baseFrom, to - runStart);
  }
  return Uint32Array.from(runs);
}

/** Every row of `table` the same as its base's (the change says so), and nothing else. */
export function sameTable(table: SidTable, base: SidTable): boolean {
  const runs = table.change?.runs;
  if (table.change?.baseId !== base.id || runs === undefined) return false;
  if (table.rows !== base.rows || table.incomingRows !== base.incomingRows) return false;
  if (table.source !== base.source) return false;
  let covered = 0;
  for (let k = 2; k < runs.length; k += 3) covered += runs[k] ?? 0;
  return covered === table.rows;
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
  const steps = replayRowsInSteps(table, previous, out, render, Infinity);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
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
