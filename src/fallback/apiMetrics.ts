import { Counter, Gauge, type Registry } from 'prom-client';
import type { Endpoint } from './apiClient.js';

/** The fallback's own metrics, on the exporter's registry (never prom-client's global one). */
export interface ApiMetrics {
  request(account: string, endpoint: Endpoint, code: string): void;
  throttled(account: string, ms: number): void;
  active(account: string, on: boolean): void;
  pollCompleted(
    account: string,
    nowMs: number,
    durationMs: number,
    exophones: number,
    withoutHealth: number,
  ): void;
  pollEnded(account: string, result: 'failed' | 'superseded'): void;
  /** Accounts a reload added: their series start at 0 like the first ones'. */
  addAccounts(accounts: readonly string[]): void;
}

export const POLL_RESULTS = ['complete', 'failed', 'superseded'] as const;

export function createApiMetrics(registry: Registry, accounts: readonly string[]): ApiMetrics {
  const registers = [registry];
  const requests = new Counter({
    name: 'exotel_api_requests_total',
    help: "Requests to Exotel's API by the PAYLOAD_TOO_LARGE fallback, by endpoint and HTTP status code (or timeout, network_error, invalid_json).",
    labelNames: ['account', 'endpoint', 'code'],
    registers,
  });
  const throttled = new Counter({
    name: 'exotel_api_throttled_seconds_total',
    help: "Time the fallback held its requests because Exotel's API answered 429 (Retry-After or backoff).",
    labelNames: ['account'],
    registers,
  });
  const polls = new Counter({
    name: 'exotel_api_polls_total',
    help: 'API polls that ended, by result: complete (published), failed, superseded (a heartbeat won).',
    labelNames: ['account', 'result'],
    registers,
  });
  const active = new Gauge({
    name: 'exotel_api_poll_active',
    help: 'Whether the API fallback is polling the account now (1) or not (0).',
    labelNames: ['account'],
    registers,
  });
  const lastSuccess = new Gauge({
    name: 'exotel_api_poll_last_success_timestamp_seconds',
    help: 'When the last complete API poll finished (0 = not yet in this process).',
    labelNames: ['account'],
    registers,
  });
  const duration = new Gauge({
    name: 'exotel_api_poll_duration_seconds',
    help: 'How long the last complete API poll took.',
    labelNames: ['account'],
    registers,
  });
  const exophones = new Gauge({
    name: 'exotel_api_poll_exophones',
    help: 'ExoPhones listed by the last complete API poll.',
    labelNames: ['account'],
    registers,
  });
  const withoutHealth = new Gauge({
    name: 'exotel_api_poll_exophones_without_health',
    help: 'ExoPhones of the last complete API poll whose details reported no connectivity status (counted as not affected).',
    labelNames: ['account'],
    registers,
  });

  // Every configured account exists from the start, so rate() and alerts see a 0 first.
  const known = new Set<string>();
  const addAccounts = (names: readonly string[]) => {
    for (const account of names) {
      if (known.has(account)) continue;
      known.add(account);
      throttled.inc({ account }, 0);
      for (const result of POLL_RESULTS) polls.inc({ account, result }, 0);
      active.set({ account }, 0);
      lastSuccess.set({ account }, 0);
    }
  };
  addAccounts(accounts);

  return {
    request: (account, endpoint, code) => requests.inc({ account, endpoint, code }),
    throttled: (account, ms) => throttled.inc({ account }, ms / 1000),
    active: (account, on) => active.set({ account }, on ? 1 : 0),
    pollCompleted: (account, nowMs, durationMs, listed, unknown) => {
      polls.inc({ account, result: 'complete' });
      lastSuccess.set({ account }, nowMs / 1000);
      duration.set({ account }, durationMs / 1000);
      exophones.set({ account }, listed);
      withoutHealth.set({ account }, unknown);
    },
    pollEnded: (account, result) => polls.inc({ account, result }),
    addAccounts,
  };
}
