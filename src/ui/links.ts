import type { AccountSummary } from '../status/accountSummary.js';

/**
 * The runbook every alert's `runbook_url` points at (alerts/exotel.rules.yml); a unit test keeps
 * the two in step. On-call lands here from an alert, so the page links the same sections.
 */
export const RUNBOOK_URL =
  'https://github.com/exotel-heartbeat-exporter/exotel-heartbeat-exporter/blob/main/docs/runbook.md';

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

/** GitHub's heading anchors are the lower-cased heading text. */
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
