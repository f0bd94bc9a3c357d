import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { EMPTY_ACCOUNT, type AccountState } from '../state/account.js';
import type { Store } from '../state/store.js';
import { AccountPoller } from './accountPoller.js';
import type { ApiAccount } from './apiAccount.js';
import { basicAuthorization } from './apiClient.js';
import type { ApiMetrics } from './apiMetrics.js';
import type { PollSettings } from './pollSettings.js';
import type { Timers } from '../timers.js';
import { TokenBucket } from '../tokenBucket.js';

export interface FallbackDeps {
  readonly accounts: readonly ApiAccount[];
  readonly settings: PollSettings;
  readonly store: Store;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly fetch: typeof fetch;
  readonly random: () => number;
  readonly logger: Logger;
  readonly metrics: ApiMetrics;
  /** Schedules a save of the state file after a poll was published. */
  readonly persist: () => void;
}

export type PollReason = 'payload_too_large' | 'heartbeat_stale';

/**
 * Whether an account needs the API: its applied heartbeat is PAYLOAD_TOO_LARGE, or (when
 * staleAfterMs is set) heartbeats stopped arriving. Never before the first heartbeat: an account
 * that never received one is not set up yet, and polling would only spend the budget.
 */
export function pollReason(
  state: AccountState | undefined,
  nowMs: number,
  staleAfterMs: number,
): PollReason | null {
  if (state === undefined) return null;
  if (state.applied?.status === 'PAYLOAD_TOO_LARGE') return 'payload_too_large';
  if (staleAfterMs > 0 && state.lastReceivedMs > 0 && nowMs - state.lastReceivedMs > staleAfterMs) {
    return 'heartbeat_stale';
  }
  return null;
}

/** How often the staleness of heartbeats is checked when EXOTEL_API_STALE_AFTER_SECONDS is set. */
const STALE_CHECK_MS = 15_000;

/**
 * The PAYLOAD_TOO_LARGE fallback for every account with API credentials: starts an account's
 * poller when it needs the API and stops it as soon as a heartbeat with detail is applied.
 * check() is called after every heartbeat and after start-up; nothing here reads the clock
 * except through the injected one.
 */
export class Fallback {
  private readonly pollers = new Map<string, AccountPoller>();
  private readonly watch = new AbortController();
  private watching: Promise<void> | null = null;

  constructor(private readonly deps: FallbackDeps) {
    // Exporter accounts that share an Exotel account share its limit, so they share a budget.
    const budgets = new Map<string, TokenBucket>();
    for (const account of deps.accounts) {
      const key = `${account.baseUrl} ${account.accountSid}`;
      let budget = budgets.get(key);
      if (budget === undefined) {
        budget = new TokenBucket(
          deps.settings.requestsPerMinute,
          deps.settings.burst,
          deps.clock.now(),
        );
        budgets.set(key, budget);
      }
      this.pollers.set(account.account, this.poller(account, budget));
    }
  }

  /** Starts or stops pollers to match the store. Cheap; call it after every change. */
  check(): void {
    const accounts = this.deps.store.snapshot().accounts;
    const now = this.deps.clock.now();
    for (const [account, poller] of this.pollers) {
      const reason = pollReason(accounts.get(account)?.state, now, this.deps.settings.staleAfterMs);
      if (reason !== null && !poller.active) {
        this.deps.logger.info({ account, reason }, 'api fallback started');
        poller.start();
      } else if (reason === null && poller.active) {
        this.deps.logger.info(
          { account },
          'api fallback stopped: a heartbeat with detail was applied',
        );
        poller.stop();
      }
    }
  }

  /** Re-checks staleness periodically (only when EXOTEL_API_STALE_AFTER_SECONDS is set). */
  startWatching(): void {
    if (this.deps.settings.staleAfterMs === 0 || this.watching !== null || this.pollers.size === 0)
      return;
    const every = Math.min(STALE_CHECK_MS, this.deps.settings.staleAfterMs);
    const loop = async () => {
      for (;;) {
        await this.deps.timers.sleep(every, this.watch.signal);
        this.check();
      }
    };
    this.watching = loop().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.watch.abort(new Error('closing'));
    await this.watching;
    await Promise.all([...this.pollers.values()].map((poller) => poller.close()));
  }

  private poller(account: ApiAccount, budget: TokenBucket): AccountPoller {
    const { deps } = this;
    const name = account.account;
    return new AccountPoller({
      timers: deps.timers,
      logger: deps.logger,
      metrics: deps.metrics,
      intervalMs: deps.settings.intervalMs,
      cycle: {
        account,
        settings: deps.settings,
        clock: deps.clock,
        current: () => deps.store.snapshot().accounts.get(name)?.state ?? EMPTY_ACCOUNT,
        publish: (poll) => {
          const outcome = deps.store.applyPoll(name, poll);
          if (outcome === 'applied') deps.persist();
          return outcome;
        },
        api: {
          fetch: deps.fetch,
          clock: deps.clock,
          timers: deps.timers,
          random: deps.random,
          budget,
          settings: deps.settings,
          authorization: basicAuthorization(account.apiKey.reveal(), account.apiToken.reveal()),
          onRequest: (endpoint, code) => deps.metrics.request(name, endpoint, code),
          onThrottled: (ms) => deps.metrics.throttled(name, ms),
        },
      },
    });
  }
}
