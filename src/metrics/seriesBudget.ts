import type { Config } from '../config.js';

/**
 * The most samples one scrape of /metrics can hold, from configuration alone: what a scrape
 * config's `sample_limit` (deploy/prometheus/prometheus.yml, a ServiceMonitor's `sampleLimit`)
 * must allow, or the target goes down exactly when many ExoPhones are affected.
 *
 * A test renders a worst-case state in process and holds the exposition to this bound, and the
 * shipped `sample_limit` and the arithmetic written next to it to these numbers.
 */

/**
 * Series every account always has, whatever the budget: status 4, heartbeat timestamp 1, last
 * received 1, counts 2, series dropped 1, details timestamp 1, details source 2, received 4,
 * duplicate 1, conflict 1, out of order 1.
 */
export const FIXED_SERIES_PER_ACCOUNT = 19;

/**
 * Samples per kept (SID, direction) pair: exotel_exophone_affected and
 * exotel_exophone_affected_since_timestamp_seconds, plus exotel_exophone_connectivity_status when
 * the detail comes from the API fallback (a state file can carry such detail even with the
 * fallback now off, so the bound always counts it).
 */
export const SAMPLES_PER_KEPT_PAIR = 3;

/**
 * The exporter's own metrics: rejections (12 reasons), repairs (2), persistence (4), accounts
 * removed (6 reasons), connections refused (3 reasons), build info, and prom-client's process and
 * Node.js metrics, about 100 on a running exporter (the GC histogram
 * grows to 4 kinds x 9 samples, the active handle/request/resource gauges add one per type in
 * use). 250 leaves room for those to grow with a Node.js upgrade; the test measures them.
 */
export const SELF_METRICS_ALLOWANCE = 250;

/**
 * The API fallback's per-account metrics (src/fallback/apiMetrics.ts): 9 series, plus one per
 * (endpoint, response code) seen — allowed for here as 2 endpoints x 12 codes.
 */
export const API_SERIES_PER_ACCOUNT = 9 + 2 * 12;

export type BudgetSettings = Pick<Config, 'maxAccounts' | 'maxSidSeries' | 'maxTotalSidSeries'>;

export interface ExpositionBound {
  /** Per-SID pairs that can be kept at once: MAX_TOTAL_SID_SERIES, or less if MAX_ACCOUNTS x MAX_SID_SERIES is. */
  readonly keptPairs: number;
  readonly perSidSamples: number;
  readonly fixedSamples: number;
  readonly selfSamples: number;
  readonly apiSamples: number;
  readonly total: number;
}

/** The bound and its parts; `apiAccounts`: accounts the API fallback polls (0 by default). */
export function expositionBound(settings: BudgetSettings, apiAccounts = 0): ExpositionBound {
  const keptPairs = Math.min(
    settings.maxTotalSidSeries,
    settings.maxSidSeries * settings.maxAccounts,
  );
  const perSidSamples = SAMPLES_PER_KEPT_PAIR * keptPairs;
  const fixedSamples = FIXED_SERIES_PER_ACCOUNT * settings.maxAccounts;
  const apiSamples = API_SERIES_PER_ACCOUNT * Math.min(apiAccounts, settings.maxAccounts);
  return {
    keptPairs,
    perSidSamples,
    fixedSamples,
    selfSamples: SELF_METRICS_ALLOWANCE,
    apiSamples,
    total: perSidSamples + fixedSamples + SELF_METRICS_ALLOWANCE + apiSamples,
  };
}

/** The most samples one exposition can hold under these settings. */
export function maxExpositionSamples(settings: BudgetSettings, apiAccounts = 0): number {
  return expositionBound(settings, apiAccounts).total;
}
