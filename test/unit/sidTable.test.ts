import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/byteWriter.js';
import {
  directionOf,
  heartbeatTable,
  heartbeatTableInSteps,
  replayRows,
  RowLookup,
  rowsIn,
  rowsOf,
  tableFromRows,
  withSince,
  type RowText,
  type SidTable,
} from '../../src/state/sidTable.js';
import { Store, tableOf } from '../../src/state/store.js';
import { at, heartbeat } from '../helpers/unit-heartbeats.js';
import { detailsFromMaps, tableMaps, type DetailMaps } from '../helpers/detailMaps.js';

function details(
  incoming: readonly (readonly [string, number])[],
  outgoing: readonly (readonly [string, number])[] = [],
  phones: readonly (readonly [string, string])[] = [],
): DetailMaps {
  return {
    timestamp: at('2024-05-01T11:00:00Z'),
    since: { incoming: new Map(incoming), outgoing: new Map(outgoing) },
    phones: new Map(phones),
  };
}

/** The table of the detail, described against `previous` as the reducer's would be. */
function sidTable(maps: DetailMaps, previous: SidTable | null): SidTable {
  return detailsFromMaps(maps, previous).table;
}

const line = (table: SidTable) => (row: number) =>
  `${table.sids[row] ?? ''}|${table.phones[row] ?? ''}|${directionOf(table, row)}|${table.since[row] ?? 0}\n`;

function replay(table: SidTable, previous?: RowText): RowText {
  const out = new ByteWriter(16);
  const ends = replayRows(table, previous, out, line(table));
  return { tableId: table.id, bytes: out.done(), ends };
}

function full(table: SidTable): string {
  return Array.from(table.sids.keys(), line(table)).join('');
}

describe('sidTable', () => {
  it('lays the pairs out as columns, incoming rows first', () => {
    const table = sidTable(details([['a', 5]], [['b', 7]], [['b', '+91']]), null);
    expect(table.rows).toBe(2);
    expect(table.incomingRows).toBe(1);
    expect(table.sids).toEqual(['a', 'b']);
    expect(table.phones).toEqual([undefined, '+91']);
    expect([...table.since]).toEqual([5, 7]);
    expect([directionOf(table, 0), directionOf(table, 1)]).toEqual(['incoming', 'outgoing']);
    expect(table.source).toBe('heartbeat');
    expect(table.change).toBeNull();
  });

  it('describes the unchanged rows as runs, in step within each direction', () => {
    const before = sidTable(
      details(
        [
          ['a', 1],
          ['b', 1],
          ['c', 1],
          ['d', 1],
        ],
        [['a', 1]],
      ),
      null,
    );
    // b's streak restarted, d left, e joined the outgoing side; a's phone is new (a column too).
    const after = sidTable(
      details(
        [
          ['a', 1],
          ['b', 2],
          ['c', 1],
        ],
        [
          ['a', 1],
          ['e', 1],
        ],
        [['c', '+91']],
      ),
      before,
    );
    expect(after.change?.baseId).toBe(before.id);
    // Row 0 (a) same; row 1 (b) new start; row 2 (c) new phone; row 3 (outgoing a) = base row 4.
    expect([...(after.change?.runs ?? [])]).toEqual([0, 0, 1, 3, 4, 1]);
  });

  it('counts a row as changed when any column changed, derived ones included', () => {
    const before = sidTable(details([], [['a', 1]], [['a', '+91']]), null);
    // The outgoing row of a is where it was, with the same start and phone, but a is now also
    // incoming, so the state file lists its phone with the incoming row instead.
    const after = sidTable(details([['a', 1]], [['a', 1]], [['a', '+91']]), before);
    expect([...after.alsoIncoming]).toEqual([0, 1]);
    expect([...(after.change?.runs ?? [])]).toEqual([]);
  });

  it('sorts longest affected first once, ties by SID then direction', () => {
    const table = sidTable(
      details(
        [
          ['c', 30],
          ['a', 20],
          ['b', 20],
        ],
        [
          ['a', 20],
          ['z', 10],
        ],
      ),
      null,
    );
    const order = table.longestFirst();
    expect(Array.from(order, (row) => `${table.sids[row]}/${directionOf(table, row)}`)).toEqual([
      'z/outgoing',
      'a/incoming',
      'a/outgoing',
      'b/incoming',
      'c/incoming',
    ]);
    expect(table.longestFirst()).toBe(order);
  });

  it('replays to exactly the full rendering, whatever the previous table was', () => {
    const pair = fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.integer({ min: 0, max: 3 }));
    const side = fc.uniqueArray(pair, { selector: ([sid]) => sid, maxLength: 5 });
    const phones = fc.uniqueArray(
      fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('+1', '+2')),
      {
        selector: ([sid]) => sid,
      },
    );
    const detail = fc.tuple(side, side, phones).map(([i, o, p]) => details(i, o, p));
    fc.assert(
      fc.property(fc.array(detail, { minLength: 1, maxLength: 6 }), (history) => {
        let table = null;
        let text: RowText | undefined;
        for (const next of history) {
          table = sidTable(next, table);
          text = replay(table, text);
          expect(Buffer.from(text.bytes).toString('latin1')).toBe(full(table));
          expect(text.ends.length).toBe(table.rows);
        }
      }),
    );
  });

  it('copies nothing when the text was rendered for another table', () => {
    const first = sidTable(details([['a', 1]]), null);
    const second = sidTable(
      details([
        ['a', 1],
        ['b', 2],
      ]),
      first,
    );
    expect(second.change?.runs.length).toBe(3);
    const unrelated = sidTable(details([['x', 9]]), null);
    // Text of `unrelated` must not be copied into `second` although second.change has a run.
    expect(Buffer.from(replay(second, replay(unrelated)).bytes).toString()).toBe(full(second));
  });
});

