import type { StoreSnapshot } from '../state/store.js';

/** The two bounds on per-ExoPhone series, both counted in (SID, direction) pairs. */
export interface SidSeriesLimits {
  /** MAX_SID_SERIES: at most this many pairs of one account. */
  readonly maxSidSeries: number;
  /** MAX_TOTAL_SID_SERIES: at most this many pairs across all accounts. */
  readonly maxTotalSidSeries: number;
}

/**
 * How many of its affected pairs each account may expose, by water-filling: every account gets
 * what it asks for (its pairs, at most MAX_SID_SERIES) while the total fits MAX_TOTAL_SID_SERIES.
 * When it does not, accounts are served from the smallest demand up, each getting at most an
 * equal share of what is left; whatever a small account does not use is shared among the larger
 * ones. So an account is never squeezed below min(its demand, total / accounts) by a larger one,
 * and capped accounts end within one pair of each other (the odd pairs of an uneven division go
 * to the larger demands, then to the accounts later in name order: deterministic, so the kept set
 * does not flap from scrape to scrape).
 *
 * Accounts are few (MAX_ACCOUNTS, 100 by default) and a demand is a map size, so this is cheap
 * enough to run on every store version, by the projection and the scrape renderer alike.
 */
export function sidQuotas(
  demands: ReadonlyMap<string, number>,
  limits: SidSeriesLimits,
): Map<string, number> {
  const capped = [...demands].map(([account, pairs]) => ({
    account,
    demand: Math.min(pairs, limits.maxSidSeries),
  }));
  const quotas = new Map<string, number>();
  const total = capped.reduce((sum, { demand }) => sum + demand, 0);
  if (total <= limits.maxTotalSidSeries) {
    for (const { account, demand } of capped) quotas.set(account, demand);
    return quotas;
  }
  capped.sort(
    (a, b) => a.demand - b.demand || (a.account < b.account ? -1 : a.account > b.account ? 1 : 0),
  );
  let left = limits.maxTotalSidSeries;
  capped.forEach(({ account, demand }, index) => {
    const quota = Math.min(demand, Math.floor(left / (capped.length - index)));
    quotas.set(account, quota);
    left -= quota;
  });
  return quotas;
}

/** Every account's affected pairs, the demand sidQuotas divides the budget by. */
export function affectedPairs(snapshot: StoreSnapshot): Map<string, number> {
  const pairs = new Map<string, number>();
  for (const [account, { state }] of snapshot.accounts) {
    pairs.set(account, state.details?.table.rows ?? 0);
  }
  return pairs;
}
