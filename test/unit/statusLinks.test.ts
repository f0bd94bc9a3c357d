import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { grafanaAccountUrl, RUNBOOK_URL, runbookAlert, runbookUrl } from '../../src/ui/links.js';
import type { AccountSummary } from '../../src/status/accountSummary.js';

const rules = parse(
  readFileSync(new URL('../../alerts/exotel.rules.yml', import.meta.url), 'utf8'),
) as {
  groups: { rules: { alert?: string; annotations?: { runbook_url?: string } }[] }[];
};
const runbookUrls = new Map(
  rules.groups
    .flatMap((g) => g.rules)
    .filter((r) => r.alert !== undefined)
    .map((r) => [r.alert ?? '', r.annotations?.runbook_url ?? '']),
);

function anchorOf(url: string | undefined): string {
  const anchor = url?.split('#')[1];
  if (anchor === undefined || anchor === '')
    throw new Error(`runbook_url without an anchor: ${url}`);
  return anchor;
}

const base: AccountSummary = {
  account: 'acme',
  status: 'OK',
  freshness: 'on_time',
  lastReceivedMs: 1,
  ageMs: 0,
  heartbeatSeconds: 1,
  detailsSeconds: 1,
  incoming: 0,
  outgoing: 0,
  affected: [],
  affectedTotal: 0,
};

describe('status page links', () => {
  it('point at the runbook the exporter serves, relative to the page', () => {
    expect(RUNBOOK_URL).toBe('runbook');
    expect(new URL(runbookUrl('ExotelStatusCritical'), 'https://x.example/status/').href).toBe(
      'https://x.example/status/runbook#exotelstatuscritical',
    );
  });

  it.each<[Partial<AccountSummary>, string | null]>([
    [{ freshness: 'never', status: null }, 'ExotelHeartbeatNeverReceived'],
    [{ freshness: 'missing', status: 'CRITICAL' }, 'ExotelHeartbeatMissing'],
    [{ status: 'CRITICAL' }, 'ExotelStatusCritical'],
    [{ status: 'WARNING', freshness: 'late' }, 'ExotelStatusWarning'],
    [{ status: 'PAYLOAD_TOO_LARGE' }, 'ExotelPayloadTooLarge'],
    [{ incoming: 2 }, 'ExotelExoPhoneIncomingAffected'],
    [{ outgoing: 1 }, 'ExotelExoPhoneOutgoingAffected'],
    [{}, null],
  ])('link %j to the section the alert links (%s)', (change, alert) => {
    const chosen = runbookAlert({ ...base, ...change });
    expect(chosen).toBe(alert);
    if (alert === null) expect(runbookUrl(chosen)).toBe(RUNBOOK_URL);
    // The same section (anchor) as the alert's own runbook_url, wherever that points.
    else expect(runbookUrl(chosen)).toBe(`${RUNBOOK_URL}#${anchorOf(runbookUrls.get(alert))}`);
  });

  it('select the account on the Grafana dashboard, keeping the configured parameters', () => {
    expect(grafanaAccountUrl('https://g.example/d/exotel-heartbeat?orgId=2', 'acme')).toBe(
      'https://g.example/d/exotel-heartbeat?orgId=2&var-account=acme',
    );
    expect(grafanaAccountUrl('https://g.example/d/x?var-account=old', 'new')).toBe(
      'https://g.example/d/x?var-account=new',
    );
  });
});
