import type { ApiAccount } from '../../src/fallback/apiAccount.js';
import type { ApiMetrics } from '../../src/fallback/apiMetrics.js';
import { Fallback } from '../../src/fallback/fallback.js';
import { DEFAULTS } from '../../src/config.js';
import type { PollSettings } from '../../src/fallback/pollSettings.js';
import { Secret } from '../../src/fallback/secret.js';
import { Store } from '../../src/state/store.js';
import { captureLogs } from '../helpers/unit-logCapture.js';
import { VirtualTime } from '../helpers/virtualTime.js';
import type { FakeExotel } from '../fakeExotel/fakeExotel.js';

export interface Recorded {
  readonly completed: {
    nowMs: number;
    durationMs: number;
    exophones: number;
    withoutHealth: number;
  }[];
  readonly ended: string[];
  readonly codes: string[];
  throttledMs: number;
}

/**
 * The real Fallback (pollers, budget, client, cycle) against a fake Exotel, in virtual time, with
 * a real Store. `onComplete` lets a test stop after the poll it wants to look at.
 */
export function inProcessFallback(
  fake: FakeExotel,
  time: VirtualTime,
  settings: Partial<PollSettings> = {},
  onComplete: (recorded: Recorded) => void = () => undefined,
  fetchFn: typeof fetch = time.fetch,
) {
  const store = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
  const account: ApiAccount = {
    account: 'acme',
    accountSid: 'acme1',
    apiKey: new Secret('key'),
    apiToken: new Secret('token'),
    baseUrl: fake.url,
  };
  const recorded: Recorded = { completed: [], ended: [], codes: [], throttledMs: 0 };
  const metrics: ApiMetrics = {
    request: (_a, endpoint, code) => recorded.codes.push(`${endpoint} ${code}`),
    throttled: (_a, ms) => (recorded.throttledMs += ms),
    active: () => undefined,
    pollCompleted: (_a, nowMs, durationMs, exophones, withoutHealth) => {
      recorded.completed.push({ nowMs, durationMs, exophones, withoutHealth });
      onComplete(recorded);
    },
    addAccounts: () => undefined,
    pollEnded: (_a, result) => recorded.ended.push(result),
  };
  const logs = captureLogs();
  const fallback = new Fallback({
    accounts: [account],
    settings: { ...DEFAULTS.api.settings, ...settings },
    store,
    clock: time,
    timers: time,
    fetch: fetchFn,
    random: () => 0.5,
    logger: logs.logger,
    metrics,
    persist: () => undefined,
  });
  return { store, fallback, recorded, logs };
}
