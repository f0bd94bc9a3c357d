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
  /** Source revision reported by `exotel_exporter_build_info`. */
  readonly buildRevision: string;
  /** The Exotel API fallback for PAYLOAD_TOO_LARGE (--exotel.*; src/fallback/). */
  readonly api: FallbackConfig;
  /** How often Exotel sends a heartbeat; the status page calls one late past this. */
  readonly heartbeatIntervalSeconds: number;
  /** The Grafana dashboard the status page links to; `null`: no link. */
  readonly grafanaUrl: string | null;
  /** Timeouts, sizes, connection cap, per-source rate limit, large-ingest bound (src/http/). */
  readonly http: HttpLimits;
  /** Webhook tokens, web configuration, the metrics listener, the lifecycle API. */
  readonly security: SecurityConfig;
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
    buildRevision: v.buildRevision,
    api: fallbackConfig(resolved),
    heartbeatIntervalSeconds: v.heartbeatIntervalSeconds,
    grafanaUrl: v.grafanaUrl,
    http: {
      headersTimeoutMs: v.headersTimeoutMs,
      requestTimeoutMs,
      keepAliveTimeoutMs: v.keepAliveTimeoutMs,
      maxHeaderBytes: v.maxHeaderBytes,
      maxConnections: v.maxConnections,
      rateLimitPerMinute: v.rateLimitPerMinute,
      rateLimitBurst: v.rateLimitBurst,
      maxConcurrentLargeIngests: v.maxConcurrentLargeIngests,
    },
    security: securityConfig(resolved, v.listenAddress.host),
  };
}
