/**
 * Property-based tests (fast-check) through the whole exporter (in process, as main.ts starts
 * it): random sequences of heartbeats with retries, reorderings and restarts (a clean stop and a
 * new exporter on the same state file) leave the published state equal to a simple model's;
 * every accepted SID round-trips through /metrics exactly (the exposition parsed back); N
 * distinct SIDs give exactly N series. numRuns is small: every run is real HTTP. That SIGTERM
 * stops the real process cleanly is test/integration/persistence.test.ts's.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyStatus, perSid, statusSet } from '../helpers/domain.js';
import {
  startExporterInProcess,
  stopAllInProcess,
  type ExporterInProcess,
} from '../helpers/exporterInProcess.js';
import { tempDir } from '../helpers/exporterProcess.js';
import { domainLines, heartbeat, iso, json, postHeartbeat, scrape, T0 } from '../helpers/http.js';

const dirs: (() => void)[] = [];
afterAll(async () => {
  await stopAllInProcess();
  for (const cleanup of dirs) cleanup();
});

const SIDS = ['s1', 's2', 's3', 's4', 's5'] as const;
const ACCOUNTS = ['alpha', 'beta'] as const;

interface Beat {
  readonly account: (typeof ACCOUNTS)[number];
  /** Distinct per account within a run: the model needs no tie rule. */
  readonly ts: number;
  readonly status: 'OK' | 'WARNING' | 'CRITICAL';
  readonly incoming: readonly string[];
  readonly outgoing: readonly string[];
}

type Step = { readonly kind: 'send'; readonly beat: number } | { readonly kind: 'restart' };

const beats: fc.Arbitrary<Beat[]> = fc
  .array(
    fc.record({
      account: fc.constantFrom(...ACCOUNTS),
      status: fc.constantFrom('OK' as const, 'WARNING' as const, 'CRITICAL' as const),
      incoming: fc.uniqueArray(fc.constantFrom(...SIDS), { maxLength: 3 }),
      outgoing: fc.uniqueArray(fc.constantFrom(...SIDS), { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 8 },
  )
  // Timestamps by position (distinct); OK carries no affected SIDs, as Exotel sends it.
  .map((list) =>
    list.map((b, i) => ({
      ...b,
      ts: T0 + i * 60,
      incoming: b.status === 'OK' ? [] : b.incoming,
      outgoing: b.status === 'OK' ? [] : b.outgoing,
    })),
  );

/** Every heartbeat once, some again (Exotel's retries), in any order, with restarts in between. */
const scenario = beats.chain((list) =>
  fc
    .tuple(
      fc.shuffledSubarray(
        list.map((_, i) => i),
        { minLength: list.length, maxLength: list.length },
      ),
      fc.array(fc.integer({ min: 0, max: list.length - 1 }), { maxLength: 4 }),
      fc.nat({ max: 2 }),
      fc.infiniteStream(fc.nat()),
    )
    .map(([order, retries, restarts, positions]) => {
      const steps: Step[] = order.map((beat) => ({ kind: 'send', beat }));
      const it = positions[Symbol.iterator]();
      for (const beat of retries)
        steps.splice(it.next().value % (steps.length + 1), 0, { kind: 'send', beat });
      for (let i = 0; i < restarts; i++)
        steps.splice(it.next().value % (steps.length + 1), 0, { kind: 'restart' });
      return { list, steps };
    }),
);

/** The model: per account, the newest heartbeat sent wins, whatever the order or repetition. */
function model(list: readonly Beat[]): Map<string, Beat> {
  const winner = new Map<string, Beat>();
  for (const beat of list) {
    const current = winner.get(beat.account);
    if (current === undefined || beat.ts > current.ts) winner.set(beat.account, beat);
  }
  return winner;
}

function body(beat: Beat) {
  return heartbeat({
    timestamp: iso(beat.ts),
    status: beat.status,
    incoming: beat.incoming,
    outgoing: beat.outgoing,
  });
}

describe('random sequences through the whole exporter', () => {
  it(
    'with retries, reorderings and restarts, end in the state of the model',
    { timeout: 60_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ list, steps }) => {
          const dir = tempDir('exotel-prop-');
          dirs.push(dir.cleanup);
          const env = { STATE_FILE: join(dir.path, 'state.json') };
          let exporter: ExporterInProcess = await startExporterInProcess(env);
          try {
            for (const step of steps) {
              if (step.kind === 'restart') {
                expect((await exporter.stop()).code).toBe(0);
                exporter = await startExporterInProcess(env);
                continue;
              }
              const beat = list[step.beat];
              if (beat === undefined) throw new Error('bad step');
              const answer = await postHeartbeat(
                `${exporter.url}/heartbeat/${beat.account}`,
                body(beat),
              );
              expect(answer.status).toBe(200);
              expect(['applied', 'duplicate', 'out_of_order']).toContain(
                (json(answer) as { result: string }).result,
              );
            }
            const { metrics } = await scrape(exporter.url);
            for (const [account, beat] of model(list)) {
              expect(statusSet(metrics, account)).toEqual(onlyStatus(beat.status));
              expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account })).toBe(
                beat.ts,
              );
              const expected: Record<string, number> = {};
              for (const sid of beat.incoming) expected[`incoming ${sid} `] = 1;
              for (const sid of beat.outgoing) expected[`outgoing ${sid} `] = 1;
              expect(perSid(metrics, 'exotel_exophone_affected', account)).toEqual(expected);
            }
            for (const account of ACCOUNTS) {
              if (!model(list).has(account)) {
                expect(metrics.select('exotel_heartbeat_status', { account })).toEqual([]);
              }
            }
          } finally {
            await exporter.stop();
          }
        }),
        { numRuns: 6 },
      );
    },
  );
});

