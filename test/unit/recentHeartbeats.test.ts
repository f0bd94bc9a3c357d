import { describe, expect, it } from 'vitest';
import {
  attemptedAccount,
  MAX_ATTEMPTED_ACCOUNT_CHARS,
  RECENT_HEARTBEATS_CAPACITY,
  RecentHeartbeats,
  type RecentHeartbeat,
} from '../../src/status/recentHeartbeats.js';

function entry(n: number): RecentHeartbeat {
  return {
    receivedMs: n,
    httpStatus: 400,
    outcome: 'rejected',
    account: `a${n}`,
    reason: 'invalid_json',
    detail: 'body is not valid JSON',
    bodyBytes: n,
  };
}

const times = (ring: RecentHeartbeats) => ring.list().map((e) => e.receivedMs);

describe('RecentHeartbeats', () => {
  it('keeps the last 100 requests by default', () => {
    expect(RECENT_HEARTBEATS_CAPACITY).toBe(100);
    expect(new RecentHeartbeats().capacity).toBe(100);
  });

  it('is empty at first', () => {
    expect(new RecentHeartbeats(3).list()).toEqual([]);
  });

  it('lists newest first before it is full', () => {
    const ring = new RecentHeartbeats(3);
    ring.record(entry(1));
    ring.record(entry(2));
    expect(times(ring)).toEqual([2, 1]);
  });

  it.each([3, 4, 7, 1000])('keeps only the latest `capacity` of %d requests', (count) => {
    const ring = new RecentHeartbeats(3);
    for (let i = 1; i <= count; i++) ring.record(entry(i));
    expect(times(ring)).toEqual([count, count - 1, count - 2]);
  });

  it('works with a capacity of one', () => {
    const ring = new RecentHeartbeats(1);
    ring.record(entry(1));
    ring.record(entry(2));
    expect(times(ring)).toEqual([2]);
  });

  it('hands out a copy that later requests do not change', () => {
    const ring = new RecentHeartbeats(2);
    ring.record(entry(1));
    const before = ring.list();
    ring.record(entry(2));
    ring.record(entry(3));
    expect(before.map((e) => e.receivedMs)).toEqual([1]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a capacity of %d', (capacity) => {
    expect(() => new RecentHeartbeats(capacity)).toThrow(RangeError);
  });
});

describe('attemptedAccount', () => {
  it('keeps short names as they are, markup included (the page escapes it)', () => {
    expect(attemptedAccount('Acme')).toBe('Acme');
    expect(attemptedAccount('<b>x</b>')).toBe('<b>x</b>');
  });

  it('is null when the account is unknown', () => {
    expect(attemptedAccount(undefined)).toBeNull();
  });

  it('truncates long names by characters, not UTF-16 units, and marks the cut', () => {
    const long = '😀'.repeat(MAX_ATTEMPTED_ACCOUNT_CHARS + 10);
    const kept = attemptedAccount(long);
    expect(kept).toBe(`${'😀'.repeat(MAX_ATTEMPTED_ACCOUNT_CHARS)}…`);
    expect(attemptedAccount('x'.repeat(MAX_ATTEMPTED_ACCOUNT_CHARS))).toBe(
      'x'.repeat(MAX_ATTEMPTED_ACCOUNT_CHARS),
    );
  });
});
