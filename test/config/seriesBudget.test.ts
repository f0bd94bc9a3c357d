import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULTS } from '../../src/config.js';
import { REPAIR_KINDS } from '../../src/heartbeat/types.js';
import { instantFromMillis } from '../../src/heartbeat/instant.js';
import { REJECT_REASONS } from '../../src/metrics/rejectReasons.js';
import { ScrapeRenderer } from '../../src/metrics/scrape.js';
import {
  expositionBound,
  FIXED_SERIES_PER_ACCOUNT,
  maxExpositionSamples,
  SAMPLES_PER_KEPT_PAIR,
  SELF_METRICS_ALLOWANCE,
} from '../../src/metrics/seriesBudget.js';
import { createSelfMetrics } from '../../src/metrics/selfMetrics.js';
import type { PolledExoPhone } from '../../src/state/applyPoll.js';
import { DEFAULT_ACCOUNT } from '../../src/state/account.js';
import { Store } from '../../src/state/store.js';
import { storeStates } from '../helpers/encodeState.js';
import { scrapeText } from '../helpers/scrapeText.js';

/**
 * The exposition is bounded by configuration (MAX_ACCOUNTS, MAX_SID_SERIES, MAX_TOTAL_SID_SERIES),
 * and the shipped scrape config's sample_limit follows from that bound. This renders the worst
 * case at the defaults in process — every account present, every account's detail from the API
 * (three samples per kept pair), far more affected pairs than the budget, every reject reason and
 * repair counted — and holds it to the computed bound, the bound to sample_limit, and the
 * arithmetic written next to sample_limit to the same numbers.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const prometheusText = readFileSync(`${ROOT}deploy/prometheus/prometheus.yml`, 'utf8');
const sampleLimit = (parse(prometheusText) as { scrape_configs: { sample_limit: number }[] })
  .scrape_configs[0]?.sample_limit;

const NOW_MS = Date.UTC(2026, 0, 1, 12, 0, 0);
/** Pairs per account: 2 x 250 = 500, so 100 accounts ask for 50,000, well over the 20,000 budget. */
const SIDS_PER_ACCOUNT = 250;

function worstCaseStore(): Store {
  const store = new Store({ maxAccounts: DEFAULTS.maxAccounts, futureToleranceSeconds: 300 });
  for (let a = 0; a < DEFAULTS.maxAccounts; a++) {
    const account = a === 0 ? DEFAULT_ACCOUNT : `account-${String(a).padStart(3, '0')}`;
    const applied = store.apply(
      account,
      {
        timestamp: instantFromMillis(NOW_MS - 60_000),
        status: 'PAYLOAD_TOO_LARGE',
        incoming: [],
        outgoing: [],
        phones: new Map(),
      },
      NOW_MS,
    );
    expect(applied.accepted).toBe(true);
    const exophones = new Map<string, PolledExoPhone>();
    for (let s = 0; s < SIDS_PER_ACCOUNT; s++) {
      exophones.set(`sid${String(s).padStart(5, '0')}`, {
        statuses: { incoming: 'major_outage', outgoing: 'degraded' },
        phone: `+91${String(s).padStart(10, '0')}`,
        // Different streak starts, so the longest-affected order matters.
        checkedMs: NOW_MS - s * 1000,
      });
    }
    const state = storeStates(store).get(account);
    const outcome = store.applyPoll(account, {
      basis: { details: state?.details ?? null, lastReceivedMs: state?.lastReceivedMs ?? 0 },
      scope: 'full',
      exophones,
      completedMs: NOW_MS,
    });
    expect(outcome).toBe('applied');
  }
  return store;
}

