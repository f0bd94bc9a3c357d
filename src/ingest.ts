import type { Clock } from './clock.js';
import { parseHeartbeat } from './heartbeat/parseHeartbeat.js';
import type { HeartbeatValidator } from './heartbeat/schema.js';
import type { Heartbeat, RepairKind } from './heartbeat/types.js';
import type { Logger } from './logger.js';
import type { RejectReason } from './metrics/rejectReasons.js';
import type { SelfMetrics } from './metrics/selfMetrics.js';
import type { AccountState } from './state/account.js';
import type { Outcome, PreparedTable } from './state/reduce.js';
import { heartbeatTableInSteps, rowsIn } from './state/sidTable.js';
import { tableOf, type Store } from './state/store.js';
import { nextTurn, runInSteps } from './steps.js';

export interface IngestDeps {
  readonly validator: HeartbeatValidator;
  readonly allowRepairs: boolean;
  readonly store: Store;
  readonly clock: Clock;
  readonly selfMetrics: SelfMetrics;
  /** Runs after every valid heartbeat: schedules a save and lets the API fallback react. */
  readonly afterHeartbeat: () => void;
  readonly logger: Logger;
}

export type IngestResult =
  | {
      readonly ok: true;
      readonly outcome: Outcome;
      /** The receiver time the heartbeat was applied with, for the recent-heartbeats list. */
      readonly receivedMs: number;
      readonly heartbeat: Heartbeat;
      readonly repairs: readonly RepairKind[];
    }
  | {
      readonly ok: false;
      readonly status: 400 | 422 | 429;
      readonly reason: RejectReason;
      readonly detail: string;
    };

/** Bodies larger than this are ingested in steps (see ingestHeartbeat). */
export const STEPPED_INGEST_BYTES = 1_000_000;

/**
 * The heartbeat pipeline without HTTP: decode → validate → read the clock once → apply →
 * schedule a save. Nothing here waits on I/O. A large body (over STEPPED_INGEST_BYTES; a 10 MB
 * one takes about half a second of work) is decoded and checked in pieces
 * (heartbeat/piecewiseParse.ts) and its per-SID table built in steps of TABLE_ROWS_PER_STEP
 * rows, with a turn of the event loop between steps, so a scrape that arrives meanwhile waits
 * for one step (tens of milliseconds), not for all of it; the store changes only at the end, in
 * one step. A small body runs straight through. (Parsing large bodies in a worker thread was
 * tried and measured: it kept scrapes from waiting out the parse, but the hand-over made the
 * acknowledgement about 45% slower and the worker's heap cost some 140 MB of RSS; see the
 * README's Performance section.)
 */
export async function ingestHeartbeat(
  deps: IngestDeps,
  account: string,
  body: Uint8Array,
  yieldTurn: () => Promise<void> = nextTurn,
): Promise<IngestResult> {
  const stepped = body.length > STEPPED_INGEST_BYTES;
  const parsed = await parseHeartbeat(
    body,
    deps.validator,
    deps.allowRepairs,
    stepped ? yieldTurn : undefined,
  );
  if (!parsed.ok) return { ok: false, status: 400, reason: parsed.reason, detail: parsed.detail };
  const { heartbeat, repairs } = parsed;
  // A small heartbeat after a large one (an outage ending) builds its table against the large
  // one, whose lookup map alone is 154,000 rows: in steps too.
  const steppedTable = stepped || rowsOf(deps.store, account) > TABLE_ROWS_PER_STEP;
  const prepared = steppedTable
    ? await prepareTable(deps.store, account, heartbeat, yieldTurn)
    : undefined;
  const now = deps.clock.now();
  const result = deps.store.apply(account, heartbeat, now, prepared);
  if (!result.accepted) {
    return result.reason === 'future_timestamp'
      ? {
          ok: false,
          status: 422,
          reason: 'future_timestamp',
          detail: 'timestamp is too far ahead of the receiver clock',
        }
      : {
          ok: false,
          status: 429,
          reason: 'too_many_accounts',
          detail: 'MAX_ACCOUNTS reached; raise it or reuse an existing account',
        };
  }

  for (const kind of repairs) deps.selfMetrics.repaired(kind);
  deps.afterHeartbeat();
  logChange(deps.logger, account, result.outcome, result.previous, result.next);
  return { ok: true, outcome: result.outcome, receivedMs: now, heartbeat, repairs };
}

/** Rows of a large heartbeat's table built per turn of the event loop. */
export const TABLE_ROWS_PER_STEP = 20_000;

function rowsOf(store: Store, account: string): number {
  return tableOf(store.snapshot().accounts.get(account))?.rows ?? 0;
}

/**
 * Builds a large heartbeat's per-SID table in steps, against the account's table of now; the
 * store uses it if that is still the account's table when the heartbeat is applied (another
 * heartbeat for the account may have been applied meanwhile: then it builds its own, at once).
 */
async function prepareTable(
  store: Store,
  account: string,
  heartbeat: Heartbeat,
  yieldTurn: () => Promise<void>,
): Promise<PreparedTable | undefined> {
  if (heartbeat.status === 'PAYLOAD_TOO_LARGE') return undefined;
  await yieldTurn();
  const base = tableOf(store.snapshot().accounts.get(account));
  const steps = heartbeatTableInSteps(heartbeat, base, TABLE_ROWS_PER_STEP);
  return { base, table: await runInSteps(steps, yieldTurn) };
}

function logChange(
  logger: Logger,
  account: string,
  outcome: Outcome,
  previous: AccountState,
  next: AccountState,
): void {
  const before = summary(previous);
  const after = summary(next);
  if (
    before.status !== after.status ||
    before.incoming !== after.incoming ||
    before.outgoing !== after.outgoing
  ) {
    logger.info({ account, outcome, ...after }, 'account state changed');
  } else {
    logger.debug({ account, outcome }, 'heartbeat received');
  }
}

function summary(state: AccountState) {
  return {
    status: state.applied?.status ?? null,
    incoming: rowsIn(state.details?.table ?? null, 'incoming'),
    outgoing: rowsIn(state.details?.table ?? null, 'outgoing'),
  };
}
