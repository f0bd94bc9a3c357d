/**
 * Reload (SIGHUP, POST /-/reload): re-reads the web configuration and its certificates, the
 * webhook tokens file and the API fallback's accounts file. Everything is read and checked first;
 * only when all of it is good is anything swapped. A bad new configuration changes nothing: the
 * old one keeps serving, the log says why and exotel_exporter_config_last_reload_successful is 0.
 */
import { createSecureContext } from 'node:tls';
import type { Server } from 'node:http';
import type { Server as TlsServer } from 'node:tls';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { ApiAccount } from './fallback/apiAccount.js';
import { loadApiAccounts } from './fallback/accountsFile.js';
import { loadTokensFile } from './http/auth/tokensFile.js';
import { WebhookTokens } from './http/auth/webhookTokens.js';
import type { ReloadOutcome } from './http/app.js';
import type { LiveSecurity, Security } from './http/security.js';
import type { Logger } from './logger.js';
import type { SelfMetrics } from './metrics/selfMetrics.js';
import { ConfigError } from './settings/configError.js';
import { settingName } from './settings/table.js';
import { loadWebConfig } from './webConfig/loadWebConfig.js';

export interface Loaded {
  readonly security: Security;
  readonly accounts: readonly ApiAccount[];
}

/** Reads every reloadable file; throws ConfigError naming the setting of the first bad one. */
export async function loadReloadable(
  config: Config,
  readFile: (path: string) => Promise<string>,
): Promise<Loaded> {
  const web = await loadWebConfig(config.security.webConfigFile, readFile);
  if (web.tls !== null) {
    // A certificate that does not match its key is caught here, not by the next handshake.
    try {
      createSecureContext(web.tls);
    } catch (error) {
      throw new ConfigError(
        'WEB_CONFIG_FILE',
        `tls_server_config: the certificate and key are not usable (${(error as Error).message})`,
        settingName('webConfigFile'),
      );
    }
  }
  const file = config.security.webhookTokensFile;
  const fromFile = file === null ? [] : await loadTokensFile(file, readFile);
  return {
    security: { tokens: config.security.webhookTokens.with(new WebhookTokens(fromFile)), web },
    accounts: await loadApiAccounts(config.api, readFile),
  };
}

export interface ReloaderDeps {
  readonly config: Config;
  readonly readFile: (path: string) => Promise<string>;
  readonly live: LiveSecurity;
  /** The listeners whose certificates follow the web configuration. */
  readonly servers: () => readonly Server[];
  /** Replaces the API fallback's accounts (only called when they changed). */
  readonly replaceAccounts: (accounts: readonly ApiAccount[]) => Promise<void>;
  readonly currentAccounts: () => readonly ApiAccount[];
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: SelfMetrics;
}

/** One reload at a time: a second request waits for the first and then reads the files again. */
export function createReloader(deps: ReloaderDeps): () => Promise<ReloadOutcome> {
  let queue: Promise<unknown> = Promise.resolve();
  const once = async (): Promise<ReloadOutcome> => {
    let loaded: Loaded;
    try {
      loaded = await loadReloadable(deps.config, deps.readFile);
      checkSwappable(deps.live.current, loaded.security);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.metrics.configReloadFailed();
      deps.logger.error(
        { problem: message },
        'reload failed; the previous configuration is still in force',
      );
      return { ok: false, error: message };
    }
    const tls = loaded.security.web.tls;
    if (tls !== null) {
      for (const server of deps.servers()) (server as unknown as TlsServer).setSecureContext(tls);
    }
    deps.live.swap(loaded.security);
    const accountsChanged = !sameAccounts(deps.currentAccounts(), loaded.accounts);
    if (accountsChanged) await deps.replaceAccounts(loaded.accounts);
    deps.metrics.configLoaded(deps.clock.now());
    deps.logger.info(
      {
        tokens: loaded.security.tokens,
        tls: tls !== null,
        basicAuth: loaded.security.web.basicAuth !== null,
        apiAccounts: loaded.accounts.map((a) => a.account),
        apiAccountsChanged: accountsChanged,
      },
      'configuration reloaded',
    );
    return { ok: true };
  };
  return () => {
    const run = queue.then(once, once);
    queue = run.catch(() => undefined);
    return run;
  };
}

/**
 * What a running listener cannot change: plain HTTP to HTTPS or back, or whether it asks for
 * client certificates (a server option, not part of the swappable secure context).
 */
function checkSwappable(current: Security, next: Security): void {
  const was = current.web.tls;
  const now = next.web.tls;
  const reason =
    (was === null) !== (now === null)
      ? 'cannot switch between HTTP and HTTPS on reload; restart the exporter'
      : (was?.requestCert ?? false) !== (now?.requestCert ?? false)
        ? 'cannot add or remove tls_server_config.client_ca_file on reload; restart the exporter'
        : null;
  if (reason !== null)
    throw new ConfigError('WEB_CONFIG_FILE', reason, settingName('webConfigFile'));
}

function sameAccounts(a: readonly ApiAccount[], b: readonly ApiAccount[]): boolean {
  const key = (x: ApiAccount) =>
    JSON.stringify([x.account, x.accountSid, x.baseUrl, x.apiKey.reveal(), x.apiToken.reveal()]);
  return a.length === b.length && a.every((x, i) => key(x) === key(b[i] as ApiAccount));
}
