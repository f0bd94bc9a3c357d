import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { loadApiAccounts } from './fallback/accountsFile.js';
import { createApiMetrics } from './fallback/apiMetrics.js';
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
import { applyRestoreRules } from './persist/restoreRules.js';
import { decodeState, looksLikeStateFile } from './persist/snapshotCodec.js';
import { maxStateFileBytes } from './persist/stateFileLimit.js';
import { StateEncoder } from './persist/stateEncoder.js';
import {
  asError,
  quarantine,
  readStateFile,
  writeFileAtomic,
  type StateFs,
} from './persist/stateFile.js';
import { dueForExpiry, type ExpirySettings } from './state/expiry.js';
import { Store } from './state/store.js';
import type { WebhookTokens } from './http/auth/webhookTokens.js';
import { guardConnections } from './http/connectionLimit.js';
import { RecentHeartbeats } from './status/recentHeartbeats.js';
import { renderRunbookPage, runbookUnavailablePage, type RunbookPage } from './ui/runbookPage.js';
import { loadWebConfig } from './webConfig/loadWebConfig.js';

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
  // Read before listening: a bad accounts file stops start-up with a ConfigError.
  const apiAccounts = await loadApiAccounts(config.api, (path) => deps.fs.readFile(path, 'utf8'));
  // WEB_CONFIG_FILE and the certificates it names: read once, a bad one stops start-up too.
  const { webhookTokens, metricsListener } = config.security;
  const web = await loadWebConfig(config.security.webConfigFile, (path) =>
    deps.fs.readFile(path, 'utf8'),
  );
  const runbook = await loadRunbook(deps);
  const stateFile = config.stateFile;
  const encoder = new StateEncoder();
  const persister =
    stateFile === null
      ? null
      : new Persister({
          serialize: () => encoder.encode(store.snapshot().accounts),
          write: (data) => writeFileAtomic(deps.fs, stateFile, data),
          clock,
          logger,
          onSuccess: (now, duration) => selfMetrics.persistSucceeded(now, duration),
          onFailure: () => selfMetrics.persistFailed(),
          timers: deps.timers,
        });

  const fallback =
    apiAccounts.length === 0
      ? null
      : new Fallback({
          accounts: apiAccounts,
          settings: config.api.settings,
          store,
          clock,
          timers: deps.timers,
          fetch: deps.fetch,
          random: deps.random,
          logger,
          metrics: createApiMetrics(
            selfMetrics.registry,
            apiAccounts.map((a) => a.account),
          ),
          persist: () => persister?.schedule(),
        });

  let ready = false;
  const removeAccount = (account: string, reason: 'admin' | ExpiryReasonName): boolean => {
    if (!store.remove(account)) return false;
    selfMetrics.accountRemoved(reason);
    logger.info({ account, reason }, 'account removed');
    persister?.schedule();
    fallback?.check();
    return true;
  };
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
    removeAccount: (account) => removeAccount(account, 'admin'),
    scrape: new ScrapeRenderer(store, selfMetrics, {
      maxSidSeries: config.maxSidSeries,
      maxTotalSidSeries: config.maxTotalSidSeries,
    }),
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
  // With METRICS_PORT, the main listener serves the webhook and probes only.
  const app = createApp(appDeps, {
    webhook: true,
    pages: metricsListener === null,
    tokens: webhookTokens,
    web,
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
  // Timeouts, header size and connection cap: the reasoning is in src/http/httpLimits.ts.
  applyServerLimits(server, config.http);
  guardConnections(server, connectionLimits, refused);
  await listen(server, config);
  const address = server.address() as AddressInfo;
  logger.info({ address: address.address, port: address.port, tls: web.tls !== null }, 'listening');
  if (!webhookTokens.enabled) {
    logger.warn('WEBHOOK_TOKENS is not set: anyone who can reach the webhook can post heartbeats');
  }
  let metricsServer: Server | null = null;
  if (metricsListener !== null) {
    metricsServer = createListener(
      serverOptions(config.http),
      web.tls,
      createApp(appDeps, { webhook: false, pages: true, tokens: webhookTokens, web, admin: true }),
    );
    applyServerLimits(metricsServer, config.http);
    guardConnections(metricsServer, connectionLimits, refused);
    await listenOn(metricsServer, metricsListener.port, metricsListener.host);
    const metricsAddress = metricsServer.address() as AddressInfo;
    logger.info(
      { address: metricsAddress.address, port: metricsAddress.port, tls: web.tls !== null },
      'metrics listening',
    );
  }

  if (stateFile !== null) {
    try {
      const changed = await loadState({ ...deps, stateFile, store, selfMetrics, webhookTokens });
      // What was dropped or clamped is saved now, so the file says what the exporter serves.
      if (changed) persister?.schedule();
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

function listen(server: Server, config: Config): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const onListening = () => {
      server.off('error', reject);
      resolve();
    };
    if (config.host === '') server.listen(config.port, onListening);
    else server.listen(config.port, config.host, onListening);
  });
}

type ExpiryReasonName = ReturnType<typeof dueForExpiry>[number]['reason'];

/**
 * Often enough that a rehearsal account is gone before ExotelHeartbeatMissing could fire for it
 * (config.ts keeps REHEARSAL_EXPIRY_SECONDS below three heartbeat intervals), at most every 30 s.
 */
export function sweepIntervalMs(config: Config): number {
  const marginMs = (3 * config.heartbeatIntervalSeconds - config.rehearsalExpirySeconds) * 1000;
  return Math.max(1_000, Math.min(30_000, Math.floor(marginMs / 2)));
}

async function sweepForever(
  timers: Timers,
  intervalMs: number,
  sweep: () => void,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    try {
      await timers.sleep(intervalMs, signal);
    } catch {
      return; // aborted: shutting down
    }
    sweep();
  }
}

