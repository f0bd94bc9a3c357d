import { integer } from '../config.js';
import { HTTP_LIMIT_DEFAULTS, type HttpLimits } from './httpLimits.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the HTTP limits from the environment (config.ts calls this). */
export function loadHttpLimits(env: Env): HttpLimits {
  const d = HTTP_LIMIT_DEFAULTS;
  const headersTimeoutMs = integer(env, 'HEADERS_TIMEOUT_MS', d.headersTimeoutMs, 1_000, 600_000);
  return {
    headersTimeoutMs,
    // Node requires requestTimeout >= headersTimeout; an equal value is allowed.
    requestTimeoutMs: integer(
      env,
      'REQUEST_TIMEOUT_MS',
      Math.max(d.requestTimeoutMs, headersTimeoutMs),
      headersTimeoutMs,
      3_600_000,
    ),
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', d.keepAliveTimeoutMs, 0, 600_000),
    maxHeaderBytes: integer(env, 'MAX_HEADER_BYTES', d.maxHeaderBytes, 1_024, 1_048_576),
    maxConnections: integer(env, 'MAX_CONNECTIONS', d.maxConnections, 1, 1_000_000),
    maxConnectionsPerSource: integer(
      env,
      'MAX_CONNECTIONS_PER_SOURCE',
      d.maxConnectionsPerSource,
      0,
      1_000_000,
    ),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', d.rateLimitPerMinute, 0, 100_000_000),
    rateLimitBurst: integer(env, 'RATE_LIMIT_BURST', d.rateLimitBurst, 1, 100_000_000),
    maxConcurrentLargeIngests: integer(
      env,
      'MAX_CONCURRENT_LARGE_INGESTS',
      d.maxConcurrentLargeIngests,
      1,
      1_000,
    ),
  };
}