function samples(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

const PER_SID =
  /^exotel_exophone_(?:affected|affected_since_timestamp_seconds|connectivity_status)\{/;
const DOMAIN =
  /^exotel_(?:heartbeat_status|heartbeat_timestamp_seconds|heartbeat_last_received|exophones_affected|exophone_|heartbeats_(?:received|duplicate|conflict|out_of_order))/;

describe('the exposition bound at the default settings', () => {
  const bound = expositionBound(DEFAULTS);

  it('holds for a rendered worst case, which exhausts the budget exactly', async () => {
    const store = worstCaseStore();
    const self = createSelfMetrics({
      version: '1.0.0',
      revision: 'f'.repeat(40),
      nodejsVersion: process.version,
    });
    for (const reason of REJECT_REASONS) self.rejected(reason);
    for (const kind of REPAIR_KINDS) self.repaired(kind);
    self.persistSucceeded(NOW_MS, 12);
    self.persistFailed();
    self.stateLoadFailed();
    const renderer = new ScrapeRenderer(store, self, DEFAULTS);

    for (const format of ['text', 'openmetrics'] as const) {
      const all = samples(await scrapeText(renderer, format));
      const perSid = all.filter((l) => PER_SID.test(l));
      const domain = all.filter((l) => DOMAIN.test(l) && !PER_SID.test(l));
      const own = all.filter((l) => !DOMAIN.test(l));
      // Every kept pair has its three samples, and the budget is used to the last pair.
      expect(perSid).toHaveLength(SAMPLES_PER_KEPT_PAIR * DEFAULTS.maxTotalSidSeries);
      expect(domain).toHaveLength(FIXED_SERIES_PER_ACCOUNT * DEFAULTS.maxAccounts);
      expect(own.length).toBeLessThanOrEqual(SELF_METRICS_ALLOWANCE);
      expect(all.length).toBeLessThanOrEqual(maxExpositionSamples(DEFAULTS));
      // What was left out is said, per account, and adds up.
      const dropped = domain
        .filter((l) => l.startsWith('exotel_exophone_series_dropped{'))
        .reduce((sum, l) => sum + Number(l.split(' ')[1]), 0);
      expect(dropped).toBe(
        DEFAULTS.maxAccounts * 2 * SIDS_PER_ACCOUNT - DEFAULTS.maxTotalSidSeries,
      );
    }
  });

  it('fits under the shipped sample_limit', () => {
    expect(sampleLimit).toBeGreaterThanOrEqual(bound.total);
  });

  it('matches the arithmetic written next to sample_limit', () => {
    const sum = /= (\d+) x (\d+) \+ (\d+) x (\d+) \+ (\d+) = (\d+) samples at most/.exec(
      prometheusText,
    );
    expect(sum?.slice(1).map(Number)).toEqual([
      FIXED_SERIES_PER_ACCOUNT,
      DEFAULTS.maxAccounts,
      SAMPLES_PER_KEPT_PAIR,
      DEFAULTS.maxTotalSidSeries,
      SELF_METRICS_ALLOWANCE,
      bound.total,
    ]);
    expect(prometheusText).toContain(`MAX_ACCOUNTS (${DEFAULTS.maxAccounts})`);
    expect(prometheusText).toContain(`MAX_TOTAL_SID_SERIES (${DEFAULTS.maxTotalSidSeries})`);
    expect(prometheusText).toContain(`+ ${SELF_METRICS_ALLOWANCE} for the exporter's own metrics`);
    expect(prometheusText).toContain(
      `${sampleLimit} leaves ${(sampleLimit ?? 0) - bound.total} for the API fallback`,
    );
  });

  it('is what README says: the settings row and the sum', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    expect(readme).toMatch(
      // The settings table (issue 14): flag, variable, default, meaning.
      new RegExp(
        `^\\| \`--limits\\.max-total-sid-series\` +\\| \`MAX_TOTAL_SID_SERIES\` +\\| \`${DEFAULTS.maxTotalSidSeries}\` +\\|`,
        'm',
      ),
    );
    const n = (value: number) => value.toLocaleString('en-US');
    expect(readme).toContain(
      `${FIXED_SERIES_PER_ACCOUNT} × ${DEFAULTS.maxAccounts} + ${SAMPLES_PER_KEPT_PAIR} × ${n(DEFAULTS.maxTotalSidSeries)} + ${SELF_METRICS_ALLOWANCE} = ${n(bound.total)}`,
    );
    expect(readme).toContain(`\`sample_limit: ${sampleLimit}\``);
  });
});
