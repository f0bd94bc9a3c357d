import type { Clock } from '../clock.js';
import type { AccountState, Details } from '../state/account.js';
import type { Poll, PollBasis, PolledExoPhone, PollOutcome } from '../state/applyPoll.js';
import type { ApiAccount } from './apiAccount.js';
import { ApiError, apiGet, type ApiClientDeps } from './apiClient.js';
import { parseDetails, parseListPage, type ListedExoPhone } from './envelope.js';
import { detailsUrl, listPageUrl, nextPageNumber } from './exotelUrls.js';
import type { PollSettings } from './pollSettings.js';

export interface CycleDeps {
  readonly account: ApiAccount;
  readonly api: ApiClientDeps;
  readonly settings: PollSettings;
  readonly clock: Clock;
  /** The account's current state in the store. */
  readonly current: () => AccountState;
  /** store.applyPoll for this account (plus a save). */
  readonly publish: (poll: Poll) => PollOutcome;
}

export type CycleResult =
  | {
      readonly kind: 'complete';
      readonly exophones: number;
      /** ExoPhones whose details reported no connectivity status at all. */
      readonly withoutHealth: number;
      readonly durationMs: number;
    }
  | { readonly kind: 'superseded' };

/** Far more than any account has; a paging bug must not loop forever. */
const MAX_PAGES = 100_000;

/**
 * One full poll of an account:
 * 1. the SIDs known to be affected (longest first, at most priorityMax) are checked first and
 *    published at once, so the ExoPhones that matter most are current within minutes;
 * 2. the list of ExoPhones is read page by page;
 * 3. every other listed ExoPhone is checked; the known-affected ones are checked (and published)
 *    again whenever priorityRefreshMs has passed, so they are polled more often than the rest;
 * 4. the complete result is published as one snapshot, with the completion time as its timestamp.
 * Only complete polls replace the whole detail: a poll that fails half-way publishes nothing more
 * and throws ApiError (the caller retries after the interval).
 */
export async function runPollCycle(deps: CycleDeps, signal: AbortSignal): Promise<CycleResult> {
  const { settings, clock } = deps;
  const started = clock.now();
  let basis = basisOf(deps.current());
  const priority = prioritySids(basis.details, settings.priorityMax);
  const checked = new Map<string, PolledExoPhone>();
  let lastPriority = started;

  const refreshPriority = async (): Promise<boolean> => {
    const polled = new Map<string, PolledExoPhone>();
    for (const sids of chunks(priority, settings.concurrency)) {
      await Promise.all(
        sids.map(async (sid) => {
          polled.set(sid, await checkExoPhone(deps, sid, null, signal));
        }),
      );
    }
    for (const [sid, exophone] of polled) checked.set(sid, exophone);
    lastPriority = clock.now();
    const outcome = deps.publish({
      basis,
      scope: 'priority',
      exophones: polled,
      completedMs: lastPriority,
    });
    if (outcome === 'superseded') return false;
    basis = basisOf(deps.current());
    return true;
  };

  if (priority.length > 0 && !(await refreshPriority())) return { kind: 'superseded' };
  const listed = await listExoPhones(deps, signal);
  const rest = listed.filter((exophone) => !checked.has(exophone.sid));
  for (const batch of chunks(rest, settings.concurrency)) {
    if (priority.length > 0 && clock.now() - lastPriority >= settings.priorityRefreshMs) {
      if (!(await refreshPriority())) return { kind: 'superseded' };
    }
    await Promise.all(
      batch.map(async ({ sid, phone }) => {
        checked.set(sid, await checkExoPhone(deps, sid, phone, signal));
      }),
    );
  }

  // The list is the account's ExoPhones: a known-affected SID that is no longer listed is gone.
  const exophones = new Map<string, PolledExoPhone>();
  let withoutHealth = 0;
  for (const { sid, phone } of listed) {
    const exophone = checked.get(sid);
    if (exophone === undefined) continue;
    exophones.set(
      sid,
      exophone.phone === null && phone !== null ? { ...exophone, phone } : exophone,
    );
    if (exophone.statuses.incoming === null && exophone.statuses.outgoing === null) withoutHealth++;
  }
  const completedMs = clock.now();
  const outcome = deps.publish({ basis, scope: 'full', exophones, completedMs });
  if (outcome === 'superseded') return { kind: 'superseded' };
  return {
    kind: 'complete',
    exophones: exophones.size,
    withoutHealth,
    durationMs: completedMs - started,
  };
}

export function basisOf(state: AccountState): PollBasis {
  return { details: state.details, lastReceivedMs: state.lastReceivedMs };
}

/** Affected SIDs of the detail, longest affected first (ties by SID), at most `max`. */
export function prioritySids(details: Details | null, max: number): string[] {
  if (details === null || max === 0) return [];
  // The table's one order is by streak start, then SID: a SID's first row in it is its earliest
  // streak, and SIDs appear in order of (earliest streak, SID).
  const { table } = details;
  const seen = new Set<string>();
  for (const row of table.longestFirst()) {
    if (seen.size >= max) break;
    seen.add(table.sids[row] ?? '');
  }
  return [...seen];
}

/** Every page of the list, rebuilt on the configured origin; stops on no next page or an empty one. */
async function listExoPhones(deps: CycleDeps, signal: AbortSignal): Promise<ListedExoPhone[]> {
  const { account, settings } = deps;
  const seen = new Map<string, ListedExoPhone>();
  let page = 0;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const url = listPageUrl(account.baseUrl, account.accountSid, page, settings.pageSize);
    const answer = await apiGet(deps.api, 'list', url, signal);
    // The list endpoint has no per-ExoPhone 404: the whole account is unknown here.
    if (answer.kind === 'not_found')
      throw new ApiError('client_error', 'list: HTTP 404 (account SID or region wrong)');
    const parsed = parseListPage(answer.body);
    if (parsed === null)
      throw new ApiError('unavailable', 'list: the answer is not a page of ExoPhones');
    for (const exophone of parsed.exophones)
      if (!seen.has(exophone.sid)) seen.set(exophone.sid, exophone);
    const next = nextPageNumber(parsed.nextPageUri);
    if (parsed.exophones.length === 0 || next === null || next <= page) break;
    page = next;
  }
  return [...seen.values()];
}

/**
 * One ExoPhone's health. A 404 means it was released between the list and now: not affected.
 * An answer without connectivity is "unknown" (not affected, counted), not an error.
 */
async function checkExoPhone(
  deps: CycleDeps,
  sid: string,
  phone: string | null,
  signal: AbortSignal,
): Promise<PolledExoPhone> {
  const url = detailsUrl(deps.account.baseUrl, deps.account.accountSid, sid);
  const answer = await apiGet(deps.api, 'details', url, signal);
  const checkedMs = deps.clock.now();
  const unknown = { statuses: { incoming: null, outgoing: null }, phone, checkedMs };
  if (answer.kind === 'not_found') return unknown;
  const health = parseDetails(answer.body);
  if (health === null) return unknown;
  return { statuses: health.statuses, phone: health.phone ?? phone, checkedMs };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
