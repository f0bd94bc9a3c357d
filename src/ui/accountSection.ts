import type { StatusType } from '../heartbeat/types.js';
import {
  attentionRank,
  MISSING_AFTER_INTERVALS,
  type AccountSummary,
  type Freshness,
} from '../status/accountSummary.js';
import type { AffectedRow } from '../status/longestAffected.js';
import { formatAge, formatInterval, formatUtc } from './format.js';
import { escapeHtml } from './html.js';
import { grafanaAccountUrl, runbookAlert, runbookUrl } from './links.js';

export interface AccountSectionOptions {
  readonly heartbeatIntervalSeconds: number;
  readonly grafanaUrl: string | null;
}

const FRESHNESS_WORDS: Readonly<Record<Freshness, string>> = {
  on_time: 'on time',
  late: 'LATE',
  missing: 'MISSING',
  never: 'never received',
};

/**
 * The Exotel status as a coloured badge that also says it in words. The class is exactly
 * `status <STATUS>`: scripts and tests match it.
 */
export function statusBadge(status: StatusType | null): string {
  return status === null
    ? '<span class="status NONE">NO HEARTBEAT YET</span>'
    : `<span class="status ${status}">${status}</span>`;
}

export function freshnessBadge(freshness: Freshness): string {
  return `<span class="fresh ${freshness}">${FRESHNESS_WORDS[freshness]}</span>`;
}

/** One row of the overview table at the top of the page. */
export function overviewRow(summary: AccountSummary): string {
  const account = escapeHtml(summary.account);
  return `<tr><td><a href="#account-${account}">${account}</a></td><td>${statusBadge(summary.status)}</td><td>${freshnessBadge(summary.freshness)}</td><td>${summary.ageMs === null ? 'never' : `${formatAge(summary.ageMs)} ago`}</td><td class="num wide">${summary.incoming}</td><td class="num wide">${summary.outgoing}</td></tr>`;
}

/** One account: status, heartbeat age against the interval, counts, links, affected ExoPhones. */
export function accountSection(
  summary: AccountSummary,
  nowMs: number,
  options: AccountSectionOptions,
): string {
  const account = escapeHtml(summary.account);
  const alert = runbookAlert(summary);
  const links = [
    `<a href="${escapeHtml(runbookUrl(alert))}">Runbook${alert === null ? '' : `: ${alert}`}</a>`,
    ...(options.grafanaUrl === null
      ? []
      : [
          `<a href="${escapeHtml(grafanaAccountUrl(options.grafanaUrl, summary.account))}">Grafana dashboard</a>`,
        ]),
  ];
  return `<section class="account attention-${attentionRank(summary)}" id="account-${account}">
<h2>Account ${account} ${statusBadge(summary.status)} ${freshnessBadge(summary.freshness)}</h2>
<p>${lastHeartbeat(summary, options.heartbeatIntervalSeconds)}</p>
${exotelTimestamp(summary)}<p>Affected ExoPhones: <strong>${summary.incoming}</strong> incoming · <strong>${summary.outgoing}</strong> outgoing</p>
<p>${links.join(' · ')}</p>
${detailNote(summary)}${affectedTable(summary, nowMs)}
</section>`;
}

function lastHeartbeat(summary: AccountSummary, intervalSeconds: number): string {
  const expected = `expected every ${formatInterval(intervalSeconds)}`;
  if (summary.lastReceivedMs === null || summary.ageMs === null) {
    return `Last heartbeat: <strong>never</strong> since the state began (${expected}).`;
  }
  const when = `<time datetime="${new Date(summary.lastReceivedMs).toISOString()}">${formatUtc(summary.lastReceivedMs)}</time>`;
  const age = `<strong>${formatAge(summary.ageMs)} ago</strong>`;
  const verdict =
    summary.freshness === 'missing'
      ? ` Missing: more than ${formatInterval(MISSING_AFTER_INTERVALS * intervalSeconds)} without one; the status shown is the last one known.`
      : summary.freshness === 'late'
        ? ` Late: more than one interval without one.`
        : '';
  return `Last heartbeat received ${when}, ${age} (${expected}).${verdict}`;
}

function exotelTimestamp(summary: AccountSummary): string {
  if (summary.heartbeatSeconds === null) return '';
  return `<p class="note">Exotel's timestamp of the applied heartbeat: ${formatUtc(summary.heartbeatSeconds * 1000)}</p>\n`;
}

/** PAYLOAD_TOO_LARGE carries no list: say that the list shown is older detail, and how old. */
function detailNote(summary: AccountSummary): string {
  if (summary.status !== 'PAYLOAD_TOO_LARGE' || summary.detailsSeconds === null) return '';
  return `<p>The last heartbeat was too large to carry per-ExoPhone detail; the list below is from ${escapeHtml(
    new Date(summary.detailsSeconds * 1000).toISOString(),
  )}.</p>\n`;
}

function affectedTable(summary: AccountSummary, nowMs: number): string {
  if (summary.affectedTotal === 0) return '<p>No affected ExoPhones.</p>';
  const rows = summary.affected.map((row) => affectedRow(row, nowMs)).join('\n');
  const more = summary.affectedTotal - summary.affected.length;
  return `<h3>Affected now, longest first</h3>
<div class="scroll"><table class="affected"><thead><tr><th>SID</th><th>Phone number</th><th>Direction</th><th>Affected for</th><th class="wide">Affected since</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>${more > 0 ? `\n<p class="note">…and ${more} more not listed. The counts on /metrics include every one; its per-ExoPhone series stop at the longest-affected --limits.max-sid-series pairs per account.</p>` : ''}`;
}

function affectedRow(row: AffectedRow, nowMs: number): string {
  const sinceMs = row.sinceSeconds * 1000;
  // Plain cells, classes on the table: scripts and tests match `<td>SID</td><td>number</td>`.
  const phone =
    row.phone === null ? '<td><small>unknown</small></td>' : `<td>${escapeHtml(row.phone)}</td>`;
  return `<tr><td>${escapeHtml(row.sid)}</td>${phone}<td>${row.direction}</td><td>${formatAge(nowMs - sinceMs)}</td><td class="wide"><time datetime="${new Date(sinceMs).toISOString()}">${formatUtc(sinceMs)}</time></td></tr>`;
}
