import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRfc3339 } from '../../src/heartbeat/timestamp.js';
import {
  DIRECTIONS,
  STATUS_TYPES,
  type Direction,
  type Instant,
  type StatusType,
} from '../../src/heartbeat/types.js';
import { domainFamilies } from '../../src/metrics/domainFamilies.js';
import { renderFamilies } from '../../src/metrics/exposition.js';
import { Store } from '../../src/state/store.js';
import { samplesNamed } from '../helpers/unit-exposition.js';
import { heartbeatFromJson } from '../helpers/unit-heartbeats.js';
import { detailMaps } from '../helpers/detailMaps.js';

/**
 * Timestamps in increasing order, some a hair apart and one with an offset, so that ties and
 * sub-millisecond ordering both happen. The model compares indices, never instants.
 */
const TIMESTAMPS = [
  '2018-08-22T15:19:23Z',
  '2018-08-22T15:19:23.0001Z',
  '2018-08-22T15:19:23.0002Z',
  '2018-08-22T20:50:00+05:30',
  '2018-08-22T15:25:00Z',
] as const;
const INSTANTS: Instant[] = TIMESTAMPS.map((text) => {
  const instant = parseRfc3339(text);
  if (instant === null) throw new Error(text);
  return instant;
});
const SIDS = ['s1', 's2', 's3', 's4'] as const;
const PHONES = ['+911', '+912'] as const;
const ACCOUNTS = ['default', 'acme'] as const;

interface Generated {
  readonly account: (typeof ACCOUNTS)[number];
  readonly ts: number;
  readonly status: StatusType;
  /** May repeat SIDs, as a payload may. */
  readonly incoming: readonly string[] | null;
  readonly outgoing: readonly string[] | null;
  readonly phones: readonly (readonly [string, string])[];
}

const generated: fc.Arbitrary<Generated> = fc.record({
  account: fc.constantFrom(...ACCOUNTS),
  ts: fc.integer({ min: 0, max: TIMESTAMPS.length - 1 }),
  status: fc.constantFrom(...STATUS_TYPES),
  incoming: fc.option(fc.array(fc.constantFrom(...SIDS), { maxLength: 5 })),
  outgoing: fc.option(fc.array(fc.constantFrom(...SIDS), { maxLength: 5 })),
  phones: fc.uniqueArray(fc.tuple(fc.constantFrom(...SIDS), fc.constantFrom(...PHONES)), {
    selector: ([sid]) => sid,
    maxLength: 4,
  }),
});

function payload(g: Generated): string {
  return JSON.stringify({
    timestamp: TIMESTAMPS[g.ts],
    status_type: g.status,
    incoming_affected: g.incoming,
    outgoing_affected: g.outgoing,
    data: Object.fromEntries(g.phones.map(([sid, phone]) => [sid, { phone_number: phone }])),
  });
}

// ---- the independent model -------------------------------------------------------------------

interface Content {
  readonly ts: number;
  readonly status: StatusType;
  readonly sets: Readonly<Record<Direction, ReadonlySet<string>>>;
  /** Phones of affected SIDs only. */
  readonly phones: ReadonlyMap<string, string>;
}

function content(g: Generated): Content {
  const sets = { incoming: new Set(g.incoming ?? []), outgoing: new Set(g.outgoing ?? []) };
  const phones = new Map(
    g.phones.filter(([sid]) => sets.incoming.has(sid) || sets.outgoing.has(sid)),
  );
  return { ts: g.ts, status: g.status, sets, phones };
}

function sameContent(a: Content, b: Content): boolean {
  if (a.status !== b.status) return false;
  if (a.status === 'PAYLOAD_TOO_LARGE') return true;
  const sameSet = (x: ReadonlySet<string>, y: ReadonlySet<string>) =>
    x.size === y.size && [...x].every((v) => y.has(v));
  return (
    DIRECTIONS.every((d) => sameSet(a.sets[d], b.sets[d])) &&
    a.phones.size === b.phones.size &&
    [...a.phones].every(([sid, phone]) => b.phones.get(sid) === phone)
  );
}

interface ModelAccount {
  /** Every heartbeat that became (or re-confirmed) the applied one, in arrival order. */
  readonly appliedHistory: Content[];
  lastReceivedMs: number;
  received: Record<StatusType, number>;
  duplicate: number;
  conflict: number;
  outOfOrder: number;
}

function seconds(ts: number): number {
  const instant = INSTANTS[ts];
  if (instant === undefined) throw new Error('bad index');
  return instant.seconds + instant.nanos / 1e9;
}

