/**
 * The vendor's documented examples, byte for byte, against the whole exporter (in process), plus how per-SID
 * detail evolves across heartbeats (affected-since streaks, PAYLOAD_TOO_LARGE). One exporter per
 * mode; tests isolate themselves by account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountsIn,
  affectedCounts,
  expectError,
  expectOutcome,
  fixture,
  onlyStatus,
  perSid,
  statusSet,
  VENDOR_TIMESTAMP,
} from '../helpers/domain.js';
import {
  startExporterInProcess,
  stopAllInProcess,
  type ExporterInProcess,
} from '../helpers/exporterInProcess.js';
import {
  heartbeat,
  heartbeatUrl,
  iso,
  postHeartbeat,
  scrape,
  T0,
  type Exposition,
  type HeartbeatSpec,
} from '../helpers/http.js';

const SID_A = '07930061010';
const SID_B = '08030752522';
const SID_C = '02230001111';
const PHONE_A = '+917930061010';
const PHONE_B = '+918030752522';
const PHONE_C = '+912230001111';
const PHONES = { [SID_A]: PHONE_A, [SID_B]: PHONE_B, [SID_C]: PHONE_C };

let exporter: ExporterInProcess;
let strict: ExporterInProcess;

beforeAll(async () => {
  [exporter, strict] = await Promise.all([
    startExporterInProcess(),
    startExporterInProcess({ STRICT_JSON: 'true' }),
  ]);
});

afterAll(async () => {
  await stopAllInProcess();
});

function repairs(metrics: Exposition): { trailing_comma: number; timestamp_suffix: number } {
  return {
    trailing_comma: metrics.value('exotel_heartbeat_repairs_total', { kind: 'trailing_comma' }),
    timestamp_suffix: metrics.value('exotel_heartbeat_repairs_total', { kind: 'timestamp_suffix' }),
  };
}

function receivedTotals(metrics: Exposition, account: string): Record<string, number> {
  return Object.fromEntries(
    (['OK', 'WARNING', 'CRITICAL', 'PAYLOAD_TOO_LARGE'] as const).map((status) => [
      status,
      metrics.value('exotel_heartbeats_received_total', { account, status }),
    ]),
  );
}

async function post(account: string | null, spec: HeartbeatSpec) {
  return postHeartbeat(heartbeatUrl(exporter.url, account), heartbeat(spec));
}

async function postVendor(target: ExporterInProcess, account: string | null, name: string) {
  return postHeartbeat(heartbeatUrl(target.url, account), fixture(name));
}

describe('before any heartbeat', () => {
  it('exposes the default account with every status 0 and last-received 0', async () => {
    const { metrics } = await scrape(exporter.url);
    expect(accountsIn(metrics)).toEqual(['default']);
    expect(statusSet(metrics, 'default')).toEqual(onlyStatus(null));
    expect(
      metrics.value('exotel_heartbeat_last_received_timestamp_seconds', { account: 'default' }),
    ).toBe(0);
    expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account: 'default' })).toBe(0);
    expect(metrics.value('exotel_exophone_details_timestamp_seconds', { account: 'default' })).toBe(
      0,
    );
    expect(affectedCounts(metrics, 'default')).toEqual({ incoming: 0, outgoing: 0 });
    expect(metrics.select('exotel_exophone_affected')).toEqual([]);
    expect(receivedTotals(metrics, 'default')).toEqual(onlyStatus(null));
    expect(repairs(metrics)).toEqual({ trailing_comma: 0, timestamp_suffix: 0 });
  });
});

describe('vendor examples, byte for byte', () => {
  it('scenario 1 (OK) sets OK and lists no ExoPhones', async () => {
    const before = (await scrape(exporter.url)).metrics;
    const sentAt = Date.now();
    expectOutcome(await postVendor(exporter, 'vendor-ok', 'vendor-scenario-1-ok.json'), 'applied');
    const receivedBy = Date.now();
    const { metrics } = await scrape(exporter.url);

    const account = 'vendor-ok';
    expect(statusSet(metrics, account)).toEqual(onlyStatus('OK'));
    expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account })).toBe(VENDOR_TIMESTAMP);
    expect(metrics.value('exotel_exophone_details_timestamp_seconds', { account })).toBe(
      VENDOR_TIMESTAMP,
    );
    const lastReceived = metrics.value('exotel_heartbeat_last_received_timestamp_seconds', {
      account,
    });
    expect(Math.round(lastReceived * 1000)).toBeGreaterThanOrEqual(sentAt);
    expect(Math.round(lastReceived * 1000)).toBeLessThanOrEqual(receivedBy);
    expect(affectedCounts(metrics, account)).toEqual({ incoming: 0, outgoing: 0 });
    expect(perSid(metrics, 'exotel_exophone_affected', account)).toEqual({});
    expect(perSid(metrics, 'exotel_exophone_affected_since_timestamp_seconds', account)).toEqual(
      {},
    );
    expect(metrics.value('exotel_exophone_series_dropped', { account })).toBe(0);
    expect(receivedTotals(metrics, account)).toEqual(onlyStatus('OK'));
    expect(repairs(metrics)).toEqual(repairs(before));
  });

  it('scenario 2 (WARNING) is accepted after repairing the trailing comma and the `>`', async () => {
    const before = repairs((await scrape(exporter.url)).metrics);
    expectOutcome(
      await postVendor(exporter, 'vendor-warning', 'vendor-scenario-2-warning.json'),
      'applied',
    );
    const { metrics } = await scrape(exporter.url);

    const account = 'vendor-warning';
    expect(statusSet(metrics, account)).toEqual(onlyStatus('WARNING'));
    expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account })).toBe(VENDOR_TIMESTAMP);
    expect(metrics.value('exotel_exophone_details_timestamp_seconds', { account })).toBe(
      VENDOR_TIMESTAMP,
    );
    expect(affectedCounts(metrics, account)).toEqual({ incoming: 1, outgoing: 0 });
    expect(perSid(metrics, 'exotel_exophone_affected', account)).toEqual({
      [`incoming ${SID_A} ${PHONE_A}`]: 1,
    });
    expect(perSid(metrics, 'exotel_exophone_affected_since_timestamp_seconds', account)).toEqual({
      [`incoming ${SID_A} ${PHONE_A}`]: VENDOR_TIMESTAMP,
    });
    expect(receivedTotals(metrics, account)).toEqual(onlyStatus('WARNING'));
    expect(repairs(metrics)).toEqual({
      trailing_comma: before.trailing_comma + 1,
      timestamp_suffix: before.timestamp_suffix + 1,
    });
  });

  it('scenario 3 (CRITICAL) is accepted after repairing the trailing commas', async () => {
    const before = repairs((await scrape(exporter.url)).metrics);
    expectOutcome(
      await postVendor(exporter, 'vendor-critical', 'vendor-scenario-3-critical.json'),
      'applied',
    );
    const { metrics } = await scrape(exporter.url);

    const account = 'vendor-critical';
    expect(statusSet(metrics, account)).toEqual(onlyStatus('CRITICAL'));
    expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account })).toBe(VENDOR_TIMESTAMP);
    expect(metrics.value('exotel_exophone_details_timestamp_seconds', { account })).toBe(
      VENDOR_TIMESTAMP,
    );
    expect(affectedCounts(metrics, account)).toEqual({ incoming: 2, outgoing: 1 });
    expect(perSid(metrics, 'exotel_exophone_affected', account)).toEqual({
      [`incoming ${SID_A} ${PHONE_A}`]: 1,
      [`incoming ${SID_B} ${PHONE_B}`]: 1,
      [`outgoing ${SID_A} ${PHONE_A}`]: 1,
    });
    expect(perSid(metrics, 'exotel_exophone_affected_since_timestamp_seconds', account)).toEqual({
      [`incoming ${SID_A} ${PHONE_A}`]: VENDOR_TIMESTAMP,
      [`incoming ${SID_B} ${PHONE_B}`]: VENDOR_TIMESTAMP,
      [`outgoing ${SID_A} ${PHONE_A}`]: VENDOR_TIMESTAMP,
    });
    expect(receivedTotals(metrics, account)).toEqual(onlyStatus('CRITICAL'));
    // One repair per heartbeat, however many commas it had; the timestamp needed none.
    expect(repairs(metrics)).toEqual({
      trailing_comma: before.trailing_comma + 1,
      timestamp_suffix: before.timestamp_suffix,
    });
  });

  it('keeps a separate state per account, and POST /heartbeat feeds `default`', async () => {
    const before = (await scrape(exporter.url)).metrics;
    // The three vendor accounts kept their own state side by side.
    expect(statusSet(before, 'vendor-ok')).toEqual(onlyStatus('OK'));
    expect(statusSet(before, 'vendor-warning')).toEqual(onlyStatus('WARNING'));
    expect(statusSet(before, 'vendor-critical')).toEqual(onlyStatus('CRITICAL'));
    expect(statusSet(before, 'default')).toEqual(onlyStatus(null));

    expectOutcome(await postVendor(exporter, null, 'vendor-scenario-2-warning.json'), 'applied');
    const { metrics } = await scrape(exporter.url);
    expect(statusSet(metrics, 'default')).toEqual(onlyStatus('WARNING'));
    expect(perSid(metrics, 'exotel_exophone_affected', 'default')).toEqual({
      [`incoming ${SID_A} ${PHONE_A}`]: 1,
    });
    for (const account of ['vendor-ok', 'vendor-warning', 'vendor-critical']) {
      expect(metrics.account(account), account).toEqual(before.account(account));
    }
  });
});

describe('STRICT_JSON=true', () => {
  it('accepts scenario 1 and refuses the two examples that need repairs', async () => {
    expectOutcome(await postVendor(strict, 'one', 'vendor-scenario-1-ok.json'), 'applied');
    expectError(
      await postVendor(strict, 'two', 'vendor-scenario-2-warning.json'),
      400,
      'invalid_json',
    );
    expectError(
      await postVendor(strict, 'three', 'vendor-scenario-3-critical.json'),
      400,
      'invalid_json',
    );

    const { metrics } = await scrape(strict.url);
    expect(statusSet(metrics, 'one')).toEqual(onlyStatus('OK'));
    expect(accountsIn(metrics)).toEqual(['default', 'one']);
    expect(repairs(metrics)).toEqual({ trailing_comma: 0, timestamp_suffix: 0 });
    expect(metrics.value('exotel_heartbeats_rejected_total', { reason: 'invalid_json' })).toBe(2);
  });

  it('refuses the `>` after the zone even in otherwise strict JSON', async () => {
    const body = heartbeat({ timestamp: '2018-08-22T15:19:23Z>', status: 'OK' });
    expectError(
      await postHeartbeat(heartbeatUrl(strict.url, 'four'), body),
      400,
      'invalid_payload',
    );
    const { metrics } = await scrape(strict.url);
    expect(accountsIn(metrics)).not.toContain('four');
    expect(repairs(metrics)).toEqual({ trailing_comma: 0, timestamp_suffix: 0 });
  });
});

describe('affected-since across heartbeats', () => {
  const account = 'streak';
  const since = async () =>
    perSid(
      (await scrape(exporter.url)).metrics,
      'exotel_exophone_affected_since_timestamp_seconds',
      account,
    );

  it('keeps a streak while listed, starts one for a newly listed SID, drops unlisted SIDs', async () => {
    const t1 = T0 + 60;
    const t2 = T0 + 120;
    const t3 = T0 + 180;
    const t4 = T0 + 240;

    expectOutcome(
      await post(account, {
        timestamp: iso(t1),
        status: 'WARNING',
        incoming: [SID_A, SID_B],
        outgoing: [SID_A],
        phones: PHONES,
      }),
      'applied',
    );
    expect(await since()).toEqual({
      [`incoming ${SID_A} ${PHONE_A}`]: t1,
      [`incoming ${SID_B} ${PHONE_B}`]: t1,
      [`outgoing ${SID_A} ${PHONE_A}`]: t1,
    });

    // A stays listed (incoming only), B is gone, C is new, outgoing is clear.
    expectOutcome(
      await post(account, {
        timestamp: iso(t2),
        status: 'WARNING',
        incoming: [SID_A, SID_C],
        outgoing: [],
        phones: PHONES,
      }),
      'applied',
    );
    let { metrics, text } = await scrape(exporter.url);
    expect(perSid(metrics, 'exotel_exophone_affected_since_timestamp_seconds', account)).toEqual({
      [`incoming ${SID_A} ${PHONE_A}`]: t1,
      [`incoming ${SID_C} ${PHONE_C}`]: t2,
    });
    expect(perSid(metrics, 'exotel_exophone_affected', account)).toEqual({
      [`incoming ${SID_A} ${PHONE_A}`]: 1,
      [`incoming ${SID_C} ${PHONE_C}`]: 1,
    });
    expect(text).not.toMatch(new RegExp(`account="${account}",sid="${SID_B}"`));
    expect(affectedCounts(metrics, account)).toEqual({ incoming: 2, outgoing: 0 });
    expect(metrics.value('exotel_exophone_details_timestamp_seconds', { account })).toBe(t2);

    // B comes back: a new streak, not the old one. Outgoing A starts over too.
    expectOutcome(
      await post(account, {
        timestamp: iso(t3),
        status: 'CRITICAL',
        incoming: [SID_A, SID_B, SID_C],
        outgoing: [SID_A],
        phones: PHONES,
      }),
      'applied',
    );
    expect(await since()).toEqual({
      [`incoming ${SID_A} ${PHONE_A}`]: t1,
      [`incoming ${SID_B} ${PHONE_B}`]: t3,
      [`incoming ${SID_C} ${PHONE_C}`]: t2,
      [`outgoing ${SID_A} ${PHONE_A}`]: t3,
    });

    // OK clears everything.
    expectOutcome(await post(account, { timestamp: iso(t4), status: 'OK' }), 'applied');
    ({ metrics, text } = await scrape(exporter.url));
    expect(statusSet(metrics, account)).toEqual(onlyStatus('OK'));
    expect(perSid(metrics, 'exotel_exophone_affected', account)).toEqual({});
    expect(perSid(metrics, 'exotel_exophone_affected_since_timestamp_seconds', account)).toEqual(
      {},
    );
    expect(affectedCounts(metrics, account)).toEqual({ incoming: 0, outgoing: 0 });
    expect(metrics.value('exotel_exophone_details_timestamp_seconds', { account })).toBe(t4);
    expect(text).not.toContain(`account="${account}",sid=`);
  });

  it('labels a SID without a data entry with an empty phone number, and ignores unlisted data', async () => {
    const other = 'no-phone';
    expectOutcome(
      await post(other, {
        timestamp: iso(T0),
        status: 'WARNING',
        incoming: [SID_A],
        // B has a data entry but is in neither array: not affected.
        phones: { [SID_B]: PHONE_B },
      }),
      'applied',
    );
    const { metrics } = await scrape(exporter.url);
    expect(perSid(metrics, 'exotel_exophone_affected', other)).toEqual({
      [`incoming ${SID_A} `]: 1,
    });
    expect(affectedCounts(metrics, other)).toEqual({ incoming: 1, outgoing: 0 });
  });
});

describe('PAYLOAD_TOO_LARGE', () => {
  const account = 'too-large';

  it('keeps the last per-SID detail and its timestamp while the heartbeat timestamp moves on', async () => {
    const t1 = T0 + 600;
    const t2 = T0 + 660;
    const t3 = T0 + 720;
    const t4 = T0 + 780;
    const t5 = T0 + 840;
    expectOutcome(
      await post(account, {
        timestamp: iso(t1),
        status: 'WARNING',
        incoming: [SID_A, SID_B],
        outgoing: [SID_B],
        phones: PHONES,
      }),
      'applied',
    );
    const warning = (await scrape(exporter.url)).metrics;
    const detail = {
      affected: perSid(warning, 'exotel_exophone_affected', account),
      since: perSid(warning, 'exotel_exophone_affected_since_timestamp_seconds', account),
      counts: affectedCounts(warning, account),
    };
    expect(detail.counts).toEqual({ incoming: 2, outgoing: 1 });

    expectOutcome(
      await post(account, { timestamp: iso(t2), status: 'PAYLOAD_TOO_LARGE' }),
      'applied',
    );
    let { metrics } = await scrape(exporter.url);
    expect(statusSet(metrics, account)).toEqual(onlyStatus('PAYLOAD_TOO_LARGE'));
    expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account })).toBe(t2);
    expect(metrics.value('exotel_exophone_details_timestamp_seconds', { account })).toBe(t1);
    expect({
      affected: perSid(metrics, 'exotel_exophone_affected', account),
      since: perSid(metrics, 'exotel_exophone_affected_since_timestamp_seconds', account),
      counts: affectedCounts(metrics, account),
    }).toEqual(detail);
    expect(
      metrics.value('exotel_heartbeats_received_total', { account, status: 'PAYLOAD_TOO_LARGE' }),
    ).toBe(1);

    // Arrays a PAYLOAD_TOO_LARGE body might carry are ignored, not taken as detail.
    expectOutcome(
      await post(account, {
        timestamp: iso(t3),
        status: 'PAYLOAD_TOO_LARGE',
        incoming: [SID_C],
        phones: PHONES,
      }),
      'applied',
    );
    ({ metrics } = await scrape(exporter.url));
    expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account })).toBe(t3);
    expect(metrics.value('exotel_exophone_details_timestamp_seconds', { account })).toBe(t1);
    expect(perSid(metrics, 'exotel_exophone_affected_since_timestamp_seconds', account)).toEqual(
      detail.since,
    );

    // Detail again: A's streak survived the detail-less heartbeats, B's outgoing one ended.
    expectOutcome(
      await post(account, {
        timestamp: iso(t4),
        status: 'WARNING',
        incoming: [SID_A],
        phones: PHONES,
      }),
      'applied',
    );
    ({ metrics } = await scrape(exporter.url));
    expect(statusSet(metrics, account)).toEqual(onlyStatus('WARNING'));
    expect(metrics.value('exotel_exophone_details_timestamp_seconds', { account })).toBe(t4);
    expect(perSid(metrics, 'exotel_exophone_affected_since_timestamp_seconds', account)).toEqual({
      [`incoming ${SID_A} ${PHONE_A}`]: t1,
    });

    expectOutcome(await post(account, { timestamp: iso(t5), status: 'OK' }), 'applied');
    ({ metrics } = await scrape(exporter.url));
    expect(perSid(metrics, 'exotel_exophone_affected', account)).toEqual({});
    expect(metrics.value('exotel_exophone_details_timestamp_seconds', { account })).toBe(t5);
  });

  it('as the very first heartbeat, reports no detail at all (details timestamp 0)', async () => {
    const first = 'too-large-first';
    expectOutcome(
      await post(first, { timestamp: iso(T0), status: 'PAYLOAD_TOO_LARGE' }),
      'applied',
    );
    const { metrics } = await scrape(exporter.url);
    expect(statusSet(metrics, first)).toEqual(onlyStatus('PAYLOAD_TOO_LARGE'));
    expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account: first })).toBe(T0);
    expect(metrics.value('exotel_exophone_details_timestamp_seconds', { account: first })).toBe(0);
    expect(affectedCounts(metrics, first)).toEqual({ incoming: 0, outgoing: 0 });
  });
});

describe('values at the edge of what is accepted', () => {
  it('accepts a 63-character account, a 64-character SID of every allowed kind, a 15-digit number', async () => {
    const account = `edge-${'a'.repeat(58)}`;
    const sid = `Az09._:-${'x'.repeat(56)}`;
    const phone = '+919876543210123';
    expect(account).toHaveLength(63);
    expect(sid).toHaveLength(64);
    expectOutcome(
      await post(account, {
        timestamp: iso(T0),
        status: 'WARNING',
        incoming: [sid],
        phones: { [sid]: phone },
      }),
      'applied',
    );
    const { metrics } = await scrape(exporter.url);
    expect(perSid(metrics, 'exotel_exophone_affected', account)).toEqual({
      [`incoming ${sid} ${phone}`]: 1,
    });
  });

  it('accepts lower-case t and z, offsets, fractions and a leap second at the end of a UTC day', async () => {
    const account = 'edge-timestamps';
    const cases: [string, number][] = [
      ['2016-12-31t23:59:59z', 1483228799],
      ['2016-12-31T23:59:59.5Z', 1483228799.5],
      // Ordered after :59.5 and before the next day (its value, :59.999999999, rounds to a double
      // equal to midnight; the next heartbeat being "applied" shows the order is exact).
      ['2016-12-31T23:59:60Z', 1483228800],
      ['2017-01-01T05:30:00+05:30', 1483228800],
      ['2016-12-31T19:00:01-05:00', 1483228801],
    ];
    for (const [timestamp, seconds] of cases) {
      expectOutcome(await post(account, { timestamp, status: 'OK' }), 'applied');
      const { metrics } = await scrape(exporter.url);
      expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account }), timestamp).toBe(
        seconds,
      );
    }
  });
});