describe('the store keeps one table per account', () => {
  const hb = (seconds: number, phones: Record<string, string> = {}) =>
    heartbeat({
      timestamp: { seconds, nanos: 0 },
      status: 'CRITICAL',
      incoming: ['a', 'b'],
      outgoing: ['a'],
      phones,
    });
  const limits = { maxAccounts: 10, futureToleranceSeconds: 60 };
  const now = 2_000_000_000_000;

  it('shares the table while Exotel repeats the same list', () => {
    const store = new Store(limits);
    store.apply('acme', hb(1_700_000_000), now);
    const first = tableOf(store.snapshot().accounts.get('acme'));
    store.apply('acme', hb(1_700_000_300), now);
    expect(tableOf(store.snapshot().accounts.get('acme'))).toBe(first);
    expect(first?.rows).toBe(3);
  });

  it('builds a new table when only a phone number changed, so no consumer keeps the old one', () => {
    const store = new Store(limits);
    store.apply('acme', hb(1_700_000_000, { a: '+911' }), now);
    const first = tableOf(store.snapshot().accounts.get('acme'));
    store.apply('acme', hb(1_700_000_300, { a: '+912' }), now);
    const second = tableOf(store.snapshot().accounts.get('acme'));
    expect(second).not.toBe(first);
    expect(second?.phones).toEqual(['+912', undefined, '+912']);
    expect([...(second?.change?.runs ?? [])]).toEqual([1, 1, 1]);
  });

  it('drops the table with the detail', () => {
    const store = new Store(limits);
    store.apply('acme', hb(1_700_000_000), now);
    store.remove('acme');
    expect(store.snapshot().accounts.get('acme')).toBeUndefined();
  });
});

