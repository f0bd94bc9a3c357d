import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { ApiAccount } from './fallback/apiAccount.js';
import { createApiMetrics, type ApiMetrics } from './fallback/apiMetrics.js';
import { Fallback } from './fallback/fallback.js';
import type { Timers } from './timers.js';
import { compileHeartbeatValidator } from './heartbeat/schema.js';
import { createApp, type AppDeps } from './http/app.js';
import { IngestGate } from './http/ingestGate.js';
import { SourceRateLimiter } from './http/rateLimit.js';
import { closeListener, createListener, listenOn } from './http/listeners.js';
import { applyServerLimits, serverOptions } from './http/serverLimits.js';
import type { Logger } from './logger.js';
import { ScrapeRenderer } from './metrics/scrape.js';
import { createSelfMetrics, type BuildInfo, type SelfMetrics } from './metrics/selfMetrics.js';
import { Persister } from './persist/persister.js';
import { decodeState } from './persist/snapshotCodec.js';
import { StateEncoder } from './persist/stateEncoder.js';
import {
  asError,
  quarantine,
  readStateFile,
  writeFileAtomic,
  type StateFs,
} from './persist/stateFile.js';
import { Store } from './state/store.js';
import { RecentHeartbeats } from './status/recentHeartbeats.js';
import { LiveSecurity } from './http/security.js';
import { createReloader, loadReloadable } from './reloader.js';
import { ConfigError } from './settings/configError.js';
import { settingName, type SettingName } from './settings/table.js';

const FORCE_CLOSE_AFTER_MS = 7_000;

/** One deps object instead of long parameter lists (blackbox_exporter style). */
export interface ExporterDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly fs: StateFs;
  readonly build: BuildInfo;
  /** The API fallback's HTTP client, waits and jitter source (injected for tests). */
  readonly fetch: typeof fetch;
  readonly timers: Timers;
  readonly random: () => number;
}

export interface RunningExporter {
  readonly address: AddressInfo;
  /** Re-reads web config, certificates, tokens file and accounts file (SIGHUP, POST /-/reload). */
  reload(): Promise<import('./http/app.js').ReloadOutcome>;
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
  const stateFile = config.stateFile;
  const encoder = new StateEncoder();
  const persister =
    stateFile === null
      ? null
      : new Persister({
          serialize: () => encoder.encode(store.states()),
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
      persist: () => persister?.schedule(),
    });
  };
  let apiAccounts = initial.accounts;
  let fallback = makeFallback(apiAccounts);

  let ready = false;
  const appDeps: AppDeps = {
    validator: compileHeartbeatValidator(!config.strictJson),
    allowRepairs: !config.strictJson,
    store,
    clock,
    logger,
    selfMetrics,
    // Save, and start or stop the API fallback.
    afterHeartbeat: () => {
      persister?.schedule();
      fallback?.check();
    },
    isReady: () => ready,
    scrape: new ScrapeRenderer(store, selfMetrics, { maxSidSeries: config.maxSidSeries }),
    recent: new RecentHeartbeats(),
    rateLimiter: new SourceRateLimiter(config.http.rateLimitPerMinute, config.http.rateLimitBurst),
    ingestGate: new IngestGate(config.http.maxConcurrentLargeIngests),
    statusPage: {
      heartbeatIntervalSeconds: config.heartbeatIntervalSeconds,
      grafanaUrl: config.grafanaUrl,
    },
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
  });

  const server = createListener(serverOptions(config.http), web.tls, app);
  // Timeouts, header size and connection cap: the reasoning is in src/settings/table.ts.
  applyServerLimits(server, config.http);
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
      createApp(appDeps, { webhook: false, pages: true, security, reload: lifecycle }),
    );
    applyServerLimits(metricsServer, config.http);
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

  if (stateFile !== null) await loadState({ ...deps, stateFile, store, selfMetrics });
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

interface LoadDeps extends ExporterDeps {
  readonly stateFile: string;
  readonly store: Store;
  readonly selfMetrics: SelfMetrics;
}

/**
 * Restores state. A corrupt or unreadable file is moved aside with a warning and a metric, and the
 * exporter starts empty: crash-looping on a bad file would lose every future heartbeat too.
 */
async function loadState({
  fs,
  stateFile,
  store,
  selfMetrics,
  logger,
  clock,
}: LoadDeps): Promise<void> {
  const read = await readStateFile(fs, stateFile);
  if (read.kind === 'missing') {
    logger.info({ stateFile }, 'no state file yet; starting empty');
    return;
  }
  const decoded =
    read.kind === 'read'
      ? decodeState(read.text)
      : { ok: false as const, detail: read.error.message };
  if (decoded.ok) {
    const dropped = store.restore(decoded.accounts);
    logger.info({ stateFile, accounts: decoded.accounts.size }, 'state restored');
    if (dropped.length > 0) {
      logger.warn(
        { dropped: dropped.slice(0, 20), count: dropped.length },
        'state file has more accounts than MAX_ACCOUNTS; extra accounts not restored',
      );
    }
    return;
  }
  selfMetrics.stateLoadFailed();
  try {
    const movedTo = await quarantine(fs, stateFile, clock.now());
    logger.warn(
      { stateFile, movedTo, problem: decoded.detail },
      'state file unusable; moved aside, starting empty',
    );
  } catch (error) {
    logger.warn(
      { stateFile, problem: decoded.detail, err: asError(error) },
      'state file unusable and could not be moved aside; starting empty',
    );
  }
}
