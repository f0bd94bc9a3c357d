/**
 * Ordering by the heartbeat's own timestamp: retries, late arrivals, same-timestamp conflicts and
 * timestamps from the future, each on its own account of one shared exporter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountsIn,
  changedKeys,
  expectError,
  expectOutcome,
  fixture,
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
  seriesKey,
  T0,
  type HeartbeatSpec,
} from '../helpers/http.js';

const SID_A = '07930061010';
const SID_B = '08030752522';
const PHONES = { [SID_A]: '+917930061010', [SID_B]: '+918030752522' };

let exporter: ExporterInProcess;
let tolerant: ExporterInProcess;

beforeAll(async () => {
  [exporter, tolerant] = await Promise.all([
    startExporterInProcess(),
    startExporterInProcess({ FUTURE_TOLERANCE_SECONDS: '30' }),
  ]);
});

afterAll(async () => {
  await stopAllInProcess();
});

async function post(account: string, spec: HeartbeatSpec, to = exporter) {
  return postHeartbeat(heartbeatUrl(to.url, account), heartbeat(spec));
}

const received = (account: string, status: string) =>
  seriesKey('exotel_heartbeats_received_total', { account, status });
const lastReceived = (account: string) =>
  seriesKey('exotel_heartbeat_last_received_timestamp_seconds', { account });
const counter = (name: string, account: string) => seriesKey(name, { account });

/**
 * A heartbeat that is acknowledged but not applied (a retry, a late one) moves the received
 * counter, its own outcome counter and last-received, which lands within the request's window;
 * nothing else of the account changes.
 */
function expectOnlyCountersAndLastReceivedMoved(
  account: string,
  outcomeCounter: string,
  seen: {
    before: Parameters<typeof changedKeys>[0];
    after: Parameters<typeof changedKeys>[1];
    sentAt: number;
    answeredBy: number;
  },
): void {
  const allowed = [
    received(account, 'CRITICAL'),
    counter(outcomeCounter, account),
    lastReceived(account),
  ];
  expect(changedKeys(seen.before, seen.after).filter((key) => !allowed.includes(key))).toEqual([]);
  const last = Math.round((seen.after.get(lastReceived(account)) ?? 0) * 1000);
  expect(last).toBeGreaterThanOrEqual(seen.sentAt);
  expect(last).toBeLessThanOrEqual(seen.answeredBy);
}

describe('retries', () => {
  it('applies the first copy and counts the next two as duplicates', async () => {
    const account = 'retry';
    const body = fixture('vendor-scenario-3-critical.json');
    const url = heartbeatUrl(exporter.url, account);

    expectOutcome(await postHeartbeat(url, body), 'applied');
    const applied = (await scrape(exporter.url)).metrics.account(account);
    expectOutcome(await postHeartbeat(url, body), 'duplicate');
    const sentAt = Date.now();
    expectOutcome(await postHeartbeat(url, body), 'duplicate');
    const answeredBy = Date.now();

    const { metrics } = await scrape(exporter.url);
    const after = metrics.account(account);
    expect(metrics.value('exotel_heartbeats_duplicate_total', { account })).toBe(2);
    expect(metrics.value('exotel_heartbeats_received_total', { account, status: 'CRITICAL' })).toBe(
      3,
    );
    expect(metrics.value('exotel_heartbeats_conflict_total', { account })).toBe(0);
    expect(metrics.value('exotel_heartbeats_out_of_order_total', { account })).toBe(0);
    // Nothing else moved: the retries changed counters and last-received only.
    expectOnlyCountersAndLastReceivedMoved(account, 'exotel_heartbeats_duplicate_total', {
      before: applied,
      after,
      sentAt,
      answeredBy,
    });
  });

  it('treats the same sets in another order, or the same instant in another offset, as a duplicate', async () => {
    const account = 'retry-reordered';
    const spec = {
      status: 'CRITICAL' as const,
      incoming: [SID_A, SID_B],
      outgoing: [SID_B],
      phones: PHONES,
    };
    expectOutcome(await post(account, { ...spec, timestamp: '2024-01-01T00:00:00Z' }), 'applied');
    expectOutcome(
      await post(account, {
        ...spec,
        incoming: [SID_B, SID_A, SID_B],
        timestamp: '2024-01-01T05:30:00+05:30',
      }),
      'duplicate',
    );
    const { metrics } = await scrape(exporter.url);
    expect(metrics.value('exotel_heartbeats_duplicate_total', { account })).toBe(1);
    expect(metrics.value('exotel_heartbeats_conflict_total', { account })).toBe(0);
  });
});

