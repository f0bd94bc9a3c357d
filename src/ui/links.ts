import type { AccountSummary } from '../status/accountSummary.js';

/**
 * The runbook this exporter serves (GET /runbook, docs/runbook.md rendered at start-up), relative
 * like the page's other links so it works behind a path prefix. On-call lands on the status page
 * from an alert, so the page links the same sections the alerts' `runbook_url` does; a unit test
 * keeps the anchors in step.
 */
export const RUNBOOK_URL = 'runbook';

/** The runbook section (alert name) that matches what the page shows for an account, if any. */
export function runbookAlert(summary: AccountSummary): string | null {
  if (summary.freshness === 'never') return 'ExotelHeartbeatNeverReceived';
  if (summary.freshness === 'missing') return 'ExotelHeartbeatMissing';
  switch (summary.status) {
    case 'CRITICAL':
      return 'ExotelStatusCritical';
    case 'WARNING':
      return 'ExotelStatusWarning';
    case 'PAYLOAD_TOO_LARGE':
      return 'ExotelPayloadTooLarge';
    default:
      if (summary.incoming > 0) return 'ExotelExoPhoneIncomingAffected';
      if (summary.outgoing > 0) return 'ExotelExoPhoneOutgoingAffected';
      return null;
  }
}

/**
 * A section's anchor is its heading as GitHub names it (github-slugger, via marked-gfm-heading-id);
 * for an alert-name heading that is the name in lower case.
 */
export function runbookUrl(alert: string | null): string {
  return alert === null ? RUNBOOK_URL : `${RUNBOOK_URL}#${alert.toLowerCase()}`;
}

/**
 * The dashboard URL with the account selected (its `account` variable), keeping whatever the
 * configured URL already carries (org id, time range).
 */
export function grafanaAccountUrl(grafanaUrl: string, account: string): string {
  const url = new URL(grafanaUrl);
  url.searchParams.set('var-account', account);
  return url.toString();
}