describe('SIDs through /metrics', () => {
  let exporter: ExporterInProcess;
  let ts = T0;
  beforeAll(async () => {
    exporter = await startExporterInProcess({});
  });

  /** Label-safe SIDs (the accepted alphabet) mixed with arbitrary strings, some hostile. */
  const safeSid = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
  const anySid = fc.oneof(
    safeSid,
    fc.string({ unit: 'binary', minLength: 1, maxLength: 70 }),
    fc.constantFrom('a"b', 'a\\b', 'a\nb', 'a,b', '\ud800', 'а1', ''),
  );

  it(
    'every accepted SID round-trips exactly; a refused one changes nothing',
    { timeout: 60_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(anySid, { minLength: 1, maxLength: 6 }), async (sids) => {
          ts += 60;
          const before = await scrape(exporter.url);
          const answer = await postHeartbeat(
            `${exporter.url}/heartbeat/sids`,
            heartbeat({ timestamp: iso(ts), status: 'CRITICAL', incoming: sids }),
          );
          const after = await scrape(exporter.url);
          if (answer.status === 200) {
            const labels = after.metrics
              .select('exotel_exophone_affected', { account: 'sids', direction: 'incoming' })
              .map((s) => s.labels['sid']);
            expect(labels.sort()).toEqual([...sids].sort());
          } else {
            expect(answer.status).toBe(400);
            expect(json(answer)).toMatchObject({ error: 'invalid_payload' });
            expect(domainLines(after.text)).toBe(domainLines(before.text));
          }
        }),
        { numRuns: 40 },
      );
    },
  );

  it(
    'N distinct SIDs give exactly N series in each per-SID family',
    { timeout: 60_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(safeSid, { minLength: 0, maxLength: 300 }),
          async (sids) => {
            ts += 60;
            const answer = await postHeartbeat(
              `${exporter.url}/heartbeat/count`,
              heartbeat({ timestamp: iso(ts), status: 'WARNING', incoming: sids, outgoing: sids }),
            );
            expect(answer.status).toBe(200);
            const { metrics } = await scrape(exporter.url);
            for (const family of [
              'exotel_exophone_affected',
              'exotel_exophone_affected_since_timestamp_seconds',
            ]) {
              for (const direction of ['incoming', 'outgoing']) {
                expect(metrics.select(family, { account: 'count', direction })).toHaveLength(
                  sids.length,
                );
              }
            }
          },
        ),
        { numRuns: 15 },
      );
    },
  );
});