describe('out of order', () => {
  it('acknowledges an older heartbeat with 200 and changes nothing but counters and last-received', async () => {
    const account = 'late';
    expectOutcome(
      await post(account, {
        timestamp: iso(T0 + 600),
        status: 'WARNING',
        incoming: [SID_A],
        phones: PHONES,
      }),
      'applied',
    );
    const before = (await scrape(exporter.url)).metrics.account(account);
    const sentAt = Date.now();
    expectOutcome(
      await post(account, {
        timestamp: iso(T0 + 300),
        status: 'CRITICAL',
        incoming: [SID_A, SID_B],
        outgoing: [SID_B],
        phones: PHONES,
      }),
      'out_of_order',
    );
    const answeredBy = Date.now();
    const { metrics } = await scrape(exporter.url);
    const after = metrics.account(account);

    expect(statusSet(metrics, account)).toEqual(onlyStatus('WARNING'));
    expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account })).toBe(T0 + 600);
    expect(perSid(metrics, 'exotel_exophone_affected', account)).toEqual({
      [`incoming ${SID_A} +917930061010`]: 1,
    });
    expect(metrics.value('exotel_heartbeats_out_of_order_total', { account })).toBe(1);
    expect(metrics.value('exotel_heartbeats_received_total', { account, status: 'CRITICAL' })).toBe(
      1,
    );
    expectOnlyCountersAndLastReceivedMoved(account, 'exotel_heartbeats_out_of_order_total', {
      before,
      after,
      sentAt,
      answeredBy,
    });
  });

  it('orders by the full fractional precision of the timestamp', async () => {
    const account = 'late-nanos';
    expectOutcome(
      await post(account, {
        timestamp: '2024-01-01T00:00:00.000000002Z',
        status: 'WARNING',
        incoming: [SID_A],
      }),
      'applied',
    );
    expectOutcome(
      await post(account, { timestamp: '2024-01-01T00:00:00.000000001Z', status: 'OK' }),
      'out_of_order',
    );
    expectOutcome(
      await post(account, { timestamp: '2024-01-01T00:00:00.000000003Z', status: 'OK' }),
      'applied',
    );
    const { metrics } = await scrape(exporter.url);
    expect(statusSet(metrics, account)).toEqual(onlyStatus('OK'));
  });
});