describe('the table built straight from a heartbeat', () => {
  const T = { seconds: 1_700_000_000, nanos: 0 };
  const later = { seconds: 1_700_000_300, nanos: 0 };
  const hb = (
    timestamp: { seconds: number; nanos: number },
    incoming: string[],
    outgoing: string[] = [],
    phones: Record<string, string> = {},
  ) => heartbeat({ timestamp, status: 'CRITICAL', incoming, outgoing, phones });

  it('keeps each streak per (SID, direction), wherever the SID moved in its list', () => {
    const first = heartbeatTable(hb(T, ['a', 'b', 'c'], ['b']), null);
    // c moved to the front (the positional guess misses and the lookup finds it), d is new,
    // b is now only outgoing-listed there and keeps its outgoing streak.
    const second = heartbeatTable(hb(later, ['c', 'a', 'd'], ['b']), first);
    expect(second).not.toBe(first);
    expect(tableMaps(second).since).toEqual({
      incoming: new Map([
        ['c', T.seconds],
        ['a', T.seconds],
        ['d', later.seconds],
      ]),
      outgoing: new Map([['b', T.seconds]]),
    });
  });

  it('an outgoing row whose SID is also incoming is marked and shares the incoming string', () => {
    const table = heartbeatTable(hb(T, ['a', 'b'], ['b', 'z'], { b: '+91' }), null);
    expect([...table.alsoIncoming]).toEqual([0, 0, 1, 0]);
    expect(table.phones).toEqual([undefined, '+91', '+91', undefined]);
    expect(table.sids).toEqual(['a', 'b', 'b', 'z']);
  });

  it('hands back the previous table for the same rows in any order, and only then', () => {
    const first = heartbeatTable(hb(T, ['a', 'b'], ['a'], { a: '+91' }), null);
    expect(heartbeatTable(hb(later, ['b', 'a'], ['a'], { a: '+91' }), first)).toBe(first);
    for (const changed of [
      hb(later, ['a', 'b'], ['a'], { a: '+92' }),
      hb(later, ['a', 'b'], ['b'], { a: '+91' }),
      hb(later, ['a'], ['a'], { a: '+91' }),
      hb(later, ['a', 'b', 'c'], ['a'], { a: '+91' }),
    ]) {
      expect(heartbeatTable(changed, first)).not.toBe(first);
    }
  });

  it('is the same table built in steps of any size, the previous one handed back included', () => {
    const list = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { maxLength: 6 });
    const phones = fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('+91', '+92'));
    const beat = fc.tuple(list, list, phones);
    fc.assert(
      fc.property(fc.array(beat, { minLength: 1, maxLength: 5 }), fc.nat(4), (beats, per) => {
        let previous: SidTable | null = null;
        beats.forEach(([incoming, outgoing, phone], index) => {
          const timestamp = { seconds: T.seconds + 300 * index, nanos: 0 };
          const given = hb(timestamp, incoming, outgoing, phone);
          const steps = heartbeatTableInSteps(given, previous, per + 1);
          let pauses = 0;
          let step = steps.next();
          for (; step.done !== true; step = steps.next()) pauses++;
          const reference = heartbeatTable(given, previous);
          const stepped = step.value;
          // With the validator's index of the incoming SIDs, the same table again.
          const incomingIndex = new Map(given.incoming.map((sid, position) => [sid, position]));
          const indexed = heartbeatTable({ ...given, incomingIndex }, previous);
          expect(indexed === previous).toBe(reference === previous);
          expect(stepped === previous).toBe(reference === previous);
          const columnsOf = (table: SidTable) => ({
            rows: table.rows,
            source: table.source,
            change: table.change,
            incomingRows: table.incomingRows,
            sids: table.sids,
            phones: table.phones,
            since: table.since,
            alsoIncoming: table.alsoIncoming,
            statuses: table.statuses,
            longestFirst: table.longestFirst(),
          });
          expect(columnsOf(stepped)).toEqual(columnsOf(reference));
          expect(columnsOf(indexed)).toEqual(columnsOf(reference));
          // A pause at least every `per + 1` rows of the heartbeat's lists.
          expect(pauses).toBeGreaterThanOrEqual(Math.floor(reference.rows / (per + 1)));
          previous = reference;
        });
      }),
      { numRuns: 500 },
    );
  });

  it('is not the previous table when only the source differs (an API poll before)', () => {
    const polled = tableFromRows(
      {
        incoming: [{ sid: 'a', since: T.seconds, phone: undefined, status: 'down' }],
        outgoing: [],
      },
      'api',
      null,
    );
    const next = heartbeatTable(hb(later, ['a']), polled);
    expect(next).not.toBe(polled);
    expect(next.source).toBe('heartbeat');
    expect(next.statuses).toBeNull();
    // The streak continues across sources.
    expect(next.since[0]).toBe(T.seconds);
  });
});

describe('tables from rows', () => {
  const rows = {
    incoming: [
      { sid: 'a', since: 5, phone: '+91', status: 'down' },
      { sid: 'b', since: 6, phone: undefined, status: undefined },
    ],
    outgoing: [{ sid: 'a', since: 7, phone: '+91', status: 'partial' }],
  };

  it('give back their rows, statuses included, and count them per direction', () => {
    const table = tableFromRows(rows, 'api', null);
    expect(rowsOf(table, 'incoming')).toEqual(rows.incoming);
    expect(rowsOf(table, 'outgoing')).toEqual(rows.outgoing);
    expect([
      rowsIn(table, 'incoming'),
      rowsIn(table, 'outgoing'),
      rowsIn(null, 'outgoing'),
    ]).toEqual([2, 1, 0]);
    expect(table.source).toBe('api');
  });

  it('count a changed status as a changed row', () => {
    const before = tableFromRows(rows, 'api', null);
    const after = tableFromRows(
      { ...rows, outgoing: [{ sid: 'a', since: 7, phone: '+91', status: 'down' }] },
      'api',
      before,
    );
    expect(after).not.toBe(before);
    expect([...(after.change?.runs ?? [])]).toEqual([0, 0, 2]);
  });

  it('withSince replaces one column and describes no change', () => {
    const before = tableFromRows(rows, 'api', null);
    const clamped = withSince(before, (value) => Math.min(value, 6));
    expect([...clamped.since]).toEqual([5, 6, 6]);
    expect(clamped.change).toBeNull();
    expect(clamped.id).not.toBe(before.id);
    expect(rowsOf(clamped, 'outgoing')[0]?.status).toBe('partial');
  });

  it('are looked up by (direction, SID), with or without a position hint', () => {
    const table = tableFromRows(rows, 'api', null);
    const lookup = new RowLookup(table);
    expect(lookup.row('incoming', 'b', 1)).toBe(1);
    expect(lookup.row('incoming', 'b', 0)).toBe(1);
    expect(lookup.row('outgoing', 'a', 0)).toBe(2);
    expect(lookup.row('outgoing', 'b')).toBe(-1);
    expect(lookup.anyRow('a')).toBe(0);
    expect(lookup.anyRow('zz')).toBe(-1);
  });
});
