import { describe, expect, it } from 'vitest';
import {
  ApiError,
  apiGet,
  basicAuthorization,
  type ApiClientDeps,
} from '../../src/fallback/apiClient.js';
import { DEFAULTS } from '../../src/config.js';
import { TokenBucket } from '../../src/tokenBucket.js';
import { VirtualTime } from '../helpers/virtualTime.js';

const T = Date.UTC(2024, 0, 1);
const URL_ = 'https://api.exotel.com/v2/accounts/a/incoming-phone-numbers/s';

type Answer =
  { status: number; body?: string; headers?: Record<string, string> } | 'hang' | 'network';

/** A fetch that plays a script of answers and records when each request went out. */
function scripted(time: VirtualTime, answers: Answer[]) {
  const sent: { atMs: number; init: RequestInit | undefined }[] = [];
  const fetchFn: typeof fetch = (_input, init) => {
    sent.push({ atMs: time.now(), init });
    const answer = answers.shift() ?? { status: 200, body: '{}' };
    if (answer === 'network') return Promise.reject(new TypeError('fetch failed'));
    if (answer === 'hang') {
      return new Promise((_resolve, reject) => {
        if (init?.signal?.aborted === true) reject(new Error('aborted'));
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
      });
    }
    return Promise.resolve(
      new Response(answer.body ?? '{}', { status: answer.status, headers: answer.headers ?? {} }),
    );
  };
  return { fetchFn, sent };
}

function client(time: VirtualTime, fetchFn: typeof fetch, settings = {}) {
  const codes: string[] = [];
  let throttledMs = 0;
  const deps: ApiClientDeps = {
    fetch: fetchFn,
    clock: time,
    timers: time,
    random: () => 0.5,
    budget: new TokenBucket(60, 1, T),
    settings: { ...DEFAULTS.api.settings, requestsPerMinute: 60, burst: 1, ...settings },
    authorization: basicAuthorization('key', 'token'),
    onRequest: (_endpoint, code) => codes.push(code),
    onThrottled: (ms) => (throttledMs += ms),
  };
  return { deps, codes, throttled: () => throttledMs };
}

const signal = new AbortController().signal;

describe('apiGet', () => {
  it('sends Basic auth and never follows redirects', async () => {
    const time = new VirtualTime(T);
    const { fetchFn, sent } = scripted(time, [{ status: 200, body: '{"ok":1}' }]);
    const { deps } = client(time, fetchFn);
    expect(await apiGet(deps, 'details', URL_, signal)).toEqual({ kind: 'ok', body: { ok: 1 } });
    const headers = sent[0]?.init?.headers as Record<string, string>;
    expect(headers['authorization']).toBe(`Basic ${Buffer.from('key:token').toString('base64')}`);
    expect(sent[0]?.init?.redirect).toBe('manual');
  });

  it('429 with Retry-After: the next attempt waits exactly that long, counted as throttled', async () => {
    const time = new VirtualTime(T);
    const { fetchFn, sent } = scripted(time, [
      { status: 429, headers: { 'retry-after': '20' } },
      { status: 200, body: '{}' },
    ]);
    const { deps, codes, throttled } = client(time, fetchFn);
    await apiGet(deps, 'details', URL_, signal);
    expect(codes).toEqual(['429', '200']);
    expect((sent[1]?.atMs ?? 0) - (sent[0]?.atMs ?? 0)).toBe(20_000);
    expect(throttled()).toBe(20_000);
  });

  it('429 without Retry-After backs off exponentially (1 s, 2 s, 4 s nominal, equal jitter)', async () => {
    const time = new VirtualTime(T);
    const { fetchFn, sent } = scripted(time, [
      { status: 429 },
      { status: 429 },
      { status: 429 },
      { status: 200 },
    ]);
    const { deps } = client(time, fetchFn);
    await apiGet(deps, 'details', URL_, signal);
    const gaps = sent.slice(1).map((s, i) => s.atMs - (sent[i]?.atMs ?? 0));
    expect(gaps).toEqual([750, 1_500, 3_000]);
  });

  it('a 429 pauses every request of the account, not just the one that got it', async () => {
    const time = new VirtualTime(T);
    const { fetchFn, sent } = scripted(time, [
      { status: 429, headers: { 'retry-after': '30' } },
      { status: 200 },
      { status: 200 },
    ]);
    const { deps } = client(time, fetchFn);
    await Promise.all([
      apiGet(deps, 'details', URL_, signal),
      apiGet(deps, 'details', URL_, signal),
    ]);
    expect(sent.map((s) => s.atMs - T)).toEqual([0, 30_000, 31_000]);
  });

  it('gives up after maxRetries with a bounded number of requests', async () => {
    const time = new VirtualTime(T);
    const { fetchFn, sent } = scripted(
      time,
      Array.from({ length: 20 }, () => ({ status: 503 })),
    );
    const { deps } = client(time, fetchFn, { maxRetries: 3 });
    await expect(apiGet(deps, 'details', URL_, signal)).rejects.toMatchObject({
      reason: 'unavailable',
    });
    expect(sent).toHaveLength(4);
  });

  it('401 and other 4xx give up at once; 404 is an answer', async () => {
    const time = new VirtualTime(T);
    const { fetchFn, sent } = scripted(time, [{ status: 401 }, { status: 400 }, { status: 404 }]);
    const { deps } = client(time, fetchFn);
    await expect(apiGet(deps, 'details', URL_, signal)).rejects.toMatchObject({
      reason: 'unauthorized',
    });
    await expect(apiGet(deps, 'details', URL_, signal)).rejects.toBeInstanceOf(ApiError);
    expect(await apiGet(deps, 'details', URL_, signal)).toEqual({ kind: 'not_found' });
    expect(sent).toHaveLength(3);
  });

  it('retries malformed JSON, network errors and timeouts, and reports each by name', async () => {
    const time = new VirtualTime(T);
    const { fetchFn, sent } = scripted(time, [
      { status: 200, body: '{"a":' },
      'network',
      'hang',
      { status: 200, body: '[]' },
    ]);
    const { deps, codes } = client(time, fetchFn, { timeoutMs: 5_000 });
    expect(await apiGet(deps, 'details', URL_, signal)).toEqual({ kind: 'ok', body: [] });
    expect(codes).toEqual(['invalid_json', 'network_error', 'timeout', '200']);
    // The hung request was cut after the timeout, then backed off (4 s nominal, jitter 0.5).
    expect((sent[3]?.atMs ?? 0) - (sent[2]?.atMs ?? 0)).toBe(5_000 + 3_000);
  });

  it('a stop aborts at once and is not counted as a failure', async () => {
    const time = new VirtualTime(T);
    const { fetchFn } = scripted(time, ['hang']);
    const { deps, codes } = client(time, fetchFn);
    const stop = new AbortController();
    const pending = apiGet(deps, 'details', URL_, stop.signal);
    queueMicrotask(() => stop.abort(new Error('stopped')));
    await expect(pending).rejects.toThrow('stopped');
    expect(codes).toEqual([]);
  });
});
