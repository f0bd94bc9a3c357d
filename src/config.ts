/**
 * Configuration from environment variables: every default lives in DEFAULTS, every value is
 * validated here, and a bad value stops start-up with one line naming the variable.
 */
import { loadFallbackConfig, type FallbackConfig } from './fallback/fallbackConfig.js';
import { FALLBACK_DEFAULTS } from './fallback/pollSettings.js';
import { HTTP_LIMIT_DEFAULTS, type HttpLimits } from './http/httpLimits.js';
import { loadHttpLimits } from './http/httpLimitsConfig.js';
import {
  loadSecurityConfig,
  SECURITY_DEFAULTS,
  type SecurityConfig,
} from './http/securityConfig.js';

export interface Config {
  readonly port: number;
  /** Empty: all interfaces (Node picks `::` with an IPv4 fallback). */
  readonly host: string;
  /** `null`: persistence disabled. */
  readonly stateFile: string | null;
  readonly logLevel: LogLevel;
  /** Turns off the two documented repairs (trailing commas, `>` after the timestamp's zone). */
  readonly strictJson: boolean;
  readonly futureToleranceSeconds: number;
  readonly maxAccounts: number;
  readonly maxSidSeries: number;
  /** Per-SID (SID, direction) pairs across all accounts; bounds the exposition with maxAccounts. */
  readonly maxTotalSidSeries: number;
  /** Source revision reported by `exotel_exporter_build_info`. */
  readonly buildRevision: string;
  /** The Exotel API fallback for PAYLOAD_TOO_LARGE (EXOTEL_* variables; src/fallback/). */
  readonly api: FallbackConfig;
  /** How often Exotel sends a heartbeat; the status page calls one late past this. */
  readonly heartbeatIntervalSeconds: number;
  /** The Grafana dashboard the status page links to; `null`: no link. */
  readonly grafanaUrl: string | null;
  /** Accounts silent this long are forgotten; `null`: never (src/state/expiry.ts). */
  readonly accountExpirySeconds: number | null;
  /** `rehearsal…` accounts silent this long are forgotten; always on, below the absence alert. */
  readonly rehearsalExpirySeconds: number;
  /** Timeouts, sizes, connection cap, per-source rate limit, large-ingest bound (src/http/). */
  readonly http: HttpLimits;
  /** Webhook tokens, WEB_CONFIG_FILE, the optional metrics listener (src/http/securityConfig.ts). */
  readonly security: SecurityConfig;
  /**
   * This replica's name in logs and on the status page (REPLICA_NAME); `null`: the host name,
   * which main.ts reads (a pod's name in Kubernetes, a container ID under Compose).
   */
  readonly replicaName: string | null;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * 8747 sits outside Prometheus's "Default port allocations" wiki list: its exporter range
 * 9100-9999 is fully allocated and new allocations continue from 10000 upward.
 */
export const DEFAULT_PORT = 8747;

export const DEFAULTS: Config = {
  port: DEFAULT_PORT,
  host: '',
  stateFile: './data/state.json',
  logLevel: 'info',
  strictJson: false,
  futureToleranceSeconds: 300,
  maxAccounts: 100,
  maxSidSeries: 10_000,
  maxTotalSidSeries: 20_000,
  buildRevision: 'unknown',
  api: {
    defaultAccount: null,
    accountsFile: null,
    baseUrlOverride: null,
    settings: FALLBACK_DEFAULTS,
  },
  heartbeatIntervalSeconds: 300,
  grafanaUrl: null,
  accountExpirySeconds: null,
  // Two heartbeat intervals: gone before ExotelHeartbeatMissing (three intervals) could fire.
  rehearsalExpirySeconds: 600,
  http: HTTP_LIMIT_DEFAULTS,
  security: SECURITY_DEFAULTS,
  replicaName: null,
};

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env): Config {
  const heartbeatIntervalSeconds = integer(
    env,
    'HEARTBEAT_INTERVAL_SECONDS',
    DEFAULTS.heartbeatIntervalSeconds,
    1,
    86_400,
  );
  return {
    port: integer(env, 'PORT', DEFAULTS.port, 0, 65_535),
    host: text(env, 'HOST', DEFAULTS.host),
    stateFile: stateFile(env),
    logLevel: oneOf(env, 'LOG_LEVEL', DEFAULTS.logLevel, LOG_LEVELS),
    strictJson: boolean(env, 'STRICT_JSON', DEFAULTS.strictJson),
    futureToleranceSeconds: integer(
      env,
      'FUTURE_TOLERANCE_SECONDS',
      DEFAULTS.futureToleranceSeconds,
      0,
      86_400,
    ),
    maxAccounts: integer(env, 'MAX_ACCOUNTS', DEFAULTS.maxAccounts, 1, 100_000),
    maxSidSeries: integer(env, 'MAX_SID_SERIES', DEFAULTS.maxSidSeries, 0, 10_000_000),
    maxTotalSidSeries: integer(
      env,
      'MAX_TOTAL_SID_SERIES',
      DEFAULTS.maxTotalSidSeries,
      0,
      10_000_000,
    ),
    buildRevision: text(env, 'BUILD_REVISION', DEFAULTS.buildRevision),
    api: loadFallbackConfig(env),
    heartbeatIntervalSeconds,
    grafanaUrl: httpUrl(env, 'GRAFANA_URL', DEFAULTS.grafanaUrl),
    accountExpirySeconds: accountExpiry(env, heartbeatIntervalSeconds),
    rehearsalExpirySeconds: rehearsalExpiry(env, heartbeatIntervalSeconds),
    http: loadHttpLimits(env),
    security: loadSecurityConfig(env, {
      port: integer(env, 'PORT', DEFAULTS.port, 0, 65_535),
      host: text(env, 'HOST', DEFAULTS.host),
    }),
    replicaName: replicaName(env),
  };
}