interface LoadDeps extends ExporterDeps {
  readonly stateFile: string;
  readonly store: Store;
  readonly selfMetrics: SelfMetrics;
  readonly webhookTokens: WebhookTokens;
}

/**
 * Restores state, through the same rules a request meets (restoreRules.ts). A regular file that
 * is too large or cannot be parsed is moved aside with a warning and a metric, and the exporter
 * starts empty: crash-looping on a bad file would lose every future heartbeat too. A STATE_FILE
 * that is not a regular file or cannot be read throws (readStateFile): it is left alone.
 * Returns true when what was restored differs from the file.
 */
async function loadState({
  fs,
  stateFile,
  store,
  selfMetrics,
  logger,
  clock,
  config,
  webhookTokens,
}: LoadDeps): Promise<boolean> {
  const maxBytes = maxStateFileBytes(config.maxAccounts);
  const read = await readStateFile(fs, stateFile, maxBytes, looksLikeStateFile);
  if (read.kind === 'missing') {
    logger.info({ stateFile }, 'no state file yet; starting empty');
    return false;
  }
  const decoded =
    read.kind === 'read'
      ? decodeState(read.text)
      : {
          ok: false as const,
          detail:
            read.kind === 'foreign'
              ? 'does not begin like a state file'
              : `larger than ${maxBytes} bytes, the most MAX_ACCOUNTS=${config.maxAccounts} allows`,
        };
  if (decoded.ok) {
    for (const entry of decoded.refused) {
      logger.warn(
        { stateFile, index: entry.index, problem: entry.detail },
        'state file entry breaks the rules a heartbeat must meet; account not restored',
      );
    }
    selfMetrics.accountRemoved('invalid_state', decoded.refused.length);
    const verdict = applyRestoreRules(decoded.accounts, {
      isToken: (account) => webhookTokens.matches(account),
      nowMs: clock.now(),
      futureToleranceSeconds: config.futureToleranceSeconds,
    });
    if (verdict.tokenAccounts > 0) {
      // The count only: the account's name is the token.
      logger.warn(
        { stateFile, count: verdict.tokenAccounts },
        'state file has accounts named like a webhook token; not restored',
      );
      selfMetrics.accountRemoved('token_name', verdict.tokenAccounts);
    }
    if (verdict.clamped.length > 0) {
      logger.warn(
        {
          stateFile,
          accounts: verdict.clamped.slice(0, 20),
          count: verdict.clamped.length,
          futureToleranceSeconds: config.futureToleranceSeconds,
        },
        'state file has times beyond FUTURE_TOLERANCE_SECONDS; clamped to now so the next heartbeat applies',
      );
    }
    const dropped = store.restore(verdict.accounts);
    logger.info({ stateFile, accounts: verdict.accounts.size - dropped.length }, 'state restored');
    if (dropped.length > 0) {
      logger.warn(
        { dropped: dropped.slice(0, 20), count: dropped.length },
        'state file has more accounts than MAX_ACCOUNTS; extra accounts not restored',
      );
      selfMetrics.accountRemoved('over_max_accounts', dropped.length);
    }
    return (
      decoded.refused.length + verdict.tokenAccounts + verdict.clamped.length + dropped.length > 0
    );
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
  return false;
}
