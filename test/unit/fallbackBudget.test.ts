import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/fallback/backoff.js';
import { parseRetryAfter } from '../../src/fallback/retryAfter.js';
import { TokenBucket } from '../../src/tokenBucket.js';
import { VirtualTime } from '../helpers/virtualTime.js';

const T = Date.UTC(2024, 0, 1);

describe('TokenBucket', () => {
  it('allows the burst at once, then one request per 60/rate seconds', () => {
    const bucket = new TokenBucket(30, 3, T);
    expect([bucket.tryTake(T), bucket.tryTake(T), bucket.tryTake(T)]).toEqual([0, 0, 0]);
    expect(bucket.tryTake(T)).toBe(2_000);
    expect(bucket.tryTake(T + 1_999)).toBe(1);
    expect(bucket.tryTake(T + 2_000)).toBe(0);
    expect(bucket.tryTake(T + 2_000)).toBe(2_000);
  });

  it('never saves up more than its capacity', () => {
    const bucket = new TokenBucket(60, 2, T);
    const later = T + 3_600_000;
    expect([bucket.tryTake(later), bucket.tryTake(later), bucket.tryTake(later)]).toEqual([
      0, 0, 1_000,
    ]);
  });

  it('holds everything during a pause and does not burst after it', () => {
    const bucket = new TokenBucket(60, 5, T);
    bucket.pauseUntil(T + 10_000);
    expect(bucket.tryTake(T + 5_000)).toBe(5_000);
    expect(bucket.tryTake(T + 10_000)).toBe(0);
    expect(bucket.tryTake(T + 10_000)).toBe(1_000);
    expect(bucket.tryTake(T + 11_000)).toBe(0);
    expect(bucket.tryTake(T + 11_000)).toBe(1_000);
  });

  it('a shorter pause does not shorten a longer one', () => {
    const bucket = new TokenBucket(60, 5, T);
    bucket.pauseUntil(T + 10_000);
    bucket.pauseUntil(T + 2_000);
    expect(bucket.tryTake(T + 3_000)).toBe(7_000);
  });

  it('take() in virtual time: 100 requests at 30/min with burst 5 need (100-5)*2 s, never more than 35 in any minute', async () => {
    const time = new VirtualTime(T);
    const bucket = new TokenBucket(30, 5, T);
    const at: number[] = [];
    for (let i = 0; i < 100; i++) {
      await bucket.take(time, time);
      at.push(time.now());
    }
    expect((at[99] ?? 0) - T).toBe(95 * 2_000);
    for (let i = 0; i < at.length; i++) {
      const inMinute = at.filter((t) => t >= (at[i] ?? 0) && t < (at[i] ?? 0) + 60_000).length;
      expect(inMinute).toBeLessThanOrEqual(35);
    }
  });
});

describe('backoffDelay', () => {
  const base = 1_000;
  const cap = 16_000;

  it('doubles per attempt between half and all of the nominal delay', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, base, cap, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000,
    ]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, base, cap, () => 1))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
  });

  it('stops growing at the cap, even for absurd attempt numbers', () => {
    expect(backoffDelay(10, base, cap, () => 1)).toBe(cap);
    expect(backoffDelay(1_000, base, cap, () => 0.5)).toBe(12_000);
  });

  it('spreads retries: different random draws give different delays', () => {
    const draws = [0.1, 0.4, 0.9].map((r) => backoffDelay(2, base, cap, () => r));
    expect(new Set(draws).size).toBe(3);
  });
});

describe('parseRetryAfter', () => {
  const max = 600_000;

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('7', T, max)).toBe(7_000);
    expect(parseRetryAfter(' 0 ', T, max)).toBe(0);
  });

  it('reads an HTTP-date relative to the injected now', () => {
    const date = new Date(T + 30_000).toUTCString(); // IMF-fixdate
    expect(parseRetryAfter(date, T, max)).toBe(30_000);
    expect(parseRetryAfter('Monday, 01-Jan-24 00:00:45 GMT', T, max)).toBe(45_000);
  });

  it('a date in the past means "now"', () => {
    expect(parseRetryAfter(new Date(T - 5_000).toUTCString(), T, max)).toBe(0);
  });

  it('caps absurd values', () => {
    expect(parseRetryAfter('999999', T, max)).toBe(max);
    expect(parseRetryAfter('Fri, 31 Dec 2100 23:59:59 GMT', T, max)).toBe(max);
  });

  it('ignores what is absent or unreadable', () => {
    for (const value of [null, '', '-1', '1.5', 'soon', 'Xyz, nonsense']) {
      expect(parseRetryAfter(value, T, max)).toBeNull();
    }
  });
});
