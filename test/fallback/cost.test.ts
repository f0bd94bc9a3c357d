/**
 * The cost measurement the README quotes: a full poll of an account with 5,000 ExoPhones against
 * the fake Exotel API enforcing 50 requests per any 60 s (429 + Retry-After beyond), in virtual
 * time (the injected clock and timers), through the real Fallback, budget, client and cycle. The
 * fake answers without a socket here (the same code as its HTTP server) to keep the run short.
 * Prints one line per run; the assertions pin the numbers the README states.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { at, heartbeat } from '../helpers/unit-heartbeats.js';
import { waitFor } from '../helpers/http.js';
import { VirtualTime } from '../helpers/virtualTime.js';
import { exophones, FakeExotel } from '../fakeExotel/fakeExotel.js';
import { inProcessFallback } from './inProcess.js';

const COUNT = 5_000;
const LIMIT = 50;
const T = Date.UTC(2024, 0, 1, 10);
let fake: FakeExotel | null = null;

afterEach(async () => {
  await fake?.stop();
  fake = null;
});

async function fullPoll(requestsPerMinute: number, burst: number) {
  const time = new VirtualTime(T);
  fake = await new FakeExotel({
    apiKey: 'key',
    apiToken: 'token',
    accountSid: 'acme1',
    exophones: exophones(COUNT),
    now: () => time.now(),
    limitPerMinute: LIMIT,
  }).start();
  const { store, fallback, recorded } = inProcessFallback(
    fake,
    time,
    { requestsPerMinute, burst },
    () => {
      void fallback.close();
    },
    // No socket: loopback HTTP for 5,000+ requests was most of this file's run time.
    time.wrap(fake.directFetch),
  );
  store.apply(
    'acme',
    heartbeat({ timestamp: at('2024-01-01T09:59:00Z'), status: 'PAYLOAD_TOO_LARGE' }),
    T,
  );
  fallback.check();
  await waitFor(
    'the full poll',
    () => recorded.completed.length === 1 || recorded.ended.length > 0,
    60_000,
  );
  await fallback.close();
  const api = fake;
  const result = {
    requests: api.requests.length,
    listPages: api.of('list').filter((r) => r.status === 200).length,
    throttled: api.requests.filter((r) => r.status === 429).length,
    minutes: Math.round((recorded.completed[0]?.durationMs ?? NaN) / 600) / 100,
    maxPerMinute: api.maxInWindow(60_000),
    ended: recorded.ended,
  };
  console.log(
    `full poll of ${COUNT} ExoPhones at ${requestsPerMinute}/min (burst ${burst}) under a ${LIMIT}/min limit: ` +
      `${result.requests} requests (${result.listPages} list pages), ${result.throttled} answered 429, ` +
      `${result.minutes} minutes, at most ${result.maxPerMinute} requests in any 60 s`,
  );
  return result;
}

describe(`a full poll of ${COUNT} ExoPhones under a ${LIMIT} requests/minute limit`, () => {
  it('with the default budget (30/min, burst 5): N + pages requests, no 429, ~170 minutes', async () => {
    const result = await fullPoll(30, 5);
    expect(result.ended).toEqual([]);
    // 50 per page; the 100th page has next_page_uri null, so no empty page is fetched.
    expect(result.listPages).toBe(COUNT / 50);
    expect(result.requests).toBe(COUNT + result.listPages);
    expect(result.throttled).toBe(0);
    expect(result.maxPerMinute).toBeLessThanOrEqual(35);
    expect(result.minutes).toBeGreaterThan(169);
    expect(result.minutes).toBeLessThan(171);
  });

  it('with the budget at the limit (50/min, burst 5): the 429s cost a few requests, not the poll', async () => {
    const result = await fullPoll(50, 5);
    expect(result.ended).toEqual([]);
    expect(result.requests).toBe(COUNT + result.listPages + result.throttled);
    expect(result.throttled).toBeGreaterThan(0);
    expect(result.throttled).toBeLessThan(20);
    expect(result.maxPerMinute).toBeLessThanOrEqual(LIMIT + result.throttled);
    expect(result.minutes).toBeLessThan(105);
  });
});
