import { ConfigError } from '../settings/configError.js';
import { settingLabel, type Resolved } from '../settings/resolve.js';
import { SETTINGS } from '../settings/table.js';
import type { ApiAccount, ExotelApiHost } from './apiAccount.js';
import type { PollSettings } from './pollSettings.js';
import { Secret } from './secret.js';

export interface FallbackConfig {
  /** Credentials for `default` from --exotel.api-key/api-token/account-sid, or null. */
  readonly defaultAccount: ApiAccount | null;
  /** --exotel.accounts-file: JSON credentials for several accounts, read at start-up and reload. */
  readonly accountsFile: string | null;
  /** --exotel.api-base-url: replaces the Exotel host for every account (tests, egress proxies). */
  readonly baseUrlOverride: string | null;
  readonly settings: PollSettings;
}

export function fallbackConfig(resolved: Resolved): FallbackConfig {
  const v = resolved.values;
  return {
    defaultAccount: defaultAccount(resolved),
    accountsFile: v.exotelAccountsFile,
    baseUrlOverride: v.exotelApiBaseUrl,
    settings: {
      requestsPerMinute: v.exotelRequestsPerMinute,
      burst: v.exotelBurst,
      concurrency: v.exotelConcurrency,
      timeoutMs: v.exotelTimeoutMs,
      maxRetries: v.exotelMaxRetries,
      backoffBaseMs: v.exotelBackoffBaseMs,
      backoffCapMs: v.exotelBackoffCapMs,
      maxRetryAfterMs: v.exotelMaxRetryAfterMs,
      intervalMs: v.exotelPollIntervalMs,
      pageSize: v.exotelPageSize,
      staleAfterMs: v.exotelStaleAfterMs,
      priorityRefreshMs: v.exotelPriorityRefreshMs,
      priorityMax: v.exotelPriorityMax,
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
function defaultAccount(resolved: Resolved): ApiAccount | null {
  const { values: v, sources } = resolved;
  const names = ['exotelApiKey', 'exotelApiToken', 'exotelAccountSid'] as const;
  const [key, token, sid] = [v.exotelApiKey, v.exotelApiToken, v.exotelAccountSid];
  if (key === null && token === null && sid === null) return null;
  if (key === null || token === null || sid === null) {
    const missing = names[[key, token, sid].indexOf(null)] ?? names[0];
    throw new ConfigError(
      SETTINGS[missing].env[0] ?? missing,
      'must be set too (the API fallback needs key, token and account SID)',
      settingLabel(missing, sources[missing]),
    );
  }
  if (!ACCOUNT_SID_REGEX.test(sid)) {
    const source = sources.exotelAccountSid;
    throw new ConfigError(
      source.kind === 'env' ? source.variable : '--exotel.account-sid',
      'must be 1-64 letters, digits, "_" or "-"',
      settingLabel('exotelAccountSid', source),
    );
  }
  return {
    account: 'default',
    accountSid: sid,
    apiKey: new Secret(key),
    apiToken: new Secret(token),
    baseUrl: v.exotelApiBaseUrl ?? hostBaseUrl(v.exotelApiHost),
  };
}
