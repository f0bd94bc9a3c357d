/**
 * The poll cycle in-process against the fake Exotel API (a real HTTP server), in virtual time:
 * paging rebuilt on the configured host, priority order, the details envelope, 404s, failures.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { heartbeat, at } from '../helpers/unit-heartbeats.js';
import { VirtualTime } from '../helpers/virtualTime.js';
import { waitFor } from '../helpers/http.js';
import { exophones, FakeExotel } from '../fakeExotel/fakeExotel.js';
import { inProcessFallback } from './inProcess.js';
import { detailMaps } from '../helpers/detailMaps.js';

const T = Date.UTC(2024, 0, 1, 10);
let fake: FakeExotel | null = null;
let closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
  await fake?.stop();
  fake = null;
});

async function setup(count: number, settings = {}) {
  const phones = exophones(count);
  const time = new VirtualTime(T);
  fake = await new FakeExotel({
    apiKey: 'key',
    apiToken: 'token',
    accountSid: 'acme1',
    exophones: phones,
    now: () => time.now(),
  }).start();
  const env = inProcessFallback(fake, time, { pageSize: 5, ...settings }, () => {
    void env.fallback.close();
  });
  closers.push(() => env.fallback.close());
  return { ...env, time, phones, fake };
}

describe('a full poll', () => {
  it('pages through the list on the configured host, checks every ExoPhone and publishes once', async () => {
    const { store, fallback, recorded, phones, fake: api } = await setup(12);
    (phones[3] as { incoming: string | null }).incoming = 'major_outage';
    (phones[7] as { outgoing: string | null }).outgoing = 'partial_outage';
    (phones[9] as { incoming: string | null; outgoing: string | null }).incoming = null;
    (phones[9] as { incoming: string | null; outgoing: string | null }).outgoing = null;
    store.apply(
      'acme',
      heartbeat({ timestamp: at('2024-01-01T09:59:00Z'), status: 'PAYLOAD_TOO_LARGE' }),
      T,
    );
    fallback.check();
    await waitFor('a complete poll', () => recorded.completed.length === 1);

    const list = api.of('list');
    expect(list.map((r) => r.query.get('Page'))).toEqual(['0', '1', '2']);
    // next_page_uri named internal-exotel.invalid: never contacted, the page rebuilt on ours.
    expect(new Set(api.requests.map((r) => r.host))).toEqual(new Set([new URL(api.url).host]));
    expect(api.requests.every((r) => r.authorized)).toBe(true);
    expect(api.of('details')).toHaveLength(12);
    expect(recorded.completed[0]).toMatchObject({ exophones: 12, withoutHealth: 1 });

    const details = detailMaps(store.snapshot().accounts.get('acme')?.state.details ?? null);
    expect([...(details?.since.incoming.keys() ?? [])]).toEqual(['exo00003']);
    expect([...(details?.since.outgoing.keys() ?? [])]).toEqual(['exo00007']);
    expect(details?.api?.statuses.outgoing.get('exo00007')).toBe('partial_outage');
    expect(details?.phones.get('exo00003')).toBe(phones[3]?.phone);
    expect(details?.timestamp.seconds).toBe(Math.floor((recorded.completed[0]?.nowMs ?? 0) / 1000));
  });

  it('checks the SIDs known to be affected first, and publishes them before the rest', async () => {
    const { store, fallback, recorded, fake: api } = await setup(10);
    store.apply(
      'acme',
      heartbeat({
        timestamp: at('2024-01-01T09:50:00Z'),
        status: 'WARNING',
        incoming: ['exo00008', 'gone1'],
        outgoing: ['exo00002'],
      }),
      T,
    );
    store.apply(
      'acme',
      heartbeat({ timestamp: at('2024-01-01T09:55:00Z'), status: 'PAYLOAD_TOO_LARGE' }),
      T,
    );
    const versions: number[] = [];
    const publish = store.applyPoll.bind(store);
    store.applyPoll = (account, poll) => {
      versions.push(poll.exophones.size);
      return publish(account, poll);
    };
    fallback.check();
    await waitFor('a complete poll', () => recorded.completed.length === 1);
    const order = api.requests.map((r) =>
      r.endpoint === 'list' ? 'list' : r.path.split('/').pop(),
    );
    expect(order.slice(0, 4)).toEqual(['exo00002', 'exo00008', 'gone1', 'list']);
    // Priority refresh (3 SIDs), then the full poll (the 10 listed; gone1 is not listed).
    expect(versions).toEqual([3, 10]);
    // The priority SIDs are not fetched twice in one poll.
    expect(api.of('details')).toHaveLength(11);
    const details = detailMaps(store.snapshot().accounts.get('acme')?.state.details ?? null);
    expect(details?.since.incoming.size).toBe(0);
  });

  it('refreshes the known-affected SIDs again during a long poll', async () => {
    const {
      store,
      fallback,
      recorded,
      fake: api,
      phones,
    } = await setup(40, {
      requestsPerMinute: 60,
      burst: 1,
      priorityRefreshMs: 10_000,
    });
    (phones[0] as { incoming: string | null }).incoming = 'major_outage';
    store.apply(
      'acme',
      heartbeat({
        timestamp: at('2024-01-01T09:50:00Z'),
        status: 'WARNING',
        incoming: ['exo00000'],
      }),
      T,
    );
    store.apply(
      'acme',
      heartbeat({ timestamp: at('2024-01-01T09:55:00Z'), status: 'PAYLOAD_TOO_LARGE' }),
      T,
    );
    fallback.check();
    await waitFor('a complete poll', () => recorded.completed.length === 1);
    const priorityChecks = api.of('details').filter((r) => r.path.endsWith('/exo00000'));
    // 40 + 8 pages at 1/s ≈ 48 s: checked first, then about every 10 s.
    expect(priorityChecks.length).toBeGreaterThanOrEqual(4);
    // Still affected, streak start kept from the heartbeat.
    const since = detailMaps(
      store.snapshot().accounts.get('acme')?.state.details ?? null,
    )?.since.incoming.get('exo00000');
    expect(since).toBe(at('2024-01-01T09:50:00Z').seconds);
  });

  it('a 404 for one ExoPhone (released meanwhile) does not fail the poll', async () => {
    const { store, fallback, recorded, fake: api } = await setup(6);
    store.apply(
      'acme',
      heartbeat({ timestamp: at('2024-01-01T09:59:00Z'), status: 'PAYLOAD_TOO_LARGE' }),
      T,
    );
    api.released.add('exo00005');
    fallback.check();
    await waitFor('a complete poll', () => recorded.completed.length === 1);
    expect(api.requests.some((r) => r.status === 404)).toBe(true);
    expect(recorded.ended).toEqual([]);
  });

  it('401 fails the poll at once, without retries, and it is retried only after the interval', async () => {
    const { store, fallback, recorded, fake: api, time } = await setup(5, { intervalMs: 60_000 });
    api.faults.list.push({ kind: 'status', status: 401 });
    store.apply(
      'acme',
      heartbeat({ timestamp: at('2024-01-01T09:59:00Z'), status: 'PAYLOAD_TOO_LARGE' }),
      T,
    );
    fallback.check();
    await waitFor('a complete poll', () => recorded.completed.length === 1);
    expect(recorded.ended).toEqual(['failed']);
    expect(api.requests[0]?.status).toBe(401);
    expect((api.requests[1]?.atMs ?? 0) - (api.requests[0]?.atMs ?? 0)).toBe(60_000);
    expect(time.now()).toBeGreaterThan(T);
  });

  it('5xx, malformed JSON and 429s are retried within the poll, which still completes', async () => {
    const { store, fallback, recorded, fake: api } = await setup(5);
    api.faults.details.push(
      { kind: 'status', status: 503 },
      { kind: 'malformed' },
      { kind: 'status', status: 429, retryAfter: '7' },
      { kind: 'status', status: 429 },
    );
    store.apply(
      'acme',
      heartbeat({ timestamp: at('2024-01-01T09:59:00Z'), status: 'PAYLOAD_TOO_LARGE' }),
      T,
    );
    fallback.check();
    await waitFor('a complete poll', () => recorded.completed.length === 1);
    expect(recorded.ended).toEqual([]);
    expect(recorded.codes.filter((c) => c.startsWith('details'))).toEqual([
      'details 503',
      'details invalid_json',
      'details 429',
      'details 429',
      ...Array.from({ length: 5 }, () => 'details 200'),
    ]);
    // Retry-After: 7, then the backoff of the 4th attempt (8 s nominal, equal jitter at 0.5: 6 s).
    expect(recorded.throttledMs).toBe(7_000 + 6_000);
  });

  it('a heartbeat with detail stops the poller and the poll in flight publishes nothing', async () => {
    const {
      store,
      fallback,
      fake: api,
      recorded,
    } = await setup(30, { requestsPerMinute: 60, burst: 1 });
    store.apply(
      'acme',
      heartbeat({ timestamp: at('2024-01-01T09:59:00Z'), status: 'PAYLOAD_TOO_LARGE' }),
      T,
    );
    fallback.check();
    await waitFor('some details requests', () => api.of('details').length >= 3);
    store.apply(
      'acme',
      heartbeat({ timestamp: at('2024-01-01T10:00:00Z'), status: 'WARNING', incoming: ['hb1'] }),
      T,
    );
    fallback.check();
    await fallback.close();
    // A request already written to the socket before close() may still reach the fake server
    // (the abort cannot unsend it); let such bytes land, then nothing new may start.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sent = api.requests.length;
    expect(recorded.completed).toEqual([]);
    expect([
      ...(detailMaps(
        store.snapshot().accounts.get('acme')?.state.details ?? null,
      )?.since.incoming.keys() ?? []),
    ]).toEqual(['hb1']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(api.requests.length).toBe(sent);
  });
});