describe('same timestamp, different content', () => {
  it('applies it (the later arrival wins) and counts a conflict', async () => {
    const account = 'clash';
    const t = iso(T0 + 900);
    expectOutcome(
      await post(account, { timestamp: t, status: 'WARNING', incoming: [SID_A], phones: PHONES }),
      'applied',
    );
    expectOutcome(
      await post(account, { timestamp: t, status: 'WARNING', incoming: [SID_B], phones: PHONES }),
      'conflict',
    );

    let { metrics } = await scrape(exporter.url);
    expect(perSid(metrics, 'exotel_exophone_affected', account)).toEqual({
      [`incoming ${SID_B} +918030752522`]: 1,
    });
    expect(metrics.value('exotel_heartbeats_conflict_total', { account })).toBe(1);

    // The winner's retry is a duplicate; another status at the same instant wins again.
    expectOutcome(
      await post(account, { timestamp: t, status: 'WARNING', incoming: [SID_B], phones: PHONES }),
      'duplicate',
    );
    expectOutcome(
      await post(account, {
        timestamp: t,
        status: 'CRITICAL',
        incoming: [SID_A, SID_B],
        phones: PHONES,
      }),
      'conflict',
    );
    ({ metrics } = await scrape(exporter.url));
    expect(statusSet(metrics, account)).toEqual(onlyStatus('CRITICAL'));
    expect(metrics.value('exotel_heartbeats_conflict_total', { account })).toBe(2);
    expect(metrics.value('exotel_heartbeats_duplicate_total', { account })).toBe(1);
    expect(metrics.value('exotel_heartbeats_received_total', { account, status: 'WARNING' })).toBe(
      3,
    );
    expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account })).toBe(T0 + 900);
  });

  it('keeps the streak of a SID the earlier version already listed', async () => {
    const account = 'clash-since';
    const t1 = T0 + 60;
    const t2 = T0 + 120;
    expectOutcome(
      await post(account, {
        timestamp: iso(t1),
        status: 'WARNING',
        incoming: [SID_A],
        phones: PHONES,
      }),
      'applied',
    );
    expectOutcome(
      await post(account, {
        timestamp: iso(t2),
        status: 'WARNING',
        incoming: [SID_A],
        phones: PHONES,
      }),
      'applied',
    );
    expectOutcome(
      await post(account, {
        timestamp: iso(t2),
        status: 'WARNING',
        incoming: [SID_A, SID_B],
        phones: PHONES,
      }),
      'conflict',
    );
    const { metrics } = await scrape(exporter.url);
    expect(perSid(metrics, 'exotel_exophone_affected_since_timestamp_seconds', account)).toEqual({
      [`incoming ${SID_A} +917930061010`]: t1,
      [`incoming ${SID_B} +918030752522`]: t2,
    });
  });
});

describe('timestamps from the future', () => {
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  it('refuses more than 300 s ahead with 422 and changes nothing, for a new account', async () => {
    const before = await scrape(exporter.url);
    const result = await post('future-new', { timestamp: iso(nowSeconds() + 400), status: 'OK' });
    expectError(result, 422, 'future_timestamp');
    const after = await scrape(exporter.url);
    expect(domainLines(after.text)).toBe(domainLines(before.text));
    expect(accountsIn(after.metrics)).not.toContain('future-new');
    expect(
      after.metrics.value('exotel_heartbeats_rejected_total', { reason: 'future_timestamp' }),
    ).toBe(
      before.metrics.value('exotel_heartbeats_rejected_total', { reason: 'future_timestamp' }) + 1,
    );
  });

  it('refuses it for an existing account without touching its state or last-received', async () => {
    const account = 'future';
    expectOutcome(
      await post(account, { timestamp: iso(T0), status: 'WARNING', incoming: [SID_A] }),
      'applied',
    );
    const before = await scrape(exporter.url);
    expectError(
      await post(account, { timestamp: iso(nowSeconds() + 3600), status: 'OK' }),
      422,
      'future_timestamp',
    );
    const after = await scrape(exporter.url);
    expect(domainLines(after.text)).toBe(domainLines(before.text));
  });

  it('accepts a timestamp ahead of the clock but within the tolerance', async () => {
    const account = 'future';
    const ahead = nowSeconds() + 200;
    expectOutcome(await post(account, { timestamp: iso(ahead), status: 'OK' }), 'applied');
    const { metrics } = await scrape(exporter.url);
    expect(statusSet(metrics, account)).toEqual(onlyStatus('OK'));
    expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account })).toBe(ahead);
  });

  it('follows FUTURE_TOLERANCE_SECONDS', async () => {
    const account = 'future-tight';
    const before = await scrape(tolerant.url);
    // 120 s ahead is fine with the default tolerance (see above) but not with 30 s.
    expectError(
      await post(account, { timestamp: iso(nowSeconds() + 120), status: 'OK' }, tolerant),
      422,
      'future_timestamp',
    );
    expect(domainLines((await scrape(tolerant.url)).text)).toBe(domainLines(before.text));
    const ahead = nowSeconds() + 10;
    expectOutcome(
      await post(account, { timestamp: iso(ahead), status: 'OK' }, tolerant),
      'applied',
    );
    const { metrics } = await scrape(tolerant.url);
    expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account })).toBe(ahead);
  });
});
