/**
 * The configuration the code uses, assembled from the settings table (src/settings/table.ts):
 * flag > environment variable > default, every value validated there, the checks that involve
 * two settings here. A bad value stops start-up with one line naming the setting.
 */
import type { FallbackConfig } from './fallback/fallbackConfig.js';
import { fallbackConfig } from './fallback/fallbackConfig.js';
import type { HttpLimits } from './http/httpLimits.js';
import { securityConfig, type SecurityConfig } from './http/securityConfig.js';
import { ConfigError } from './settings/configError.js';
import type { Env } from './settings/setting.js';
import { resolveSettings, settingLabel, type Resolved } from './settings/resolve.js';
import { SETTINGS, type LogFormat, type LogLevel } from './settings/table.js';

export { ConfigError } from './settings/configError.js';
export { DEFAULT_PORT, LOG_LEVELS, type LogLevel } from './settings/table.js';

export interface Config {
  readonly port: number;
  /** Empty: all interfaces (Node picks `::` with an IPv4 fallback). */
  readonly host: string;
  /** `null`: persistence disabled. */
  readonly stateFile: string | null;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** Turns off the two documented repairs (trailing commas, `>` after the timestamp's zone). */
  readonly strictJson: boolean;
  readonly futureToleranceSeconds: number;
  readonly maxAccounts: number;
  readonly maxSidSeries: number;
  /** Per-SID (SID, direction) pairs across all accounts; bounds the exposition with maxAccounts. */
  readonly maxTotalSidSeries: number;
  /** Source revision reported by `exotel_exporter_build_info`. */
  readonly buildRevision: string;
  /** The Exotel API fallback for PAYLOAD_TOO_LARGE (--exotel.*; src/fallback/). */
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
  /** Webhook tokens, web configuration, the metrics listener, the lifecycle API. */
  readonly security: SecurityConfig;
  /**
   * This replica's name in logs and on the status page (REPLICA_NAME); `null`: the host name,
   * which main.ts reads (a pod's name in Kubernetes, a container ID under Compose).
   */
  readonly replicaName: string | null;
}

/** The configuration with nothing set: every value from the settings table's defaults. */
export const DEFAULTS: Config = assemble(resolveSettings(new Map(), {}));

/** Reads and validates; throws ConfigError naming the first bad setting. */
export function loadConfig(env: Env, flags: ReadonlyMap<string, string> = new Map()): Config {
  return assemble(resolveSettings(flags, env));
}

/** The configuration and the warnings about unknown variables that look like ours. */
export function loadSettings(
  env: Env,
  flags: ReadonlyMap<string, string>,
): { config: Config; warnings: readonly string[] } {
  const resolved = resolveSettings(flags, env);
  return { config: assemble(resolved), warnings: resolved.warnings };
}

function assemble(resolved: Resolved): Config {
  const { values: v, sources } = resolved;
  const label = (name: keyof typeof SETTINGS) => settingLabel(name, sources[name]);
  const variable = (name: keyof typeof SETTINGS) => {
    const source = sources[name];
    return source.kind === 'env' ? source.variable : `--${SETTINGS[name].flag}`;
  };

  // Node requires requestTimeout >= headersTimeout; unset, it follows a larger headers timeout.
  let requestTimeoutMs = v.requestTimeoutMs;
  if (sources.requestTimeoutMs.kind === 'default') {
    requestTimeoutMs = Math.max(requestTimeoutMs, v.headersTimeoutMs);
  } else if (requestTimeoutMs < v.headersTimeoutMs) {
    throw new ConfigError(
      variable('requestTimeoutMs'),
      `must be at least ${label('headersTimeoutMs')} (${v.headersTimeoutMs}), got ${requestTimeoutMs}`,
      label('requestTimeoutMs'),
    );
  }

  const metrics = v.metricsListenAddress;
  if (metrics !== null && metrics.port !== 0 && metrics.port === v.listenAddress.port) {
    throw new ConfigError(
      variable('metricsListenAddress'),
      'must differ from the port of --web.listen-address (PORT)',
      label('metricsListenAddress'),
    );
  }

  // ExotelHeartbeatMissing fires after three heartbeat intervals of silence. An expiring account's
  // series leave /metrics, which resolves that alert, so expiry must come well after it.
  const interval = v.heartbeatIntervalSeconds;
  const minExpiry = minAccountExpirySeconds(interval);
  if (v.accountExpirySeconds !== null && v.accountExpirySeconds < minExpiry) {
    throw new ConfigError(
      variable('accountExpirySeconds'),
      `must be 0 (off) or at least ${minExpiry} (3 x HEARTBEAT_INTERVAL_SECONDS + 3600, so ExotelHeartbeatMissing fires before an account expires), got ${v.accountExpirySeconds}`,
      label('accountExpirySeconds'),
    );
  }
  // Rehearsal accounts must be gone before ExotelHeartbeatMissing could fire for them.
  const maxRehearsal = 3 * interval - 1;
  const rehearsalExpirySeconds = v.rehearsalExpirySeconds ?? Math.min(maxRehearsal, 2 * interval);
  if (rehearsalExpirySeconds > maxRehearsal) {
    throw new ConfigError(
      variable('rehearsalExpirySeconds'),
      `must be below 3 x HEARTBEAT_INTERVAL_SECONDS (${maxRehearsal + 1}), so a rehearsal account is gone before ExotelHeartbeatMissing could fire for it, got ${rehearsalExpirySeconds}`,
      label('rehearsalExpirySeconds'),
    );
  }

  return {
    port: v.listenAddress.port,
    host: v.listenAddress.host,
    stateFile: v.stateFile,
    logLevel: v.logLevel,
    logFormat: v.logFormat,
    strictJson: v.strictJson,
    futureToleranceSeconds: v.futureToleranceSeconds,
    maxAccounts: v.maxAccounts,
    maxSidSeries: v.maxSidSeries,
    maxTotalSidSeries: v.maxTotalSidSeries,
    buildRevision: v.buildRevision,
    api: fallbackConfig(resolved),
    heartbeatIntervalSeconds: v.heartbeatIntervalSeconds,
    grafanaUrl: v.grafanaUrl,
    accountExpirySeconds: v.accountExpirySeconds,
    rehearsalExpirySeconds,
    http: {
      headersTimeoutMs: v.headersTimeoutMs,
      requestTimeoutMs,
      keepAliveTimeoutMs: v.keepAliveTimeoutMs,
      maxHeaderBytes: v.maxHeaderBytes,
      maxConnections: v.maxConnections,
      maxConnectionsPerSource: v.maxConnectionsPerSource,
      rateLimitPerMinute: v.rateLimitPerMinute,
      rateLimitBurst: v.rateLimitBurst,
      maxConcurrentLargeIngests: v.maxConcurrentLargeIngests,
    },
    security: securityConfig(resolved, v.listenAddress.host),
    replicaName: v.replicaName,
  };
}

/**
 * The shortest --limits.account-expiry-seconds: ExotelHeartbeatMissing's threshold (three heartbeat
 * intervals) plus one hour (4,500 s with 5-minute heartbeats), so the alert fires and pages first.
 */
export function minAccountExpirySeconds(heartbeatIntervalSeconds: number): number {
  return 3 * heartbeatIntervalSeconds + 3_600;
}

/** A variable's trimmed value; unset and empty both `undefined` (for settings outside the table). */
export function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}
