import { describe, expect, it } from 'vitest';
import { compileHeartbeatValidator } from '../../src/heartbeat/schema.js';
import { PIECE_CHARS } from '../../src/heartbeat/piecewiseParse.js';
import {
  ingestHeartbeat,
  STEPPED_INGEST_BYTES,
  TABLE_ROWS_PER_STEP,
  type IngestDeps,
} from '../../src/ingest.js';
import { createSelfMetrics } from '../../src/metrics/selfMetrics.js';
import { Store, tableOf } from '../../src/state/store.js';
import { captureLogs } from '../helpers/unit-logCapture.js';

/**
 * A large body is parsed, checked and turned into a table in steps with a turn of the event loop
 * between them (so a scrape waits for one step, not for all of it); a small one straight through. The turns are injected here,
 * so the test sees what the store holds at each of them.
 */

const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 0);

function deps(store: Store, saved: { count: number }): IngestDeps {
  return {
    validator: compileHeartbeatValidator(true),
    allowRepairs: true,
    store,
    clock: { now: () => NOW_MS },
    selfMetrics: createSelfMetrics({ version: 't', revision: 't', nodejsVersion: 't' }),
    afterHeartbeat: () => saved.count++,
    logger: captureLogs().logger,
  };
}

function body(sids: number, timestamp = '2024-05-01T11:59:00Z'): Uint8Array {
  const list = Array.from({ length: sids }, (_, i) => `0${2030000000 + i}`);
  return new TextEncoder().encode(
    JSON.stringify({
      timestamp,
      status_type: sids > 0 ? 'WARNING' : 'OK',
      incoming_affected: list,
      outgoing_affected: [],
      data: Object.fromEntries(list.map((sid) => [sid, { phone_number: `+91${sid.slice(1)}` }])),
    }),
  );
}

describe('ingestHeartbeat steps', () => {
  it('gives the event loop many turns for a large body, and applies only after all of them', async () => {
    const store = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
    const saved = { count: 0 };
    const large = body(30_000);
    expect(large.length).toBeGreaterThan(STEPPED_INGEST_BYTES);
    const versionsAtTurns: number[] = [];
    const result = await ingestHeartbeat(deps(store, saved), 'big', large, async () => {
      versionsAtTurns.push(store.snapshot().version);
      await Promise.resolve();
    });
    expect(result.ok).toBe(true);
    // Pieces of PIECE_CHARS for the lists (about 2 MB here), then the table in steps of
    // TABLE_ROWS_PER_STEP rows: more turns than the body has megabytes.
    const minimum = Math.floor(large.length / PIECE_CHARS) + 30_000 / TABLE_ROWS_PER_STEP;
    expect(versionsAtTurns.length).toBeGreaterThanOrEqual(minimum);
    expect(new Set(versionsAtTurns)).toEqual(new Set([0]));
    expect(store.snapshot().version).toBe(1);
    expect(tableOf(store.snapshot().accounts.get('big'))?.rows).toBe(30_000);
    expect(saved.count).toBe(1);
  });

  it('builds the table against the newest state when another heartbeat lands meanwhile', async () => {
    const store = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
    const saved = { count: 0 };
    const early = '2024-05-01T11:50:00Z';
    const large = body(30_000, '2024-05-01T11:59:00Z');
    let all = 0;
    await ingestHeartbeat(
      deps(new Store({ maxAccounts: 10, futureToleranceSeconds: 300 }), { count: 0 }),
      'big',
      large,
      async () => {
        all++;
        await Promise.resolve();
      },
    );
    let turns = 0;
    const result = await ingestHeartbeat(deps(store, saved), 'big', large, async () => {
      // At the last turn, in the table's steps, an older heartbeat listing the first SIDs is
      // applied: the large one's streaks must then start from it, not from the (empty) table
      // its steps began with.
      if (++turns === all) {
        const small = await ingestHeartbeat(deps(store, saved), 'big', body(5, early));
        expect(small.ok).toBe(true);
      }
      await Promise.resolve();
    });
    expect(turns).toBe(all);
    expect(result).toMatchObject({ ok: true, outcome: 'applied' });
    const table = tableOf(store.snapshot().accounts.get('big'));
    const earlySeconds = Date.parse(early) / 1000;
    expect(table?.rows).toBe(30_000);
    expect([...(table?.since.subarray(0, 6) ?? [])]).toEqual([
      ...Array<number>(5).fill(earlySeconds),
      earlySeconds + 9 * 60,
    ]);
  });

  it('builds a small heartbeat’s table in steps when the account’s table is large', async () => {
    const store = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
    const saved = { count: 0 };
    await ingestHeartbeat(deps(store, saved), 'big', body(60_000, '2024-05-01T11:50:00Z'));
    // The outage ends but for ten SIDs, which moved: their lookup needs the map of 60,000 rows.
    const small = new TextEncoder().encode(
      JSON.stringify({
        timestamp: '2024-05-01T11:59:00Z',
        status_type: 'WARNING',
        incoming_affected: Array.from({ length: 10 }, (_, i) => `0${2030000000 + 100 * i}`),
      }),
    );
    expect(small.length).toBeLessThan(STEPPED_INGEST_BYTES);
    let turns = 0;
    const result = await ingestHeartbeat(deps(store, saved), 'big', small, async () => {
      turns++;
      expect(store.snapshot().version).toBe(1);
      await Promise.resolve();
    });
    expect(result).toMatchObject({ ok: true, outcome: 'applied' });
    expect(turns).toBeGreaterThanOrEqual(60_000 / TABLE_ROWS_PER_STEP);
    const table = tableOf(store.snapshot().accounts.get('big'));
    expect(table?.rows).toBe(10);
    // Streaks carried over from the large table.
    expect(table?.since[9]).toBe(Date.parse('2024-05-01T11:50:00Z') / 1000);
  });

  it('runs a small body straight through', async () => {
    const store = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
    const saved = { count: 0 };
    let turns = 0;
    const result = await ingestHeartbeat(deps(store, saved), 'small', body(10), async () => {
      turns++;
      await Promise.resolve();
    });
    expect(result.ok).toBe(true);
    expect(turns).toBe(0);
    expect(store.snapshot().version).toBe(1);
  });

  it('refuses a large body that does not parse, changing nothing', async () => {
    const store = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
    const saved = { count: 0 };
    const broken = body(30_000).subarray(0, STEPPED_INGEST_BYTES + 10);
    const result = await ingestHeartbeat(deps(store, saved), 'big', broken, async () => {
      expect(store.snapshot().version).toBe(0);
      await Promise.resolve();
    });
    expect(result).toMatchObject({ ok: false, status: 400, reason: 'invalid_json' });
    expect(store.snapshot().version).toBe(0);
    expect(saved.count).toBe(0);
  });
});
