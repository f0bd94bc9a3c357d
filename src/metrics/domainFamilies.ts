import { instantToSeconds } from '../heartbeat/instant.js';
import { DIRECTIONS, STATUS_TYPES, type Direction } from '../heartbeat/types.js';
import type { Details } from '../state/account.js';
import { directionOf, rowsIn, type DetailSource, type SidTable } from '../state/sidTable.js';
import { tableOf, type AccountEntry, type StoreSnapshot } from '../state/store.js';
import type { MetricFamily, Sample } from './exposition.js';
import { affectedPairs, sidQuotas, type SidSeriesLimits } from './sidQuotas.js';

type Labels = readonly (readonly [string, string])[];

/**
 * Per account at most MAX_SID_SERIES (SID, direction) pairs become per-SID series, and across all
 * accounts at most MAX_TOTAL_SID_SERIES, divided by sidQuotas.ts.
 */
export interface ProjectionOptions extends SidSeriesLimits {
  /**
   * false leaves the samples of the two per-SID families (PER_SID_FAMILY) out: the scrape
   * renderer splices in the text it keeps per account (sidSeriesText.ts) where a family says
   * `perSid`. Default true: the whole projection as samples, the reference the tests hold the
   * spliced text to.
   */
  readonly perSidSamples?: boolean;
  /** Each account's share of the budget, when the caller has already divided it (sidQuotas). */
  readonly quotas?: ReadonlyMap<string, number>;
}

/**
 * The families with one sample per kept (SID, direction) pair, by the part of an account's
 * per-SID text (sidSeriesText.ts) that holds their lines.
 */
export const PER_SID_FAMILY = {
  affected: 'exotel_exophone_affected',
  since: 'exotel_exophone_affected_since_timestamp_seconds',
} as const;
export type PerSidPart = keyof typeof PER_SID_FAMILY;

/** A family of the projection; a per-SID one says which part of the per-SID text it is. */
export interface DomainFamily extends MetricFamily {
  readonly perSid?: PerSidPart;
}

/**
 * Projects the store snapshot onto the metric contract (DESIGN.md), kube-state-metrics style:
 * a pure function from state to families, testable without a registry and without a clock.
 */
