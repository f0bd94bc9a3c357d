import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { ApiAccount } from './fallback/apiAccount.js';
import { createApiMetrics, type ApiMetrics } from './fallback/apiMetrics.js';
import { Fallback } from './fallback/fallback.js';
import type { Timers } from './timers.js';
import { compileHeartbeatValidator } from './heartbeat/schema.js';
import { createApp, type AppDeps, type ReloadOutcome } from './http/app.js';
import { IngestGate } from './http/ingestGate.js';
import { SourceRateLimiter } from './http/rateLimit.js';
import { closeListener, createListener, listenOn } from './http/listeners.js';
import { applyServerLimits, serverOptions } from './http/serverLimits.js';
import type { Logger } from './logger.js';
import { ScrapeRenderer } from './metrics/scrape.js';
import { createSelfMetrics, type BuildInfo, type SelfMetrics } from './metrics/selfMetrics.js';
import { Persister } from './persist/persister.js';
import { restoreState } from './persist/restoreState.js';
import { ENCODE_ROWS_PER_STEP, StateEncoder } from './persist/stateEncoder.js';
import { asError, writeFileAtomic, type StateFs } from './persist/stateFile.js';
import { dueForExpiry, type ExpiryReason, type ExpirySettings } from './state/expiry.js';
import { sweepForever, sweepIntervalMs } from './state/expirySweep.js';
import { Store } from './state/store.js';
import { nextTurn, runInSteps } from './steps.js';
import { guardConnections } from './http/connectionLimit.js';
import { RecentHeartbeats } from './status/recentHeartbeats.js';
import { LiveSecurity } from './http/security.js';
import { createReloader, loadReloadable } from './reloader.js';
import { ConfigError } from './settings/configError.js';
import { settingName, type SettingName } from './settings/table.js';
import { renderRunbookPage, runbookUnavailablePage, type RunbookPage } from './ui/runbookPage.js';

const FORCE_CLOSE_AFTER_MS = 7_000;

/** One deps object instead of long parameter lists (blackbox_exporter style). */
export interface ExporterDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly fs: StateFs;
  readonly build: BuildInfo;
  /** This replica's name (REPLICA_NAME or the host name): on the status page and its JSON. */
  readonly replica: string;
  /** The API fallback's HTTP client, waits and jitter source (injected for tests). */
  readonly fetch: typeof fetch;
  readonly timers: Timers;
  readonly random: () => number;
  /** docs/runbook.md, served as HTML at /runbook; read once at start-up through `fs`. */
  readonly runbookPath: string;
}

export interface RunningExporter {
  readonly address: AddressInfo;
  /** Re-reads web config, certificates, tokens file and accounts file (SIGHUP, POST /-/reload). */
  reload(): Promise<ReloadOutcome>;
  /** Stops accepting, finishes in-flight requests, saves state. */
  close(): Promise<void>;
}

