import { attentionRank, summarizeAccounts } from '../status/accountSummary.js';
import type { RecentHeartbeat } from '../status/recentHeartbeats.js';
import type { StoreSnapshot } from '../state/store.js';
import { accountSection, overviewRow } from './accountSection.js';
import { formatUtc } from './format.js';
import { escapeHtml } from './html.js';
import { RUNBOOK_URL } from './links.js';
import { recentTable } from './recentTable.js';

/** Rows per account table; a CRITICAL at a large account must not produce a 20 MB page. */
export const MAX_ROWS_PER_ACCOUNT = 500;

export interface StatusPageOptions {
  readonly heartbeatIntervalSeconds: number;
  /** The Grafana dashboard to link, or null. */
  readonly grafanaUrl: string | null;
  /** Seconds between automatic reloads; 0 turns them off. */
  readonly refreshSeconds: number;
  /**
   * The replica serving the page. Behind a load balancer each replica shows only what it
   * received; the merged view is Prometheus's (README "High availability").
   */
  readonly replica: string;
}

/**
 * The landing page on-call opens when an alert fires: every account (those needing attention
 * first) with its status, heartbeat age and affected ExoPhones, then the recent heartbeat
 * requests. Pure: the same snapshot, requests, time and options give the same page. No script;
 * the style sheet is served separately so the Content-Security-Policy needs no 'unsafe-inline'.
 */
export function renderStatusPage(
  snapshot: StoreSnapshot,
  recent: readonly RecentHeartbeat[],
  nowMs: number,
  options: StatusPageOptions,
): string {
  const accounts = summarizeAccounts(snapshot, nowMs, {
    heartbeatIntervalSeconds: options.heartbeatIntervalSeconds,
    maxRows: MAX_ROWS_PER_ACCOUNT,
  });
  const needAttention = accounts.filter((summary) => attentionRank(summary) <= 1).length;
  const title = `${needAttention > 0 ? `${needAttention} need attention · ` : ''}Exotel heartbeat exporter`;
  const refresh =
    options.refreshSeconds > 0
      ? `<meta http-equiv="refresh" content="${options.refreshSeconds}">\n`
      : '';
  const nav = [
    '<a href="metrics">Metrics</a>',
    '<a href="api/v1/status">Status as JSON</a>',
    `<a href="${escapeHtml(RUNBOOK_URL)}">Runbook</a>`,
    ...(options.grafanaUrl === null
      ? []
      : [`<a href="${escapeHtml(options.grafanaUrl)}">Grafana dashboard</a>`]),
    '<a href="-/healthy">Health</a>',
    '<a href="-/ready">Readiness</a>',
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refresh}<title>${title}</title>
<link rel="stylesheet" href="status.css">
<link rel="icon" href="favicon.svg" type="image/svg+xml">
</head>
<body>
<header>
<h1>Exotel heartbeat exporter</h1>
<p class="meta">As of <time datetime="${new Date(nowMs).toISOString()}">${formatUtc(nowMs)}</time> · replica <code class="replica">${escapeHtml(options.replica)}</code> · ${refreshControl(options.refreshSeconds)}</p>
<nav>${nav.join('\n')}</nav>
</header>
<main>
<section>
<h2>Accounts</h2>
<div class="scroll"><table class="overview"><thead><tr><th>Account</th><th>Status</th><th>Heartbeats</th><th>Last received</th><th class="num wide">Incoming affected</th><th class="num wide">Outgoing affected</th></tr></thead>
<tbody>
${accounts.map(overviewRow).join('\n')}
</tbody></table></div>
</section>
${accounts.map((summary) => accountSection(summary, nowMs, options)).join('\n')}
${recentTable(recent, nowMs)}
</main>
</body>
</html>
`;
}

/** A plain link either way: turning auto-refresh off must work without JavaScript. */
function refreshControl(refreshSeconds: number): string {
  return refreshSeconds > 0
    ? `<span id="refresh-state">Reloads every ${refreshSeconds}s</span> · <a id="refresh-toggle" href="?refresh=0">Stop auto-refresh</a>`
    : `<span id="refresh-state">Auto-refresh is off</span> · <a id="refresh-toggle" href="?">Turn auto-refresh on</a>`;
}
