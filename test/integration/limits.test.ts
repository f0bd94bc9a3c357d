/**
 * The cardinality bounds: MAX_ACCOUNTS (with `default` counted) and MAX_SID_SERIES (per-SID series
 * capped per account while the counts stay exact).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountsIn,
  affectedCounts,
  expectError,
  expectOutcome,
  onlyStatus,
  perSid,
  statusSet,
} from '../helpers/domain.js';
import {
  startExporterInProcess,
  stopAllInProcess,
  type ExporterInProcess,
} from '../helpers/exporterInProcess.js';
import {
  domainLines,
  heartbeat,
  heartbeatUrl,
  iso,
  postHeartbeat,
  scrape,
  T0,
  type HeartbeatSpec,
} from '../helpers/http.js';

let fewAccounts: ExporterInProcess;
let fewSeries: ExporterInProcess;

beforeAll(async () => {
  [fewAccounts, fewSeries] = await Promise.all([
    startExporterInProcess({ MAX_ACCOUNTS: '3' }),
    startExporterInProcess({ MAX_SID_SERIES: '5' }),
  ]);
});

afterAll(async () => {
  await stopAllInProcess();
});

async function post(to: ExporterInProcess, account: string | null, spec: HeartbeatSpec) {
  return postHeartbeat(heartbeatUrl(to.url, account), heartbeat(spec));
}

describe('MAX_ACCOUNTS=3', () => {
  it('takes two accounts besides default, refuses a third with 429, and keeps serving the others', async () => {
    expectOutcome(
      await post(fewAccounts, 'first', { timestamp: iso(T0), status: 'OK' }),
      'applied',
    );
    expectOutcome(
      await post(fewAccounts, 'second', {
        timestamp: iso(T0),
        status: 'WARNING',
        incoming: ['s1'],
      }),
      'applied',
    );

    const before = await scrape(fewAccounts.url);
    expectError(
      await post(fewAccounts, 'third', { timestamp: iso(T0), status: 'CRITICAL' }),
      429,
      'too_many_accounts',
    );
    const after = await scrape(fewAccounts.url);
    expect(domainLines(after.text)).toBe(domainLines(before.text));
    expect(accountsIn(after.metrics)).toEqual(['default', 'first', 'second']);
    expect(
      after.metrics.value('exotel_heartbeats_rejected_total', { reason: 'too_many_accounts' }),
    ).toBe(1);

    // Existing accounts, default included, still take heartbeats; the newcomer still does not.
    expectOutcome(
      await post(fewAccounts, 'first', { timestamp: iso(T0 + 60), status: 'CRITICAL' }),
      'applied',
    );
    expectOutcome(
      await post(fewAccounts, 'second', { timestamp: iso(T0 + 60), status: 'OK' }),
      'applied',
    );
    expectOutcome(
      await post(fewAccounts, null, { timestamp: iso(T0 + 60), status: 'WARNING' }),
      'applied',
    );
    expectError(
      await post(fewAccounts, 'third', { timestamp: iso(T0 + 60), status: 'OK' }),
      429,
      'too_many_accounts',
    );

    const { metrics } = await scrape(fewAccounts.url);
    expect(statusSet(metrics, 'first')).toEqual(onlyStatus('CRITICAL'));
    expect(statusSet(metrics, 'second')).toEqual(onlyStatus('OK'));
    expect(statusSet(metrics, 'default')).toEqual(onlyStatus('WARNING'));
    expect(accountsIn(metrics)).toEqual(['default', 'first', 'second']);
    expect(metrics.value('exotel_heartbeats_rejected_total', { reason: 'too_many_accounts' })).toBe(
      2,
    );
  });
});

describe('MAX_SID_SERIES=5', () => {
  const sids = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'];
  const phones = Object.fromEntries(sids.map((sid, i) => [sid, `+9180000000${i + 1}`]));
  const phone = (sid: string) => phones[sid] ?? '';

  it('renders 5 of 8 pairs per family, counts the other 3, and keeps the counts exact', async () => {
    const account = 'many';
    const t1 = T0 + 60;
    const t2 = T0 + 120;
    // s6-s8 are affected first, so they are the longest affected and must be the ones kept.
    expectOutcome(
      await post(fewSeries, account, {
        timestamp: iso(t1),
        status: 'WARNING',
        incoming: ['s6', 's7', 's8'],
        phones,
      }),
      'applied',
    );
    expectOutcome(
      await post(fewSeries, account, {
        timestamp: iso(t2),
        status: 'CRITICAL',
        incoming: sids,
        phones,
      }),
      'applied',
    );
    const { metrics } = await scrape(fewSeries.url);

    // Then ties (since = t2) are broken by SID: s1 and s2.
    const kept = { s6: t1, s7: t1, s8: t1, s1: t2, s2: t2 };
    expect(perSid(metrics, 'exotel_exophone_affected_since_timestamp_seconds', account)).toEqual(
      Object.fromEntries(
        Object.entries(kept).map(([sid, since]) => [`incoming ${sid} ${phone(sid)}`, since]),
      ),
    );
    expect(perSid(metrics, 'exotel_exophone_affected', account)).toEqual(
      Object.fromEntries(Object.keys(kept).map((sid) => [`incoming ${sid} ${phone(sid)}`, 1])),
    );
    expect(metrics.value('exotel_exophone_series_dropped', { account })).toBe(3);
    expect(affectedCounts(metrics, account)).toEqual({ incoming: 8, outgoing: 0 });
  });

  it('counts (SID, direction) pairs, not SIDs', async () => {
    const account = 'both-ways';
    const four = ['x1', 'x2', 'x3', 'x4'];
    expectOutcome(
      await post(fewSeries, account, {
        timestamp: iso(T0),
        status: 'CRITICAL',
        incoming: four,
        outgoing: four,
      }),
      'applied',
    );
    const { metrics } = await scrape(fewSeries.url);
    expect(perSid(metrics, 'exotel_exophone_affected', account)).toEqual({
      'incoming x1 ': 1,
      'outgoing x1 ': 1,
      'incoming x2 ': 1,
      'outgoing x2 ': 1,
      'incoming x3 ': 1,
    });
    expect(metrics.value('exotel_exophone_series_dropped', { account })).toBe(3);
    expect(affectedCounts(metrics, account)).toEqual({ incoming: 4, outgoing: 4 });
  });

  it('applies the cap per account and drops nothing once the outage shrinks', async () => {
    const account = 'many';
    expectOutcome(
      await post(fewSeries, account, {
        timestamp: iso(T0 + 180),
        status: 'WARNING',
        incoming: ['s1', 's8'],
        phones,
      }),
      'applied',
    );
    const { metrics } = await scrape(fewSeries.url);
    expect(metrics.value('exotel_exophone_series_dropped', { account })).toBe(0);
    expect(metrics.select('exotel_exophone_affected', { account })).toHaveLength(2);
    expect(affectedCounts(metrics, account)).toEqual({ incoming: 2, outgoing: 0 });
    // The other account is still capped on its own.
    expect(metrics.value('exotel_exophone_series_dropped', { account: 'both-ways' })).toBe(3);
    expect(metrics.value('exotel_exophone_series_dropped', { account: 'default' })).toBe(0);
  });
});