export function domainFamilies(
  snapshot: StoreSnapshot,
  options: ProjectionOptions,
): DomainFamily[] {
  const accounts = [...snapshot.accounts];
  const perAccount = (
    name: string,
    help: string,
    type: 'gauge' | 'counter',
    samples: (account: string, entry: AccountEntry) => Sample[],
  ): MetricFamily => ({
    name,
    help,
    type,
    samples: accounts.flatMap(([account, entry]) => samples(account, entry)),
  });
  const one = (account: string, value: number, extra: Labels = []): Sample => ({
    labels: [['account', account], ...extra],
    value,
  });
  const quotas = options.quotas ?? sidQuotas(affectedPairs(snapshot), options);
  const quota = (account: string): number => quotas.get(account) ?? 0;
  // Selecting the kept pairs sorts them when over the quota: only for the families that need it.
  const series = new Map<string, SidSeries[]>();
  const kept = (account: string, table: SidTable | null): SidSeries[] => {
    let found = series.get(account);
    if (found === undefined) {
      series.set(account, (found = keptSidSeries(table, quota(account))));
    }
    return found;
  };
  const perSid = options.perSidSamples ?? true;

  return [
    perAccount(
      'exotel_heartbeat_status',
      'Status of the applied heartbeat: 1 for its status_type, 0 for the other three.',
      'gauge',
      (account, { state }) =>
        STATUS_TYPES.map((status) =>
          one(account, state.applied?.status === status ? 1 : 0, [['status', status]]),
        ),
    ),
    perAccount(
      'exotel_heartbeat_timestamp_seconds',
      "The applied heartbeat's own timestamp (0 = none applied yet).",
      'gauge',
      (account, { state }) => [
        one(account, state.applied === null ? 0 : instantToSeconds(state.applied.timestamp)),
      ],
    ),
    perAccount(
      'exotel_heartbeat_last_received_timestamp_seconds',
      'Receiver clock at the last valid heartbeat, applied or not (0 = never).',
      'gauge',
      (account, { state }) => [one(account, state.lastReceivedMs / 1000)],
    ),
    perAccount(
      'exotel_exophones_affected',
      'How many ExoPhones the per-SID detail lists as affected, by direction (exact even when per-SID series are capped).',
      'gauge',
      (account, { state }) =>
        DIRECTIONS.map((direction) =>
          one(account, rowsIn(state.details?.table ?? null, direction), [['direction', direction]]),
        ),
    ),
    {
      ...perAccount(
        PER_SID_FAMILY.affected,
        '1 for each affected ExoPhone SID and direction.',
        'gauge',
        (account, entry) =>
          perSid ? kept(account, tableOf(entry)).map((s) => one(account, 1, s.labels)) : [],
      ),
      perSid: 'affected',
    },
    {
      ...perAccount(
        PER_SID_FAMILY.since,
        "When the ExoPhone's current affected streak began (the first applied heartbeat, or API poll, listing it).",
        'gauge',
        (account, entry) =>
          perSid ? kept(account, tableOf(entry)).map((s) => one(account, s.since, s.labels)) : [],
      ),
      perSid: 'since',
    },
    perAccount(
      'exotel_exophone_series_dropped',
      'Affected (SID, direction) pairs left out of the per-SID series by MAX_SID_SERIES or MAX_TOTAL_SID_SERIES.',
      'gauge',
      (account, { state }) => [one(account, droppedPairs(state.details, quota(account)))],
    ),
    perAccount(
      'exotel_exophone_details_timestamp_seconds',
      'Timestamp of the heartbeat (or API poll) the per-SID series and counts come from (0 = none yet).',
      'gauge',
      (account, { state }) => [
        one(account, state.details === null ? 0 : instantToSeconds(state.details.timestamp)),
      ],
    ),
    perAccount(
      'exotel_exophone_details_source',
      'Where the per-SID detail comes from: 1 for heartbeat or api (the PAYLOAD_TOO_LARGE fallback), 0 for the other (both 0 = none yet).',
      'gauge',
      (account, entry) =>
        DETAIL_SOURCES.map((source) =>
          one(account, tableOf(entry)?.source === source ? 1 : 0, [['source', source]]),
        ),
    ),
    perAccount(
      'exotel_exophone_connectivity_status',
      "1 for each affected ExoPhone SID and direction polled from Exotel's API, with the raw connectivity status (same SIDs as exotel_exophone_affected).",
      'gauge',
      (account, entry) => {
        const table = tableOf(entry);
        return (table?.statuses == null ? [] : kept(account, table)).flatMap((s) => {
          const status = table?.statuses?.[s.row];
          return status === undefined
            ? []
            : [
                one(account, 1, [
                  ['sid', s.sid],
                  ['direction', s.direction],
                  ['status', status],
                ]),
              ];
        });
      },
    ),
    perAccount(
      'exotel_heartbeats_received_total',
      'Valid heartbeats received (applied, duplicate, conflicting or out of order), by status_type.',
      'counter',
      (account, { counters }) =>
        STATUS_TYPES.map((status) => one(account, counters.received[status], [['status', status]])),
    ),
    perAccount(
      'exotel_heartbeats_duplicate_total',
      'Retries of the applied heartbeat (same timestamp, same content).',
      'counter',
      (account, { counters }) => [one(account, counters.duplicate)],
    ),
    perAccount(
      'exotel_heartbeats_conflict_total',
      'Heartbeats with the applied timestamp but different content; the later arrival was applied.',
      'counter',
      (account, { counters }) => [one(account, counters.conflict)],
    ),
    perAccount(
      'exotel_heartbeats_out_of_order_total',
      'Heartbeats older than the applied one; acknowledged and ignored.',
      'counter',
      (account, { counters }) => [one(account, counters.outOfOrder)],
    ),
  ];
}

interface SidSeries {
  /** The table row the series comes from. */
  readonly row: number;
  readonly sid: string;
  readonly direction: Direction;
  readonly labels: Labels;
  readonly since: number;
}

const DETAIL_SOURCES = ['heartbeat', 'api'] as const satisfies readonly DetailSource[];

/** How many affected pairs the account's quota (sidQuotas.ts) leaves out. */
export function droppedPairs(details: Details | null, quota: number): number {
  if (details === null) return 0;
  return Math.max(0, details.table.rows - quota);
}

/**
 * The kept (SID, direction) pairs of one account, in exposition order: all of them in table
 * order, or, over its quota, the longest-affected pairs (the table's one order), so the kept set
 * is stable from scrape to scrape while the outage lasts and paging keeps the oldest problems.
 */
function keptSidSeries(table: SidTable | null, quota: number): SidSeries[] {
  if (table === null) return [];
  const rows = table.rows <= quota ? table.sids.keys() : table.longestFirst().subarray(0, quota);
  return Array.from(rows, (row) => {
    const sid = table.sids[row] ?? '';
    const direction = directionOf(table, row);
    return {
      row,
      sid,
      direction,
      labels: [
        ['sid', sid],
        ['phone_number', table.phones[row] ?? ''],
        ['direction', direction],
      ],
      since: table.since[row] ?? 0,
    };
  });
}
