import type { RecentHeartbeat } from '../status/recentHeartbeats.js';
import { formatAge, formatBytes, formatUtcShort } from './format.js';
import { escapeHtml } from './html.js';
import { runbookUrl } from './links.js';

const OUTCOME_WORDS = {
  applied: 'applied',
  duplicate: 'duplicate (a retry; no change)',
  conflict: 'conflict (same timestamp, new content; applied)',
  out_of_order: 'out of order (older; ignored)',
} as const;

/** The last requests, newest first: what happened to each, never what it carried. */
export function recentTable(recent: readonly RecentHeartbeat[], nowMs: number): string {
  const heading = `<h2 id="recent">Recent heartbeats</h2>
<p class="note">The last ${recent.length === 0 ? '' : `${recent.length} `}heartbeat requests since the exporter started, newest first; bodies are never kept. Refused requests: <a href="${escapeHtml(runbookUrl('ExotelHeartbeatsRejected'))}">runbook</a>.</p>`;
  if (recent.length === 0) {
    return `<section>
${heading}
<p>No heartbeat requests yet.</p>
</section>`;
  }
  return `<section>
${heading}
<div class="scroll"><table class="recent"><thead><tr><th>Received (UTC)</th><th>Account</th><th>HTTP</th><th>Outcome</th><th>Status</th><th class="num wide">In</th><th class="num wide">Out</th><th class="num wide">Body</th></tr></thead>
<tbody>
${recent.map((entry) => recentRow(entry, nowMs)).join('\n')}
</tbody></table></div>
</section>`;
}

function recentRow(entry: RecentHeartbeat, nowMs: number): string {
  const when = `<time datetime="${new Date(entry.receivedMs).toISOString()}">${formatUtcShort(entry.receivedMs, nowMs)}</time> <small>${formatAge(nowMs - entry.receivedMs)} ago</small>`;
  const account = entry.account === null ? '<small>unknown</small>' : escapeHtml(entry.account);
  const size = entry.bodyBytes === null ? '—' : formatBytes(entry.bodyBytes);
  if (entry.outcome === 'rejected') {
    return `<tr class="rejected"><td>${when}</td><td>${account}</td><td>${entry.httpStatus}</td><td class="outcome">rejected: ${escapeHtml(entry.reason)}<span class="detail">${escapeHtml(entry.detail)}</span></td><td>—</td><td class="num wide">—</td><td class="num wide">—</td><td class="num wide">${size}</td></tr>`;
  }
  const repaired =
    entry.repairs.length === 0
      ? ''
      : `<span class="detail">repaired: ${entry.repairs.map((kind) => escapeHtml(kind)).join(', ')}</span>`;
  const ignored = entry.outcome === 'duplicate' || entry.outcome === 'out_of_order';
  return `<tr class="${ignored ? 'ignored' : 'accepted'}"><td>${when}</td><td>${account}</td><td>${entry.httpStatus}</td><td class="outcome">${OUTCOME_WORDS[entry.outcome]}${repaired}</td><td>${escapeHtml(entry.status)}</td><td class="num wide">${count(entry.incoming)}</td><td class="num wide">${count(entry.outgoing)}</td><td class="num wide">${size}</td></tr>`;
}

function count(value: number | null): string {
  return value === null ? '—' : String(value);
}
