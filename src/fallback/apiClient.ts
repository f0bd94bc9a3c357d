import type { Clock } from '../clock.js';
import { backoffDelay } from './backoff.js';
import type { PollSettings } from './pollSettings.js';
import { parseRetryAfter } from './retryAfter.js';
import type { Timers } from '../timers.js';
import type { TokenBucket } from '../tokenBucket.js';

export const ENDPOINTS = ['list', 'details'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** Why a request gave up; non-HTTP failures get a word instead of a status code. */
export class ApiError extends Error {
  constructor(
    readonly reason: 'unauthorized' | 'throttled' | 'client_error' | 'unavailable',
    detail: string,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

export type ApiAnswer =
  { readonly kind: 'ok'; readonly body: unknown } | { readonly kind: 'not_found' };

export interface ApiClientDeps {
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: () => number;
  /** Shared by every exporter account that uses the same Exotel account. */
  readonly budget: TokenBucket;
  readonly settings: PollSettings;
  /** `Basic …`, built once from the secrets; never logged. */
  readonly authorization: string;
  /** One request's outcome: the HTTP status, or timeout / network_error / invalid_json. */
  readonly onRequest: (endpoint: Endpoint, code: string) => void;
  /** Time spent waiting because Exotel answered 429. */
  readonly onThrottled: (ms: number) => void;
}

type Attempt =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly headers: Headers;
      readonly body: unknown;
    }
  | { readonly kind: 'failure'; readonly code: 'timeout' | 'network_error' | 'invalid_json' };

/**
 * GETs one URL of Exotel's API as a good citizen: every attempt takes a token from the account's
 * budget; 429 pauses the whole account for Retry-After (or the backoff) so parallel requests do
 * not pile on; 5xx, timeouts and unreadable answers back off exponentially with jitter; retries
 * are bounded; 401/403 and other 4xx give up at once (retrying cannot help). Decided by status,
 * never by body: Exotel's error bodies vary.
 */
export async function apiGet(
  deps: ApiClientDeps,
  endpoint: Endpoint,
  url: string,
  signal: AbortSignal,
): Promise<ApiAnswer> {
  const { settings } = deps;
  for (let attempt = 0; ; attempt++) {
    await deps.budget.take(deps.clock, deps.timers, signal);
    const result = await once(deps, url, signal);
    deps.onRequest(endpoint, result.kind === 'answer' ? String(result.status) : result.code);
    const last = attempt >= settings.maxRetries;
    if (result.kind === 'answer') {
      const { status } = result;
      if (status >= 200 && status < 300) return { kind: 'ok', body: result.body };
      if (status === 404) return { kind: 'not_found' };
      if (status === 401 || status === 403) {
        throw new ApiError(
          'unauthorized',
          `${endpoint}: HTTP ${status} (API key, token, account SID or region wrong)`,
        );
      }
      if (status === 429) {
        const now = deps.clock.now();
        const wait =
          parseRetryAfter(result.headers.get('retry-after'), now, settings.maxRetryAfterMs) ??
          backoffDelay(attempt, settings.backoffBaseMs, settings.backoffCapMs, deps.random);
        deps.budget.pauseUntil(now + wait);
        deps.onThrottled(wait);
        if (last)
          throw new ApiError('throttled', `${endpoint}: HTTP 429 after ${attempt + 1} attempts`);
        continue; // the budget now holds every request of this account until the pause ends
      }
      if (status < 500) throw new ApiError('client_error', `${endpoint}: HTTP ${status}`);
    }
    const code = result.kind === 'answer' ? `HTTP ${result.status}` : result.code;
    if (last)
      throw new ApiError('unavailable', `${endpoint}: ${code} after ${attempt + 1} attempts`);
    await deps.timers.sleep(
      backoffDelay(attempt, settings.backoffBaseMs, settings.backoffCapMs, deps.random),
      signal,
    );
  }
}

async function once(deps: ApiClientDeps, url: string, signal: AbortSignal): Promise<Attempt> {
  // One controller per attempt, aborted by a stop or by the timeout. (Not AbortSignal.any: on
  // Node 20 every combined signal stays attached to the long-lived stop signal.)
  const request = new AbortController();
  let timedOut = false;
  const onStop = () => request.abort(signal.reason);
  signal.addEventListener('abort', onStop, { once: true });
  const stopTimer = new AbortController();
  deps.timers.sleep(deps.settings.timeoutMs, stopTimer.signal).then(
    () => {
      timedOut = true;
      request.abort(new Error('timeout'));
    },
    () => undefined, // the request finished first
  );
  try {
    const response = await deps.fetch(url, {
      headers: { authorization: deps.authorization, accept: 'application/json' },
      // Never follow a redirect: it could carry the credentials to another host.
      redirect: 'manual',
      signal: request.signal,
    });
    let text: string;
    try {
      text = await response.text();
    } catch {
      return failure(signal, timedOut);
    }
    if (response.status < 200 || response.status >= 300) {
      return { kind: 'answer', status: response.status, headers: response.headers, body: null };
    }
    try {
      return {
        kind: 'answer',
        status: response.status,
        headers: response.headers,
        body: JSON.parse(text),
      };
    } catch {
      return { kind: 'failure', code: 'invalid_json' };
    }
  } catch {
    return failure(signal, timedOut);
  } finally {
    stopTimer.abort();
    signal.removeEventListener('abort', onStop);
  }
}

function failure(signal: AbortSignal, timedOut: boolean): Attempt {
  // A stop is not the API's failure: let the poller see the abort.
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
  return { kind: 'failure', code: timedOut ? 'timeout' : 'network_error' };
}

export function basicAuthorization(key: string, token: string): string {
  return `Basic ${Buffer.from(`${key}:${token}`, 'utf8').toString('base64')}`;
}
