import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { domainFamilies, type ProjectionOptions } from '../../src/metrics/domainFamilies.js';
import { renderFamilies, type ExpositionFormat } from '../../src/metrics/exposition.js';
import { ScrapeRenderer } from '../../src/metrics/scrape.js';
import { encodeState, storeStates } from '../helpers/encodeState.js';
import { runToEnd } from '../../src/steps.js';
import { StateEncoder } from '../../src/persist/stateEncoder.js';
import { createSelfMetrics } from '../../src/metrics/selfMetrics.js';
import type { PolledExoPhone } from '../../src/state/applyPoll.js';
import { Store } from '../../src/state/store.js';
import { heartbeatFromJson } from '../helpers/unit-heartbeats.js';
import { scrapeText } from '../helpers/scrapeText.js';

/**
 * The scrape renderer keeps per-SID text per account, renders it incrementally and splices it
 * between the families it renders afresh (sidSeriesText.ts); the state encoder does the same for
 * the state file (stateEncoder.ts). Whatever the history, and whichever states came between two
 * renders, the results must be byte for byte what the references give: domainFamilies with every
 * sample through renderFamilies, and encodeState.
 */
const SIDS = ['s1', 's2', 's3', 's4', '07930061010'] as const;
const PHONES = ['+911', '+912', '+917930061010'] as const;
const ACCOUNTS = ['default', 'acme', 'zeta'] as const;
const STATUSES = ['OK', 'WARNING', 'CRITICAL', 'PAYLOAD_TOO_LARGE'] as const;
const BASE_MS = Date.UTC(2024, 4, 1, 12, 0, 0);

const heartbeatStep = fc.record({
  kind: fc.constant('heartbeat' as const),
  scrape: fc.boolean(),
  account: fc.constantFrom(...ACCOUNTS),
  /** Seconds after BASE_MS; repeats give duplicates, conflicts and out-of-order heartbeats. */
  second: fc.integer({ min: 0, max: 6 }),
  status: fc.constantFrom(...STATUSES),
  incoming: fc.array(fc.constantFrom(...SIDS), { maxLength: 5 }),
  outgoing: fc.array(fc.constantFrom(...SIDS), { maxLength: 5 }),
  phones: fc.dictionary(fc.constantFrom(...SIDS), fc.constantFrom(...PHONES), { maxKeys: 5 }),
});
const pollStep = fc.record({
  kind: fc.constant('poll' as const),
  scrape: fc.boolean(),
  account: fc.constantFrom(...ACCOUNTS),
  exophones: fc.dictionary(
    fc.constantFrom(...SIDS),
    fc.record({
      incoming: fc.constantFrom('active', 'major_outage', null),
      outgoing: fc.constantFrom('active', 'degraded', null),
      phone: fc.constantFrom(...PHONES, null),
    }),
    { maxKeys: 5 },
  ),
});
const step = fc.oneof({ arbitrary: heartbeatStep, weight: 3 }, { arbitrary: pollStep, weight: 1 });

const build = { version: '1.2.3', revision: 'abc', nodejsVersion: 'v20' };

describe('incremental renderers and their references', () => {
  it('render the same domain text and state file after any history, capped or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 16 }),
        fc.integer({ min: 0, max: 8 }),
        // Up to more than two accounts at the per-account cap can use: budget-bound or not.
        fc.integer({ min: 0, max: 20 }),
        async (steps, maxSidSeries, maxTotalSidSeries) => {
          const options = { maxSidSeries, maxTotalSidSeries };
          const store = new Store({ maxAccounts: 5, futureToleranceSeconds: 300 });
          const renderer = new ScrapeRenderer(store, createSelfMetrics(build), options);
          const encoder = new StateEncoder();
          // A second encoder that runs in steps of a few items, as the exporter's saves do.
          const stepped = new StateEncoder();
          let clock = BASE_MS + 60_000;
          for (const s of steps) {
            clock += 1125;
            if (s.kind === 'heartbeat') {
              const text = JSON.stringify({
                timestamp: new Date(BASE_MS + s.second * 1000 + 250).toISOString(),
                status_type: s.status,
                incoming_affected: s.incoming,
                outgoing_affected: s.outgoing,
                data: Object.fromEntries(
                  Object.entries(s.phones).map(([sid, phone]) => [sid, { phone_number: phone }]),
                ),
              });
              store.apply(s.account, heartbeatFromJson(text), clock);
            } else {
              const state = storeStates(store).get(s.account);
              const exophones = new Map<string, PolledExoPhone>(
                Object.entries(s.exophones).map(([sid, e]) => [
                  sid,
                  {
                    statuses: { incoming: e.incoming, outgoing: e.outgoing },
                    phone: e.phone,
                    checkedMs: clock,
                  },
                ]),
              );
              store.applyPoll(s.account, {
                basis: {
                  details: state?.details ?? null,
                  lastReceivedMs: state?.lastReceivedMs ?? 0,
                },
                scope: 'full',
                exophones,
                completedMs: clock,
              });
            }
            // Not after every step: the renderer reuses its last render, whatever came between.
            if (!s.scrape) continue;
            for (const format of ['text', 'openmetrics'] as const) {
              await expectSameDomain(renderer, store, options, format);
            }
            // The state file too: the incremental encoder writes exactly what encodeState does.
            const reference = encodeState(storeStates(store));
            expect(Buffer.concat(encoder.encode(store.snapshot().accounts)).toString('utf8')).toBe(
              reference,
            );
            const steps = stepped.encodeInSteps(store.snapshot().accounts, 1 + (clock % 3));
            expect(Buffer.concat(runToEnd(steps)).toString('utf8')).toBe(reference);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

async function expectSameDomain(
  renderer: ScrapeRenderer,
  store: Store,
  options: ProjectionOptions,
  format: ExpositionFormat,
): Promise<void> {
  const reference = renderFamilies(domainFamilies(store.snapshot(), options), format);
  const served = await scrapeText(renderer, format);
  expect(served.slice(0, reference.length)).toBe(reference);
  // What follows the domain part is the self-metrics: no domain family again.
  const rest = served.slice(reference.length);
  expect(rest.startsWith('# HELP ')).toBe(true);
  expect(rest).not.toMatch(/^exotel_(?:exophone|heartbeat_status|heartbeats_received)/m);
}
