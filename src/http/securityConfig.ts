/**
 * The security-related variables: WEBHOOK_TOKENS, WEB_CONFIG_FILE, METRICS_PORT, METRICS_HOST.
 * Token values never appear in an error message: a typo'd token is still a secret.
 */
import { ConfigError, integer, raw } from '../config.js';
import { WebhookTokens } from './auth/webhookTokens.js';

export interface SecurityConfig {
  /** Empty: the webhook accepts anyone (a warning is logged at start-up). */
  readonly webhookTokens: WebhookTokens;
  /** exporter-toolkit web configuration; null: plain HTTP, no basic auth. */
  readonly webConfigFile: string | null;
  /** Second listener for /metrics and the pages; null: everything on PORT. */
  readonly metricsListener: { readonly port: number; readonly host: string } | null;
}

export const SECURITY_DEFAULTS: SecurityConfig = {
  webhookTokens: new WebhookTokens([]),
  webConfigFile: null,
  metricsListener: null,
};

/** Long enough not to be guessed, and safe in a URL path, a query string and a header. */
const TOKEN = /^[A-Za-z0-9._~-]{16,256}$/;

type Env = Readonly<Record<string, string | undefined>>;

export function loadSecurityConfig(
  env: Env,
  main: { readonly port: number; readonly host: string },
): SecurityConfig {
  const metricsPort =
    raw(env, 'METRICS_PORT') === undefined ? null : integer(env, 'METRICS_PORT', 0, 0, 65_535);
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === main.port) {
    throw new ConfigError('METRICS_PORT', 'must differ from PORT');
  }
  return {
    webhookTokens: webhookTokens(env),
    webConfigFile: raw(env, 'WEB_CONFIG_FILE') ?? null,
    metricsListener:
      metricsPort === null
        ? null
        : { port: metricsPort, host: raw(env, 'METRICS_HOST') ?? main.host },
  };
}

function webhookTokens(env: Env): WebhookTokens {
  const tokens = (raw(env, 'WEBHOOK_TOKENS') ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '');
  tokens.forEach((token, i) => {
    if (!TOKEN.test(token)) {
      throw new ConfigError(
        'WEBHOOK_TOKENS',
        `token ${i + 1} of ${tokens.length} must be 16 to 256 characters of A-Z, a-z, 0-9, ".", "_", "~" and "-" (value not shown)`,
      );
    }
  });
  return new WebhookTokens(tokens);
}
