import { describe, expect, it } from 'vitest';
import { compileHeartbeatValidator } from '../../src/heartbeat/schema.js';
import { ingestHeartbeat, STEPPED_INGEST_BYTES, type IngestDeps } from '../../src/ingest.js';
import { createSelfMetrics } from '../../src/metrics/selfMetrics.js';
import { Store, tableOf } from '../../src/state/store.js';
import { captureLogs } from '../helpers/unit-logCapture.js';

/**
 * A large body is ingested in three steps with a turn of the event loop between them (so a scrape
 * waits for one step, not all three); a small one straight through. The turns are injected here,
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
  it('gives the event loop two turns for a large body, and applies only after both', async () => {
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
    expect(versionsAtTurns).toEqual([0, 0]);
    expect(store.snapshot().version).toBe(1);
    expect(tableOf(store.snapshot().accounts.get('big'))?.rows).toBe(30_000);
    expect(saved.count).toBe(1);
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

  it('refuses a large body that does not parse after one step, changing nothing', async () => {
    const store = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
    const saved = { count: 0 };
    const broken = body(30_000).subarray(0, STEPPED_INGEST_BYTES + 10);
    let turns = 0;
    const result = await ingestHeartbeat(deps(store, saved), 'big', broken, async () => {
      turns++;
      await Promise.resolve();
    });
    expect(result).toMatchObject({ ok: false, status: 400, reason: 'invalid_json' });
    expect(turns).toBe(0);
    expect(store.snapshot().version).toBe(0);
    expect(saved.count).toBe(0);
  });
});
