/**
 * THE settings table: every setting's flag, environment variable, default, check and help, once.
 * `--help`, the README's settings table (generated between markers, diff-tested), start-up
 * validation and the unknown-flag/variable suggestions all read it. Adding a setting is one entry
 * here plus the line in src/config.ts that puts its value where the code wants it.
 *
 * Precedence: flag > environment variable > default. Flags are Prometheus style
 * (`--web.listen-address=:8747` or `--web.listen-address :8747`).
 */
import { EXOTEL_API_HOSTS } from '../fallback/apiAccount.js';
import {
  bareOrigin,
  boolean,
  httpUrl,
  integer,
  listenAddress,
  listenHost,
  oneOf,
  ParseError,
  port,
  secondsAsMs,
  secret,
  text,
  type ListenAddress,
} from './parsers.js';
import { setting } from './setting.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'logfmt'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * 8747 sits outside Prometheus's "Default port allocations" wiki list: its exporter range
 * 9100-9999 is fully allocated and new allocations continue from 10000 upward.
 */
export const DEFAULT_PORT = 8747;

const optional = (parse: (value: string) => string) => parse as (value: string) => string | null;

export const SETTINGS = {
  // ---- listening and the web ----------------------------------------------------------------
  listenAddress: setting<ListenAddress>({
    flag: 'web.listen-address',
    env: ['HOST', 'PORT'],
    default: { host: '', port: DEFAULT_PORT },
    defaultText: `:${DEFAULT_PORT}`,
    help: 'Address for the webhook, probes and (without --web.metrics-listen-address) every other route: `[host]:port`; an empty host is all interfaces, port 0 a free port. HOST and PORT set its two halves.',
    parse: listenAddress,
    fromEnv: (read) => {
      const host = read('HOST', listenHost);
      const p = read('PORT', port);
      if (host === undefined && p === undefined) return undefined;
      return { host: host ?? '', port: p ?? DEFAULT_PORT };
    },
  }),
  metricsListenAddress: setting<{ host: string | null; port: number } | null>({
    flag: 'web.metrics-listen-address',
    env: ['METRICS_HOST', 'METRICS_PORT'],
    default: null,
    defaultText: '(none: everything on --web.listen-address)',
    help: "A second listener for /metrics, the status page and /api/v1/status, which then answer 404 on the main one (probes answer on both): `[host]:port`; an empty host means the main listener's host. METRICS_HOST and METRICS_PORT set its halves; METRICS_HOST alone does nothing.",
    parse: (value) => {
      const parsed = listenAddress(value);
      return { host: parsed.host === '' ? null : parsed.host, port: parsed.port };
    },
    fromEnv: (read) => {
      const p = read('METRICS_PORT', port);
      if (p === undefined) return undefined;
      return { host: read('METRICS_HOST', listenHost) ?? null, port: p };
    },
  }),
  webConfigFile: setting<string | null>({
    flag: 'web.config.file',
    env: ['WEB_CONFIG_FILE'],
    default: null,
    defaultText: '(none: plain HTTP, no basic auth)',
    help: 'Prometheus exporter-toolkit web configuration (YAML): TLS, basic auth users, response headers. Re-read on reload.',
    parse: optional(text),
  }),
  enableLifecycle: setting<boolean>({
    flag: 'web.enable-lifecycle',
    env: ['WEB_ENABLE_LIFECYCLE'],
    default: false,
    defaultText: 'false',
    help: 'Serve POST /-/reload (as Prometheus does); without it the route answers 403.',
    parse: boolean,
    boolean: true,
  }),
  // ---- logs, state, build -------------------------------------------------------------------
  logLevel: setting<LogLevel>({
    flag: 'log.level',
    env: ['LOG_LEVEL'],
    default: 'info',
    defaultText: 'info',
    help: `One of ${LOG_LEVELS.join(', ')}.`,
    parse: oneOf(LOG_LEVELS),
  }),
  logFormat: setting<LogFormat>({
    flag: 'log.format',
    env: ['LOG_FORMAT'],
    default: 'json',
    defaultText: 'json',
    help: 'json (one JSON object a line) or logfmt (key=value, as Prometheus components log).',
    parse: oneOf(LOG_FORMATS),
  }),
  stateFile: setting<string | null>({
    flag: 'state.file',
    env: ['STATE_FILE'],
    default: './data/state.json',
    defaultText: './data/state.json',
    help: 'Where state is saved. The empty string turns persistence off.',
    parse: (value) => (value === '' ? null : value),
    emptyIsValue: true,
  }),
  replicaName: setting<string | null>({
    flag: 'replica.name',
    env: ['REPLICA_NAME'],
    // null: the host name, which main.ts reads (a pod's name in Kubernetes, a container ID).
    default: null,
    defaultText: '(the host name)',
    help: "This replica's name in every log line and on the status page: 1-253 letters, digits, `.`, `_`, `:` or `-`, starting with a letter or digit.",
    parse: (value) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/.test(value)) {
        throw new ParseError(
          `must be 1-253 letters, digits, ".", "_", ":" or "-" starting with a letter or digit, got "${value.slice(0, 300)}"`,
        );
      }
      return value;
    },
  }),
  buildRevision: setting<string>({
    flag: 'build.revision',
    env: ['BUILD_REVISION'],
    default: 'unknown',
    defaultText: 'unknown',
    help: 'Source revision shown by --version and in exotel_exporter_build_info (set by your build).',
    parse: text,
  }),
  // ---- heartbeats and the status page ---------------------------------------------------------
  strictJson: setting<boolean>({
    flag: 'heartbeat.strict-json',
    env: ['STRICT_JSON'],
    default: false,
    defaultText: 'false',
    help: 'Turn off the two repairs of documented vendor quirks (trailing commas, `>` after the timestamp).',
    parse: boolean,
    boolean: true,
  }),
  futureToleranceSeconds: setting<number>({
    flag: 'heartbeat.future-tolerance-seconds',
    env: ['FUTURE_TOLERANCE_SECONDS'],
    default: 300,
    defaultText: '300',
    help: "A heartbeat whose timestamp is further ahead of the exporter's clock is refused (422).",
    parse: integer(0, 86_400),
  }),
  heartbeatIntervalSeconds: setting<number>({
    flag: 'heartbeat.interval-seconds',
    env: ['HEARTBEAT_INTERVAL_SECONDS'],
    default: 300,
    defaultText: '300',
    help: 'How often Exotel sends a heartbeat. The status page calls an account late past one interval without a valid heartbeat and missing past three (the ExotelHeartbeatMissing threshold).',
    parse: integer(1, 86_400),
  }),
  maxAccounts: setting<number>({
    flag: 'limits.max-accounts',
    env: ['MAX_ACCOUNTS'],
    default: 100,
    defaultText: '100',
    help: 'Most accounts kept, `default` included; a heartbeat for one more gets 429.',
    parse: integer(1, 100_000),
  }),
  maxSidSeries: setting<number>({
    flag: 'limits.max-sid-series',
    env: ['MAX_SID_SERIES'],
    default: 10_000,
    defaultText: '10000',
    help: 'Most per-ExoPhone series per account, counted as (SID, direction) pairs. Counts stay exact above it.',
    parse: integer(0, 10_000_000),
  }),
  maxTotalSidSeries: setting<number>({
    flag: 'limits.max-total-sid-series',
    env: ['MAX_TOTAL_SID_SERIES'],
    default: 20_000,
    defaultText: '20000',
    help: 'Most per-ExoPhone series across all accounts, in (SID, direction) pairs, shared fairly (README "Series budget"). With --limits.max-accounts it bounds the whole /metrics, so a scrape never exceeds sample_limit.',
    parse: integer(0, 10_000_000),
  }),
  accountExpirySeconds: setting<number | null>({
    flag: 'limits.account-expiry-seconds',
    env: ['ACCOUNT_EXPIRY_SECONDS'],
    default: null,
    defaultText: '0 (off)',
    help: 'Forget an account not heard from for this long; 0: never. At least 3 x --heartbeat.interval-seconds + 3600 (4500 by default), so ExotelHeartbeatMissing fires first (README "Account lifecycle").',
    parse: (value) => {
      const seconds = integer(0, 315_360_000)(value);
      return seconds === 0 ? null : seconds;
    },
  }),
  rehearsalExpirySeconds: setting<number | null>({
    flag: 'limits.rehearsal-expiry-seconds',
    env: ['REHEARSAL_EXPIRY_SECONDS'],
    // null: two heartbeat intervals (src/config.ts), so it follows --heartbeat.interval-seconds.
    default: null,
    defaultText: '2 x --heartbeat.interval-seconds (600)',
    help: 'Forget a `rehearsal…` account not heard from for this long; below 3 x --heartbeat.interval-seconds, so a forgotten rehearsal never pages ExotelHeartbeatMissing.',
    parse: integer(1, 86_400 * 3),
  }),
  grafanaUrl: setting<string | null>({
    flag: 'status.grafana-url',
    env: ['GRAFANA_URL'],
    default: null,
    defaultText: '(none: no link)',
    help: "The Grafana dashboard's URL; the status page links to it, per account with var-account set. http(s), without a user name or password.",
    parse: optional(httpUrl),
  }),
  // ---- webhook authentication ---------------------------------------------------------------
  webhookTokens: setting<string | null>({
    flag: 'webhook.tokens',
    env: ['WEBHOOK_TOKENS'],
    default: null,
    defaultText: '(none)',
    help: 'Comma-separated webhook tokens (16-256 of A-Za-z0-9._~-), valid for every account. A request must carry one when any token is configured.',
    parse: optional(secret(100_000)),
    secret: true,
  }),
  webhookTokensFile: setting<string | null>({
    flag: 'webhook.tokens-file',
    env: ['WEBHOOK_TOKENS_FILE'],
    default: null,
    defaultText: '(none)',
    help: 'YAML file of webhook tokens, each for every account or bound to some (`tokens: [{token: …, accounts: [acme]}]`); added to --webhook.tokens and re-read on reload (a mounted Kubernetes Secret rotates them).',
    parse: optional(text),
  }),
  // ---- HTTP limits ----------------------------------------------------------------------------
  // Why these numbers: Exotel waits 15 s for its 200 and then retries (the vendor notes summarised in README "Security"). A
  // 10 MB heartbeat must therefore arrive well inside 15 s for Exotel to see success at all
  // (>= 0.7 MB/s); 30 s still takes one from a link half that fast (>= 0.35 MB/s, about
  // 2.7 Mbit/s), and its state is applied even though Exotel has already timed out (the retries
  // are then duplicates). A slow body holds a socket at most 30 s, twice the vendor's own
  // patience. Headers are a few hundred bytes sent at once: 10 s is generous. Exotel's heartbeats
  // are minutes apart, so keep-alive only helps Prometheus (scrapes every 15-60 s) a little:
  // Node's 5 s default. Heartbeats are one request a few minutes per account; 600/min per source
  // with a burst of 200 is two orders of magnitude above that (one Exotel source may serve many
  // accounts) yet caps a flood.
  headersTimeoutMs: setting<number>({
    flag: 'http.headers-timeout-ms',
    env: ['HEADERS_TIMEOUT_MS'],
    default: 10_000,
    defaultText: '10000',
    help: 'The request line and headers must arrive within this (ms); else 408 and a closed socket.',
    parse: integer(1_000, 600_000),
  }),
  requestTimeoutMs: setting<number>({
    flag: 'http.request-timeout-ms',
    env: ['REQUEST_TIMEOUT_MS'],
    default: 30_000,
    defaultText: '30000',
    help: 'The whole request, body included, must arrive within this (ms); at least --http.headers-timeout-ms (unset, it is raised to it).',
    parse: integer(1_000, 3_600_000),
  }),
  keepAliveTimeoutMs: setting<number>({
    flag: 'http.keep-alive-timeout-ms',
    env: ['KEEP_ALIVE_TIMEOUT_MS'],
    default: 5_000,
    defaultText: '5000',
    help: 'An idle keep-alive connection is closed after this (ms).',
    parse: integer(0, 600_000),
  }),
  maxHeaderBytes: setting<number>({
    flag: 'http.max-header-bytes',
    env: ['MAX_HEADER_BYTES'],
    default: 16_384,
    defaultText: '16384',
    help: 'Largest request line plus headers; larger gets 431.',
    parse: integer(1_024, 1_048_576),
  }),
  maxConnections: setting<number>({
    flag: 'http.max-connections',
    env: ['MAX_CONNECTIONS'],
    default: 512,
    defaultText: '512',
    help: 'Open connections at most; more are dropped on accept.',
    parse: integer(1, 1_000_000),
  }),
  maxConnectionsPerSource: setting<number>({
    flag: 'http.max-connections-per-source',
    env: ['MAX_CONNECTIONS_PER_SOURCE'],
    // An eighth of MAX_CONNECTIONS: Exotel needs one connection per heartbeat in flight and
    // Prometheus one per scrape, so seven other sources' worth of slots stay free however hard
    // one source floods (an idle socket is closed after HEADERS_TIMEOUT_MS anyway).
    default: 64,
    defaultText: '64',
    help: 'Open connections one source IP may hold; more are closed on accept (exotel_exporter_connections_refused_total{reason="per_source"}). 0 turns it off, e.g. behind a reverse proxy.',
    parse: integer(0, 1_000_000),
  }),
  rateLimitPerMinute: setting<number>({
    flag: 'webhook.rate-limit-per-minute',
    env: ['RATE_LIMIT_PER_MINUTE'],
    default: 600,
    defaultText: '600',
    help: 'Webhook requests per source IP per minute once its burst is spent; beyond it 429 rate_limited. 0 turns the limit off.',
    parse: integer(0, 100_000_000),
  }),
  rateLimitBurst: setting<number>({
    flag: 'webhook.rate-limit-burst',
    env: ['RATE_LIMIT_BURST'],
    default: 200,
    defaultText: '200',
    help: 'Webhook requests one source IP may send at once.',
    parse: integer(1, 100_000_000),
  }),
  maxConcurrentLargeIngests: setting<number>({
    flag: 'webhook.max-concurrent-large-ingests',
    env: ['MAX_CONCURRENT_LARGE_INGESTS'],
    default: 3,
    defaultText: '3',
    help: 'Heartbeat bodies over 1 MB (or chunked) read at the same time; one more gets 503 overloaded with Retry-After.',
    parse: integer(1, 1_000),
  }),
  // ---- the Exotel API fallback (README "API fallback") --------------------------------------
  exotelApiKey: setting<string | null>({
    flag: 'exotel.api-key',
    env: ['EXOTEL_API_KEY'],
    default: null,
    defaultText: '(none: fallback off for `default`)',
    help: 'API key of the `default` account; with --exotel.api-token and --exotel.account-sid (all three or none).',
    parse: optional(secret(200)),
    secret: true,
  }),
  exotelApiToken: setting<string | null>({
    flag: 'exotel.api-token',
    env: ['EXOTEL_API_TOKEN'],
    default: null,
    defaultText: '(none)',
    help: 'API token of the `default` account.',
    parse: optional(secret(200)),
    secret: true,
  }),
  exotelAccountSid: setting<string | null>({
    flag: 'exotel.account-sid',
    env: ['EXOTEL_ACCOUNT_SID'],
    default: null,
    defaultText: '(none)',
    help: 'Exotel account SID of the `default` account (1-64 of A-Za-z0-9_-).',
    parse: optional(text),
  }),
  exotelApiHost: setting<(typeof EXOTEL_API_HOSTS)[number]>({
    flag: 'exotel.api-host',
    env: ['EXOTEL_API_HOST'],
    default: 'api.exotel.com',
    defaultText: 'api.exotel.com',
    help: `Exotel API host of the \`default\` account: ${EXOTEL_API_HOSTS.join(' or ')}.`,
    parse: oneOf(EXOTEL_API_HOSTS),
  }),
  exotelApiBaseUrl: setting<string | null>({
    flag: 'exotel.api-base-url',
    env: ['EXOTEL_API_BASE_URL'],
    default: null,
    defaultText: '(none)',
    help: 'A bare http(s) origin that replaces the Exotel host for every account (egress proxies, tests).',
    parse: optional(bareOrigin),
  }),
  exotelAccountsFile: setting<string | null>({
    flag: 'exotel.accounts-file',
    env: ['EXOTEL_ACCOUNTS_FILE'],
    default: null,
    defaultText: '(none)',
    help: 'JSON credentials for several accounts; re-read on reload.',
    parse: optional(text),
  }),
  exotelRequestsPerMinute: setting<number>({
    flag: 'exotel.api-requests-per-minute',
    env: ['EXOTEL_API_REQUESTS_PER_MINUTE'],
    // Exotel's newer docs claim 50/min per account; stay well below it, with room for a user's
    // own scripts on the same API key.
    default: 30,
    defaultText: '30',
    help: 'Request budget per Exotel account.',
    parse: integer(1, 6_000),
  }),
  exotelBurst: setting<number>({
    flag: 'exotel.api-burst',
    env: ['EXOTEL_API_BURST'],
    default: 5,
    defaultText: '5',
    help: 'Requests that may be saved up from the per-minute budget.',
    parse: integer(1, 100),
  }),
  exotelConcurrency: setting<number>({
    flag: 'exotel.api-concurrency',
    env: ['EXOTEL_API_CONCURRENCY'],
    default: 1,
    defaultText: '1',
    help: 'Requests in flight per account (1 or 2).',
    parse: integer(1, 2),
  }),
  exotelTimeoutMs: setting<number>({
    flag: 'exotel.api-timeout-ms',
    env: ['EXOTEL_API_TIMEOUT_MS'],
    default: 10_000,
    defaultText: '10000',
    help: 'Timeout of one API request (ms).',
    parse: integer(100, 120_000),
  }),
  exotelMaxRetries: setting<number>({
    flag: 'exotel.api-max-retries',
    env: ['EXOTEL_API_MAX_RETRIES'],
    // The vendor suggests 1, 2, 4, 8, 16 s and at most 5 retries.
    default: 5,
    defaultText: '5',
    help: 'Retries per request after the first attempt (429, 5xx, timeouts, unreadable answers).',
    parse: integer(0, 10),
  }),
  exotelBackoffBaseMs: setting<number>({
    flag: 'exotel.api-backoff-base-ms',
    env: ['EXOTEL_API_BACKOFF_BASE_MS'],
    default: 1_000,
    defaultText: '1000',
    help: 'First retry wait (ms), doubled each time, with jitter.',
    parse: integer(1, 60_000),
  }),
  exotelBackoffCapMs: setting<number>({
    flag: 'exotel.api-backoff-cap-ms',
    env: ['EXOTEL_API_BACKOFF_CAP_MS'],
    default: 60_000,
    defaultText: '60000',
    help: 'Longest retry wait (ms).',
    parse: integer(1, 600_000),
  }),
  exotelMaxRetryAfterMs: setting<number>({
    flag: 'exotel.api-max-retry-after-seconds',
    env: ['EXOTEL_API_MAX_RETRY_AFTER_SECONDS'],
    default: 600_000,
    defaultText: '600',
    help: 'A Retry-After longer than this (s) is cut to it.',
    parse: secondsAsMs(1, 3_600),
  }),
  exotelPollIntervalMs: setting<number>({
    flag: 'exotel.api-poll-interval-seconds',
    env: ['EXOTEL_API_POLL_INTERVAL_SECONDS'],
    default: 300_000,
    defaultText: '300',
    help: 'Pause between the end of one poll and the start of the next while the fallback is wanted (s).',
    parse: secondsAsMs(1, 86_400),
  }),
  exotelPageSize: setting<number>({
    flag: 'exotel.api-page-size',
    env: ['EXOTEL_API_PAGE_SIZE'],
    default: 50,
    defaultText: '50',
    help: 'ExoPhones per list page.',
    parse: integer(1, 1_000),
  }),
  exotelStaleAfterMs: setting<number>({
    flag: 'exotel.api-stale-after-seconds',
    env: ['EXOTEL_API_STALE_AFTER_SECONDS'],
    default: 0,
    defaultText: '0',
    help: 'Also poll when no heartbeat arrived for this long (s); 0: only on PAYLOAD_TOO_LARGE.',
    parse: secondsAsMs(0, 604_800),
  }),
  exotelPriorityRefreshMs: setting<number>({
    flag: 'exotel.api-priority-refresh-seconds',
    env: ['EXOTEL_API_PRIORITY_REFRESH_SECONDS'],
    default: 900_000,
    defaultText: '900',
    help: 'Re-check the known-affected SIDs at most this often during a long poll (s).',
    parse: secondsAsMs(1, 86_400),
  }),
  exotelPriorityMax: setting<number>({
    flag: 'exotel.api-priority-max',
    env: ['EXOTEL_API_PRIORITY_MAX'],
    default: 200,
    defaultText: '200',
    help: 'At most this many known-affected SIDs are checked ahead of the rest.',
    parse: integer(0, 10_000),
  }),
} as const;

export type SettingName = keyof typeof SETTINGS;

/** `--flag/VARIABLE`: how a message names a setting whatever its value came from. */
export function settingName(name: SettingName): string {
  const { flag, env } = SETTINGS[name];
  return env.length === 0 ? `--${flag}` : `--${flag}/${env.join('/')}`;
}
export type SettingValues = {
  readonly [K in SettingName]: (typeof SETTINGS)[K]['default'];
};
