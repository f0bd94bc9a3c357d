import { instantToSeconds } from '../heartbeat/instant.js';
import { DIRECTIONS, type Direction } from '../heartbeat/types.js';
import type { AccountEntry, StoreSnapshot } from '../state/store.js';

/** Rows per account table; a CRITICAL at a large account must not produce a 20 MB page. */
export const MAX_ROWS_PER_ACCOUNT = 500;

/** The landing page: per account, status, counts, heartbeat age and affected ExoPhones. Pure. */
export function renderStatusPage(snapshot: StoreSnapshot, nowMs: number): string {
  const sections = [...snapshot.accounts].map(([account, entry]) =>
    accountSection(account, entry, nowMs),
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Exotel heartbeat exporter</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1b1b;max-width:72rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
.status{font-weight:bold;padding:.1rem .5rem;border-radius:.25rem}
.OK{background:#d8f5d8}.WARNING{background:#ffe9b3}.CRITICAL{background:#ffc9c9}.PAYLOAD_TOO_LARGE{background:#e3d9ff}.NONE{background:#eee}
</style>
</head>
<body>
<h1>Exotel heartbeat exporter</h1>
<p><a href="metrics">Metrics</a> · <a href="-/healthy">Health</a> · <a href="-/ready">Readiness</a></p>
${sections.join('\n')}
</body>
</html>
`;
}

function accountSection(account: string, { state }: AccountEntry, nowMs: number): string {
  const status = state.applied?.status ?? 'NONE';
  const label = state.applied === null ? 'no heartbeat yet' : status;
  const age =
    state.lastReceivedMs === 0 ? 'never' : `${formatAge(nowMs - state.lastReceivedMs)} ago`;
  const details = state.details;
  const rows: string[] = [];
  let total = 0;
  if (details !== null) {
    for (const direction of DIRECTIONS) {
      for (const [sid, since] of details.since[direction]) {
        total++;
        if (rows.length < MAX_ROWS_PER_ACCOUNT) {
          rows.push(row(sid, details.phones.get(sid) ?? '', direction, since, nowMs));
        }
      }
    }
  }
  const detailAge =
    details === null || state.applied?.status !== 'PAYLOAD_TOO_LARGE'
      ? ''
      : `<p>The last heartbeat was too large to carry per-ExoPhone detail; the list below is from ${escapeHtml(
          new Date(instantToSeconds(details.timestamp) * 1000).toISOString(),
        )}.</p>`;
  const table =
    total === 0
      ? '<p>No affected ExoPhones.</p>'
      : `<table><thead><tr><th>SID</th><th>Phone number</th><th>Direction</th><th>Affected for</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>${total > rows.length ? `<p>…and ${total - rows.length} more (see /metrics).</p>` : ''}`;
  return `<section>
<h2>Account ${escapeHtml(account)} <span class="status ${status}">${escapeHtml(label)}</span></h2>
<p>Affected incoming: ${details?.since.incoming.size ?? 0} · outgoing: ${details?.since.outgoing.size ?? 0} · last heartbeat received: ${age}</p>
${detailAge}${table}
</section>`;
}

function row(
  sid: string,
  phone: string,
  direction: Direction,
  since: number,
  nowMs: number,
): string {
  return `<tr><td>${escapeHtml(sid)}</td><td>${escapeHtml(phone)}</td><td>${direction}</td><td>${formatAge(nowMs - since * 1000)}</td></tr>`;
}

export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
