/**
 * The fallback end to end through the whole exporter (in process, as main.ts starts it) and the
 * fake Exotel API over HTTP:
 * PAYLOAD_TOO_LARGE → the poller runs → /metrics (promtool-clean) shows per-SID state from the API
 * → 429s slow it down without losing the poll or exceeding the budget → a normal heartbeat stops
 * it. Small intervals via configuration keep it to a few seconds. A start-up refusal runs the real
 * process (exit 2).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startExporterInProcess, stopAllInProcess } from '../helpers/exporterInProcess.js';
import { startExporterProcess, stopAll, tempDir } from '../helpers/exporterProcess.js';
import {
  heartbeat,
  heartbeatUrl,
  iso,
  postHeartbeat,
  scrape,
  T0,
  waitFor,
} from '../helpers/http.js';
import { exophones, FakeExotel } from '../fakeExotel/fakeExotel.js';

const TOKEN = 'tok-VERY-SECRET-4242';
const fakes: FakeExotel[] = [];
const dirs: (() => void)[] = [];

afterEach(async () => {
  stopAll();
  await stopAllInProcess();
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
  for (const cleanup of dirs.splice(0)) cleanup();
});
afterAll(async () => {
  stopAll();
  await stopAllInProcess();
});

const FAST = {
  EXOTEL_API_REQUESTS_PER_MINUTE: '600', // 10/s
  EXOTEL_API_BURST: '3',
  EXOTEL_API_POLL_INTERVAL_SECONDS: '1',
  EXOTEL_API_BACKOFF_BASE_MS: '50',
  EXOTEL_API_BACKOFF_CAP_MS: '400',
  EXOTEL_API_TIMEOUT_MS: '2000',
  EXOTEL_API_PAGE_SIZE: '5',
};

async function fake(count: number): Promise<FakeExotel> {
  const api = await new FakeExotel({
    apiKey: 'key-1',
    apiToken: TOKEN,
    accountSid: 'acme1',
    exophones: exophones(count),
  }).start();
  fakes.push(api);
  return api;
}

describe('the API fallback in the whole exporter', () => {
  it('polls on PAYLOAD_TOO_LARGE, publishes per-SID state, rides out 429s within budget, stops on a normal heartbeat', async () => {
    const api = await fake(12);
    const [p3, p7, p9] = [api.exophones[3], api.exophones[7], api.exophones[9]];
    if (p3 === undefined || p7 === undefined || p9 === undefined) throw new Error('fixture');
    p3.incoming = 'major_outage';
    p7.outgoing = 'major_outage';
    p9.incoming = null;
    p9.outgoing = null;
    const dir = tempDir();
    dirs.push(dir.cleanup);
    const file = join(dir.path, 'accounts.json');
    writeFileSync(
      file,
      JSON.stringify({
        accounts: [{ account: 'acme', accountSid: 'acme1', apiKey: 'key-1', apiToken: TOKEN }],
      }),
    );
    const exporter = await startExporterInProcess({
      ...FAST,
      EXOTEL_ACCOUNTS_FILE: file,
      EXOTEL_API_BASE_URL: api.url,
    });
    const url = heartbeatUrl(exporter.url, 'acme');

    // Known affected before the heartbeat grew too large: exo00003 incoming.
    await postHeartbeat(
      url,
      heartbeat({ timestamp: iso(T0), status: 'WARNING', incoming: ['exo00003'] }),
    );
    expect(api.requests).toEqual([]);
    await postHeartbeat(url, heartbeat({ timestamp: iso(T0 + 300), status: 'PAYLOAD_TOO_LARGE' }));

    await waitFor('a complete poll', async () => {
      const m = (await scrape(exporter.url)).metrics;
      return m.get('exotel_api_polls_total', { account: 'acme', result: 'complete' }) === 1;
    });
    const first = (await scrape(exporter.url)).metrics;
    expect(first.value('exotel_exophone_details_source', { account: 'acme', source: 'api' })).toBe(
      1,
    );
    expect(
      first.value('exotel_exophone_details_source', { account: 'acme', source: 'heartbeat' }),
    ).toBe(0);
    expect(
      first
        .select('exotel_exophone_affected', { account: 'acme' })
        .map((s) => [s.labels['sid'], s.labels['direction'], s.labels['phone_number']]),
    ).toEqual([
      ['exo00003', 'incoming', p3.phone],
      ['exo00007', 'outgoing', p7.phone],
    ]);
    expect(
      first.value('exotel_exophone_affected_since_timestamp_seconds', {
        account: 'acme',
        sid: 'exo00003',
        phone_number: p3.phone,
        direction: 'incoming',
      }),
    ).toBe(T0);
    expect(
      first.value('exotel_exophone_connectivity_status', {
        account: 'acme',
        sid: 'exo00007',
        direction: 'outgoing',
        status: 'major_outage',
      }),
    ).toBe(1);
    expect(
      first.value('exotel_exophones_affected', { account: 'acme', direction: 'incoming' }),
    ).toBe(1);
    expect(
      first.value('exotel_exophone_details_timestamp_seconds', { account: 'acme' }),
    ).toBeGreaterThan(T0 + 300);
    expect(first.value('exotel_api_poll_exophones', { account: 'acme' })).toBe(12);
    expect(first.value('exotel_api_poll_exophones_without_health', { account: 'acme' })).toBe(1);
    expect(first.value('exotel_api_poll_active', { account: 'acme' })).toBe(1);
    expect(
      first.value('exotel_api_poll_last_success_timestamp_seconds', { account: 'acme' }),
    ).toBeGreaterThan(0);
    // The known-affected SID went first; pages were rebuilt on our host, with our credentials.
    expect(api.of('details')[0]?.path).toMatch(/\/exo00003$/);
    expect(new Set(api.requests.map((r) => r.host))).toEqual(new Set([new URL(api.url).host]));
    expect(api.requests.every((r) => r.authorized)).toBe(true);

    // Exotel throttles: Retry-After 1 s, then 429s without it. The next poll still completes.
    const before = api.requests.length;
    api.faults.details.push(
      { kind: 'status', status: 429, retryAfter: '1' },
      { kind: 'status', status: 429 },
      { kind: 'status', status: 429 },
    );
    await waitFor('a second complete poll', async () => {
      const m = (await scrape(exporter.url)).metrics;
      return m.get('exotel_api_polls_total', { account: 'acme', result: 'complete' }) === 2;
    });
    const throttled = api.requests.slice(before);
    const first429 = throttled.findIndex((r) => r.status === 429);
    expect(first429).toBeGreaterThanOrEqual(0);
    // Nothing at all went out during the Retry-After second.
    expect(
      (throttled[first429 + 1]?.atMs ?? 0) - (throttled[first429]?.atMs ?? 0),
    ).toBeGreaterThanOrEqual(950);
    const second = (await scrape(exporter.url)).metrics;
    expect(
      second.value('exotel_api_throttled_seconds_total', { account: 'acme' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      second.value('exotel_api_requests_total', {
        account: 'acme',
        endpoint: 'details',
        code: '429',
      }),
    ).toBe(3);
    expect(second.value('exotel_api_polls_total', { account: 'acme', result: 'failed' })).toBe(0);
    // Budget: 10/s with a burst of 3 → never more than 13 requests in any second.
    expect(api.maxInWindow(1_000)).toBeLessThanOrEqual(13);

    // A normal heartbeat wins at once and stops the poller.
    await postHeartbeat(
      url,
      heartbeat({ timestamp: iso(T0 + 600), status: 'WARNING', outgoing: ['exo00001'] }),
    );
    const stopped = (await scrape(exporter.url)).metrics;
    expect(stopped.value('exotel_api_poll_active', { account: 'acme' })).toBe(0);
    expect(
      stopped.value('exotel_exophone_details_source', { account: 'acme', source: 'heartbeat' }),
    ).toBe(1);
    expect(
      stopped.select('exotel_exophone_affected', { account: 'acme' }).map((s) => s.labels['sid']),
    ).toEqual(['exo00001']);
    expect(stopped.select('exotel_exophone_connectivity_status', { account: 'acme' })).toEqual([]);
    const sent = api.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(api.requests.length).toBe(sent);
    expect(
      (await scrape(exporter.url)).metrics
        .select('exotel_exophone_affected', { account: 'acme' })
        .map((s) => s.labels['sid']),
    ).toEqual(['exo00001']);

    // The token never reached a log line.
    const output = JSON.stringify(exporter.logs) + exporter.otherOutput.join('\n');
    expect(output).not.toContain(TOKEN);
    expect(exporter.logs.some((l) => l.msg === 'api fallback started')).toBe(true);
  });

  it('a wrong key fails the poll without a retry storm, says so, and keeps the last detail', async () => {
    const api = await fake(3);
    const exporter = await startExporterInProcess({
      ...FAST,
      EXOTEL_API_KEY: 'wrong-key',
      EXOTEL_API_TOKEN: TOKEN,
      EXOTEL_ACCOUNT_SID: 'acme1',
      EXOTEL_API_BASE_URL: api.url,
    });
    const url = heartbeatUrl(exporter.url, null);
    await postHeartbeat(
      url,
      heartbeat({ timestamp: iso(T0), status: 'CRITICAL', incoming: ['exo00000'] }),
    );
    await postHeartbeat(url, heartbeat({ timestamp: iso(T0 + 300), status: 'PAYLOAD_TOO_LARGE' }));
    await waitFor('two failed polls', async () => {
      const m = (await scrape(exporter.url)).metrics;
      return (m.get('exotel_api_polls_total', { account: 'default', result: 'failed' }) ?? 0) >= 2;
    });
    const m = (await scrape(exporter.url)).metrics;
    expect(
      m.value('exotel_api_requests_total', {
        account: 'default',
        endpoint: 'details',
        code: '401',
      }),
    ).toBeGreaterThanOrEqual(2);
    // One request per poll (no retries on 401), one poll per second.
    expect(api.maxInWindow(900)).toBe(1);
    expect(
      m.value('exotel_exophone_details_source', { account: 'default', source: 'heartbeat' }),
    ).toBe(1);
    expect(
      m.select('exotel_exophone_affected', { account: 'default' }).map((s) => s.labels['sid']),
    ).toEqual(['exo00000']);
    const failed = exporter.logs.find(
      (l) => l.msg === 'api poll failed; retrying after the poll interval',
    );
    expect(failed).toMatchObject({ level: 'warn', account: 'default', reason: 'unauthorized' });
    expect(JSON.stringify(exporter.logs)).not.toContain(TOKEN);
  });

  it('a bad accounts file stops start-up with exit 2 and a message naming the field', async () => {
    const dir = tempDir();
    dirs.push(dir.cleanup);
    const file = join(dir.path, 'accounts.json');
    writeFileSync(
      file,
      JSON.stringify({
        accounts: [
          { account: 'acme', accountSid: 'a', apiKey: 'k', apiToken: TOKEN, host: 'evil.example' },
        ],
      }),
    );
    await expect(startExporterProcess({ EXOTEL_ACCOUNTS_FILE: file })).rejects.toThrow(
      /invalid configuration: --exotel.accounts-file\/EXOTEL_ACCOUNTS_FILE field \/accounts\/0\/host is invalid/,
    );
  });
});