/** Unset and empty both mean "use the default", except where emptiness has a meaning. */
export function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function text(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(name, `must be true or false, got "${value}"`);
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return match;
}

/**
 * An absolute http(s) URL, or the fallback when unset. Anything else (a `javascript:` URL
 * included) is refused: the value becomes a link on the status page.
 */
function httpUrl(env: Env, name: string, fallback: string | null): string | null {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, got "${value}"`);
  }
  // It is shown on the status page and logged at start-up: no place for a password.
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(name, 'must not contain a user name or password');
  }
  return url.toString();
}

/** STATE_FILE is the one variable where "set but empty" means something: no persistence. */
function stateFile(env: Env): string | null {
  const value = env['STATE_FILE'];
  if (value === undefined) return DEFAULTS.stateFile;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** Host-name-like: what a pod or host is called, safe in a log field and on the status page. */
const REPLICA_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/;

function replicaName(env: Env): string | null {
  const value = raw(env, 'REPLICA_NAME');
  if (value === undefined) return DEFAULTS.replicaName;
  if (!REPLICA_NAME.test(value)) {
    throw new ConfigError(
      'REPLICA_NAME',
      `must be 1-253 letters, digits, ".", "_", ":" or "-" starting with a letter or digit, got "${value}"`,
    );
  }
  return value;
}

/**
 * ExotelHeartbeatMissing fires after three heartbeat intervals of silence. An expiring account's
 * series leave /metrics, which resolves that alert, so expiry must come well after it: at least
 * the alert's threshold plus one hour (4,500 s with 5-minute heartbeats), so it fires and pages
 * first. 0 or unset: accounts never expire.
 */
export function minAccountExpirySeconds(heartbeatIntervalSeconds: number): number {
  return 3 * heartbeatIntervalSeconds + 3_600;
}

function accountExpiry(env: Env, heartbeatIntervalSeconds: number): number | null {
  const value = integer(env, 'ACCOUNT_EXPIRY_SECONDS', 0, 0, 315_360_000);
  if (value === 0) return DEFAULTS.accountExpirySeconds;
  const min = minAccountExpirySeconds(heartbeatIntervalSeconds);
  if (value < min) {
    throw new ConfigError(
      'ACCOUNT_EXPIRY_SECONDS',
      `must be 0 (off) or at least ${min} (3 x HEARTBEAT_INTERVAL_SECONDS + 3600, so ExotelHeartbeatMissing fires before an account expires), got ${value}`,
    );
  }
  return value;
}

/**
 * Rehearsal accounts must be gone before ExotelHeartbeatMissing (three intervals) could fire for
 * them: a forgotten rehearsal must not page. Default: two intervals.
 */
function rehearsalExpiry(env: Env, heartbeatIntervalSeconds: number): number {
  const max = 3 * heartbeatIntervalSeconds - 1;
  const fallback = Math.min(max, 2 * heartbeatIntervalSeconds);
  const value = integer(env, 'REHEARSAL_EXPIRY_SECONDS', fallback, 1, 86_400 * 3);
  if (value > max) {
    throw new ConfigError(
      'REHEARSAL_EXPIRY_SECONDS',
      `must be below 3 x HEARTBEAT_INTERVAL_SECONDS (${max + 1}), so a rehearsal account is gone before ExotelHeartbeatMissing could fire for it, got ${value}`,
    );
  }
  return value;
}
