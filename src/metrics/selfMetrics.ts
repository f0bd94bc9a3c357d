import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { REPAIR_KINDS, type RepairKind } from '../heartbeat/types.js';
import type { MetricFamily, MetricType } from './exposition.js';
import { REJECT_REASONS, type RejectReason } from './rejectReasons.js';
import { CONNECTION_REFUSAL_REASONS, type ConnectionRefusal } from '../http/connectionLimit.js';

/**
 * Why an account left the store: removed by an operator (`admin`), silent past
 * ACCOUNT_EXPIRY_SECONDS (`expired`) or REHEARSAL_EXPIRY_SECONDS (`rehearsal_expired`), or left
 * out of a restored state file: an entry a request could not have made (`invalid_state`), named
 * like a webhook token (`token_name`), more than MAX_ACCOUNTS (`over_max_accounts`).
 */
export const ACCOUNT_REMOVAL_REASONS = [
  'admin',
  'expired',
  'rehearsal_expired',
  'invalid_state',
  'token_name',
  'over_max_accounts',
] as const;
export type AccountRemoval = (typeof ACCOUNT_REMOVAL_REASONS)[number];

export interface BuildInfo {
  readonly version: string;
  readonly revision: string;
  readonly nodejsVersion: string;
}

/** The exporter's own health, on an app-owned registry (never prom-client's global one). */
export interface SelfMetrics {
  readonly registry: Registry;
  rejected(reason: RejectReason): void;
  repaired(kind: RepairKind): void;
  persistSucceeded(nowMs: number, durationMs: number): void;
  persistFailed(): void;
  stateLoadFailed(): void;
  /** A configuration (re)load: start-up counts as the first successful one, as in Prometheus. */
  configLoaded(nowMs: number): void;
  /** A reload refused; the previous configuration keeps running. */
  configReloadFailed(): void;
  connectionRefused(reason: ConnectionRefusal): void;
  accountRemoved(reason: AccountRemoval, count?: number): void;
  /** The registry's families as data, for the shared renderer. */
  families(): Promise<MetricFamily[]>;
}

/**
 * prom-client 15 names three gauges `nodejs_active_*_total`, which `promtool check metrics` flags
 * (a `_total` suffix promises a counter). The per-type gauges without the suffix stay.
 */
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export function createSelfMetrics(build: BuildInfo): SelfMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);

  const rejected = new Counter({
    name: 'exotel_heartbeats_rejected_total',
    help: 'Heartbeat requests refused, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const repairs = new Counter({
    name: 'exotel_heartbeat_repairs_total',
    help: 'Heartbeats accepted only after repairing a documented vendor quirk, by kind.',
    labelNames: ['kind'],
    registers: [registry],
  });
  const persistErrors = new Counter({
    name: 'exotel_state_persist_errors_total',
    help: 'Failed attempts to save the state file.',
    registers: [registry],
  });
  const persistLastSuccess = new Gauge({
    name: 'exotel_state_persist_last_success_timestamp_seconds',
    help: 'When the state file was last saved (0 = not yet in this process).',
    registers: [registry],
  });
  const persistDuration = new Gauge({
    name: 'exotel_state_persist_duration_seconds',
    help: 'How long the last successful save of the state file took.',
    registers: [registry],
  });
  const loadErrors = new Counter({
    name: 'exotel_state_load_errors_total',
    help: 'State files that could not be read or parsed at start-up (moved aside; the exporter started empty).',
    registers: [registry],
  });
  const reloadOk = new Gauge({
    name: 'exotel_exporter_config_last_reload_successful',
    help: 'Whether the last configuration reload (SIGHUP or POST /-/reload) succeeded; 0: the previous configuration is still in force.',
    registers: [registry],
  });
  const reloadTime = new Gauge({
    name: 'exotel_exporter_config_last_reload_success_timestamp_seconds',
    help: 'Unix time of the last successful configuration load (start-up or reload).',
    registers: [registry],
  });
  const connectionsRefused = new Counter({
    name: 'exotel_exporter_connections_refused_total',
    help: 'Connections closed unserved: one source over MAX_CONNECTIONS_PER_SOURCE, all over MAX_CONNECTIONS, or no byte sent within HEADERS_TIMEOUT_MS.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const accountsRemoved = new Counter({
    name: 'exotel_accounts_removed_total',
    help: 'Accounts removed or not restored, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  new Gauge({
    name: 'exotel_exporter_build_info',
    help: 'Build information; always 1.',
    labelNames: ['version', 'revision', 'nodejs_version'],
    registers: [registry],
  }).set(
    { version: build.version, revision: build.revision, nodejs_version: build.nodejsVersion },
    1,
  );

  // Every label value exists from the start, so rate() and alerts see a 0 before the first event.
  for (const reason of REJECT_REASONS) rejected.inc({ reason }, 0);
  for (const kind of REPAIR_KINDS) repairs.inc({ kind }, 0);
  for (const reason of CONNECTION_REFUSAL_REASONS) connectionsRefused.inc({ reason }, 0);
  for (const reason of ACCOUNT_REMOVAL_REASONS) accountsRemoved.inc({ reason }, 0);
  persistErrors.inc(0);
  loadErrors.inc(0);
  persistLastSuccess.set(0);

  return {
    registry,
    rejected: (reason) => rejected.inc({ reason }),
    repaired: (kind) => repairs.inc({ kind }),
    persistSucceeded: (nowMs, durationMs) => {
      persistLastSuccess.set(nowMs / 1000);
      persistDuration.set(durationMs / 1000);
    },
    persistFailed: () => persistErrors.inc(),
    stateLoadFailed: () => loadErrors.inc(),
    configLoaded: (nowMs) => {
      reloadOk.set(1);
      reloadTime.set(nowMs / 1000);
    },
    configReloadFailed: () => reloadOk.set(0),
    connectionRefused: (reason) => connectionsRefused.inc({ reason }),
    accountRemoved: (reason, count = 1) => accountsRemoved.inc({ reason }, count),
    families: async () => (await registry.getMetricsAsJSON()).map(toFamily),
  };
}

const KNOWN_TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary'];

type MetricJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];

function toFamily(metric: MetricJson): MetricFamily {
  const name = metric.name;
  return {
    name,
    help: metric.help,
    type: KNOWN_TYPES.find((type) => type === String(metric.type)) ?? 'untyped',
    samples: metric.values.map((value) => {
      const sampleName = (value as { metricName?: string }).metricName;
      return {
        suffix: sampleName?.startsWith(name) === true ? sampleName.slice(name.length) : '',
        labels: Object.entries(value.labels).map(([k, v]) => [k, String(v)] as const),
        value: value.value,
      };
    }),
  };
}