function runModel(sequence: readonly Generated[], nowOf: (i: number) => number) {
  const accounts = new Map<string, ModelAccount>();
  sequence.forEach((g, i) => {
    let account = accounts.get(g.account);
    if (account === undefined) {
      account = {
        appliedHistory: [],
        lastReceivedMs: 0,
        received: { OK: 0, WARNING: 0, CRITICAL: 0, PAYLOAD_TOO_LARGE: 0 },
        duplicate: 0,
        conflict: 0,
        outOfOrder: 0,
      };
      accounts.set(g.account, account);
    }
    const c = content(g);
    account.lastReceivedMs = nowOf(i);
    account.received[g.status]++;
    const current = account.appliedHistory.at(-1);
    // latest timestamp wins; on a tie the later arrival wins
    if (current !== undefined && c.ts < current.ts) {
      account.outOfOrder++;
      return;
    }
    if (current !== undefined && c.ts === current.ts) {
      if (sameContent(c, current)) account.duplicate++;
      else account.conflict++;
    }
    account.appliedHistory.push(c);
  });

  return new Map(
    [...accounts].map(([name, account]) => {
      const last = account.appliedHistory.at(-1);
      // PAYLOAD_TOO_LARGE carries no detail: detail comes from the latest heartbeat that had some
      const withDetail = account.appliedHistory.filter((c) => c.status !== 'PAYLOAD_TOO_LARGE');
      const source = withDetail.at(-1);
      let details = null;
      if (source !== undefined) {
        const since = (direction: Direction) =>
          [...source.sets[direction]]
            .map((sid) => {
              // walk back over the unbroken streak of applied detail listing the SID
              let first = withDetail.length - 1;
              while (first > 0 && withDetail[first - 1]?.sets[direction].has(sid) === true) first--;
              return [sid, seconds(withDetail[first]?.ts ?? -1)] as const;
            })
            .sort();
        details = {
          timestamp: seconds(source.ts),
          incoming: since('incoming'),
          outgoing: since('outgoing'),
          phones: [...source.phones].sort(),
        };
      }
      return [
        name,
        {
          applied: last === undefined ? null : { timestamp: seconds(last.ts), status: last.status },
          details,
          lastReceivedMs: account.lastReceivedMs,
          counters: {
            received: account.received,
            duplicate: account.duplicate,
            conflict: account.conflict,
            outOfOrder: account.outOfOrder,
          },
        },
      ];
    }),
  );
}

function storeView(store: Store) {
  return new Map(
    [...store.snapshot().accounts]
      .filter(([, entry]) => entry.state.lastReceivedMs !== 0)
      .map(([name, { state, counters }]) => [
        name,
        {
          applied:
            state.applied === null
              ? null
              : {
                  timestamp: state.applied.timestamp.seconds + state.applied.timestamp.nanos / 1e9,
                  status: state.applied.status,
                },
          details:
            state.details === null
              ? null
              : {
                  timestamp: state.details.timestamp.seconds + state.details.timestamp.nanos / 1e9,
                  incoming: [...detailMaps(state.details).since.incoming].sort(),
                  outgoing: [...detailMaps(state.details).since.outgoing].sort(),
                  phones: [...detailMaps(state.details).phones].sort(),
                },
          lastReceivedMs: state.lastReceivedMs,
          counters: {
            received: counters.received,
            duplicate: counters.duplicate,
            conflict: counters.conflict,
            outOfOrder: counters.outOfOrder,
          },
        },
      ]),
  );
}

describe('properties', () => {
  it('Store agrees with a simple model over random heartbeat sequences', () => {
    const nowOf = (i: number) => Date.UTC(2024, 0, 1) + i * 1000;
    fc.assert(
      fc.property(fc.array(generated, { maxLength: 30 }), (sequence) => {
        const store = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
        sequence.forEach((g, i) => {
          const result = store.apply(g.account, heartbeatFromJson(payload(g)), nowOf(i));
          expect(result.accepted).toBe(true);
        });
        expect(storeView(store)).toEqual(runModel(sequence, nowOf));
      }),
      { numRuns: 400 },
    );
  });

  it('N distinct valid SIDs give exactly N series in each per-SID family', () => {
    const sid = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(sid, fc.constantFrom(...DIRECTIONS), fc.boolean()), {
          selector: ([s]) => s,
          minLength: 1,
          maxLength: 40,
        }),
        fc.boolean(),
        (entries, repeat) => {
          const listed = (direction: Direction) =>
            entries.filter(([, d]) => d === direction).map(([s]) => s);
          const body = JSON.stringify({
            timestamp: '2018-08-22T15:19:23Z',
            status_type: 'WARNING',
            // a repeated SID is still one SID
            incoming_affected: repeat
              ? [...listed('incoming'), ...listed('incoming')]
              : listed('incoming'),
            outgoing_affected: listed('outgoing'),
            data: Object.fromEntries(
              entries
                .filter(([, , withPhone]) => withPhone)
                .map(([s]) => [s, { phone_number: '+9100' }]),
            ),
          });
          const store = new Store({ maxAccounts: 1, futureToleranceSeconds: 300 });
          store.apply('default', heartbeatFromJson(body), Date.UTC(2024, 0, 1));
          const text = renderFamilies(
            domainFamilies(store.snapshot(), { maxSidSeries: 1000, maxTotalSidSeries: 1000 }),
            'text',
          );
          const expected = entries.map(([s, d]) => `${s}/${d}`).sort();
          for (const family of [
            'exotel_exophone_affected',
            'exotel_exophone_affected_since_timestamp_seconds',
          ]) {
            const samples = samplesNamed(text, family);
            expect(samples).toHaveLength(entries.length);
            expect(
              samples
                .map((x) => `${x.labels.get('sid') ?? ''}/${x.labels.get('direction') ?? ''}`)
                .sort(),
            ).toEqual(expected);
          }
          const counts = samplesNamed(text, 'exotel_exophones_affected').map((x) =>
            Number(x.value),
          );
          expect(counts.reduce((a, b) => a + b, 0)).toBe(entries.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
