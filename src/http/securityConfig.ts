/**
 * The security-related settings: webhook tokens (--webhook.tokens, --webhook.tokens-file), the web
 * configuration, the metrics listener and the lifecycle API. Token values never appear in an error
 * message: a typo'd token is still a secret.
 */
import { ConfigError } from '../settings/configError.js';
import { settingLabel, type Resolved } from '../settings/resolve.js';
import { WebhookTokens } from './auth/webhookTokens.js';

export interface SecurityConfig {
  /** From --webhook.tokens/WEBHOOK_TOKENS (every account); the tokens file adds to these. */
  readonly webhookTokens: WebhookTokens;
  /** YAML tokens file, re-read on reload; null: none. */
  readonly webhookTokensFile: string | null;
  /** exporter-toolkit web configuration; null: plain HTTP, no basic auth. */
  readonly webConfigFile: string | null;
  /** Second listener for /metrics and the pages; null: everything on the main listener. */
  readonly metricsListener: { readonly port: number; readonly host: string } | null;
  /** POST /-/reload is served (else 403). */
  readonly enableLifecycle: boolean;
}

/** Long enough not to be guessed, and safe in a URL path, a query string and a header. */
export const TOKEN = /^[A-Za-z0-9._~-]{16,256}$/;
export const TOKEN_RULE = '16 to 256 characters of A-Z, a-z, 0-9, ".", "_", "~" and "-"';

export function securityConfig(resolved: Resolved, mainHost: string): SecurityConfig {
  const v = resolved.values;
  const metrics = v.metricsListenAddress;
  return {
    webhookTokens: new WebhookTokens(webhookTokens(resolved)),
    webhookTokensFile: v.webhookTokensFile,
    webConfigFile: v.webConfigFile,
    metricsListener:
      metrics === null ? null : { port: metrics.port, host: metrics.host ?? mainHost },
    enableLifecycle: v.enableLifecycle,
  };
}

function webhookTokens(resolved: Resolved): string[] {
  const source = resolved.sources.webhookTokens;
  const tokens = (resolved.values.webhookTokens ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '');
  tokens.forEach((token, i) => {
    if (!TOKEN.test(token)) {
      throw new ConfigError(
        source.kind === 'env' ? source.variable : '--webhook.tokens',
        `token ${i + 1} of ${tokens.length} must be ${TOKEN_RULE} (value not shown)`,
        settingLabel('webhookTokens', source),
      );
    }
  });
  return tokens;
}