/** Wires the parts, listens, then loads state; /-/ready and heartbeats wait for the load. */
export async function startExporter(deps: ExporterDeps): Promise<RunningExporter> {
  const { config, clock, logger } = deps;
  const store = new Store({
    maxAccounts: config.maxAccounts,
    futureToleranceSeconds: config.futureToleranceSeconds,
  });
  const selfMetrics = createSelfMetrics(deps.build);
  const readFile = (path: string) => deps.fs.readFile(path, 'utf8');
  // Read before listening: a bad accounts file, web configuration, certificate or tokens file
  // stops start-up with a ConfigError naming the setting. A reload reads them the same way.
  const initial = await loadReloadable(config, readFile);
  const live = new LiveSecurity(initial.security);
  const { metricsListener } = config.security;
  const { web } = initial.security;
  // Restoring state checks accounts against the tokens in force at start-up.
  const webhookTokens = initial.security.tokens;
  const runbook = await loadRunbook(deps);
  const stateFile = config.stateFile;
  const encoder = new StateEncoder();
  const persister =
    stateFile === null
      ? null
      : new Persister({
          // After the new state's render (a scrape waits for that one), and in steps: the first
          // save after a 10 MB heartbeat encodes 462,000 items.
          serialize: async () => {
            await scrape.settled();
            const steps = encoder.encodeInSteps(store.snapshot().accounts, ENCODE_ROWS_PER_STEP);
            return runInSteps(steps, nextTurn);
          },
          write: (data) => writeFileAtomic(deps.fs, stateFile, data),
          clock,
          logger,
          onSuccess: (now, duration) => selfMetrics.persistSucceeded(now, duration),
          onFailure: () => selfMetrics.persistFailed(),
          timers: deps.timers,
        });

  // Created with the first account (a reload may bring the first one), once: its series live on.
  let apiMetrics: ApiMetrics | null = null;
  const makeFallback = (accounts: readonly ApiAccount[]): Fallback | null => {
    if (accounts.length === 0) return null;
    const names = accounts.map((a) => a.account);
    if (apiMetrics === null) apiMetrics = createApiMetrics(selfMetrics.registry, names);
    else apiMetrics.addAccounts(names);
    return new Fallback({
      accounts,
      settings: config.api.settings,
      store,
      clock,
      timers: deps.timers,
      fetch: deps.fetch,
      random: deps.random,
      logger,
      metrics: apiMetrics,
      // A poll that changed the store: save it and render it before the next scrape.
      persist: () => {
        persister?.schedule();
        scrape.versionChanged();
      },
    });
  };
  let apiAccounts = initial.accounts;
  let fallback = makeFallback(apiAccounts);

  let ready = false;
  const removeAccount = (account: string, reason: 'admin' | ExpiryReason): boolean => {
    if (!store.remove(account)) return false;
    selfMetrics.accountRemoved(reason);
    logger.info({ account, reason }, 'account removed');
    persister?.schedule();
    scrape.versionChanged();
    fallback?.check();
    return true;
  };
  const scrape = new ScrapeRenderer(store, selfMetrics, {
    maxSidSeries: config.maxSidSeries,
    maxTotalSidSeries: config.maxTotalSidSeries,
  });
  const appDeps: AppDeps = {
    validator: compileHeartbeatValidator(!config.strictJson),
    allowRepairs: !config.strictJson,
    store,
    clock,
    logger,
    selfMetrics,
    // Save, start or stop the API fallback, and render the new state before the next scrape.
    afterHeartbeat: () => {
      persister?.schedule();
      fallback?.check();
      scrape.versionChanged();
    },
    isReady: () => ready,
    removeAccount: (account) => removeAccount(account, 'admin'),
    scrape,
    recent: new RecentHeartbeats(),
    rateLimiter: new SourceRateLimiter(config.http.rateLimitPerMinute, config.http.rateLimitBurst),
    ingestGate: new IngestGate(config.http.maxConcurrentLargeIngests),
    statusPage: {
      heartbeatIntervalSeconds: config.heartbeatIntervalSeconds,
      grafanaUrl: config.grafanaUrl,
      replica: deps.replica,
    },
    runbook,
  };
  let metricsServer: Server | null = null;
  const reload = createReloader({
    config,
    readFile,
    live,
    servers: () => (metricsServer === null ? [server] : [server, metricsServer]),
    currentAccounts: () => apiAccounts,
    replaceAccounts: async (accounts) => {
      // Polls in flight for the old set end here; the new set starts from the store's state.
      await fallback?.close();
      apiAccounts = accounts;
      fallback = makeFallback(accounts);
      fallback?.check();
      fallback?.startWatching();
    },
    logger,
    clock,
    metrics: selfMetrics,
  });
  const security = () => live.current;
  const lifecycle = config.security.enableLifecycle ? reload : null;
  // With a metrics listener, the main listener serves the webhook and probes only.
  const app = createApp(appDeps, {
    webhook: true,
    pages: metricsListener === null,
    security,
    reload: lifecycle,
    // Removal is as protected as /metrics, or refused: on PORT only with basic auth.
    admin: web.basicAuth !== null,
  });
  const refused = (reason: Parameters<SelfMetrics['connectionRefused']>[0]) =>
    selfMetrics.connectionRefused(reason);
  const connectionLimits = {
    perSource: config.http.maxConnectionsPerSource,
    // A silent socket gets as long for its first byte as a client gets for its whole head.
    firstByteMs: config.http.headersTimeoutMs,
  };

  const server = createListener(serverOptions(config.http), web.tls, app);
  // Timeouts, header size and connection cap: the reasoning is in src/settings/table.ts.
  applyServerLimits(server, config.http);
  guardConnections(server, connectionLimits, refused);
  await listenOn(server, config.port, config.host).catch((error: unknown) => {
    throw listenError(error, 'listenAddress', config.host, config.port);
  });
  const address = server.address() as AddressInfo;
  logger.info({ address: address.address, port: address.port, tls: web.tls !== null }, 'listening');
  if (!live.current.tokens.enabled) {
    logger.warn(
      'no webhook token is configured (--webhook.tokens, --webhook.tokens-file): anyone who can reach the webhook can post heartbeats',
    );
  }
  if (metricsListener !== null) {
    metricsServer = createListener(
      serverOptions(config.http),
      web.tls,
      createApp(appDeps, {
        webhook: false,
        pages: true,
        security,
        reload: lifecycle,
        admin: true,
      }),
    );
    applyServerLimits(metricsServer, config.http);
    guardConnections(metricsServer, connectionLimits, refused);
    await listenOn(metricsServer, metricsListener.port, metricsListener.host).catch(
      (error: unknown) => {
        server.close();
        throw listenError(
          error,
          'metricsListenAddress',
          metricsListener.host,
          metricsListener.port,
        );
      },
    );
    const metricsAddress = metricsServer.address() as AddressInfo;
    logger.info(
      { address: metricsAddress.address, port: metricsAddress.port, tls: web.tls !== null },
      'metrics listening',
    );
  }

  if (stateFile !== null) {
    try {
      const changed = await restoreState({ ...deps, stateFile, store, selfMetrics, webhookTokens });
      // What was dropped or clamped is saved now, so the file says what the exporter serves.
      if (changed) persister?.schedule();
      // Rendered now, in slices if large, rather than by the first scrape, which would wait.
      scrape.versionChanged();
    } catch (error) {
      // A STATE_FILE that is not ours to touch: stop (main.ts reports it and exits 2).
      await Promise.all([
        closeListener(server, 0),
        metricsServer === null ? Promise.resolve() : closeListener(metricsServer, 0),
      ]);
      throw error;
    }
  }
  const expiry: ExpirySettings = {
    accountExpirySeconds: config.accountExpirySeconds,
    rehearsalExpirySeconds: config.rehearsalExpirySeconds,
  };
  const sweeping = new AbortController();
  const sweep = () => {
    for (const { account, reason } of dueForExpiry(store.snapshot(), clock.now(), expiry)) {
      removeAccount(account, reason);
    }
  };
  sweep();
  const sweeper = sweepForever(deps.timers, sweepIntervalMs(config), sweep, sweeping.signal);
  selfMetrics.configLoaded(clock.now());
  ready = true;
  logger.info('ready');
  if (fallback !== null) {
    logger.info(
      {
        accounts: apiAccounts.map((a) => ({ account: a.account, baseUrl: a.baseUrl })),
        baseUrlOverride: config.api.baseUrlOverride,
      },
      'api fallback configured',
    );
    // A restored PAYLOAD_TOO_LARGE account resumes polling at once.
    fallback.check();
    fallback.startWatching();
  }

  return {
    address,
    reload,
    close: async () => {
      const metricsClosed =
        metricsServer === null
          ? Promise.resolve()
          : closeListener(metricsServer, FORCE_CLOSE_AFTER_MS);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // In-flight requests get most of the 10 s shutdown budget; a keep-alive client that keeps
      // its socket open after its last answer must not hold the exit hostage.
      const force = setTimeout(() => server.closeAllConnections(), FORCE_CLOSE_AFTER_MS);
      await closed;
      clearTimeout(force);
      await metricsClosed;
      sweeping.abort();
      await sweeper;
      await fallback?.close();
      await persister?.flush();
    },
  };
}

/** A listen failure (a name that does not resolve, a port in use) names the setting. */
function listenError(error: unknown, name: SettingName, host: string, port: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  const variable = name === 'listenAddress' ? 'HOST/PORT' : 'METRICS_HOST/METRICS_PORT';
  return new ConfigError(
    variable,
    `cannot listen on ${host === '' ? '' : host.includes(':') ? `[${host}]` : host}:${port} (${code})`,
    settingName(name),
  );
}

/**
 * Reads and renders the runbook once. Unreadable, it is logged (naming the path) and /runbook
 * answers 503 saying so; start-up goes on, because a missing document must not stop the alerting
 * the exporter exists for.
 */
async function loadRunbook({ fs, runbookPath, logger }: ExporterDeps): Promise<RunbookPage> {
  let markdown: string;
  try {
    markdown = await fs.readFile(runbookPath, 'utf8');
  } catch (error) {
    logger.warn(
      { runbookPath, err: asError(error) },
      'runbook unavailable: could not read it; /runbook answers 503',
    );
    return runbookUnavailablePage();
  }
  return renderRunbookPage(markdown);
}
