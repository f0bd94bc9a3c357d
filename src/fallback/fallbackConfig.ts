import { ConfigError, integer, raw } from '../config.js';
import { EXOTEL_API_HOSTS, type ApiAccount, type ExotelApiHost } from './apiAccount.js';
import { FALLBACK_DEFAULTS, type PollSettings } from './pollSettings.js';
import { Secret } from './secret.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface FallbackConfig {
  /** Credentials for `default` from EXOTEL_API_KEY/TOKEN/ACCOUNT_SID, or null. */
  readonly defaultAccount: ApiAccount | null;
  /** EXOTEL_ACCOUNTS_FILE: JSON credentials for several accounts, read at start-up. */
  readonly accountsFile: string | null;
  /** EXOTEL_API_BASE_URL: replaces the Exotel host for every account (tests, egress proxies). */
  readonly baseUrlOverride: string | null;
  readonly settings: PollSettings;
}

const SECOND = 1000;

export function loadFallbackConfig(env: Env): FallbackConfig {
  const d = FALLBACK_DEFAULTS;
  const baseUrlOverride = baseUrl(env);
  return {
    defaultAccount: defaultAccount(env, baseUrlOverride),
    accountsFile: raw(env, 'EXOTEL_ACCOUNTS_FILE') ?? null,
    baseUrlOverride,
    settings: {
      requestsPerMinute: integer(
        env,
        'EXOTEL_API_REQUESTS_PER_MINUTE',
        d.requestsPerMinute,
        1,
        6_000,
      ),
      burst: integer(env, 'EXOTEL_API_BURST', d.burst, 1, 100),
      concurrency: integer(env, 'EXOTEL_API_CONCURRENCY', d.concurrency, 1, 2),
      timeoutMs: integer(env, 'EXOTEL_API_TIMEOUT_MS', d.timeoutMs, 100, 120_000),
      maxRetries: integer(env, 'EXOTEL_API_MAX_RETRIES', d.maxRetries, 0, 10),
      backoffBaseMs: integer(env, 'EXOTEL_API_BACKOFF_BASE_MS', d.backoffBaseMs, 1, 60_000),
      backoffCapMs: integer(env, 'EXOTEL_API_BACKOFF_CAP_MS', d.backoffCapMs, 1, 600_000),
      maxRetryAfterMs:
        integer(env, 'EXOTEL_API_MAX_RETRY_AFTER_SECONDS', d.maxRetryAfterMs / SECOND, 1, 3_600) *
        SECOND,
      intervalMs:
        integer(env, 'EXOTEL_API_POLL_INTERVAL_SECONDS', d.intervalMs / SECOND, 1, 86_400) * SECOND,
      pageSize: integer(env, 'EXOTEL_API_PAGE_SIZE', d.pageSize, 1, 1_000),
      staleAfterMs:
        integer(env, 'EXOTEL_API_STALE_AFTER_SECONDS', d.staleAfterMs / SECOND, 0, 604_800) *
        SECOND,
      priorityRefreshMs:
        integer(
          env,
          'EXOTEL_API_PRIORITY_REFRESH_SECONDS',
          d.priorityRefreshMs / SECOND,
          1,
          86_400,
        ) * SECOND,
      priorityMax: integer(env, 'EXOTEL_API_PRIORITY_MAX', d.priorityMax, 0, 10_000),
    },
  };
}

/** An Exotel account SID is a path segment of every URL: keep it to a safe set. */
export const ACCOUNT_SID_REGEX = /^[A-Za-z0-9_-]{1,64}$/;

export function hostBaseUrl(host: ExotelApiHost): string {
  return `https://${host}`;
}

/**
 * The default account's credentials: all three of key, token and account SID, or none (the
 * fallback is off for `default`). Half a configuration is an error, not a silent "off".
 */
function defaultAccount(env: Env, override: string | null): ApiAccount | null {
  const names = ['EXOTEL_API_KEY', 'EXOTEL_API_TOKEN', 'EXOTEL_ACCOUNT_SID'] as const;
  const [key, token, sid] = names.map((name) => raw(env, name));
  if (key === undefined && token === undefined && sid === undefined) return null;
  const missing = names.filter((_, i) => [key, token, sid][i] === undefined);
  if (key === undefined || token === undefined || sid === undefined) {
    throw new ConfigError(
      missing[0] ?? names[0],
      'must be set too (the API fallback needs key, token and account SID)',
    );
  }
  if (!ACCOUNT_SID_REGEX.test(sid)) {
    throw new ConfigError('EXOTEL_ACCOUNT_SID', 'must be 1-64 letters, digits, "_" or "-"');
  }
  return {
    account: 'default',
    accountSid: sid,
    apiKey: new Secret(key),
    apiToken: new Secret(token),
    baseUrl: override ?? hostBaseUrl(apiHost(env)),
  };
}

function apiHost(env: Env): ExotelApiHost {
  const value = raw(env, 'EXOTEL_API_HOST')?.toLowerCase() ?? 'api.exotel.com';
  const host = EXOTEL_API_HOSTS.find((candidate) => candidate === value);
  if (host === undefined) {
    throw new ConfigError(
      'EXOTEL_API_HOST',
      `must be one of ${EXOTEL_API_HOSTS.join(', ')}, got "${value.slice(0, 100)}" (EXOTEL_API_BASE_URL overrides it explicitly)`,
    );
  }
  return host;
}

/**
 * EXOTEL_API_BASE_URL sends every account's credentials to another origin: meant for the tests'
 * fake API and for egress proxies, so it must be an explicit, bare http(s) origin.
 */
function baseUrl(env: Env): string | null {
  const value = raw(env, 'EXOTEL_API_BASE_URL');
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('EXOTEL_API_BASE_URL', 'must be an absolute http(s) URL');
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new ConfigError(
      'EXOTEL_API_BASE_URL',
      'must be a bare http(s) origin such as https://proxy.example:8443 (no path, query or user)',
    );
  }
  return url.origin;
}
